//! Word onset error: the words of input and output, as the same recogniser heard them,
//! aligned by edit distance; the onsets of words that match are compared.

use crate::transcript::Transcript;
use crate::wer::normalize_in;

/// A normalised word and when it starts (ms).
#[derive(Debug, Clone, PartialEq)]
pub struct TimedWord {
    pub word: String,
    pub start_ms: u64,
    /// Whether `start_ms` is this word's own onset: not for the second and later words a
    /// number is spoken as ("496" -> "four hundred ninety six"), which only share the
    /// number's start.
    pub timed: bool,
}

/// The words of a transcript, normalised as for WER (a number becomes its spoken words,
/// each with the number's start, the first alone [`TimedWord::timed`]).
pub fn timed_words(t: &Transcript, language: &str) -> Vec<TimedWord> {
    t.segments
        .iter()
        .flat_map(|s| &s.words)
        .flat_map(|w| {
            normalize_in(&w.text, language)
                .into_iter()
                .enumerate()
                .map(|(k, word)| TimedWord {
                    word,
                    start_ms: w.start_ms,
                    timed: k == 0,
                })
        })
        .collect()
}

/// Word times steadied over several hearings of the same audio: each word of `base` takes
/// the median start and the median end of itself and of the equal words (matched in order,
/// on an edit-distance alignment) of each transcript in `others`, whose times are on
/// `base`'s timeline. The words themselves stay as `base` heard them.
///
/// Whisper's aligned word times move by tens, at times hundreds, of ms when the audio moves
/// by less than one of its 20 ms frames; the median of a few such hearings is steadier than
/// any one (the evaluator's floor, docs/quality.md).
pub fn median_times(base: &mut Transcript, others: &[Transcript]) {
    let text = |t: &Transcript| -> Vec<String> {
        t.segments
            .iter()
            .flat_map(|s| &s.words)
            .map(|w| w.text.trim().to_lowercase())
            .collect()
    };
    let mine = text(base);
    let mut times: Vec<(Vec<u64>, Vec<u64>)> = base
        .segments
        .iter()
        .flat_map(|s| &s.words)
        .map(|w| (vec![w.start_ms], vec![w.end_ms]))
        .collect();
    for other in others {
        let theirs = text(other);
        let words: Vec<_> = other.segments.iter().flat_map(|s| &s.words).collect();
        for (i, j) in crate::wer::aligned_pairs(&mine, &theirs) {
            if mine[i] == theirs[j] {
                times[i].0.push(words[j].start_ms);
                times[i].1.push(words[j].end_ms);
            }
        }
    }
    let median = |v: &mut Vec<u64>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    let words = base.segments.iter_mut().flat_map(|s| s.words.iter_mut());
    for (w, (starts, ends)) in words.zip(&mut times) {
        w.start_ms = median(starts);
        w.end_ms = median(ends).max(w.start_ms);
    }
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

/// Absolute onset differences (ms) of the matched words whose onsets both are their own.
pub fn onset_errors(a: &[TimedWord], b: &[TimedWord]) -> Vec<f64> {
    matched_pairs(a, b)
        .into_iter()
        .filter(|&(i, j)| a[i].timed && b[j].timed)
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
                timed: true,
            })
            .collect()
    }

    #[test]
    fn only_the_first_word_of_a_number_is_timed() {
        let t = transcript(&[("Маша", 0, 300), ("1496,", 400, 2300), ("и", 2400, 2500)]);
        let timed: Vec<(String, bool)> = timed_words(&t, "ru")
            .into_iter()
            .map(|w| (w.word, w.timed))
            .collect();
        // маша, the number's words (first timed, the rest not), и.
        let flags: Vec<bool> = timed.iter().map(|w| w.1).collect();
        assert!(timed.len() >= 5, "{timed:?}");
        assert!(flags[0] && flags[1] && flags[timed.len() - 1], "{timed:?}");
        assert!(flags[2..timed.len() - 1].iter().all(|&t| !t), "{timed:?}");
        // "496" heard as "1496": its spoken words match but none has its own onset there.
        let mut input = words(&[("маша", 0), ("четыреста", 400), ("девяносто", 400)]);
        input[2].timed = false;
        let mut output = words(&[("маша", 20), ("тысяча", 2370), ("четыреста", 2370)]);
        output[2].timed = false;
        assert_eq!(onset_errors(&input, &output), vec![20.0]);
    }

    fn transcript(list: &[(&str, u64, u64)]) -> Transcript {
        let words = list
            .iter()
            .map(|&(text, start_ms, end_ms)| crate::transcript::Word {
                text: format!(" {text}"),
                start_ms,
                end_ms,
                probability: 1.0,
                stressed: None,
            })
            .collect::<Vec<_>>();
        let segment = crate::transcript::Segment {
            start_ms: 0,
            end_ms: list.last().map_or(0, |w| w.2),
            text: list.iter().map(|w| w.0).collect::<Vec<_>>().join(" "),
            words,
            language: None,
            stressed: None,
        };
        Transcript::joined(vec![segment], "en")
    }

    #[test]
    fn each_word_takes_the_median_of_its_hearings() {
        let mut base = transcript(&[("ask", 0, 400), ("not", 500, 900), ("what", 1000, 1300)]);
        let others = [
            // "not" far off in this hearing, an extra word in it.
            transcript(&[
                ("ask", 20, 420),
                ("not", 1500, 1600),
                ("uh", 1700, 1800),
                ("what", 1020, 1320),
            ]),
            transcript(&[("Ask", 40, 380), ("not", 520, 880)]),
        ];
        median_times(&mut base, &others);
        let times: Vec<(u64, u64)> = base
            .segments
            .iter()
            .flat_map(|s| &s.words)
            .map(|w| (w.start_ms, w.end_ms))
            .collect();
        // ask: 0, 20, 40; not: 500, 1500, 520 -> 520; what: 1000, 1020 -> the later.
        assert_eq!(times, vec![(20, 400), (520, 900), (1020, 1320)]);
        assert_eq!(base.text().split_whitespace().count(), 3, "the words stay");
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
