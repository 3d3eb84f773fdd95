//! libespeak-ng, linked as a library: one process-wide instance (the library is not
//! thread-safe and keeps one current voice), used for phonemes (Piper voices, see
//! `phonemize`) and as a synthesizer of its own ([`EspeakVoice`]), the always-there
//! fallback for every language espeak-ng knows. Its formant voices are intelligible and
//! robotic, and the catalog says so.

use std::cell::RefCell;
use std::ffi::{c_int, CStr, CString};
use std::sync::Mutex;

use super::stress_marks::for_voice;
use super::{TtsError, Voice};

/// Raw bindings to the few libespeak-ng functions used (see `espeak-ng/speak_lib.h`).
pub(super) mod ffi {
    use std::ffi::{c_char, c_int, c_short, c_uint, c_void};

    /// `AUDIO_OUTPUT_SYNCHRONOUS`: no audio device; synthesis calls the callback in place.
    pub const AUDIO_OUTPUT_SYNCHRONOUS: c_int = 2;
    /// `espeakCHARS_UTF8`.
    pub const CHARS_UTF8: c_int = 1;
    /// `espeakPHONEMES`: `[[...]]` in the text are phoneme names.
    pub const PHONEME_INPUT: c_int = 0x100;
    /// `phonememode` bit 1: IPA (UTF-8) instead of eSpeak's ASCII phoneme names.
    pub const PHONEMES_IPA: c_int = 0x02;
    /// `EE_OK`.
    pub const EE_OK: c_int = 0;
    /// `POS_CHARACTER`.
    pub const POS_CHARACTER: c_int = 1;
    /// `espeakRATE` and its limits (words per minute).
    pub const RATE: c_int = 1;
    pub const RATE_MIN: f32 = 80.0;
    pub const RATE_MAX: f32 = 450.0;
    pub const RATE_NORMAL: f32 = 175.0;

    /// `t_espeak_callback`: samples, their count, events; return 0 to go on.
    pub type SynthCallback = extern "C" fn(*mut c_short, c_int, *mut c_void) -> c_int;

    #[link(name = "espeak-ng")]
    extern "C" {
        pub fn espeak_Initialize(
            output: c_int,
            buflength: c_int,
            path: *const c_char,
            options: c_int,
        ) -> c_int;
        pub fn espeak_SetVoiceByName(name: *const c_char) -> c_int;
        pub fn espeak_TextToPhonemes(
            textptr: *mut *const c_void,
            textmode: c_int,
            phonememode: c_int,
        ) -> *const c_char;
        pub fn espeak_SetSynthCallback(callback: SynthCallback);
        pub fn espeak_SetParameter(parameter: c_int, value: c_int, relative: c_int) -> c_int;
        pub fn espeak_Synth(
            text: *const c_void,
            size: usize,
            position: c_uint,
            position_type: c_int,
            end_position: c_uint,
            flags: c_uint,
            unique_identifier: *mut c_uint,
            user_data: *mut c_void,
        ) -> c_int;
        pub fn espeak_Synchronize() -> c_int;
    }
}

/// The initialised library: its output rate and the voice selected last.
pub(super) struct Espeak {
    pub rate: u32,
    voice: Option<String>,
    /// Whether `[[...]]` is read as phonemes yet (see [`with_voice`]).
    phoneme_input: bool,
}

/// `None` until espeak-ng has been initialised once in this process.
static ESPEAK: Mutex<Option<Espeak>> = Mutex::new(None);

thread_local! {
    /// Samples the synthesis callback hands over (it runs on the synthesising thread).
    static SYNTH_OUT: RefCell<Vec<i16>> = const { RefCell::new(Vec::new()) };
}

extern "C" fn collect_samples(
    wav: *mut i16,
    count: c_int,
    _events: *mut std::ffi::c_void,
) -> c_int {
    if !wav.is_null() && count > 0 {
        // SAFETY: espeak-ng passes `count` valid samples at `wav` for the duration of the call.
        let samples = unsafe { std::slice::from_raw_parts(wav, count as usize) };
        SYNTH_OUT.with(|out| out.borrow_mut().extend_from_slice(samples));
    }
    0
}

/// Run `f` with espeak-ng initialised and `voice` (e.g. `en-us`, `ru`) selected.
pub(super) fn with_voice<R>(voice: &str, f: impl FnOnce(&mut Espeak) -> R) -> Result<R, TtsError> {
    let mut guard = ESPEAK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if guard.is_none() {
        // SAFETY: called once, under the process-wide lock; a NULL path selects the system
        // espeak-ng-data directory.
        let rate = unsafe {
            ffi::espeak_Initialize(ffi::AUDIO_OUTPUT_SYNCHRONOUS, 0, std::ptr::null(), 0)
        };
        if rate <= 0 {
            return Err(TtsError::EspeakInit(format!(
                "espeak_Initialize returned {rate}; is the espeak-ng-data package installed?"
            )));
        }
        // SAFETY: the callback is a plain function that only copies the samples it is given.
        unsafe { ffi::espeak_SetSynthCallback(collect_samples) };
        tracing::debug!(rate, "espeak-ng initialised");
        *guard = Some(Espeak {
            rate: rate as u32,
            voice: None,
            phoneme_input: false,
        });
    }
    let espeak = guard
        .as_mut()
        .ok_or_else(|| TtsError::EspeakInit("espeak-ng state missing".into()))?;
    espeak.set_voice(voice)?;
    if !espeak.phoneme_input {
        // espeak-ng reads `[[...]]` as phonemes once a synthesis has asked for it
        // (espeakPHONEMES is a flag of espeak_Synth only, and it stays on); every later
        // synthesis asks too. From then on espeak_TextToPhonemes honours it as well, which
        // is how explicit stress reaches voices that only take espeak-ng's phonemes.
        espeak
            .synth(c" ", ffi::RATE_NORMAL)
            .map_err(TtsError::EspeakInit)?;
        espeak.phoneme_input = true;
    }
    Ok(f(espeak))
}

impl Espeak {
    fn set_voice(&mut self, voice: &str) -> Result<(), TtsError> {
        if self.voice.as_deref() == Some(voice) {
            return Ok(());
        }
        let bad_voice = |reason: &str| TtsError::Phonemize {
            voice: voice.to_owned(),
            reason: reason.to_owned(),
        };
        let cvoice = CString::new(voice).map_err(|_| bad_voice("voice name contains NUL"))?;
        // SAFETY: espeak is initialised and we hold the global lock; cvoice outlives the call.
        let rc = unsafe { ffi::espeak_SetVoiceByName(cvoice.as_ptr()) };
        if rc != ffi::EE_OK {
            // A failed switch may leave espeak without a usable voice: force a reselect next time.
            self.voice = None;
            return Err(bad_voice(&format!(
                "espeak-ng has no voice of that name (error {rc})"
            )));
        }
        self.voice = Some(voice.to_owned());
        Ok(())
    }

    /// Speak `text` at `words_per_minute` with the current voice; samples at `self.rate`.
    fn synth(&mut self, text: &CStr, words_per_minute: f32) -> Result<Vec<f32>, String> {
        let wpm = words_per_minute.clamp(ffi::RATE_MIN, ffi::RATE_MAX).round() as c_int;
        SYNTH_OUT.with(|out| out.borrow_mut().clear());
        let bytes = text.to_bytes_with_nul();
        // SAFETY: espeak is initialised and the caller holds the global lock; `text` is
        // NUL-terminated and outlives the synchronous call, which delivers all samples to
        // the callback before espeak_Synchronize returns.
        let rc = unsafe {
            ffi::espeak_SetParameter(ffi::RATE, wpm, 0);
            let rc = ffi::espeak_Synth(
                bytes.as_ptr().cast(),
                bytes.len(),
                0,
                ffi::POS_CHARACTER,
                0,
                (ffi::CHARS_UTF8 | ffi::PHONEME_INPUT) as u32,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
            ffi::espeak_Synchronize();
            rc
        };
        if rc != ffi::EE_OK {
            return Err(format!("espeak_Synth returned {rc}"));
        }
        Ok(SYNTH_OUT.with(|out| {
            out.borrow_mut()
                .drain(..)
                .map(|s| s as f32 / 32768.0)
                .collect()
        }))
    }
}

/// espeak-ng's own voice for one language (`espeak:ru`, `espeak:de`, ...).
pub struct EspeakVoice {
    id: String,
    language: String,
    rate: u32,
}

impl EspeakVoice {
    /// The voice for espeak-ng language `language` (e.g. `ru`, `de`, `en-us`).
    pub fn load(language: &str) -> Result<Self, TtsError> {
        let rate = with_voice(language, |e| e.rate)?;
        Ok(Self {
            id: format!("espeak:{language}"),
            language: language.to_string(),
            rate,
        })
    }
}

impl Voice for EspeakVoice {
    fn id(&self) -> &str {
        &self.id
    }

    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn language(&self) -> &str {
        &self.language
    }

    fn synthesize(&mut self, text: &str, length_scale: f32) -> Result<Vec<f32>, TtsError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let text = text.replace('\0', " ");
        let wpm = ffi::RATE_NORMAL / length_scale.max(0.1);
        with_voice(&self.language, |e| {
            let spoken = for_voice(&text, &self.language);
            let ctext = CString::new(spoken).map_err(|_| "text contains a NUL byte".to_string())?;
            e.synth(&ctext, wpm)
        })?
        .map_err(|reason| TtsError::Phonemize {
            voice: self.id.clone(),
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(samples: &[f32], rate: u32) -> f64 {
        samples.len() as f64 / rate as f64
    }

    #[test]
    fn speaks_russian_and_german_and_its_pace_follows_the_length_scale() {
        let mut ru = EspeakVoice::load("ru").unwrap();
        assert_eq!(ru.id(), "espeak:ru");
        let normal = ru
            .synthesize("Мы пили молоко и ели белые грибы.", 1.0)
            .unwrap();
        let slow = ru
            .synthesize("Мы пили молоко и ели белые грибы.", 1.5)
            .unwrap();
        let rate = ru.sample_rate();
        assert!(secs(&normal, rate) > 1.0, "{} s", secs(&normal, rate));
        assert!(
            secs(&slow, rate) > secs(&normal, rate) * 1.2,
            "slower at 1.5"
        );
        let peak = normal.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.1, "audible: {peak}");

        let mut de = EspeakVoice::load("de").unwrap();
        assert!(!de
            .synthesize("Guten Morgen, wie geht es Ihnen?", 1.0)
            .unwrap()
            .is_empty());
        assert!(de.synthesize("  ", 1.0).unwrap().is_empty());
    }

    #[test]
    fn an_unknown_language_is_an_error() {
        assert!(EspeakVoice::load("xx-nonexistent").is_err());
    }
}
