//! The 8-bit joe voice (`revoice models prepare` quantizes it; the default presets speak
//! with it) against the float voice it is made from.

mod common;

use revoice::asr::{AudioContext, DecodeSettings, Recognizer, ASR_RATE};
use revoice::audio::Audio;
use revoice::eval::speaker::{cosine, Embedder};
use revoice::tts::{init_runtime, PiperVoice};

const TEXT: &str = "And so, my fellow Americans, ask not what your country can do for you; \
                    ask what you can do for your country.";

fn speak(voice: &mut PiperVoice) -> Vec<f32> {
    let speech = voice.synthesize(TEXT, 1.0).unwrap();
    revoice::resample::resample(&Audio::new(speech, voice.sample_rate()), ASR_RATE)
        .unwrap()
        .samples
}

#[test]
fn the_8_bit_voice_is_smaller_and_says_the_same_words_in_the_same_voice() {
    let models = common::models();
    let (float, int8) = (
        models.voices_dir().join("en_US-joe-medium.onnx"),
        models.voices_dir().join("en_US-joe-medium-int8.onnx"),
    );
    models
        .ensure(&[
            "en_US-joe-medium-int8.onnx",
            "en_US-joe-medium-int8.onnx.json",
            "speaker-embedder.int8.onnx",
        ])
        .expect("models prepared (run scripts/setup.sh)");
    let size = |p: &std::path::Path| std::fs::metadata(p).unwrap().len() as f64;
    assert!(
        size(&int8) < 0.4 * size(&float),
        "{} vs {}",
        size(&int8),
        size(&float)
    );

    init_runtime(&models.onnxruntime_lib().unwrap()).unwrap();
    let a = speak(&mut PiperVoice::load(&float, 2).unwrap());
    let b = speak(&mut PiperVoice::load(&int8, 2).unwrap());
    // Same durations predicted (within 5 %), so word timing does not change with it.
    let ratio = b.len() as f64 / a.len() as f64;
    assert!((0.95..1.05).contains(&ratio), "length ratio {ratio:.3}");

    let mut asr =
        Recognizer::load(&models.whisper_model("base"), false, Default::default()).unwrap();
    let settings = DecodeSettings {
        language: Some("en".into()),
        beam_size: None,
        context: AudioContext::Full,
        word_times: Default::default(),
    };
    for (name, speech) in [("float", &a), ("8-bit", &b)] {
        let heard = asr.transcribe(speech, 0, &settings, 2).unwrap().text();
        let wer = revoice::wer::wer(TEXT, &heard);
        assert!(wer <= 0.05, "{name} voice: WER {wer:.3}: {heard}");
    }

    let mut embedder = Embedder::load(&models.file("speaker-embedder.int8.onnx"), 2).unwrap();
    let similarity = cosine(&embedder.embed(&a).unwrap(), &embedder.embed(&b).unwrap());
    println!("length ratio {ratio:.3}, speaker similarity {similarity:.3}");
    assert!(similarity > 0.9, "speaker similarity {similarity:.3}");
}
