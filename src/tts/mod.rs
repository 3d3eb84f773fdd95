//! Text to speech with Piper-format (VITS) ONNX voices.
//!
//! Phonemes come from libespeak-ng (linked as a library), the audio from the voice's ONNX
//! graph run through ONNX Runtime, which is loaded at run time with [`init_runtime`].
//!
//! Output is deterministic by default: the voice's random noise is switched off
//! ([`SynthesisOptions::default`]), so the same text always gives the same samples, whichever
//! process or order it is synthesised in.

pub mod catalog;
mod espeak;
pub mod kokoro;
mod phonemize;
mod piper;
mod sample;
mod stress_marks;
mod voices;
pub mod words;

use std::path::PathBuf;

pub use catalog::{catalog, CatalogVoice, VoicePlan, VoiceSpec};
pub use espeak::EspeakVoice;
pub use kokoro::KokoroVoice;
pub use phonemize::{phonemize, PhonemeIdMap};
pub(crate) use piper::runtime;
pub use piper::{init_runtime, PiperVoice, SynthesisOptions};
pub use sample::{sample_sentence, voice_sample};
pub use voices::{list_voices, VoiceInfo};
pub use words::Spoken;

/// A voice of any engine: text in, mono samples at its rate out.
pub trait Voice: Send {
    /// The catalog id, e.g. `en_US-joe-medium` or `espeak:ru`.
    fn id(&self) -> &str;
    fn sample_rate(&self) -> u32;
    /// The espeak-ng language it speaks, e.g. `en-us`, `ru`.
    fn language(&self) -> &str;
    /// Speak `text` at `length_scale` (above 1 is slower). Blank text gives no samples.
    fn synthesize(&mut self, text: &str, length_scale: f32) -> Result<Vec<f32>, TtsError>;

    /// Whether speech at length scale `s` lasts `s` times as long as at 1 (true where the
    /// model multiplies its phoneme durations, as Piper and Kokoro do).
    fn length_scale_is_exact(&self) -> bool {
        false
    }

    /// Speak `words` (joined by spaces) and say where each one lies in the audio. This
    /// default estimates it from each word's share of phonemes; voices that know their own
    /// durations say exactly.
    fn synthesize_words(
        &mut self,
        words: &[String],
        length_scale: f32,
    ) -> Result<Spoken, TtsError> {
        let samples = self.synthesize(&words.join(" "), length_scale)?;
        let weights = words::phoneme_weights(words, self.language());
        Ok(Spoken {
            words: words::estimate(&samples, self.sample_rate(), &weights),
            samples,
            exact: false,
        })
    }
}

/// Everything that can go wrong while loading a voice or synthesising speech.
#[derive(Debug, thiserror::Error)]
pub enum TtsError {
    #[error("could not load ONNX Runtime from {path}: {reason}; run `revoice models prepare` to install it")]
    Runtime { path: PathBuf, reason: String },

    #[error("ONNX Runtime is not loaded yet (call tts::init_runtime first, after `revoice models prepare`)")]
    RuntimeNotInitialized,

    #[error("could not start espeak-ng: {0}")]
    EspeakInit(String),

    #[error("espeak-ng could not phonemize with voice `{voice}`: {reason}")]
    Phonemize { voice: String, reason: String },

    #[error("could not read voice config {path}: {source}")]
    ConfigRead {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("voice config {path} is not valid: {reason}")]
    ConfigInvalid { path: PathBuf, reason: String },

    #[error("could not load voice model {path}: {source}")]
    ModelLoad { path: PathBuf, source: ort::Error },

    #[error("voice model {path} failed to synthesise: {source}")]
    Inference { path: PathBuf, source: ort::Error },

    #[error("invalid synthesis option: {0}")]
    InvalidOption(String),
}
