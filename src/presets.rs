//! Presets: named [`Options`]. Built-in ones ship in `assets/presets/` (compiled in); a
//! user's own are TOML files in the platform config dir (`~/.config/revoice/presets`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::options::Options;

const BUILT_IN: &[(&str, &str)] = &[
    ("draft", include_str!("../assets/presets/draft.toml")),
    ("natural", include_str!("../assets/presets/natural.toml")),
    ("best", include_str!("../assets/presets/best.toml")),
    ("deeper", include_str!("../assets/presets/deeper.toml")),
    ("lighter", include_str!("../assets/presets/lighter.toml")),
];

#[derive(Debug, Error)]
pub enum PresetError {
    #[error("preset {path}: {reason}")]
    Invalid { path: String, reason: String },
    #[error("preset {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no preset named '{0}'")]
    NotFound(String),
    #[error("'{0}' is a built-in preset; save under another name")]
    BuiltIn(String),
    #[error("a preset named '{0}' exists already")]
    Exists(String),
    #[error("a preset needs a name")]
    EmptyName,
    #[error("no config directory for user presets on this system")]
    NoConfigDir,
}

/// A preset as it is written in its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub options: Options,
    /// Built-in presets cannot be renamed, overwritten or deleted.
    #[serde(skip)]
    pub built_in: bool,
}

pub fn built_in() -> Result<Vec<Preset>, PresetError> {
    BUILT_IN
        .iter()
        .map(|(file, text)| {
            let mut p = parse(text, &format!("assets/presets/{file}.toml"))?;
            p.built_in = true;
            Ok(p)
        })
        .collect()
}

/// Built-in presets first, then the user's.
pub fn all(user: &UserPresets) -> Result<Vec<Preset>, PresetError> {
    let mut all = built_in()?;
    all.extend(user.list());
    Ok(all)
}

/// A preset by name (case-insensitive), or a built-in one by its short name (draft,
/// natural, best: its file in `assets/presets/`).
pub fn find(user: &UserPresets, name: &str) -> Result<Preset, PresetError> {
    let wanted = name.trim().to_lowercase();
    let all = all(user)?;
    if let Some(p) = all.iter().find(|p| p.name.to_lowercase() == wanted) {
        return Ok(p.clone());
    }
    match BUILT_IN.iter().position(|(file, _)| *file == wanted) {
        Some(i) => Ok(all[i].clone()),
        None => Err(PresetError::NotFound(name.to_string())),
    }
}

fn parse(text: &str, path: &str) -> Result<Preset, PresetError> {
    toml::from_str(text).map_err(|e| PresetError::Invalid {
        path: path.to_string(),
        reason: e.message().to_string(),
    })
}

/// The user's presets, kept as one TOML file each in a folder.
pub struct UserPresets {
    dir: PathBuf,
}

impl UserPresets {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$REVOICE_CONFIG_DIR/presets`, else the platform config dir's `presets`.
    pub fn default_location() -> Result<Self, PresetError> {
        let base = crate::dirs::config_dir().ok_or(PresetError::NoConfigDir)?;
        Ok(Self::new(base.join("presets")))
    }

    /// Every user preset; unreadable files are skipped with a warning.
    pub fn list(&self) -> Vec<Preset> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut presets: Vec<Preset> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .filter_map(|p| {
                let text = std::fs::read_to_string(&p).ok()?;
                parse(&text, &p.display().to_string())
                    .map_err(|e| tracing::warn!("{e}"))
                    .ok()
            })
            .collect();
        presets.sort_by_key(|p| p.name.to_lowercase());
        presets
    }

    /// Save (create or replace) a user preset.
    pub fn save(&self, preset: &Preset) -> Result<(), PresetError> {
        check_name(&preset.name)?;
        let text = toml::to_string_pretty(preset).map_err(|e| PresetError::Invalid {
            path: preset.name.clone(),
            reason: e.to_string(),
        })?;
        let path = self.path_of(&preset.name);
        let io = |source| PresetError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir).map_err(io)?;
        std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(io)?;
        tmp.persist(&path).map_err(|e| io(e.error))?;
        Ok(())
    }

    pub fn delete(&self, name: &str) -> Result<(), PresetError> {
        check_name(name)?;
        let path = self.path_of(name);
        if !path.exists() {
            return Err(PresetError::NotFound(name.to_string()));
        }
        std::fs::remove_file(&path).map_err(|source| PresetError::Io { path, source })
    }

    pub fn rename(&self, from: &str, to: &str) -> Result<(), PresetError> {
        check_name(to)?;
        let mut preset = self
            .list()
            .into_iter()
            .find(|p| p.name == from)
            .ok_or_else(|| PresetError::NotFound(from.to_string()))?;
        if from != to && self.path_of(to).exists() {
            return Err(PresetError::Exists(to.to_string()));
        }
        preset.name = to.to_string();
        self.save(&preset)?;
        if self.path_of(from) != self.path_of(to) {
            self.delete(from)?;
        }
        Ok(())
    }

    fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{}.toml", file_stem(name)))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Built-in names are reserved; a name must have a letter or digit.
fn check_name(name: &str) -> Result<(), PresetError> {
    if !name.chars().any(char::is_alphanumeric) {
        return Err(PresetError::EmptyName);
    }
    if built_in()?
        .iter()
        .any(|p| p.name.eq_ignore_ascii_case(name.trim()))
    {
        return Err(PresetError::BuiltIn(name.to_string()));
    }
    Ok(())
}

/// A file name from a preset name: letters, digits, '-' and '_' kept, the rest '_'.
fn file_stem(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Quality;

    #[test]
    fn built_in_presets_parse_and_differ() {
        let presets = built_in().unwrap();
        assert_eq!(presets.len(), 5);
        assert!(presets.iter().all(|p| p.built_in));
        assert_eq!(presets[0].options.model, "tiny.en");
        assert_eq!(presets[2].options.quality, Quality::High);
        // The voice-transform presets: one voice made deeper, one lighter.
        assert!(presets[3].options.pitch_shift < 0.0 && presets[3].options.formant_shift < 0.0);
        assert!(presets[4].options.pitch_shift > 0.0 && presets[4].options.formant_shift > 0.0);
    }

    #[test]
    fn save_list_rename_delete() {
        let dir = tempfile::tempdir().unwrap();
        let user = UserPresets::new(dir.path().join("presets"));
        let mut p = Preset {
            name: "My podcast".into(),
            description: String::new(),
            options: Options::default(),
            built_in: false,
        };
        p.options.workers = Some(2);
        user.save(&p).unwrap();
        assert_eq!(user.list(), vec![p.clone()]);
        user.rename("My podcast", "Calls/2024").unwrap();
        let names: Vec<String> = user.list().into_iter().map(|p| p.name).collect();
        assert_eq!(names, vec!["Calls/2024".to_string()]);
        assert!(matches!(
            user.rename("Nope", "X"),
            Err(PresetError::NotFound(_))
        ));
        user.delete("Calls/2024").unwrap();
        assert!(user.list().is_empty());
    }

    #[test]
    fn presets_are_found_by_name_or_short_name() {
        let dir = tempfile::tempdir().unwrap();
        let user = UserPresets::new(dir.path());
        assert_eq!(find(&user, "best").unwrap().name, "Best quality");
        assert_eq!(find(&user, "fast DRAFT").unwrap().options.model, "tiny.en");
        assert!(matches!(find(&user, "nope"), Err(PresetError::NotFound(_))));
    }

    #[test]
    fn built_in_names_and_empty_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let user = UserPresets::new(dir.path());
        let p = Preset {
            name: "natural".into(),
            description: String::new(),
            options: Options::default(),
            built_in: false,
        };
        assert!(matches!(user.save(&p), Err(PresetError::BuiltIn(_))));
        let empty = Preset {
            name: " ".into(),
            ..p
        };
        assert!(matches!(user.save(&empty), Err(PresetError::EmptyName)));
    }
}
