//! What a user chooses for a conversion, by name ("en_US-joe-medium", "base", "auto"), and
//! how those names become files. The CLI's flags, the app's controls and presets are all
//! [`Options`]; [`Options::resolve`] turns them into the engine's [`ConvertSettings`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::models::{ModelsDir, ModelsError};
use crate::pipeline::ConvertSettings;
use crate::prosody::Prosody;
use crate::settings::{Device, DeviceError, Quality};
use crate::tts::{catalog, CatalogVoice, VoicePlan, VoiceSpec};
use crate::workers::program::WorkerProgram;

/// The Whisper model used unless one is chosen: base with 8-bit weights. It recognised
/// the corpus as well as base's 16-bit weights (the same round-trip WER on jfk and
/// lecture_en, lower on news_8k) in 6-23 % less time and 60 MB less memory
/// (docs/benchmarks-notes.md).
pub const DEFAULT_MODEL: &str = "base-q8_0";

/// The voice used unless one is chosen: joe with its text encoder and flow in 8 bits. It
/// says the same words as the float voice with the same speaker similarity, in about 50 MiB
/// less memory per worker (docs/benchmarks-notes.md).
pub const DEFAULT_VOICE: &str = "en_US-joe-medium-int8";

#[derive(Debug, Error)]
pub enum OptionsError {
    #[error(transparent)]
    Models(#[from] ModelsError),
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error("{0}: no such Whisper model file")]
    NoModelFile(PathBuf),
    #[error("voice {0}: no such file")]
    NoVoiceFile(PathBuf),
    #[error("voice '{wanted}' is not installed in {dir} (installed: {installed}); run `revoice models prepare` or drop a Piper voice (.onnx + .onnx.json) there")]
    UnknownVoice {
        wanted: String,
        dir: PathBuf,
        installed: String,
    },
    #[error("voice '{wanted}' matches several: {matches}")]
    AmbiguousVoice { wanted: String, matches: String },
    #[error("chunk length {0} s: choose between 5 and 600 seconds")]
    ChunkLength(f64),
    #[error("{what} {value} semitones: choose between -{MAX_SHIFT} and {MAX_SHIFT}")]
    Shift { what: &'static str, value: f32 },
    #[error("cannot find the revoice executable to start workers: {0}")]
    WorkerExe(std::io::Error),
}

/// A conversion's choices. Presets are files of this (TOML); missing fields take defaults.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Voice id, a unique part of one, or a path to a `.onnx` voice: the main voice.
    pub voice: String,
    /// A voice per language (Whisper codes: `ru = "espeak:ru"`). Languages not named here
    /// and not spoken by the main voice fall back as `VoicePlan::choose` says.
    pub voice_for: BTreeMap<String, String>,
    /// `base-q8_0` (the default), `base`, `tiny.en`, or a path to a GGML Whisper model.
    pub model: String,
    /// `auto` or a language code.
    pub language: String,
    pub quality: Quality,
    pub device: Device,
    /// `None`: chosen from cores, memory and chunk count.
    pub workers: Option<usize>,
    pub threads: Option<usize>,
    pub chunk_secs: f64,
    pub use_cache: bool,
    /// Word-level timing (`None`: on at normal and high quality, off at fast).
    pub timing: Option<bool>,
    /// Melody transfer (`None`: as `timing`).
    pub melody: Option<bool>,
    /// Loudness transfer (`None`: as `timing`).
    pub loudness: Option<bool>,
    /// Voice transform: pitch shift in semitones.
    pub pitch_shift: f32,
    /// Voice transform: formant shift in semitones (negative: larger, deeper voice).
    pub formant_shift: f32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            voice: DEFAULT_VOICE.into(),
            voice_for: BTreeMap::new(),
            model: DEFAULT_MODEL.into(),
            language: "auto".into(),
            quality: Quality::Normal,
            device: Device::Auto,
            workers: None,
            threads: None,
            chunk_secs: 60.0,
            use_cache: true,
            timing: None,
            melody: None,
            loudness: None,
            pitch_shift: 0.0,
            formant_shift: 0.0,
        }
    }
}

/// The worker program for this process: this executable started as `<exe> worker`, or its
/// AVX-512 build when that suits the CPU (see [`crate::workers::program::choose`]).
pub fn worker_program() -> Result<WorkerProgram, OptionsError> {
    let exe = std::env::current_exe().map_err(OptionsError::WorkerExe)?;
    Ok(crate::workers::program::choose(&exe))
}

/// Pitch and formant shifts beyond this many semitones are refused (an octave).
pub const MAX_SHIFT: f32 = 12.0;

impl Options {
    /// The prosody switches and transforms, defaults filled in from the quality.
    pub fn prosody(&self) -> Prosody {
        let on = self.quality != Quality::Fast;
        Prosody {
            timing: self.timing.unwrap_or(on),
            melody: self.melody.unwrap_or(on),
            loudness: self.loudness.unwrap_or(on),
            pitch_shift: self.pitch_shift,
            formant_shift: self.formant_shift,
        }
    }

    /// Check every choice and find its files; errors say what is wrong and how to fix it.
    pub fn resolve(
        &self,
        models: &ModelsDir,
        worker: WorkerProgram,
    ) -> Result<ConvertSettings, OptionsError> {
        if !(5.0..=600.0).contains(&self.chunk_secs) {
            return Err(OptionsError::ChunkLength(self.chunk_secs));
        }
        for (what, value) in [
            ("pitch shift", self.pitch_shift),
            ("formant shift", self.formant_shift),
        ] {
            if !(-MAX_SHIFT..=MAX_SHIFT).contains(&value) {
                return Err(OptionsError::Shift { what, value });
            }
        }
        self.device.use_gpu()?;
        let whisper_model = resolve_model(models, &self.model)?;
        let onnxruntime = models.onnxruntime_lib()?;
        let dir = models.voices_dir();
        let main = find_voice(&dir, &self.voice)?;
        let mut voices = VoicePlan::single(
            main.spec,
            main.languages.first().map(String::as_str).unwrap_or("en"),
        );
        voices.voices_dir = dir.clone();
        for (language, id) in &self.voice_for {
            let spec = find_voice(&dir, id)?.spec.speaking(language);
            voices.by_language.insert(catalog::family(language), spec);
        }
        Ok(ConvertSettings {
            options: self.clone(),
            whisper_model,
            voices,
            onnxruntime,
            stress_dir: models.root().to_path_buf(),
            cache_dir: None,
            worker,
            chunk_timeout: None,
        })
    }
}

/// Where a conversion of `input` goes when the user names a folder (or none) rather than a
/// file: `talk.mp3` -> `talk.revoiced.wav`, in `out_dir` or beside the input.
pub fn output_path(input: &Path, out_dir: Option<&Path>, format: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let dir = out_dir
        .map(Path::to_path_buf)
        .or_else(|| input.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    dir.join(format!("{stem}.revoiced.{format}"))
}

/// Whether a file is one of ours (`*.revoiced.*`), so folders can skip them.
pub fn is_output(path: &Path) -> bool {
    path.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|s| s.ends_with(".revoiced"))
}

/// A model name from the manifest (checked), or a path to a model file of the user's.
fn resolve_model(models: &ModelsDir, name: &str) -> Result<PathBuf, OptionsError> {
    let path = models.whisper_model(name);
    let in_manifest =
        path.starts_with(models.root()) && path.extension().is_some_and(|e| e == "bin");
    match path.file_name().and_then(|n| n.to_str()) {
        Some(file) if in_manifest => {
            models.ensure(&[file])?;
            Ok(path)
        }
        _ if path.is_file() => Ok(path),
        _ => Err(OptionsError::NoModelFile(path)),
    }
}

/// A voice by path to a Piper `.onnx`, exact catalog id (`espeak:<language>` for any
/// language espeak-ng has), or a unique part of an id.
pub fn find_voice(dir: &Path, wanted: &str) -> Result<CatalogVoice, OptionsError> {
    let as_path = Path::new(wanted);
    if as_path.extension().is_some_and(|e| e == "onnx") {
        let parent = as_path.parent().unwrap_or(Path::new("."));
        return catalog::piper_voices(parent)
            .into_iter()
            .find(|v| {
                matches!(&v.spec, VoiceSpec::Piper { onnx } if onnx.file_name() == as_path.file_name())
            })
            .ok_or_else(|| OptionsError::NoVoiceFile(as_path.to_path_buf()));
    }
    if let Some(v) = catalog::find(dir, wanted) {
        return Ok(v);
    }
    let voices = catalog::catalog(dir);
    let ids = |vs: &[&CatalogVoice]| {
        vs.iter()
            .map(|v| v.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let matching: Vec<&CatalogVoice> = voices.iter().filter(|v| v.id.contains(wanted)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(OptionsError::UnknownVoice {
            wanted: wanted.to_string(),
            dir: dir.to_path_buf(),
            installed: ids(&voices.iter().collect::<Vec<_>>()),
        }),
        many => Err(OptionsError::AmbiguousVoice {
            wanted: wanted.to_string(),
            matches: ids(many),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preset_needs_only_what_differs_from_the_defaults() {
        let o: Options = toml::from_str("quality = \"high\"\nworkers = 2\n").unwrap();
        assert_eq!(o.quality, Quality::High);
        assert_eq!(o.workers, Some(2));
        assert_eq!(o.voice, Options::default().voice);
    }

    #[test]
    fn prosody_is_on_unless_fast_and_each_switch_can_be_turned() {
        let normal = Options::default().prosody();
        assert!(normal.timing && normal.melody && normal.loudness);
        let fast = Options {
            quality: Quality::Fast,
            ..Options::default()
        };
        assert!(!fast.prosody().timing && !fast.prosody().reshapes());
        let o: Options = toml::from_str("melody = false\npitch_shift = -3.0\n").unwrap();
        let p = o.prosody();
        assert!(p.timing && !p.melody && p.loudness);
        assert_eq!(p.pitch_shift, -3.0);
    }

    #[test]
    fn a_misspelt_preset_field_is_an_error() {
        assert!(toml::from_str::<Options>("qualty = \"high\"\n").is_err());
    }

    #[test]
    fn chunk_length_out_of_range_is_refused_first() {
        let models = ModelsDir::at(std::env::temp_dir().join("revoice-no-models"));
        let o = Options {
            chunk_secs: 1.0,
            ..Options::default()
        };
        let worker = WorkerProgram::this_build("x".into(), "test");
        assert!(matches!(
            o.resolve(&models, worker),
            Err(OptionsError::ChunkLength(_))
        ));
    }

    #[test]
    fn outputs_are_named_after_inputs() {
        assert_eq!(
            output_path(Path::new("/a/talk.mp3"), None, "wav"),
            PathBuf::from("/a/talk.revoiced.wav")
        );
        assert_eq!(
            output_path(Path::new("/a/talk.mp3"), Some(Path::new("/out")), "flac"),
            PathBuf::from("/out/talk.revoiced.flac")
        );
        assert!(is_output(Path::new("/a/talk.revoiced.wav")));
        assert!(!is_output(Path::new("/a/talk.wav")));
    }

    #[test]
    fn unknown_voices_list_what_is_installed() {
        let dir = tempfile::tempdir().unwrap();
        let err = find_voice(dir.path(), "nobody").unwrap_err().to_string();
        // No Piper voice in the folder: espeak-ng's are still there, and named.
        assert!(
            err.contains("nobody") && err.contains("installed: espeak:en-us, espeak:ru"),
            "{err}"
        );
    }
}
