//! The evaluator: how close a conversion is to its input, by the measures of
//! `docs/quality.md` (same words, same moments, same length, same melody and loudness
//! shape, another voice, clean audio). `revoice eval INPUT OUTPUT` prints them.

pub mod align;
pub mod speaker;

use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::asr::{AsrError, DecodeSettings, Recognizer, WordTimes, ASR_RATE};
use crate::audio::{rescale_pos, Audio};
use crate::cache::TranscriptCache;
use crate::prosody::{loudness, onsets, phrases, pitch, shape};
use crate::transcript::Transcript;
use crate::tts::{TtsError, VoiceSpec};
use speaker::{cosine, Embedder, SpeakerError};

#[derive(Debug, Error)]
pub enum EvalError {
    #[error(transparent)]
    Decode(#[from] crate::decode::DecodeError),
    #[error(transparent)]
    Resample(#[from] crate::resample::ResampleError),
    #[error(transparent)]
    Asr(#[from] AsrError),
    #[error(transparent)]
    Speaker(#[from] SpeakerError),
    #[error("target voice: {0}")]
    Voice(#[from] TtsError),
    #[error("target voice: the pitch or formant shift failed: {0}")]
    Transform(String),
    #[error("{path}: cannot read the reference transcript: {reason}")]
    Reference { path: PathBuf, reason: String },
}

/// What the evaluator needs besides the two files.
#[derive(Debug, Clone)]
pub struct EvalSettings {
    pub whisper_model: PathBuf,
    pub onnxruntime: PathBuf,
    /// The speaker embedder; `None` skips speaker similarity.
    pub embedder: Option<PathBuf>,
    /// The voice the output should have, to compare against its own speech.
    pub target_voice: Option<TargetVoice>,
    /// The input's language; `None` detects it.
    pub language: Option<String>,
    /// Known text of the input, to report the recogniser's own WER next to the round trip.
    pub reference: Option<String>,
    /// The conversion's chunk length, to find chunk joins.
    pub chunk_secs: f64,
    pub threads: usize,
    /// How many times each file is heard for its word times, each time a few ms later
    /// ([`PASS_DELAY_MS`]); each word's onset is the median of its hearings. 1 hears once
    /// (enough for WER, which comes from the first hearing alone).
    pub word_passes: usize,
}

/// The word-time passes `revoice eval` makes unless told otherwise.
pub const WORD_PASSES: usize = 5;

/// How much later each word-time pass hears the audio than the one before: a third of one
/// of Whisper's 20 ms frames, so that five passes see the audio at five different phases.
pub const PASS_DELAY_MS: u64 = 7;

/// The voice a conversion was to speak in: a voice of the catalog and the transforms the
/// conversion put on it (a preset's pitch and formant shifts). Its reference speech gets
/// the same transforms, so a deeper or lighter voice is compared with itself.
#[derive(Debug, Clone)]
pub struct TargetVoice {
    pub id: String,
    pub spec: VoiceSpec,
    /// Semitones, as `revoice convert --pitch-shift`.
    pub pitch_shift: f32,
    /// Semitones, as `revoice convert --formant-shift`.
    pub formant_shift: f32,
}

impl TargetVoice {
    /// The voice as it is, untransformed.
    pub fn plain(id: impl Into<String>, spec: VoiceSpec) -> Self {
        Self {
            id: id.into(),
            spec,
            pitch_shift: 0.0,
            formant_shift: 0.0,
        }
    }

    /// How reports name it: the id, with its transforms when it has any.
    pub fn label(&self) -> String {
        if self.pitch_shift == 0.0 && self.formant_shift == 0.0 {
            return self.id.clone();
        }
        format!(
            "{} (pitch {:+} st, formants {:+} st)",
            self.id, self.pitch_shift, self.formant_shift
        )
    }
}

/// Onset differences of the words heard in both, ms.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Onsets {
    pub matched: usize,
    pub mean_ms: f64,
    pub median_ms: f64,
    pub p95_ms: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SpeakerSimilarity {
    /// Output against the input speaker: low is good (another voice).
    pub to_input: f32,
    /// Output against the target voice's own speech: high is good.
    pub to_target: Option<f32>,
    /// Input against the target voice, for scale.
    pub input_to_target: Option<f32>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub input: PathBuf,
    pub output: PathBuf,
    pub language: String,
    pub target_voice: Option<String>,
    pub input_secs: f64,
    pub output_secs: f64,
    /// Output duration minus input duration, ms.
    pub duration_error_ms: f64,
    /// Mean absolute difference of the speech span within each input segment, ms.
    pub segment_span_error_ms: Option<f64>,
    /// Round-trip WER: the output's words against the input's, as Whisper hears both.
    pub wer: f64,
    /// The input's own WER against a reference transcript, when one was given.
    pub input_wer: Option<f64>,
    /// Word onsets: Whisper's aligned word times (each the median of
    /// [`EvalSettings::word_passes`] hearings) anchored to the sound, the same way for input
    /// and output (a word after a pause starts where its sound does; see [`onsets`]). Only
    /// words with an onset of their own count (not the later words a number is spoken as).
    pub onsets: Option<Onsets>,
    /// The same from Whisper's word times as they are.
    pub onsets_raw: Option<Onsets>,
    /// Acoustic check of timing, independent of the recogniser: where speech resumes after
    /// each pause of the input (200 ms or more), against the nearest such place in the
    /// output (within 1 s); `matched` counts the input's pauses that found one.
    pub speech_onsets: Option<Onsets>,
    /// Pauses in the input followed by speech.
    pub input_pauses: usize,
    /// Pearson correlation of the F0 contours (semitones, each speaker's mean removed).
    pub f0_correlation: Option<f64>,
    /// Frames voiced in both, which the correlation is taken over (at least 20 for a figure).
    pub f0_frames: usize,
    /// Frames voiced in the input and in the output alone: few frames in both with many in
    /// each means the voiced stretches do not line up in time.
    pub f0_voiced_input: usize,
    pub f0_voiced_output: usize,
    /// Pearson correlation of the 10 ms RMS envelopes.
    pub energy_correlation: Option<f64>,
    pub input_lufs: Option<f64>,
    pub output_lufs: Option<f64>,
    /// Output minus input integrated loudness, LU.
    pub loudness_difference_lu: Option<f64>,
    pub speaker: Option<SpeakerSimilarity>,
    /// Samples at full scale.
    pub clipped_samples: usize,
    /// Joins found (chunk boundaries and the edges of silences between clips).
    pub joins: usize,
    /// Largest sample-to-sample jump at a join over the signal's typical jump (its 99th
    /// percentile); about 1 or below is seamless.
    pub join_jump_ratio: Option<f64>,
    pub input_text: String,
    pub output_text: String,
}

/// Evaluate the conversion `output` of `input`.
pub fn evaluate(input: &Path, output: &Path, s: &EvalSettings) -> Result<Report, EvalError> {
    let original = crate::decode::decode_file(input)?.audio;
    let converted = crate::decode::decode_file(output)?.audio;
    let (heard_a, heard_b) = (
        crate::resample::resample(&original, ASR_RATE)?,
        crate::resample::resample(&converted, ASR_RATE)?,
    );
    let (a, b) = (&heard_a.samples[..], &heard_b.samples[..]);

    let mut ears = Ears::new(s);
    let settings = DecodeSettings {
        language: s.language.clone(),
        beam_size: None,
        context: crate::asr::AudioContext::Full,
        word_times: WordTimes::Aligned,
    };
    // Both are heard piece by piece, cut where the conversion cut the input (at its pauses),
    // so that whisper.cpp's long-form seeking cannot skip or repeat text over a long file.
    // The output's cuts move to its own quietest moment within a second of the input's.
    let cuts_in: Vec<usize> = crate::chunk::conversion_chunks(&heard_a, s.chunk_secs)
        .iter()
        .skip(1)
        .map(|c| c.start)
        .collect();
    let cuts_out = crate::chunk::quiet_points(&heard_b, &cuts_in, 1.0);
    let heard_in = ears.hear_pieces(a, &cuts_in, &settings)?;
    let languages: Vec<&str> = heard_in
        .segments
        .iter()
        .map(|seg| seg.language_or(&heard_in.language))
        .collect();
    let single = languages.windows(2).all(|w| w[0] == w[1]);
    let language = heard_in.language.clone();
    // The output is heard in the input's language (per window when the input mixes them).
    let out_settings = DecodeSettings {
        language: if single || s.language.is_some() {
            Some(language.clone())
        } else {
            None
        },
        beam_size: None,
        context: crate::asr::AudioContext::Full,
        word_times: WordTimes::Aligned,
    };
    let heard_out = ears.hear_pieces(b, &cuts_out, &out_settings)?;
    drop(ears);
    let (text_in, text_out) = (heard_in.text(), heard_out.text());
    let wer = crate::wer::wer_in(&text_in, &text_out, &language);
    let input_wer = s
        .reference
        .as_ref()
        .map(|r| crate::wer::wer_in(r, &text_in, &language));

    let onsets_raw = onsets(&heard_in, &heard_out, &language);
    let onsets = Onsets::of(align::onset_errors(
        &word_onsets(&heard_in, a, &language),
        &word_onsets(&heard_out, b, &language),
    ));
    let onsets_in = speech_onsets_ms(a);
    let speech_onsets = nearest_onsets(&onsets_in, &speech_onsets_ms(b));
    let (ta, tb) = (pitch::track(a, ASR_RATE), pitch::track(b, ASR_RATE));
    let (f0_correlation, f0_frames) = f0_correlation(&ta, &tb);
    let energy_correlation = energy_correlation(a, b);
    let input_lufs = loudness::integrated_lufs(&original.samples, original.rate);
    let output_lufs = loudness::integrated_lufs(&converted.samples, converted.rate);
    let speaker = match &s.embedder {
        Some(path) => Some(speaker_similarity(path, s, a, b, &language)?),
        None => None,
    };
    let bounds: Vec<usize> = cuts_in
        .iter()
        .map(|&c| rescale_pos(c, ASR_RATE, converted.rate))
        .collect();
    let (joins, join_jump_ratio) = join_jumps(&converted.samples, converted.rate, &bounds);
    Ok(Report {
        input: input.to_path_buf(),
        output: output.to_path_buf(),
        language,
        target_voice: s.target_voice.as_ref().map(TargetVoice::label),
        input_secs: original.duration_secs(),
        output_secs: converted.duration_secs(),
        duration_error_ms: (converted.duration_secs() - original.duration_secs()) * 1000.0,
        segment_span_error_ms: segment_span_error(&heard_in, a, b),
        wer,
        input_wer,
        onsets,
        onsets_raw,
        speech_onsets,
        input_pauses: onsets_in.len(),
        f0_correlation,
        f0_frames,
        f0_voiced_input: ta.voiced_frames(),
        f0_voiced_output: tb.voiced_frames(),
        energy_correlation,
        input_lufs,
        output_lufs,
        loudness_difference_lu: input_lufs.zip(output_lufs).map(|(i, o)| o - i),
        speaker,
        clipped_samples: converted
            .samples
            .iter()
            .filter(|s| s.abs() >= 0.9999)
            .count(),
        joins,
        join_jump_ratio,
        input_text: text_in.trim().to_string(),
        output_text: text_out.trim().to_string(),
    })
}

/// Whisper for the evaluator, loaded on first need; transcripts go through the transcript
/// cache, so evaluating several conversions of one input recognises the input once.
struct Ears<'a> {
    settings: &'a EvalSettings,
    asr: Option<Recognizer>,
    cache: Option<TranscriptCache>,
    model_id: String,
}

impl<'a> Ears<'a> {
    fn new(settings: &'a EvalSettings) -> Self {
        Self {
            settings,
            asr: None,
            cache: TranscriptCache::default_dir().map(TranscriptCache::new),
            model_id: crate::pipeline::model_id(&settings.whisper_model),
        }
    }

    fn hear(&mut self, samples: &[f32], decode: &DecodeSettings) -> Result<Transcript, EvalError> {
        let key = TranscriptCache::key(samples, &self.model_id, decode);
        if let Some(t) = self.cache.as_ref().and_then(|c| c.get(&key)) {
            return Ok(t);
        }
        let asr = match &mut self.asr {
            Some(asr) => asr,
            empty => empty.insert(Recognizer::load(
                &self.settings.whisper_model,
                false,
                WordTimes::Aligned,
            )?),
        };
        let t = asr.transcribe(samples, 0, decode, self.settings.threads)?;
        if let Some(cache) = &self.cache {
            if let Err(e) = cache.put(&key, &self.model_id, decode, &t) {
                tracing::warn!(error = %e, "transcript not cached");
            }
        }
        Ok(t)
    }

    /// `samples` heard with `delay_ms` of silence before them, its times on `samples`'
    /// own timeline.
    fn hear_later(
        &mut self,
        samples: &[f32],
        delay_ms: u64,
        decode: &DecodeSettings,
    ) -> Result<Transcript, EvalError> {
        let mut delayed = vec![0.0; (delay_ms * ASR_RATE as u64 / 1000) as usize];
        delayed.extend_from_slice(samples);
        Ok(self.hear(&delayed, decode)?.shifted_back(delay_ms))
    }

    /// `samples` heard piece by piece between `cuts` (increasing), on one timeline; the
    /// word times are the medians of `word_passes` hearings of each piece.
    fn hear_pieces(
        &mut self,
        samples: &[f32],
        cuts: &[usize],
        decode: &DecodeSettings,
    ) -> Result<Transcript, EvalError> {
        let mut bounds = vec![0];
        for &c in cuts {
            let last = bounds[bounds.len() - 1];
            bounds.push(c.clamp(last, samples.len()));
        }
        bounds.push(samples.len());
        let mut segments = Vec::new();
        for w in bounds.windows(2).filter(|w| w[1] > w[0]) {
            let at_ms = w[0] as u64 * 1000 / ASR_RATE as u64;
            let piece = &samples[w[0]..w[1]];
            let mut heard = self.hear(piece, decode)?;
            let later = (1..self.settings.word_passes.max(1) as u64)
                .map(|k| self.hear_later(piece, k * PASS_DELAY_MS, decode))
                .collect::<Result<Vec<_>, _>>()?;
            align::median_times(&mut heard, &later);
            segments.extend(heard.shifted(at_ms).segments);
        }
        Ok(Transcript::joined(
            segments,
            decode.language.as_deref().unwrap_or("en"),
        ))
    }
}

/// A reference transcript: plain text, or JSON with `segments[].text` (the corpus's form).
pub fn read_reference(path: &Path) -> Result<String, EvalError> {
    let fail = |reason: String| EvalError::Reference {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    if !text.trim_start().starts_with('{') {
        return Ok(text);
    }
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let segments = json["segments"]
        .as_array()
        .ok_or_else(|| fail("no segments array".into()))?;
    Ok(segments
        .iter()
        .filter_map(|s| s["text"].as_str())
        .collect::<Vec<_>>()
        .join(" "))
}

/// The words of `t` (normalised as for WER) and where each starts in `samples`, heard at
/// [`ASR_RATE`]: the aligned word times anchored to the sound ([`onsets`]), the measure of
/// word timing the report's `onsets` compare.
pub fn word_onsets(t: &Transcript, samples: &[f32], language: &str) -> Vec<align::TimedWord> {
    let mut anchored = t.clone();
    onsets::anchor_to_sound(&mut anchored.segments, samples, ASR_RATE, 0);
    align::timed_words(&anchored, language)
}

impl Onsets {
    /// Statistics of absolute onset errors (ms); `None` when there are none.
    fn of(mut errors: Vec<f64>) -> Option<Self> {
        if errors.is_empty() {
            return None;
        }
        errors.sort_by(f64::total_cmp);
        Some(Self {
            matched: errors.len(),
            mean_ms: errors.iter().sum::<f64>() / errors.len() as f64,
            median_ms: percentile(&errors, 0.5),
            p95_ms: percentile(&errors, 0.95),
        })
    }
}

fn onsets(a: &Transcript, b: &Transcript, language: &str) -> Option<Onsets> {
    Onsets::of(align::onset_errors(
        &align::timed_words(a, language),
        &align::timed_words(b, language),
    ))
}

/// Times (ms) where speech starts after 200 ms or more of quiet: 10 ms frames louder than
/// both 35 dB below the loudest and 10 dB above the noise floor (10th-percentile frame).
fn speech_onsets_ms(x: &[f32]) -> Vec<f64> {
    let frames: Vec<f32> = loudness::rms_frames(x, ASR_RATE as usize / 100)
        .iter()
        .map(|e| 20.0 * e.max(1e-9).log10())
        .collect();
    let mut sorted = frames.clone();
    sorted.sort_by(f32::total_cmp);
    let Some(&peak) = sorted.last() else {
        return Vec::new();
    };
    let floor = sorted[sorted.len() / 10];
    let threshold = (peak - 35.0).max(floor + 10.0);
    let mut onsets = Vec::new();
    let mut quiet = 0usize;
    for (i, &e) in frames.iter().enumerate() {
        if e > threshold {
            if quiet >= 20 {
                onsets.push(i as f64 * 10.0);
            }
            quiet = 0;
        } else {
            quiet += 1;
        }
    }
    onsets
}

/// Each of `a` against the nearest of `b` within 1 s.
fn nearest_onsets(a: &[f64], b: &[f64]) -> Option<Onsets> {
    Onsets::of(
        a.iter()
            .filter_map(|t| {
                b.iter()
                    .map(|u| (u - t).abs())
                    .min_by(f64::total_cmp)
                    .filter(|&d| d <= 1000.0)
            })
            .collect(),
    )
}

/// The `q` quantile of sorted values (nearest rank).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 3 {
        return None;
    }
    let mx = x[..n].iter().sum::<f64>() / n as f64;
    let my = y[..n].iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (dx, dy) = (x[i] - mx, y[i] - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// F0 correlation over frames voiced in both (semitones; Pearson removes each mean), and
/// how many frames that was. `None` under 20 such frames.
fn f0_correlation(ta: &pitch::PitchTrack, tb: &pitch::PitchTrack) -> (Option<f64>, usize) {
    let (x, y): (Vec<f64>, Vec<f64>) = ta
        .f0
        .iter()
        .zip(&tb.f0)
        .filter(|(&fa, &fb)| fa > 0.0 && fb > 0.0)
        .map(|(&fa, &fb)| (pitch::semitones(fa) as f64, pitch::semitones(fb) as f64))
        .unzip();
    let n = x.len();
    (if n >= 20 { pearson(&x, &y) } else { None }, n)
}

fn energy_correlation(a: &[f32], b: &[f32]) -> Option<f64> {
    let frame = ASR_RATE as usize / 100;
    let x: Vec<f64> = loudness::rms_frames(a, frame)
        .iter()
        .map(|&v| v as f64)
        .collect();
    let y: Vec<f64> = loudness::rms_frames(b, frame)
        .iter()
        .map(|&v| v as f64)
        .collect();
    pearson(&x, &y)
}

/// For each recognised input segment, the audible span of input and output inside it:
/// mean absolute difference of their lengths, ms.
fn segment_span_error(t: &Transcript, a: &[f32], b: &[f32]) -> Option<f64> {
    let pos = |ms: u64| (ms as usize * ASR_RATE as usize / 1000).min(a.len().min(b.len()));
    let diffs: Vec<f64> = t
        .segments
        .iter()
        .filter_map(|s| {
            let (start, end) = (pos(s.start_ms), pos(s.end_ms));
            if end <= start {
                return None;
            }
            let (ia, ib) = phrases::audible_span(a, ASR_RATE, start, end);
            let (oa, ob) = phrases::audible_span(b, ASR_RATE, start, end);
            let len = |x: usize, y: usize| (y - x) as f64 * 1000.0 / ASR_RATE as f64;
            Some((len(oa, ob) - len(ia, ib)).abs())
        })
        .collect();
    (!diffs.is_empty()).then(|| diffs.iter().sum::<f64>() / diffs.len() as f64)
}

/// Joins: the chunk boundaries `bounds` and each edge of a silence (5 ms or more below
/// 1e-4) between clips. Returns their count and the largest jump at one over the 99th
/// percentile of all jumps in sound.
fn join_jumps(x: &[f32], rate: u32, bounds: &[usize]) -> (usize, Option<f64>) {
    const QUIET: f32 = 1e-4;
    if x.len() < 2 {
        return (0, None);
    }
    let mut jumps: Vec<f32> = x
        .windows(2)
        .filter(|w| w[0].abs() > QUIET || w[1].abs() > QUIET)
        .map(|w| (w[1] - w[0]).abs())
        .collect();
    if jumps.is_empty() {
        return (0, None);
    }
    jumps.sort_by(f32::total_cmp);
    let typical = jumps[(jumps.len() * 99 / 100).min(jumps.len() - 1)].max(1e-6);
    let min_run = (rate as usize / 200).max(1);
    let mut joins: Vec<usize> = bounds
        .iter()
        .copied()
        .filter(|&p| p > 0 && p < x.len())
        .collect();
    let mut i = 0;
    while i < x.len() {
        if x[i].abs() >= QUIET {
            i += 1;
            continue;
        }
        let start = i;
        while i < x.len() && x[i].abs() < QUIET {
            i += 1;
        }
        if i - start >= min_run {
            if start > 0 {
                joins.push(start);
            }
            if i < x.len() {
                joins.push(i);
            }
        }
    }
    let worst = joins
        .iter()
        .map(|&p| {
            (p.saturating_sub(2).max(1)..(p + 3).min(x.len()))
                .map(|n| (x[n] - x[n - 1]).abs())
                .fold(0.0f32, f32::max)
        })
        .fold(0.0f32, f32::max);
    (joins.len(), Some((worst / typical) as f64))
}

/// A passage for the target voice to read, so its own speech can be compared with the
/// output: a few sentences in the language (English where there is none here).
fn reference_passage(language: &str) -> &'static str {
    match language {
        "ru" => "Здравствуйте! Так звучит этот голос: он прочтёт вашу запись своими словами. Вчера вечером мы долго гуляли по парку, а потом пили чай и говорили о планах на лето.",
        _ => "Hello! This is how this voice sounds when it reads your recording. Yesterday evening we walked in the park for a long time, and then we drank tea and talked about our plans for the summer.",
    }
}

fn speaker_similarity(
    embedder: &Path,
    s: &EvalSettings,
    a: &[f32],
    b: &[f32],
    language: &str,
) -> Result<SpeakerSimilarity, EvalError> {
    crate::tts::init_runtime(&s.onnxruntime)?;
    let mut embedder = Embedder::load(embedder, s.threads)?;
    let (ea, eb) = (embedder.embed(a)?, embedder.embed(b)?);
    let target = match &s.target_voice {
        Some(target) => {
            let mut voice = target.spec.clone().speaking(language).load(s.threads)?;
            let rate = voice.sample_rate();
            let speech = voice.synthesize(reference_passage(language), 1.0)?;
            let speech = shape::transform(speech, rate, target.pitch_shift, target.formant_shift)
                .map_err(EvalError::Transform)?;
            let speech = crate::resample::resample(&Audio::new(speech, rate), ASR_RATE)?;
            Some(embedder.embed(&speech.samples)?)
        }
        None => None,
    };
    Ok(SpeakerSimilarity {
        to_input: cosine(&ea, &eb),
        to_target: target.as_ref().map(|t| cosine(&eb, t)),
        input_to_target: target.as_ref().map(|t| cosine(&ea, t)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_correlation() {
        let v = [1.0, 2.0, 3.0, 4.0, 100.0];
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert_eq!(percentile(&v, 0.95), 100.0);
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((pearson(&x, &[2.0, 4.0, 6.0, 8.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((pearson(&x, &[8.0, 6.0, 4.0, 2.0]).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(pearson(&x, &[1.0; 4]), None);
    }

    #[test]
    fn speech_onsets_after_pauses_are_found_and_matched() {
        let rate = ASR_RATE as usize;
        let mut x = vec![0.0f32; rate * 3];
        // Speech at 0.5-1.0 s and 1.6-2.5 s, faint hiss elsewhere.
        for (i, s) in x.iter_mut().enumerate() {
            let t = i as f32 / rate as f32;
            let hiss = 0.001 * ((i * 7919) % 101) as f32 / 101.0;
            let speech = (0.5..1.0).contains(&t) || (1.6..2.5).contains(&t);
            *s = hiss + if speech { 0.3 * (t * 900.0).sin() } else { 0.0 };
        }
        assert_eq!(speech_onsets_ms(&x), vec![500.0, 1600.0]);
        let m = nearest_onsets(&[500.0, 1600.0], &[540.0, 1580.0, 2900.0]).unwrap();
        assert_eq!((m.matched, m.median_ms, m.p95_ms), (2, 20.0, 40.0));
    }

    #[test]
    fn a_click_at_a_join_stands_out_and_a_clean_join_does_not() {
        let rate = 16_000;
        // A tone faded in and out over 5 ms, as clips are.
        let tone = |n: usize| -> Vec<f32> {
            (0..n)
                .map(|i| {
                    let fade = (i.min(n - 1 - i) as f32 / 80.0).min(1.0);
                    0.3 * (i as f32 * 0.05).sin() * fade
                })
                .collect()
        };
        // Sound, 20 ms of silence, sound that starts at its zero crossing: seamless.
        let mut clean = tone(4_000);
        clean.extend(vec![0.0; 320]);
        clean.extend(tone(4_000));
        let (joins, ratio) = join_jumps(&clean, rate, &[]);
        assert_eq!(joins, 2);
        assert!(ratio.unwrap() < 1.5, "{ratio:?}");
        // The same, but the second part starts at a peak: a click.
        let mut click = tone(4_000);
        click.extend(vec![0.0; 320]);
        click.extend(tone(4_000).iter().map(|s| s + 0.3));
        let (_, ratio) = join_jumps(&click, rate, &[]);
        assert!(ratio.unwrap() > 5.0, "{ratio:?}");
    }
}
