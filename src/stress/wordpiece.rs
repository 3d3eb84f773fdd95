//! The homograph solver's tokenizer: BERT's basic split at spaces and punctuation, then
//! greedy longest-match word pieces (`##` for a piece inside a word).
//!
//! Port of `SimpleBertTokenizer` in silero-stress 1.5 (no lower-casing: the solver's input
//! is already cleaned and lower-cased by the caller).

use std::collections::HashMap;

use super::data::BertVocab;

pub struct WordPiece {
    ids: HashMap<String, i64>,
    unk: i64,
    cls: i64,
    sep: i64,
    max_chars: usize,
}

/// Tokens that are never split (the homograph markers).
const NEVER_SPLIT: [&str; 2] = ["[HOMO]", "[/HOMO]"];

impl WordPiece {
    pub fn new(vocab: &BertVocab) -> Self {
        let ids = vocab
            .vocab
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as i64))
            .collect();
        Self {
            ids,
            unk: vocab.unk,
            cls: vocab.cls,
            sep: vocab.sep,
            max_chars: vocab.max_input_chars_per_word,
        }
    }

    /// `[CLS] pieces... [SEP]` as ids.
    pub fn encode(&self, text: &str) -> Vec<i64> {
        let mut ids = vec![self.cls];
        for word in basic_tokens(text) {
            self.push_pieces(&word, &mut ids);
        }
        ids.push(self.sep);
        ids
    }

    fn push_pieces(&self, word: &str, ids: &mut Vec<i64>) {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() > self.max_chars {
            ids.push(self.unk);
            return;
        }
        let mut pieces = Vec::new();
        let mut start = 0;
        while start < chars.len() {
            let mut end = chars.len();
            let found = loop {
                if end == start {
                    break None;
                }
                let mut piece: String = if start > 0 {
                    "##".into()
                } else {
                    String::new()
                };
                piece.extend(&chars[start..end]);
                if let Some(&id) = self.ids.get(&piece) {
                    break Some(id);
                }
                end -= 1;
            };
            match found {
                Some(id) => pieces.push(id),
                None => {
                    ids.push(self.unk);
                    return;
                }
            }
            start = end;
        }
        ids.extend(pieces);
    }
}

/// Whitespace split, control characters dropped, punctuation as tokens of its own.
fn basic_tokens(text: &str) -> Vec<String> {
    let cleaned: String = text
        .chars()
        .filter(|&c| c != '\0' && c != '\u{fffd}' && !is_control(c))
        .map(|c| if is_whitespace(c) { ' ' } else { c })
        .collect();
    let mut out = Vec::new();
    for token in cleaned.split_whitespace() {
        if NEVER_SPLIT.contains(&token) {
            out.push(token.to_string());
            continue;
        }
        let mut word = String::new();
        for c in token.chars() {
            if is_punctuation(c) {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                out.push(c.to_string());
            } else {
                word.push(c);
            }
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r') || c.is_whitespace() && !c.is_control()
}

fn is_control(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && c.is_control()
}

/// ASCII symbols count as punctuation, as in BERT; other scripts' punctuation too.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '«' | '»' | '—' | '–' | '…' | '„' | '“' | '”' | '‘' | '’' | '¡' | '¿' | '·'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(tokens: &[&str]) -> BertVocab {
        BertVocab {
            vocab: tokens.iter().map(|t| t.to_string()).collect(),
            unk: 1,
            cls: 2,
            sep: 3,
            pad: 0,
            homo_start: 4,
            homo_end: 5,
            max_input_chars_per_word: 100,
        }
    }

    #[test]
    fn longest_pieces_first_and_markers_whole() {
        let wp = WordPiece::new(&vocab(&[
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[HOMO]", "[/HOMO]", "зам", "##ок", "за", ".", "на",
        ]));
        assert_eq!(
            wp.encode("на [HOMO] замок [/HOMO] ."),
            vec![2, 10, 4, 6, 7, 5, 9, 3]
        );
        // A word with a piece missing is one [UNK].
        assert_eq!(wp.encode("замх"), vec![2, 1, 3]);
    }
}
