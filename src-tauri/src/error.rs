//! The app's error, as the UI receives it: a kind to branch on and a message to show.

use serde::Serialize;

#[derive(Debug, thiserror::Error, Serialize, specta::Type)]
#[serde(tag = "kind", content = "message")]
pub enum AppError {
    /// The conversion failed; the message is the engine's one line.
    #[error("{0}")]
    Engine(String),
    /// A choice cannot be used (unknown voice, missing model, no CUDA build, ...).
    #[error("{0}")]
    Options(String),
    #[error("{0}")]
    Preset(String),
    #[error("{0}")]
    Io(String),
    /// The preview player cannot play (no sound output, nothing loaded).
    #[error("{0}")]
    Player(String),
    #[error("cancelled")]
    Cancelled,
}

impl From<revoice::Error> for AppError {
    fn from(e: revoice::Error) -> Self {
        match e {
            revoice::Error::Workers(revoice::workers::PoolError::Cancelled) => AppError::Cancelled,
            other => AppError::Engine(other.to_string()),
        }
    }
}

impl From<revoice::options::OptionsError> for AppError {
    fn from(e: revoice::options::OptionsError) -> Self {
        AppError::Options(e.to_string())
    }
}

impl From<revoice::models::ModelsError> for AppError {
    fn from(e: revoice::models::ModelsError) -> Self {
        AppError::Options(e.to_string())
    }
}

impl From<revoice::presets::PresetError> for AppError {
    fn from(e: revoice::presets::PresetError) -> Self {
        AppError::Preset(e.to_string())
    }
}

impl From<crate::player::PlayerError> for AppError {
    fn from(e: crate::player::PlayerError) -> Self {
        AppError::Player(e.to_string())
    }
}
