//! Where each word lies in synthetic speech, so word-level timing can move words to where
//! the speaker said them.
//!
//! A voice that knows its own phoneme durations (Piper, see `piper.rs`) gives them exactly;
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

/// IPA words (space-separated) espeak-ng makes of each text word, spoken alone: how many of
/// the sentence's phoneme words belong to each text word. `None` when they do not add up
/// to `total` (context changed the reading), so the caller falls back to proportions.
pub fn phoneme_words_per_word(
    words: &[String],
    language: &str,
    total: usize,
) -> Result<Option<Vec<usize>>, TtsError> {
    let mut counts = Vec::with_capacity(words.len());
    for w in words {
        let n: usize = phonemize(w, language)?
            .iter()
            .map(|s| s.split_whitespace().count())
            .sum();
        counts.push(n);
    }
    Ok((counts.iter().sum::<usize>() == total).then_some(counts))
}

/// Group consecutive spans (one per phoneme word) into one span per text word, `counts[i]`
/// spans for word `i`. Words of no phonemes (punctuation) get an empty range where they are.
pub fn group(spans: &[Range<usize>], counts: &[usize]) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(counts.len());
    let mut k = 0;
    let mut at = spans.first().map_or(0, |s| s.start);
    for &c in counts {
        if c == 0 || k >= spans.len() {
            out.push(at..at);
            continue;
        }
        let last = (k + c).min(spans.len()) - 1;
        out.push(spans[k].start..spans[last].end);
        at = spans[last].end;
        k = last + 1;
    }
    out
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

    #[test]
    fn spans_group_into_words() {
        let spans = vec![0..10, 12..20, 20..35, 40..50];
        assert_eq!(
            group(&spans, &[1, 2, 0, 1]),
            vec![0..10, 12..35, 35..35, 40..50]
        );
    }

    #[test]
    fn the_estimate_shares_the_audible_part() {
        let mut x = vec![0.0f32; 1_600];
        x.extend(std::iter::repeat_n(0.5, 3_200));
        x.extend(vec![0.0f32; 1_600]);
        let w = estimate(&x, 16_000, &[1, 3]);
        assert_eq!(w, vec![1_600..2_400, 2_400..4_800]);
    }

    #[test]
    fn numbers_are_several_phoneme_words() {
        let words: Vec<String> = ["I", "have", "21", "cats."]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let counts = phoneme_words_per_word(&words, "en-us", 5).unwrap();
        assert_eq!(counts, Some(vec![1, 1, 2, 1]));
        assert_eq!(phoneme_words_per_word(&words, "en-us", 4).unwrap(), None);
    }
}
