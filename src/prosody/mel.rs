//! Mel filterbanks: the spectrum in bands spaced as hearing spaces pitch. Used by the
//! speaker embedder's features and by the alignment of synthetic to original speech.

/// Slaney-style mel filters (the common default of speech toolkits): triangles on the
/// Slaney mel scale from 0 Hz to `max_hz` (at most Nyquist), each normalised to unit area;
/// one row of `n_fft / 2 + 1` weights per band.
pub fn filters(rate: u32, n_fft: usize, n_mels: usize, max_hz: f64) -> Vec<Vec<f32>> {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let min_log_mel = MIN_LOG_HZ / F_SP;
    let log_step = 6.4f64.ln() / 27.0;
    let hz_to_mel = |f: f64| {
        if f >= MIN_LOG_HZ {
            min_log_mel + (f / MIN_LOG_HZ).ln() / log_step
        } else {
            f / F_SP
        }
    };
    let mel_to_hz = |m: f64| {
        if m >= min_log_mel {
            MIN_LOG_HZ * (log_step * (m - min_log_mel)).exp()
        } else {
            m * F_SP
        }
    };
    let nyquist = rate as f64 / 2.0;
    let top = hz_to_mel(max_hz.min(nyquist));
    let points: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(top * i as f64 / (n_mels + 1) as f64))
        .collect();
    let bins = n_fft / 2 + 1;
    let freqs: Vec<f64> = (0..bins)
        .map(|k| nyquist * k as f64 / (bins - 1) as f64)
        .collect();
    (0..n_mels)
        .map(|m| {
            let (lo, mid, hi) = (points[m], points[m + 1], points[m + 2]);
            let norm = 2.0 / (hi - lo);
            freqs
                .iter()
                .map(|&f| {
                    let up = (f - lo) / (mid - lo);
                    let down = (hi - f) / (hi - mid);
                    (up.min(down).max(0.0) * norm) as f32
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_filters_tile_the_spectrum() {
        let mel = filters(16_000, 512, 40, 8_000.0);
        assert_eq!(mel.len(), 40);
        assert_eq!(mel[0].len(), 257);
        // Every filter has weight somewhere, and peaks rise in frequency.
        let peak = |band: &Vec<f32>| {
            band.iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(i, _)| i)
                .unwrap()
        };
        assert!(mel.iter().all(|b| b.iter().any(|&w| w > 0.0)));
        assert!(mel.windows(2).all(|w| peak(&w[0]) <= peak(&w[1])));
        // Below 1 kHz the scale is linear: 66.7 Hz per mel step.
        assert!((peak(&mel[0]) as f64 * 31.25 - 66.7).abs() < 32.0);
    }
}
