//! Phrases: the pieces of a segment between the speaker's pauses.
//!
//! Whisper's segments can run across long pauses ("ask not ... what your country ..."). If a
//! segment were spoken in one go and fitted to its whole span, the words after a pause would
//! drift early. So each segment is cut into phrases where its words are separated by a pause,
//! and each phrase is spoken, placed and fitted on its own: pauses stay where they were.
//! Phrase edges are then tightened to where the original is actually audible, since Whisper's
//! token times tend to stretch a word over the silence that follows it.

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

/// Whisper's word times (from its timestamp tokens) run from the end of the previous word:
/// a word after a pause "starts" where the pause does, and ends where the next word starts.
/// Move each word's start forward and its end back to where the recording is audible
/// within them: 10 ms frames louder than -25 dB below the segment's loudest and 15 dB above
/// its noise floor (its 10th-percentile frame). A word whose span opens with the tail of
/// the word before (see [`drop_leading_tail`]) starts after the pause that follows it.
/// `samples` is the chunk at `rate`, starting at `chunk_start_ms` of the file. Words with
/// nothing audible keep their times.
pub fn snap_to_sound(seg: &mut Segment, samples: &[f32], rate: u32, chunk_start_ms: u64) {
    let frame = (rate as usize / 100).max(1);
    let pos =
        |ms: u64| ((ms.saturating_sub(chunk_start_ms)) as u128 * rate as u128 / 1000) as usize;
    let energy = |a: usize| {
        let b = (a + frame).min(samples.len());
        if b <= a {
            return 0.0;
        }
        samples[a..b].iter().map(|s| s * s).sum::<f32>() / (b - a) as f32
    };
    let (s0, s1) = (pos(seg.start_ms), pos(seg.end_ms).min(samples.len()));
    let mut frames: Vec<f32> = (s0..s1.max(s0)).step_by(frame).map(energy).collect();
    frames.sort_by(f32::total_cmp);
    let Some(&peak) = frames.last().filter(|&&p| p > 0.0) else {
        return;
    };
    let floor = frames[frames.len() / 10];
    let threshold = (peak * 10f32.powf(-25.0 / 10.0)).max(floor * 10f32.powf(15.0 / 10.0));
    let ms = |p: usize| chunk_start_ms + (p as u64 * 1000 / rate as u64);
    // A word with nothing audible in its own span was heard later than Whisper says: look
    // on through the next word's span.
    let ends: Vec<u64> = seg.words.iter().map(|w| w.end_ms).collect();
    for (k, w) in seg.words.iter_mut().enumerate() {
        let reach = ends.get(k + 1).copied().unwrap_or(w.end_ms).max(w.end_ms);
        let (a, b) = (pos(w.start_ms), pos(w.end_ms).min(samples.len()));
        let loud = |from: usize, to: usize| -> Vec<usize> {
            (from..to.max(from))
                .step_by(frame)
                .filter(|&p| energy(p) > threshold)
                .collect()
        };
        let mut heard = loud(a, b);
        if heard.is_empty() {
            heard = loud(a, pos(reach).min(samples.len()))
                .into_iter()
                .take(1)
                .collect();
        }
        drop_leading_tail(&mut heard, frame);
        if let (Some(&first), Some(&last)) = (heard.first(), heard.last()) {
            w.start_ms = ms(first).max(w.start_ms);
            w.end_ms = ms(last + frame).min(w.end_ms).max(w.start_ms);
        }
    }
}

/// A word's span that opens with a short sound, then a pause, holds the end of the word
/// before it (aligned word times stretch a word back over the pause before it): drop the
/// sound so the word starts after the pause. Only a clear pause counts
/// ([`TAIL_PAUSE_FRAMES`]), since quiet stretches inside words of noisy recordings are short.
fn drop_leading_tail(heard: &mut Vec<usize>, frame: usize) {
    let Some(&first) = heard.first() else {
        return;
    };
    let resumes = heard.windows(2).position(|pair| {
        pair[0] - first <= TAIL_MAX_FRAMES * frame && pair[1] - pair[0] > TAIL_PAUSE_FRAMES * frame
    });
    if let Some(k) = resumes {
        heard.drain(..=k);
    }
}

/// The longest sound (10 ms frames) taken for the tail of the word before.
const TAIL_MAX_FRAMES: usize = 20;
/// The shortest quiet (10 ms frames) after it that counts as a pause.
const TAIL_PAUSE_FRAMES: usize = 30;

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
    fn word_times_snap_to_where_the_words_are_heard() {
        let rate = 16_000;
        // Sound 0.0-0.5 s and 1.0-1.5 s; Whisper says word 2 runs 0.5-1.5 (from the pause).
        let mut x = vec![0.0f32; 24_000];
        for (i, s) in x.iter_mut().enumerate() {
            if i < 8_000 || (16_000..24_000).contains(&i) {
                *s = 0.3 * (i as f32 * 0.1).sin();
            }
        }
        let mut s = seg(vec![w("one", 0, 500), w("two", 500, 1_500)]);
        s.end_ms = 1_500;
        snap_to_sound(&mut s, &x, rate, 0);
        assert_eq!((s.words[1].start_ms, s.words[1].end_ms), (1_000, 1_500));
        assert_eq!(s.words[0].start_ms, 0);
        // Now the pause splits the phrase.
        assert_eq!(split(&s).len(), 2);
        // A word Whisper puts wholly in the pause starts where the sound does.
        let mut s = seg(vec![
            w("one", 0, 500),
            w("two", 500, 900),
            w("three", 900, 1_500),
        ]);
        s.end_ms = 1_500;
        snap_to_sound(&mut s, &x, rate, 0);
        assert_eq!(s.words[1].start_ms, 1_000);
    }

    #[test]
    fn a_word_opening_with_the_tail_of_the_last_one_starts_after_the_pause() {
        let rate = 16_000;
        // Sound 0.0-0.5 s, 1.0-1.5 s and 1.65-2.0 s.
        let sound = |i: usize| i < 8_000 || (16_000..24_000).contains(&i) || i >= 26_400;
        let x: Vec<f32> = (0..32_000)
            .map(|i| {
                if sound(i) {
                    0.3 * (i as f32 * 0.1).sin()
                } else {
                    0.0
                }
            })
            .collect();
        // Aligned times stretch "two" back over the last 0.1 s of "one" and the pause.
        let mut s = seg(vec![w("one", 0, 400), w("two", 400, 2_000)]);
        s.end_ms = 2_000;
        snap_to_sound(&mut s, &x, rate, 0);
        assert_eq!(s.words[1].start_ms, 1_000);
        // A short quiet (150 ms) inside a word is not a pause: the word keeps its start.
        let mut s = seg(vec![w("one", 0, 1_000), w("two", 1_000, 2_000)]);
        s.end_ms = 2_000;
        snap_to_sound(&mut s, &x, rate, 0);
        assert_eq!(s.words[1].start_ms, 1_000);
        let mut s = seg(vec![w("one", 0, 500), w("two", 1_400, 2_000)]);
        s.end_ms = 2_000;
        snap_to_sound(&mut s, &x, rate, 0);
        assert_eq!(s.words[1].start_ms, 1_400);
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
