//! The preview player: the original and the converted audio on one timeline, played through
//! the sound device natively (cpal), so switching between them lands on the same sample.
//!
//! [`transport`] holds the position and renders samples, [`output`] opens the device,
//! [`waveform`] draws the overview the UI shows.

pub mod output;
pub mod transport;
pub mod waveform;

use std::sync::{Arc, Mutex};

use revoice::audio::Audio;
use serde::Serialize;

pub use output::OutputError;
pub use transport::{Source, Tracks, Transport};

#[derive(Debug, thiserror::Error)]
pub enum PlayerError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("cannot bring the audio to the device's rate: {0}")]
    Resample(#[from] revoice::resample::ResampleError),
    #[error("nothing is loaded in the player")]
    Empty,
}

/// Where the sound goes, as the UI tells the user.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct OutputInfo {
    pub device: String,
    pub rate: u32,
    /// No sound card: the null device plays in silence.
    pub silent: bool,
}

impl OutputInfo {
    fn of(o: &output::Output) -> Self {
        Self {
            device: o.device.clone(),
            rate: o.rate,
            silent: o.silent,
        }
    }
}

/// What the player is doing, for the UI's position display.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct PlayerStatus {
    pub position_secs: f64,
    pub duration_secs: f64,
    pub playing: bool,
    pub source: Source,
    /// A voice sample is playing (over the tracks, which wait).
    pub sample_playing: bool,
}

pub struct Player {
    transport: Arc<Transport>,
    output: Mutex<Option<output::Output>>,
}

impl Default for Player {
    fn default() -> Self {
        Self::new()
    }
}

impl Player {
    pub fn new() -> Self {
        Self {
            transport: Arc::new(Transport::new()),
            output: Mutex::new(None),
        }
    }

    /// Load the original and the converted audio (same rate, same length: the engine makes
    /// them so). Playback stops at the start.
    pub fn load(&self, original: &Audio, converted: &Audio) -> Result<OutputInfo, PlayerError> {
        let info = self.ensure_output(original.rate)?;
        let original = at_rate(original, info.rate)?;
        let mut converted = at_rate(converted, info.rate)?;
        converted.resize(original.len(), 0.0);
        self.transport.load(Tracks {
            original,
            converted,
        });
        Ok(info)
    }

    /// Play a short sound (a voice sample) now; the tracks keep their place.
    pub fn play_sample(&self, clip: &Audio) -> Result<OutputInfo, PlayerError> {
        let info = match self.output_info() {
            Some(info) => info,
            None => self.ensure_output(clip.rate)?,
        };
        self.transport.play_clip(at_rate(clip, info.rate)?);
        Ok(info)
    }

    pub fn play(&self) -> Result<(), PlayerError> {
        if self.transport.frames() == 0 {
            return Err(PlayerError::Empty);
        }
        self.transport.stop_clip();
        self.transport.set_playing(true);
        Ok(())
    }

    pub fn pause(&self) {
        self.transport.stop_clip();
        self.transport.set_playing(false);
    }

    pub fn seek(&self, secs: f64) {
        if let Some(rate) = self.rate() {
            self.transport
                .seek((secs.max(0.0) * rate as f64).round() as usize);
        }
    }

    pub fn select(&self, source: Source) {
        self.transport.select(source);
    }

    pub fn status(&self) -> PlayerStatus {
        let rate = self.rate().unwrap_or(1) as f64;
        PlayerStatus {
            position_secs: self.transport.position() as f64 / rate,
            duration_secs: self.transport.frames() as f64 / rate,
            playing: self.transport.playing(),
            source: self.transport.source(),
            sample_playing: self.transport.clip_playing(),
        }
    }

    pub fn output_info(&self) -> Option<OutputInfo> {
        self.output_slot().as_ref().map(OutputInfo::of)
    }

    /// The output slot; a panic elsewhere while it was held leaves it usable.
    fn output_slot(&self) -> std::sync::MutexGuard<'_, Option<output::Output>> {
        self.output.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn rate(&self) -> Option<u32> {
        self.output_info().map(|o| o.rate)
    }

    /// Open the device on first use. The null device takes any rate, so it is reopened at
    /// the audio's own rate and nothing is resampled there.
    fn ensure_output(&self, rate: u32) -> Result<OutputInfo, PlayerError> {
        let mut slot = self.output_slot();
        match slot.as_ref() {
            Some(o) if !(o.silent && o.rate != rate) => Ok(OutputInfo::of(o)),
            _ => {
                *slot = None;
                let opened = output::open(self.transport.clone(), rate)?;
                let info = OutputInfo::of(&opened);
                *slot = Some(opened);
                Ok(info)
            }
        }
    }
}

fn at_rate(audio: &Audio, rate: u32) -> Result<Vec<f32>, PlayerError> {
    if audio.rate == rate {
        Ok(audio.samples.clone())
    } else {
        Ok(revoice::resample::resample(audio, rate)?.samples)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// The real device path: on a machine without a sound card this is ALSA's null device,
    /// paced to the clock, so half a second of playing moves about half a second.
    #[test]
    fn plays_through_the_sound_output_in_real_time_and_switches_in_place() {
        let player = Player::new();
        let rate = 16_000;
        let tone: Vec<f32> = (0..rate * 3)
            .map(|i| (i as f32 * 0.05).sin() * 0.1)
            .collect();
        let original = Audio::new(tone.clone(), rate as u32);
        let converted = Audio::new(tone.iter().map(|s| -s).collect(), rate as u32);
        let info = player.load(&original, &converted).unwrap();
        println!("output: {info:?}");
        assert_eq!(player.status().duration_secs, 3.0);

        player.play().unwrap();
        let started = Instant::now();
        std::thread::sleep(Duration::from_millis(500));
        let at = player.status().position_secs;
        let wall = started.elapsed().as_secs_f64();
        assert!(player.status().playing);
        assert!(
            at > 0.2 && at < wall + 0.2,
            "position {at:.3} after {wall:.3} s"
        );

        player.select(Source::Converted);
        let after = player.status();
        assert_eq!(after.source, Source::Converted);
        assert!(after.position_secs >= at, "switching kept the place");

        player.pause();
        let paused = player.status().position_secs;
        std::thread::sleep(Duration::from_millis(200));
        assert!((player.status().position_secs - paused).abs() < 0.1);

        player.seek(2.9);
        player.play().unwrap();
        std::thread::sleep(Duration::from_millis(400));
        let end = player.status();
        assert!(!end.playing, "stopped at the end: {end:?}");
        assert_eq!(end.position_secs, 0.0);
    }
}
