//! Revoice engine: a recording in, the same words at the same moments in another voice out.
//!
//! The journey of a file, one module per stage:
//! [`decode`] -> [`resample`] -> [`chunk`] -> [`workers`] (each running [`asr`] -> [`tts`] ->
//! [`prosody`]) with [`cache`] keeping transcripts -> [`assemble`] -> [`encode`].
//! [`pipeline`] drives that journey; [`models`] finds and prepares the model files;
//! [`eval`] measures a finished conversion against its input (`revoice eval`).

pub mod asr;
pub mod assemble;
pub mod audio;
pub mod cache;
pub mod chunk;
pub mod decode;
pub mod dirs;
pub mod encode;
mod error;
pub mod eval;
pub mod memory;
pub mod models;
pub mod numbers;
pub mod options;
pub mod pipeline;
pub mod presets;
pub mod prosody;
pub mod resample;
pub mod settings;
pub mod stress;
pub mod transcript;
pub mod tts;
pub mod wer;
pub mod workers;

pub use error::Error;
