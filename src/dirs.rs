//! Where Revoice keeps its own files: the platform's directories (through `directories`),
//! each one replaceable by an environment variable, for tests and portable setups.
//!
//! | what | variable | default on Linux |
//! |---|---|---|
//! | presets, remembered app settings | `REVOICE_CONFIG_DIR` | `~/.config/revoice` |
//! | log, models (last in their search order) | `REVOICE_DATA_DIR` | `~/.local/share/revoice` |
//! | transcript cache | `REVOICE_CACHE_DIR` (the cache itself) | `~/.cache/revoice/transcripts` |

use std::path::PathBuf;

fn project() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("org", "Revoice", "Revoice")
}

fn from_env(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Presets and remembered settings.
pub fn config_dir() -> Option<PathBuf> {
    from_env("REVOICE_CONFIG_DIR").or_else(|| project().map(|d| d.config_dir().to_path_buf()))
}

/// The app's log, and models when no nearer models folder exists.
pub fn data_dir() -> Option<PathBuf> {
    from_env("REVOICE_DATA_DIR").or_else(|| project().map(|d| d.data_dir().to_path_buf()))
}

/// The transcript cache.
pub fn transcript_cache_dir() -> Option<PathBuf> {
    from_env("REVOICE_CACHE_DIR").or_else(|| project().map(|d| d.cache_dir().join("transcripts")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_win_over_the_platform_dirs() {
        // One test touches the environment, so no other test sees it half-set.
        std::env::set_var("REVOICE_CONFIG_DIR", "/tmp/rv-config");
        std::env::set_var("REVOICE_DATA_DIR", "/tmp/rv-data");
        std::env::set_var("REVOICE_CACHE_DIR", "");
        assert_eq!(config_dir(), Some(PathBuf::from("/tmp/rv-config")));
        assert_eq!(data_dir(), Some(PathBuf::from("/tmp/rv-data")));
        // Empty counts as unset.
        let cache = transcript_cache_dir().unwrap();
        assert!(
            cache.ends_with("revoice/transcripts"),
            "{}",
            cache.display()
        );
        std::env::remove_var("REVOICE_CONFIG_DIR");
        std::env::remove_var("REVOICE_DATA_DIR");
        std::env::remove_var("REVOICE_CACHE_DIR");
    }
}
