//! Build facts the engine needs at run time:
//! - `REVOICE_BUILD_ID`: a hash of the sources, so a worker executable built separately (the
//!   AVX-512 build, see `src/workers/program.rs`) is only used when it is the same code;
//! - `REVOICE_BUILD_SIMD`: the vector instructions whisper.cpp was compiled for in this build
//!   (`avx512` when the GGML_AVX512 and GGML_AVX512_VNNI cmake switches are on, else `avx2`,
//!   the portable level `.cargo/config.toml` sets).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

fn main() {
    let mut files = Vec::new();
    collect(Path::new("src"), &mut files);
    files.extend(["Cargo.toml", "Cargo.lock"].map(PathBuf::from));
    files.sort();
    let mut hasher = DefaultHasher::new();
    for f in &files {
        f.hash(&mut hasher);
        // A file that cannot be read still changes the id by its name alone.
        std::fs::read(f).unwrap_or_default().hash(&mut hasher);
    }
    println!("cargo:rustc-env=REVOICE_BUILD_ID={:016x}", hasher.finish());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=Cargo.lock");

    let on = |key: &str| {
        println!("cargo:rerun-if-env-changed={key}");
        std::env::var(key).is_ok_and(|v| v.eq_ignore_ascii_case("on"))
    };
    let simd = if on("GGML_AVX512") && on("GGML_AVX512_VNNI") {
        "avx512"
    } else {
        "avx2"
    };
    println!("cargo:rustc-env=REVOICE_BUILD_SIMD={simd}");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
