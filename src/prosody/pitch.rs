//! Pitch (F0) tracking, probabilistic YIN (pYIN: Mauch & Dixon, 2014): one estimate every
//! 10 ms.
//!
//! YIN (de Cheveigné & Kawahara, 2002) finds a frame's period as the first dip of its
//! normalised difference function below a threshold. One fixed threshold either misses
//! voiced frames (breathy voice, fast pitch changes, synthetic speech) or, set looser, picks
//! a dip an octave off. pYIN instead tries a spread of thresholds, so every dip gets a
//! probability of being the period, and then chooses the most likely path through the
//! frames: pitch moves smoothly and voicing rarely switches, so an octave jump or a lone
//! voiced frame in noise costs more than it gains.
//!
//! Used three ways: the evaluator compares the melody of input and output, melody transfer
//! reads the speaker's contour, and PSOLA places its pitch marks one period apart (these
//! two with a looser limit on pitch changes, see [`RESYNTHESIS_JUMP_SEMITONES`]).

/// Frames per second of a track (one every 10 ms).
pub const FRAME_RATE: u32 = 100;
/// Lowest and highest F0 looked for, Hz: covers low male to high female and child speech.
pub const MIN_F0: f32 = 60.0;
pub const MAX_F0: f32 = 500.0;
/// A frame this far (dB) below the loudest frame is silence, whatever YIN says.
const SILENCE_DB: f32 = 40.0;
/// YIN's integration window, seconds.
const WINDOW_SECS: f32 = 0.025;
/// The thresholds tried: `THRESHOLDS` steps up to 1.0, weighted by a beta(2, 18)
/// distribution (mean 0.1), as in pYIN.
const THRESHOLDS: usize = 100;
/// How strongly the earlier of two dips under a threshold is preferred (pYIN's Boltzmann
/// prior: the first dip below gets e^2 times the weight of the second).
const DIP_ORDER_PRIOR: f32 = 2.0;
/// Weight given to the deepest dip of a frame for thresholds no dip is below.
const NO_DIP_WEIGHT: f32 = 0.01;
/// Probability that voicing switches (voiced to unvoiced or back) from one frame to the next.
const SWITCH_PROB: f32 = 0.01;
/// Resolution of the pitch-continuity model: bins per semitone.
const BINS_PER_SEMITONE: f32 = 10.0;
/// How far the pitch may move from one frame to the next, semitones each way; larger jumps
/// between voiced frames are ruled out.
///
/// Measuring a melody ([`track`], the evaluator) follows librosa's pYIN, the reference the
/// evaluator is checked against: pYIN's default rate, 35.92 octaves a second, spread over a
/// triangle 4 semitones wide in all, so 2 each way. Resynthesis ([`track_for_resynthesis`]:
/// the speaker's melody, the voice's range, PSOLA's marks) takes the whole 4.3 semitones a
/// frame: PSOLA cuts a stretch it is not told is voiced like noise, so missing a voiced
/// stretch costs more there than a wrong pitch in a short one. Measured on rough synthetic
/// speech, 4.3 let the path hop between unrelated dips and read as voiced with an erratic
/// pitch (lecture_en, Natural: F0 correlation 0.65 against 0.91 with 2); converting with
/// 2 cost Russian output a word on names_numbers_ru and lecture_ru.
const MEASURE_JUMP_SEMITONES: f32 = 2.0;
const RESYNTHESIS_JUMP_SEMITONES: f32 = 4.3;

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

/// Track the F0 of `samples` at `rate` Hz, to measure a melody (see
/// [`MEASURE_JUMP_SEMITONES`]).
pub fn track(samples: &[f32], rate: u32) -> PitchTrack {
    track_with(samples, rate, MEASURE_JUMP_SEMITONES)
}

/// Track the F0 of `samples` at `rate` Hz, to change the speech: every voiced stretch found
/// (see [`RESYNTHESIS_JUMP_SEMITONES`]).
pub fn track_for_resynthesis(samples: &[f32], rate: u32) -> PitchTrack {
    track_with(samples, rate, RESYNTHESIS_JUMP_SEMITONES)
}

fn track_with(samples: &[f32], rate: u32, max_jump: f32) -> PitchTrack {
    let factor = (rate / ANALYSIS_RATE).max(1) as usize;
    if factor > 1 {
        let frames = samples.len().div_ceil((rate / FRAME_RATE).max(1) as usize);
        let mut t = track_at(&decimate(samples, factor), rate / factor as u32, max_jump);
        t.f0.resize(frames, 0.0);
        return t;
    }
    track_at(samples, rate, max_jump)
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

fn track_at(samples: &[f32], rate: u32, max_jump: f32) -> PitchTrack {
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
    let prior = threshold_prior();
    let mut diff = vec![0.0f32; tau_max + 1];
    let candidates: Vec<Vec<Candidate>> = (0..frames)
        .map(|i| {
            if loudest <= 0.0 || energy[i] <= floor {
                return Vec::new();
            }
            let start = (i * hop).saturating_sub((window + tau_max) / 2);
            if start + window + tau_max > samples.len() {
                return Vec::new();
            }
            let x = &samples[start..start + window + tau_max];
            normalised_difference(x, window, &mut diff);
            frame_candidates(&diff, tau_min, rate_f, &prior)
        })
        .collect();
    PitchTrack {
        f0: most_likely_path(&candidates, max_jump),
    }
}

/// A possible F0 of one frame and its probability.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    f0: f32,
    prob: f32,
}

/// YIN's cumulative-mean-normalised difference of `x` over lags `0..diff.len()`, in place.
fn normalised_difference(x: &[f32], window: usize, diff: &mut [f32]) {
    let mut running = 0.0f32;
    diff[0] = 1.0;
    for tau in 1..diff.len() {
        let d: f32 = x[..window]
            .iter()
            .zip(&x[tau..tau + window])
            .map(|(a, b)| (a - b) * (a - b))
            .sum();
        running += d;
        diff[tau] = if running > 0.0 {
            d * tau as f32 / running
        } else {
            1.0
        };
    }
}

/// The probability mass of each threshold `(k + 1) / THRESHOLDS`: beta(2, 18), whose
/// distribution function is 1 - (1-x)^19 - 19 x (1-x)^18.
fn threshold_prior() -> Vec<f32> {
    let cdf = |x: f32| 1.0 - (1.0 - x).powi(19) - 19.0 * x * (1.0 - x).powi(18);
    (0..THRESHOLDS)
        .map(|k| cdf((k + 1) as f32 / THRESHOLDS as f32) - cdf(k as f32 / THRESHOLDS as f32))
        .collect()
}

/// Every dip of the normalised difference `d` in the F0 range, with the probability that
/// it is the period: summed over the thresholds, each giving its weight to the dips below
/// it (mostly to the first), or a little to the deepest dip when none is below.
fn frame_candidates(d: &[f32], tau_min: usize, rate: f32, prior: &[f32]) -> Vec<Candidate> {
    let tau_max = d.len() - 1;
    let dips: Vec<usize> = (tau_min.max(2)..tau_max)
        .filter(|&t| d[t] < d[t - 1] && d[t] <= d[t + 1])
        .collect();
    if dips.is_empty() {
        return Vec::new();
    }
    let mut prob = vec![0.0f32; dips.len()];
    let deepest = (0..dips.len())
        .min_by(|&a, &b| d[dips[a]].total_cmp(&d[dips[b]]))
        .unwrap_or(0);
    let order_weight = |j: usize| (-DIP_ORDER_PRIOR * j as f32).exp();
    for (k, &mass) in prior.iter().enumerate() {
        let threshold = (k + 1) as f32 / THRESHOLDS as f32;
        let below = dips.iter().filter(|&&t| d[t] < threshold).count();
        if below == 0 {
            prob[deepest] += NO_DIP_WEIGHT * mass;
            continue;
        }
        let total: f32 = (0..below).map(order_weight).sum();
        let mut order = 0;
        for (j, &t) in dips.iter().enumerate() {
            if d[t] < threshold {
                prob[j] += mass * order_weight(order) / total;
                order += 1;
            }
        }
    }
    dips.iter()
        .zip(prob)
        .filter(|&(_, p)| p > 1e-6)
        .map(|(&t, p)| Candidate {
            f0: rate / refine(d, t),
            prob: p,
        })
        .filter(|c| (MIN_F0..=MAX_F0).contains(&c.f0))
        .collect()
}

/// The lag of the minimum at `t`, refined by a parabola through its neighbours.
fn refine(d: &[f32], t: usize) -> f32 {
    let (a, b, c) = (d[t - 1], d[t], d[t + 1]);
    let denom = a - 2.0 * b + c;
    let shift = if denom.abs() > 1e-9 {
        (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    t as f32 + shift
}

/// Viterbi through each frame's candidates and an unvoiced state. A voiced step scores the
/// candidate's probability and how far the pitch moved (a triangular weight, none beyond
/// `max_jump` semitones); the unvoiced state scores the probability that no candidate
/// is right, spread over the pitch bins as pYIN's unvoiced states are; switching between
/// them costs [`SWITCH_PROB`]. As in pYIN, the pitch is remembered across unvoiced frames:
/// voicing resumes at a pitch reachable from the last one at the same speed limit, so a
/// run that starts an octave off after a short consonant costs what the jump costs.
/// Returns F0 per frame, 0.0 where the path is unvoiced.
fn most_likely_path(candidates: &[Vec<Candidate>], max_jump: f32) -> Vec<f32> {
    let bins = BINS_PER_SEMITONE * (semitones(MAX_F0) - semitones(MIN_F0));
    let width = (max_jump * BINS_PER_SEMITONE).round() + 1.0;
    // Log weight of moving `moved` bins in one frame: triangular weights over jumps of
    // -width+1..width-1 bins, which sum to width^2.
    let step = |moved: f32| -> f32 {
        if moved >= width {
            f32::NEG_INFINITY
        } else {
            ((width - moved) / (width * width)).ln()
        }
    };
    let moved = |from: f32, to: f32| ((semitones(to) - semitones(from)) * BINS_PER_SEMITONE).abs();
    let stay = step(0.0);
    // Resuming at `to` after `gap` unvoiced frames that followed `from`: the pitch drifted
    // evenly over the gap (the cheapest way), less the stays the gap already paid.
    let resume = |memory: Option<(f32, usize)>, to: f32| match memory {
        Some((from, gap)) => {
            let frames = (gap + 1) as f32;
            frames * step((moved(from, to) / frames).round()) - gap as f32 * stay
        }
        None => stay,
    };
    let (keep, switch) = ((1.0 - SWITCH_PROB).ln(), SWITCH_PROB.ln());
    let unvoiced_score = |c: &[Candidate]| {
        let voiced: f32 = c.iter().map(|c| c.prob).sum();
        ((1.0 - voiced).max(1e-6) / bins).ln()
    };
    // Per frame: the score of the unvoiced state (with the last voiced pitch and the frames
    // since) and of each candidate, and back-pointers (`None` for the unvoiced state,
    // `Some(k)` for candidate k of the previous frame).
    let mut back: Vec<Vec<Option<usize>>> = Vec::with_capacity(candidates.len());
    let mut unvoiced_back: Vec<Option<usize>> = Vec::with_capacity(candidates.len());
    let mut unvoiced = 0.0f32;
    let mut memory: Option<(f32, usize)> = None;
    let mut voiced: Vec<f32> = Vec::new();
    let mut prev: &[Candidate] = &[];
    for frame in candidates {
        let mut next = Vec::with_capacity(frame.len());
        let mut pointers = Vec::with_capacity(frame.len());
        for c in frame {
            let mut best = (unvoiced + switch + resume(memory, c.f0), None);
            for (k, p) in prev.iter().enumerate() {
                let s = voiced[k] + keep + step(moved(p.f0, c.f0).round());
                if s > best.0 {
                    best = (s, Some(k));
                }
            }
            next.push(best.0 + c.prob.ln());
            pointers.push(best.1);
        }
        let best_voiced = (0..prev.len()).max_by(|&a, &b| voiced[a].total_cmp(&voiced[b]));
        let from_voiced = best_voiced.map_or(f32::NEG_INFINITY, |k| voiced[k] + switch + stay);
        let from_unvoiced = unvoiced + keep + stay;
        if from_voiced > from_unvoiced {
            unvoiced = from_voiced;
            memory = best_voiced.map(|k| (prev[k].f0, 0));
            unvoiced_back.push(best_voiced);
        } else {
            unvoiced = from_unvoiced;
            memory = memory.map(|(f0, gap)| (f0, gap + 1));
            unvoiced_back.push(None);
        }
        unvoiced += unvoiced_score(frame);
        voiced = next;
        back.push(pointers);
        prev = frame;
    }
    // Trace back from the best final state.
    let mut f0 = vec![0.0f32; candidates.len()];
    let mut state = (0..voiced.len())
        .max_by(|&a, &b| voiced[a].total_cmp(&voiced[b]))
        .filter(|&k| voiced[k] > unvoiced);
    for i in (0..candidates.len()).rev() {
        state = match state {
            Some(k) => {
                f0[i] = candidates[i][k].f0;
                back[i][k]
            }
            None => unvoiced_back[i],
        };
    }
    f0
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

    /// `n` samples of white noise in [-0.5, 0.5), from a linear congruential generator.
    pub(crate) fn noise(n: usize, mut seed: u32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
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
        let t = track(&noise(8_000, 12345), rate);
        assert!(t.voiced_frames() * 10 < t.f0.len(), "{:?}", t.f0);
    }

    #[test]
    fn a_tone_in_noise_is_voiced_throughout() {
        // Noisy voicing: the tone 2 dB above white noise. One fixed YIN threshold
        // (0.15, the tracker before pYIN) found none of these frames.
        let rate = 16_000;
        let tone = voiced(rate, 1.0, |_| 150.0);
        let noisy: Vec<f32> = tone
            .iter()
            .zip(noise(tone.len(), 987))
            .map(|(s, n)| s + 0.5 * n)
            .collect();
        let t = track(&noisy, rate);
        let mid = &t.f0[5..t.f0.len() - 5];
        let right = mid.iter().filter(|&&f| (f - 150.0).abs() < 3.0).count();
        assert!(
            right * 10 >= mid.len() * 9,
            "{right} of {}: {mid:?}",
            mid.len()
        );
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
