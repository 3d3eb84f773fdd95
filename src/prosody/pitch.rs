//! Pitch (F0) tracking with YIN (de Cheveigné & Kawahara, 2002): one estimate every 10 ms.
//!
//! Used three ways: the evaluator compares the melody of input and output, melody transfer
//! reads the speaker's contour, and PSOLA places its pitch marks one period apart.

/// Frames per second of a track (one every 10 ms).
pub const FRAME_RATE: u32 = 100;
/// Lowest and highest F0 looked for, Hz: covers low male to high female and child speech.
pub const MIN_F0: f32 = 60.0;
pub const MAX_F0: f32 = 500.0;
/// YIN's absolute threshold on the cumulative-mean-normalised difference.
const THRESHOLD: f32 = 0.15;
/// A frame this far (dB) below the loudest frame is silence, whatever YIN says.
const SILENCE_DB: f32 = 40.0;
/// Voiced runs shorter than this many frames are taken as errors and dropped.
const MIN_RUN: usize = 3;
/// YIN's integration window, seconds.
const WINDOW_SECS: f32 = 0.025;

/// F0 every 10 ms; 0.0 where the frame is unvoiced. Frame `i` is centred at `i / 100` s.
#[derive(Debug, Clone, PartialEq)]
pub struct PitchTrack {
    pub f0: Vec<f32>,
}

impl PitchTrack {
    /// F0 at `secs` (nearest frame); 0.0 when unvoiced or outside the track.
    pub fn at(&self, secs: f64) -> f32 {
        let i = (secs * FRAME_RATE as f64).round();
        if i < 0.0 {
            return 0.0;
        }
        self.f0.get(i as usize).copied().unwrap_or(0.0)
    }

    /// Mean and standard deviation of the voiced frames, in semitones (see [`semitones`]);
    /// `None` with fewer than 10 voiced frames.
    pub fn semitone_stats(&self) -> Option<(f32, f32)> {
        let st: Vec<f32> = self
            .f0
            .iter()
            .filter(|&&f| f > 0.0)
            .map(|&f| semitones(f))
            .collect();
        if st.len() < 10 {
            return None;
        }
        let mean = st.iter().sum::<f32>() / st.len() as f32;
        let var = st.iter().map(|s| (s - mean).powi(2)).sum::<f32>() / st.len() as f32;
        Some((mean, var.sqrt()))
    }

    /// Median F0 of the voiced frames, Hz.
    pub fn median(&self) -> Option<f32> {
        let mut v: Vec<f32> = self.f0.iter().copied().filter(|&f| f > 0.0).collect();
        v.sort_by(f32::total_cmp);
        v.get(v.len() / 2).copied()
    }

    pub fn voiced_frames(&self) -> usize {
        self.f0.iter().filter(|&&f| f > 0.0).count()
    }
}

/// Semitones above 55 Hz (A1): a scale on which pitch differences are perceived evenly.
pub fn semitones(hz: f32) -> f32 {
    12.0 * (hz / 55.0).log2()
}

/// Hz of [`semitones`].
pub fn hertz(semitones: f32) -> f32 {
    55.0 * 2f32.powf(semitones / 12.0)
}

/// Rate YIN works at: F0 up to 500 Hz needs no more, and the cost grows with the square
/// of the rate.
const ANALYSIS_RATE: u32 = 8_000;

/// Track the F0 of `samples` at `rate` Hz.
pub fn track(samples: &[f32], rate: u32) -> PitchTrack {
    let factor = (rate / ANALYSIS_RATE).max(1) as usize;
    if factor > 1 {
        let frames = samples.len().div_ceil((rate / FRAME_RATE).max(1) as usize);
        let mut t = track_at(&decimate(samples, factor), rate / factor as u32);
        t.f0.resize(frames, 0.0);
        return t;
    }
    track_at(samples, rate)
}

/// Keep every `factor`-th sample after a low-pass at 80% of the new Nyquist frequency
/// (Hann-windowed sinc, 8 zero crossings each side).
fn decimate(samples: &[f32], factor: usize) -> Vec<f32> {
    let cutoff = 0.8 / factor as f32; // of the old Nyquist
    let half = 8 * factor;
    let taps: Vec<f32> = (0..=2 * half)
        .map(|k| {
            let x = k as f32 - half as f32;
            let sinc = if x == 0.0 {
                cutoff
            } else {
                (std::f32::consts::PI * cutoff * x).sin() / (std::f32::consts::PI * x)
            };
            let w = 0.5 + 0.5 * (std::f32::consts::PI * x / (half as f32 + 1.0)).cos();
            sinc * w
        })
        .collect();
    let gain: f32 = taps.iter().sum();
    (0..samples.len().div_ceil(factor))
        .map(|j| {
            let c = j * factor;
            let mut acc = 0.0f32;
            for (k, t) in taps.iter().enumerate() {
                let i = c as isize + k as isize - half as isize;
                if i >= 0 && (i as usize) < samples.len() {
                    acc += samples[i as usize] * t;
                }
            }
            acc / gain
        })
        .collect()
}

fn track_at(samples: &[f32], rate: u32) -> PitchTrack {
    let rate_f = rate as f32;
    let hop = (rate / FRAME_RATE).max(1) as usize;
    let window = (rate_f * WINDOW_SECS) as usize;
    let tau_min = (rate_f / MAX_F0).floor() as usize;
    let tau_max = (rate_f / MIN_F0).ceil() as usize;
    let frames = samples.len().div_ceil(hop);
    if window < 8 || tau_max <= tau_min + 2 {
        return PitchTrack {
            f0: vec![0.0; frames],
        };
    }
    let energy: Vec<f32> = (0..frames)
        .map(|i| {
            let c = i * hop;
            let a = c.saturating_sub(window / 2);
            let b = (c + window / 2).min(samples.len());
            if b <= a {
                return 0.0;
            }
            samples[a..b].iter().map(|s| s * s).sum::<f32>() / (b - a) as f32
        })
        .collect();
    let loudest = energy.iter().cloned().fold(0.0f32, f32::max);
    let floor = loudest * 10f32.powf(-SILENCE_DB / 10.0);
    let mut diff = vec![0.0f32; tau_max + 1];
    let mut f0: Vec<f32> = (0..frames)
        .map(|i| {
            if loudest <= 0.0 || energy[i] <= floor {
                return 0.0;
            }
            let start = (i * hop).saturating_sub((window + tau_max) / 2);
            if start + window + tau_max > samples.len() {
                return 0.0;
            }
            yin_frame(
                &samples[start..start + window + tau_max],
                window,
                tau_min,
                &mut diff,
            )
            .map_or(0.0, |period| rate_f / period)
        })
        .collect();
    drop_short_runs(&mut f0);
    fix_octave_jumps(&mut f0);
    PitchTrack { f0 }
}

/// YIN on one frame: the period in samples (fractional), or `None` when aperiodic.
fn yin_frame(x: &[f32], window: usize, tau_min: usize, diff: &mut [f32]) -> Option<f32> {
    let tau_max = diff.len() - 1;
    diff[0] = 0.0;
    for tau in 1..=tau_max {
        let mut d = 0.0f32;
        for j in 0..window {
            let delta = x[j] - x[j + tau];
            d += delta * delta;
        }
        diff[tau] = d;
    }
    // Cumulative mean normalised difference, in place.
    let mut running = 0.0f32;
    diff[0] = 1.0;
    for (tau, d) in diff.iter_mut().enumerate().skip(1) {
        running += *d;
        *d = if running > 0.0 {
            *d * tau as f32 / running
        } else {
            1.0
        };
    }
    let mut tau = tau_min.max(2);
    while tau < tau_max {
        if diff[tau] < THRESHOLD {
            while tau + 1 < tau_max && diff[tau + 1] < diff[tau] {
                tau += 1;
            }
            // Parabolic interpolation around the minimum.
            let (a, b, c) = (diff[tau - 1], diff[tau], diff[tau + 1]);
            let denom = a - 2.0 * b + c;
            let shift = if denom.abs() > 1e-9 {
                (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
            } else {
                0.0
            };
            return Some(tau as f32 + shift);
        }
        tau += 1;
    }
    None
}

fn drop_short_runs(f0: &mut [f32]) {
    let mut i = 0;
    while i < f0.len() {
        if f0[i] <= 0.0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < f0.len() && f0[i] > 0.0 {
            i += 1;
        }
        if i - start < MIN_RUN {
            f0[start..i].fill(0.0);
        }
    }
}

/// Replace single frames an octave off their neighbours' median (YIN's typical error).
fn fix_octave_jumps(f0: &mut [f32]) {
    let original = f0.to_vec();
    for i in 0..f0.len() {
        if original[i] <= 0.0 {
            continue;
        }
        let mut near: Vec<f32> = original[i.saturating_sub(2)..(i + 3).min(f0.len())]
            .iter()
            .copied()
            .filter(|&f| f > 0.0)
            .collect();
        if near.len() < 3 {
            continue;
        }
        near.sort_by(f32::total_cmp);
        let median = near[near.len() / 2];
        if (semitones(original[i]) - semitones(median)).abs() > 7.0 {
            f0[i] = median;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A glottal-pulse-like tone: harmonics with falling amplitude, at `f0(t)` Hz.
    pub(crate) fn voiced(rate: u32, secs: f32, f0: impl Fn(f32) -> f32) -> Vec<f32> {
        let n = (rate as f32 * secs) as usize;
        let mut phase = 0.0f32;
        (0..n)
            .map(|i| {
                let t = i as f32 / rate as f32;
                phase += std::f32::consts::TAU * f0(t) / rate as f32;
                (1..=8)
                    .map(|h| (h as f32 * phase).sin() / h as f32)
                    .sum::<f32>()
                    * 0.2
            })
            .collect()
    }

    #[test]
    fn a_steady_tone_has_its_pitch() {
        for &(rate, hz) in &[(16_000, 120.0), (22_050, 210.0), (16_000, 330.0)] {
            let track = track(&voiced(rate, 0.5, |_| hz), rate);
            let mid = &track.f0[5..track.f0.len() - 5];
            assert!(
                mid.iter().all(|&f| (f - hz).abs() < hz * 0.01),
                "{hz}: {mid:?}"
            );
        }
    }

    #[test]
    fn silence_and_noise_are_unvoiced() {
        let rate = 16_000;
        assert_eq!(track(&vec![0.0; 8_000], rate).voiced_frames(), 0);
        let mut seed = 12345u32;
        let noise: Vec<f32> = (0..8_000)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect();
        let t = track(&noise, rate);
        assert!(t.voiced_frames() * 10 < t.f0.len(), "{:?}", t.f0);
    }

    #[test]
    fn a_glide_is_followed_and_its_statistics_are_in_semitones() {
        let rate = 16_000;
        // 100 Hz to 200 Hz over one second: one octave.
        let track = track(&voiced(rate, 1.0, |t| 100.0 * 2f32.powf(t)), rate);
        for (i, &f) in track.f0.iter().enumerate().skip(5).take(85) {
            let want = 100.0 * 2f32.powf(i as f32 / 100.0);
            assert!((f - want).abs() < want * 0.03, "frame {i}: {f} vs {want}");
        }
        let (mean, sd) = track.semitone_stats().unwrap();
        assert!((hertz(mean) - 141.4).abs() < 5.0, "{}", hertz(mean));
        assert!((sd - 12.0 / 12f32.sqrt()).abs() < 0.5, "{sd}"); // uniform over 12 st
    }
}
