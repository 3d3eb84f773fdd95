//! Where Revoice keeps its own files: the platform's directories (through `directories`),
//! each one replaceable by an environment variable, for tests and portable setups.
//!
//! | what | variable | default on Linux |
//! |---|---|---|
//! | presets, remembered app settings | `REVOICE_CONFIG_DIR` | `~/.config/revoice` |
//! | log, models (last in their search order) | `REVOICE_DATA_DIR` | `~/.local/share/revoice` |
//! | transcript cache | `REVOICE_CACHE_DIR` (the cache itself) | `~/.cache/revoice/transcripts` |

use std::ffi::OsString;
use std::path::PathBuf;

fn project() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("org", "Revoice", "Revoice")
}

/// `var` from `env` when set and not empty, else the platform's dir.
fn pick(
    var: &str,
    env: impl Fn(&str) -> Option<OsString>,
    platform: impl FnOnce(&directories::ProjectDirs) -> PathBuf,
) -> Option<PathBuf> {
    env(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| project().map(|d| platform(&d)))
}

fn process_env(var: &str) -> Option<OsString> {
    std::env::var_os(var)
}

/// Presets and remembered settings.
pub fn config_dir() -> Option<PathBuf> {
    pick("REVOICE_CONFIG_DIR", process_env, |d| {
        d.config_dir().to_path_buf()
    })
}

/// The app's log, and models when no nearer models folder exists.
pub fn data_dir() -> Option<PathBuf> {
    pick("REVOICE_DATA_DIR", process_env, |d| {
        d.data_dir().to_path_buf()
    })
}

/// The transcript cache.
pub fn transcript_cache_dir() -> Option<PathBuf> {
    pick("REVOICE_CACHE_DIR", process_env, |d| {
        d.cache_dir().join("transcripts")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_win_over_the_platform_dirs() {
        // A stand-in environment: the process's own is shared by tests running in parallel.
        let env = |var: &str| match var {
            "REVOICE_CONFIG_DIR" => Some(OsString::from("/tmp/rv-config")),
            "REVOICE_DATA_DIR" => Some(OsString::from("/tmp/rv-data")),
            "REVOICE_CACHE_DIR" => Some(OsString::new()),
            _ => None,
        };
        let config = |d: &directories::ProjectDirs| d.config_dir().to_path_buf();
        let cache = |d: &directories::ProjectDirs| d.cache_dir().join("transcripts");
        assert_eq!(
            pick("REVOICE_CONFIG_DIR", env, config),
            Some(PathBuf::from("/tmp/rv-config"))
        );
        // Empty counts as unset.
        let cache = pick("REVOICE_CACHE_DIR", env, cache).unwrap();
        assert!(
            cache.ends_with("revoice/transcripts"),
            "{}",
            cache.display()
        );
        assert_eq!(
            pick("REVOICE_DATA_DIR", env, |d| d.data_dir().to_path_buf()),
            Some(PathBuf::from("/tmp/rv-data"))
        );
    }
}
