//! Encoder passes that hear only silence are skipped.
//!
//! whisper.cpp encodes 30 s at a time and, after decoding, moves its window to the last
//! timestamp it decoded: whatever follows is encoded again, a whole 30 s pass however
//! little is left. After the last words of a call that is usually the pause they end on
//! (calls are cut at pauses) and the second of silence the recogniser appends (see
//! `transcribe_window`): a pass that costs as much as one over speech and that at best
//! decodes nothing, at worst a word that was not said. [`TailGuard`] is whisper.cpp's
//! encoder callback: before every pass after the first it looks at the audio left and
//! lets the pass run only when there is speech in it.

use std::ffi::{c_char, c_void, CStr};
use std::sync::Once;

use whisper_rs_sys::{whisper_context, whisper_state};

use super::ASR_RATE;

/// Audio 10 ms frames, and their loudness.
const FRAME: usize = ASR_RATE as usize / 100;
/// A frame is loud when its energy is within this many dB of the call's loudest frame.
const LOUD_DB: f32 = 30.0;
/// The decoded words' last timestamp often falls before the end of the last word's sound:
/// the first this-many frames after it are not counted.
const AFTER_LAST_WORD: usize = 25;
/// Speech left: at least this many loud frames (100 ms) after that.
const MIN_LOUD_FRAMES: usize = 10;

/// What the encoder callback knows about one call: the energy of each 10 ms frame of the
/// call's audio (without the silence appended to it), and how many passes it allowed.
pub struct TailGuard {
    energy: Vec<f32>,
    threshold: f32,
    passes: usize,
    skipped: usize,
}

impl TailGuard {
    pub fn new(samples: &[f32]) -> Self {
        let energy: Vec<f32> = samples
            .chunks(FRAME)
            .map(|c| c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32)
            .collect();
        let peak = energy.iter().cloned().fold(0.0f32, f32::max);
        Self {
            energy,
            threshold: peak * 10f32.powf(-LOUD_DB / 10.0),
            passes: 0,
            skipped: 0,
        }
    }

    /// Encoder passes run in the call so far, and passes skipped.
    pub fn passes(&self) -> (usize, usize) {
        (self.passes, self.skipped)
    }

    /// Whether the audio from `from_cs` (centiseconds into the call) holds speech.
    fn speech_after(&self, from_cs: usize) -> bool {
        self.energy
            .iter()
            .skip(from_cs + AFTER_LAST_WORD)
            .filter(|&&e| e > self.threshold)
            .count()
            >= MIN_LOUD_FRAMES
    }

    /// The decision before a pass, given where the last decoded segment ended (`None`:
    /// nothing decoded yet).
    fn allow(&mut self, last_end_cs: Option<usize>) -> bool {
        let allow = match last_end_cs {
            _ if self.passes == 0 => true,
            None => true,
            Some(end) => self.speech_after(end),
        };
        if allow {
            self.passes += 1;
        } else {
            self.skipped += 1;
        }
        allow
    }

    /// The callback to give whisper.cpp, with `self` as its user data.
    pub fn callback(&mut self) -> (whisper_rs::WhisperStartEncoderCallback, *mut c_void) {
        (Some(before_pass), self as *mut Self as *mut c_void)
    }
}

/// whisper.cpp's `encoder_begin_callback`: `false` ends the call, keeping what it decoded.
unsafe extern "C" fn before_pass(
    _ctx: *mut whisper_context,
    state: *mut whisper_state,
    user_data: *mut c_void,
) -> bool {
    if user_data.is_null() || state.is_null() {
        return true;
    }
    // SAFETY: `user_data` is the `TailGuard` `callback` was called on, which outlives the
    // whisper.cpp call it was given to; `state` is that call's state, read here only.
    let guard = unsafe { &mut *(user_data as *mut TailGuard) };
    let n = unsafe { whisper_rs_sys::whisper_full_n_segments_from_state(state) };
    let last_end = (n > 0).then(|| {
        let t1 = unsafe { whisper_rs_sys::whisper_full_get_segment_t1_from_state(state, n - 1) };
        t1.max(0) as usize
    });
    guard.allow(last_end)
}

/// Routes whisper.cpp's log to `tracing`, as whisper-rs does, except the line whisper.cpp
/// writes when [`TailGuard`] ends a call ("encoder_begin_callback returned false"), which
/// is no error here and goes to debug.
pub fn install_log() {
    static INSTALL: Once = Once::new();
    whisper_rs::install_logging_hooks();
    INSTALL.call_once(|| unsafe {
        whisper_rs_sys::whisper_log_set(Some(log_line), std::ptr::null_mut())
    });
}

unsafe extern "C" fn log_line(
    level: whisper_rs_sys::ggml_log_level,
    text: *const c_char,
    _: *mut c_void,
) {
    if text.is_null() {
        return;
    }
    // SAFETY: whisper.cpp passes a NUL-terminated string that lives for this call.
    let text = unsafe { CStr::from_ptr(text) }.to_string_lossy();
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    use whisper_rs::GGMLLogLevel as L;
    match L::from(level) {
        _ if text.contains("encoder_begin_callback returned false") => {
            tracing::debug!("{text}")
        }
        L::Error => tracing::error!("{text}"),
        L::Warn => tracing::warn!("{text}"),
        L::Info => tracing::info!("{text}"),
        L::Debug => tracing::debug!("{text}"),
        _ => tracing::trace!("{text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 3 s: a tone (speech) for the first 2 s, then near silence.
    fn call() -> Vec<f32> {
        (0..3 * ASR_RATE as usize)
            .map(|i| {
                let a = if i < 2 * ASR_RATE as usize {
                    0.5
                } else {
                    0.0005
                };
                a * (i as f32 * 0.05).sin()
            })
            .collect()
    }

    #[test]
    fn the_first_pass_always_runs() {
        let mut g = TailGuard::new(&vec![0.0; ASR_RATE as usize]);
        assert!(g.allow(Some(0)));
        assert_eq!(g.passes(), (1, 0));
    }

    #[test]
    fn a_pass_over_silence_is_skipped() {
        let mut g = TailGuard::new(&call());
        assert!(g.allow(None));
        // The decoded words end at 2.0 s: what follows is 40 dB down.
        assert!(!g.allow(Some(200)));
        assert_eq!(g.passes(), (1, 1));
    }

    #[test]
    fn a_pass_over_speech_runs() {
        let mut g = TailGuard::new(&call());
        assert!(g.allow(None));
        // Decoded up to 1.0 s: a second of the tone is left.
        assert!(g.allow(Some(100)));
        // Nothing decoded after the first pass: the next one runs.
        assert!(g.allow(None));
        assert_eq!(g.passes(), (3, 0));
    }

    #[test]
    fn the_end_of_the_last_word_is_not_speech_left() {
        // Decoded up to 1.9 s: the 100 ms of tone after it is the last word's tail.
        let mut g = TailGuard::new(&call());
        assert!(g.allow(None));
        assert!(!g.allow(Some(190)));
    }
}
