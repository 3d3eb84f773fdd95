//! TD-PSOLA (time-domain pitch-synchronous overlap-add): change the timing and the pitch of
//! speech independently, keeping its spectral envelope (the voice's formants).
//!
//! The input is cut into two-period grains centred on pitch marks (one per period where it
//! is voiced, every 10 ms where it is not). The output places grains at its own marks: one
//! wanted period apart where the input is voiced, so the pitch becomes the wanted one, and
//! each grain is taken from the input mark nearest to the output time's place on the
//! [`TimeMap`], so the timing follows the map. Unvoiced sounds keep their noise; they are
//! only stretched.

use super::pitch::{PitchTrack, FRAME_RATE};

/// Period used to cut unvoiced parts into grains: 10 ms.
const UNVOICED_STEP_SECS: f64 = 0.01;

/// A monotone piecewise-linear map from output positions to input positions (samples).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeMap {
    /// (output, input) pairs: output increasing, input non-decreasing.
    anchors: Vec<(f64, f64)>,
}

impl TimeMap {
    /// The input's `input_len` samples spread evenly over `output_len`.
    pub fn uniform(input_len: usize, output_len: usize) -> Self {
        Self::new(vec![(0.0, 0.0), (output_len as f64, input_len as f64)])
    }

    /// From anchor pairs (output, input). Pairs that would run backwards in either
    /// coordinate are dropped, so the map is always monotone. No pairs: the identity.
    pub fn new(pairs: Vec<(f64, f64)>) -> Self {
        let mut anchors: Vec<(f64, f64)> = Vec::with_capacity(pairs.len());
        for (o, i) in pairs {
            match anchors.last() {
                Some(&(lo, li)) if o <= lo || i < li => {}
                _ => anchors.push((o, i)),
            }
        }
        if anchors.is_empty() {
            anchors.push((0.0, 0.0));
        }
        Self { anchors }
    }

    /// Input position for output position `out` (slope 1 outside the anchors).
    pub fn input_at(&self, out: f64) -> f64 {
        let k = self.anchors.partition_point(|&(o, _)| o <= out);
        if k == 0 {
            let (o0, i0) = self.anchors[0];
            return i0 + (out - o0);
        }
        let (o0, i0) = self.anchors[k - 1];
        match self.anchors.get(k) {
            Some(&(o1, i1)) => i0 + (out - o0) * (i1 - i0) / (o1 - o0),
            None => i0 + (out - o0),
        }
    }

    /// The same map with output positions scaled by `factor` (played faster or slower).
    pub fn scale_output(&self, factor: f64) -> Self {
        Self {
            anchors: self.anchors.iter().map(|&(o, i)| (o * factor, i)).collect(),
        }
    }

    /// The same map with input positions scaled by `factor` (the input was resampled).
    pub fn scale_input(&self, factor: f64) -> Self {
        Self {
            anchors: self.anchors.iter().map(|&(o, i)| (o, i * factor)).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Mark {
    pos: usize,
    period: usize,
    voiced: bool,
}

/// Render `output_len` samples from `input` (at `rate`, with its pitch `track`): timing by
/// `map`, pitch by `wanted_f0(output_pos, own_f0)`, which gets the input's F0 at the grain
/// and returns the F0 wanted there (return `own_f0` to keep the pitch).
pub fn render(
    input: &[f32],
    rate: u32,
    track: &PitchTrack,
    map: &TimeMap,
    output_len: usize,
    wanted_f0: impl Fn(usize, f32) -> f32,
) -> Vec<f32> {
    let mut out = vec![0.0f32; output_len];
    if input.is_empty() || output_len == 0 {
        return out;
    }
    let marks = pitch_marks(input, rate, track);
    if marks.is_empty() {
        return out;
    }
    let mut weight = vec![0.0f32; output_len];
    let mut t = 0.0f64;
    let mut k = 0usize;
    while (t as usize) < output_len {
        let at = map.input_at(t);
        // Nearest analysis mark to `at` (marks are sorted; walk forward from the last one).
        while k + 1 < marks.len()
            && (marks[k + 1].pos as f64 - at).abs() <= (marks[k].pos as f64 - at).abs()
        {
            k += 1;
        }
        while k > 0 && (marks[k - 1].pos as f64 - at).abs() < (marks[k].pos as f64 - at).abs() {
            k -= 1;
        }
        let m = marks[k];
        overlap_add(input, m, t.round() as usize, &mut out, &mut weight);
        let step = if m.voiced {
            let own = rate as f32 / m.period as f32;
            let wanted = wanted_f0(t as usize, own);
            if wanted.is_finite() && wanted > 0.0 {
                rate as f64 / wanted as f64
            } else {
                m.period as f64
            }
        } else {
            m.period as f64
        };
        t += step.max(1.0);
    }
    for (o, w) in out.iter_mut().zip(&weight) {
        if *w > 1.0 {
            *o /= *w;
        }
    }
    out
}

/// Add the two-period Hann-windowed grain around `m` at output position `at`.
fn overlap_add(input: &[f32], m: Mark, at: usize, out: &mut [f32], weight: &mut [f32]) {
    let p = m.period as isize;
    for d in -p..p {
        let src = m.pos as isize + d;
        let dst = at as isize + d;
        if src < 0 || dst < 0 || src as usize >= input.len() || dst as usize >= out.len() {
            continue;
        }
        let w = 0.5 - 0.5 * (std::f32::consts::PI * (d + p) as f32 / p as f32).cos();
        out[dst as usize] += input[src as usize] * w;
        weight[dst as usize] += w;
    }
}

/// One mark per pitch period in voiced parts, on the period's largest sample so grains of
/// neighbouring periods line up; every 10 ms in unvoiced parts.
fn pitch_marks(input: &[f32], rate: u32, track: &PitchTrack) -> Vec<Mark> {
    let unvoiced = ((rate as f64 * UNVOICED_STEP_SECS) as usize).max(1);
    let f0_at = |pos: usize| {
        let frame = (pos as f64 * FRAME_RATE as f64 / rate as f64).round() as usize;
        track.f0.get(frame).copied().unwrap_or(0.0)
    };
    let mut marks = Vec::new();
    let mut pos = 0usize;
    let mut was_voiced = false;
    while pos < input.len() {
        let f0 = f0_at(pos);
        if f0 <= 0.0 {
            marks.push(Mark {
                pos,
                period: unvoiced,
                voiced: false,
            });
            pos += unvoiced;
            was_voiced = false;
            continue;
        }
        let period = ((rate as f32 / f0).round() as usize).max(2);
        // Entering a voiced run: search a whole period for its peak; inside one, a fifth of
        // a period around the predicted place.
        let reach = if was_voiced { period / 5 } else { period / 2 };
        let lo = pos.saturating_sub(reach);
        let hi = (pos + reach + 1).min(input.len());
        let peak = (lo..hi)
            .max_by(|&a, &b| input[a].total_cmp(&input[b]))
            .unwrap_or(pos);
        let peak = if marks.last().is_some_and(|m: &Mark| peak <= m.pos) {
            pos
        } else {
            peak
        };
        marks.push(Mark {
            pos: peak,
            period,
            voiced: true,
        });
        pos = peak + period;
        was_voiced = true;
    }
    marks
}

/// The source for a formant shift of `semitones`: `input` resampled so that every
/// frequency (formants and pitch) moves by the shift, and its length over the input's.
/// PSOLA from it, back to the wanted pitch and length, keeps the moved formants: divide the
/// source's own F0 by the returned pitch factor to get the input's.
pub fn formant_source(
    input: &[f32],
    rate: u32,
    semitones: f32,
) -> Result<(Vec<f32>, f32), crate::resample::ResampleError> {
    let factor = 2f64.powf(semitones as f64 / 12.0);
    // Read as if recorded at `rate * factor` and brought back to `rate`: played faster.
    let from = (rate as f64 * factor).round() as u32;
    let shifted =
        crate::resample::resample(&crate::audio::Audio::new(input.to_vec(), from), rate)?.samples;
    Ok((shifted, factor as f32))
}

#[cfg(test)]
mod tests {
    use super::super::pitch::{self, tests::voiced};
    use super::*;

    fn median_f0(x: &[f32], rate: u32) -> f32 {
        pitch::track(x, rate).median().expect("voiced")
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|s| s * s).sum::<f32>() / x.len() as f32).sqrt()
    }

    #[test]
    fn the_time_map_interpolates_and_stays_monotone() {
        let m = TimeMap::new(vec![
            (0.0, 0.0),
            (100.0, 50.0),
            (90.0, 10.0),
            (200.0, 250.0),
        ]);
        assert_eq!(m.input_at(50.0), 25.0);
        assert_eq!(m.input_at(150.0), 150.0);
        assert_eq!(m.input_at(300.0), 350.0);
        assert_eq!(TimeMap::uniform(100, 200).input_at(100.0), 50.0);
    }

    #[test]
    fn pitch_changes_and_length_and_level_stay() {
        let rate = 16_000;
        let x = voiced(rate, 1.0, |_| 150.0);
        let map = TimeMap::uniform(x.len(), x.len());
        let track = pitch::track(&x, rate);
        for &wanted in &[110.0f32, 150.0, 220.0] {
            let y = render(&x, rate, &track, &map, x.len(), |_, _| wanted);
            assert_eq!(y.len(), x.len());
            let f = median_f0(&y, rate);
            assert!((f - wanted).abs() < wanted * 0.02, "{wanted}: {f}");
            let level = rms(&y[1600..14_400]) / rms(&x[1600..14_400]);
            assert!((0.6..1.4).contains(&level), "{wanted}: level {level}");
        }
    }

    #[test]
    fn a_known_stretch_keeps_the_pitch() {
        let rate = 22_050;
        let x = voiced(rate, 0.5, |_| 180.0);
        let track = pitch::track(&x, rate);
        let out_len = x.len() * 3 / 2;
        let y = render(
            &x,
            rate,
            &track,
            &TimeMap::uniform(x.len(), out_len),
            out_len,
            |_, own| own,
        );
        assert_eq!(y.len(), out_len);
        assert!((median_f0(&y, rate) - 180.0).abs() < 4.0);
        // Sound all the way through: no gaps from the stretch.
        for part in y[1000..out_len - 1000].chunks(441) {
            assert!(rms(part) > 0.3 * rms(&x), "gap");
        }
    }

    #[test]
    fn formant_shift_keeps_pitch_and_length_and_moves_the_spectrum() {
        let rate = 16_000;
        let x = voiced(rate, 0.6, |_| 140.0);
        let map = TimeMap::uniform(x.len(), x.len());
        let (source, f) = formant_source(&x, rate, 4.0).unwrap();
        let track = pitch::track(&source, rate);
        let map = map.scale_input(source.len() as f64 / x.len() as f64);
        let up = render(&source, rate, &track, &map, x.len(), |_, own| own / f);
        assert_eq!(up.len(), x.len());
        assert!((median_f0(&up, rate) - 140.0).abs() < 4.0);
        // Harmonics fall off as 1/h; moving the envelope up by 4 st raises the centroid.
        let centroid = |s: &[f32]| {
            let d: Vec<f32> = s.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
            d.iter().sum::<f32>() / s.iter().map(|v| v.abs()).sum::<f32>()
        };
        assert!(centroid(&up[1000..8000]) > centroid(&x[1000..8000]) * 1.1);
    }
}
