fn main() {
    // tauri-build does not watch the frontend folder: re-embed the UI whenever it changes.
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::build()
}
