//! Phrases: the pieces of a segment between the speaker's pauses.
//!
//! Whisper's segments can run across long pauses ("ask not ... what your country ..."). If a
//! segment were spoken in one go and fitted to its whole span, the words after a pause would
//! drift early. So each segment is cut into phrases where its words are separated by a pause,
//! and each phrase is spoken, placed and fitted on its own: pauses stay where they were.
//! The words' times are first anchored to the sound ([`super::onsets`]), since Whisper's
//! aligned times give a pause to the word after it; phrase edges are then tightened to
//! where the original is audible.

use crate::transcript::Segment;

/// A gap between words at least this long splits a segment.
pub const MIN_PAUSE_MS: u64 = 250;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub text: String,
    pub start_ms: u64,
    pub end_ms: u64,
    /// The phrase's words with their times, as spoken (empty when the segment had no word
    /// times: then the phrase is one piece).
    pub words: Vec<PhraseWord>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseWord {
    pub text: String,
    pub start_ms: u64,
    pub end_ms: u64,
}

/// Split a segment at pauses between its words; a segment without word times is one phrase.
pub fn split(seg: &Segment) -> Vec<Phrase> {
    if seg.words.is_empty() {
        return vec![Phrase {
            text: seg.spoken().trim().to_string(),
            start_ms: seg.start_ms,
            end_ms: seg.end_ms,
            words: Vec::new(),
        }];
    }
    let mut phrases: Vec<Phrase> = Vec::new();
    let mut prev_end: Option<u64> = None;
    for w in &seg.words {
        let paused = prev_end.is_some_and(|end| w.start_ms >= end + MIN_PAUSE_MS);
        let word = PhraseWord {
            text: w.spoken().trim().to_string(),
            start_ms: w.start_ms,
            end_ms: w.end_ms,
        };
        match phrases.last_mut() {
            Some(p) if !paused => {
                p.text.push(' ');
                p.text.push_str(w.spoken());
                p.end_ms = p.end_ms.max(w.end_ms);
                p.words.push(word);
            }
            _ => phrases.push(Phrase {
                text: w.spoken().to_string(),
                start_ms: w.start_ms,
                end_ms: w.end_ms,
                words: vec![word],
            }),
        }
        prev_end = Some(w.end_ms);
    }
    phrases.retain(|p| p.end_ms > p.start_ms && p.text.chars().any(char::is_alphanumeric));
    for p in &mut phrases {
        p.words.retain(|w| !w.text.is_empty());
    }
    phrases
}

/// Narrow `[start, end)` (sample positions in `samples`, at `rate`) to the part that is
/// audible: frames of 10 ms louder than -35 dB below the span's loudest frame. Returns the
/// span unchanged when nothing in it stands out.
pub fn audible_span(samples: &[f32], rate: u32, start: usize, end: usize) -> (usize, usize) {
    let end = end.min(samples.len());
    if start >= end {
        return (start, end);
    }
    let frame = (rate as usize / 100).max(1);
    let energies: Vec<f32> = samples[start..end]
        .chunks(frame)
        .map(|c| c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32)
        .collect();
    let peak = energies.iter().cloned().fold(0.0f32, f32::max);
    if peak <= 0.0 {
        return (start, end);
    }
    let threshold = peak * 10f32.powf(-35.0 / 10.0);
    let first = energies.iter().position(|&e| e > threshold).unwrap_or(0);
    let last = energies
        .iter()
        .rposition(|&e| e > threshold)
        .unwrap_or(energies.len() - 1);
    (start + first * frame, (start + (last + 1) * frame).min(end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Word;

    fn w(text: &str, start_ms: u64, end_ms: u64) -> Word {
        Word::new(text, start_ms, end_ms)
    }

    fn pw(text: &str, start_ms: u64, end_ms: u64) -> PhraseWord {
        PhraseWord {
            text: text.into(),
            start_ms,
            end_ms,
        }
    }

    fn seg(words: Vec<Word>) -> Segment {
        Segment {
            stressed: None,
            text: "x".into(),
            start_ms: 0,
            end_ms: 11_000,
            language: None,
            words,
        }
    }

    #[test]
    fn pauses_split_a_segment_into_phrases() {
        let s = seg(vec![
            w("ask", 3_490, 4_240),
            w("not", 4_240, 4_300),
            w("what", 5_030, 5_350),
            w("your", 5_410, 5_740),
        ]);
        let p = split(&s);
        assert_eq!(
            p,
            vec![
                Phrase {
                    text: "ask not".into(),
                    start_ms: 3_490,
                    end_ms: 4_300,
                    words: vec![pw("ask", 3_490, 4_240), pw("not", 4_240, 4_300)],
                },
                Phrase {
                    text: "what your".into(),
                    start_ms: 5_030,
                    end_ms: 5_740,
                    words: vec![pw("what", 5_030, 5_350), pw("your", 5_410, 5_740)],
                },
            ]
        );
    }

    #[test]
    fn short_gaps_keep_words_together() {
        let s = seg(vec![
            w("can", 6_390, 6_630),
            w("do", 6_640, 6_920),
            w("for", 7_010, 7_270),
        ]);
        assert_eq!(split(&s).len(), 1);
    }

    #[test]
    fn a_segment_without_words_is_one_phrase_and_punctuation_alone_is_dropped() {
        let bare = Segment {
            stressed: None,
            text: " Hello. ".into(),
            start_ms: 100,
            end_ms: 900,
            language: None,
            words: vec![],
        };
        assert_eq!(
            split(&bare),
            vec![Phrase {
                text: "Hello.".into(),
                start_ms: 100,
                end_ms: 900,
                words: vec![],
            }]
        );
        let s = seg(vec![w("Hi", 0, 300), w("...", 900, 1_000)]);
        assert_eq!(split(&s).len(), 1);
    }

    #[test]
    fn the_audible_span_skips_silence_around_speech() {
        let rate = 16_000;
        let mut x = vec![0.0f32; rate as usize]; // 1 s
        for (i, s) in x.iter_mut().enumerate().take(12_000).skip(4_000) {
            *s = 0.3 * (i as f32 * 0.1).sin();
        }
        let (a, b) = audible_span(&x, rate, 0, x.len());
        assert!((3_840..=4_000).contains(&a), "{a}");
        assert!((12_000..=12_160).contains(&b), "{b}");
        assert_eq!(audible_span(&[0.0; 100], rate, 0, 100), (0, 100));
    }
}
