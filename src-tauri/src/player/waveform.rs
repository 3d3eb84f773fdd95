//! Waveform overviews for the UI: the loudest sample in each of `buckets` equal spans.

/// Peak absolute value (0..=1) of each of `buckets` spans of `samples`.
pub fn peaks(samples: &[f32], buckets: usize) -> Vec<f32> {
    if samples.is_empty() || buckets == 0 {
        return Vec::new();
    }
    (0..buckets)
        .map(|b| {
            let from = b * samples.len() / buckets;
            let to = ((b + 1) * samples.len() / buckets)
                .max(from + 1)
                .min(samples.len());
            samples[from..to]
                .iter()
                .fold(0.0f32, |m, s| m.max(s.abs()))
                .min(1.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_peak_per_bucket() {
        let mut s = vec![0.0; 1000];
        s[10] = -0.5;
        s[999] = 0.25;
        let p = peaks(&s, 10);
        assert_eq!(p.len(), 10);
        assert_eq!(p[0], 0.5);
        assert_eq!(p[9], 0.25);
        assert!(p[1..9].iter().all(|&x| x == 0.0));
    }

    #[test]
    fn more_buckets_than_samples_still_gives_the_asked_count() {
        assert_eq!(peaks(&[0.5, -1.5], 5), vec![0.5, 0.5, 0.5, 1.0, 1.0]);
        assert!(peaks(&[], 5).is_empty());
    }
}
