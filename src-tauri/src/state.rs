//! What the app keeps while it runs: running jobs (to cancel them), where presets, the log and
//! the remembered settings live.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use revoice::presets::UserPresets;
use tokio_util::sync::CancellationToken;

pub struct AppState {
    jobs: Mutex<HashMap<u32, CancellationToken>>,
    pub presets: UserPresets,
    pub log_file: PathBuf,
    pub config_dir: PathBuf,
}

impl AppState {
    pub fn new(presets: UserPresets, log_file: PathBuf, config_dir: PathBuf) -> Self {
        Self {
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
