//! Text to IPA phonemes through libespeak-ng (linked as a library), and phonemes to Piper ids.
//!
//! `espeak_TextToPhonemes` returns one clause per call and drops punctuation. Piper voices are
//! trained with the clause punctuation kept as phonemes (`,` `.` `?` `!` ...), so after each
//! call we look at the text espeak consumed and append its terminating punctuation ourselves.

use super::espeak::{self, ffi};
use super::stress_marks::for_voice;
use super::TtsError;
use std::collections::HashMap;
use std::ffi::{c_char, c_void, CStr, CString};

/// Punctuation that ends a clause; Piper keeps it as a phoneme.
const CLAUSE_PUNCTUATION: &[char] = &['.', ',', '?', '!', ';', ':'];
/// Punctuation that ends a sentence (Piper synthesises sentence by sentence).
const SENTENCE_END: &[char] = &['.', '?', '!'];

/// Phonemizes `text` with the espeak-ng voice `voice` (e.g. `en-us`).
///
/// Returns one phoneme string per sentence, with clause punctuation kept (`ˈæsk nˌɑːt, ...`).
/// Empty or whitespace-only text gives an empty list.
pub fn phonemize(text: &str, voice: &str) -> Result<Vec<String>, TtsError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let clauses = espeak::with_voice(voice, |_| {
        // Stress marks become explicit phonemes for Russian (see `stress_marks`).
        let ctext =
            CString::new(clean_text(&for_voice(text, voice))).map_err(|_| TtsError::Phonemize {
                voice: voice.to_owned(),
                reason: "text contains a NUL byte".into(),
            })?;
        Ok(espeak_clauses(&ctext))
    })??;
    Ok(group_sentences(&clauses))
}

/// Replaces characters espeak should not see (NUL is impossible after this; control chars
/// become spaces), and a slash between two letters ("and/or", "и/или"), which espeak would
/// read aloud as "slash", becomes a space: people say "and or".
fn clean_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let letter = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(|c| c.is_alphabetic())
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| match c {
            '/' if letter(i.checked_sub(1)) && letter(Some(i + 1)) => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// One clause as espeak returned it, with the punctuation that ended it in the source text.
#[derive(Debug, Clone, PartialEq)]
struct Clause {
    phonemes: String,
    terminator: Option<char>,
}

/// Runs `espeak_TextToPhonemes` clause by clause over `text`. Caller holds the espeak lock.
fn espeak_clauses(text: &CStr) -> Vec<Clause> {
    let bytes = text.to_bytes();
    let start = text.as_ptr();
    let mut ptr: *const c_void = start.cast();
    let mut clauses = Vec::new();
    while !ptr.is_null() {
        let from = offset_in(start, ptr, bytes.len());
        // SAFETY: `ptr` points into `text` (NUL-terminated, alive for the loop); espeak
        // advances it within the same buffer or sets it to NULL at the end.
        let out =
            unsafe { ffi::espeak_TextToPhonemes(&mut ptr, ffi::CHARS_UTF8, ffi::PHONEMES_IPA) };
        let to = if ptr.is_null() {
            bytes.len()
        } else {
            offset_in(start, ptr, bytes.len())
        };
        let phonemes = if out.is_null() {
            String::new()
        } else {
            // SAFETY: espeak returns a NUL-terminated string valid until the next call.
            unsafe { CStr::from_ptr(out) }
                .to_string_lossy()
                .into_owned()
        };
        let consumed = String::from_utf8_lossy(&bytes[from..to.max(from)]);
        tracing::trace!(from, to, %consumed, %phonemes, "espeak clause");
        clauses.push(Clause {
            phonemes: strip_language_flags(&phonemes),
            terminator: clause_terminator(&consumed, ptr.is_null()),
        });
        if to <= from && !ptr.is_null() {
            tracing::warn!("espeak-ng did not advance through the text; stopping");
            break;
        }
    }
    clauses
}

/// Byte offset of `ptr` in the buffer starting at `start`, clamped to `len`.
fn offset_in(start: *const c_char, ptr: *const c_void, len: usize) -> usize {
    (ptr as usize).saturating_sub(start as usize).min(len)
}

/// The clause punctuation that ends the text espeak consumed for one clause, ignoring trailing
/// spaces and closing quotes/brackets.
///
/// Unless it reached the end of the text, espeak reads ahead into the next word (`"you, a"`),
/// so a last word that follows whitespace is not part of the clause.
fn clause_terminator(consumed: &str, at_end: bool) -> Option<char> {
    let mut clause = consumed;
    if !at_end {
        if let Some(pos) = consumed.trim_end().rfind(char::is_whitespace) {
            clause = &consumed[..pos];
        }
    }
    let clause = clause.trim_end_matches(|c: char| c.is_whitespace() || "\"')]}»”’".contains(c));
    let terminator = clause
        .chars()
        .next_back()
        .filter(|c| CLAUSE_PUNCTUATION.contains(c))?;
    if terminator == '.' && ends_with_abbreviation(clause) {
        return None;
    }
    Some(terminator)
}

/// Titles and initials after which espeak ends a clause although the sentence goes on
/// (`Mr. Smith`, `J. Smith`): their full stop is not a pause.
fn ends_with_abbreviation(clause: &str) -> bool {
    const ABBREVIATIONS: &[&str] = &[
        "mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "mt", "vs",
    ];
    let word = clause
        .trim_end_matches('.')
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    let is_initial = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
    is_initial || ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

/// Removes espeak's language-switch markers such as `(en)` or `(fr)` from its output.
fn strip_language_flags(phonemes: &str) -> String {
    let mut out = String::with_capacity(phonemes.len());
    let mut depth = 0usize;
    for c in phonemes.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// Joins clauses into sentences, Piper style: `clause, clause.` (punctuation, then a space
/// after a mid-sentence clause).
fn group_sentences(clauses: &[Clause]) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut current = String::new();
    for clause in clauses {
        if clause.phonemes.is_empty() && clause.terminator.is_none() {
            continue;
        }
        if !current.is_empty() && !current.ends_with(' ') {
            current.push(' ');
        }
        current.push_str(&clause.phonemes);
        match clause.terminator {
            Some(t) if SENTENCE_END.contains(&t) => {
                current.push(t);
                push_sentence(&mut sentences, &mut current);
            }
            Some(t) => {
                current.push(t);
                current.push(' ');
            }
            None => {}
        }
    }
    push_sentence(&mut sentences, &mut current);
    sentences
}

fn push_sentence(sentences: &mut Vec<String>, current: &mut String) {
    let sentence = current.trim();
    // A sentence of punctuation alone carries nothing to say.
    if sentence
        .chars()
        .any(|c| !CLAUSE_PUNCTUATION.contains(&c) && !c.is_whitespace())
    {
        sentences.push(sentence.to_owned());
    }
    current.clear();
}

/// Piper's phoneme-to-id table (`phoneme_id_map` in the voice's `.onnx.json`).
#[derive(Debug, Clone)]
pub struct PhonemeIdMap {
    map: HashMap<char, Vec<i64>>,
    pad: Vec<i64>,
    bos: Vec<i64>,
    eos: Vec<i64>,
}

/// Padding, beginning-of-sentence and end-of-sentence symbols in Piper voices.
const PAD: char = '_';
const BOS: char = '^';
const EOS: char = '$';

impl PhonemeIdMap {
    /// Builds the table from the json map; keys must be single characters (as Piper writes them).
    pub fn from_json_map(raw: &HashMap<String, Vec<i64>>) -> Result<Self, String> {
        let mut map = HashMap::with_capacity(raw.len());
        for (key, ids) in raw {
            let mut chars = key.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => {
                    map.insert(c, ids.clone());
                }
                _ => tracing::debug!(key, "skipping multi-character phoneme key"),
            }
        }
        let symbol = |c: char| {
            map.get(&c)
                .cloned()
                .ok_or_else(|| format!("phoneme_id_map lacks the `{c}` symbol"))
        };
        Ok(Self {
            pad: symbol(PAD)?,
            bos: symbol(BOS)?,
            eos: symbol(EOS)?,
            map,
        })
    }

    /// Phoneme ids for one sentence: `^ _ (id _)* $`. Phonemes missing from the map are skipped.
    pub fn ids(&self, phonemes: &str) -> Vec<i64> {
        self.ids_with_owners(phonemes).0
    }

    /// [`PhonemeIdMap::ids`], with the index of the character of `phonemes` each id stands
    /// for (`None` for the sentence marks and pads).
    pub fn ids_with_owners(&self, phonemes: &str) -> (Vec<i64>, Vec<Option<usize>>) {
        let mut ids = Vec::with_capacity(phonemes.len() * 2 + 3);
        let mut owners = Vec::with_capacity(phonemes.len() * 2 + 3);
        let mut push = |ids: &mut Vec<i64>, part: &[i64], owner: Option<usize>| {
            ids.extend_from_slice(part);
            owners.extend(std::iter::repeat_n(owner, part.len()));
        };
        push(&mut ids, &self.bos, None);
        push(&mut ids, &self.pad, None);
        for (i, c) in phonemes.chars().enumerate() {
            match self.map.get(&c) {
                Some(id) => {
                    push(&mut ids, id, Some(i));
                    push(&mut ids, &self.pad, None);
                }
                None => tracing::debug!(phoneme = %c, "phoneme not in the voice's map; skipped"),
            }
        }
        push(&mut ids, &self.eos, None);
        (ids, owners)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_map() -> PhonemeIdMap {
        let raw: HashMap<String, Vec<i64>> = [
            ("_", 0),
            ("^", 1),
            ("$", 2),
            (" ", 3),
            (",", 8),
            ("a", 14),
            ("b", 15),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), vec![v]))
        .collect();
        PhonemeIdMap::from_json_map(&raw).expect("valid map")
    }

    #[test]
    fn ids_have_bos_pad_eos_shape() {
        let ids = small_map().ids("ab, a");
        assert_eq!(ids, vec![1, 0, 14, 0, 15, 0, 8, 0, 3, 0, 14, 0, 2]);
    }

    #[test]
    fn unknown_phonemes_are_skipped() {
        assert_eq!(small_map().ids("aZ"), vec![1, 0, 14, 0, 2]);
    }

    #[test]
    fn map_without_pad_is_rejected() {
        let raw: HashMap<String, Vec<i64>> =
            [("^".to_owned(), vec![1]), ("$".to_owned(), vec![2])].into();
        assert!(PhonemeIdMap::from_json_map(&raw).is_err());
    }

    #[test]
    fn known_word_phonemes() {
        let sentences = phonemize("hello", "en-us").expect("phonemize");
        assert_eq!(sentences, vec!["həlˈoʊ".to_owned()]);
    }

    #[test]
    fn known_word_ids() {
        let phonemes = &phonemize("Hello.", "en-us").expect("phonemize")[0];
        let raw: HashMap<String, Vec<i64>> = ["_", "^", "$", "h", "ə", "l", "ˈ", "o", "ʊ", "."]
            .into_iter()
            .enumerate()
            .map(|(i, k)| (k.to_owned(), vec![i as i64]))
            .collect();
        let ids = PhonemeIdMap::from_json_map(&raw)
            .expect("map")
            .ids(phonemes);
        // ^ _ h _ ə _ l _ ˈ _ o _ ʊ _ . _ $
        assert_eq!(ids, vec![1, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0, 9, 0, 2]);
    }

    #[test]
    fn punctuation_is_kept_and_sentences_split() {
        let sentences = phonemize(
            "Ask not what your country can do for you, ask what you can do. Really?",
            "en-us",
        )
        .expect("phonemize");
        assert_eq!(sentences.len(), 2, "{sentences:?}");
        assert!(sentences[0].contains(", "), "{sentences:?}");
        assert!(sentences[0].ends_with('.'), "{sentences:?}");
        assert!(sentences[1].ends_with('?'), "{sentences:?}");
    }

    #[test]
    fn abbreviation_and_decimal_do_not_split() {
        let sentences = phonemize("Mr. Smith paid 3.5 dollars.", "en-us").expect("phonemize");
        assert_eq!(sentences.len(), 1, "{sentences:?}");
    }

    #[test]
    fn a_slash_between_words_is_not_read_aloud() {
        assert_eq!(
            phonemize("and/or", "en-us").expect("slash"),
            phonemize("and or", "en-us").expect("space")
        );
        assert_eq!(
            phonemize("и/или", "ru").expect("slash"),
            phonemize("и или", "ru").expect("space")
        );
        // A slash that is not between two letters is left to espeak ("1/2" is a fraction).
        assert_eq!(clean_text("1/2 and/or"), "1/2 and or");
    }

    #[test]
    fn empty_text_gives_nothing() {
        assert!(phonemize("", "en-us").expect("empty").is_empty());
        assert!(phonemize("  \n\t ", "en-us").expect("blank").is_empty());
        assert!(phonemize("...", "en-us").expect("dots").is_empty());
    }

    #[test]
    fn unknown_voice_is_an_error() {
        assert!(matches!(
            phonemize("hello", "no-such-voice-xx"),
            Err(TtsError::Phonemize { .. })
        ));
    }

    #[test]
    fn terminator_ignores_read_ahead() {
        assert_eq!(clause_terminator("can do for you, a", false), Some(','));
        assert_eq!(clause_terminator("sk what you can do. R", false), Some('.'));
        assert_eq!(clause_terminator("eally?", true), Some('?'));
        assert_eq!(clause_terminator("he said \"stop!\" ", true), Some('!'));
        assert_eq!(clause_terminator("a long clause without", false), None);
        assert_eq!(clause_terminator("Mr. S", false), None);
        assert_eq!(clause_terminator("by J. K", false), None);
    }

    #[test]
    fn language_flags_are_removed() {
        assert_eq!(strip_language_flags("(en)hˈɛloʊ(fr) bɔ̃"), "hˈɛloʊ bɔ̃");
    }
}
