//! Progress bars on stderr: one per file, with each worker's tally beneath the bar.

use std::sync::{Arc, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use revoice::pipeline::{Progress, ProgressSink, Summary};
use revoice::workers::PoolEvent;

#[derive(Default, Clone, Copy)]
struct Tally {
    done: usize,
    cached: usize,
    failed: usize,
}

struct State {
    bar: Option<ProgressBar>,
    workers: Vec<Tally>,
}

pub struct Bars {
    multi: MultiProgress,
    state: Mutex<State>,
}

impl Bars {
    /// Bars drawn on stderr, or nothing at all (`--json`, or stderr is not a terminal).
    pub fn new(visible: bool) -> Arc<Self> {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Arc::new(Self {
            multi: MultiProgress::with_draw_target(target),
            state: Mutex::new(State {
                bar: None,
                workers: Vec::new(),
            }),
        })
    }

    pub fn sink(self: &Arc<Self>) -> ProgressSink {
        let me = self.clone();
        Arc::new(move |p| me.on(p))
    }

    fn on(&self, p: Progress) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        match p {
            Progress::FileStarted {
                input,
                chunks,
                parallelism,
                ..
            } => {
                let bar = self.multi.add(ProgressBar::new(chunks as u64));
                bar.set_style(
                    ProgressStyle::with_template("{prefix:.bold} [{bar:30}] {pos}/{len} chunks {elapsed_precise} (eta {eta})\n  {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                bar.set_prefix(
                    input
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                );
                st.workers = vec![Tally::default(); parallelism.workers];
                bar.set_message(worker_line(&st.workers));
                bar.enable_steady_tick(std::time::Duration::from_millis(500));
                st.bar = Some(bar);
            }
            Progress::Pool(e) => {
                let (slot, change): (usize, fn(&mut Tally)) = match e {
                    PoolEvent::ChunkDone {
                        slot, cached: true, ..
                    } => (slot, |t| t.cached += 1),
                    PoolEvent::ChunkDone {
                        slot,
                        cached: false,
                        ..
                    } => (slot, |t| t.done += 1),
                    PoolEvent::ChunkFailed { slot, .. } => (slot, |t| t.failed += 1),
                    _ => return,
                };
                if st.workers.len() <= slot {
                    st.workers.resize(slot + 1, Tally::default());
                }
                change(&mut st.workers[slot]);
                let msg = worker_line(&st.workers);
                if let Some(bar) = &st.bar {
                    if matches!(e, PoolEvent::ChunkDone { .. }) {
                        bar.inc(1);
                    }
                    bar.set_message(msg);
                }
            }
            Progress::Assembling { .. } => {}
        }
    }

    /// Finish the current file's bar with a one-line result.
    pub fn finish(&self, line: String) {
        if let Ok(mut st) = self.state.lock() {
            if let Some(bar) = st.bar.take() {
                bar.finish_and_clear();
            }
        }
        if self.multi.is_hidden() {
            eprintln!("{line}");
        } else {
            let _ = self.multi.println(line);
        }
    }
}

/// "W1: 3 done, 1 cached, 0 failed | W2: ..."
fn worker_line(workers: &[Tally]) -> String {
    workers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "W{}: {} done, {} cached, {} failed",
                i + 1,
                t.done,
                t.cached,
                t.failed
            )
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// The closing summary of one file, for people.
pub fn summary_text(s: &Summary) -> String {
    let st = &s.stages;
    format!(
        "{} -> {}\n  {:.1} s of audio, {} chunks ({} from cache), {} segments, language {}\n  spoken by: {}\n  \
         stages (s): decode {:.2}, recognition {:.2}, stress {:.2}, synthesis {:.2}, fit {:.2}, assemble {:.2}, encode {:.2} \
         (recognition/stress/synthesis/fit summed over workers)\n  \
         wall {:.2} s = {:.2}x real time (RTF {:.3}); {}; recogniser built for {}\n  peak memory: supervisor {:.0} MiB, largest worker {:.0} MiB",
        s.input.display(),
        s.output.display(),
        s.duration_secs,
        s.chunks,
        s.cache_hits,
        s.segments,
        if s.languages.is_empty() { "-".to_string() } else { s.languages.join(", ") },
        s.voices
            .iter()
            .map(|v| format!("{} ({})", v.voice, v.language))
            .collect::<Vec<_>>()
            .join(", "),
        st.decode,
        st.recognition,
        st.stress,
        st.synthesis,
        st.fit,
        st.assemble,
        st.encode,
        s.wall_secs,
        1.0 / s.real_time_factor.max(1e-9),
        s.real_time_factor,
        s.parallelism.reason,
        s.simd,
        s.peak_rss_mib_supervisor,
        s.peak_rss_mib_worker,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_tallies_read_naturally() {
        let line = worker_line(&[
            Tally {
                done: 12,
                cached: 3,
                failed: 0,
            },
            Tally::default(),
        ]);
        assert_eq!(
            line,
            "W1: 12 done, 3 cached, 0 failed | W2: 0 done, 0 cached, 0 failed"
        );
    }
}
