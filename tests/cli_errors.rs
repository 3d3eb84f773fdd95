//! Bad input through the real `revoice` binary: one clear line naming the file and the
//! problem, a non-zero exit, and no output file.

use std::path::Path;
use std::process::Command;

mod common;
use common::corpus;

fn revoice(args: &[&str], env: &[(&str, &Path)]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_revoice"));
    cmd.args(args).env(
        "REVOICE_CACHE_DIR",
        std::env::temp_dir().join("revoice-test-cache"),
    );
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run revoice");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a conversion expected to fail and checks the error line and that no output appeared.
fn fails_with(input: &Path, expect: &[&str], env: &[(&str, &Path)]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wav");
    let (ok, stderr) = revoice(
        &[
            "convert",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        env,
    );
    assert!(!ok, "expected failure for {}", input.display());
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("revoice:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line, got:\n{stderr}");
    for word in expect {
        assert!(
            lines[0].contains(word),
            "error line {:?} lacks {word:?}",
            lines[0]
        );
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing written for {}",
        input.display()
    );
}

fn write_wav(path: &Path, samples: &[i16], rate: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for s in samples {
        w.write_sample(*s).unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn a_missing_file_is_named() {
    fails_with(
        Path::new("/no/such/talk.wav"),
        &["/no/such/talk.wav", "not found"],
        &[],
    );
}

#[test]
fn a_text_file_is_not_audio() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.wav");
    std::fs::write(&p, "these are my notes, not a recording\n".repeat(50)).unwrap();
    fails_with(&p, &["notes.wav", "not a supported audio file"], &[]);
}

#[test]
fn an_empty_recording_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.wav");
    write_wav(&p, &[], 16_000);
    fails_with(&p, &["empty.wav", "no audio"], &[]);
    let zero = dir.path().join("zero.wav");
    std::fs::write(&zero, b"").unwrap();
    fails_with(&zero, &["zero.wav"], &[]);
}

#[test]
fn a_truncated_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.flac");
    let full = std::fs::read(corpus("jfk.flac")).unwrap();
    std::fs::write(&p, &full[..full.len() / 3]).unwrap();
    fails_with(&p, &["cut.flac", "truncated"], &[]);
    // Most of the file there: still refused, since the output would silently be shorter.
    let wav = dir.path().join("cut.wav");
    let full = std::fs::read(corpus("lecture_en.wav")).unwrap();
    std::fs::write(&wav, &full[..full.len() * 4 / 5]).unwrap();
    fails_with(&wav, &["cut.wav", "truncated"], &[]);
}

#[test]
fn an_unwritable_output_is_refused_before_any_work() {
    let (ok, stderr) = revoice(
        &[
            "convert",
            corpus("jfk.flac").to_str().unwrap(),
            "-o",
            "/proc/revoice/out.wav",
        ],
        &[],
    );
    assert!(!ok);
    assert!(stderr.contains("/proc/revoice/out.wav"), "{stderr}");
    assert!(!Path::new("/proc/revoice/out.wav").exists());
}

#[test]
fn an_unknown_output_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.xyz");
    let (ok, stderr) = revoice(
        &[
            "convert",
            corpus("jfk.flac").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!ok);
    assert!(
        stderr.contains("out.xyz") && stderr.contains("wav"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn a_missing_model_names_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path()).unwrap();
    fails_with(
        &corpus("jfk.flac"),
        &["ggml-base-q8_0.bin", "revoice models prepare"],
        &[("REVOICE_MODELS", dir.path())],
    );
}

#[test]
fn an_unknown_voice_lists_the_installed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wav");
    let (ok, stderr) = revoice(
        &[
            "convert",
            corpus("jfk.flac").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--voice",
            "nobody",
        ],
        &[],
    );
    assert!(!ok);
    assert!(
        stderr.contains("nobody") && stderr.contains("en_US-joe-medium"),
        "{stderr}"
    );
}

#[test]
fn a_voice_per_language_must_be_lang_equals_an_installed_voice() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wav");
    let convert = |voice_for: &str| {
        revoice(
            &[
                "convert",
                corpus("jfk.flac").to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--voice-for",
                voice_for,
            ],
            &[],
        )
    };
    let (ok, stderr) = convert("ru");
    assert!(!ok);
    assert!(stderr.contains("is not LANG=VOICE"), "{stderr}");
    let (ok, stderr) = convert("ru=nobody");
    assert!(!ok);
    assert!(stderr.contains("nobody"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn cuda_without_a_cuda_build_says_so() {
    if cfg!(feature = "cuda") {
        return;
    }
    let (ok, stderr) = revoice(
        &[
            "convert",
            corpus("jfk.flac").to_str().unwrap(),
            "--device",
            "cuda",
        ],
        &[],
    );
    assert!(!ok);
    assert!(stderr.contains("no CUDA support"), "{stderr}");
}

#[test]
fn the_input_is_never_touched() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.flac");
    let full = std::fs::read(corpus("jfk.flac")).unwrap();
    std::fs::write(&p, &full[..full.len() / 3]).unwrap();
    let before = std::fs::read(&p).unwrap();
    let _ = revoice(&["convert", p.to_str().unwrap()], &[]);
    assert_eq!(std::fs::read(&p).unwrap(), before);
    assert!(!dir.path().join("cut.revoiced.wav").exists());
}

#[test]
fn eval_of_a_missing_file_says_which() {
    let (ok, stderr) = revoice(&["eval", "/no/such/input.wav", "/no/such/output.wav"], &[]);
    assert!(!ok);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("revoice:"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].contains("/no/such/input.wav") && lines[0].contains("not found"),
        "{stderr}"
    );
}

#[test]
fn a_shift_beyond_an_octave_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wav");
    let input = corpus("jfk.flac");
    let (ok, stderr) = revoice(
        &[
            "convert",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--pitch-shift",
            "-20",
        ],
        &[],
    );
    assert!(!ok);
    assert!(stderr.contains("pitch shift -20 semitones"), "{stderr}");
    assert!(!out.exists());
}
