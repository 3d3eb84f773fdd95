//! Russian stress marking: Silero's stress accentor, run through ONNX Runtime.
//!
//! Text in, the same text out with `+` before each stressed vowel and `ё` restored
//! ("Мы пили молоко" -> "М+ы п+или молок+о"). Two steps, as in the `silero-stress` package:
//! - [`homosolver`] (quality `high`): words with two readings (з+амок / зам+ок) are settled
//!   by phrase rules or, failing those, by a small BERT reading the sentence around them;
//! - [`accentor`] (`normal` and `high`): the exceptions dictionary, else an n-gram model,
//!   stresses every other word.
//!
//! The model files are made by `revoice models prepare` (`models/manifest.toml`,
//! `scripts/export_silero_stress.py`).

mod accentor;
mod data;
mod homosolver;
mod wordpiece;

use std::path::{Path, PathBuf};

use ort::session::Session;
use serde::{Deserialize, Serialize};

use crate::settings::Quality;
use crate::transcript::Transcript;

pub use accentor::Accentor;
pub use data::{AccentorData, HomographData, StressData};
pub use homosolver::Homosolver;

/// File names in the models directory.
pub const DATA_FILE: &str = "ru-stress.json";
pub const ACCENTOR_FILE: &str = "ru-stress-accentor.onnx";
pub const HOMOSOLVER_FILE: &str = "ru-stress-homosolver.onnx";

/// The mark put before a stressed vowel.
pub const STRESS_MARK: char = '+';
/// Russian vowels, lower case.
pub const VOWELS: &str = "аоуыэиеяёю";

#[derive(Debug, thiserror::Error)]
pub enum StressError {
    #[error("{path}: cannot read the stress data: {problem}")]
    Data { path: PathBuf, problem: String },
    #[error("{path}: cannot load the stress model: {source}")]
    Model { path: PathBuf, source: ort::Error },
    #[error("stress model {path} failed: {source}")]
    Inference { path: PathBuf, source: ort::Error },
    #[error(transparent)]
    Runtime(#[from] crate::tts::TtsError),
}

/// How much of the stress model runs.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StressLevel {
    /// No stress marks: the voice's own rules decide.
    Off,
    /// Exceptions dictionary and n-gram accentor.
    Accentor,
    /// Also the homograph solver (phrase rules and BERT).
    Homographs,
}

impl StressLevel {
    /// `fast` skips stress, `normal` uses the accentor, `high` adds the homograph solver.
    pub fn for_quality(quality: Quality) -> Self {
        match quality {
            Quality::Fast => StressLevel::Off,
            Quality::Normal => StressLevel::Accentor,
            Quality::High => StressLevel::Homographs,
        }
    }
}

/// The loaded stress models for one level.
pub struct Stresser {
    level: StressLevel,
    accentor: Option<Accentor>,
    homosolver: Option<Homosolver>,
}

impl Stresser {
    /// Loads what `level` needs from `models_dir`. ONNX Runtime must be initialised.
    pub fn load(
        models_dir: &Path,
        level: StressLevel,
        threads: usize,
    ) -> Result<Self, StressError> {
        if level == StressLevel::Off {
            return Ok(Self {
                level,
                accentor: None,
                homosolver: None,
            });
        }
        let data = StressData::load(&models_dir.join(DATA_FILE))?;
        let homosolver = match level {
            StressLevel::Homographs => Some(Homosolver::load(
                &models_dir.join(HOMOSOLVER_FILE),
                data.homographs,
                threads,
            )?),
            _ => None,
        };
        let accentor = Accentor::load(&models_dir.join(ACCENTOR_FILE), data.accentor, threads)?;
        tracing::info!(?level, "stress model loaded");
        Ok(Self {
            level,
            accentor: Some(accentor),
            homosolver,
        })
    }

    pub fn level(&self) -> StressLevel {
        self.level
    }

    /// `text` with `+` before stressed vowels and `ё` restored; unchanged when off.
    pub fn stress(&mut self, text: &str) -> Result<String, StressError> {
        let Some(accentor) = self.accentor.as_mut() else {
            return Ok(text.to_string());
        };
        let text = match self.homosolver.as_mut() {
            Some(solver) => solver.solve(text)?,
            None => text.to_string(),
        };
        accentor.stress(&text)
    }
}

/// Opens an ONNX graph on the shared runtime with `threads` intra-op threads.
fn open_session(path: &Path, threads: usize) -> Result<Session, StressError> {
    let model = |source: ort::Error| StressError::Model {
        path: path.to_path_buf(),
        source,
    };
    if !path.is_file() {
        return Err(StressError::Data {
            path: path.to_path_buf(),
            problem: format!("not found; run `{}`", crate::models::FIX_COMMAND),
        });
    }
    Session::builder(crate::tts::runtime()?)
        .map_err(model)?
        .with_intra_threads(threads.max(1))
        .map_err(|e| model(e.into()))?
        .with_inter_threads(1)
        .map_err(|e| model(e.into()))?
        .commit_from_file(path)
        .map_err(model)
}

/// Maps an ONNX Runtime error of the graph at `path` to ours.
fn inference_failed(path: &Path) -> impl Fn(ort::Error) -> StressError + Copy + '_ {
    move |source| StressError::Inference {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether `c` is a Russian letter in the ranges the Silero code uses (А-Я, а-я, ё, Ё).
pub(crate) fn is_cyrillic(c: char) -> bool {
    matches!(c, 'А'..='я' | 'ё' | 'Ё')
}

/// Whether `c` is a Russian vowel letter, either case.
pub(crate) fn is_vowel(c: char) -> bool {
    VOWELS.contains(lower(c))
}

/// One-to-one lower case (as Python's `str.lower` for the letters that matter here).
fn lower(c: char) -> char {
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

fn upper(c: char) -> char {
    let mut u = c.to_uppercase();
    match (u.next(), u.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

fn is_lower(c: char) -> bool {
    c.is_lowercase()
}

fn softmax_max(logits: &[f32]) -> (usize, f32) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = logits.iter().map(|l| (l - max).exp()).sum();
    let (idx, best) = logits
        .iter()
        .enumerate()
        .fold(
            (0, f32::NEG_INFINITY),
            |acc, (i, &l)| if l > acc.1 { (i, l) } else { acc },
        );
    (idx, (best - max).exp() / sum)
}

impl Stresser {
    /// Marks stress in every Russian segment of `transcript` (whole segments, so homographs
    /// see their sentence) and on each of its words; records the level. At `Off` the marks
    /// are removed, so the voice's own rules decide again.
    pub fn stress_transcript(&mut self, transcript: &mut Transcript) -> Result<(), StressError> {
        let language = transcript.language.clone();
        for segment in &mut transcript.segments {
            segment.stressed = None;
            segment.words.iter_mut().for_each(|w| w.stressed = None);
            if self.level == StressLevel::Off || segment.language_or(&language) != "ru" {
                continue;
            }
            let stressed = self.stress(&segment.text)?;
            let spans = renditions(&segment.text, &stressed);
            let mut cursor = 0;
            for word in &mut segment.words {
                let text = word.text.trim();
                let Some(found) = segment.text[cursor..].find(text) else {
                    continue;
                };
                let (start, end) = (cursor + found, cursor + found + text.len());
                cursor = end;
                let spoken: String = spans[start..end].concat();
                if spoken != text {
                    word.stressed = Some(spoken);
                }
            }
            segment.stressed = Some(stressed);
        }
        transcript.stress = (self.level != StressLevel::Off).then_some(self.level);
        Ok(())
    }
}

/// For each byte of `plain`, what `stressed` (the same text with `+` inserted and е made
/// ё) has in its place: the character's rendition at its first byte, nothing at the others.
fn renditions(plain: &str, stressed: &str) -> Vec<String> {
    let mut out = vec![String::new(); plain.len()];
    let mut marked = stressed.chars().peekable();
    for (at, c) in plain.char_indices() {
        let mut rendition = String::new();
        while marked.peek() == Some(&STRESS_MARK) && c != STRESS_MARK {
            rendition.push(STRESS_MARK);
            marked.next();
        }
        match marked.next() {
            Some(m) if m == c || (lower(c) == 'е' && lower(m) == 'ё') => rendition.push(m),
            // Not the same text after all: keep the plain character.
            _ => rendition = c.to_string(),
        }
        out[at] = rendition;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_character_gets_its_stressed_rendition() {
        let r = renditions("Все ее", "Вс+е е+ё");
        assert_eq!(r.concat(), "Вс+е е+ё");
        let word = |a: usize, b: usize| r[a..b].concat();
        assert_eq!(word(0, "Все".len()), "Вс+е");
        assert_eq!(word("Все ".len(), "Все ее".len()), "е+ё");
    }
}
