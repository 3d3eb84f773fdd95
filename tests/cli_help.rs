//! The real `revoice` binary's help: every subcommand prints it, short (`-h`) and long
//! (`--help`), and names each option's default once (clap adds `[default: ...]` for an
//! option with a default value, so its doc comment must not say it again).

use std::process::Command;

/// The help's option entries: each starts at a line indented by two spaces and a `-` or
/// `<`, and runs to the next.
fn entries(help: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in help.lines() {
        let head = line.trim_start();
        if line.starts_with("  ") && (head.starts_with('-') || head.starts_with('<')) {
            out.push(String::new());
        }
        if let Some(entry) = out.last_mut() {
            entry.push_str(line);
            entry.push('\n');
        }
    }
    out
}

#[test]
fn each_default_is_named_once() {
    for sub in ["convert", "eval", "bench", "presets", "voices", "models"] {
        for flag in ["-h", "--help"] {
            let out = Command::new(env!("CARGO_BIN_EXE_revoice"))
                .args([sub, flag])
                .output()
                .expect("run revoice");
            assert!(out.status.success(), "revoice {sub} {flag} failed");
            let help = String::from_utf8_lossy(&out.stdout);
            let entries = entries(&help);
            assert!(!entries.is_empty(), "revoice {sub} {flag} lists no options");
            for entry in entries {
                assert!(
                    entry.matches("[default:").count() <= 1,
                    "revoice {sub} {flag} names a default twice:\n{entry}"
                );
            }
        }
    }
}
