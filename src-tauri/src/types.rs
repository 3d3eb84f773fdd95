//! What crosses the IPC boundary besides the engine's own types (`Options`, `Progress`,
//! `Summary`, which derive their TypeScript through the engine's `specta` feature).

use revoice::options::Options;
use revoice::pipeline::{Progress, Summary};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri_specta::Event;

#[derive(Debug, Clone, Serialize, Type)]
pub struct AppInfo {
    pub version: String,
    pub cores: u32,
    pub memory_mib: u32,
    /// What the engine would choose for a file of several chunks, and why.
    pub parallelism_hint: String,
    pub gpu: GpuStatus,
    /// Set when models are missing or damaged: what is wrong and the fix.
    pub models_problem: Option<String>,
    pub log_file: String,
    pub defaults: Options,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct GpuStatus {
    pub available: bool,
    /// Why the GPU cannot be chosen, or what it is.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct VoiceEntry {
    pub id: String,
    pub language: String,
    pub sample_rate: u32,
    pub quality: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct PresetEntry {
    pub name: String,
    pub description: String,
    pub built_in: bool,
    pub options: Options,
}

/// A file the user added, as the queue shows it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct FileInfo {
    pub path: String,
    pub name: String,
    pub duration_secs: f64,
    pub format: String,
    pub sample_rate: u32,
    pub channels: u16,
    /// Why the file cannot be converted (not audio, empty, ...).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Type)]
pub struct JobRequest {
    /// Chosen by the UI; progress events carry it.
    pub id: u32,
    pub input: String,
    /// `None`: beside the input.
    pub output_dir: Option<String>,
    /// "wav" or "flac".
    pub format: String,
    pub options: Options,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct JobDone {
    pub id: u32,
    pub output: String,
    pub summary: Summary,
}

/// Progress of one job, as it happens.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct JobEvent {
    pub id: u32,
    pub progress: Progress,
}

/// What the app remembers between runs.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct UiState {
    pub options: Options,
    pub preset: Option<String>,
    pub output_dir: Option<String>,
    pub format: String,
}
