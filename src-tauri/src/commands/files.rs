//! Adding files: the file and folder choosers and a look at each file's header.

use std::path::Path;

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

use crate::types::FileInfo;

/// Describe the files the user added from their headers, off the UI thread.
#[tauri::command]
#[specta::specta]
pub async fn probe_files(paths: Vec<String>) -> Vec<FileInfo> {
    let probe = move || paths.iter().map(|p| probe(Path::new(p))).collect();
    tauri::async_runtime::spawn_blocking(probe)
        .await
        .unwrap_or_default()
}

fn probe(path: &Path) -> FileInfo {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut info = FileInfo {
        path: path.display().to_string(),
        name,
        duration_secs: 0.0,
        format: String::new(),
        sample_rate: 0,
        channels: 0,
        error: None,
    };
    match revoice::decode::probe_file(path) {
        Ok(p) => {
            info.duration_secs = p.duration_secs();
            info.format = format!("{} / {}", p.container, p.codec);
            info.sample_rate = p.source_rate;
            info.channels = p.channels;
        }
        Err(e) => info.error = Some(e.to_string()),
    }
    info
}

#[tauri::command]
#[specta::specta]
pub async fn choose_files(app: AppHandle) -> Vec<String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("Audio", revoice::decode::AUDIO_EXTENSIONS)
        .pick_files(move |files| {
            let _ = tx.send(files.unwrap_or_default());
        });
    let files = rx.await.unwrap_or_default();
    files
        .into_iter()
        .filter_map(|f| f.into_path().ok())
        .map(|p| p.display().to_string())
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn choose_folder(app: AppHandle) -> Option<String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().pick_folder(move |dir| {
        let _ = tx.send(dir);
    });
    rx.await
        .ok()
        .flatten()
        .and_then(|d| d.into_path().ok())
        .map(|p| p.display().to_string())
}
