//! Converting: start and cancel jobs, preview one chunk. Progress reaches the UI as
//! `JobEvent`s carrying the job's id. One engine (and so one set of worker processes with
//! their models loaded) serves the whole queue while the settings stay the same.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use revoice::models::ModelsDir;
use revoice::options::{output_path, Options};
use revoice::pipeline::{ConvertSettings, Engine, ProgressSink};
use tauri::{AppHandle, State};
use tauri_specta::Event;
use tokio::sync::{MappedMutexGuard, MutexGuard};
use tokio_util::sync::CancellationToken;

use crate::error::AppError;
use crate::player::waveform;
use crate::state::AppState;
use crate::types::{ChunkPreview, JobDone, JobEvent, JobRequest, PreviewRequest, WAVEFORM_POINTS};

/// Convert one file; progress arrives as `JobEvent`s with the request's id.
#[tauri::command]
#[specta::specta]
pub async fn start_job(
    app: AppHandle,
    state: State<'_, AppState>,
    request: JobRequest,
) -> Result<JobDone, AppError> {
    let settings = resolve(&request.options)?;
    let input = PathBuf::from(&request.input);
    let output = output_path(
        &input,
        request.output_dir.as_deref().map(Path::new),
        &request.format,
    );
    let id = request.id;
    let (sink, cancel) = track(&app, &state, id);
    let result = async {
        let mut engine = engine_for(&state, settings).await?;
        Ok::<_, AppError>(engine.convert(&input, &output, &sink, &cancel).await?)
    }
    .await;
    state.unregister(id);
    let summary = result?;
    Ok(JobDone {
        id,
        output: output.display().to_string(),
        summary,
    })
}

/// Convert the chunk at `at_secs` only and load it into the player, original beside
/// converted. Its transcript is cached, so converting the whole file later reuses it.
#[tauri::command]
#[specta::specta]
pub async fn preview_chunk(
    app: AppHandle,
    state: State<'_, AppState>,
    request: PreviewRequest,
) -> Result<ChunkPreview, AppError> {
    let settings = resolve(&request.options)?;
    let input = PathBuf::from(&request.input);
    let id = request.id;
    let (sink, cancel) = track(&app, &state, id);
    let result = async {
        let mut engine = engine_for(&state, settings).await?;
        Ok::<_, AppError>(
            engine
                .preview(&input, request.at_secs, &sink, &cancel)
                .await?,
        )
    }
    .await;
    state.unregister(id);
    let preview = result?;
    let output = state.player.load(&preview.original, &preview.converted)?;
    Ok(ChunkPreview {
        chunk: preview.chunk as u32,
        chunks: preview.chunks as u32,
        start_secs: preview.start_secs,
        duration_secs: preview.original.duration_secs(),
        waveform_original: waveform::peaks(&preview.original.samples, WAVEFORM_POINTS),
        waveform_converted: waveform::peaks(&preview.converted.samples, WAVEFORM_POINTS),
        transcript: preview.transcript,
        output,
    })
}

/// Stop a job: its workers are killed at once and nothing half-written is left.
#[tauri::command]
#[specta::specta]
pub fn cancel_job(state: State<'_, AppState>, id: u32) -> bool {
    tracing::info!(id, "cancel asked");
    state.cancel(id)
}

fn resolve(options: &Options) -> Result<ConvertSettings, AppError> {
    let models = ModelsDir::locate()?;
    let worker = revoice::options::worker_program()?;
    Ok(options.resolve(&models, worker)?)
}

/// A progress sink that emits `JobEvent`s for `id`, and a token that cancels the job.
fn track(app: &AppHandle, state: &AppState, id: u32) -> (ProgressSink, CancellationToken) {
    let cancel = CancellationToken::new();
    state.register(id, cancel.clone());
    let app = app.clone();
    let sink: ProgressSink = Arc::new(move |progress| {
        let _ = JobEvent { id, progress }.emit(&app);
    });
    (sink, cancel)
}

/// The app's engine for `settings`: the running one when the settings are the same (its
/// workers keep their models loaded), else a new one after the old one's workers stop.
async fn engine_for(
    state: &AppState,
    settings: ConvertSettings,
) -> Result<MappedMutexGuard<'_, Engine>, AppError> {
    let mut slot = state.engine.lock().await;
    let engine = match slot.take() {
        Some(running) if running.settings() == &settings => running,
        other => {
            if let Some(old) = other {
                old.shutdown().await;
            }
            Engine::new(settings)?
        }
    };
    Ok(MutexGuard::map(slot, |s| s.insert(engine)))
}
