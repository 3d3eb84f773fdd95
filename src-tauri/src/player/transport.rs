//! The player's shared state and the audio callback's work, apart from any device so it can
//! be tested on its own.
//!
//! Two tracks of equal length and rate (the original and the converted audio) share one
//! position. Switching A/B changes which track the next sample is read from and nothing else,
//! so the switch lands on the same sample. Commands from the UI never block the callback:
//! they write atomics, and the callback only `try_lock`s the track slot (a missed lock plays
//! one buffer of silence, it does not move the position).

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

/// Which track is heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Original,
    Converted,
}

impl Source {
    fn to_u8(self) -> u8 {
        match self {
            Source::Original => 0,
            Source::Converted => 1,
        }
    }
    fn from_u8(v: u8) -> Self {
        if v == 0 {
            Source::Original
        } else {
            Source::Converted
        }
    }
}

/// The two tracks, mono, at the output rate, equally long.
pub struct Tracks {
    pub original: Vec<f32>,
    pub converted: Vec<f32>,
}

impl Tracks {
    /// Frames both tracks have.
    pub fn frames(&self) -> usize {
        self.original.len().min(self.converted.len())
    }

    fn get(&self, source: Source) -> &[f32] {
        match source {
            Source::Original => &self.original,
            Source::Converted => &self.converted,
        }
    }
}

const NO_SEEK: usize = usize::MAX;

#[derive(Default)]
pub struct Transport {
    tracks: Mutex<Option<Arc<Tracks>>>,
    /// A short sound (a voice sample) played over the tracks' place; their position waits.
    clip: Mutex<Option<Arc<Vec<f32>>>>,
    clip_pos: AtomicUsize,
    position: AtomicUsize,
    /// A seek asked for and not yet taken up by the callback (`NO_SEEK` when none).
    seek_to: AtomicUsize,
    playing: AtomicBool,
    source: AtomicU8,
    len: AtomicUsize,
}

impl Transport {
    pub fn new() -> Self {
        Self {
            seek_to: AtomicUsize::new(NO_SEEK),
            ..Default::default()
        }
    }

    /// Replace the tracks; playback stops at the start, the chosen source stays.
    pub fn load(&self, tracks: Tracks) {
        self.playing.store(false, Ordering::SeqCst);
        self.len.store(tracks.frames(), Ordering::SeqCst);
        if let Ok(mut slot) = self.tracks.lock() {
            *slot = Some(Arc::new(tracks));
        }
        self.seek(0);
    }

    pub fn play_clip(&self, clip: Vec<f32>) {
        self.clip_pos.store(0, Ordering::SeqCst);
        if let Ok(mut slot) = self.clip.lock() {
            *slot = Some(Arc::new(clip));
        }
    }

    pub fn stop_clip(&self) {
        if let Ok(mut slot) = self.clip.lock() {
            *slot = None;
        }
    }

    pub fn clip_playing(&self) -> bool {
        self.clip.lock().map(|c| c.is_some()).unwrap_or(false)
    }

    pub fn set_playing(&self, playing: bool) {
        let has_audio = self.len.load(Ordering::SeqCst) > 0;
        self.playing.store(playing && has_audio, Ordering::SeqCst);
    }

    pub fn playing(&self) -> bool {
        self.playing.load(Ordering::SeqCst)
    }

    pub fn select(&self, source: Source) {
        self.source.store(source.to_u8(), Ordering::SeqCst);
    }

    pub fn source(&self) -> Source {
        Source::from_u8(self.source.load(Ordering::SeqCst))
    }

    pub fn seek(&self, frame: usize) {
        let frame = frame.min(self.frames());
        self.seek_to.store(frame, Ordering::SeqCst);
    }

    /// The frame that plays next (a pending seek counts as done).
    pub fn position(&self) -> usize {
        match self.seek_to.load(Ordering::SeqCst) {
            NO_SEEK => self.position.load(Ordering::SeqCst),
            pending => pending,
        }
    }

    /// Frames loaded (0: nothing to play).
    pub fn frames(&self) -> usize {
        self.len.load(Ordering::SeqCst)
    }

    /// Fill an interleaved buffer of `channels` channels: the audio callback.
    pub fn render(&self, out: &mut [f32], channels: usize) {
        let channels = channels.max(1);
        out.fill(0.0);
        if self.render_clip(out, channels) {
            return;
        }
        let seek = self.seek_to.swap(NO_SEEK, Ordering::SeqCst);
        if seek != NO_SEEK {
            self.position.store(seek, Ordering::SeqCst);
        }
        if !self.playing.load(Ordering::SeqCst) {
            return;
        }
        let Some(tracks) = self.tracks.try_lock().ok().and_then(|t| t.clone()) else {
            return;
        };
        let samples = tracks.get(self.source());
        let end = tracks.frames();
        let mut pos = self.position.load(Ordering::SeqCst);
        for frame in out.chunks_mut(channels) {
            if pos >= end {
                break;
            }
            frame.fill(samples[pos]);
            pos += 1;
        }
        if pos >= end {
            // At the end: stop, and the next play starts from the beginning.
            self.playing.store(false, Ordering::SeqCst);
            pos = 0;
        }
        self.position.store(pos, Ordering::SeqCst);
    }

    /// Play the clip, if one is set; true when it filled the buffer.
    fn render_clip(&self, out: &mut [f32], channels: usize) -> bool {
        let Some(clip) = self.clip.try_lock().ok().and_then(|c| c.clone()) else {
            return false;
        };
        let mut pos = self.clip_pos.load(Ordering::SeqCst);
        for frame in out.chunks_mut(channels) {
            let Some(&s) = clip.get(pos) else { break };
            frame.fill(s);
            pos += 1;
        }
        self.clip_pos.store(pos, Ordering::SeqCst);
        if pos >= clip.len() {
            if let Ok(mut slot) = self.clip.try_lock() {
                *slot = None;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Original counts up from 0, converted down from -1: every sample says where it came from.
    fn transport(len: usize) -> Transport {
        let t = Transport::new();
        t.load(Tracks {
            original: (0..len).map(|i| i as f32).collect(),
            converted: (0..len).map(|i| -(i as f32) - 1.0).collect(),
        });
        t
    }

    fn render(t: &Transport, frames: usize) -> Vec<f32> {
        let mut buf = vec![9.0; frames * 2];
        t.render(&mut buf, 2);
        buf
    }

    #[test]
    fn paused_is_silent_and_keeps_its_place() {
        let t = transport(100);
        assert!(render(&t, 10).iter().all(|&s| s == 0.0));
        assert_eq!(t.position(), 0);
    }

    #[test]
    fn plays_both_channels_and_advances() {
        let t = transport(100);
        t.set_playing(true);
        let buf = render(&t, 4);
        assert_eq!(buf, vec![0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
        assert_eq!(t.position(), 4);
    }

    #[test]
    fn switching_source_continues_at_the_very_next_sample() {
        let t = transport(100);
        t.set_playing(true);
        render(&t, 7);
        t.select(Source::Converted);
        let buf = render(&t, 3);
        // Sample 7, 8, 9 of the converted track.
        assert_eq!(buf, vec![-8.0, -8.0, -9.0, -9.0, -10.0, -10.0]);
        t.select(Source::Original);
        assert_eq!(render(&t, 1), vec![10.0, 10.0]);
    }

    #[test]
    fn seek_moves_the_next_sample_and_clamps_to_the_end() {
        let t = transport(100);
        t.seek(50);
        assert_eq!(t.position(), 50);
        t.set_playing(true);
        assert_eq!(render(&t, 1), vec![50.0, 50.0]);
        t.seek(1000);
        assert_eq!(t.position(), 100);
    }

    #[test]
    fn stops_at_the_end_and_rewinds() {
        let t = transport(5);
        t.set_playing(true);
        t.seek(3);
        let buf = render(&t, 4);
        assert_eq!(buf, vec![3.0, 3.0, 4.0, 4.0, 0.0, 0.0, 0.0, 0.0]);
        assert!(!t.playing());
        assert_eq!(t.position(), 0);
    }

    #[test]
    fn a_clip_plays_over_the_tracks_and_leaves_their_position() {
        let t = transport(100);
        t.set_playing(true);
        render(&t, 10);
        t.play_clip(vec![0.5, 0.25]);
        assert_eq!(render(&t, 3), vec![0.5, 0.5, 0.25, 0.25, 0.0, 0.0]);
        assert!(!t.clip_playing());
        assert_eq!(t.position(), 10);
        assert_eq!(render(&t, 1), vec![10.0, 10.0]);
    }

    #[test]
    fn nothing_loaded_cannot_play() {
        let t = Transport::new();
        t.set_playing(true);
        assert!(!t.playing());
    }
}
