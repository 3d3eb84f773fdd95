//! Finding Piper voices in a folder: every `*.onnx` with a sibling `*.onnx.json`.

use std::path::{Path, PathBuf};

use super::piper::VoiceConfig;

/// A Piper voice found on disk, described from its `.onnx.json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VoiceInfo {
    /// File stem of the model, e.g. `en_US-joe-medium`.
    pub id: String,
    /// The `.onnx` model.
    pub onnx: PathBuf,
    /// The `.onnx.json` config beside it.
    pub config: PathBuf,
    /// espeak-ng voice used for phonemes, e.g. `en-us`.
    pub language: String,
    pub sample_rate: u32,
    /// Piper's quality label (`x_low`, `low`, `medium`, `high`), when given.
    pub quality: Option<String>,
    /// Number of speakers in the model (1 for single-speaker voices).
    pub num_speakers: u32,
}

/// Lists the Piper voices in `dir`, sorted by id. Unreadable folders give an empty list;
/// voices whose config cannot be read are skipped with a warning.
pub fn list_voices(dir: &Path) -> Vec<VoiceInfo> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            tracing::debug!(dir = %dir.display(), %err, "cannot read voice folder");
            return Vec::new();
        }
    };
    let mut voices: Vec<VoiceInfo> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "onnx") && path.is_file())
        .filter_map(|onnx| describe(&onnx))
        .collect();
    voices.sort_by(|a, b| a.id.cmp(&b.id));
    voices
}

/// Reads the config beside `onnx`; `None` when there is none or it is unusable.
fn describe(onnx: &Path) -> Option<VoiceInfo> {
    let config_path = VoiceConfig::path_for(onnx);
    if !config_path.is_file() {
        return None;
    }
    let config = match VoiceConfig::load(&config_path) {
        Ok(config) => config,
        Err(err) => {
            tracing::warn!(%err, "skipping voice");
            return None;
        }
    };
    let id = onnx.file_stem()?.to_string_lossy().into_owned();
    Some(VoiceInfo {
        id,
        onnx: onnx.to_path_buf(),
        config: config_path,
        language: config.espeak.voice.clone(),
        sample_rate: config.audio.sample_rate,
        quality: config.audio.quality.clone(),
        num_speakers: config.num_speakers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{
        "audio": {"sample_rate": 16000, "quality": "low"},
        "espeak": {"voice": "de"},
        "num_speakers": 1,
        "phoneme_id_map": {"_": [0], "^": [1], "$": [2], "a": [3]}
    }"#;

    #[test]
    fn finds_onnx_with_json_sibling_only() {
        let dir = std::env::temp_dir().join(format!("revoice-tts-voices-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("de_DE-test-low.onnx"), b"model").expect("write");
        std::fs::write(dir.join("de_DE-test-low.onnx.json"), CONFIG).expect("write");
        std::fs::write(dir.join("lonely.onnx"), b"model").expect("write");
        std::fs::write(dir.join("broken.onnx"), b"model").expect("write");
        std::fs::write(dir.join("broken.onnx.json"), b"{not json").expect("write");

        let voices = list_voices(&dir);
        std::fs::remove_dir_all(&dir).ok();

        assert_eq!(voices.len(), 1, "{voices:?}");
        let voice = &voices[0];
        assert_eq!(voice.id, "de_DE-test-low");
        assert_eq!(voice.language, "de");
        assert_eq!(voice.sample_rate, 16000);
        assert_eq!(voice.quality.as_deref(), Some("low"));
    }

    #[test]
    fn missing_folder_gives_empty_list() {
        assert!(list_voices(Path::new("/nonexistent/revoice/voices")).is_empty());
    }
}
