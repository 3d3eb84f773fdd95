//! Memory figures read from the OS: this process's peak, and what the machine has free.

/// Peak resident set size (VmHWM) of this process in KiB; 0 where the OS does not say.
pub fn peak_rss_kib() -> u64 {
    proc_kib("/proc/self/status", "VmHWM:").unwrap_or(0)
}

/// Resident set size (VmRSS) of this process now, in KiB; 0 where the OS does not say.
pub fn rss_kib() -> u64 {
    proc_kib("/proc/self/status", "VmRSS:").unwrap_or(0)
}

/// MemAvailable in MiB (4 GiB where the OS does not say).
pub fn available_mib() -> u64 {
    proc_kib("/proc/meminfo", "MemAvailable:")
        .map(|kib| kib / 1024)
        .unwrap_or(4096)
}

/// A "Key:  123 kB" line of a /proc file, as KiB.
fn proc_kib(file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
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
