//! Silero's Russian stress model, exported from the `silero-stress` wheel without torch.
//!
//! `accentor.pt` holds pickles and plain tensor storages; `scripts/export_silero_stress.py`
//! (compiled into this binary) reads them with numpy and writes ONNX graphs and a JSON of
//! dictionaries. numpy and onnx are pip-installed, pinned, into `<wheels>/python-lib` the
//! first time; nothing else of Python is needed, and torch never.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::manifest::Make;
use super::prepare::ENV_PYTHON;
use super::wheel::{extract_member, Member};
use super::ModelsError;

const SCRIPT: &str = include_str!("../../scripts/export_silero_stress.py");
/// Exact versions, so the exported files match the manifest's sha256.
const PYTHON_PACKAGES: [&str; 2] = ["numpy==2.2.6", "onnx==1.23.2"];

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
    let lib = python_lib(wheels_dir)?;
    let work = tempfile::tempdir_in(wheels_dir).map_err(|e| ModelsError::io(wheels_dir, e))?;
    let pt = work.path().join("accentor.pt");
    extract_member(accentor, &pt)?;
    let script = work.path().join("export_silero_stress.py");
    std::fs::write(&script, SCRIPT).map_err(|e| ModelsError::io(&script, e))?;
    let dir = out.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| ModelsError::io(dir, e))?;
    let output = python()
        .env("PYTHONPATH", &lib)
        .arg(&script)
        .arg(&pt)
        .arg(part)
        .arg(tmp.path())
        .output()
        .map_err(|e| ModelsError::io(&script, e))?;
    if !output.status.success() {
        return Err(ModelsError::BadModel {
            path: accentor.wheel.clone(),
            problem: format!(
                "exporting the stress {part} failed: {}",
                last_line(&output.stderr)
            ),
        });
    }
    super::persist(tmp, out)
}

/// `<wheels>/python-lib` with the pinned numpy and onnx, installed once.
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
