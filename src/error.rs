//! The engine's error: one variant per stage boundary, each stage with its own typed error.
//! `Display` is one line a user can act on; the CLI prints it and the app shows it by a job.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Decode(#[from] crate::decode::DecodeError),
    #[error(transparent)]
    Resample(#[from] crate::resample::ResampleError),
    #[error(transparent)]
    Encode(#[from] crate::encode::EncodeError),
    #[error(transparent)]
    Cache(#[from] crate::cache::CacheError),
    #[error(transparent)]
    Models(#[from] crate::models::ModelsError),
    #[error(transparent)]
    Workers(#[from] crate::workers::PoolError),
    #[error(transparent)]
    Device(#[from] crate::settings::DeviceError),
    #[error(transparent)]
    Options(#[from] crate::options::OptionsError),
}
