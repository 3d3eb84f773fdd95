//! What the app keeps while it runs: the engine (with its worker processes), running jobs
//! (to cancel them), the preview player, and where presets, the log and the remembered
//! settings live.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use revoice::pipeline::Engine;
use revoice::presets::UserPresets;
use tokio_util::sync::CancellationToken;

use crate::player::Player;

pub struct AppState {
    /// One job at a time holds the engine; its workers stay up between jobs.
    pub engine: tokio::sync::Mutex<Option<Engine>>,
    pub player: Player,
    jobs: Mutex<HashMap<u32, CancellationToken>>,
    pub presets: UserPresets,
    pub log_file: PathBuf,
    pub config_dir: PathBuf,
}

impl AppState {
    pub fn new(presets: UserPresets, log_file: PathBuf, config_dir: PathBuf) -> Self {
        Self {
            engine: tokio::sync::Mutex::new(None),
            player: Player::new(),
            jobs: Mutex::new(HashMap::new()),
            presets,
            log_file,
            config_dir,
        }
    }

    pub fn register(&self, id: u32, token: CancellationToken) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.insert(id, token);
        }
    }

    pub fn unregister(&self, id: u32) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.remove(&id);
        }
    }

    /// Cancel a running job; false when no job has that id.
    pub fn cancel(&self, id: u32) -> bool {
        match self
            .jobs
            .lock()
            .ok()
            .and_then(|jobs| jobs.get(&id).cloned())
        {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    pub fn ui_state_file(&self) -> PathBuf {
        self.config_dir.join("ui-state.json")
    }
}
