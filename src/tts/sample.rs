//! A short sample of a voice, for choosing one by ear.

use std::path::Path;

use super::{init_runtime, TtsError, VoiceSpec};
use crate::audio::Audio;

/// A sentence that introduces a voice, in the voice's language (espeak voice name, e.g.
/// `en-us`, `ru`); English for languages without one here.
pub fn sample_sentence(espeak_voice: &str) -> &'static str {
    match espeak_voice.split(['-', '_']).next().unwrap_or("") {
        "ru" => "Здравствуйте! Так звучит этот голос: он прочтёт вашу запись своими словами.",
        "de" => "Hallo! So klingt diese Stimme, wenn sie Ihre Aufnahme vorliest.",
        "fr" => "Bonjour ! Voici cette voix, telle qu'elle lira votre enregistrement.",
        "es" => "¡Hola! Así suena esta voz cuando lee su grabación.",
        _ => "Hello! This is how this voice sounds when it reads your recording.",
    }
}

/// Speak the sample sentence with `voice`, loading ONNX Runtime from `runtime` if needed.
pub fn voice_sample(runtime: &Path, voice: &VoiceSpec) -> Result<Audio, TtsError> {
    if matches!(voice, VoiceSpec::Piper { .. }) {
        init_runtime(runtime)?;
    }
    let mut voice = voice.load(1)?;
    let text = sample_sentence(voice.language());
    let samples = voice.synthesize(text, 1.0)?;
    Ok(Audio::new(samples, voice.sample_rate()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_follow_the_language() {
        assert!(sample_sentence("en-us").starts_with("Hello"));
        assert!(sample_sentence("ru").starts_with("Здравствуйте"));
        assert!(sample_sentence("xx").starts_with("Hello"));
    }

    #[test]
    fn joe_speaks_a_few_seconds_of_sample() {
        let models = crate::models::ModelsDir::locate().expect("models dir (run scripts/setup.sh)");
        let runtime = models
            .onnxruntime_lib()
            .expect("onnxruntime (run scripts/setup.sh)");
        let joe = VoiceSpec::Piper {
            onnx: models.voices_dir().join("en_US-joe-medium.onnx"),
        };
        let audio = voice_sample(&runtime, &joe).expect("joe speaks");
        assert_eq!(audio.rate, 22050);
        let secs = audio.duration_secs();
        assert!((2.0..8.0).contains(&secs), "{secs} s");
        let peak = audio.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.1, "audible: peak {peak}");

        let ru = VoiceSpec::Espeak {
            language: "ru".into(),
        };
        let audio = voice_sample(&runtime, &ru).expect("espeak speaks Russian");
        assert!(audio.duration_secs() > 2.0);
    }
}
