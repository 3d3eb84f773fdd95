//! The voice catalog: every voice Revoice can speak with, whatever its engine.
//!
//! - Piper voices: each `*.onnx` + `*.onnx.json` in the models folder (drop one in to add it).
//!   What the config does not say (gender, licence) comes from `assets/voices.toml` for the
//!   voices setup installs, or from a `<id>.voice.toml` beside a voice you add.
//! - espeak-ng's own voices, `espeak:<language>`: always there, for every language espeak-ng
//!   knows; formant synthesis, intelligible but robotic, and labelled so.
//!
//! Silero's voices are not here: no package registry distributes them and they cannot be
//! exported to ONNX (docs/models.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{kokoro, list_voices, EspeakVoice, KokoroVoice, PiperVoice, TtsError, Voice};

/// How a worker loads a voice: what crosses the worker protocol.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "engine", rename_all = "snake_case")]
pub enum VoiceSpec {
    Piper {
        onnx: PathBuf,
    },
    Espeak {
        language: String,
    },
    /// Kokoro-82M with the style pack `name` from `pack` (an `.npz` of packs or an `.npy`),
    /// reading espeak-ng's phonemes for `language` (an espeak-ng voice, `en-us` by default).
    Kokoro {
        onnx: PathBuf,
        vocab: PathBuf,
        pack: PathBuf,
        name: String,
        language: String,
    },
}

/// Which voice speaks which language. The user names the main voice and, if they like, a
/// voice per language; for any other language [`VoicePlan::choose`] falls back in a fixed
/// order (see there), so every language gets spoken and the summary says by whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoicePlan {
    pub main: VoiceSpec,
    /// The main voice's language as Whisper names it, e.g. `en`.
    pub main_language: String,
    /// Voices the user chose per language (Whisper codes).
    pub by_language: BTreeMap<String, VoiceSpec>,
    /// Where installed Piper voices are, to find one for a language nobody named.
    pub voices_dir: PathBuf,
}

impl VoicePlan {
    /// One voice for everything.
    pub fn single(main: VoiceSpec, main_language: &str) -> Self {
        Self {
            main,
            main_language: family(main_language),
            by_language: BTreeMap::new(),
            voices_dir: PathBuf::new(),
        }
    }

    /// The voice for `language` (a Whisper code): the one chosen for it; else the main
    /// voice when it speaks it; else an installed Piper voice of that language; else
    /// espeak-ng's voice for it; else the main voice.
    pub fn choose(&self, language: &str) -> VoiceSpec {
        let language = family(language);
        if let Some(v) = self.by_language.get(&language) {
            return v.clone();
        }
        if language == self.main_language {
            return self.main.clone();
        }
        if let Some(v) = list_voices(&self.voices_dir)
            .into_iter()
            .find(|v| family(&v.language) == language)
        {
            return VoiceSpec::Piper { onnx: v.onnx };
        }
        if EspeakVoice::load(&language).is_ok() {
            return VoiceSpec::Espeak { language };
        }
        self.main.clone()
    }
}

impl VoiceSpec {
    /// Load the voice; ONNX voices run on `threads` threads.
    pub fn load(&self, threads: usize) -> Result<Box<dyn Voice>, TtsError> {
        Ok(match self {
            VoiceSpec::Piper { onnx } => Box::new(PiperVoice::load(onnx, threads)?),
            VoiceSpec::Espeak { language } => Box::new(EspeakVoice::load(language)?),
            VoiceSpec::Kokoro {
                onnx,
                vocab,
                pack,
                name,
                language,
            } => Box::new(KokoroVoice::load(
                onnx, vocab, pack, name, language, threads,
            )?),
        })
    }

    /// This voice set to speak `language` (a Whisper code), for a voice chosen for that
    /// language: Kokoro voices then read that language's phonemes; other voices speak one
    /// language and stay as they are.
    pub fn speaking(self, language: &str) -> Self {
        match self {
            VoiceSpec::Kokoro {
                onnx,
                vocab,
                pack,
                name,
                ..
            } => VoiceSpec::Kokoro {
                onnx,
                vocab,
                pack,
                name,
                language: espeak_voice_for(language),
            },
            other => other,
        }
    }
}

/// One voice as `revoice voices` and the app list it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogVoice {
    pub id: String,
    /// `piper`, `kokoro` or `espeak-ng`.
    pub engine: String,
    /// Language codes it speaks, e.g. `en`, `ru`.
    pub languages: Vec<String>,
    pub gender: String,
    pub sample_rate: u32,
    pub quality: String,
    pub licence: String,
    /// How to load it.
    #[serde(skip)]
    pub spec: VoiceSpec,
}

/// What a voice's config does not say, from `assets/voices.toml` or a sidecar file.
#[derive(Debug, Clone, Default, Deserialize)]
struct Notes {
    gender: Option<String>,
    licence: Option<String>,
    /// Said after the config's quality, e.g. "8-bit weights".
    variant: Option<String>,
}

const BUNDLED_NOTES: &str = include_str!("../../assets/voices.toml");

/// espeak-ng languages the catalog lists by name (any other works as `espeak:<code>`).
pub const ESPEAK_LISTED: &[&str] = &["en-us", "ru", "de", "fr", "es", "it", "uk", "pl"];

/// espeak-ng voice whose IPA the Kokoro voices read unless chosen for another language.
const KOKORO_PHONEMES: &str = "en-us";

/// The espeak-ng voice for a Whisper language code (`en` -> `en-us`, others as they are).
fn espeak_voice_for(language: &str) -> String {
    match family(language).as_str() {
        "en" => "en-us".into(),
        other => other.into(),
    }
}

/// Every voice: Piper voices in `dir` (sorted by id), Kokoro's, then espeak-ng's.
pub fn catalog(dir: &Path) -> Vec<CatalogVoice> {
    let mut voices = piper_voices(dir);
    voices.extend(kokoro_voices(dir));
    voices.extend(ESPEAK_LISTED.iter().filter_map(|lang| espeak_entry(lang)));
    voices
}

/// The Piper voices in `dir`, sorted by id.
pub fn piper_voices(dir: &Path) -> Vec<CatalogVoice> {
    let bundled: BTreeMap<String, Notes> = toml::from_str(BUNDLED_NOTES).unwrap_or_default();
    list_voices(dir)
        .into_iter()
        .map(|v| {
            let notes = sidecar(&v.onnx)
                .or_else(|| bundled.get(&v.id).cloned())
                .unwrap_or_default();
            CatalogVoice {
                languages: vec![family(&v.language)],
                engine: "piper".into(),
                gender: notes.gender.unwrap_or_else(|| "unknown".into()),
                sample_rate: v.sample_rate,
                quality: format!(
                    "neural ({}{})",
                    v.quality.as_deref().unwrap_or("?"),
                    notes.variant.map(|n| format!(", {n}")).unwrap_or_default()
                ),
                licence: notes
                    .licence
                    .unwrap_or_else(|| "unknown: see where the voice came from".into()),
                spec: VoiceSpec::Piper { onnx: v.onnx },
                id: v.id,
            }
        })
        .collect()
}

/// Kokoro voices: the packs in `kokoro-voices.npz` and any `kokoro/NAME.npy`, when the
/// model and its vocabulary are in `dir`.
pub fn kokoro_voices(dir: &Path) -> Vec<CatalogVoice> {
    let onnx = dir.join(kokoro::MODEL_FILE);
    let vocab = dir.join(kokoro::VOCAB_FILE);
    if !onnx.is_file() || !vocab.is_file() {
        return Vec::new();
    }
    let npz = dir.join(kokoro::PACKS_FILE);
    let bundled = kokoro::pack_names(&npz)
        .into_iter()
        .map(|n| (npz.clone(), n, true));
    let mut own: Vec<(PathBuf, String, bool)> = std::fs::read_dir(dir.join(kokoro::PACKS_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "npy"))
        .filter_map(|p| {
            let name = p.file_stem()?.to_string_lossy().into_owned();
            Some((p, name, false))
        })
        .collect();
    own.sort();
    bundled
        .chain(own)
        .map(|(pack, name, bundled)| {
            // Kokoro's naming: first letter the speaker's language, second f or m.
            let gender = match name.chars().nth(1) {
                Some('f') => "female",
                Some('m') => "male",
                _ => "unknown",
            };
            let quality = if name.starts_with('j') {
                "neural (Kokoro int8, Japanese accent)"
            } else {
                "neural (Kokoro int8)"
            };
            CatalogVoice {
                id: format!("kokoro:{name}"),
                engine: "kokoro".into(),
                languages: vec![family(KOKORO_PHONEMES)],
                gender: gender.into(),
                sample_rate: kokoro::SAMPLE_RATE,
                quality: quality.into(),
                licence: if bundled {
                    "Apache-2.0 (Kokoro-82M), MIT (ONNX)".into()
                } else {
                    "unknown: see where the pack came from".into()
                },
                spec: VoiceSpec::Kokoro {
                    onnx: onnx.clone(),
                    vocab: vocab.clone(),
                    pack,
                    name,
                    language: KOKORO_PHONEMES.into(),
                },
            }
        })
        .collect()
}

/// The catalog entry for espeak-ng language `language`, when espeak-ng has it.
fn espeak_entry(language: &str) -> Option<CatalogVoice> {
    let voice = EspeakVoice::load(language).ok()?;
    Some(CatalogVoice {
        id: voice.id().to_string(),
        engine: "espeak-ng".into(),
        languages: vec![family(language)],
        gender: "male".into(),
        sample_rate: voice.sample_rate(),
        quality: "robotic (formant synthesis)".into(),
        licence: "GPL-3.0-or-later (espeak-ng)".into(),
        spec: VoiceSpec::Espeak {
            language: language.to_string(),
        },
    })
}

/// A voice by exact id (`en_US-joe-medium`, `espeak:ru`, or `espeak:<any espeak language>`).
pub fn find(dir: &Path, id: &str) -> Option<CatalogVoice> {
    if let Some(language) = id.strip_prefix("espeak:") {
        return espeak_entry(language);
    }
    if id.starts_with("kokoro:") {
        return kokoro_voices(dir).into_iter().find(|v| v.id == id);
    }
    piper_voices(dir).into_iter().find(|v| v.id == id)
}

/// `en-us` -> `en`, `ru_RU` -> `ru`: the language as Whisper names it.
pub fn family(code: &str) -> String {
    code.split(['-', '_'])
        .next()
        .unwrap_or(code)
        .to_ascii_lowercase()
}

fn sidecar(onnx: &Path) -> Option<Notes> {
    let path = onnx.with_extension("voice.toml");
    let text = std::fs::read_to_string(&path).ok()?;
    match toml::from_str(&text) {
        Ok(notes) => Some(notes),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "ignoring voice notes");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kokoro_voice_chosen_for_a_language_reads_its_phonemes() {
        let kokoro = VoiceSpec::Kokoro {
            onnx: "k.onnx".into(),
            vocab: "v.json".into(),
            pack: "p.npz".into(),
            name: "jm_kumo".into(),
            language: "en-us".into(),
        };
        match kokoro.speaking("ru") {
            VoiceSpec::Kokoro { language, name, .. } => {
                assert_eq!((language.as_str(), name.as_str()), ("ru", "jm_kumo"))
            }
            other => panic!("{other:?}"),
        }
        let piper = VoiceSpec::Piper {
            onnx: "joe.onnx".into(),
        };
        assert_eq!(piper.clone().speaking("ru"), piper);
        assert_eq!(espeak_voice_for("en"), "en-us");
    }

    #[test]
    fn lists_piper_voices_with_their_notes_then_espeak() {
        let dir = tempfile::tempdir().unwrap();
        let models = crate::models::ModelsDir::locate().expect("models (run scripts/setup.sh)");
        let joe_config = "en_US-joe-medium.onnx.json";
        std::fs::copy(
            models.voices_dir().join(joe_config),
            dir.path().join(joe_config),
        )
        .unwrap();
        // The catalog reads configs only: an empty .onnx is enough to be listed.
        std::fs::write(dir.path().join("en_US-joe-medium.onnx"), b"").unwrap();
        // A voice someone dropped in, with its own notes.
        std::fs::copy(
            models.voices_dir().join("en_US-joe-medium.onnx.json"),
            dir.path().join("my-voice.onnx.json"),
        )
        .unwrap();
        std::fs::write(dir.path().join("my-voice.onnx"), b"").unwrap();
        std::fs::write(
            dir.path().join("my-voice.voice.toml"),
            "gender = \"female\"\nlicence = \"CC-BY-4.0\"\n",
        )
        .unwrap();

        let all = catalog(dir.path());
        let joe = all.iter().find(|v| v.id == "en_US-joe-medium").unwrap();
        assert_eq!(
            (
                joe.engine.as_str(),
                joe.gender.as_str(),
                joe.languages.clone()
            ),
            ("piper", "male", vec!["en".to_string()])
        );
        assert!(joe.licence.contains("MIT"), "{}", joe.licence);
        let mine = all.iter().find(|v| v.id == "my-voice").unwrap();
        assert_eq!(
            (mine.gender.as_str(), mine.licence.as_str()),
            ("female", "CC-BY-4.0")
        );
        let ru = all.iter().find(|v| v.id == "espeak:ru").unwrap();
        assert_eq!(ru.languages, vec!["ru".to_string()]);
        assert!(ru.quality.contains("robotic"));
        assert!(
            all.iter().position(|v| v.id == "my-voice")
                < all.iter().position(|v| v.id == "espeak:ru")
        );
    }

    #[test]
    fn finds_any_espeak_language_by_id_and_nothing_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let fi = find(dir.path(), "espeak:fi").expect("Finnish is in espeak-ng");
        assert_eq!(
            fi.spec,
            VoiceSpec::Espeak {
                language: "fi".into()
            }
        );
        assert!(find(dir.path(), "espeak:zz-none").is_none());
        assert!(find(dir.path(), "nobody").is_none());
    }

    #[test]
    fn each_language_gets_a_voice_by_the_documented_order() {
        let models = crate::models::ModelsDir::locate().expect("models (run scripts/setup.sh)");
        let joe = VoiceSpec::Piper {
            onnx: models.voices_dir().join("en_US-joe-medium.onnx"),
        };
        let mut plan = VoicePlan::single(joe.clone(), "en-us");
        plan.voices_dir = models.voices_dir();
        plan.by_language.insert(
            "ru".into(),
            VoiceSpec::Espeak {
                language: "ru".into(),
            },
        );
        assert_eq!(plan.choose("en"), joe, "the main voice speaks its language");
        assert_eq!(
            plan.choose("ru"),
            VoiceSpec::Espeak {
                language: "ru".into()
            },
            "chosen"
        );
        assert_eq!(
            plan.choose("de"),
            VoiceSpec::Espeak {
                language: "de".into()
            },
            "espeak-ng fallback"
        );
        assert_eq!(plan.choose("zz"), joe, "nobody speaks it: the main voice");
    }

    #[test]
    fn languages_are_named_as_whisper_names_them() {
        assert_eq!(family("en-us"), "en");
        assert_eq!(family("ru_RU"), "ru");
        assert_eq!(family("de"), "de");
    }
}
