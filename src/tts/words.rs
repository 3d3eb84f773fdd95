//! Where each word lies in synthetic speech, so word-level timing can move words to where
//! the speaker said them.
//!
//! A voice that knows its own phoneme durations (Piper and Kokoro, see `piper.rs` and
//! `kokoro.rs`) gives them exactly;
//! any other voice gets an estimate from each word's share of phonemes over the audible
//! part of the audio.

use std::ops::Range;

use super::{phonemize, TtsError};

/// Speech and the sample range of each word of the text it was made from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spoken {
    pub samples: Vec<f32>,
    /// One range per word, in order, within `samples`.
    pub words: Vec<Range<usize>>,
    /// True when the ranges come from the voice's own durations, false when estimated.
    pub exact: bool,
}

/// A phoneme of synthetic speech and the samples it was spoken over.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedPhoneme {
    pub phoneme: char,
    pub span: Range<usize>,
}

/// The sample range of each of `words` in speech whose phonemes (the sentence's IPA, spaces
/// included) were spoken at `timed`.
///
/// espeak-ng reads a word differently in a sentence than alone: it runs function words
/// together ("in the" is one IPA word, ɪnðə; "for a" is fɚɹə) and reduces them, so the
/// sentence's IPA words do not pair up with the text's. Each text word is read alone and
/// the sentence's phonemes are aligned with those readings (see [`phoneme_owners`]); a
/// word spans its phonemes, and a word of no phonemes (a lone dash) gets an empty range
/// where the previous word ends.
pub fn word_spans(
    timed: &[TimedPhoneme],
    words: &[String],
    language: &str,
) -> Result<Vec<Range<usize>>, TtsError> {
    let readings = words
        .iter()
        .map(|w| Ok(phonemize(w, language)?.concat().chars().collect()))
        .collect::<Result<Vec<Vec<char>>, TtsError>>()?;
    let phonemes: Vec<char> = timed.iter().map(|t| t.phoneme).collect();
    let owners = phoneme_owners(&phonemes, &readings);
    let mut spans: Vec<Option<Range<usize>>> = vec![None; words.len()];
    for (t, &w) in timed.iter().zip(&owners) {
        if let Some(slot) = spans.get_mut(w) {
            let span = slot.get_or_insert(t.span.clone());
            span.start = span.start.min(t.span.start);
            span.end = span.end.max(t.span.end);
        }
    }
    let mut at = timed.first().map_or(0, |t| t.span.start);
    Ok(spans
        .into_iter()
        .map(|s| {
            let s = s.unwrap_or(at..at);
            at = s.end;
            s
        })
        .collect())
}

/// The word (index into `readings`, each word's phonemes read alone) each of `phonemes`
/// belongs to: an edit-distance alignment of the two character sequences, spaces left out.
/// A phoneme aligned with a reading's phoneme takes its word; one with no partner, and every
/// space, goes with the phoneme before it (the first word at the start). The owners never
/// decrease.
pub fn phoneme_owners(phonemes: &[char], readings: &[Vec<char>]) -> Vec<usize> {
    let target: Vec<(char, usize)> = readings
        .iter()
        .enumerate()
        .flat_map(|(w, r)| r.iter().filter(|c| **c != ' ').map(move |&c| (c, w)))
        .collect();
    let source: Vec<usize> = (0..phonemes.len())
        .filter(|&i| phonemes[i] != ' ')
        .collect();
    let from: Vec<char> = source.iter().map(|&i| phonemes[i]).collect();
    let to: Vec<char> = target.iter().map(|t| t.0).collect();
    let mut aligned: Vec<Option<usize>> = vec![None; phonemes.len()];
    for (i, j) in crate::wer::aligned_pairs(&from, &to) {
        aligned[source[i]] = Some(target[j].1);
    }
    let mut word = 0;
    aligned
        .into_iter()
        .map(|w| {
            word = word.max(w.unwrap_or(0));
            word
        })
        .collect()
}

/// Estimate word ranges: the audible part of `samples` shared out by each word's weight
/// (its phoneme count, or letters when phonemes are not known).
pub fn estimate(samples: &[f32], rate: u32, weights: &[usize]) -> Vec<Range<usize>> {
    let (start, end) = audible(samples, rate);
    let total: usize = weights.iter().sum();
    if total == 0 {
        return weights.iter().map(|_| start..start).collect();
    }
    let span = (end - start) as f64;
    let mut acc = 0usize;
    weights
        .iter()
        .map(|&w| {
            let a = start + (span * acc as f64 / total as f64) as usize;
            acc += w;
            let b = start + (span * acc as f64 / total as f64) as usize;
            a..b
        })
        .collect()
}

/// Letters and digits in a word: its weight when nothing better is known.
pub fn letters(word: &str) -> usize {
    word.chars().filter(|c| c.is_alphanumeric()).count()
}

/// The estimate's weights for `words` in `language`: phoneme counts of each word spoken
/// alone, or letter counts where espeak-ng cannot say.
pub fn phoneme_weights(words: &[String], language: &str) -> Vec<usize> {
    words
        .iter()
        .map(|w| match phonemize(w, language) {
            Ok(s) => s
                .iter()
                .flat_map(|p| p.chars())
                .filter(|c| c.is_alphabetic())
                .count(),
            Err(_) => letters(w),
        })
        .collect()
}

/// From the first to the last 10 ms frame louder than -40 dB below the loudest.
fn audible(samples: &[f32], rate: u32) -> (usize, usize) {
    let frame = (rate as usize / 100).max(1);
    let e: Vec<f32> = samples
        .chunks(frame)
        .map(|c| c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32)
        .collect();
    let peak = e.iter().cloned().fold(0.0f32, f32::max);
    let floor = peak * 1e-4;
    match (
        e.iter().position(|&x| x > floor),
        e.iter().rposition(|&x| x > floor),
    ) {
        (Some(a), Some(b)) if peak > 0.0 => (a * frame, ((b + 1) * frame).min(samples.len())),
        _ => (0, samples.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn run_together_words_are_split_between_them() {
        // espeak-ng reads "in the journals" as "ɪnðə dʒˈɜːnəlz"; alone: ˈɪn, ðˈə, dʒˈɜːnəlz.
        let readings = vec![chars("ˈɪn"), chars("ðˈə"), chars("dʒˈɜːnəlz")];
        let owners = phoneme_owners(&chars("ɪnðə dʒˈɜːnəlz"), &readings);
        assert_eq!(owners, vec![0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    }

    #[test]
    fn spaces_go_with_the_word_before() {
        let readings = vec![chars("a"), chars("bc"), vec![], chars("d")];
        let owners = phoneme_owners(&chars("ab cd"), &readings);
        // "b" and "c" are one word across the space; the third word reads as nothing.
        assert_eq!(owners, vec![0, 1, 1, 1, 3]);
    }

    #[test]
    fn words_read_in_a_sentence_keep_their_places() {
        let words: Vec<String> = ["in", "the", "journals", "and", "in", "the", "literature"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let sentence = phonemize(&words.join(" "), "en-us").unwrap().concat();
        let timed: Vec<TimedPhoneme> = sentence
            .chars()
            .enumerate()
            .map(|(i, phoneme)| TimedPhoneme {
                phoneme,
                span: i * 100..i * 100 + 100,
            })
            .collect();
        let spans = word_spans(&timed, &words, "en-us").unwrap();
        assert_eq!(spans.len(), 7);
        for pair in spans.windows(2) {
            assert!(
                pair[0].start < pair[0].end && pair[0].end <= pair[1].start,
                "{spans:?}"
            );
        }
        // "the" is short, "literature" the longest, at the end.
        assert!(spans[1].len() < spans[2].len(), "{spans:?}");
        assert_eq!(spans[6].end, timed.last().unwrap().span.end);
    }

    #[test]
    fn the_estimate_shares_the_audible_part() {
        let mut x = vec![0.0f32; 1_600];
        x.extend(std::iter::repeat_n(0.5, 3_200));
        x.extend(vec![0.0f32; 1_600]);
        let w = estimate(&x, 16_000, &[1, 3]);
        assert_eq!(w, vec![1_600..2_400, 2_400..4_800]);
    }
}
