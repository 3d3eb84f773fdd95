//! The app itself: what it knows about the machine, its log and the remembered settings.

use std::path::{Path, PathBuf};

use revoice::models::ModelsDir;
use revoice::options::Options;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::AppError;
use crate::state::AppState;
use crate::types::{AppInfo, GpuStatus, UiState};

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
