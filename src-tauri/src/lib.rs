//! Revoice desktop app: a thin Tauri layer over the `revoice` engine. Commands are in
//! [`commands`], the IPC types in [`types`]; both are exported to TypeScript
//! (`ui/src/bindings.ts`) from the one list in [`specta_builder`], so they cannot drift.

pub mod commands;
pub mod error;
pub mod player;
pub mod state;
pub mod types;

use std::path::PathBuf;

use specta_typescript::Typescript;
use tauri_specta::{collect_commands, collect_events, Builder};

use crate::state::AppState;

/// Every command and event the UI may use: registered with Tauri and exported to TypeScript.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::app::app_info,
            commands::app::open_folder,
            commands::app::open_log,
            commands::app::load_ui_state,
            commands::app::save_ui_state,
            commands::presets::list_voices,
            commands::presets::list_presets,
            commands::presets::save_preset,
            commands::presets::rename_preset,
            commands::presets::delete_preset,
            commands::files::probe_files,
            commands::files::choose_files,
            commands::files::choose_folder,
            commands::jobs::start_job,
            commands::jobs::cancel_job,
            commands::jobs::preview_chunk,
            commands::player::player_open,
            commands::player::player_play,
            commands::player::player_pause,
            commands::player::player_seek,
            commands::player::player_select,
            commands::player::player_status,
            commands::player::voice_sample,
        ])
        .events(collect_events![types::JobEvent, types::PlayerEvent])
        // The engine's 64-bit counts (samples, chunk indices, milliseconds) stay far below
        // 2^53, so TypeScript's number holds them exactly.
        .dangerously_cast_bigints_to_number()
}

/// Write the TypeScript bindings (the `bindings_are_up_to_date` test keeps them current).
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(Typescript::default(), path)
        .map_err(|e| e.to_string())
}

/// Config dir (presets, remembered settings) and data dir (log): see `revoice::dirs`.
fn dirs() -> (PathBuf, PathBuf) {
    (
        revoice::dirs::config_dir().unwrap_or_else(|| std::env::temp_dir().join("revoice-config")),
        revoice::dirs::data_dir().unwrap_or_else(|| std::env::temp_dir().join("revoice-data")),
    )
}

/// Logs go through `tracing` to `<data dir>/revoice.log` ("Open log" in the UI).
fn init_logging(data_dir: &std::path::Path) -> PathBuf {
    let log_file = data_dir.join("revoice.log");
    let _ = std::fs::create_dir_all(data_dir);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,symphonia_core=off,symphonia=off")
    });
    if let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_file)
    {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .try_init();
    }
    log_file
}

/// Send the player's position to the UI while it plays, and once more when it stops.
fn report_player_position(app: tauri::AppHandle) {
    use tauri::Manager;
    use tauri_specta::Event;
    std::thread::spawn(move || {
        let mut last = None;
        loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
            let status = app.state::<AppState>().player.status();
            let moving = status.playing || status.sample_playing;
            if moving || last.as_ref() != Some(&status) {
                let _ = types::PlayerEvent {
                    status: status.clone(),
                }
                .emit(&app);
                last = Some(status);
            }
        }
    });
}

pub fn run() {
    let (config_dir, data_dir) = dirs();
    let log_file = init_logging(&data_dir);
    tracing::info!("Revoice {} starting", env!("CARGO_PKG_VERSION"));
    let builder = specta_builder();
    let state = AppState::new(commands::presets::user_presets(), log_file, config_dir);
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            report_player_position(app.handle().clone());
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("the app stopped: {e}");
        eprintln!("revoice-app: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// Regenerates ui/src/bindings.ts; fails if the committed file was stale, so Rust and
    /// TypeScript cannot drift (run the test once locally to accept a change).
    #[test]
    fn bindings_are_up_to_date() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let before = std::fs::read_to_string(&path).unwrap_or_default();
        super::export_bindings(&path).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(
            before == after,
            "ui/src/bindings.ts was stale and has been regenerated; commit it"
        );
    }
}
