//! Word onset error: the words of input and output, as the same recogniser heard them,
//! aligned by edit distance; the onsets of words that match are compared.

use crate::transcript::Transcript;
use crate::wer::normalize_in;

/// A normalised word and when it starts (ms).
#[derive(Debug, Clone, PartialEq)]
pub struct TimedWord {
    pub word: String,
    pub start_ms: u64,
}

/// The words of a transcript, normalised as for WER (a number becomes its spoken words,
/// each with the number's start).
pub fn timed_words(t: &Transcript, language: &str) -> Vec<TimedWord> {
    t.segments
        .iter()
        .flat_map(|s| &s.words)
        .flat_map(|w| {
            normalize_in(&w.text, language)
                .into_iter()
                .map(|word| TimedWord {
                    word,
                    start_ms: w.start_ms,
                })
        })
        .collect()
}

/// Pairs (input index, output index) of equal words on a minimum-edit-distance alignment.
pub fn matched_pairs(a: &[TimedWord], b: &[TimedWord]) -> Vec<(usize, usize)> {
    let words = |w: &[TimedWord]| w.iter().map(|w| w.word.clone()).collect::<Vec<_>>();
    let (wa, wb) = (words(a), words(b));
    crate::wer::aligned_pairs(&wa, &wb)
        .into_iter()
        .filter(|&(i, j)| wa[i] == wb[j])
        .collect()
}

/// Absolute onset differences (ms) of the matched words.
pub fn onset_errors(a: &[TimedWord], b: &[TimedWord]) -> Vec<f64> {
    matched_pairs(a, b)
        .into_iter()
        .map(|(i, j)| {
            tracing::debug!(word = %a[i].word, input_ms = a[i].start_ms, output_ms = b[j].start_ms, "onset");
            (a[i].start_ms as f64 - b[j].start_ms as f64).abs()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[(&str, u64)]) -> Vec<TimedWord> {
        list.iter()
            .map(|&(w, t)| TimedWord {
                word: w.into(),
                start_ms: t,
            })
            .collect()
    }

    #[test]
    fn equal_words_are_matched_across_an_insertion_and_a_substitution() {
        let a = words(&[("ask", 0), ("not", 500), ("what", 1000), ("your", 1400)]);
        let b = words(&[
            ("ask", 40),
            ("not", 560),
            ("uh", 800),
            ("want", 1000),
            ("your", 1500),
        ]);
        assert_eq!(matched_pairs(&a, &b), vec![(0, 0), (1, 1), (3, 4)]);
        assert_eq!(onset_errors(&a, &b), vec![40.0, 60.0, 100.0]);
    }
}
