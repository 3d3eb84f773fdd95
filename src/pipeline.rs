//! The journey of one file: decode -> resample -> chunk -> (cache) -> workers -> assemble ->
//! encode. The CLI and the app call [`Engine`]; everything they show comes from its
//! [`Progress`] events and the [`Summary`] it returns.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::asr::DecodeSettings;
use crate::asr::ASR_RATE;
use crate::audio::{rescale_pos, Audio};
use crate::cache::TranscriptCache;
use crate::chunk::{conversion_chunks, Chunk};
use crate::options::Options;
use crate::prosody::{loudness, Prosody};
use crate::settings::{self, Parallelism, Quality};
use crate::transcript::Transcript;
use crate::tts::VoicePlan;
use crate::workers::program::WorkerProgram;
use crate::workers::protocol::{ChunkJob, VoiceUse, WorkerSetup};
use crate::workers::{ChunkInput, ChunkOutput, PoolConfig, PoolEvent, WorkerPool};
use crate::{assemble, decode, encode, resample, Error};

/// Crossfade at chunk joins. Joins sit at quiet points, so a short one suffices.
const JOIN_CROSSFADE_MS: usize = 10;

/// Everything a conversion needs: the user's choices and the files they resolved to
/// (see [`Options::resolve`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertSettings {
    pub options: Options,
    pub whisper_model: PathBuf,
    /// Which voice speaks which language.
    pub voices: VoicePlan,
    pub onnxruntime: PathBuf,
    /// Where the Russian stress model is (`ru-stress*.json/onnx`); usually the models dir.
    pub stress_dir: PathBuf,
    /// `None`: the default transcript cache dir.
    pub cache_dir: Option<PathBuf>,
    /// The executable and arguments that start a worker (normally `revoice worker`).
    pub worker: WorkerProgram,
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
    pub stress: f64,
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
    /// Which voice spoke which language.
    pub voices: Vec<VoiceUse>,
    pub segments: usize,
    /// What was said, segment by segment.
    pub transcript: Vec<TranscriptLine>,
    pub parallelism: Parallelism,
    /// The vector instructions the workers' recogniser used (`avx2` or `avx512`), and why
    /// (see [`crate::workers::program`]).
    pub simd: String,
    pub simd_why: String,
    pub stages: StageSecs,
    pub wall_secs: f64,
    /// wall time / audio duration (below 1 is faster than real time)
    pub real_time_factor: f64,
    pub peak_rss_mib_supervisor: f64,
    pub peak_rss_mib_worker: f64,
}

/// One recognised segment, with times in the file (not the chunk).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscriptLine {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
    /// What the voice said: the text, with stress marks (`+` before the stressed vowel)
    /// where the stress stage put them.
    pub spoken: String,
    pub language: String,
}

/// One chunk converted ahead of the whole file (see [`Engine::preview`]).
#[derive(Debug, Clone)]
pub struct Preview {
    pub input: PathBuf,
    /// Which chunk, of how many.
    pub chunk: usize,
    pub chunks: usize,
    /// Where the chunk starts in the file.
    pub start_secs: f64,
    /// The chunk as recorded (mono, source rate) and as converted: same rate, same length.
    pub original: Audio,
    pub converted: Audio,
    pub transcript: Vec<TranscriptLine>,
}

/// A file cut into chunks, each with its worker job ready (transcript from the cache when
/// there is one).
struct Plan {
    source: Audio,
    /// `source` at the recognition rate.
    speech: Audio,
    chunks: Vec<Chunk>,
    /// Per chunk: its cache key and its cached transcript, if any.
    keys: Vec<String>,
    cached: Vec<Option<Transcript>>,
    decode_settings: DecodeSettings,
    model_id: String,
    quality: Quality,
    prosody: Prosody,
}

impl Plan {
    fn cached(&self) -> usize {
        self.cached.iter().filter(|t| t.is_some()).count()
    }

    /// The worker job for chunk `i`.
    fn input(&self, i: usize) -> ChunkInput {
        let c = &self.chunks[i];
        let job = ChunkJob {
            index: c.index,
            start: c.start,
            end: c.end,
            decode: self.decode_settings.clone(),
            quality: self.quality,
            transcript: self.cached[i].clone(),
            prosody: self.prosody,
        };
        ChunkInput {
            job,
            samples: self.speech.samples[c.start..c.end].to_vec(),
        }
    }
}

/// Converts files; keeps its worker pool between files of the same shape.
pub struct Engine {
    settings: ConvertSettings,
    cache: Option<TranscriptCache>,
    pool: Option<(Parallelism, WorkerPool)>,
    use_gpu: bool,
}

impl StageSecs {
    /// Add the workers' recognition, stress, synthesis and fit times.
    fn add_worker_times(&mut self, outputs: &[ChunkOutput]) {
        for out in outputs {
            let m = out.done.millis;
            self.recognition += m.recognition as f64 / 1000.0;
            self.stress += m.stress as f64 / 1000.0;
            self.synthesis += m.synthesis as f64 / 1000.0;
            self.fit += m.fit as f64 / 1000.0;
        }
    }
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
        check_exists(input)?;
        encode::check_writable(output)?;
        let mut stages = StageSecs::default();

        let t = Instant::now();
        let plan = self.plan(input)?;
        stages.decode = t.elapsed().as_secs_f64();
        let cache_hits = plan.cached();

        let all: Vec<usize> = (0..plan.chunks.len()).collect();
        let duration = plan.source.duration_secs();
        let (outputs, parallelism) = self
            .process(input, &plan, &all, duration, progress, cancel)
            .await?;
        stages.add_worker_times(&outputs);

        progress(Progress::Assembling {
            input: input.to_path_buf(),
        });
        let t = Instant::now();
        let mut rendered = assemble_output(
            &plan.chunks,
            &outputs,
            plan.speech.samples.len(),
            plan.source.samples.len(),
            plan.source.rate,
        )?;
        if plan.prosody.loudness {
            match_input_loudness(&mut rendered, &plan.speech);
        }
        stages.assemble = t.elapsed().as_secs_f64();

        let t = Instant::now();
        encode::write_audio(output, &rendered)?;
        stages.encode = t.elapsed().as_secs_f64();

        let wall = started.elapsed().as_secs_f64();
        let transcript = transcript_lines(&outputs);
        // In order of first appearance, line by line (a chunk may hold several).
        let mut languages: Vec<String> = Vec::new();
        for line in &transcript {
            if !languages.contains(&line.language) {
                languages.push(line.language.clone());
            }
        }
        let mut voices: Vec<VoiceUse> = outputs
            .iter()
            .flat_map(|o| o.done.voices.iter().cloned())
            .collect();
        voices.sort();
        voices.dedup();
        Ok(Summary {
            input: input.to_path_buf(),
            output: output.to_path_buf(),
            duration_secs: duration,
            sample_rate: rendered.rate,
            output_samples: rendered.samples.len(),
            chunks: plan.chunks.len(),
            cache_hits,
            languages,
            voices,
            segments: transcript.len(),
            transcript,
            parallelism,
            simd: self.settings.worker.simd.clone(),
            simd_why: self.settings.worker.why.clone(),
            stages,
            wall_secs: wall,
            real_time_factor: wall / duration.max(1e-9),
            peak_rss_mib_supervisor: crate::memory::peak_rss_kib() as f64 / 1024.0,
            peak_rss_mib_worker: outputs
                .iter()
                .map(|o| o.done.peak_rss_kib)
                .max()
                .unwrap_or(0) as f64
                / 1024.0,
        })
    }

    /// Convert only the chunk that holds `at_secs`, to hear the result before converting the
    /// whole file. Nothing is written; the chunk's transcript goes to the cache, so the full
    /// conversion afterwards does not recognise it again.
    pub async fn preview(
        &mut self,
        input: &Path,
        at_secs: f64,
        progress: &ProgressSink,
        cancel: &CancellationToken,
    ) -> Result<Preview, Error> {
        let plan = self.plan(input)?;
        let at = (at_secs.max(0.0) * ASR_RATE as f64) as usize;
        let index = plan
            .chunks
            .iter()
            .position(|c| at < c.end)
            .unwrap_or(plan.chunks.len().saturating_sub(1));
        let chunk = &plan.chunks[index];
        let secs = (chunk.end - chunk.start) as f64 / ASR_RATE as f64;
        let (outputs, _) = self
            .process(input, &plan, &[index], secs, progress, cancel)
            .await?;

        let rate = plan.source.rate;
        let from = rescale_pos(chunk.start, ASR_RATE, rate);
        let to = rescale_pos(chunk.end, ASR_RATE, rate).min(plan.source.samples.len());
        let original = plan.source.samples[from..to].to_vec();
        let local = Chunk {
            index: 0,
            start: 0,
            end: chunk.end - chunk.start,
        };
        let mut converted = assemble_output(&[local], &outputs, local.end, original.len(), rate)?;
        if plan.prosody.loudness {
            let speech = &plan.speech.samples[chunk.start..chunk.end];
            match_input_loudness(&mut converted, &Audio::new(speech.to_vec(), ASR_RATE));
        }
        Ok(Preview {
            input: input.to_path_buf(),
            chunk: index,
            chunks: plan.chunks.len(),
            start_secs: from as f64 / rate as f64,
            original: Audio::new(original, rate),
            converted,
            transcript: transcript_lines(&outputs),
        })
    }

    /// Decode, resample for recognition, cut into chunks and look each chunk up in the cache.
    fn plan(&self, input: &Path) -> Result<Plan, Error> {
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
        let chunks = conversion_chunks(&speech, self.settings.options.chunk_secs);
        let decode_settings = settings::decode_settings(
            &self.settings.options.language,
            self.settings.options.quality,
        );
        let model_id = model_id(&self.settings.whisper_model);
        let keys: Vec<String> = chunks
            .iter()
            .map(|c| {
                TranscriptCache::key(&speech.samples[c.start..c.end], &model_id, &decode_settings)
            })
            .collect();
        let cached = keys
            .iter()
            .map(|key| self.cache.as_ref().and_then(|cache| cache.get(key)))
            .collect();
        Ok(Plan {
            source,
            speech,
            chunks,
            keys,
            cached,
            decode_settings,
            model_id,
            quality: self.settings.options.quality,
            prosody: self.settings.options.prosody(),
        })
    }

    /// Run the chunks `which` of `plan` through the workers and cache new transcripts.
    async fn process(
        &mut self,
        input: &Path,
        plan: &Plan,
        which: &[usize],
        duration_secs: f64,
        progress: &ProgressSink,
        cancel: &CancellationToken,
    ) -> Result<(Vec<ChunkOutput>, Parallelism), Error> {
        let inputs: Vec<ChunkInput> = which.iter().map(|&i| plan.input(i)).collect();
        let cached = inputs.iter().filter(|i| i.job.transcript.is_some()).count();
        let parallelism = settings::parallelism(
            settings::machine_cores(),
            crate::memory::available_mib(),
            inputs.len(),
            self.settings.options.workers,
            self.settings.options.threads,
        );
        info!(input = %input.display(), chunks = inputs.len(), cached, reason = %parallelism.reason, "converting");
        progress(Progress::FileStarted {
            input: input.to_path_buf(),
            duration_secs,
            chunks: inputs.len(),
            cached,
            parallelism: parallelism.clone(),
        });

        // Starting workers loads their models (seconds): a cancel must not wait for it.
        // Workers half-started when the future is dropped are killed (`kill_on_drop`).
        let pool = tokio::select! {
            pool = self.pool_for(&parallelism, progress) => pool?,
            _ = cancel.cancelled() => return Err(crate::workers::PoolError::Cancelled.into()),
        };
        let sink = progress.clone();
        let events = move |e: PoolEvent| sink(Progress::Pool(e));
        let outputs = pool.process(inputs, &events, cancel).await?;

        if let Some(cache) = &self.cache {
            for (out, &i) in outputs.iter().zip(which) {
                // A chunk retried with other word times is not what its key describes.
                if out.done.recognized && out.done.word_times == plan.decode_settings.word_times {
                    cache.put(
                        &plan.keys[i],
                        &plan.model_id,
                        &plan.decode_settings,
                        &out.done.transcript,
                    )?;
                }
            }
        }
        Ok((outputs, parallelism))
    }

    pub fn settings(&self) -> &ConvertSettings {
        &self.settings
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
            exe: s.worker.exe.clone(),
            args: s.worker.args.clone(),
            workers: p.workers,
            setup: WorkerSetup {
                whisper_model: s.whisper_model.clone(),
                voices: s.voices.clone(),
                onnxruntime: s.onnxruntime.clone(),
                stress_dir: s.stress_dir.clone(),
                threads: p.threads,
                use_gpu: self.use_gpu,
                word_times: s.options.quality.word_times(),
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

/// Join the chunks on the voice's timeline, bring it to `out_rate` and exactly `frames` long.
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

/// Bring the output to the input's integrated loudness, below the peak ceiling.
fn match_input_loudness(output: &mut Audio, input: &Audio) {
    let Some(target) = loudness::integrated_lufs(&input.samples, input.rate) else {
        return;
    };
    if let Some(m) = loudness::match_loudness(&mut output.samples, output.rate, target) {
        tracing::info!(
            target_lufs = target,
            gain_db = m.gain_db,
            limited_db = m.limited_db,
            "output loudness matched to the input"
        );
    }
}

/// The recognised segments of all chunks, in order, with times in the file.
fn transcript_lines(outputs: &[ChunkOutput]) -> Vec<TranscriptLine> {
    outputs
        .iter()
        .flat_map(|o| {
            let language = &o.done.transcript.language;
            o.done
                .transcript
                .segments
                .iter()
                .map(move |s| TranscriptLine {
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    text: s.text.trim().to_string(),
                    spoken: s.spoken().trim().to_string(),
                    language: s.language_or(language).to_string(),
                })
        })
        .filter(|l| !l.text.is_empty())
        .collect()
}

fn check_exists(input: &Path) -> Result<(), Error> {
    if input.exists() {
        Ok(())
    } else {
        Err(decode::DecodeError::NotFound {
            path: input.to_path_buf(),
        }
        .into())
    }
}

/// Identifies a model for the cache: its file name and size.
/// The model as the transcript cache names it: file name and size.
pub(crate) fn model_id(path: &Path) -> String {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name}:{size}")
}
