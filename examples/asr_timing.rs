//! Times recognition alone on a file: `cargo run --release --example asr_timing -- FILE [MODEL] [THREADS]`.
use std::time::Instant;

use revoice::asr::{DecodeSettings, Recognizer, ASR_RATE};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = args.get(1).expect("FILE");
    let models = revoice::models::ModelsDir::locate().expect("models");
    let model = models.whisper_model(args.get(2).map(String::as_str).unwrap_or("base"));
    let threads: usize = args.get(3).and_then(|t| t.parse().ok()).unwrap_or(2);
    let audio = revoice::decode::decode_file(file.as_ref())
        .expect("decode")
        .audio;
    let audio = revoice::resample::resample(&audio, ASR_RATE).expect("resample");
    let t = Instant::now();
    let mut asr = Recognizer::load(&model, false, Default::default()).expect("load");
    println!("load {:.2} s", t.elapsed().as_secs_f64());
    let settings = DecodeSettings {
        language: Some("en".into()),
        beam_size: None,
        context: revoice::asr::AudioContext::Fitted,
        word_times: Default::default(),
    };
    for _ in 0..2 {
        let t = Instant::now();
        let tr = asr
            .transcribe(&audio.samples, 0, &settings, threads)
            .expect("asr");
        println!(
            "{:.2} s, {} segments, {} words",
            t.elapsed().as_secs_f64(),
            tr.segments.len(),
            tr.text().split_whitespace().count()
        );
    }
}
