//! The supervisor side: a pool of worker processes fed from a queue of chunks.
//!
//! Each slot owns one worker process. Slots take the next chunk from a shared queue, send
//! it, and wait for the answer with a time limit. A worker that crashes, answers with a
//! failure, or stays silent past the limit is killed and replaced, and its chunk goes back to
//! the queue; after [`PoolConfig::max_retries`] retries the whole run fails with an error that
//! names the chunk and its time range. A worker that aborted (SIGABRT, an assertion in
//! whisper.cpp) while recognising with aligned word times gets its chunk back with estimated
//! times, the route that does not align. Results are kept by chunk index, so the output does
//! not depend on which worker finished first.

use std::collections::VecDeque;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::protocol::{
    decode_samples, encode_frame, ChunkDone, ChunkJob, Reply, Request, WorkerSetup,
    PROTOCOL_VERSION,
};
use crate::asr::{WordTimes, ASR_RATE};

/// The signal of `abort()`, which a failed assertion in whisper.cpp raises.
const SIGABRT: i32 = libc::SIGABRT;

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("cannot start worker {exe}: {reason}")]
    Spawn { exe: PathBuf, reason: String },
    #[error("worker could not load its models: {0}")]
    Setup(String),
    #[error("chunk {index} ({range}) failed after {attempts} attempts: {reason}")]
    Chunk {
        index: usize,
        range: String,
        attempts: u32,
        reason: String,
    },
    #[error("cancelled")]
    Cancelled,
}

#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The executable to run as a worker, and its arguments (e.g. `revoice worker`).
    pub exe: PathBuf,
    pub args: Vec<String>,
    pub workers: usize,
    pub setup: WorkerSetup,
    /// How long one chunk may take before its worker counts as hung.
    pub chunk_timeout: Duration,
    /// Retries of a chunk after its first attempt failed.
    pub max_retries: u32,
}

/// What happens in the pool, for progress displays. `slot` counts from 0.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PoolEvent {
    WorkerStarted {
        slot: usize,
        pid: u32,
    },
    ChunkStarted {
        slot: usize,
        index: usize,
    },
    ChunkDone {
        slot: usize,
        index: usize,
        cached: bool,
    },
    ChunkFailed {
        slot: usize,
        index: usize,
        attempt: u32,
        reason: String,
    },
}

/// Where pool events go (a progress bar, the app's event stream, a test).
pub type Events = dyn Fn(PoolEvent) + Send + Sync;

/// A chunk to process: the job and its 16 kHz samples.
pub struct ChunkInput {
    pub job: ChunkJob,
    pub samples: Vec<f32>,
}

/// A finished chunk: the worker's report and the rendered audio.
pub struct ChunkOutput {
    pub done: ChunkDone,
    pub audio: Vec<f32>,
}

struct WorkerProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    pid: u32,
    /// The worker's most recent stderr line, for error messages.
    last_log: Arc<Mutex<Option<String>>>,
    /// How the process ended, once it has (seen when a pipe broke).
    exit: Option<ExitStatus>,
}

pub struct WorkerPool {
    config: PoolConfig,
    slots: Vec<Option<WorkerProcess>>,
}

impl WorkerPool {
    /// Start `config.workers` processes and wait until each has loaded its models.
    pub async fn start(config: PoolConfig, events: &Events) -> Result<Self, PoolError> {
        let n = config.workers.max(1);
        let starts = (0..n).map(|slot| spawn_worker(&config, slot, events));
        let mut slots = Vec::with_capacity(n);
        for started in futures::future::join_all(starts).await {
            slots.push(Some(started?));
        }
        Ok(Self { config, slots })
    }

    pub fn pids(&self) -> Vec<u32> {
        self.slots.iter().flatten().map(|w| w.pid).collect()
    }

    /// Process every chunk; the result is in chunk order.
    pub async fn process(
        &mut self,
        chunks: Vec<ChunkInput>,
        events: &Events,
        cancel: &CancellationToken,
    ) -> Result<Vec<ChunkOutput>, PoolError> {
        let n = chunks.len();
        let run = Run {
            config: &self.config,
            chunks: &chunks,
            queue: Mutex::new(
                (0..n)
                    .map(|index| Attempt {
                        index,
                        tries: 0,
                        estimated: false,
                    })
                    .collect(),
            ),
            results: Mutex::new((0..n).map(|_| None).collect()),
            failed: CancellationToken::new(),
            error: Mutex::new(None),
            events,
        };
        let slot_runs = self
            .slots
            .iter_mut()
            .enumerate()
            .map(|(slot, w)| run.drive_slot(slot, w));
        tokio::select! {
            _ = futures::future::join_all(slot_runs) => {}
            _ = cancel.cancelled() => {
                self.kill_all().await;
                info!("cancelled: workers stopped");
                return Err(PoolError::Cancelled);
            }
        }
        if let Some(err) = run.error.lock().map_err(|_| PoolError::Cancelled)?.take() {
            return Err(err);
        }
        let results = run.results.into_inner().map_err(|_| PoolError::Cancelled)?;
        Ok(results.into_iter().flatten().collect())
    }

    /// Close the workers' stdin (they exit) and reap them.
    pub async fn shutdown(mut self) {
        for w in self.slots.iter_mut().filter_map(Option::take) {
            let WorkerProcess {
                mut child, stdin, ..
            } = w;
            drop(stdin);
            if tokio::time::timeout(Duration::from_secs(5), child.wait())
                .await
                .is_err()
            {
                let _ = child.kill().await;
            }
        }
    }

    /// SIGKILL every worker at once, then reap them, waiting briefly: a child that is
    /// not reaped in time is left to tokio, which reaps it later (it is dead either way).
    async fn kill_all(&mut self) {
        let mut children: Vec<Child> = Vec::new();
        for w in self.slots.iter_mut().filter_map(Option::take) {
            let mut child = w.child;
            let _ = child.start_kill();
            children.push(child);
        }
        let reap = children.iter_mut().map(|c| c.wait());
        let _ =
            tokio::time::timeout(Duration::from_millis(500), futures::future::join_all(reap)).await;
    }
}

/// A chunk waiting in the queue.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    index: usize,
    /// Attempts so far.
    tries: u32,
    /// Recognise with estimated word times whatever the job asks for.
    estimated: bool,
}

/// The shared state of one `process` call.
struct Run<'a> {
    config: &'a PoolConfig,
    chunks: &'a [ChunkInput],
    queue: Mutex<VecDeque<Attempt>>,
    results: Mutex<Vec<Option<ChunkOutput>>>,
    failed: CancellationToken,
    error: Mutex<Option<PoolError>>,
    events: &'a Events,
}

impl Run<'_> {
    async fn drive_slot(&self, slot: usize, worker: &mut Option<WorkerProcess>) {
        loop {
            if self.failed.is_cancelled() {
                return;
            }
            let Some(next) = self.queue.lock().ok().and_then(|mut q| q.pop_front()) else {
                return;
            };
            let (index, attempt) = (next.index, next.tries);
            if worker.is_none() {
                match spawn_worker(self.config, slot, self.events).await {
                    Ok(w) => *worker = Some(w),
                    Err(e) => return self.fail(e),
                }
            }
            let Some(w) = worker.as_mut() else { return };
            let input = &self.chunks[index];
            (self.events)(PoolEvent::ChunkStarted { slot, index });
            let answer = tokio::select! {
                a = tokio::time::timeout(self.config.chunk_timeout, w.run_job(input, next.estimated)) => a,
                _ = self.failed.cancelled() => return,
            };
            let reason = match answer {
                Ok(Ok(out)) => {
                    let cached = !out.done.recognized;
                    if let Ok(mut r) = self.results.lock() {
                        r[index] = Some(out);
                    }
                    (self.events)(PoolEvent::ChunkDone {
                        slot,
                        index,
                        cached,
                    });
                    continue;
                }
                Ok(Err(reason)) => reason,
                Err(_) => format!(
                    "worker stopped answering for {} s",
                    self.config.chunk_timeout.as_secs()
                ),
            };
            let job = &input.job;
            let aborted = worker
                .as_ref()
                .and_then(|w| w.exit)
                .and_then(|e| e.signal())
                == Some(SIGABRT);
            let estimated = next.estimated
                || (aborted
                    && job.transcript.is_none()
                    && job.decode.word_times == WordTimes::Aligned);
            // The worker is in an unknown state: replace it.
            if let Some(mut dead) = worker.take() {
                let _ = dead.child.kill().await;
                let status = dead.child.wait().await.ok();
                debug!(pid = dead.pid, ?status, "worker replaced");
            }
            warn!(slot, index, attempt, %reason, "chunk failed");
            (self.events)(PoolEvent::ChunkFailed {
                slot,
                index,
                attempt: attempt + 1,
                reason: reason.clone(),
            });
            if attempt >= self.config.max_retries {
                return self.fail(PoolError::Chunk {
                    index,
                    range: time_range(job.start, job.end),
                    attempts: attempt + 1,
                    reason,
                });
            }
            if estimated && !next.estimated {
                warn!(index, "retrying the chunk with estimated word times");
            }
            if let Ok(mut q) = self.queue.lock() {
                q.push_front(Attempt {
                    index,
                    tries: attempt + 1,
                    estimated,
                });
            }
        }
    }

    fn fail(&self, error: PoolError) {
        if let Ok(mut slot) = self.error.lock() {
            slot.get_or_insert(error);
        }
        self.failed.cancel();
    }
}

impl WorkerProcess {
    async fn run_job(
        &mut self,
        input: &ChunkInput,
        estimated: bool,
    ) -> Result<ChunkOutput, String> {
        let mut job = input.job.clone();
        if estimated {
            job.decode.word_times = WordTimes::Estimated;
        }
        let frame = encode_frame(&Request::Job(job), &input.samples).map_err(|e| e.to_string())?;
        self.send(&frame).await?;
        match self.receive().await? {
            (Reply::Done(done), audio) if done.index == input.job.index => {
                Ok(ChunkOutput { done, audio })
            }
            (Reply::Failed { error, .. }, _) => Err(error),
            (other, _) => Err(format!("unexpected reply {other:?}")),
        }
    }

    async fn send(&mut self, frame: &[u8]) -> Result<(), String> {
        let sent = match self.stdin.write_all(frame).await {
            Ok(()) => self.stdin.flush().await,
            Err(e) => Err(e),
        };
        match sent {
            Ok(()) => Ok(()),
            Err(e) => Err(self.died(e).await),
        }
    }

    async fn receive(&mut self) -> Result<(Reply, Vec<f32>), String> {
        let json = self.read_block().await?;
        let reply =
            serde_json::from_slice(&json).map_err(|e| format!("bad reply from worker: {e}"))?;
        let payload = self.read_block().await?;
        Ok((reply, decode_samples(&payload).map_err(|e| e.to_string())?))
    }

    async fn read_block(&mut self) -> Result<Vec<u8>, String> {
        let read = match self.stdout.read_u32_le().await {
            Ok(len) => {
                let mut buf = vec![0u8; len as usize];
                self.stdout.read_exact(&mut buf).await.map(|_| buf)
            }
            Err(e) => Err(e),
        };
        match read {
            Ok(buf) => Ok(buf),
            Err(e) => Err(self.died(e).await),
        }
    }

    /// Describe a broken pipe as what it usually is: the worker process died, with its
    /// exit status and last log line (a panic message, say).
    async fn died(&mut self, e: std::io::Error) -> String {
        let status = tokio::time::timeout(Duration::from_secs(2), self.child.wait()).await;
        let what = match status {
            Ok(Ok(status)) => {
                self.exit = Some(status);
                format!("worker {} exited ({status})", self.pid)
            }
            _ => format!("worker {} connection lost: {e}", self.pid),
        };
        match self.last_log.lock().ok().and_then(|l| l.clone()) {
            Some(line) => format!("{what}; its last log line: {line}"),
            None => what,
        }
    }
}

/// glibc's environment knob for the size above which allocations are mapped on their own
/// (and handed back to the system when freed); other C libraries ignore it.
const MMAP_THRESHOLD_VAR: &str = "MALLOC_MMAP_THRESHOLD_";

async fn spawn_worker(
    config: &PoolConfig,
    slot: usize,
    events: &Events,
) -> Result<WorkerProcess, PoolError> {
    let spawn_err = |reason: String| PoolError::Spawn {
        exe: config.exe.clone(),
        reason,
    };
    let mut command = Command::new(&config.exe);
    command.args(&config.args);
    // glibc raises its mmap threshold each time a large block is freed, so whisper.cpp's
    // working state, freed after every chunk, comes back from a heap that fragments: a
    // worker's peak grew chunk by chunk (news_8k, Natural: 432-443 MiB; with the threshold
    // fixed at glibc's default, 416). A value the user set is kept.
    if std::env::var_os(MMAP_THRESHOLD_VAR).is_none() {
        command.env(MMAP_THRESHOLD_VAR, "131072");
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| spawn_err(e.to_string()))?;
    let pid = child.id().unwrap_or(0);
    let (Some(stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(spawn_err("no pipes to the worker".into()));
    };
    let last_log = Arc::new(Mutex::new(None));
    tokio::spawn(forward_logs(slot, pid, stderr, last_log.clone()));
    let mut w = WorkerProcess {
        child,
        stdin,
        stdout,
        pid,
        last_log,
        exit: None,
    };
    let setup = Request::Setup {
        protocol: PROTOCOL_VERSION,
        setup: config.setup.clone(),
    };
    let frame = encode_frame(&setup, &[]).map_err(|e| spawn_err(e.to_string()))?;
    w.send(&frame).await.map_err(spawn_err)?;
    match w.receive().await.map_err(PoolError::Setup)? {
        (Reply::Ready { protocol, .. }, _) if protocol == PROTOCOL_VERSION => {}
        (Reply::Failed { error, .. }, _) => return Err(PoolError::Setup(error)),
        (other, _) => return Err(PoolError::Setup(format!("unexpected reply {other:?}"))),
    }
    (events)(PoolEvent::WorkerStarted { slot, pid });
    Ok(w)
}

/// Worker stderr (its tracing logs) goes to our log: its warnings and errors as such (so the
/// CLI shows them), everything else at debug level.
async fn forward_logs(
    slot: usize,
    pid: u32,
    stderr: tokio::process::ChildStderr,
    last: Arc<Mutex<Option<String>>>,
) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        match worker_level(&line) {
            Some((tracing::Level::ERROR, message)) => {
                tracing::error!(target: "revoice::worker", slot, pid, "{message}")
            }
            Some((tracing::Level::WARN, message)) => {
                tracing::warn!(target: "revoice::worker", slot, pid, "{message}")
            }
            _ => debug!(target: "revoice::worker", slot, pid, "{line}"),
        }
        if let Ok(mut l) = last.lock() {
            *l = Some(line);
        }
    }
}

/// The level of a worker's log line ("<time> WARN <message>") and its message.
fn worker_level(line: &str) -> Option<(tracing::Level, &str)> {
    let mut parts = line.trim_start().splitn(2, char::is_whitespace);
    let _time = parts.next()?;
    let rest = parts.next()?.trim_start();
    let (level, message) = rest.split_once(char::is_whitespace)?;
    Some((level.parse().ok()?, message.trim_start()))
}

/// "1:00.0-2:00.0" for a chunk's 16 kHz sample range.
pub fn time_range(start: usize, end: usize) -> String {
    let fmt = |pos: usize| {
        let secs = pos as f64 / ASR_RATE as f64;
        format!("{}:{:04.1}", (secs / 60.0).floor() as u64, secs % 60.0)
    };
    format!("{}-{}", fmt(start), fmt(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_warnings_keep_their_level() {
        let warn = "2026-11-21T23:18:32.316877Z  WARN revoice::workers::worker: no stress marks";
        assert_eq!(
            worker_level(warn),
            Some((
                tracing::Level::WARN,
                "revoice::workers::worker: no stress marks"
            ))
        );
        assert_eq!(
            worker_level("2026-11-21T23:18:32Z DEBUG fitted"),
            Some((tracing::Level::DEBUG, "fitted"))
        );
        assert_eq!(worker_level("thread 'main' panicked"), None);
    }

    #[test]
    fn time_ranges_read_as_minutes_and_seconds() {
        assert_eq!(time_range(0, 960_000), "0:00.0-1:00.0");
        assert_eq!(time_range(960_000, 1_928_000), "1:00.0-2:00.5");
    }
}
