//! Shared helpers for the integration tests: corpus paths, engine settings with the real
//! models, running a conversion, and transcribing a file for round-trip checks.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use revoice::asr::{DecodeSettings, Recognizer, ASR_RATE};
use revoice::models::ModelsDir;
use revoice::options::Options;
use revoice::pipeline::{ConvertSettings, Engine, Progress, ProgressSink, Summary};
use revoice::settings::{Device, Quality};
use revoice::workers::program::WorkerProgram;
use tokio_util::sync::CancellationToken;

/// A corpus file: in `$REVOICE_CORPUS` when set, else in the `shared/corpus` beside the
/// checkout (as the library's own tests look for it).
pub fn corpus(name: &str) -> PathBuf {
    let dir = std::env::var_os("REVOICE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    dir.join(name)
}

pub fn models() -> ModelsDir {
    let m = ModelsDir::locate().expect("models dir (run scripts/setup.sh)");
    m.ensure(&[
        "ggml-base.bin",
        "ggml-base-q8_0.bin",
        "ggml-tiny.en.bin",
        "en_US-joe-medium.onnx",
        "en_US-joe-medium.onnx.json",
    ])
    .expect("models prepared (run scripts/setup.sh)");
    m
}

pub fn settings(workers: usize, cache_dir: Option<&Path>) -> ConvertSettings {
    let m = models();
    ConvertSettings {
        options: Options {
            model: revoice::options::DEFAULT_MODEL.into(),
            language: "auto".into(),
            quality: Quality::Normal,
            device: Device::Cpu,
            workers: Some(workers),
            threads: Some(1),
            chunk_secs: 60.0,
            use_cache: cache_dir.is_some(),
            ..Options::default()
        },
        whisper_model: m.whisper_model(revoice::options::DEFAULT_MODEL),
        voices: {
            let joe = revoice::tts::VoiceSpec::Piper {
                onnx: m.voices_dir().join("en_US-joe-medium.onnx"),
            };
            let mut plan = revoice::tts::VoicePlan::single(joe, "en");
            plan.voices_dir = m.voices_dir();
            plan
        },
        onnxruntime: m.onnxruntime_lib().expect("onnxruntime"),
        stress_dir: m.root().to_path_buf(),
        cache_dir: cache_dir.map(Path::to_path_buf),
        worker: WorkerProgram::this_build(
            PathBuf::from(env!("CARGO_BIN_EXE_revoice")),
            "the tests' own build",
        ),
        chunk_timeout: None,
    }
}

/// Every progress event of a run, and a hook to act on them as they come.
pub struct Recorder {
    pub events: Mutex<Vec<Progress>>,
}

pub fn run(
    settings: ConvertSettings,
    input: &Path,
    output: &Path,
) -> (Result<Summary, revoice::Error>, Vec<Progress>) {
    run_with(settings, input, output, |_| {})
}

pub fn run_with(
    settings: ConvertSettings,
    input: &Path,
    output: &Path,
    hook: impl Fn(&Progress) + Send + Sync + 'static,
) -> (Result<Summary, revoice::Error>, Vec<Progress>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let sink: ProgressSink = Arc::new(move |p: Progress| {
        hook(&p);
        seen.lock().unwrap().push(p);
    });
    let result = rt.block_on(async {
        let mut engine = Engine::new(settings)?;
        let r = engine
            .convert(input, output, &sink, &CancellationToken::new())
            .await;
        engine.shutdown().await;
        r
    });
    let events = events.lock().unwrap().clone();
    (result, events)
}

/// Transcribe a whole file with Whisper base, greedy, the language fixed (quality.md).
pub fn transcribe(path: &Path, language: &str) -> String {
    let decoded = revoice::decode::decode_file(path).unwrap();
    let audio = revoice::resample::resample(&decoded.audio, ASR_RATE).unwrap();
    let mut asr =
        Recognizer::load(&models().whisper_model("base"), false, Default::default()).unwrap();
    let settings = DecodeSettings {
        language: Some(language.into()),
        beam_size: None,
        context: revoice::asr::AudioContext::Full,
        word_times: Default::default(),
    };
    asr.transcribe(&audio.samples, 0, &settings, 2)
        .unwrap()
        .text()
}

/// Round-trip WER of `output` against `input` as `revoice eval` measures it
/// (docs/quality.md): both heard by Whisper base in pieces cut where a conversion in
/// `chunk_secs` chunks cuts the input, so whisper.cpp's seeking over a long file cannot
/// skip or repeat text. Returns the WER and both texts.
pub fn round_trip(
    input: &Path,
    output: &Path,
    language: &str,
    chunk_secs: f64,
) -> (f64, String, String) {
    let m = models();
    let settings = revoice::eval::EvalSettings {
        whisper_model: m.whisper_model("base"),
        onnxruntime: m.onnxruntime_lib().expect("onnxruntime"),
        embedder: None,
        target_voice: None,
        language: Some(language.into()),
        reference: None,
        chunk_secs,
        threads: 2,
        word_passes: 1,
    };
    let report = revoice::eval::evaluate(input, output, &settings).expect("eval");
    (report.wer, report.input_text, report.output_text)
}

pub fn samples_of(path: &Path) -> (Vec<f32>, u32) {
    let d = revoice::decode::decode_file(path).unwrap();
    (d.audio.samples, d.audio.rate)
}
