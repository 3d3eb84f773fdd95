//! Assemble: build the output timeline from pieces placed at exact sample offsets.
//!
//! - [`Timeline::place`] mixes a clip (e.g. one synthesized segment) in at its offset, with a
//!   short fade at each end so a clip never starts or stops with a click.
//! - [`join_chunks`] puts per-chunk outputs back together at their offsets with short
//!   crossfades, giving exactly the requested length.
//! - [`guard_peaks`] scales the result down if it would clip.

/// Fade length at each end of a placed clip, in seconds.
pub const CLIP_FADE_SECS: f64 = 0.005;
/// Crossfade length at chunk joins, in seconds (see [`crossfade_len`]).
pub const CROSSFADE_SECS: f64 = 0.010;
/// Peaks above this are scaled down by [`guard_peaks`].
pub const PEAK_CEILING: f32 = 0.99;

/// The crossfade length in samples at `rate` for [`join_chunks`].
pub fn crossfade_len(rate: u32) -> usize {
    (rate as f64 * CROSSFADE_SECS).round() as usize
}

/// A mono output track of fixed length.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub rate: u32,
    pub samples: Vec<f32>,
}

impl Timeline {
    /// `len` samples of silence at `rate`.
    pub fn silent(len: usize, rate: u32) -> Self {
        Self {
            rate,
            samples: vec![0.0; len],
        }
    }

    /// Fade length used by [`Timeline::place`], in samples.
    pub fn fade_len(&self) -> usize {
        (self.rate as f64 * CLIP_FADE_SECS).round() as usize
    }

    /// Mix `clip` in starting at sample `start`, with a short fade-in and fade-out (at most a
    /// third of the clip each). The part past the end of the timeline is dropped.
    pub fn place(&mut self, start: usize, clip: &[f32]) {
        if start >= self.samples.len() || clip.is_empty() {
            return;
        }
        let fade = self.fade_len().min(clip.len() / 3);
        let end = (start + clip.len()).min(self.samples.len());
        for (i, out) in self.samples[start..end].iter_mut().enumerate() {
            *out += clip[i] * edge_gain(i, clip.len(), fade);
        }
    }

    pub fn into_audio(self) -> crate::audio::Audio {
        crate::audio::Audio::new(self.samples, self.rate)
    }
}

/// Gain for sample `i` of a clip of `len` samples with linear fades of `fade` samples.
fn edge_gain(i: usize, len: usize, fade: usize) -> f32 {
    if fade == 0 {
        return 1.0;
    }
    let from_end = len - 1 - i;
    if i < fade {
        i as f32 / fade as f32
    } else if from_end < fade {
        from_end as f32 / fade as f32
    } else {
        1.0
    }
}

/// Join chunk outputs, each `(start, samples)`, into exactly `total_len` samples.
///
/// Each part owns the output from its start up to the next part's start. At each join:
/// - if the earlier part runs past the join, the two overlap and are linearly crossfaded over
///   the first `crossfade` samples after the join (the later part is then at full level
///   from `join + crossfade`);
/// - if they meet exactly, any step between them is smoothed away by a ramp spread over
///   `crossfade / 2` samples each side of the join;
/// - if there is a gap, it stays silent and the parts fade out/in over `crossfade / 2` samples.
///
/// Parts are taken in order of their start (stable for equal starts); samples past `total_len`
/// are dropped.
pub fn join_chunks(parts: &[(usize, Vec<f32>)], total_len: usize, crossfade: usize) -> Vec<f32> {
    let mut order: Vec<&(usize, Vec<f32>)> = parts.iter().collect();
    order.sort_by_key(|(start, _)| *start);
    let mut out = vec![0.0f32; total_len];
    for (i, (start, part)) in order.iter().enumerate() {
        let next_start = order.get(i + 1).map_or(total_len, |(s, _)| *s);
        copy_span(&mut out, *start, part, next_start);
    }
    for pair in order.windows(2) {
        let ((a_start, a), (b_start, b)) = (pair[0], pair[1]);
        let a_end = a_start + a.len();
        if a_end > *b_start {
            crossfade_overlap(&mut out, &a[b_start - a_start..], *b_start, b, crossfade);
        } else if a_end == *b_start {
            smooth_step(&mut out, *b_start, crossfade / 2);
        } else {
            fade_edges(&mut out, a_end, *b_start, crossfade / 2);
        }
    }
    out
}

/// Copy `part` (starting at `start`) into `out`, up to `until`.
fn copy_span(out: &mut [f32], start: usize, part: &[f32], until: usize) {
    let end = (start + part.len()).min(until).min(out.len());
    if start < end {
        out[start..end].copy_from_slice(&part[..end - start]);
    }
}

/// Linear crossfade from `tail` (the earlier part's samples from `at` on) into `head`.
fn crossfade_overlap(out: &mut [f32], tail: &[f32], at: usize, head: &[f32], crossfade: usize) {
    let n = crossfade.min(tail.len()).min(head.len());
    for j in 0..n {
        let Some(o) = out.get_mut(at + j) else { break };
        let t = (j as f32 + 0.5) / n as f32;
        *o = tail[j] * (1.0 - t) + head[j] * t;
    }
}

/// Remove the step between `out[at - 1]` and `out[at]` with a ramp over `n` samples each side.
fn smooth_step(out: &mut [f32], at: usize, n: usize) {
    if at == 0 || at >= out.len() || n == 0 {
        return;
    }
    let half_step = (out[at - 1] - out[at]) / 2.0;
    let n = n.min(at).min(out.len() - at);
    for j in 0..n {
        let g = half_step * (1.0 - j as f32 / n as f32);
        out[at - 1 - j] -= g;
        out[at + j] += g;
    }
}

/// Fade out the samples before `gap_start` and fade in those from `gap_end`, over `n` each.
fn fade_edges(out: &mut [f32], gap_start: usize, gap_end: usize, n: usize) {
    let gap_start = gap_start.min(out.len());
    let n_out = n.min(gap_start);
    for j in 0..n_out {
        out[gap_start - 1 - j] *= j as f32 / n_out as f32;
    }
    let n_in = n.min(out.len().saturating_sub(gap_end));
    for j in 0..n_in {
        out[gap_end + j] *= j as f32 / n_in as f32;
    }
}

/// Keep `samples` from clipping: non-finite samples become 0, and if the peak is above
/// [`PEAK_CEILING`] everything is scaled so the peak sits at it. Returns the gain applied.
pub fn guard_peaks(samples: &mut [f32]) -> f32 {
    let mut peak = 0.0f32;
    for s in samples.iter_mut() {
        if !s.is_finite() {
            *s = 0.0;
        }
        peak = peak.max(s.abs());
    }
    if peak <= PEAK_CEILING {
        return 1.0;
    }
    let gain = PEAK_CEILING / peak;
    samples.iter_mut().for_each(|s| *s *= gain);
    tracing::debug!(peak, gain, "scaled down to avoid clipping");
    gain
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::PI;

    fn sine(freq: f32, len: usize, rate: u32, phase: f32) -> Vec<f32> {
        (0..len)
            .map(|i| 0.5 * (2.0 * PI * freq * i as f32 / rate as f32 + phase).sin())
            .collect()
    }

    fn max_jump(s: &[f32]) -> f32 {
        s.windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn place_puts_clip_at_exact_offset_with_fades() {
        let mut t = Timeline::silent(10_000, 16_000);
        let fade = t.fade_len();
        assert_eq!(fade, 80);
        t.place(1000, &vec![0.5; 2000]);
        assert!(t.samples[..1000].iter().all(|&s| s == 0.0));
        assert_eq!(t.samples[1000], 0.0);
        assert!(t.samples[1000 + fade - 1] < 0.5);
        assert_eq!(t.samples[1000 + fade], 0.5);
        assert_eq!(t.samples[3000 - 1 - fade], 0.5);
        assert!(t.samples[3000 - fade] < 0.5);
        assert!(t.samples[3000..].iter().all(|&s| s == 0.0));
        assert!(max_jump(&t.samples) <= 0.5 / fade as f32 + 1e-6);
    }

    #[test]
    fn place_mixes_and_clips_to_the_end() {
        let mut t = Timeline::silent(1000, 16_000);
        t.place(0, &vec![0.25; 500]);
        t.place(200, &vec![0.25; 500]);
        assert_eq!(t.samples[300], 0.5);
        t.place(900, &vec![0.1; 500]);
        assert_eq!(t.samples.len(), 1000);
        t.place(5000, &[1.0]);
        t.place(10, &[]);
        assert_eq!(t.samples.len(), 1000);
    }

    #[test]
    fn join_is_exact_length_with_parts_at_their_offsets() {
        let parts = vec![
            (0, vec![0.1; 1000]),
            (1000, vec![0.2; 1000]),
            (2000, vec![0.3; 700]),
        ];
        let out = join_chunks(&parts, 2500, 160);
        assert_eq!(out.len(), 2500);
        // Away from the joins every part is untouched at its exact offset.
        assert_eq!(out[500], 0.1);
        assert_eq!(out[1500], 0.2);
        assert_eq!(out[2400], 0.3);
        let short = join_chunks(&parts, 3000, 160);
        assert_eq!(short.len(), 3000);
        assert_eq!(short[2800], 0.0);
    }

    #[test]
    fn contiguous_join_has_no_jump() {
        let rate = 16_000;
        let a = sine(220.0, 8000, rate, 0.0);
        let b = sine(330.0, 8000, rate, 1.3);
        let natural = max_jump(&a).max(max_jump(&b));
        let out = join_chunks(&[(0, a), (8000, b)], 16_000, crossfade_len(rate));
        let at_join = max_jump(&out[7900..8100]);
        assert!(
            at_join <= natural * 1.2,
            "jump {at_join} vs natural {natural}"
        );
    }

    #[test]
    fn overlapping_join_crossfades_into_the_later_part() {
        let a = vec![1.0; 1200]; // runs 200 samples past the join at 1000
        let b = vec![-1.0; 1000];
        let out = join_chunks(&[(1000, b), (0, a)], 2000, 100);
        assert_eq!(out[999], 1.0);
        assert!(out[1000] > 0.9 && out[1099] < -0.9);
        assert_eq!(out[1100], -1.0);
        assert!(max_jump(&out) < 0.03);
    }

    #[test]
    fn gap_between_parts_is_silent_and_faded() {
        let out = join_chunks(&[(0, vec![0.5; 1000]), (1500, vec![0.5; 500])], 2000, 100);
        assert!(out[1000..1500].iter().all(|&s| s == 0.0));
        assert!(max_jump(&out) < 0.02);
    }

    #[test]
    fn parts_past_the_end_are_dropped_safely() {
        let parts = vec![
            (0, vec![0.1; 500]),
            (900, vec![0.2; 50]),
            (1200, vec![0.3; 100]),
        ];
        let out = join_chunks(&parts, 1000, 100);
        assert_eq!(out.len(), 1000);
        assert!(join_chunks(&[], 10, 4).iter().all(|&s| s == 0.0));
        assert!(join_chunks(&parts, 0, 100).is_empty());
        let long = vec![(0, vec![0.5; 3000]), (2500, vec![0.5; 10])];
        assert_eq!(join_chunks(&long, 1000, 100), vec![0.5; 1000]);
    }

    #[test]
    fn guard_peaks_prevents_clipping_and_leaves_quiet_audio_alone() {
        let mut loud = vec![0.5, -1.8, 1.2, f32::NAN];
        let gain = guard_peaks(&mut loud);
        assert!(gain < 1.0);
        assert!(loud.iter().all(|s| s.abs() <= PEAK_CEILING + 1e-6));
        assert!((loud[1] + PEAK_CEILING).abs() < 1e-6);
        assert_eq!(loud[3], 0.0);
        let mut quiet = vec![0.5, -0.9];
        assert_eq!(guard_peaks(&mut quiet), 1.0);
        assert_eq!(quiet, vec![0.5, -0.9]);
    }
}
