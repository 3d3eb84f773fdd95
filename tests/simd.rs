//! Workers start from the AVX-512 build that setup puts beside `revoice` (where the CPU
//! has AVX-512 with VNNI), and from `revoice` itself with `REVOICE_SIMD=avx2`; both
//! recognise and speak the same words.

use std::process::Command;

use revoice::workers::program::{cpu_has_avx512, FAST_BUILD};

mod common;
use common::corpus;

/// Converts jfk (fast quality, no cache) and returns the summary's `simd` (with its reason)
/// and transcript.
fn convert(simd_env: Option<&str>) -> (String, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.wav");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_revoice"));
    cmd.arg("convert")
        .arg(corpus("jfk.flac"))
        .arg("-o")
        .arg(&out)
        .args(["--quality", "fast", "--no-cache", "--json"]);
    if let Some(v) = simd_env {
        cmd.env("REVOICE_SIMD", v);
    }
    let run = cmd.output().expect("run revoice");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).expect("summary JSON");
    let summary = summary
        .as_array()
        .and_then(|a| a.first())
        .expect("one file");
    let text: Vec<&str> = summary["transcript"]
        .as_array()
        .expect("transcript")
        .iter()
        .filter_map(|l| l["text"].as_str())
        .collect();
    let simd = summary["simd"].as_str().expect("simd");
    let why = summary["simd_why"].as_str().expect("simd_why");
    (format!("{simd} ({why})"), text.join(" "))
}

#[test]
fn workers_use_the_avx512_build_where_the_cpu_has_it() {
    let fast = std::path::Path::new(env!("CARGO_BIN_EXE_revoice")).with_file_name(FAST_BUILD);
    let expected = if fast.is_file() && cpu_has_avx512() {
        "avx512 "
    } else {
        "avx2 "
    };
    let (simd, text) = convert(None);
    assert!(
        simd.starts_with(expected),
        "{simd}, expected {expected}({FAST_BUILD} beside revoice: {})",
        fast.is_file()
    );
    let (portable, portable_text) = convert(Some("avx2"));
    assert!(portable.starts_with("avx2 "), "{portable}");
    for said in [&text, &portable_text] {
        let wer = revoice::wer::wer_in(
            "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.",
            said,
            "en",
        );
        assert!(wer < 0.1, "{said}");
    }
}
