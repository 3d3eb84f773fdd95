//! The homograph solver: for words with more than one reading (з+амок / зам+ок), phrase
//! rules first, then a 3-layer BERT that reads up to 150 characters on each side.
//!
//! Port of `HomoSolver.__call__` in silero-stress 1.5 with its defaults. The package runs
//! all homographs of a call as one padded batch without an attention mask, so padding
//! takes part in the attention; each sequence is padded to the call's longest here too, so
//! the answers are the same.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::value::Tensor;

use super::wordpiece::WordPiece;
use super::{
    inference_failed, is_cyrillic, is_lower, lower, open_session, upper, HomographData,
    StressError, STRESS_MARK,
};

pub struct Homosolver {
    path: PathBuf,
    session: Session,
    tokenizer: WordPiece,
    homographs: HashMap<String, Vec<String>>,
    phrases: HashMap<String, Vec<(String, Vec<String>)>>,
    half_window: usize,
    pad: i64,
    homo_start: i64,
    homo_end: i64,
}

/// A homograph found in the text: char span, and its context for the rules and the model.
struct Found {
    start: usize,
    end: usize,
    /// Context with the word between `[HOMO]` and `[/HOMO]`.
    marked: String,
}

impl Homosolver {
    pub fn load(path: &Path, data: HomographData, threads: usize) -> Result<Self, StressError> {
        Ok(Self {
            path: path.to_path_buf(),
            session: open_session(path, threads)?,
            tokenizer: WordPiece::new(&data.bert),
            homographs: data.homographs,
            phrases: data.phrases,
            half_window: data.window_chars / 2,
            pad: data.bert.pad,
            homo_start: data.bert.homo_start,
            homo_end: data.bert.homo_end,
        })
    }

    /// `text` with each homograph stressed (and given ё where its reading has one).
    pub fn solve(&mut self, text: &str) -> Result<String, StressError> {
        let chars: Vec<char> = text.chars().collect();
        let found = self.find(&chars);
        // Readings from the phrase rules; the rest go to the model.
        let mut readings: Vec<Option<String>> = Vec::with_capacity(found.len());
        let mut for_model: Vec<(usize, Vec<i64>)> = Vec::new();
        let mut kept: Vec<&Found> = Vec::new();
        for f in &found {
            let word: String = chars[f.start..f.end].iter().map(|&c| lower(c)).collect();
            let by_rule = self
                .phrases
                .get(&word)
                .and_then(|rules| by_phrase(rules, &f.marked));
            if by_rule.is_none() && !self.homographs.contains_key(&word) {
                continue;
            }
            if by_rule.is_none() {
                for_model.push((kept.len(), self.tokenizer.encode(&f.marked)));
            }
            readings.push(by_rule);
            kept.push(f);
        }
        let width = for_model
            .iter()
            .map(|(_, ids)| ids.len())
            .max()
            .unwrap_or(0);
        for (k, ids) in &for_model {
            let word: String = chars[kept[*k].start..kept[*k].end]
                .iter()
                .map(|&c| lower(c))
                .collect();
            let mut variants = self.homographs.get(&word).cloned().unwrap_or_default();
            variants.sort();
            let second = self.second_reading(ids, width)?;
            readings[*k] = variants.get(usize::from(second)).cloned();
        }
        let mut out = chars.clone();
        let mut shift = 0usize;
        for (f, reading) in kept.iter().zip(readings) {
            let Some(reading) = reading else { continue };
            let original = &chars[f.start..f.end];
            let replaced = apply_reading(original, &reading);
            let (start, end) = (f.start + shift, f.end + shift);
            shift += replaced.len() - original.len();
            out.splice(start..end, replaced);
        }
        Ok(out.into_iter().collect())
    }

    /// Whether the model picks the second of the (sorted) readings.
    fn second_reading(&mut self, ids: &[i64], width: usize) -> Result<bool, StressError> {
        let position = |id: i64| ids.iter().position(|&x| x == id).unwrap_or(0) as i64;
        let (start, end) = (position(self.homo_start), position(self.homo_end));
        let mut padded = ids.to_vec();
        padded.resize(width.max(ids.len()), self.pad);
        let fail = inference_failed(&self.path);
        let outputs = self
            .session
            .run(ort::inputs! {
                "input_ids" => Tensor::from_array(([1usize, padded.len()], padded)).map_err(fail)?,
                "homo_start" => Tensor::from_array(([1usize], vec![start])).map_err(fail)?,
                "homo_end" => Tensor::from_array(([1usize], vec![end])).map_err(fail)?,
            })
            .map_err(fail)?;
        let (_, logit) = outputs["logit"].try_extract_tensor::<f32>().map_err(fail)?;
        // round(sigmoid(x)) is 1 exactly when x > 0.
        Ok(logit.first().is_some_and(|&x| x > 0.0))
    }

    /// Every run of Russian letters and `+` that is a known homograph, with its context.
    fn find(&self, chars: &[char]) -> Vec<Found> {
        let in_word = |c: char| is_cyrillic(c) || c == STRESS_MARK;
        let mut found = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if !in_word(chars[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && in_word(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().map(|&c| lower(c)).collect();
            if !word.chars().any(|c| c != STRESS_MARK)
                || !(self.homographs.contains_key(&word) || self.phrases.contains_key(&word))
            {
                continue;
            }
            let before: String = chars[..start].iter().collect();
            let after: String = chars[i..].iter().collect();
            let before = clean_context(&before, true);
            let after = clean_context(&after, false);
            let before: String = tail(&before, self.half_window);
            let after: String = after.chars().take(self.half_window).collect();
            let marked = format!("{before} [HOMO] {word} [/HOMO] {after}")
                .trim()
                .to_string();
            found.push(Found {
                start,
                end: i,
                marked,
            });
        }
        found
    }
}

fn tail(s: &str, n: usize) -> String {
    let count = s.chars().count();
    s.chars().skip(count.saturating_sub(n)).collect()
}

/// The reading whose phrase occurs first in `marked` (leftmost; at one place, the
/// package's order of readings and phrases), not inside a longer word.
fn by_phrase(rules: &[(String, Vec<String>)], marked: &str) -> Option<String> {
    let text: Vec<char> = marked.chars().map(lower).collect();
    let is_letter = |c: char| matches!(c, 'а'..='я' | 'ё' | '-');
    for at in 0..text.len() {
        if at > 0 && is_letter(text[at - 1]) {
            continue;
        }
        for (reading, phrases) in rules {
            for phrase in phrases {
                let p: Vec<char> = phrase.chars().map(lower).collect();
                let end = at + p.len();
                if end <= text.len()
                    && text[at..end] == p[..]
                    && text.get(end).is_none_or(|&c| !is_letter(c))
                {
                    return Some(reading.clone());
                }
            }
        }
    }
    None
}

/// The original word respelled as `reading` (its ё), in the original's case, with `+`.
fn apply_reading(original: &[char], reading: &str) -> Vec<char> {
    let plain: Vec<char> = reading.chars().filter(|&c| c != STRESS_MARK).collect();
    let stress_at = reading.chars().position(|c| c == STRESS_MARK);
    let mut word: Vec<char> = original
        .iter()
        .zip(&plain)
        .map(|(&o, &r)| if is_lower(o) { lower(r) } else { upper(r) })
        .collect();
    // The package marks one-vowel readings too (stress_single_vowel).
    if let Some(at) = stress_at {
        word.insert(at.min(word.len()), STRESS_MARK);
    }
    word
}

/// The package's `_clean_text`: keep letters, digits, spaces and `.!?,-`, tidy spacing and
/// repeated punctuation; the left context starts with a capital, the right one ends a
/// sentence.
fn clean_context(text: &str, is_start: bool) -> String {
    let keep = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё')
            || c.is_whitespace()
            || ".!?,-".contains(c)
    };
    let mut t: String = text.chars().filter(|&c| keep(c)).collect();
    t = squeeze_spaces(&t);
    t = replace_dash_runs(&t);
    t = collapse_repeats(&t);
    t = remove_space_before_punct(&t);
    t = collapse_repeats(&t);
    t = space_after_punct(&t);
    t = squeeze_spaces(&t).trim().to_string();
    if is_start {
        let t = t.trim_start_matches([' ', '.', ',', '!', '?', '-']);
        let mut c = t.chars();
        match c.next() {
            Some(first) => std::iter::once(upper(first)).chain(c.map(lower)).collect(),
            None => String::new(),
        }
    } else {
        let mut c = t.chars();
        let Some(first) = c.next() else {
            return String::new();
        };
        let mut out: String = std::iter::once(first).chain(c.map(lower)).collect();
        if !out.ends_with(['.', '!', '?']) {
            out.push('.');
        }
        out
    }
}

fn squeeze_spaces(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut space = false;
    for c in t.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// `-{2,}` -> ` - `.
fn replace_dash_runs(t: &str) -> String {
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] == '-' {
                i += 1;
            }
            out.push_str(" - ");
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// `([.!?])\1+` -> `\1` and `,{2,}` -> `,`.
fn collapse_repeats(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        if ".!?,".contains(c) && out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    out
}

/// `\s+([.,!?])` -> `\1`.
fn remove_space_before_punct(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        if ".,!?".contains(c) {
            while out.ends_with(char::is_whitespace) {
                out.pop();
            }
        }
        out.push(c);
    }
    out
}

/// `([.,!?])(?=\S)` -> `\1 `.
fn space_after_punct(t: &str) -> String {
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        out.push(c);
        if ".,!?".contains(c) && chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) {
            out.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_is_cleaned_like_the_package() {
        assert_eq!(
            clean_context("  ну   что ,, вот!!  И -- всё", true),
            "Ну что, вот! и - всё"
        );
        assert_eq!(clean_context(" стоит на холме", false), "стоит на холме.");
        assert_eq!(clean_context("...", true), "");
    }

    #[test]
    fn phrases_match_whole_words_leftmost_first() {
        let rules = vec![
            (
                "з+амок".to_string(),
                vec!["старинный [HOMO] замок [/HOMO]".to_string()],
            ),
            (
                "зам+ок".to_string(),
                vec!["на [HOMO] замок [/HOMO]".to_string()],
            ),
        ];
        assert_eq!(
            by_phrase(&rules, "Дверь на [HOMO] замок [/HOMO] ."),
            Some("зам+ок".into())
        );
        // "сна [HOMO] замок" must not match "на [HOMO] замок" inside a word.
        assert_eq!(by_phrase(&rules, "Сна [HOMO] замок [/HOMO]"), None);
    }

    #[test]
    fn a_reading_keeps_the_case_of_the_original() {
        let w: Vec<char> = "Замок".chars().collect();
        assert_eq!(
            apply_reading(&w, "з+амок").iter().collect::<String>(),
            "З+амок"
        );
        let w: Vec<char> = "ВСЕ".chars().collect();
        assert_eq!(apply_reading(&w, "вс+ё").iter().collect::<String>(), "ВС+Ё");
    }
}
