//! Peak memory of this process, read from the OS.

/// Peak resident set size (VmHWM) of this process in KiB; 0 where the OS does not say.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_running_process_has_a_peak() {
        if cfg!(target_os = "linux") {
            assert!(super::peak_rss_kib() > 0);
        }
    }
}
