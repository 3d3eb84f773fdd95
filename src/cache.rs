//! The transcript cache: one JSON file per chunk, so a rerun skips recognition.
//!
//! The key is a SHA-256 over everything that decides what Whisper would say: the chunk's
//! 16 kHz samples, the model (file name and size), the decoding settings, the schema
//! version and the revision of how words get their times. Files are written to a temporary
//! name and renamed, so a crash never leaves a half-written entry; an unreadable or outdated
//! entry is treated as a miss.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;
use tracing::debug;

use crate::asr::DecodeSettings;
use crate::transcript::{Transcript, SCHEMA_VERSION};

#[derive(Debug, Error)]
pub enum CacheError {
    #[error("cannot write transcript cache {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a cache file holds: the transcript and what it was made from, for people reading it.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    schema: u32,
    key: String,
    model: String,
    decode: DecodeSettings,
    transcript: Transcript,
}

#[derive(Debug, Clone)]
pub struct TranscriptCache {
    dir: PathBuf,
}

impl TranscriptCache {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `REVOICE_CACHE_DIR`, else the platform cache dir (e.g. `~/.cache/revoice/transcripts`).
    pub fn default_dir() -> Option<PathBuf> {
        crate::dirs::transcript_cache_dir()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn key(samples: &[f32], model_id: &str, decode: &DecodeSettings) -> String {
        let mut h = Sha256::new();
        h.update(SCHEMA_VERSION.to_le_bytes());
        h.update(crate::asr::RECOGNITION_REVISION.to_le_bytes());
        h.update(model_id.as_bytes());
        h.update([0]);
        h.update(serde_json::to_vec(decode).unwrap_or_default());
        h.update([0]);
        for s in samples {
            h.update(s.to_le_bytes());
        }
        hex::encode(h.finalize())
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    pub fn get(&self, key: &str) -> Option<Transcript> {
        let text = fs::read_to_string(self.path(key)).ok()?;
        match serde_json::from_str::<Entry>(&text) {
            Ok(e) if e.schema == SCHEMA_VERSION && e.key == key => Some(e.transcript),
            _ => {
                debug!(key, "ignoring unreadable or outdated cache entry");
                None
            }
        }
    }

    pub fn put(
        &self,
        key: &str,
        model_id: &str,
        decode: &DecodeSettings,
        transcript: &Transcript,
    ) -> Result<(), CacheError> {
        let path = self.path(key);
        let err = |source| CacheError::Write {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(&self.dir).map_err(err)?;
        let entry = Entry {
            schema: SCHEMA_VERSION,
            key: key.to_string(),
            model: model_id.to_string(),
            decode: decode.clone(),
            transcript: transcript.clone(),
        };
        let json = serde_json::to_vec_pretty(&entry).map_err(|e| err(std::io::Error::other(e)))?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir).map_err(err)?;
        std::io::Write::write_all(&mut tmp, &json).map_err(err)?;
        tmp.persist(&path).map_err(|e| err(e.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Segment;

    fn settings(lang: Option<&str>) -> DecodeSettings {
        DecodeSettings {
            language: lang.map(String::from),
            beam_size: None,
            context: crate::asr::AudioContext::Full,
            word_times: Default::default(),
        }
    }

    fn transcript() -> Transcript {
        Transcript {
            stress: None,
            schema: SCHEMA_VERSION,
            language: "en".into(),
            segments: vec![Segment {
                stressed: None,
                text: "hello".into(),
                start_ms: 0,
                end_ms: 500,
                language: None,
                words: vec![],
            }],
        }
    }

    #[test]
    fn keys_change_with_samples_model_and_settings() {
        let a = TranscriptCache::key(&[0.1, 0.2], "m", &settings(None));
        assert_eq!(a, TranscriptCache::key(&[0.1, 0.2], "m", &settings(None)));
        assert_ne!(a, TranscriptCache::key(&[0.1, 0.3], "m", &settings(None)));
        assert_ne!(a, TranscriptCache::key(&[0.1, 0.2], "n", &settings(None)));
        assert_ne!(
            a,
            TranscriptCache::key(&[0.1, 0.2], "m", &settings(Some("en")))
        );
    }

    #[test]
    fn put_then_get_round_trips_and_garbage_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TranscriptCache::new(dir.path().join("t"));
        let key = TranscriptCache::key(&[0.5], "m", &settings(None));
        assert!(cache.get(&key).is_none());
        cache
            .put(&key, "m", &settings(None), &transcript())
            .unwrap();
        assert_eq!(cache.get(&key), Some(transcript()));
        fs::write(cache.path(&key), "{ not json").unwrap();
        assert!(cache.get(&key).is_none());
    }
}
