//! One phrase of synthetic speech shaped to the original: timing (word or phrase level),
//! melody and pitch/formant transforms through PSOLA, then the loudness contour.

use std::ops::Range;

use super::melody::{self, frame_at};
use super::pitch::{self, PitchTrack};
use super::{align, loudness, psola, timing, Prosody};
use crate::tts::Spoken;

/// What the phrase stands in for.
pub struct Original<'a> {
    /// The input over the phrase's span (audible part), at `rate`.
    pub samples: &'a [f32],
    pub rate: u32,
    /// Where each word of the phrase starts, in output samples from the span start (as
    /// ranges; only the start counts). Empty: the phrase is timed as a whole.
    pub words: Vec<Range<usize>>,
    /// The speaker's pitch over the chunk, the frame of the span's start in it, and the
    /// speaker's range; for melody transfer.
    pub melody: Option<(&'a PitchTrack, usize, melody::Range)>,
}

/// Fade at the edges of each piece of speech that borders silence.
const EDGE_FADE_SECS: f64 = 0.004;

/// Shape `spoken` (at `rate`) for a span of `out_len` samples. Returns at most `out_len`
/// samples: speech is not slowed without limit to fill a long span.
pub fn shape(
    spoken: &Spoken,
    rate: u32,
    out_len: usize,
    original: &Original,
    voice: Option<melody::Range>,
    p: &Prosody,
) -> Result<Vec<f32>, String> {
    let n = spoken.samples.len();
    if n == 0 || out_len == 0 {
        return Ok(Vec::new());
    }
    let by_words =
        p.timing && !original.words.is_empty() && original.words.len() == spoken.words.len();
    let pieces = if by_words {
        let pauses = timing::pauses(&spoken.samples, rate, &spoken.words);
        timing::word_pieces(&spoken.words, &original.words, &pauses, n, out_len)
    } else {
        timing::even(n, out_len)
    };
    let len = pieces.last().map_or(0, |piece| piece.out.end);
    let contour = match (p.melody, original.melody, voice) {
        (true, Some((track, first, speaker)), Some(voice)) => {
            let frames = frame_at(len as f64 / rate as f64) + 2;
            if by_words {
                // Each word where the speaker said it: the contour as it is, in time.
                melody::target_contour(track, first, frames, speaker, voice)
            } else {
                phrase_contour(spoken, rate, original, voice, frames)
            }
        }
        _ => None,
    };
    let factor = 2f32.powf(p.pitch_shift / 12.0);
    let wanted = |pos: usize, own: f32| {
        let base = contour.as_ref().map_or(own, |c| {
            c[frame_at(pos as f64 / rate as f64).min(c.len() - 1)]
        });
        base * factor
    };
    // The source PSOLA reads: the speech itself, or resampled for a formant shift (then
    // its pitch is `shift` times the speech's and its length 1/`shift` times).
    let (source, shift) = if p.formant_shift != 0.0 {
        psola::formant_source(&spoken.samples, rate, p.formant_shift).map_err(|e| e.to_string())?
    } else {
        (spoken.samples.clone(), 1.0)
    };
    let track = pitch::track_for_resynthesis(&source, rate);
    let scale = source.len() as f64 / n as f64;
    let mut out = vec![0.0f32; len];
    let fade = (rate as f64 * EDGE_FADE_SECS) as usize;
    for piece in &pieces {
        let at = piece.out.start;
        let mut part = psola::render(
            &source,
            rate,
            &track,
            &piece.map.scale_input(scale),
            piece.out.len(),
            |pos, own| wanted(at + pos, own / shift),
        );
        fade_edges(&mut part, fade);
        out[piece.out.clone()].copy_from_slice(&part);
    }
    if p.loudness {
        let covered = original.samples.len() * len / out_len;
        let alignment = if by_words {
            loudness::Alignment::Words
        } else {
            loudness::Alignment::Phrases
        };
        loudness::carry_contour(
            &mut out,
            &original.samples[..covered],
            original.rate,
            alignment,
        );
    }
    Ok(out)
}

/// The voice transforms alone, on speech of any length: `samples` (at `rate`) with its
/// pitch moved by `pitch_shift` and its formants by `formant_shift` semitones, as a
/// conversion moves its voice, with no speaker to follow. Same length as the input.
pub fn transform(
    samples: Vec<f32>,
    rate: u32,
    pitch_shift: f32,
    formant_shift: f32,
) -> Result<Vec<f32>, String> {
    let spoken = Spoken {
        samples,
        words: Vec::new(),
        exact: false,
    };
    let original = Original {
        samples: &[],
        rate,
        words: Vec::new(),
        melody: None,
    };
    let p = Prosody {
        pitch_shift,
        formant_shift,
        ..Prosody::default()
    };
    shape(&spoken, rate, spoken.samples.len(), &original, None, &p)
}

/// The melody of a phrase timed as a whole, per output frame: its syllables do not sit
/// where the speaker's did, so the speaker's contour (over the original span) is carried
/// along an acoustic alignment of the synthetic speech to the original, and each syllable
/// gets the pitch the speaker gave it. Read in time instead, the speaker's accents fell on
/// other syllables: round-trip WER 61 against 54 % off on lecture_ru (Kokoro), 25 against
/// 18 % on multilingual (espeak-ng German); carried, 57 and 21 % (docs/quality-notes.md,
/// session 16). Falls back to the contour in time when the two cannot be aligned.
fn phrase_contour(
    spoken: &Spoken,
    rate: u32,
    original: &Original,
    voice: melody::Range,
    frames: usize,
) -> Option<Vec<f32>> {
    let (track, first, speaker) = original.melody?;
    let heard = frame_at(original.samples.len() as f64 / original.rate as f64) + 1;
    let path = align::frame_path(original.samples, original.rate, &spoken.samples, rate);
    match path {
        Some(path) => melody::target_contour(track, first, heard, speaker, voice)
            .map(|c| melody::carried(&c, &path, frames)),
        None => melody::target_contour(track, first, frames, speaker, voice),
    }
}

/// Raised-cosine fade-in and fade-out of `n` samples.
fn fade_edges(x: &mut [f32], n: usize) {
    let n = n.min(x.len() / 2);
    let len = x.len();
    for i in 0..n {
        let g = 0.5 - 0.5 * (std::f32::consts::PI * i as f32 / n as f32).cos();
        x[i] *= g;
        x[len - 1 - i] *= g;
    }
}

#[cfg(test)]
mod tests {
    use super::super::pitch::tests::{noise, voiced};
    use super::*;

    fn median_f0(x: &[f32], rate: u32) -> f32 {
        pitch::track(x, rate).median().expect("voiced")
    }

    #[test]
    fn melody_follows_the_speaker_in_the_voice_range() {
        let rate = 16_000;
        // Speaker: 100 Hz then 150 Hz (a rise of 7 st). Voice: steady 200 Hz.
        let speaker: Vec<f32> = voiced(rate, 1.0, |t| if t < 0.5 { 100.0 } else { 150.0 });
        let track = pitch::track(&speaker, rate);
        let range = melody::Range::of(&track).unwrap();
        let spoken = Spoken {
            samples: voiced(rate, 1.0, |_| 200.0),
            words: vec![],
            exact: false,
        };
        let original = Original {
            samples: &speaker,
            rate,
            words: vec![],
            melody: Some((&track, 0, range)),
        };
        let voice = melody::Range {
            mean: pitch::semitones(200.0) + range.spread * 0.0,
            spread: range.spread,
        };
        let p = Prosody {
            melody: true,
            ..Prosody::default()
        };
        let out = shape(&spoken, rate, rate as usize, &original, Some(voice), &p).unwrap();
        let (a, b) = (
            median_f0(&out[1_600..6_400], rate),
            median_f0(&out[9_600..14_400], rate),
        );
        // Same rise, 7 st, around the voice's 200 Hz.
        let rise = pitch::semitones(b) - pitch::semitones(a);
        assert!((rise - 7.0).abs() < 0.8, "{a} -> {b}");
        assert!((pitch::semitones(a.sqrt() * b.sqrt()) - voice.mean).abs() < 1.0);
    }

    #[test]
    fn a_phrase_timed_as_a_whole_gets_the_pitch_of_the_same_sounds() {
        // A vowel, a hiss, a vowel. The speaker says them in 0.45 / 0.1 / 0.45 s, the first
        // vowel at 190 Hz and the second 3 semitones higher; the voice in 0.65 / 0.1 /
        // 0.25 s, at 200 Hz. The rise belongs to the second vowel: after 0.75 s of the
        // output, not at 0.55 s where it came in the speaker's time.
        let rate = 16_000;
        let hiss = |secs: f32| -> Vec<f32> {
            let n = (rate as f32 * secs) as usize;
            noise(n, 7).iter().map(|v| 0.3 * v).collect()
        };
        let speaker: Vec<f32> = [
            voiced(rate, 0.45, |_| 190.0),
            hiss(0.1),
            voiced(rate, 0.45, |_| 190.0 * 2f32.powf(0.25)),
        ]
        .concat();
        let spoken = Spoken {
            samples: [
                voiced(rate, 0.65, |_| 200.0),
                hiss(0.1),
                voiced(rate, 0.25, |_| 200.0),
            ]
            .concat(),
            words: vec![],
            exact: false,
        };
        let track = pitch::track(&speaker, rate);
        let range = melody::Range::of(&track).unwrap();
        let original = Original {
            samples: &speaker,
            rate,
            words: vec![],
            melody: Some((&track, 0, range)),
        };
        let voice = melody::Range {
            mean: pitch::semitones(200.0),
            spread: range.spread,
        };
        let p = Prosody {
            melody: true,
            ..Prosody::default()
        };
        let out = shape(&spoken, rate, rate as usize, &original, Some(voice), &p).unwrap();
        let st = |a: f32, b: f32| {
            let f = median_f0(&out[(a * 16_000.0) as usize..(b * 16_000.0) as usize], rate);
            pitch::semitones(f)
        };
        let (low, late_low, high) = (st(0.1, 0.4), st(0.5, 0.62), st(0.8, 0.95));
        assert!((high - low - 3.0).abs() < 0.7, "{low} -> {high}");
        assert!(
            (late_low - low).abs() < 0.7,
            "{low}, then {late_low} at 0.5-0.62 s"
        );
    }

    #[test]
    fn pitch_shift_moves_the_voice() {
        let rate = 22_050;
        let speech = voiced(rate, 0.6, |_| 180.0);
        let len = speech.len();
        let out = transform(speech, rate, -4.0, 0.0).unwrap();
        assert_eq!(out.len(), len);
        let want = 180.0 * 2f32.powf(-4.0 / 12.0);
        assert!((median_f0(&out, rate) - want).abs() < 4.0);
    }
}
