//! Prosody transfer and voice transforms end to end, measured by the evaluator: real
//! models, real worker processes, the corpus.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use revoice::eval::{evaluate, EvalSettings, Report, TargetVoice};

fn out_dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap())
}

fn eval_settings() -> EvalSettings {
    let m = models();
    m.ensure(&["speaker-embedder.int8.onnx"])
        .expect("speaker embedder (run scripts/setup.sh)");
    let joe = revoice::tts::VoiceSpec::Piper {
        onnx: m.voices_dir().join("en_US-joe-medium.onnx"),
    };
    EvalSettings {
        whisper_model: m.whisper_model("base"),
        onnxruntime: m.onnxruntime_lib().expect("onnxruntime"),
        embedder: Some(m.file("speaker-embedder.int8.onnx")),
        target_voice: Some(TargetVoice::plain("en_US-joe-medium", joe)),
        language: Some("en".into()),
        reference: None,
        chunk_secs: 60.0,
        threads: 2,
        word_passes: 1,
    }
}

/// jfk.flac converted with prosody `on` or off (and the given transforms), then evaluated.
fn convert_jfk(name: &str, on: bool, pitch: f32, formant: f32) -> (PathBuf, Report) {
    let out = out_dir().path().join(format!("{name}.wav"));
    let mut s = settings(1, None);
    s.options.timing = Some(on);
    s.options.melody = Some(on);
    s.options.loudness = Some(on);
    s.options.pitch_shift = pitch;
    s.options.formant_shift = formant;
    run(s, &corpus("jfk.flac"), &out).0.expect("conversion");
    let report = evaluate(&corpus("jfk.flac"), &out, &eval_settings()).expect("eval");
    println!(
        "{name}: WER {:.3} F0 corr {:?} energy corr {:?} loudness diff {:?} speaker {:?} speech onsets {:?} clipped {}",
        report.wer,
        report.f0_correlation,
        report.energy_correlation,
        report.loudness_difference_lu,
        report.speaker,
        report.speech_onsets,
        report.clipped_samples
    );
    (out, report)
}

fn plain() -> &'static (PathBuf, Report) {
    static R: OnceLock<(PathBuf, Report)> = OnceLock::new();
    R.get_or_init(|| convert_jfk("plain", false, 0.0, 0.0))
}

fn prosody() -> &'static (PathBuf, Report) {
    static R: OnceLock<(PathBuf, Report)> = OnceLock::new();
    R.get_or_init(|| convert_jfk("prosody", true, 0.0, 0.0))
}

#[test]
fn melody_transfer_follows_the_speaker() {
    let (off, on) = (&plain().1, &prosody().1);
    let (f_off, f_on) = (
        off.f0_correlation.unwrap_or(0.0),
        on.f0_correlation.expect("voiced frames in both"),
    );
    assert!(f_on >= 0.7, "F0 correlation with melody on: {f_on:.3}");
    assert!(f_on > f_off + 0.3, "on {f_on:.3} vs off {f_off:.3}");
}

#[test]
fn prosody_keeps_the_words_the_loudness_and_the_voice() {
    let (off, on) = (&plain().1, &prosody().1);
    assert!(
        on.wer <= off.wer + 0.05,
        "WER on {:.3} off {:.3}",
        on.wer,
        off.wer
    );
    let diff = on.loudness_difference_lu.expect("loudness measured");
    assert!(diff.abs() <= 1.5, "loudness difference {diff:.2} LU");
    assert_eq!(on.clipped_samples, 0);
    let e_on = on.energy_correlation.unwrap();
    assert!(
        e_on > off.energy_correlation.unwrap(),
        "energy contour: on {e_on:.3}"
    );
    // Another voice: the output is Joe's, not Kennedy's.
    let s = on.speaker.as_ref().expect("speaker similarity");
    assert!(
        s.to_target.unwrap() > s.to_input + 0.2,
        "similarity to joe {:?}, to the input {}",
        s.to_target,
        s.to_input
    );
    // Seamless joins: no step at a join beyond the signal's ordinary ones.
    assert!(
        on.join_jump_ratio.unwrap_or(0.0) < 2.0,
        "{:?}",
        on.join_jump_ratio
    );
}

/// Median F0 of a file (Hz).
fn median_f0(path: &Path) -> f32 {
    let (x, rate) = samples_of(path);
    revoice::prosody::pitch::track(&x, rate)
        .median()
        .expect("voiced speech")
}

#[test]
fn a_deeper_voice_is_lower_and_keeps_the_words() {
    let (deeper, report) = convert_jfk("deeper", true, -3.0, -2.0);
    let (base, base_report) = prosody();
    let shift = 12.0 * (median_f0(&deeper) / median_f0(base)).log2();
    assert!(
        (shift + 3.0).abs() < 1.0,
        "pitch moved {shift:.2} semitones"
    );
    assert!(
        report.wer <= base_report.wer + 0.05,
        "WER {:.3} against {:.3} untransformed",
        report.wer,
        base_report.wer
    );
    // A voice of its own: the output sounds like Joe made deeper (the evaluator's target
    // voice with the same transforms), more than like Joe himself or like the input.
    let mut s = eval_settings();
    if let Some(target) = s.target_voice.as_mut() {
        target.pitch_shift = -3.0;
        target.formant_shift = -2.0;
    }
    let transformed = evaluate(&corpus("jfk.flac"), &deeper, &s).expect("eval");
    let (to_plain, to_deeper) = (
        report.speaker.as_ref().and_then(|s| s.to_target).unwrap(),
        transformed
            .speaker
            .as_ref()
            .and_then(|s| s.to_target)
            .unwrap(),
    );
    let to_input = transformed.speaker.as_ref().unwrap().to_input;
    println!("deeper output: similarity to deeper joe {to_deeper:.3}, to joe {to_plain:.3}, to the input {to_input:.3}");
    assert!(
        to_deeper > to_plain + 0.05 && to_deeper > to_input + 0.2,
        "similarity to deeper joe {to_deeper:.3}, to joe {to_plain:.3}, to the input {to_input:.3}"
    );
}

/// The evaluator hears a file longer than a chunk piece by piece (cut where a conversion
/// would cut it) and puts the pieces back on one timeline: the lecture against a copy of
/// itself 300 ms late, in 20 s pieces, is heard in full and every word is found 300 ms late
/// (the word-time passes included).
#[test]
fn the_evaluator_hears_a_long_file_in_pieces_on_one_timeline() {
    let mut s = eval_settings();
    s.embedder = None;
    s.chunk_secs = 20.0;
    // As `revoice eval` hears them: several passes, each a few ms later than the last.
    s.word_passes = revoice::eval::WORD_PASSES;
    s.reference =
        Some(revoice::eval::read_reference(&corpus("reference/lecture_en.json")).unwrap());
    let lecture = corpus("lecture_en.wav");
    let mut late = revoice::decode::decode_file(&lecture).unwrap().audio;
    let delay = late.rate as usize * 3 / 10;
    late.samples.splice(0..0, std::iter::repeat_n(0.0, delay));
    let late_path = out_dir().path().join("lecture_late.wav");
    revoice::encode::write_audio(&late_path, &late).unwrap();

    let report = evaluate(&lecture, &late_path, &s).expect("eval");
    let input_wer = report.input_wer.expect("reference given");
    assert!(
        input_wer < 0.2,
        "the lecture heard in pieces: WER {input_wer:.3}"
    );
    assert!(report.wer < 0.05, "round trip WER {:.3}", report.wer);
    let onsets = report.onsets.expect("words matched");
    assert!(onsets.matched > 100, "{} words matched", onsets.matched);
    println!("onsets {onsets:?}");
    // Measured: median 300, p95 301 (the passes' delays are taken back out exactly).
    assert!(
        (290.0..=310.0).contains(&onsets.median_ms) && onsets.p95_ms <= 330.0,
        "words found {} ms late (p95 {} ms)",
        onsets.median_ms,
        onsets.p95_ms
    );
}
