//! User-facing choices (quality, device, workers) and the defaults derived from the machine.

use serde::{Deserialize, Serialize};

use crate::asr::{AudioContext, DecodeSettings, WordTimes};

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Quality {
    /// Greedy recognition; timing fitted by time-stretch alone; no Russian stress marks.
    Fast,
    /// Greedy recognition; timing fitted by the voice's pace, then time-stretch; Russian
    /// stress from Silero's dictionary and n-gram model.
    #[default]
    Normal,
    /// Beam search (5) recognition; timing and stress as in normal, and Russian homographs
    /// settled from their sentence.
    High,
}

impl Quality {
    pub fn beam_size(self) -> Option<u32> {
        match self {
            Quality::High => Some(5),
            Quality::Fast | Quality::Normal => None,
        }
    }

    /// Whisper's own 30 s windows at every quality. Fitted windows (see [`AudioContext`])
    /// recognise in about 0.6 of the time, but lose words, even at fast quality where
    /// word times matter least: fast conversions lost 1-6 points of round-trip WER (jfk 0.0
    /// -> 4.5 %, lecture_en 9.5 -> 11.2 %, lecture_ru 69.4 -> 70.4 %, news_8k 13.8 -> 19.5 %)
    /// for 10-36 % less time (docs/benchmarks-notes.md). `revoice bench --asr` measures both.
    pub fn audio_context(self) -> AudioContext {
        AudioContext::Full
    }

    /// Where the word times that place the new voice's words come from. Aligned (dynamic
    /// time warping) at normal and high quality: against whisper.cpp's estimate, natural
    /// conversions of the corpus lost fewer words on every file (round-trip WER lecture_en
    /// 11.2 -> 9.5 %, lecture_ru 60.2 -> 52.8, news_8k 16.8 -> 14.7, multilingual 25.3 ->
    /// 21.9, jfk 0.0 and names_numbers_ru 68.8 unchanged) in about the same time; word
    /// onsets got better on four files and worse on jfk (p95 200 -> 1180 ms) and lecture_ru
    /// (docs/quality-notes.md). A worker that aborts while aligning (whisper.cpp asserts on
    /// very short stretches) has its chunk retried with estimated times. Fast quality keeps
    /// the estimate.
    pub fn word_times(self) -> WordTimes {
        match self {
            Quality::Fast => WordTimes::Estimated,
            Quality::Normal | Quality::High => WordTimes::Aligned,
        }
    }
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    /// CUDA when this build and machine have it, else CPU.
    #[default]
    Auto,
    Cpu,
    Cuda,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DeviceError {
    #[error("CUDA was asked for, but this build of revoice has no CUDA support (rebuild with `cargo build --release --features cuda`)")]
    NoCudaBuild,
}

impl Device {
    /// Whether to ask whisper.cpp for the GPU.
    pub fn use_gpu(self) -> Result<bool, DeviceError> {
        match self {
            Device::Cpu => Ok(false),
            Device::Auto => Ok(cfg!(feature = "cuda")),
            Device::Cuda if cfg!(feature = "cuda") => Ok(true),
            Device::Cuda => Err(DeviceError::NoCudaBuild),
        }
    }
}

/// Workers x threads for this machine, and why.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parallelism {
    pub workers: usize,
    pub threads: usize,
    pub reason: String,
}

/// Memory one worker needs with Whisper base and a medium Piper voice, with headroom.
const WORKER_MEMORY_MIB: u64 = 600;

/// Threads each worker gets by default. Recognition and synthesis run twice as fast on two
/// threads as on one, so on 2 cores one worker with 2 threads converts as fast as two with
/// one each (a 600 s file: 172.5 s against 170.9 s), gives its first chunk sooner (9.2 s
/// against 14.5 s) and needs half the memory (`revoice bench --shapes 2x1,1x2`, see
/// docs/benchmarks.md). Beyond two threads per worker is not measured yet.
const THREADS_PER_WORKER: usize = 2;

/// Choose workers and threads: one worker per [`THREADS_PER_WORKER`] cores, limited by
/// memory and by the number of chunks; spare cores go to threads.
pub fn parallelism(
    cores: usize,
    available_mib: u64,
    chunks: usize,
    workers: Option<usize>,
    threads: Option<usize>,
) -> Parallelism {
    let cores = cores.max(1);
    let by_memory = ((available_mib / WORKER_MEMORY_MIB) as usize).max(1);
    let (workers, why) = match workers {
        Some(w) => (w.max(1), "as asked".to_string()),
        None => {
            let by_cores = (cores / THREADS_PER_WORKER).max(1);
            let w = by_cores.min(by_memory).min(chunks.max(1));
            let limit = if w == chunks.max(1) && w < by_cores {
                format!("{chunks} chunk(s)")
            } else if w == by_memory && w < by_cores {
                format!("{available_mib} MiB free memory")
            } else {
                format!("{cores} core(s)")
            };
            (
                w,
                format!("one per {THREADS_PER_WORKER} cores, limited by {limit}"),
            )
        }
    };
    let threads = threads.unwrap_or((cores / workers).max(1)).max(1);
    Parallelism {
        workers,
        threads,
        reason: format!("{workers} worker(s): {why}; {threads} thread(s) each"),
    }
}

pub fn machine_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The decoding settings for a language choice ("auto" or a code) and a quality.
pub fn decode_settings(language: &str, quality: Quality) -> DecodeSettings {
    let language = match language.trim() {
        "" | "auto" => None,
        code => Some(code.to_lowercase()),
    };
    DecodeSettings {
        language,
        beam_size: quality.beam_size(),
        context: quality.audio_context(),
        word_times: quality.word_times(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_are_shared_out_in_pairs() {
        let p = parallelism(2, 20_000, 5, None, None);
        assert_eq!((p.workers, p.threads), (1, 2));
        let p = parallelism(16, 20_000, 50, None, None);
        assert_eq!((p.workers, p.threads), (8, 2));
        assert!(p.reason.contains("16 core(s)"), "{}", p.reason);
        assert_eq!(parallelism(1, 20_000, 5, None, None).threads, 1);
    }

    #[test]
    fn one_chunk_gets_one_worker_with_all_cores() {
        let p = parallelism(8, 20_000, 1, None, None);
        assert_eq!((p.workers, p.threads), (1, 8));
        assert!(p.reason.contains("1 chunk"), "{}", p.reason);
    }

    #[test]
    fn memory_limits_workers() {
        let p = parallelism(16, 1_300, 20, None, None);
        assert_eq!((p.workers, p.threads), (2, 8));
        assert!(p.reason.contains("MiB"), "{}", p.reason);
    }

    #[test]
    fn explicit_choices_win() {
        let p = parallelism(2, 20_000, 5, Some(3), Some(2));
        assert_eq!((p.workers, p.threads), (3, 2));
    }

    #[test]
    fn cuda_without_the_feature_is_refused() {
        if !cfg!(feature = "cuda") {
            assert_eq!(Device::Cuda.use_gpu(), Err(DeviceError::NoCudaBuild));
            assert_eq!(Device::Auto.use_gpu(), Ok(false));
        }
    }

    #[test]
    fn auto_language_means_detection() {
        assert_eq!(
            decode_settings("auto", Quality::High),
            DecodeSettings {
                language: None,
                beam_size: Some(5),
                context: AudioContext::Full,
                word_times: WordTimes::Aligned,
            }
        );
        assert_eq!(
            decode_settings("en", Quality::Fast).word_times,
            WordTimes::Estimated
        );
        assert_eq!(
            decode_settings("RU", Quality::Fast).language.as_deref(),
            Some("ru")
        );
    }
}
