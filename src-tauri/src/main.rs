// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // The app is also its own worker: the engine starts `revoice-app worker` processes.
    if std::env::args().nth(1).as_deref() == Some("worker") {
        if let Err(e) = revoice::workers::serve_stdio() {
            eprintln!("revoice worker: {e}");
            std::process::exit(1);
        }
        return;
    }
    revoice_app::run();
}
