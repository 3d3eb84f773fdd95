//! Chunk: split long audio into ~`target_secs` pieces, cutting at the quietest moment near
//! each target so that no word is cut in half.
//!
//! Loudness is measured as mean square energy over 10 ms frames; a candidate cut is scored by
//! the energy of the ~200 ms run of frames centred on it. Within ±`search_secs` of each target
//! the quietest run wins (ties go to the run nearest the target), and the cut is then moved to
//! the middle of the quiet stretch around it, so a long pause is cut in its centre.

use crate::audio::Audio;

/// Energy frame length in seconds.
const FRAME_SECS: f64 = 0.010;
/// Length of the quiet run a cut is centred in, in seconds.
const RUN_SECS: f64 = 0.200;
/// A frame run counts as part of the same quiet stretch if its energy is within this factor
/// of the quietest run found.
const QUIET_SPREAD: f64 = 1.5;
/// Smallest chunk, as a share of the target length (except when the whole file is shorter).
const MIN_CHUNK_SHARE: f64 = 0.25;

/// One piece of the input: samples `start..end` at the audio's rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub index: usize,
    pub start: usize,
    /// Exclusive.
    pub end: usize,
}

impl Chunk {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// How far a conversion's chunk boundary may move from its target to find a pause.
pub const SEARCH_SECS: f64 = 5.0;
/// A conversion's first chunk is this long (if its chunks are at least twice as long), so
/// the first result (and the preview) comes early while later chunks keep their length.
pub const LEAD_SECS: f64 = 15.0;

/// The chunks a conversion cuts `audio` into: about `target_secs` each, the first one
/// [`LEAD_SECS`] long, every boundary at a pause within [`SEARCH_SECS`] of its target.
pub fn conversion_chunks(audio: &Audio, target_secs: f64) -> Vec<Chunk> {
    let lead = if target_secs >= 2.0 * LEAD_SECS {
        LEAD_SECS
    } else {
        target_secs
    };
    plan(audio, lead, target_secs, SEARCH_SECS)
}

/// For each sample position in `arounds`, the quietest moment of `audio` within
/// `search_secs` of it (as a chunk boundary would be placed there).
pub fn quiet_points(audio: &Audio, arounds: &[usize], search_secs: f64) -> Vec<usize> {
    let n = audio.samples.len();
    let search = (search_secs.max(0.0) * audio.rate as f64).round() as usize;
    let energy = FrameEnergy::new(&audio.samples, audio.rate);
    arounds
        .iter()
        .map(|&around| {
            let around = around.min(n);
            energy.quietest_cut(
                around.saturating_sub(search),
                (around + search).min(n),
                around,
            )
        })
        .collect()
}

/// Plan contiguous chunks covering all of `audio` (none for empty audio). Deterministic.
pub fn plan_chunks(audio: &Audio, target_secs: f64, search_secs: f64) -> Vec<Chunk> {
    plan(audio, target_secs, target_secs, search_secs)
}

/// As [`plan_chunks`], with the first chunk aiming at `first_secs` instead (when the audio is
/// long enough to be cut at all).
fn plan(audio: &Audio, first_secs: f64, target_secs: f64, search_secs: f64) -> Vec<Chunk> {
    let n = audio.samples.len();
    if n == 0 {
        return Vec::new();
    }
    let rate = audio.rate.max(1) as f64;
    let samples = |secs: f64| (secs.max(0.0) * rate).round() as usize;
    let target = samples(target_secs);
    let search = samples(search_secs);
    let min_len = |target: usize| ((target as f64 * MIN_CHUNK_SHARE) as usize).max(1);
    if target == 0 || n < target + min_len(target) {
        return vec![Chunk {
            index: 0,
            start: 0,
            end: n,
        }];
    }
    let energy = FrameEnergy::new(&audio.samples, audio.rate);

    let mut bounds = vec![0];
    let mut start = 0;
    let mut next = samples(first_secs).clamp(1, target);
    while n - start >= next + min_len(next) {
        let lo = (start + next)
            .saturating_sub(search)
            .max(start + min_len(next));
        let hi = (start + next + search).min(n - min_len(next));
        let cut = energy.quietest_cut(lo, hi, start + next);
        bounds.push(cut);
        start = cut;
        next = target;
    }
    bounds.push(n);
    bounds
        .windows(2)
        .enumerate()
        .map(|(index, w)| Chunk {
            index,
            start: w[0],
            end: w[1],
        })
        .collect()
}

/// Per-frame mean-square energy with prefix sums for quick run averages.
struct FrameEnergy {
    frame_len: usize,
    run_frames: usize,
    /// prefix[i] = sum of energies of frames 0..i.
    prefix: Vec<f64>,
}

impl FrameEnergy {
    fn new(samples: &[f32], rate: u32) -> Self {
        let frame_len = ((rate as f64 * FRAME_SECS).round() as usize).max(1);
        let run_frames = ((RUN_SECS / FRAME_SECS).round() as usize).max(1);
        let mut prefix = Vec::with_capacity(samples.len() / frame_len + 2);
        prefix.push(0.0);
        let mut total = 0.0;
        for frame in samples.chunks(frame_len) {
            total +=
                frame.iter().map(|&s| (s as f64) * (s as f64)).sum::<f64>() / frame.len() as f64;
            prefix.push(total);
        }
        Self {
            frame_len,
            run_frames,
            prefix,
        }
    }

    fn frames(&self) -> usize {
        self.prefix.len() - 1
    }

    /// Mean energy of the run of frames centred on the start of frame `centre` (frames
    /// `centre - run/2 .. centre + run/2`), clipped to the signal.
    fn run_energy(&self, centre: usize) -> f64 {
        let half = self.run_frames / 2;
        let a = centre.saturating_sub(half);
        let b = (centre + self.run_frames - half).min(self.frames());
        if b <= a {
            return 0.0;
        }
        (self.prefix[b] - self.prefix[a]) / (b - a) as f64
    }

    /// The sample offset in `lo..=hi` at the centre of the quietest run, nearest `target` on ties,
    /// moved to the middle of the surrounding quiet stretch.
    fn quietest_cut(&self, lo: usize, hi: usize, target: usize) -> usize {
        if hi <= lo {
            return lo;
        }
        let first = lo.div_ceil(self.frame_len);
        let last = (hi / self.frame_len)
            .min(self.frames().saturating_sub(1))
            .max(first);
        let target_frame = target / self.frame_len;
        let best = (first..=last)
            .min_by(|&a, &b| {
                self.run_energy(a)
                    .total_cmp(&self.run_energy(b))
                    .then(a.abs_diff(target_frame).cmp(&b.abs_diff(target_frame)))
                    .then(a.cmp(&b))
            })
            .unwrap_or(first);
        let centre = self.middle_of_quiet_stretch(best, first, last);
        (centre * self.frame_len).clamp(lo, hi)
    }

    fn middle_of_quiet_stretch(&self, best: usize, first: usize, last: usize) -> usize {
        let limit = self.run_energy(best) * QUIET_SPREAD + 1e-12;
        let mut a = best;
        while a > first && self.run_energy(a - 1) <= limit {
            a -= 1;
        }
        let mut b = best;
        while b < last && self.run_energy(b + 1) <= limit {
            b += 1;
        }
        (a + b) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random noise in -amp..amp.
    fn noise(len: usize, amp: f32, seed: u32) -> Vec<f32> {
        let mut x = seed.wrapping_mul(2_654_435_761).max(1);
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                amp * ((x as f32 / u32::MAX as f32) * 2.0 - 1.0)
            })
            .collect()
    }

    fn assert_covers(chunks: &[Chunk], len: usize) {
        assert_eq!(chunks.first().map(|c| c.start), Some(0));
        assert_eq!(chunks.last().map(|c| c.end), Some(len));
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.index, i);
            assert!(c.end > c.start);
        }
        for w in chunks.windows(2) {
            assert_eq!(w[0].end, w[1].start);
        }
    }

    #[test]
    fn boundary_falls_inside_silent_gap_near_target() {
        let rate = 1000;
        // 100 s of loud noise with a 300 ms silent gap at 57.0..57.3 s and a quieter (not
        // silent) patch at 60 s exactly.
        let mut s = noise(100 * rate, 0.5, 7);
        s[57_000..57_300].iter_mut().for_each(|v| *v = 0.0);
        s[60_000..60_300].iter_mut().for_each(|v| *v *= 0.2);
        let chunks = plan_chunks(&Audio::new(s, rate as u32), 60.0, 5.0);
        assert_eq!(chunks.len(), 2);
        let cut = chunks[0].end;
        assert!((57_050..=57_250).contains(&cut), "cut at {cut}");
        assert_covers(&chunks, 100 * rate);
    }

    #[test]
    fn long_pause_is_cut_in_its_middle() {
        let rate = 1000;
        let mut s = noise(100 * rate, 0.5, 3);
        s[61_000..63_000].iter_mut().for_each(|v| *v = 0.0);
        let chunks = plan_chunks(&Audio::new(s, rate as u32), 60.0, 5.0);
        let cut = chunks[0].end;
        assert!((61_800..=62_200).contains(&cut), "cut at {cut}");
    }

    #[test]
    fn quiet_points_find_a_gap_within_reach_only() {
        let rate = 1000;
        let mut s = noise(20 * rate, 0.5, 5);
        s[10_400..10_700].iter_mut().for_each(|v| *v = 0.0);
        let a = Audio::new(s, rate as u32);
        let [near, far, past] = quiet_points(&a, &[10_000, 5_000, 50_000], 1.0)[..] else {
            panic!("one point per position");
        };
        assert!((10_500..=10_600).contains(&near), "gap found at {near}");
        // Out of reach: the point stays within the search span.
        assert!((4_000..=6_000).contains(&far), "stayed near at {far}");
        // Past the end: clamped to the signal.
        assert!(past <= 20_000);
    }

    #[test]
    fn covers_input_contiguously_with_no_short_chunks() {
        let rate = 8000;
        let len = 200 * rate + 1234;
        let chunks = plan_chunks(&Audio::new(noise(len, 0.3, 11), rate as u32), 30.0, 5.0);
        assert_covers(&chunks, len);
        for c in &chunks {
            assert!(c.len() >= 30 * rate / 4, "{c:?}");
            assert!(c.len() <= 35 * rate + 30 * rate / 4, "{c:?}");
        }
    }

    #[test]
    fn short_remainder_is_absorbed_by_last_chunk() {
        let rate = 1000;
        // 65 s with 60 s targets: a 5 s remainder is under a quarter, so one chunk.
        let chunks = plan_chunks(
            &Audio::new(noise(65 * rate, 0.3, 5), rate as u32),
            60.0,
            5.0,
        );
        assert_eq!(chunks.len(), 1);
        assert_covers(&chunks, 65 * rate);
    }

    #[test]
    fn shorter_than_target_is_one_chunk_and_empty_is_none() {
        let a = Audio::new(noise(5000, 0.3, 1), 1000);
        assert_eq!(
            plan_chunks(&a, 60.0, 5.0),
            vec![Chunk {
                index: 0,
                start: 0,
                end: 5000
            }]
        );
        assert!(plan_chunks(&Audio::new(Vec::new(), 16000), 60.0, 5.0).is_empty());
    }

    #[test]
    fn is_deterministic_and_handles_silence() {
        let a = Audio::new(vec![0.0; 16000 * 150], 16000);
        let c1 = plan_chunks(&a, 60.0, 5.0);
        assert_eq!(c1, plan_chunks(&a, 60.0, 5.0));
        assert_covers(&c1, a.samples.len());
        let b = Audio::new(noise(16000 * 150, 0.3, 9), 16000);
        assert_eq!(plan_chunks(&b, 60.0, 5.0), plan_chunks(&b, 60.0, 5.0));
    }

    #[test]
    fn zero_search_cuts_at_target() {
        let a = Audio::new(noise(10_000, 0.3, 2), 1000);
        let chunks = plan_chunks(&a, 4.0, 0.0);
        assert_covers(&chunks, 10_000);
        assert_eq!(chunks[0].end, 4000);
    }

    #[test]
    fn a_conversion_leads_with_a_short_chunk_at_a_pause() {
        let rate = 1000;
        let mut s = noise(200 * rate, 0.5, 7);
        s[13_000..13_400].iter_mut().for_each(|v| *v = 0.0);
        let a = Audio::new(s, rate as u32);
        let chunks = conversion_chunks(&a, 60.0);
        assert_covers(&chunks, 200 * rate);
        assert!((13_000..=13_400).contains(&chunks[0].end), "{chunks:?}");
        assert!(chunks[1].len() >= 55 * rate, "{chunks:?}");
        // Short files and short chunks are cut as before.
        let short = Audio::new(noise(70 * rate, 0.3, 8), rate as u32);
        assert_eq!(conversion_chunks(&short, 60.0).len(), 1);
        assert_eq!(
            conversion_chunks(&a, 20.0),
            plan_chunks(&a, 20.0, SEARCH_SECS)
        );
    }
}
