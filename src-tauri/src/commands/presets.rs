//! Voices and presets: what the settings panel offers.

use revoice::models::ModelsDir;
use revoice::options::Options;
use revoice::presets::{self, Preset, UserPresets};
use revoice::tts::CatalogVoice;
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;
use crate::types::PresetEntry;

#[tauri::command]
#[specta::specta]
pub fn list_voices() -> Result<Vec<CatalogVoice>, AppError> {
    let models = ModelsDir::locate()?;
    Ok(revoice::tts::catalog(&models.voices_dir()))
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

/// Presets the user saved live here.
pub fn user_presets() -> UserPresets {
    UserPresets::default_location()
        .unwrap_or_else(|_| UserPresets::new(std::env::temp_dir().join("revoice-presets")))
}
