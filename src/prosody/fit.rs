//! Timing fit: make a segment's synthetic speech last as long as the original did.
//!
//! First the voice itself speaks slower or faster (its length scale: natural, no artefacts),
//! then a WSOLA time-stretch takes it to the exact length. Leading and trailing silence of the
//! synthetic speech is trimmed first, so the words, not the voice's padding, fill the span.

use super::stretch::stretch_to_len;
use crate::tts::words::{estimate, letters};
use crate::tts::Spoken;

/// The voice's length scale is kept in this range; the stretch does the rest.
const MIN_LENGTH_SCALE: f32 = 0.75;
const MAX_LENGTH_SCALE: f32 = 1.35;
/// Speech is never slowed by the stretch beyond this; it is placed at the span's start and
/// the rest of the span stays silent (the original had a pause there).
const MAX_SLOWDOWN: f64 = 1.35;
/// Closer than this to the target, the first synthesis is kept and only stretched.
const CLOSE_ENOUGH: f64 = 0.08;

/// Anything that can speak text at a chosen pace (a TTS voice; tests use simple tones).
pub trait Speaker {
    fn rate(&self) -> u32;
    fn speak(&mut self, text: &str, length_scale: f32) -> Result<Vec<f32>, String>;

    /// How long `text` would be at the natural pace, in samples, if the speaker can tell
    /// without speaking it (see [`Pace`]).
    fn guess_len(&self, _text: &str) -> Option<usize> {
        None
    }

    /// What `text` came out as at the natural pace (to make later guesses).
    fn heard_len(&mut self, _text: &str, _natural_len: usize) {}

    /// Speak `words` and say where each lies (estimated from letters unless the speaker
    /// knows better).
    fn speak_words(&mut self, words: &[String], length_scale: f32) -> Result<Spoken, String> {
        let samples = self.speak(&words.join(" "), length_scale)?;
        let weights: Vec<usize> = words.iter().map(|w| letters(w)).collect();
        Ok(Spoken {
            words: estimate(&samples, self.rate(), &weights),
            samples,
            exact: false,
        })
    }
}

/// What fitting did to one segment, for the summary and for tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitInfo {
    pub natural_len: usize,
    pub length_scale: f32,
    pub stretch: f64,
}

/// Speak `text` so that it lasts `target_len` samples (or less, when that would mean slowing
/// it down by more than [`MAX_SLOWDOWN`]). Never returns more than `target_len` samples.
/// With `use_pace` false the voice speaks at its natural pace and only the stretch fits it
/// (one synthesis instead of two: the `fast` quality).
pub fn fit_segment<S: Speaker>(
    speaker: &mut S,
    text: &str,
    target_len: usize,
    use_pace: bool,
) -> Result<(Vec<f32>, FitInfo), String> {
    let rate = speaker.rate();
    let (speech, mut info) = paced(speaker, text, target_len, use_pace, |s, scale| {
        let speech = trim_silence(&s.speak(text, scale)?, rate);
        Ok((speech.len(), speech))
    })?;
    if speech.is_empty() || target_len == 0 {
        return Ok((Vec::new(), info));
    }
    let len = ((target_len as f64).min(speech.len() as f64 * MAX_SLOWDOWN)).round() as usize;
    info.stretch = len as f64 / speech.len() as f64;
    Ok((stretch_to_len(&speech, speaker.rate(), len), info))
}

/// Speak `words` for a span of `target_len` samples: at the natural pace, then (with
/// `use_pace`) again at the length scale that brings it closest, as [`fit_segment`] does,
/// but not stretched: the words' places are returned for word-level timing to use. The
/// speech is trimmed of its silent ends and the word ranges moved with it.
pub fn pace_words<S: Speaker>(
    speaker: &mut S,
    words: &[String],
    target_len: usize,
    use_pace: bool,
) -> Result<(Spoken, FitInfo), String> {
    let rate = speaker.rate();
    let text = words.join(" ");
    paced(speaker, &text, target_len, use_pace, |s, scale| {
        let spoken = trim_spoken(s.speak_words(words, scale)?, rate);
        Ok((spoken.samples.len(), spoken))
    })
}

/// Speak at the length scale that brings the speech closest to `target_len`.
///
/// When the speaker can guess its natural length (it has spoken before), one synthesis at
/// the guessed scale; a second only when that lands more than [`MISS`] off where the
/// scale was free to move. Otherwise the natural pace first, then the fitting scale (two
/// syntheses). `speak(speaker, scale)` returns the speech and its length.
fn paced<S: Speaker, T>(
    speaker: &mut S,
    text: &str,
    target_len: usize,
    use_pace: bool,
    mut speak: impl FnMut(&mut S, f32) -> Result<(usize, T), String>,
) -> Result<(T, FitInfo), String> {
    let scale_for = |natural: usize| {
        let ratio = target_len as f64 / natural.max(1) as f64;
        if (ratio - 1.0).abs() <= CLOSE_ENOUGH {
            1.0
        } else {
            (ratio as f32).clamp(MIN_LENGTH_SCALE, MAX_LENGTH_SCALE)
        }
    };
    let guess = if use_pace && target_len > 0 {
        speaker.guess_len(text)
    } else {
        None
    };
    let scale = guess.map_or(1.0, scale_for);
    let (len, speech) = speak(speaker, scale)?;
    let natural = (len as f64 / scale as f64).round() as usize;
    if len > 0 {
        speaker.heard_len(text, natural);
    }
    let mut info = FitInfo {
        natural_len: natural,
        length_scale: scale,
        stretch: 1.0,
    };
    if len == 0 || target_len == 0 || !use_pace {
        return Ok((speech, info));
    }
    let better = scale_for(natural);
    let missed = (len as f64 / target_len as f64 - 1.0).abs() > MISS;
    let first_try = guess.is_none() && better != 1.0;
    if !(first_try || missed && (better - scale).abs() > 0.02) {
        return Ok((speech, info));
    }
    let (again_len, again) = speak(speaker, better)?;
    if again_len == 0 {
        return Ok((speech, info));
    }
    info.length_scale = better;
    Ok((again, info))
}

/// A guessed pace that lands further off its target than this is spoken again.
const MISS: f64 = 0.25;

/// A voice's natural pace, learnt from what it has said: samples per letter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pace {
    samples: f64,
    letters: f64,
}

impl Pace {
    /// Letters heard before guesses are made.
    const MIN_LETTERS: f64 = 40.0;

    pub fn guess(&self, text: &str) -> Option<usize> {
        (self.letters >= Self::MIN_LETTERS)
            .then(|| (count_letters(text) as f64 * self.samples / self.letters).round() as usize)
    }

    pub fn learn(&mut self, text: &str, natural_len: usize) {
        self.samples += natural_len as f64;
        self.letters += count_letters(text) as f64;
    }
}

fn count_letters(text: &str) -> usize {
    text.split_whitespace().map(letters).sum::<usize>().max(1)
}

fn trim_spoken(spoken: Spoken, rate: u32) -> Spoken {
    let Some((start, end)) = trim_bounds(&spoken.samples, rate) else {
        return Spoken::default();
    };
    let clamp = |p: usize| p.clamp(start, end) - start;
    Spoken {
        words: spoken
            .words
            .iter()
            .map(|w| clamp(w.start)..clamp(w.end))
            .collect(),
        samples: spoken.samples[start..end].to_vec(),
        exact: spoken.exact,
    }
}

/// Cut leading and trailing stretches quieter than -45 dB below the clip's peak (10 ms frames),
/// keeping 20 ms of margin so consonants are not clipped.
pub fn trim_silence(samples: &[f32], rate: u32) -> Vec<f32> {
    match trim_bounds(samples, rate) {
        Some((start, end)) => samples[start..end].to_vec(),
        None => Vec::new(),
    }
}

/// The part [`trim_silence`] keeps; `None` for silence.
fn trim_bounds(samples: &[f32], rate: u32) -> Option<(usize, usize)> {
    let frame = (rate as usize / 100).max(1);
    let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    if peak <= 0.0 {
        return None;
    }
    let threshold = peak * 10f32.powf(-45.0 / 20.0);
    let loud =
        |c: &[f32]| (c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32).sqrt() > threshold;
    let frames: Vec<&[f32]> = samples.chunks(frame).collect();
    let first = frames.iter().position(|c| loud(c))?;
    let last = frames.iter().rposition(|c| loud(c)).unwrap_or(first);
    let margin = 2 * frame;
    let start = (first * frame).saturating_sub(margin);
    let end = ((last + 1) * frame + margin).min(samples.len());
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A "voice" that hums 150 Hz for 0.5 s per word, scaled by the length scale, with
    /// 100 ms of silence around it.
    struct Hum;
    impl Speaker for Hum {
        fn rate(&self) -> u32 {
            16_000
        }
        fn speak(&mut self, text: &str, length_scale: f32) -> Result<Vec<f32>, String> {
            let words = text.split_whitespace().count();
            let n = (words as f32 * 8_000.0 * length_scale) as usize;
            let mut v = vec![0.0; 1_600];
            v.extend(
                (0..n).map(|i| 0.5 * (i as f32 * 150.0 * std::f32::consts::TAU / 16_000.0).sin()),
            );
            v.extend(vec![0.0; 1_600]);
            Ok(v)
        }
    }

    /// Hum that learns its pace, counting how often it speaks.
    #[derive(Default)]
    struct LearningHum {
        pace: Pace,
        spoken: usize,
    }
    impl Speaker for LearningHum {
        fn rate(&self) -> u32 {
            16_000
        }
        fn speak(&mut self, text: &str, length_scale: f32) -> Result<Vec<f32>, String> {
            self.spoken += 1;
            Hum.speak(text, length_scale)
        }
        fn guess_len(&self, text: &str) -> Option<usize> {
            self.pace.guess(text)
        }
        fn heard_len(&mut self, text: &str, natural_len: usize) {
            self.pace.learn(text, natural_len)
        }
    }

    #[test]
    fn a_learnt_pace_fits_with_one_synthesis() {
        let mut hum = LearningHum::default();
        let text = "many words of equal length make this hum long enough to learn from";
        let (_, first) = fit_segment(&mut hum, text, 150_000, true).unwrap();
        assert_eq!(hum.spoken, 2, "the first phrase is spoken twice: {first:?}");
        let (out, info) = fit_segment(&mut hum, text, 130_000, true).unwrap();
        assert_eq!(hum.spoken, 3, "then once: {info:?}");
        assert_eq!(out.len(), 130_000);
        assert!((info.stretch - 1.0).abs() < 0.1, "{info:?}");
    }

    #[test]
    fn silence_is_trimmed_with_a_small_margin() {
        let hum = Hum.speak("one", 1.0).unwrap();
        let trimmed = trim_silence(&hum, 16_000);
        assert!(
            trimmed.len() >= 8_000 && trimmed.len() <= 8_000 + 2 * 320 + 160,
            "{}",
            trimmed.len()
        );
        assert!(trim_silence(&[0.0; 1000], 16_000).is_empty());
    }

    #[test]
    fn a_long_span_is_filled_by_the_length_scale_then_the_stretch() {
        // natural ~1.0 s (plus trim margins), span 1.25 s -> length scale ~1.2, little stretch
        let (out, info) = fit_segment(&mut Hum, "two words", 20_000, true).unwrap();
        assert_eq!(out.len(), 20_000);
        let wanted = 20_000.0 / info.natural_len as f32;
        assert!((info.length_scale - wanted).abs() < 0.01, "{info:?}");
        assert!((info.stretch - 1.0).abs() < 0.05, "{info:?}");
    }

    #[test]
    fn a_short_span_is_always_met() {
        // natural 1.0 s must fit 0.5 s: length scale stops at 0.75, the stretch squeezes the rest
        let (out, info) = fit_segment(&mut Hum, "two words", 8_000, true).unwrap();
        assert_eq!(out.len(), 8_000);
        assert_eq!(info.length_scale, MIN_LENGTH_SCALE);
        assert!(info.stretch < 0.7);
    }

    #[test]
    fn without_pace_only_the_stretch_fits() {
        let (out, info) = fit_segment(&mut Hum, "two words", 8_000, false).unwrap();
        assert_eq!(out.len(), 8_000);
        assert_eq!(info.length_scale, 1.0);
    }

    #[test]
    fn speech_is_not_slowed_beyond_the_limit() {
        // natural 0.5 s in a 3 s span: slowed by 1.35 (scale) x 1.35 (stretch) at most
        let (out, _) = fit_segment(&mut Hum, "one", 48_000, true).unwrap();
        assert!(out.len() < 48_000);
        assert!(out.len() as f64 <= 8_000.0 * 1.35 * 1.35 + 1_000.0);
    }
}
