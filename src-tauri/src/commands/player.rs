//! The preview player: load a finished job (or a previewed chunk, see `jobs::preview_chunk`),
//! play, pause, seek, switch A/B, and voice samples. The position reaches the UI as
//! `PlayerEvent`s while playing.

use std::path::PathBuf;

use revoice::models::ModelsDir;
use tauri::State;

use crate::error::AppError;
use crate::player::{waveform, OutputInfo, PlayerStatus, Source};
use crate::state::AppState;
use crate::types::{PlayerTracks, WAVEFORM_POINTS};

/// Load a converted file and its original into the player (decoded off the UI thread).
#[tauri::command]
#[specta::specta]
pub async fn player_open(
    state: State<'_, AppState>,
    original: String,
    converted: String,
) -> Result<PlayerTracks, AppError> {
    let decode = move || -> Result<_, AppError> {
        let a = revoice::decode::decode_file(&PathBuf::from(&original))
            .map_err(|e| AppError::Engine(e.to_string()))?;
        let b = revoice::decode::decode_file(&PathBuf::from(&converted))
            .map_err(|e| AppError::Engine(e.to_string()))?;
        Ok((a.audio, b.audio))
    };
    let (original, converted) = tauri::async_runtime::spawn_blocking(decode)
        .await
        .map_err(|e| AppError::Io(e.to_string()))??;
    // The engine writes the output at the input's rate; a file from elsewhere is brought
    // to it so both share one timeline.
    let converted = if converted.rate == original.rate {
        converted
    } else {
        revoice::resample::resample(&converted, original.rate)
            .map_err(|e| AppError::Engine(e.to_string()))?
    };
    let output = state.player.load(&original, &converted)?;
    Ok(PlayerTracks {
        duration_secs: original.duration_secs(),
        waveform_original: waveform::peaks(&original.samples, WAVEFORM_POINTS),
        waveform_converted: waveform::peaks(&converted.samples, WAVEFORM_POINTS),
        output,
    })
}

#[tauri::command]
#[specta::specta]
pub fn player_play(state: State<'_, AppState>) -> Result<PlayerStatus, AppError> {
    state.player.play()?;
    Ok(state.player.status())
}

#[tauri::command]
#[specta::specta]
pub fn player_pause(state: State<'_, AppState>) -> PlayerStatus {
    state.player.pause();
    state.player.status()
}

#[tauri::command]
#[specta::specta]
pub fn player_seek(state: State<'_, AppState>, secs: f64) -> PlayerStatus {
    state.player.seek(secs);
    state.player.status()
}

/// Hear the original or the converted track from the same sample on.
#[tauri::command]
#[specta::specta]
pub fn player_select(state: State<'_, AppState>, source: Source) -> PlayerStatus {
    state.player.select(source);
    state.player.status()
}

#[tauri::command]
#[specta::specta]
pub fn player_status(state: State<'_, AppState>) -> PlayerStatus {
    state.player.status()
}

/// Speak a short sentence with `voice` (an installed voice's id) through the player.
#[tauri::command]
#[specta::specta]
pub async fn voice_sample(
    state: State<'_, AppState>,
    voice: String,
) -> Result<OutputInfo, AppError> {
    let models = ModelsDir::locate()?;
    let spec = revoice::options::find_voice(&models.voices_dir(), &voice)?.spec;
    let runtime = models.onnxruntime_lib()?;
    let speak = move || revoice::tts::voice_sample(&runtime, &spec);
    let audio = tauri::async_runtime::spawn_blocking(speak)
        .await
        .map_err(|e| AppError::Io(e.to_string()))?
        .map_err(|e| AppError::Engine(e.to_string()))?;
    Ok(state.player.play_sample(&audio)?)
}
