//! The real `revoice` binary's help: every subcommand prints it, and each option's default
//! is named once (clap adds `[default: ...]` for options with a default value, so a doc
//! comment must not say it again).

use std::process::Command;

#[test]
fn each_default_is_named_once() {
    for sub in ["convert", "eval", "bench", "presets", "voices", "models"] {
        let out = Command::new(env!("CARGO_BIN_EXE_revoice"))
            .args([sub, "--help"])
            .output()
            .expect("run revoice");
        assert!(out.status.success(), "revoice {sub} --help failed");
        let help = String::from_utf8_lossy(&out.stdout);
        for line in help.lines() {
            assert!(
                line.matches("[default:").count() <= 1,
                "revoice {sub} --help names a default twice: {line}"
            );
        }
    }
}
