//! The worker side: a process that loads the models once and then turns chunk jobs into
//! rendered audio. Started by the supervisor as `revoice worker` (any binary of ours can
//! serve by calling [`serve_stdio`]).
//!
//! stdout carries protocol frames only: at start the real stdout is set aside for the
//! protocol and fd 1 is pointed at stderr, so a stray print from a C library cannot
//! corrupt a frame.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::os::fd::FromRawFd;
use std::time::Instant;

use thiserror::Error;
use tracing::{debug, info};

use super::protocol::{
    read_frame, write_frame, ChunkDone, ChunkJob, Reply, Request, StageMillis, VoiceUse,
    WorkerSetup, PROTOCOL_VERSION,
};
use crate::asr::{Recognizer, WordTimes, ASR_RATE};
use crate::assemble::Timeline;
use crate::audio::rescale_pos;
use crate::prosody::fit::{fit_segment, pace_words, Pace, Speaker};
use crate::prosody::shape::{shape, Original};
use crate::prosody::{align, loudness, melody, onsets, phrases, pitch, Prosody};
use crate::settings::Quality;
use crate::stress::{StressLevel, Stresser};
use crate::transcript::Transcript;
use crate::tts::{Voice, VoicePlan, VoiceSpec};

#[derive(Debug, Error)]
pub enum WorkerError {
    #[error("worker I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("protocol: {0}")]
    Protocol(String),
}

/// The heavy state of one worker: loaded once, used for every chunk. Voices other than the
/// main one load the first time their language comes up.
pub struct Worker {
    recognizer: Recognizer,
    /// Where the recogniser came from, to load it again for other word times.
    whisper_model: std::path::PathBuf,
    use_gpu: bool,
    plan: VoicePlan,
    /// The plan's choice per language, made once (it may scan the voices folder).
    chosen: HashMap<String, VoiceSpec>,
    voices: HashMap<VoiceSpec, Box<dyn Voice>>,
    /// The main voice's rate: every chunk is rendered at it.
    rate: u32,
    threads: usize,
    stress_dir: std::path::PathBuf,
    /// The stress model, loaded the first time a Russian segment needs it (for the level
    /// of that job's quality; reloaded if a later job asks for another level).
    stresser: Option<Stresser>,
    /// Set when the stress model could not be loaded: warned once, then speech goes on
    /// unstressed.
    stress_unavailable: bool,
    /// The pitch range of each language's voice, measured the first time melody transfer needs it.
    ranges: HashMap<String, Option<melody::Range>>,
}

/// The voice as a [`Speaker`] that keeps count of the time spent synthesising, so fitting
/// and synthesis are reported apart.
struct TimedVoice<'a> {
    voice: &'a mut dyn Voice,
    spent: std::time::Duration,
    /// The voice's pace so far in this chunk.
    pace: &'a mut Pace,
}

impl TimedVoice<'_> {
    /// Run `f` on the voice, counting its time as synthesis.
    fn timed<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Voice) -> Result<T, crate::tts::TtsError>,
    ) -> Result<T, String> {
        let t = Instant::now();
        let out = f(&mut *self.voice).map_err(|e| e.to_string());
        self.spent += t.elapsed();
        out
    }
}

impl Speaker for TimedVoice<'_> {
    fn rate(&self) -> u32 {
        self.voice.sample_rate()
    }
    fn speak(&mut self, text: &str, length_scale: f32) -> Result<Vec<f32>, String> {
        self.timed(|v| v.synthesize(text, length_scale))
    }
    fn guess_len(&self, text: &str) -> Option<usize> {
        // Guesses pay only where the length scale is exact; espeak-ng's words per minute
        // do not stretch its pauses, so a guessed scale misses and the stretch makes up
        // the rest (lecture_ru round-trip WER 0.73 -> 0.78; it is cheap to speak twice).
        self.voice
            .length_scale_is_exact()
            .then(|| self.pace.guess(text))
            .flatten()
    }
    fn heard_len(&mut self, text: &str, natural_len: usize) {
        self.pace.learn(text, natural_len)
    }
    fn speak_words(
        &mut self,
        words: &[String],
        length_scale: f32,
    ) -> Result<crate::tts::Spoken, String> {
        self.timed(|v| v.synthesize_words(words, length_scale))
    }
}

impl Worker {
    pub fn load(setup: &WorkerSetup) -> Result<Self, String> {
        let started = Instant::now();
        crate::tts::init_runtime(&setup.onnxruntime).map_err(|e| e.to_string())?;
        let recognizer = Recognizer::load(&setup.whisper_model, setup.use_gpu, setup.word_times)
            .map_err(|e| e.to_string())?;
        let main = setup
            .voices
            .main
            .load(setup.threads)
            .map_err(|e| e.to_string())?;
        let rate = main.sample_rate();
        info!(
            ms = started.elapsed().as_millis() as u64,
            rss_mib = crate::memory::rss_kib() / 1024,
            peak_rss_mib = crate::memory::peak_rss_kib() / 1024,
            "worker models loaded"
        );
        Ok(Self {
            recognizer,
            whisper_model: setup.whisper_model.clone(),
            use_gpu: setup.use_gpu,
            plan: setup.voices.clone(),
            chosen: HashMap::new(),
            voices: HashMap::from([(setup.voices.main.clone(), main)]),
            rate,
            threads: setup.threads,
            stress_dir: setup.stress_dir.clone(),
            stresser: None,
            stress_unavailable: false,
            ranges: HashMap::new(),
        })
    }

    /// Recognise (unless the job carries a cached transcript), synthesise and fit every
    /// segment, and render the chunk at the voice's rate.
    pub fn process(
        &mut self,
        job: &ChunkJob,
        samples: &[f32],
    ) -> Result<(ChunkDone, Vec<f32>), String> {
        let mut millis = StageMillis::default();
        let offset_ms = job.start as u64 * 1000 / ASR_RATE as u64;
        let t = Instant::now();
        let (mut transcript, recognized) = match &job.transcript {
            Some(cached) => (cached.clone(), false),
            None => {
                self.load_for(job.decode.word_times)?;
                let transcript = self
                    .recognizer
                    .transcribe(samples, offset_ms, &job.decode, self.threads)
                    .map_err(|e| e.to_string())?;
                (transcript, true)
            }
        };
        // Synthesis need not share the worker with whisper.cpp's working memory.
        self.recognizer.release();
        millis.recognition = t.elapsed().as_millis() as u64;
        debug!(
            rss_mib = crate::memory::rss_kib() / 1024,
            peak_rss_mib = crate::memory::peak_rss_kib() / 1024,
            "chunk recognised"
        );
        let t = Instant::now();
        self.mark_stress(&mut transcript, StressLevel::for_quality(job.quality));
        millis.stress = t.elapsed().as_millis() as u64;
        let mut voices = Vec::new();
        let audio = self.render(job, samples, &transcript, &mut millis, &mut voices)?;
        let done = ChunkDone {
            index: job.index,
            transcript,
            recognized,
            word_times: job.decode.word_times,
            rate: self.rate,
            voices,
            millis,
            peak_rss_kib: crate::memory::peak_rss_kib(),
        };
        Ok((done, audio))
    }

    /// Load the recogniser again when a job asks for other word times than it was loaded
    /// for (the supervisor retries a chunk with estimated times after an aligned attempt
    /// aborted); a fraction of a second with base.
    fn load_for(&mut self, word_times: WordTimes) -> Result<(), String> {
        if self.recognizer.word_times() != word_times {
            info!(?word_times, "loading the recogniser for other word times");
            self.recognizer = Recognizer::load(&self.whisper_model, self.use_gpu, word_times)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Speak every phrase of every segment at its original place, fitted to the part of its
    /// span where the original is audible.
    fn render(
        &mut self,
        job: &ChunkJob,
        samples: &[f32],
        transcript: &Transcript,
        millis: &mut StageMillis,
        used: &mut Vec<VoiceUse>,
    ) -> Result<Vec<f32>, String> {
        let rate = self.rate;
        let chunk_start = rescale_pos(job.start, ASR_RATE, rate);
        let chunk_len = rescale_pos(job.end, ASR_RATE, rate) - chunk_start;
        let mut timeline = Timeline::silent(chunk_len, rate);
        let prosody = job.prosody;
        // The speaker's pitch over the chunk and its range, for melody transfer.
        let t = Instant::now();
        let speaker = if prosody.melody {
            let track = pitch::track_for_resynthesis(samples, ASR_RATE);
            melody::Range::of(&track).map(|range| (track, range))
        } else {
            None
        };
        millis.fit += t.elapsed().as_millis() as u64;
        let offset_ms = job.start as u64 * 1000 / ASR_RATE as u64;
        // Words where they are heard (a word after a pause starts where its sound does),
        // then cut into phrases at the speaker's pauses.
        let mut heard = transcript.segments.clone();
        onsets::anchor_to_sound(&mut heard, samples, ASR_RATE, offset_ms);
        let phrases: Vec<(String, phrases::Phrase)> = heard
            .iter()
            .flat_map(|s| {
                let language = s.language_or(&transcript.language).to_string();
                phrases::split(s)
                    .into_iter()
                    .map(move |p| (language.clone(), p))
            })
            .collect();
        let mut paces: HashMap<String, Pace> = HashMap::new();
        for (language, phrase) in phrases {
            tracing::debug!(
                text = %phrase.text,
                start_ms = phrase.start_ms,
                end_ms = phrase.end_ms,
                words = ?phrase.words.iter().map(|w| (w.start_ms, w.end_ms)).collect::<Vec<_>>(),
                "phrase"
            );
            // The phrase on the 16 kHz chunk, tightened to where it is audible...
            let at = |ms: u64| ms_to_pos(ms, ASR_RATE).saturating_sub(job.start);
            let (a, b) =
                phrases::audible_span(samples, ASR_RATE, at(phrase.start_ms), at(phrase.end_ms));
            // ...then on the voice's timeline.
            let start = rescale_pos(a, ASR_RATE, rate);
            let end = rescale_pos(b, ASR_RATE, rate).min(chunk_len);
            if end <= start {
                continue;
            }
            let t = Instant::now();
            let voice_range = if prosody.melody {
                self.voice_range(&language)?
            } else {
                None
            };
            let voice = self.voice_for(&language)?;
            let use_ = VoiceUse {
                language,
                voice: voice.id().to_string(),
            };
            let pace = paces.entry(use_.voice.clone()).or_default();
            if !used.contains(&use_) {
                used.push(use_);
            }
            // The span in the voice's own samples (its rate may differ from the chunk's).
            let vrate = voice.sample_rate();
            let target = rescale_pos(end - start, rate, vrate);
            let mut voice = TimedVoice {
                voice,
                spent: Default::default(),
                pace,
            };
            let context = PhraseContext {
                original: &samples[a..b],
                target,
                use_pace: job.quality != Quality::Fast,
                prosody: &prosody,
                melody: speaker.as_ref().map(|(track, range)| {
                    (track, melody::frame_at(a as f64 / ASR_RATE as f64), *range)
                }),
                voice_range,
                heard_starts: phrase
                    .words
                    .iter()
                    .map(|w| at(w.start_ms).saturating_sub(a))
                    .collect(),
            };
            let clip = speak_phrase(&mut voice, &phrase, &context)?;
            let synthesis = voice.spent;
            let clip = to_rate(clip, vrate, rate)?;
            millis.synthesis += synthesis.as_millis() as u64;
            millis.fit += t.elapsed().saturating_sub(synthesis).as_millis() as u64;
            timeline.place(start, &clip);
        }
        Ok(timeline.samples)
    }

    /// Stress marks for the Russian segments at `level` (kept when the transcript already
    /// has them at that level, e.g. from the cache or edited by hand). A missing or failing
    /// stress model is logged and the speech goes on without marks.
    fn mark_stress(&mut self, transcript: &mut Transcript, level: StressLevel) {
        let wanted = (level != StressLevel::Off).then_some(level);
        if transcript.stress == wanted {
            return;
        }
        let russian = transcript
            .segments
            .iter()
            .any(|s| s.language_or(&transcript.language) == "ru");
        if wanted.is_some() && (!russian || self.stress_unavailable) {
            return;
        }
        if self.stresser.as_ref().map(Stresser::level) != Some(level) {
            match Stresser::load(&self.stress_dir, level, self.threads) {
                Ok(s) => self.stresser = Some(s),
                Err(e) => {
                    tracing::warn!(error = %e, "no stress marks: the stress model did not load");
                    self.stress_unavailable = true;
                    return;
                }
            }
        }
        if let Some(stresser) = self.stresser.as_mut() {
            if let Err(e) = stresser.stress_transcript(transcript) {
                tracing::warn!(error = %e, "stress marking failed; this chunk is spoken without it");
            }
        }
    }

    /// The pitch range of the voice for `language`: measured once per language on its sample
    /// sentence. `None` when the voice has too little voiced speech to tell.
    fn voice_range(&mut self, language: &str) -> Result<Option<melody::Range>, String> {
        if let Some(range) = self.ranges.get(language) {
            return Ok(*range);
        }
        let voice = self.voice_for(language)?;
        let id = voice.id().to_string();
        let text = crate::tts::sample_sentence(voice.language());
        let speech = voice.synthesize(text, 1.0).map_err(|e| e.to_string())?;
        let range = melody::Range::of(&pitch::track_for_resynthesis(&speech, voice.sample_rate()));
        debug!(voice = %id, ?range, "voice pitch range");
        self.ranges.insert(language.to_string(), range);
        Ok(range)
    }

    /// The loaded voice for `language`, loading it on first use.
    fn voice_for(&mut self, language: &str) -> Result<&mut (dyn Voice + 'static), String> {
        let spec = self
            .chosen
            .entry(language.to_string())
            .or_insert_with(|| self.plan.choose(language))
            .clone();
        let voice = match self.voices.entry(spec) {
            Entry::Occupied(loaded) => loaded.into_mut(),
            Entry::Vacant(slot) => {
                let voice = slot.key().load(self.threads).map_err(|e| e.to_string())?;
                info!(language, voice = voice.id(), "voice loaded");
                slot.insert(voice)
            }
        };
        Ok(&mut **voice)
    }
}

/// What a phrase is spoken for: the original it stands in for (16 kHz, its audible span),
/// the span's length in the voice's samples, and how to shape it.
struct PhraseContext<'a> {
    original: &'a [f32],
    target: usize,
    use_pace: bool,
    prosody: &'a Prosody,
    /// The speaker's pitch track over the chunk, the span's first frame in it, the range.
    melody: Option<(&'a pitch::PitchTrack, usize, melody::Range)>,
    voice_range: Option<melody::Range>,
    /// Where Whisper heard each of the phrase's words start (16 kHz samples from the
    /// span's start), to check the acoustic alignment against.
    heard_starts: Vec<usize>,
}

/// Speak one phrase for its span. With prosody transfer or a voice transform: the words
/// with their places, aligned to the speaker's and shaped (`prosody::shape`); otherwise the
/// phrase fitted to the span as a whole, with the loudness contour if asked.
fn speak_phrase(
    voice: &mut TimedVoice,
    phrase: &phrases::Phrase,
    c: &PhraseContext,
) -> Result<Vec<f32>, String> {
    let vrate = voice.rate();
    if !c.prosody.reshapes() {
        let (mut clip, fit) = fit_segment(voice, &phrase.text, c.target, c.use_pace)?;
        debug!(phrase = %phrase.text, ?fit, "fitted");
        if c.prosody.loudness && c.target > 0 {
            let covered = (c.original.len() * clip.len() / c.target).min(c.original.len());
            let alignment = loudness::Alignment::Phrases;
            loudness::carry_contour(&mut clip, &c.original[..covered], ASR_RATE, alignment);
        }
        return Ok(clip);
    }
    let words: Vec<String> = if phrase.words.is_empty() {
        vec![phrase.text.clone()]
    } else {
        phrase.words.iter().map(|w| w.text.clone()).collect()
    };
    let (spoken, fit) = pace_words(voice, &words, c.target, c.use_pace)?;
    debug!(phrase = %phrase.text, ?fit, exact = spoken.exact, "paced");
    // Where the speaker said each word (voice samples from the span's start), found by
    // aligning the synthetic speech to the original and checked against Whisper's word
    // times. Only for a voice that knows where its own words are (Piper and Kokoro, from
    // their durations): with estimated word places (espeak-ng) moving words about costs
    // more words than it gains (lecture_ru with espeak:ru: round-trip WER 0.95 against 0.69
    // phrase by phrase), so those are timed phrase by phrase.
    let words = if c.prosody.timing && spoken.exact && spoken.words.len() == phrase.words.len() {
        let heard: Vec<usize> = c
            .heard_starts
            .iter()
            .map(|&p| crate::audio::rescale_pos(p, ASR_RATE, vrate))
            .collect();
        align::word_starts(c.original, ASR_RATE, &spoken, vrate, &heard).unwrap_or_default()
    } else {
        Vec::new()
    };
    let original = Original {
        samples: c.original,
        rate: ASR_RATE,
        words,
        melody: c.melody,
    };
    shape(
        &spoken,
        vrate,
        c.target,
        &original,
        c.voice_range,
        c.prosody,
    )
}

/// A clip spoken at `from` Hz, at `to` Hz (voices of other rates join the chunk's timeline).
fn to_rate(clip: Vec<f32>, from: u32, to: u32) -> Result<Vec<f32>, String> {
    if from == to || clip.is_empty() {
        return Ok(clip);
    }
    crate::resample::resample(&crate::audio::Audio::new(clip, from), to)
        .map(|a| a.samples)
        .map_err(|e| e.to_string())
}

fn ms_to_pos(ms: u64, rate: u32) -> usize {
    (ms as u128 * rate as u128 / 1000) as usize
}

/// Run the worker protocol on this process's stdin/stdout until stdin closes.
pub fn serve_stdio() -> Result<(), WorkerError> {
    let mut out = BufWriter::new(protocol_stdout()?);
    let mut input = BufReader::new(std::io::stdin().lock());
    let Some((Request::Setup { protocol, setup }, _)) = read_frame::<_, Request>(&mut input)?
    else {
        return Err(WorkerError::Protocol(
            "expected a setup message first".into(),
        ));
    };
    if protocol != PROTOCOL_VERSION {
        let error = format!("protocol {protocol} requested, this worker speaks {PROTOCOL_VERSION}");
        return refuse(&mut out, error);
    }
    let mut worker = match Worker::load(&setup) {
        Ok(w) => w,
        Err(error) => return refuse(&mut out, error),
    };
    let ready = Reply::Ready {
        protocol: PROTOCOL_VERSION,
        pid: std::process::id(),
        voice_rate: worker.rate,
    };
    write_frame(&mut out, &ready, &[])?;
    while let Some((request, samples)) = read_frame::<_, Request>(&mut input)? {
        let Request::Job(job) = request else {
            return Err(WorkerError::Protocol("setup sent twice".into()));
        };
        match worker.process(&job, &samples) {
            Ok((done, audio)) => write_frame(&mut out, &Reply::Done(done), &audio)?,
            Err(error) => write_frame(
                &mut out,
                &Reply::Failed {
                    index: Some(job.index),
                    error,
                },
                &[],
            )?,
        }
    }
    out.flush()?;
    Ok(())
}

/// Tell the supervisor why this worker cannot serve, then stop.
fn refuse(out: &mut impl Write, error: String) -> Result<(), WorkerError> {
    write_frame(
        out,
        &Reply::Failed {
            index: None,
            error: error.clone(),
        },
        &[],
    )?;
    Err(WorkerError::Protocol(error))
}

/// Take the real stdout for protocol frames and send anything else printed to fd 1 to stderr.
fn protocol_stdout() -> Result<File, WorkerError> {
    // SAFETY: plain descriptor juggling on fds 1 and 2, which every process has; the new
    // descriptor from dup is owned by the returned File alone.
    unsafe {
        let fd = libc::dup(1);
        if fd < 0 || libc::dup2(2, 1) < 0 {
            return Err(WorkerError::Io(std::io::Error::last_os_error()));
        }
        Ok(File::from_raw_fd(fd))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_map_to_samples() {
        assert_eq!(ms_to_pos(1_000, 22_050), 22_050);
        assert_eq!(ms_to_pos(10, 16_000), 160);
    }
}
