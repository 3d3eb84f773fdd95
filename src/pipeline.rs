//! The journey of one file: decode -> resample -> chunk -> (cache) -> workers -> assemble ->
//! encode. The CLI and the app call [`Engine`]; everything they show comes from its
//! [`Progress`] events and the [`Summary`] it returns.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::asr::ASR_RATE;
use crate::audio::{rescale_pos, Audio};
use crate::cache::TranscriptCache;
use crate::chunk::{plan_chunks, Chunk};
use crate::options::Options;
use crate::settings::{self, Parallelism};
use crate::workers::protocol::{ChunkJob, WorkerSetup};
use crate::workers::{ChunkInput, ChunkOutput, PoolConfig, PoolEvent, WorkerPool};
use crate::{assemble, decode, encode, resample, Error};

/// Crossfade at chunk joins. Joins sit at quiet points, so a short one suffices.
const JOIN_CROSSFADE_MS: usize = 10;
/// How far a chunk boundary may move from its target to find a pause.
const CHUNK_SEARCH_SECS: f64 = 5.0;

/// Everything a conversion needs: the user's choices and the files they resolved to
/// (see [`Options::resolve`]).
#[derive(Debug, Clone)]
pub struct ConvertSettings {
    pub options: Options,
    pub whisper_model: PathBuf,
    pub voice: PathBuf,
    pub onnxruntime: PathBuf,
    /// `None`: the default transcript cache dir.
    pub cache_dir: Option<PathBuf>,
    /// The executable and arguments that start a worker (normally `revoice worker`).
    pub worker_exe: PathBuf,
    pub worker_args: Vec<String>,
    /// Per-chunk limit before a worker counts as hung; default scales with chunk length.
    pub chunk_timeout: Option<Duration>,
}

/// Progress of a conversion, for progress bars and the app.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Progress {
    FileStarted {
        input: PathBuf,
        duration_secs: f64,
        chunks: usize,
        cached: usize,
        parallelism: Parallelism,
    },
    Pool(PoolEvent),
    Assembling {
        input: PathBuf,
    },
}

pub type ProgressSink = Arc<dyn Fn(Progress) + Send + Sync>;

/// Seconds spent per stage. Recognition, synthesis and fit are summed over workers (they
/// overlap in time); decode, assemble and encode run in the supervisor.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct StageSecs {
    pub decode: f64,
    pub recognition: f64,
    pub synthesis: f64,
    pub fit: f64,
    pub assemble: f64,
    pub encode: f64,
}

#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub input: PathBuf,
    pub output: PathBuf,
    pub duration_secs: f64,
    pub sample_rate: u32,
    pub output_samples: usize,
    pub chunks: usize,
    pub cache_hits: usize,
    pub languages: Vec<String>,
    pub segments: usize,
    pub parallelism: Parallelism,
    pub stages: StageSecs,
    pub wall_secs: f64,
    /// wall time / audio duration (below 1 is faster than real time)
    pub real_time_factor: f64,
    pub peak_rss_mib_supervisor: f64,
    pub peak_rss_mib_worker: f64,
}

/// Converts files; keeps its worker pool between files of the same shape.
pub struct Engine {
    settings: ConvertSettings,
    cache: Option<TranscriptCache>,
    pool: Option<(Parallelism, WorkerPool)>,
    use_gpu: bool,
}

impl Engine {
    pub fn new(settings: ConvertSettings) -> Result<Self, Error> {
        let use_gpu = settings.options.device.use_gpu()?;
        let cache = if settings.options.use_cache {
            settings
                .cache_dir
                .clone()
                .or_else(TranscriptCache::default_dir)
                .map(TranscriptCache::new)
        } else {
            None
        };
        Ok(Self {
            settings,
            cache,
            pool: None,
            use_gpu,
        })
    }

    /// Convert `input` into `output` (wav or flac by extension).
    pub async fn convert(
        &mut self,
        input: &Path,
        output: &Path,
        progress: &ProgressSink,
        cancel: &CancellationToken,
    ) -> Result<Summary, Error> {
        let started = Instant::now();
        // Cheap checks first, so a typo fails at once rather than after decoding.
        if !input.exists() {
            return Err(decode::DecodeError::NotFound {
                path: input.to_path_buf(),
            }
            .into());
        }
        encode::check_writable(output)?;
        let mut stages = StageSecs::default();

        let t = Instant::now();
        let decoded = decode::decode_file(input)?;
        if decoded.truncated {
            // A partial recording would give a partial conversion that looks complete.
            let secs = decoded.audio.duration_secs();
            return Err(decode::DecodeError::EndsEarly {
                path: input.to_path_buf(),
                secs,
            }
            .into());
        }
        let source = decoded.audio;
        let speech = resample::resample(&source, ASR_RATE)?;
        stages.decode = t.elapsed().as_secs_f64();

        let chunks = plan_chunks(&speech, self.settings.options.chunk_secs, CHUNK_SEARCH_SECS);
        let decode_settings = settings::decode_settings(
            &self.settings.options.language,
            self.settings.options.quality,
        );
        let model_id = model_id(&self.settings.whisper_model);
        let mut keys = Vec::with_capacity(chunks.len());
        let mut inputs = Vec::with_capacity(chunks.len());
        for c in &chunks {
            let samples = speech.samples[c.start..c.end].to_vec();
            let key = TranscriptCache::key(&samples, &model_id, &decode_settings);
            let transcript = self.cache.as_ref().and_then(|cache| cache.get(&key));
            keys.push(key);
            let job = ChunkJob {
                index: c.index,
                start: c.start,
                end: c.end,
                decode: decode_settings.clone(),
                quality: self.settings.options.quality,
                transcript,
            };
            inputs.push(ChunkInput { job, samples });
        }
        let cached = inputs.iter().filter(|i| i.job.transcript.is_some()).count();
        let parallelism = settings::parallelism(
            settings::machine_cores(),
            crate::memory::available_mib(),
            chunks.len(),
            self.settings.options.workers,
            self.settings.options.threads,
        );
        info!(input = %input.display(), chunks = chunks.len(), cached, reason = %parallelism.reason, "converting");
        progress(Progress::FileStarted {
            input: input.to_path_buf(),
            duration_secs: source.duration_secs(),
            chunks: chunks.len(),
            cached,
            parallelism: parallelism.clone(),
        });

        let pool = self.pool_for(&parallelism, progress).await?;
        let sink = progress.clone();
        let events = move |e: PoolEvent| sink(Progress::Pool(e));
        let outputs = pool.process(inputs, &events, cancel).await?;

        for (out, key) in outputs.iter().zip(&keys) {
            let m = out.done.millis;
            stages.recognition += m.recognition as f64 / 1000.0;
            stages.synthesis += m.synthesis as f64 / 1000.0;
            stages.fit += m.fit as f64 / 1000.0;
            if let (Some(cache), true) = (&self.cache, out.done.recognized) {
                cache.put(key, &model_id, &decode_settings, &out.done.transcript)?;
            }
        }

        progress(Progress::Assembling {
            input: input.to_path_buf(),
        });
        let t = Instant::now();
        let rendered = assemble_output(
            &chunks,
            &outputs,
            speech.samples.len(),
            source.samples.len(),
            source.rate,
        )?;
        stages.assemble = t.elapsed().as_secs_f64();

        let t = Instant::now();
        encode::write_audio(output, &rendered)?;
        stages.encode = t.elapsed().as_secs_f64();

        let wall = started.elapsed().as_secs_f64();
        let mut languages: Vec<String> = outputs
            .iter()
            .map(|o| o.done.transcript.language.clone())
            .collect();
        languages.dedup();
        Ok(Summary {
            input: input.to_path_buf(),
            output: output.to_path_buf(),
            duration_secs: source.duration_secs(),
            sample_rate: rendered.rate,
            output_samples: rendered.samples.len(),
            chunks: chunks.len(),
            cache_hits: cached,
            languages,
            segments: outputs
                .iter()
                .map(|o| o.done.transcript.segments.len())
                .sum(),
            parallelism,
            stages,
            wall_secs: wall,
            real_time_factor: wall / source.duration_secs().max(1e-9),
            peak_rss_mib_supervisor: crate::memory::peak_rss_kib() as f64 / 1024.0,
            peak_rss_mib_worker: outputs
                .iter()
                .map(|o| o.done.peak_rss_kib)
                .max()
                .unwrap_or(0) as f64
                / 1024.0,
        })
    }

    /// The transcripts of the last conversion are in the cache; this exposes where.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache.as_ref().map(|c| c.dir())
    }

    /// Reuse the running pool when its shape fits, else start one.
    async fn pool_for(
        &mut self,
        want: &Parallelism,
        progress: &ProgressSink,
    ) -> Result<&mut WorkerPool, Error> {
        let reusable = matches!(&self.pool, Some((have, _)) if have.workers == want.workers && have.threads == want.threads);
        if !reusable {
            if let Some((_, old)) = self.pool.take() {
                old.shutdown().await;
            }
            let sink = progress.clone();
            let events = move |e: PoolEvent| sink(Progress::Pool(e));
            let pool = WorkerPool::start(self.pool_config(want), &events).await?;
            self.pool = Some((want.clone(), pool));
        }
        match &mut self.pool {
            Some((_, pool)) => Ok(pool),
            None => unreachable!("pool was just started"),
        }
    }

    fn pool_config(&self, p: &Parallelism) -> PoolConfig {
        let s = &self.settings;
        PoolConfig {
            exe: s.worker_exe.clone(),
            args: s.worker_args.clone(),
            workers: p.workers,
            setup: WorkerSetup {
                whisper_model: s.whisper_model.clone(),
                voice: s.voice.clone(),
                onnxruntime: s.onnxruntime.clone(),
                threads: p.threads,
                use_gpu: self.use_gpu,
            },
            // Generous: beam search on a slow machine takes ~0.3 s per second of audio.
            chunk_timeout: s
                .chunk_timeout
                .unwrap_or(Duration::from_secs_f64(120.0 + 6.0 * s.options.chunk_secs)),
            max_retries: 2,
        }
    }

    /// Stop the workers.
    pub async fn shutdown(mut self) {
        if let Some((_, pool)) = self.pool.take() {
            pool.shutdown().await;
        }
    }
}

/// Join the chunks on the voice's timeline, bring it to the input's rate and exact length.
fn assemble_output(
    chunks: &[Chunk],
    outputs: &[ChunkOutput],
    speech_len: usize,
    frames: usize,
    out_rate: u32,
) -> Result<Audio, Error> {
    let voice_rate = outputs.first().map(|o| o.done.rate).unwrap_or(out_rate);
    let parts: Vec<(usize, Vec<f32>)> = chunks
        .iter()
        .zip(outputs)
        .map(|(c, o)| (rescale_pos(c.start, ASR_RATE, voice_rate), o.audio.clone()))
        .collect();
    let total = rescale_pos(speech_len, ASR_RATE, voice_rate);
    let crossfade = voice_rate as usize * JOIN_CROSSFADE_MS / 1000;
    let joined = Audio::new(assemble::join_chunks(&parts, total, crossfade), voice_rate);
    let mut out = resample::resample(&joined, out_rate)?;
    // Rounding across two rate changes can leave a sample more or less: the output has
    // exactly the input's length.
    out.samples.resize(frames, 0.0);
    assemble::guard_peaks(&mut out.samples);
    Ok(out)
}

/// Identifies a model for the cache: its file name and size.
fn model_id(path: &Path) -> String {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name}:{size}")
}
