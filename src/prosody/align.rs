//! Where the speaker said each word, found by aligning the synthetic speech to the original.
//!
//! Whisper's word times come from its timestamp tokens and run from the end of one word to
//! the end of the next, so inside a phrase they are off by up to a few hundred ms. The
//! synthetic speech says the same words and the voice knows exactly where each of its words
//! starts, so aligning the two recordings frame by frame (dynamic time warping over
//! mel-cepstra, each normalised to its own mean and spread so two different voices compare)
//! carries the synthetic word starts over to the original.

use realfft::RealFftPlanner;

/// Analysis frames: 25 ms every 10 ms.
const FRAME_SECS: f64 = 0.025;
const HOP_SECS: f64 = 0.01;
const N_MELS: usize = 26;
/// Cepstral coefficients kept (c1..c12; c0, the level, is left out).
const N_CEPS: usize = 12;
/// The alignment may stray this far (in frames, besides a third of the length) from the
/// diagonal: it bounds the work without limiting any plausible timing.
const BAND_FRAMES: usize = 50;

/// Mel-cepstra every 10 ms of `samples` at `rate`, normalised per coefficient.
pub fn features(samples: &[f32], rate: u32) -> Vec<[f32; N_CEPS]> {
    let hop = ((rate as f64 * HOP_SECS) as usize).max(1);
    let win = ((rate as f64 * FRAME_SECS) as usize).max(2);
    let n_fft = win.next_power_of_two();
    if samples.len() < win {
        return Vec::new();
    }
    let mel = crate::prosody::mel::filters(rate, n_fft, N_MELS, 8_000.0);
    let window: Vec<f32> = (0..win)
        .map(|n| 0.54 - 0.46 * (std::f32::consts::TAU * n as f32 / (win - 1) as f32).cos())
        .collect();
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
    let mut buf = fft.make_input_vec();
    let mut spec = fft.make_output_vec();
    let frames = 1 + (samples.len() - win) / hop;
    let mut out: Vec<[f32; N_CEPS]> = (0..frames)
        .map(|f| {
            buf.fill(0.0);
            for (i, (s, w)) in samples[f * hop..f * hop + win]
                .iter()
                .zip(&window)
                .enumerate()
            {
                buf[i] = s * w;
            }
            // Lengths match by construction, so the transform cannot fail.
            let _ = fft.process(&mut buf, &mut spec);
            let log_mel: Vec<f32> = mel
                .iter()
                .map(|band| {
                    let e: f32 = band.iter().zip(&spec).map(|(w, c)| w * c.norm_sqr()).sum();
                    (e + 1e-10).ln()
                })
                .collect();
            let mut c = [0.0f32; N_CEPS];
            for (k, ck) in c.iter_mut().enumerate() {
                let q = (k + 1) as f32;
                *ck = log_mel
                    .iter()
                    .enumerate()
                    .map(|(m, v)| {
                        v * (std::f32::consts::PI * q * (m as f32 + 0.5) / N_MELS as f32).cos()
                    })
                    .sum();
            }
            c
        })
        .collect();
    normalise(&mut out);
    out
}

fn normalise(frames: &mut [[f32; N_CEPS]]) {
    if frames.is_empty() {
        return;
    }
    let n = frames.len() as f32;
    for k in 0..N_CEPS {
        let mean = frames.iter().map(|f| f[k]).sum::<f32>() / n;
        let var = frames.iter().map(|f| (f[k] - mean).powi(2)).sum::<f32>() / n;
        let sd = var.sqrt().max(1e-6);
        frames.iter_mut().for_each(|f| f[k] = (f[k] - mean) / sd);
    }
}

/// For each frame of `b`, the frame of `a` it aligns with (dynamic time warping with
/// diagonal, horizontal and vertical steps, both ends pinned). Empty when either is empty.
pub fn warp(a: &[[f32; N_CEPS]], b: &[[f32; N_CEPS]]) -> Vec<usize> {
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        return Vec::new();
    }
    let band = BAND_FRAMES + n.max(m) / 3;
    let centre = |j: usize| (j as f64 * (n - 1) as f64 / (m - 1).max(1) as f64) as usize;
    let dist = |i: usize, j: usize| -> f32 {
        a[i].iter()
            .zip(&b[j])
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f32>()
            .sqrt()
    };
    // cost[j][i] over a band of `a` around the diagonal; f32::MAX outside it.
    let lo = |j: usize| centre(j).saturating_sub(band);
    let hi = |j: usize| (centre(j) + band + 1).min(n);
    let mut cost: Vec<Vec<f32>> = Vec::with_capacity(m);
    for j in 0..m {
        let mut row = vec![f32::MAX; n];
        for i in lo(j)..hi(j) {
            let d = dist(i, j);
            let best = match (i, j) {
                (0, 0) => 0.0,
                _ => {
                    let diag = if i > 0 && j > 0 {
                        cost[j - 1][i - 1]
                    } else {
                        f32::MAX
                    };
                    let up = if j > 0 { cost[j - 1][i] } else { f32::MAX };
                    let left = if i > 0 { row[i - 1] } else { f32::MAX };
                    diag.min(up).min(left)
                }
            };
            row[i] = if best == f32::MAX { f32::MAX } else { best + d };
        }
        cost.push(row);
    }
    // Back from the end along the cheapest predecessors. A frame of `b` that meets several
    // of `a` (a horizontal run) takes the first of them.
    let mut first = vec![usize::MAX; m];
    let (mut i, mut j) = (n - 1, m - 1);
    loop {
        first[j] = first[j].min(i);
        if i == 0 && j == 0 {
            break;
        }
        let diag = if i > 0 && j > 0 {
            cost[j - 1][i - 1]
        } else {
            f32::MAX
        };
        let up = if j > 0 { cost[j - 1][i] } else { f32::MAX };
        let left = if i > 0 { cost[j][i - 1] } else { f32::MAX };
        if diag <= up && diag <= left {
            i -= 1;
            j -= 1;
        } else if up <= left {
            j -= 1;
        } else {
            i -= 1;
        }
    }
    first
}

/// For each 10 ms frame of `synthetic` (at `synthetic_rate`), the frame of `original` (at
/// `original_rate`) it aligns with; `None` when either is too short to align.
pub fn frame_path(
    original: &[f32],
    original_rate: u32,
    synthetic: &[f32],
    synthetic_rate: u32,
) -> Option<Vec<usize>> {
    let a = features(original, original_rate);
    let b = features(synthetic, synthetic_rate);
    if a.len() < 3 || b.len() < 3 {
        return None;
    }
    Some(warp(&a, &b))
}

/// Where in `original` (at `original_rate`) each of `starts` (sample positions in
/// `synthetic`, at `synthetic_rate`) was said, in `original` samples; `None` when either
/// is too short to align.
pub fn carry_over(
    original: &[f32],
    original_rate: u32,
    synthetic: &[f32],
    synthetic_rate: u32,
    starts: &[usize],
) -> Option<Vec<usize>> {
    let path = frame_path(original, original_rate, synthetic, synthetic_rate)?;
    let hop_a = original_rate as f64 * HOP_SECS;
    let hop_b = synthetic_rate as f64 * HOP_SECS;
    Some(
        starts
            .iter()
            .map(|&s| {
                let j = ((s as f64 / hop_b).round() as usize).min(path.len() - 1);
                ((path[j] as f64 * hop_a).round() as usize).min(original.len())
            })
            .collect(),
    )
}

/// The acoustic alignment of two voices now and then puts a word a second or more from
/// where it was said (a stretch of one voice that matches the wrong stretch of the other);
/// Whisper's word times are coarser but not off by that much. A start found further than
/// this from Whisper's is taken from Whisper instead. At 0.3 s this took news_8k's word
/// onset error (median / 95th percentile) from 70 / 870 to 60 / 380 ms; since Whisper's
/// times are anchored to the sound ([`crate::prosody::onsets`]) they are the surer of the
/// two, and 0.2 s takes lecture_en from 30 / 200 to 20 / 160 ms and news_8k from 40 / 420
/// to 40 / 370 ms (jfk and multilingual unchanged; docs/quality-notes.md, session 18).
pub const MAX_DISAGREEMENT_SECS: f64 = 0.2;

/// Where the speaker said each word of `spoken` (at `voice_rate`), as ranges of one sample
/// (the word's start) in voice samples from the start of `original` (at `rate`). `heard`:
/// where Whisper heard each word start, in voice samples from the same place; a start
/// further than [`MAX_DISAGREEMENT_SECS`] from it is replaced by it (ignored unless there is
/// one per word).
pub fn word_starts(
    original: &[f32],
    rate: u32,
    spoken: &crate::tts::Spoken,
    voice_rate: u32,
    heard: &[usize],
) -> Option<Vec<std::ops::Range<usize>>> {
    let starts: Vec<usize> = spoken.words.iter().map(|w| w.start).collect();
    let found: Vec<usize> = carry_over(original, rate, &spoken.samples, voice_rate, &starts)?
        .into_iter()
        .map(|p| crate::audio::rescale_pos(p, rate, voice_rate))
        .collect();
    tracing::debug!(?found, ?heard, "word starts: acoustic alignment, Whisper");
    let found = if heard.len() == found.len() {
        let tolerance = (voice_rate as f64 * MAX_DISAGREEMENT_SECS) as usize;
        checked(&found, heard, tolerance)
    } else {
        found
    };
    Some(found.into_iter().map(|p| p..p).collect())
}

/// `found`, each replaced by its `heard` counterpart where the two differ by more than
/// `tolerance`.
fn checked(found: &[usize], heard: &[usize], tolerance: usize) -> Vec<usize> {
    found
        .iter()
        .zip(heard)
        .map(|(&f, &h)| if f.abs_diff(h) > tolerance { h } else { f })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Syllables": tones of different pitch and timbre, `lens` ms long each.
    fn syllables(rate: u32, lens: &[usize]) -> (Vec<f32>, Vec<usize>) {
        let mut x = Vec::new();
        let mut starts = Vec::new();
        for (k, &ms) in lens.iter().enumerate() {
            starts.push(x.len());
            let f = 150.0 + 60.0 * k as f32;
            let n = rate as usize * ms / 1000;
            x.extend((0..n).map(|i| {
                let t = i as f32 / rate as f32;
                (1..=6)
                    .map(|h| {
                        let amp = if (h + k) % 3 == 0 { 1.0 } else { 0.2 };
                        amp * (std::f32::consts::TAU * f * h as f32 * t).sin()
                    })
                    .sum::<f32>()
                    * 0.1
            }));
        }
        (x, starts)
    }

    #[test]
    fn starts_far_from_what_whisper_heard_are_taken_from_whisper() {
        let found = [0, 1_000, 9_000, 4_000];
        let heard = [100, 1_200, 3_000, 4_400];
        assert_eq!(checked(&found, &heard, 300), [0, 1_000, 3_000, 4_400]);
    }

    #[test]
    fn word_starts_carry_over_between_tempos_and_rates() {
        // The same five "syllables", fast at 22.05 kHz and slow at 16 kHz.
        let (fast, fast_starts) = syllables(22_050, &[200, 150, 300, 200, 250]);
        let (slow, slow_starts) = syllables(16_000, &[300, 350, 350, 200, 400]);
        let got = carry_over(&slow, 16_000, &fast, 22_050, &fast_starts).unwrap();
        for (g, want) in got.iter().zip(&slow_starts) {
            let err_ms = (*g as f64 - *want as f64).abs() * 1000.0 / 16_000.0;
            assert!(err_ms <= 30.0, "got {got:?}, want {slow_starts:?}");
        }
    }
}
