//! Which executable runs the workers.
//!
//! The release build is portable: whisper.cpp compiled for AVX2 (`.cargo/config.toml`), so
//! it runs on any x86-64 CPU of the last decade. Setup also builds the same sources with
//! AVX-512 and VNNI (`scripts/setup.sh`, when the CPU has them) and puts that executable
//! beside this one as [`FAST_BUILD`]. Workers start from it when this CPU has the
//! instructions and it is the same code (its [`BUILD_ID`] matches ours); otherwise from this
//! executable. Recognition is about a tenth faster that way (docs/benchmarks-notes.md).
//! `REVOICE_SIMD=avx2` keeps the portable build.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use serde::Serialize;

/// The AVX-512 build's file name beside the portable executable.
pub const FAST_BUILD: &str = "revoice-avx512";

/// A hash of the sources this executable was built from (`build.rs`).
pub const BUILD_ID: &str = env!("REVOICE_BUILD_ID");

/// The vector instructions this executable's whisper.cpp was compiled for: `avx2` or `avx512`.
pub const SIMD: &str = env!("REVOICE_BUILD_SIMD");

/// How to start a worker process, and why that executable.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerProgram {
    pub exe: PathBuf,
    pub args: Vec<String>,
    /// `avx2` or `avx512`: what its whisper.cpp was compiled for.
    pub simd: String,
    pub why: String,
}

impl WorkerProgram {
    /// `exe worker`, an executable of this very build.
    pub fn this_build(exe: PathBuf, why: impl Into<String>) -> Self {
        Self {
            exe,
            args: vec!["worker".into()],
            simd: SIMD.into(),
            why: why.into(),
        }
    }
}

/// The worker program for a process whose executable is `exe`: the AVX-512 build beside it
/// when that can run here and is the same code, else `exe` itself.
pub fn choose(exe: &Path) -> WorkerProgram {
    let wanted = std::env::var("REVOICE_SIMD").unwrap_or_default();
    if wanted.eq_ignore_ascii_case("avx2") {
        return WorkerProgram::this_build(exe.to_path_buf(), "REVOICE_SIMD=avx2");
    }
    if SIMD == "avx512" {
        return WorkerProgram::this_build(exe.to_path_buf(), "this build uses AVX-512");
    }
    if !cpu_has_avx512() {
        return WorkerProgram::this_build(exe.to_path_buf(), "this CPU has no AVX-512 with VNNI");
    }
    let fast = exe.with_file_name(format!("{FAST_BUILD}{}", std::env::consts::EXE_SUFFIX));
    match same_build(&fast) {
        Ok(()) => WorkerProgram {
            exe: fast,
            args: vec!["worker".into()],
            simd: "avx512".into(),
            why: "this CPU has AVX-512 with VNNI".into(),
        },
        Err(why) => {
            tracing::debug!(fast = %fast.display(), %why, "the AVX-512 build is not used");
            WorkerProgram::this_build(exe.to_path_buf(), why)
        }
    }
}

/// Whether this CPU runs what the AVX-512 build uses: AVX-512 F, CD, VL, DQ, BW and VNNI.
pub fn cpu_has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512cd")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `Ok` when `fast` is an executable of these very sources (asked once per path and
/// process: it answers `revoice build-id` with its [`BUILD_ID`]).
fn same_build(fast: &Path) -> Answer {
    static ASKED: Mutex<Vec<(PathBuf, Answer)>> = Mutex::new(Vec::new());
    let mut asked = ASKED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, answer)) = asked.iter().find(|(p, _)| p == fast) {
        return answer.clone();
    }
    let answer = ask_build_id(fast);
    asked.push((fast.to_path_buf(), answer.clone()));
    answer
}

/// `Ok`, or why a build is not used.
type Answer = Result<(), String>;

fn ask_build_id(fast: &Path) -> Answer {
    if !fast.is_file() {
        return Err(format!("no AVX-512 build at {}", fast.display()));
    }
    let out = Command::new(fast)
        .arg("build-id")
        .output()
        .map_err(|e| format!("{}: cannot start: {e}", fast.display()))?;
    let said = String::from_utf8_lossy(&out.stdout);
    let mut words = said.split_whitespace();
    match (out.status.success(), words.next(), words.next()) {
        (true, Some(id), Some("avx512")) if id == BUILD_ID => Ok(()),
        (true, Some(id), _) if id != BUILD_ID => Err(format!(
            "{} is another build ({id}, this is {BUILD_ID}): run scripts/setup.sh",
            fast.display()
        )),
        _ => Err(format!(
            "{} did not answer `build-id` as an AVX-512 build",
            fast.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(dir: &Path, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(FAST_BUILD);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    #[test]
    fn a_missing_build_is_not_used() {
        let dir = tempfile::tempdir().expect("tmp");
        let err = ask_build_id(&dir.path().join(FAST_BUILD)).expect_err("missing");
        assert!(err.contains("no AVX-512 build"), "{err}");
    }

    #[test]
    fn only_the_same_sources_built_for_avx512_are_used() {
        let dir = tempfile::tempdir().expect("tmp");
        let same = script(dir.path(), &format!("echo {BUILD_ID} avx512"));
        assert_eq!(ask_build_id(&same), Ok(()));
        let other = script(dir.path(), "echo 0123456789abcdef avx512");
        let err = ask_build_id(&other).expect_err("other sources");
        assert!(err.contains("another build"), "{err}");
        let portable = script(dir.path(), &format!("echo {BUILD_ID} avx2"));
        assert!(ask_build_id(&portable).is_err());
        let failing = script(dir.path(), &format!("echo {BUILD_ID} avx512; exit 3"));
        assert!(ask_build_id(&failing).is_err());
    }

    #[test]
    fn the_choice_falls_back_to_this_executable() {
        // No AVX-512 build beside a made-up executable: whatever the CPU, the worker is it.
        let dir = tempfile::tempdir().expect("tmp");
        let exe = dir.path().join("revoice");
        let program = choose(&exe);
        assert_eq!(program.exe, exe);
        assert_eq!(program.args, ["worker"]);
        assert_eq!(program.simd, SIMD);
        assert!(!program.why.is_empty());
    }
}
