//! The plain audio type every stage passes along.

/// Mono audio: `samples` in -1.0..=1.0 at `rate` samples per second.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub rate: u32,
}

impl Audio {
    pub fn new(samples: Vec<f32>, rate: u32) -> Self {
        Self { samples, rate }
    }

    /// Length in seconds.
    pub fn duration_secs(&self) -> f64 {
        if self.rate == 0 {
            return 0.0;
        }
        self.samples.len() as f64 / self.rate as f64
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

/// Convert a sample position from one rate to another, rounding to the nearest sample.
pub fn rescale_pos(pos: usize, from_rate: u32, to_rate: u32) -> usize {
    ((pos as u128 * to_rate as u128 + from_rate as u128 / 2) / from_rate as u128) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescale_is_exact_for_whole_seconds() {
        assert_eq!(rescale_pos(16_000, 16_000, 22_050), 22_050);
        assert_eq!(rescale_pos(441, 44_100, 16_000), 160);
        assert_eq!(rescale_pos(0, 8_000, 48_000), 0);
    }

    #[test]
    fn duration_of_empty_audio_is_zero() {
        assert_eq!(Audio::default().duration_secs(), 0.0);
    }
}
