//! Round-trip WER of a conversion (shared docs/quality.md): both files transcribed with
//! Whisper base, greedy, the same fixed language.
//! `cargo run --release --example roundtrip -- INPUT OUTPUT [LANGUAGE]`
use revoice::asr::{DecodeSettings, Recognizer, ASR_RATE};

fn transcribe(asr: &mut Recognizer, path: &str, language: &str) -> String {
    let audio = revoice::decode::decode_file(path.as_ref())
        .expect("decode")
        .audio;
    let audio = revoice::resample::resample(&audio, ASR_RATE).expect("resample");
    let settings = DecodeSettings {
        language: Some(language.into()),
        beam_size: None,
        context: revoice::asr::AudioContext::Fitted,
        word_times: Default::default(),
    };
    asr.transcribe(&audio.samples, 0, &settings, 2)
        .expect("asr")
        .text()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (input, output) = (&args[1], &args[2]);
    let language = args.get(3).map(String::as_str).unwrap_or("en");
    let models = revoice::models::ModelsDir::locate().expect("models");
    let mut asr =
        Recognizer::load(&models.whisper_model("base"), false, Default::default()).expect("load");
    let said = transcribe(&mut asr, input, language);
    let heard = transcribe(&mut asr, output, language);
    let wer = revoice::wer::wer_in(&said, &heard, language);
    println!("{{\"input\": {input:?}, \"output\": {output:?}, \"language\": {language:?}, \"wer\": {wer:.4}, \"input_words\": {}}}", revoice::wer::normalize_in(&said, language).len());
}
