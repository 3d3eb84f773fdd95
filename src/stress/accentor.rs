//! The n-gram accentor: the exceptions dictionary, else a model over the word's character
//! n-grams that names the stressed vowel and the `е` to read as `ё`.
//!
//! A faithful port of `AccentorNgram.__call__` in silero-stress 1.5 (its defaults:
//! stress and ё both on, one-vowel words stressed): the same tokens, the same 0.5
//! confidence threshold, the same treatment of stress or ё the text already has.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::value::Tensor;

use super::{
    inference_failed, is_cyrillic, is_lower, is_vowel, lower, open_session, softmax_max,
    AccentorData, StressError, STRESS_MARK,
};

pub struct Accentor {
    path: PathBuf,
    session: Session,
    ngrams: HashMap<String, i64>,
    /// The all-zero row appended after the real n-grams, used as padding.
    pad: i64,
    unknown: i64,
    exceptions: HashMap<String, (i64, i64)>,
}

/// What the model says of one word.
struct Prediction {
    /// Vowel index of the stress, and whether the model is sure (p > 0.5).
    stress: (usize, bool),
    /// 1-based index among the word's `е` letters of the one that is `ё` (0: none).
    yo: (usize, bool),
}

impl Accentor {
    pub fn load(path: &Path, data: AccentorData, threads: usize) -> Result<Self, StressError> {
        let session = open_session(path, threads)?;
        let pad = data.ngrams.len() as i64;
        let ngrams: HashMap<String, i64> = data
            .ngrams
            .into_iter()
            .enumerate()
            .map(|(i, g)| (g, i as i64))
            .collect();
        let unknown = *ngrams.get("UNK").ok_or_else(|| StressError::Data {
            path: path.to_path_buf(),
            problem: "the n-gram list has no UNK".into(),
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            session,
            ngrams,
            pad,
            unknown,
            exceptions: data.exceptions,
        })
    }

    /// Stresses every Russian word of `text` that is not stressed yet.
    pub fn stress(&mut self, text: &str) -> Result<String, StressError> {
        let tokens = tokenize(text);
        let for_model: Vec<&str> = tokens
            .iter()
            .filter(|t| self.needs_model(t))
            .map(|t| t.clean.as_str())
            .collect();
        let mut predictions = self.predict(&for_model)?.into_iter();
        let mut out = String::with_capacity(text.len() * 5 / 4);
        for token in &tokens {
            let raw: Vec<char> = token.raw.chars().collect();
            let word = if !token.predict || (has_stress(&raw) && has_yo(&raw)) {
                raw
            } else if has_yo(&raw) {
                stress_each_yo(raw)
            } else if let Some(&exception) = self.exceptions.get(&token.clean) {
                from_exception(raw, exception)
            } else {
                match predictions.next() {
                    Some(prediction) => from_model(raw, prediction),
                    None => raw,
                }
            };
            out.extend(word);
        }
        Ok(out)
    }

    /// Words neither marked with ё nor in the dictionary go to the model.
    fn needs_model(&self, token: &Token) -> bool {
        token.predict
            && !token.raw.chars().any(|c| lower(c) == 'ё')
            && !self.exceptions.contains_key(&token.clean)
    }

    /// Runs the model on `words` (clean, lower case), one prediction each.
    fn predict(&mut self, words: &[&str]) -> Result<Vec<Prediction>, StressError> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Vec<i64>> = words.iter().map(|w| self.ngram_ids(w)).collect();
        let width = ids.iter().map(Vec::len).max().unwrap_or(1);
        let mut flat = Vec::with_capacity(ids.len() * width);
        let mut counts = Vec::with_capacity(ids.len());
        for row in &ids {
            flat.extend_from_slice(row);
            flat.extend(std::iter::repeat_n(self.pad, width - row.len()));
            counts.push(row.len() as f32);
        }
        let fail = inference_failed(&self.path);
        let outputs = self
            .session
            .run(ort::inputs! {
                "ngram_ids" => Tensor::from_array(([ids.len(), width], flat)).map_err(fail)?,
                "ngram_counts" => Tensor::from_array(([ids.len(), 1usize], counts)).map_err(fail)?,
            })
            .map_err(fail)?;
        let (_, stress) = outputs["stress_logits"]
            .try_extract_tensor::<f32>()
            .map_err(fail)?;
        let (_, yo) = outputs["yo_logits"]
            .try_extract_tensor::<f32>()
            .map_err(fail)?;
        let stress_classes = stress.len() / words.len();
        let yo_classes = yo.len() / words.len();
        Ok((0..words.len())
            .map(|i| {
                let (s, ps) = softmax_max(&stress[i * stress_classes..(i + 1) * stress_classes]);
                let (y, py) = softmax_max(&yo[i * yo_classes..(i + 1) * yo_classes]);
                Prediction {
                    stress: (s, ps > 0.5),
                    yo: (y, py > 0.5),
                }
            })
            .collect())
    }

    /// Embedding rows of the word's n-grams: every substring of `<word>` of length
    /// 1..=len+2 that the vocabulary has, repeats included; UNK when none is known.
    fn ngram_ids(&self, word: &str) -> Vec<i64> {
        let wrapped: Vec<char> = std::iter::once('<')
            .chain(word.chars())
            .chain(['>'])
            .collect();
        let mut ids = Vec::new();
        let mut gram = String::new();
        for n in 1..=wrapped.len() {
            for start in 0..=wrapped.len() - n {
                gram.clear();
                gram.extend(&wrapped[start..start + n]);
                if let Some(&id) = self.ngrams.get(&gram) {
                    ids.push(id);
                }
            }
        }
        if ids.is_empty() {
            ids.push(self.unknown);
        }
        ids
    }
}

/// A piece of the text: a word (or a part of a hyphenated word, with its hyphen) or the
/// separator between words.
#[derive(Debug)]
struct Token {
    raw: String,
    /// Its Russian letters, lower case.
    clean: String,
    /// Whether it gets stress (it has Russian letters and is not the "-то" of "что-то").
    predict: bool,
}

/// Splits like the package: at runs of whitespace and `.,!?;:<>=()/\`, keeping them, and
/// the words at hyphens ("кто-то" -> "кто-", "то").
fn tokenize(text: &str) -> Vec<Token> {
    let is_sep = |c: char| c.is_whitespace() || ".,!?;:<>=()/\\".contains(c);
    let mut pieces: Vec<&str> = Vec::new();
    let mut start = 0;
    let mut in_sep: Option<bool> = None;
    for (i, c) in text.char_indices() {
        let sep = is_sep(c);
        if in_sep.is_some_and(|s| s != sep) {
            pieces.push(&text[start..i]);
            start = i;
        }
        in_sep = Some(sep);
    }
    pieces.push(&text[start..]);
    let mut tokens = Vec::new();
    for piece in pieces {
        let parts: Vec<&str> = piece.split('-').collect();
        let last = parts.len() - 1;
        for (i, part) in parts.iter().enumerate() {
            let raw = if i < last {
                format!("{part}-")
            } else {
                part.to_string()
            };
            let clean: String = raw.chars().map(lower).filter(|&c| is_cyrillic(c)).collect();
            let keep = !(last > 0 && i == last && *part == "то");
            tokens.push(Token {
                predict: keep && !clean.is_empty(),
                raw,
                clean,
            });
        }
    }
    tokens
}

fn has_stress(word: &[char]) -> bool {
    word.contains(&STRESS_MARK)
}

fn has_yo(word: &[char]) -> bool {
    word.iter().any(|&c| lower(c) == 'ё')
}

fn set_yo(word: &mut [char], at: usize) {
    if let Some(c) = word.get_mut(at) {
        *c = if is_lower(*c) { 'ё' } else { 'Ё' };
    }
}

/// Stress and ё from the exceptions dictionary.
fn from_exception(mut word: Vec<char>, (stress, yo): (i64, i64)) -> Vec<char> {
    if has_stress(&word) {
        // Keep the writer's marks; put ё only where the dictionary's ё is the stressed one.
        let marks: Vec<usize> = word
            .iter()
            .enumerate()
            .filter(|(_, &c)| c == STRESS_MARK)
            .map(|(i, _)| i)
            .collect();
        let mut plain: Vec<char> = word.into_iter().filter(|&c| c != STRESS_MARK).collect();
        if yo >= 0 && marks.contains(&(yo as usize + 1)) {
            set_yo(&mut plain, yo as usize);
        }
        for at in marks {
            plain.insert(at.min(plain.len()), STRESS_MARK);
        }
        return plain;
    }
    if yo >= 0 {
        set_yo(&mut word, yo as usize);
    }
    word.insert((stress.max(0) as usize).min(word.len()), STRESS_MARK);
    word
}

/// The writer put ё (and no stress mark): each ё is stressed.
fn stress_each_yo(mut word: Vec<char>) -> Vec<char> {
    let at: Vec<usize> = word
        .iter()
        .enumerate()
        .filter(|(_, &c)| lower(c) == 'ё')
        .map(|(i, _)| i)
        .collect();
    for (shift, i) in at.into_iter().enumerate() {
        word.insert(i + shift, STRESS_MARK);
    }
    word
}

/// Stress and ё from the model's prediction.
fn from_model(mut word: Vec<char>, prediction: Prediction) -> Vec<char> {
    let lowered: Vec<char> = word.iter().map(|&c| lower(c)).collect();
    let stressed = has_stress(&word);
    let vowels: Vec<usize> = lowered
        .iter()
        .enumerate()
        .filter(|(_, &c)| is_vowel(c))
        .map(|(i, _)| i)
        .collect();
    if vowels.is_empty() {
        return word;
    }
    let stress_vowels: Vec<usize> = if stressed {
        // As the package does: the vowels counted in each part between the writer's marks
        // (only used to decide ё, the writer's stress stays).
        lowered
            .split(|&c| c == STRESS_MARK)
            .map(|part| part.iter().filter(|&&c| is_vowel(c)).count())
            .collect()
    } else {
        vec![prediction.stress.0]
    };
    let mut stress_at: Vec<usize> = stress_vowels
        .iter()
        .filter_map(|&v| vowels.get(v).copied())
        .collect();
    let ye: Vec<usize> = lowered
        .iter()
        .enumerate()
        .filter(|(_, &c)| c == 'е')
        .map(|(i, _)| i)
        .collect();
    let yo_at = prediction
        .yo
        .0
        .checked_sub(1)
        .and_then(|i| ye.get(i).copied());
    if let Some(at) = yo_at {
        if prediction.yo.1 && stress_at.contains(&at) {
            set_yo(&mut word, at);
        }
    }
    let mut set_stress = prediction.stress.1;
    if vowels.len() == 1 {
        stress_at = vec![vowels[0]];
        set_stress = true;
    }
    if !stressed && set_stress {
        for (shift, at) in stress_at.into_iter().enumerate() {
            word.insert(at + shift, STRESS_MARK);
        }
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_separators_and_split_hyphens() {
        let t = tokenize("Кто-то, да. iPhone 5");
        let raw: Vec<&str> = t.iter().map(|t| t.raw.as_str()).collect();
        assert_eq!(raw, ["Кто-", "то", ", ", "да", ". ", "iPhone", " ", "5"]);
        let predict: Vec<bool> = t.iter().map(|t| t.predict).collect();
        assert_eq!(
            predict,
            [true, false, false, true, false, false, false, false]
        );
        assert_eq!(t[0].clean, "кто");
    }

    #[test]
    fn exceptions_put_stress_and_yo_at_their_char_index() {
        assert_eq!(
            from_exception("ааронов".chars().collect(), (1, -1))
                .iter()
                .collect::<String>(),
            "а+аронов"
        );
        assert_eq!(
            from_exception("Еж".chars().collect(), (0, 0))
                .iter()
                .collect::<String>(),
            "+Ёж"
        );
    }

    #[test]
    fn a_written_yo_is_stressed_as_it_is() {
        assert_eq!(
            stress_each_yo("всё-".chars().collect())
                .iter()
                .collect::<String>(),
            "вс+ё-"
        );
    }
}
