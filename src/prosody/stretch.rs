//! Time stretch without pitch change: WSOLA (waveform-similarity overlap-add).
//!
//! Output frames of `WINDOW_SECS` (Hann, 50% overlap) are placed at a fixed output hop. Frame
//! `k` is centred at output sample `k * hop` and is read from the input around sample
//! `k * hop / ratio`, shifted by up to ±`TOLERANCE_SECS` to the offset whose waveform best
//! matches the natural continuation of the previous frame (normalised cross-correlation).
//! That keeps pitch periods aligned, so the pitch stays the same while the duration changes.

/// Analysis/synthesis window length in seconds.
const WINDOW_SECS: f64 = 0.025;
/// Search range for the best-aligned segment, each side of the nominal position, in seconds.
const TOLERANCE_SECS: f64 = 0.0075;
/// The correlation is computed on every n-th sample, n chosen so it runs at about this rate.
const CORRELATION_RATE: u32 = 8000;
/// Below this many samples in a window the signal is too short for WSOLA.
const MIN_WINDOW: usize = 16;

/// Stretch (or compress) `samples` to exactly `target_len` samples, keeping the pitch.
///
/// Works best for ratios 0.5..2.0; any ratio gives the exact length. Empty input gives
/// silence; input shorter than one window is linearly interpolated (too short to hear pitch).
pub fn stretch_to_len(samples: &[f32], rate: u32, target_len: usize) -> Vec<f32> {
    if target_len == 0 {
        return Vec::new();
    }
    if samples.is_empty() {
        return vec![0.0; target_len];
    }
    if samples.len() == target_len {
        return samples.iter().map(|&s| finite(s)).collect();
    }
    let params = Params::new(rate, samples.len(), target_len);
    if params.window < MIN_WINDOW || samples.len() < params.window {
        return interpolate(samples, target_len);
    }
    wsola(samples, target_len, &params)
}

struct Params {
    window: usize,
    hop: usize,
    tolerance: usize,
    stride: usize,
    /// Output length / input length.
    ratio: f64,
}

impl Params {
    fn new(rate: u32, input_len: usize, target_len: usize) -> Self {
        let rate = rate.max(1);
        let window = ((rate as f64 * WINDOW_SECS).round() as usize / 2 * 2).max(2);
        Self {
            window,
            hop: window / 2,
            tolerance: (rate as f64 * TOLERANCE_SECS).round() as usize,
            stride: (rate / CORRELATION_RATE).max(1) as usize,
            ratio: target_len as f64 / input_len as f64,
        }
    }
}

fn finite(s: f32) -> f32 {
    if s.is_finite() {
        s
    } else {
        0.0
    }
}

/// Periodic Hann window: at 50% overlap the copies sum to exactly 1.
fn hann(len: usize) -> Vec<f32> {
    (0..len)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / len as f64).cos() as f32)
        .collect()
}

fn wsola(samples: &[f32], target_len: usize, p: &Params) -> Vec<f32> {
    let half = p.window / 2;
    // Zero padding so every read, shifted by the tolerance, stays inside the buffer.
    let front = half + p.tolerance + p.hop;
    let back = 2 * p.window + 2 * p.tolerance + (p.hop as f64 / p.ratio).ceil() as usize;
    let mut input = vec![0.0f32; front + samples.len() + back];
    for (d, &s) in input[front..].iter_mut().zip(samples) {
        *d = finite(s);
    }

    let window = hann(p.window);
    // Output buffer starts half a window before output sample 0.
    let mut out = vec![0.0f32; target_len + 2 * p.window];
    let mut weight = vec![0.0f32; out.len()];
    let frames = target_len.div_ceil(p.hop) + 1;
    let mut prev_start: Option<usize> = None;
    for k in 0..=frames {
        let centre = ((k * p.hop) as f64 / p.ratio).round() as usize;
        let nominal = (front + centre)
            .saturating_sub(half)
            .min(input.len() - p.window);
        let start = match prev_start {
            None => nominal,
            Some(prev) => best_offset(&input, nominal, prev + p.hop, p),
        };
        overlap_add(
            &mut out,
            &mut weight,
            k * p.hop,
            &input[start..start + p.window],
            &window,
        );
        prev_start = Some(start);
    }
    normalise(&mut out, &weight);
    out.drain(..half);
    out.truncate(target_len);
    out.resize(target_len, 0.0);
    out
}

/// The frame start within `nominal ± tolerance` whose segment best matches the segment
/// starting at `continuation` (what would naturally follow the previous frame).
fn best_offset(input: &[f32], nominal: usize, continuation: usize, p: &Params) -> usize {
    let max_start = input.len() - p.window;
    let continuation = continuation.min(max_start);
    let target = &input[continuation..continuation + p.window];
    let lo = nominal.saturating_sub(p.tolerance);
    let hi = (nominal + p.tolerance).min(max_start);
    let mut best = (nominal.min(max_start), f32::NEG_INFINITY);
    for start in lo..=hi {
        let score = similarity(target, &input[start..start + p.window], p.stride);
        if score > best.1 {
            best = (start, score);
        }
    }
    best.0
}

/// Cross-correlation normalised by the candidate's energy (the target's energy is fixed).
fn similarity(target: &[f32], candidate: &[f32], stride: usize) -> f32 {
    let mut dot = 0.0f32;
    let mut energy = 1e-9f32;
    for (t, c) in target.iter().zip(candidate).step_by(stride) {
        dot += t * c;
        energy += c * c;
    }
    dot / energy.sqrt()
}

fn overlap_add(out: &mut [f32], weight: &mut [f32], at: usize, segment: &[f32], window: &[f32]) {
    let end = (at + segment.len()).min(out.len());
    for (i, o) in (at..end).enumerate() {
        out[o] += segment[i] * window[i];
        weight[o] += window[i];
    }
}

/// Divide by the summed window where it is not (close to) one, e.g. at the very ends.
fn normalise(out: &mut [f32], weight: &[f32]) {
    for (o, &w) in out.iter_mut().zip(weight) {
        if w > 1e-3 {
            *o /= w;
        }
    }
}

/// Linear interpolation to `target_len` samples (for clips too short to stretch).
fn interpolate(samples: &[f32], target_len: usize) -> Vec<f32> {
    if samples.len() == 1 || target_len == 1 {
        return vec![finite(samples[0]); target_len];
    }
    let step = (samples.len() - 1) as f64 / (target_len - 1) as f64;
    (0..target_len)
        .map(|i| {
            let pos = i as f64 * step;
            let a = pos.floor() as usize;
            let b = (a + 1).min(samples.len() - 1);
            let t = (pos - a as f64) as f32;
            finite(samples[a]) * (1.0 - t) + finite(samples[b]) * t
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::PI;

    fn sine(freq: f32, amp: f32, rate: u32, len: usize) -> Vec<f32> {
        (0..len)
            .map(|i| amp * (2.0 * PI * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    /// Rising zero crossings per second, ignoring the outer 10%.
    fn frequency(s: &[f32], rate: u32) -> f64 {
        let skip = s.len() / 10;
        let mid = &s[skip..s.len() - skip];
        let rising = mid.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        rising as f64 * rate as f64 / mid.len() as f64
    }

    fn rms(s: &[f32]) -> f32 {
        let skip = s.len() / 10;
        let mid = &s[skip..s.len() - skip];
        (mid.iter().map(|x| x * x).sum::<f32>() / mid.len() as f32).sqrt()
    }

    #[test]
    fn returns_exact_length_for_many_ratios() {
        let x = sine(150.0, 0.5, 16000, 16000);
        for target in [1, 100, 7999, 8000, 12345, 16001, 24000, 32000, 40000] {
            assert_eq!(stretch_to_len(&x, 16000, target).len(), target);
        }
    }

    #[test]
    fn stretched_sine_keeps_pitch_and_amplitude() {
        let rate = 16000;
        let x = sine(200.0, 0.5, rate, rate as usize * 2);
        for ratio in [0.5, 0.75, 1.5, 2.0] {
            let target = (x.len() as f64 * ratio) as usize;
            let y = stretch_to_len(&x, rate, target);
            let f = frequency(&y, rate);
            assert!((f - 200.0).abs() < 200.0 * 0.02, "ratio {ratio}: {f} Hz");
            let r = rms(&y);
            assert!(
                (r - rms(&x)).abs() < 0.05 * rms(&x),
                "ratio {ratio}: rms {r}"
            );
            assert!(y.iter().all(|s| s.is_finite()));
        }
    }

    #[test]
    fn works_at_44k_with_a_low_voice() {
        let rate = 44100;
        let x = sine(95.0, 0.4, rate, rate as usize);
        let y = stretch_to_len(&x, rate, x.len() * 3 / 2);
        let f = frequency(&y, rate);
        assert!((f - 95.0).abs() < 95.0 * 0.02, "{f} Hz");
    }

    #[test]
    fn timing_follows_the_ratio() {
        // A burst at 1.0 s in the input appears near 1.5 s after a 1.5x stretch.
        let rate = 16000;
        let mut x = vec![0.0f32; 2 * rate as usize];
        for (i, v) in x[16000..16800].iter_mut().enumerate() {
            *v = 0.5 * (2.0 * PI * 300.0 * i as f32 / rate as f32).sin();
        }
        let y = stretch_to_len(&x, rate, 48000);
        let first_loud = y.iter().position(|v| v.abs() > 0.1).unwrap();
        assert!(
            first_loud.abs_diff(24000) < 400,
            "burst starts at {first_loud}"
        );
    }

    #[test]
    fn degenerate_inputs_are_safe() {
        assert!(stretch_to_len(&[], 16000, 0).is_empty());
        assert_eq!(stretch_to_len(&[], 16000, 10), vec![0.0; 10]);
        assert!(stretch_to_len(&[0.1, 0.2], 16000, 0).is_empty());
        assert_eq!(stretch_to_len(&[0.3], 16000, 4), vec![0.3; 4]);
        assert_eq!(stretch_to_len(&[0.1, 0.2, 0.3], 16000, 5).len(), 5);
        assert_eq!(stretch_to_len(&[0.1, 0.2, 0.3], 0, 5).len(), 5);
        let with_nan = [0.1, f32::NAN, 0.2, f32::INFINITY].repeat(1000);
        let y = stretch_to_len(&with_nan, 16000, 6000);
        assert_eq!(y.len(), 6000);
        assert!(y.iter().all(|s| s.is_finite()));
        // Extreme ratios still give the exact length.
        let x = sine(200.0, 0.5, 16000, 16000);
        assert_eq!(stretch_to_len(&x, 16000, 100_000).len(), 100_000);
        assert_eq!(stretch_to_len(&x, 16000, 900).len(), 900);
    }

    #[test]
    fn ten_seconds_stretch_quickly() {
        let rate = 22050;
        let x = sine(180.0, 0.5, rate, rate as usize * 10);
        let t = std::time::Instant::now();
        let y = stretch_to_len(&x, rate, x.len() * 5 / 4);
        let secs = t.elapsed().as_secs_f64();
        println!("stretched 10 s at {rate} Hz to 12.5 s in {secs:.3} s");
        assert_eq!(y.len(), x.len() * 5 / 4);
        assert!(secs < 2.0, "too slow: {secs} s");
    }
}
