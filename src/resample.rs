//! Resample: whole-buffer, high-quality sample-rate conversion (rubato's FFT resampler).
//!
//! rubato's `process_all` trims the filter's startup delay, so an event at input sample `k`
//! lands at output sample `rescale_pos(k, from, to)`. The result is then cut or zero-padded to
//! exactly `rescale_pos(len, from, to)` samples so that every stage can rely on
//! sample-exact positions between rates.

use rubato::audioadapter_buffers::direct::SequentialSliceOfSlices;
use rubato::{Fft, FixedSync, Resampler};
use thiserror::Error;
use tracing::debug;

use crate::audio::{rescale_pos, Audio};

/// Chunk size hint for the FFT resampler (frames); quality does not depend on it.
const CHUNK_HINT: usize = 1024;

#[derive(Debug, Error)]
pub enum ResampleError {
    #[error("cannot resample from {from} Hz to {to} Hz: rates must be above 0")]
    ZeroRate { from: u32, to: u32 },
    #[error("resampler could not be set up for {from} Hz -> {to} Hz: {reason}")]
    Setup { from: u32, to: u32, reason: String },
    #[error("resampling {from} Hz -> {to} Hz failed: {reason}")]
    Process { from: u32, to: u32, reason: String },
}

/// Resample `audio` to `to_rate`; the output has exactly `rescale_pos(len, rate, to_rate)` samples.
pub fn resample(audio: &Audio, to_rate: u32) -> Result<Audio, ResampleError> {
    let from = audio.rate;
    if from == 0 || to_rate == 0 {
        return Err(ResampleError::ZeroRate { from, to: to_rate });
    }
    if from == to_rate {
        return Ok(audio.clone());
    }
    let target_len = rescale_pos(audio.samples.len(), from, to_rate);
    if audio.samples.is_empty() {
        return Ok(Audio::new(Vec::new(), to_rate));
    }
    let mut out = run_fft_resampler(&audio.samples, from, to_rate)?;
    out.resize(target_len, 0.0);
    debug!(
        from,
        to = to_rate,
        input = audio.samples.len(),
        output = out.len(),
        "resampled"
    );
    Ok(Audio::new(out, to_rate))
}

fn run_fft_resampler(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, ResampleError> {
    let setup_err = |reason: String| ResampleError::Setup { from, to, reason };
    let process_err = |reason: String| ResampleError::Process { from, to, reason };
    let mut resampler = Fft::<f32>::new(from as usize, to as usize, CHUNK_HINT, 1, FixedSync::Both)
        .map_err(|e| setup_err(e.to_string()))?;
    let planes = [samples];
    let input = SequentialSliceOfSlices::new(&planes, 1, samples.len())
        .map_err(|e| process_err(e.to_string()))?;
    let output = resampler
        .process_all(&input, samples.len(), None)
        .map_err(|e| process_err(e.to_string()))?;
    // Mono, so the interleaved data is the signal itself.
    Ok(output.take_data())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::PI;

    fn sine(freq: f32, amp: f32, rate: u32, len: usize) -> Audio {
        let s = (0..len)
            .map(|i| amp * (2.0 * PI * freq * i as f32 / rate as f32).sin())
            .collect();
        Audio::new(s, rate)
    }

    /// Rising zero crossings per second over the middle of the signal (edges skipped).
    fn frequency(a: &Audio) -> f64 {
        let skip = a.samples.len() / 10;
        let mid = &a.samples[skip..a.samples.len() - skip];
        let rising = mid.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        rising as f64 / (mid.len() as f64 / a.rate as f64)
    }

    fn peak_mid(a: &Audio) -> f32 {
        let skip = a.samples.len() / 10;
        a.samples[skip..a.samples.len() - skip]
            .iter()
            .fold(0.0f32, |m, s| m.max(s.abs()))
    }

    #[test]
    fn output_length_is_exact() {
        for (from, to, len) in [
            (44100, 16000, 441_000),
            (44100, 16000, 12_345),
            (8000, 22050, 80_001),
            (24000, 16000, 1_440_000),
            (16000, 48000, 7),
        ] {
            let a = Audio::new(vec![0.1; len], from);
            let out = resample(&a, to).unwrap();
            assert_eq!(
                out.samples.len(),
                rescale_pos(len, from, to),
                "{from}->{to} len {len}"
            );
            assert_eq!(out.rate, to);
        }
    }

    #[test]
    fn sine_keeps_frequency_and_amplitude() {
        for (from, to) in [(44100, 16000), (8000, 22050), (24000, 16000)] {
            let a = sine(440.0, 0.5, from, from as usize * 2);
            let out = resample(&a, to).unwrap();
            let f = frequency(&out);
            assert!((f - 440.0).abs() < 440.0 * 0.01, "{from}->{to}: {f} Hz");
            let peak = peak_mid(&out);
            assert!((peak - 0.5).abs() < 0.02, "{from}->{to}: peak {peak}");
        }
    }

    #[test]
    fn click_lands_at_rescaled_position() {
        for (from, to, k) in [
            (44100, 16000, 30_000),
            (8000, 22050, 5_000),
            (24000, 16000, 777),
        ] {
            let mut s = vec![0.0f32; from as usize];
            s[k] = 1.0;
            let out = resample(&Audio::new(s, from), to).unwrap();
            let peak_at = out
                .samples
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .map(|(i, _)| i)
                .unwrap();
            let expected = rescale_pos(k, from, to);
            assert!(
                peak_at.abs_diff(expected) <= 1,
                "{from}->{to}: {peak_at} vs {expected}"
            );
        }
    }

    #[test]
    fn same_rate_is_a_copy_and_empty_stays_empty() {
        let a = sine(100.0, 0.3, 16000, 1000);
        assert_eq!(resample(&a, 16000).unwrap(), a);
        let e = resample(&Audio::new(Vec::new(), 44100), 16000).unwrap();
        assert!(e.samples.is_empty());
        assert_eq!(e.rate, 16000);
    }

    #[test]
    fn zero_rate_is_an_error() {
        assert!(matches!(
            resample(&Audio::new(vec![0.0], 0), 16000),
            Err(ResampleError::ZeroRate { .. })
        ));
        assert!(resample(&Audio::new(vec![0.0], 16000), 0).is_err());
    }
}
