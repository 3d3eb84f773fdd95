//! `ru-stress.json`: the dictionaries and vocabularies of Silero's stress model.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::StressError;

#[derive(Debug, Deserialize)]
pub struct StressData {
    pub format: u32,
    #[serde(flatten)]
    pub accentor: AccentorData,
    #[serde(flatten)]
    pub homographs: HomographData,
}

/// What the n-gram accentor needs.
#[derive(Debug, Deserialize)]
pub struct AccentorData {
    /// Character n-grams of the accentor, by embedding row.
    pub ngrams: Vec<String>,
    /// word -> (char index of the stressed vowel, char index of ё or -1).
    pub exceptions: HashMap<String, (i64, i64)>,
}

/// What the homograph solver needs.
#[derive(Debug, Deserialize)]
pub struct HomographData {
    /// word -> its stressed readings.
    pub homographs: HashMap<String, Vec<String>>,
    /// word -> [(stressed reading, phrases that select it)], in the package's order.
    pub phrases: HashMap<String, Vec<(String, Vec<String>)>>,
    /// Characters of context taken around a homograph, both sides together.
    pub window_chars: usize,
    pub bert: BertVocab,
}

#[derive(Debug, Deserialize)]
pub struct BertVocab {
    /// Word pieces by id.
    pub vocab: Vec<String>,
    pub unk: i64,
    pub cls: i64,
    pub sep: i64,
    pub pad: i64,
    pub homo_start: i64,
    pub homo_end: i64,
    pub max_input_chars_per_word: usize,
}

impl StressData {
    pub fn load(path: &Path) -> Result<Self, StressError> {
        let bad = |problem: String| StressError::Data {
            path: path.to_path_buf(),
            problem,
        };
        let text = std::fs::read(path)
            .map_err(|e| bad(format!("{e}; run `{}`", crate::models::FIX_COMMAND)))?;
        let data: Self = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;
        if data.format != 1 {
            return Err(bad(format!("format {} is not 1", data.format)));
        }
        Ok(data)
    }
}
