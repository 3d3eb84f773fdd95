//! What crosses the IPC boundary besides the engine's own types (`Options`, `Progress`,
//! `Summary`, which derive their TypeScript through the engine's `specta` feature).

use revoice::options::Options;
use revoice::pipeline::{Progress, Summary, TranscriptLine};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri_specta::Event;

use crate::player::{OutputInfo, PlayerStatus};

/// Points in each waveform overview the UI draws.
pub const WAVEFORM_POINTS: usize = 1200;

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

/// Convert the chunk at `at_secs` of `input` for a listen (see `preview_chunk`).
#[derive(Debug, Clone, Deserialize, Type)]
pub struct PreviewRequest {
    /// Progress events carry it, as for a job.
    pub id: u32,
    pub input: String,
    pub at_secs: f64,
    pub options: Options,
}

/// What the player holds after loading a file pair.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PlayerTracks {
    pub duration_secs: f64,
    /// Peak per point, 0..1, `WAVEFORM_POINTS` long.
    pub waveform_original: Vec<f32>,
    pub waveform_converted: Vec<f32>,
    pub output: OutputInfo,
}

/// One chunk converted ahead of the file, loaded into the player.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ChunkPreview {
    /// Which chunk (from 0) of how many.
    pub chunk: u32,
    pub chunks: u32,
    /// Where the chunk starts in the file; player positions count from here.
    pub start_secs: f64,
    pub duration_secs: f64,
    pub waveform_original: Vec<f32>,
    pub waveform_converted: Vec<f32>,
    /// Segments with times in the file.
    pub transcript: Vec<TranscriptLine>,
    pub output: OutputInfo,
}

/// The player's position, sent about 20 times a second while it plays and once when it stops.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct PlayerEvent {
    pub status: PlayerStatus,
}
