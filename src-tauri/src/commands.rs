//! The commands the UI calls. Each is thin: it checks and converts its arguments, calls the
//! engine (or presets, or a dialog), and converts the result. No pipeline logic lives here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use revoice::models::ModelsDir;
use revoice::options::{output_path, Options, WorkerCommand};
use revoice::pipeline::{Engine, ProgressSink};
use revoice::presets::{self, Preset, UserPresets};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;
use tauri_specta::Event;
use tokio_util::sync::CancellationToken;

use crate::error::AppError;
use crate::state::AppState;
use crate::types::{
    AppInfo, FileInfo, GpuStatus, JobDone, JobEvent, JobRequest, PresetEntry, UiState, VoiceEntry,
};

#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    let cores = revoice::settings::machine_cores();
    let memory = revoice::memory::available_mib();
    let hint = revoice::settings::parallelism(cores, memory, 8, None, None);
    let models_problem = ModelsDir::locate()
        .and_then(|m| {
            m.ensure(&[
                "ggml-base.bin",
                "ggml-tiny.en.bin",
                "libonnxruntime.so.1.31.1",
            ])
        })
        .err()
        .map(|e| e.to_string());
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        cores: cores as u32,
        memory_mib: memory as u32,
        parallelism_hint: format!(
            "Default for this machine ({cores} cores, {memory} MiB free): {}",
            hint.reason
        ),
        gpu: gpu_status(),
        models_problem,
        log_file: state.log_file.display().to_string(),
        defaults: Options::default(),
    }
}

fn gpu_status() -> GpuStatus {
    match revoice::settings::Device::Cuda.use_gpu() {
        Ok(_) => GpuStatus {
            available: true,
            reason: "CUDA build".into(),
        },
        Err(e) => GpuStatus {
            available: false,
            reason: e.to_string(),
        },
    }
}

#[tauri::command]
#[specta::specta]
pub fn list_voices() -> Result<Vec<VoiceEntry>, AppError> {
    let models = ModelsDir::locate()?;
    Ok(revoice::tts::list_voices(&models.voices_dir())
        .into_iter()
        .map(|v| VoiceEntry {
            id: v.id,
            language: v.language,
            sample_rate: v.sample_rate,
            quality: v.quality,
        })
        .collect())
}

#[tauri::command]
#[specta::specta]
pub fn list_presets(state: State<'_, AppState>) -> Result<Vec<PresetEntry>, AppError> {
    Ok(presets::all(&state.presets)?
        .into_iter()
        .map(|p| PresetEntry {
            name: p.name,
            description: p.description,
            built_in: p.built_in,
            options: p.options,
        })
        .collect())
}

#[tauri::command]
#[specta::specta]
pub fn save_preset(
    state: State<'_, AppState>,
    name: String,
    options: Options,
) -> Result<(), AppError> {
    let preset = Preset {
        name,
        description: "Your preset".into(),
        options,
        built_in: false,
    };
    Ok(state.presets.save(&preset)?)
}

#[tauri::command]
#[specta::specta]
pub fn rename_preset(state: State<'_, AppState>, from: String, to: String) -> Result<(), AppError> {
    Ok(state.presets.rename(&from, &to)?)
}

#[tauri::command]
#[specta::specta]
pub fn delete_preset(state: State<'_, AppState>, name: String) -> Result<(), AppError> {
    Ok(state.presets.delete(&name)?)
}

/// Describe the files the user added (decoding them once, off the UI thread).
#[tauri::command]
#[specta::specta]
pub async fn probe_files(paths: Vec<String>) -> Vec<FileInfo> {
    let probe = move || paths.iter().map(|p| probe(Path::new(p))).collect();
    tauri::async_runtime::spawn_blocking(probe)
        .await
        .unwrap_or_default()
}

fn probe(path: &Path) -> FileInfo {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut info = FileInfo {
        path: path.display().to_string(),
        name,
        duration_secs: 0.0,
        format: String::new(),
        sample_rate: 0,
        channels: 0,
        error: None,
    };
    match revoice::decode::decode_file(path) {
        Ok(d) => {
            info.duration_secs = d.audio.duration_secs();
            info.format = format!("{} / {}", d.container, d.codec);
            info.sample_rate = d.source_rate;
            info.channels = d.channels;
        }
        Err(e) => info.error = Some(e.to_string()),
    }
    info
}

#[tauri::command]
#[specta::specta]
pub async fn choose_files(app: AppHandle) -> Vec<String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("Audio", revoice::decode::AUDIO_EXTENSIONS)
        .pick_files(move |files| {
            let _ = tx.send(files.unwrap_or_default());
        });
    let files = rx.await.unwrap_or_default();
    files
        .into_iter()
        .filter_map(|f| f.into_path().ok())
        .map(|p| p.display().to_string())
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn choose_folder(app: AppHandle) -> Option<String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().pick_folder(move |dir| {
        let _ = tx.send(dir);
    });
    rx.await
        .ok()
        .flatten()
        .and_then(|d| d.into_path().ok())
        .map(|p| p.display().to_string())
}

/// Convert one file; progress arrives as `JobEvent`s with the request's id.
#[tauri::command]
#[specta::specta]
pub async fn start_job(
    app: AppHandle,
    state: State<'_, AppState>,
    request: JobRequest,
) -> Result<JobDone, AppError> {
    let models = ModelsDir::locate()?;
    let worker = WorkerCommand::this_exe()?;
    let settings = request.options.resolve(&models, worker)?;
    let input = PathBuf::from(&request.input);
    let output = output_path(
        &input,
        request.output_dir.as_deref().map(Path::new),
        &request.format,
    );
    let cancel = CancellationToken::new();
    state.register(request.id, cancel.clone());
    let id = request.id;
    let sink: ProgressSink = Arc::new(move |progress| {
        let _ = JobEvent { id, progress }.emit(&app);
    });
    let result = async {
        let mut engine = Engine::new(settings)?;
        let done = engine.convert(&input, &output, &sink, &cancel).await;
        engine.shutdown().await;
        done
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

/// Stop a job: its workers are killed at once and nothing half-written is left.
#[tauri::command]
#[specta::specta]
pub fn cancel_job(state: State<'_, AppState>, id: u32) -> bool {
    state.cancel(id)
}

#[tauri::command]
#[specta::specta]
pub fn open_folder(app: AppHandle, path: String) -> Result<(), AppError> {
    let path = PathBuf::from(path);
    let dir = if path.is_dir() {
        path
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or(path)
    };
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| AppError::Io(e.to_string()))
}

#[tauri::command]
#[specta::specta]
pub fn open_log(app: AppHandle, state: State<'_, AppState>) -> Result<(), AppError> {
    app.opener()
        .open_path(state.log_file.display().to_string(), None::<&str>)
        .map_err(|e| AppError::Io(e.to_string()))
}

#[tauri::command]
#[specta::specta]
pub fn load_ui_state(state: State<'_, AppState>) -> Option<UiState> {
    let text = std::fs::read_to_string(state.ui_state_file()).ok()?;
    serde_json::from_str(&text).ok()
}

#[tauri::command]
#[specta::specta]
pub fn save_ui_state(state: State<'_, AppState>, ui: UiState) -> Result<(), AppError> {
    let path = state.ui_state_file();
    let text = serde_json::to_string_pretty(&ui).map_err(|e| AppError::Io(e.to_string()))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| AppError::Io(format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(&path, text).map_err(|e| AppError::Io(format!("{}: {e}", path.display())))
}

/// Presets the user saved live here.
pub fn user_presets() -> UserPresets {
    UserPresets::default_location()
        .unwrap_or_else(|_| UserPresets::new(std::env::temp_dir().join("revoice-presets")))
}
