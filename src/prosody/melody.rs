//! Melody transfer: the speaker's F0 contour, moved into the voice's own range.
//!
//! On the semitone scale the speaker's contour is shifted from the speaker's mean to the
//! voice's and scaled by the ratio of their spreads, so a deep male speaker's rise becomes
//! the same rise, in proportion, in a higher voice. Where the speaker is unvoiced (a
//! consonant, a pause) the contour is bridged from its voiced neighbours; the synthetic
//! speech's own unvoiced sounds stay unvoiced (PSOLA does not touch them).

use super::pitch::{hertz, semitones, PitchTrack, FRAME_RATE};

/// The spread ratio is kept in this range (a monotone speaker must not flatten a voice to
/// a drone, nor a lively one make it sing).
const MIN_SCALE: f32 = 0.5;
const MAX_SCALE: f32 = 2.0;
/// Frames of the moving average that smooths the target contour (50 ms).
const SMOOTH_FRAMES: usize = 5;

/// Mean and spread (semitones) of a speaker or a voice, from [`PitchTrack::semitone_stats`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub mean: f32,
    pub spread: f32,
}

impl Range {
    pub fn of(track: &PitchTrack) -> Option<Self> {
        track
            .semitone_stats()
            .map(|(mean, spread)| Self { mean, spread })
    }
}

/// The wanted F0 (Hz) every 10 ms over `frames` frames of the speaker's `track` starting
/// at frame `first`, in the voice's range; `None` when that stretch has no voiced frame.
pub fn target_contour(
    track: &PitchTrack,
    first: usize,
    frames: usize,
    speaker: Range,
    voice: Range,
) -> Option<Vec<f32>> {
    let part: Vec<f32> = (first..first + frames)
        .map(|i| track.f0.get(i).copied().unwrap_or(0.0))
        .collect();
    let filled = bridge(&part)?;
    let scale = if speaker.spread > 0.1 {
        (voice.spread / speaker.spread).clamp(MIN_SCALE, MAX_SCALE)
    } else {
        1.0
    };
    let moved: Vec<f32> = filled
        .iter()
        .map(|&f| voice.mean + (semitones(f) - speaker.mean) * scale)
        .collect();
    let n = moved.len();
    Some(
        (0..n)
            .map(|i| {
                let lo = i.saturating_sub(SMOOTH_FRAMES / 2);
                let hi = (i + SMOOTH_FRAMES / 2 + 1).min(n);
                hertz(moved[lo..hi].iter().sum::<f32>() / (hi - lo) as f32)
            })
            .collect(),
    )
}

/// Fill unvoiced frames (0.0) by linear interpolation in semitones between voiced
/// neighbours, holding the first and last voiced values at the ends.
fn bridge(f0: &[f32]) -> Option<Vec<f32>> {
    let voiced: Vec<usize> = (0..f0.len()).filter(|&i| f0[i] > 0.0).collect();
    let (&first, &last) = (voiced.first()?, voiced.last()?);
    let mut out = f0.to_vec();
    out[..first].fill(f0[first]);
    out[last..].fill(f0[last]);
    for pair in voiced.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (sa, sb) = (semitones(f0[a]), semitones(f0[b]));
        for (k, o) in out.iter_mut().enumerate().take(b).skip(a + 1) {
            *o = hertz(sa + (sb - sa) * (k - a) as f32 / (b - a) as f32);
        }
    }
    Some(out)
}

/// `contour` (per frame of the original) carried along `path` (for each frame of the
/// synthetic speech, the original frame it aligns with) and spread evenly over `frames`
/// output frames: each synthetic syllable gets the pitch the speaker gave the same sound.
pub fn carried(contour: &[f32], path: &[usize], frames: usize) -> Vec<f32> {
    let Some(last) = contour.len().checked_sub(1) else {
        return Vec::new();
    };
    let along: Vec<f32> = path.iter().map(|&i| contour[i.min(last)]).collect();
    let n = along.len();
    if n < 2 || frames < 2 {
        return vec![along.first().copied().unwrap_or(contour[0]); frames];
    }
    (0..frames)
        .map(|k| {
            let x = k as f64 * (n - 1) as f64 / (frames - 1) as f64;
            let i = (x.floor() as usize).min(n - 2);
            let t = (x - i as f64) as f32;
            along[i] * (1.0 - t) + along[i + 1] * t
        })
        .collect()
}

/// The frame of a 10 ms contour for `secs` seconds into it.
pub fn frame_at(secs: f64) -> usize {
    (secs * FRAME_RATE as f64).round().max(0.0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contour_moves_into_the_voice_range_and_gaps_are_bridged() {
        // Speaker around 110 Hz (mean 12 st above 55 Hz), spread 2 st; voice 220 Hz, 4 st.
        let track = PitchTrack {
            f0: vec![0.0, 110.0, 0.0, 0.0, hertz(14.0), 0.0],
        };
        let speaker = Range {
            mean: 12.0,
            spread: 2.0,
        };
        let voice = Range {
            mean: 24.0,
            spread: 4.0,
        };
        let raw = PitchTrack {
            f0: bridge(&track.f0).unwrap(),
        };
        assert_eq!(raw.f0[0], 110.0);
        assert!((semitones(raw.f0[2]) - 12.0 - 2.0 / 3.0).abs() < 1e-3);
        assert!((semitones(raw.f0[5]) - 14.0).abs() < 1e-3);
        let out = target_contour(&track, 0, 6, speaker, voice).unwrap();
        // Frame 1: 12 st -> 24 st (220 Hz), smoothed with neighbours a little higher.
        assert!((out[0] - 220.0).abs() < 10.0, "{out:?}");
        // The 2 st rise is 4 st at the voice's spread: 28 st at the end.
        assert!((semitones(out[5]) - 28.0).abs() < 1.0, "{out:?}");
        assert!(target_contour(&PitchTrack { f0: vec![0.0; 4] }, 0, 4, speaker, voice).is_none());
    }

    #[test]
    fn a_contour_is_carried_along_the_alignment() {
        // The synthetic speech says the speaker's first sound for three frames, then the
        // second for one: its pitch follows, spread over twice as many output frames.
        let out = carried(&[100.0, 200.0], &[0, 0, 0, 1], 7);
        assert_eq!(out, vec![100.0, 100.0, 100.0, 100.0, 100.0, 150.0, 200.0]);
        assert_eq!(carried(&[120.0], &[0], 3), vec![120.0; 3]);
        assert!(carried(&[], &[0, 1], 3).is_empty());
    }
}
