//! Speech recognition with whisper.cpp (through whisper-rs): 16 kHz mono samples in,
//! a [`Transcript`] with segment and word times out.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;
use whisper_rs::{
    DtwMode, DtwModelPreset, DtwParameters, FullParams, SamplingStrategy, WhisperContext,
    WhisperContextParameters, WhisperState,
};

use crate::transcript::{
    expected_length_ms, Segment, Transcript, Word, FASTEST_SPEECH, SCHEMA_VERSION,
};

mod passes;

/// Whisper works on 16 kHz audio.
pub const ASR_RATE: u32 = 16_000;
/// Bump when what recognition returns for the same audio changes (how words get their
/// times, which segments are kept): transcripts cached before are then recognised again
/// rather than read back as they were. 3: text the audio left cannot hold is dropped.
pub const RECOGNITION_REVISION: u32 = 3;

/// With automatic language, each window of about this length (Whisper's own window) gets
/// its own language detection.
pub const LANGUAGE_WINDOW_SECS: f64 = 30.0;

#[derive(Debug, Error)]
pub enum AsrError {
    #[error("cannot load Whisper model {path}: {reason}")]
    Load { path: PathBuf, reason: String },
    #[error("unknown language code '{0}' (use auto or a Whisper code such as en, ru, de)")]
    UnknownLanguage(String),
    #[error("model {model} is English-only and cannot recognise '{language}'; use --model base")]
    EnglishOnly { model: String, language: String },
    #[error("recognition failed: {0}")]
    Failed(String),
    #[error("the recogniser was loaded for {loaded:?} word times, not {asked:?}")]
    WordTimes { loaded: WordTimes, asked: WordTimes },
}

/// How Whisper decodes. Part of the transcript cache key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DecodeSettings {
    /// `None` detects the language of each chunk.
    pub language: Option<String>,
    /// `None` for greedy decoding, `Some(n)` for beam search of width n.
    pub beam_size: Option<u32>,
    /// How much audio the encoder looks at per call.
    #[serde(default)]
    pub context: AudioContext,
    /// Where word times come from; the recogniser must be loaded for it.
    #[serde(default)]
    pub word_times: WordTimes,
}

/// Where a transcript's word times come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WordTimes {
    /// whisper.cpp's estimate from token probabilities between its timestamp tokens: no
    /// extra work, but a word after a pause starts where the pause does.
    #[default]
    Estimated,
    /// Dynamic time warping of the decoder's alignment heads against the audio, as
    /// openai-whisper's and faster-whisper's word timestamps (one more decoder pass per
    /// window; the model is loaded for it).
    Aligned,
}

/// Whisper's encoder always works on a 30 s window, however little audio is in it, and
/// whisper.cpp moves its window to the last timestamp it decoded: a 60 s chunk costs about
/// three full encoder passes. Cutting the chunk at pauses into windows of about
/// [`FITTED_WINDOW_SECS`] (10-28 s) and shrinking the encoder's context to each window (whisper.cpp's
/// `audio_ctx`) makes the encoder's work proportional to the audio: on corpus/lecture_en.wav
/// recognition takes 0.56 of the time with the same words (`revoice bench --asr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioContext {
    /// Whisper's own 30 s windows (as whisper.cpp and faster-whisper do by default).
    #[default]
    Full,
    /// Windows of 10-28 s cut at pauses, each encoded with a context of its own length.
    Fitted,
}

/// Window length for [`AudioContext::Fitted`]...
pub const FITTED_WINDOW_SECS: f64 = 19.0;
/// ...give or take this much, to cut at the quietest moment.
const WINDOW_SEARCH_SECS: f64 = 9.0;
/// The language is told from a window's first seconds, encoded with a context that short:
/// whisper.cpp would otherwise encode a whole 30 s window once more just to detect it.
const DETECTION_SECS: usize = 8;
/// Whisper's encoder positions per second of audio (1500 for 30 s).
const CONTEXT_PER_SEC: f64 = 50.0;

/// A loaded Whisper model with its working state. Load once per worker, reuse per chunk.
pub struct Recognizer {
    ctx: WhisperContext,
    /// whisper.cpp's working memory; `None` after [`Recognizer::release`].
    state: Option<WhisperState>,
    model_name: String,
    word_times: WordTimes,
}

impl Recognizer {
    pub fn load(model: &Path, use_gpu: bool, word_times: WordTimes) -> Result<Self, AsrError> {
        passes::install_log();
        let load_err = |reason: String| AsrError::Load {
            path: model.to_path_buf(),
            reason,
        };
        let path = model
            .to_str()
            .ok_or_else(|| load_err("path is not UTF-8".into()))?;
        let model_name = model
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut params = WhisperContextParameters::default();
        params.use_gpu(use_gpu);
        if word_times == WordTimes::Aligned {
            // whisper.cpp's own work area for the alignment (128 MB reserved; only what
            // a window's alignment uses, a few MB, becomes resident).
            params.dtw_parameters(DtwParameters {
                mode: alignment_heads(&model_name),
                ..Default::default()
            });
        }
        let ctx =
            WhisperContext::new_with_params(path, params).map_err(|e| load_err(e.to_string()))?;
        let state = Some(ctx.create_state().map_err(|e| load_err(e.to_string()))?);
        Ok(Self {
            ctx,
            state,
            model_name,
            word_times,
        })
    }

    /// The word times this recogniser was loaded for.
    pub fn word_times(&self) -> WordTimes {
        self.word_times
    }

    /// Free whisper.cpp's working memory (its caches and compute buffers: about 230 MB with
    /// base) until the next call needs it again, so a worker synthesising speech does not
    /// hold it too.
    pub fn release(&mut self) {
        self.state = None;
    }

    /// The working state, made again after [`Recognizer::release`].
    fn state(&mut self) -> Result<&mut WhisperState, AsrError> {
        match &mut self.state {
            Some(state) => Ok(state),
            empty => Ok(empty.insert(
                self.ctx
                    .create_state()
                    .map_err(|e| AsrError::Failed(e.to_string()))?,
            )),
        }
    }

    pub fn is_multilingual(&self) -> bool {
        self.ctx.is_multilingual()
    }

    /// Transcribe `samples` (16 kHz mono). Times in the result are offset by `offset_ms`,
    /// so a chunk's transcript is on the file's timeline.
    ///
    /// With the language left to detection, audio longer than [`LANGUAGE_WINDOW_SECS`] is
    /// recognised window by window (cut at pauses), each window with its own detection, so
    /// a recording that changes language mid-chunk is recognised in each language. Every
    /// segment carries its language; the transcript's is the one spoken longest.
    pub fn transcribe(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        settings: &DecodeSettings,
        threads: usize,
    ) -> Result<Transcript, AsrError> {
        if settings.word_times != self.word_times {
            return Err(AsrError::WordTimes {
                loaded: self.word_times,
                asked: settings.word_times,
            });
        }
        let windows = self.windows(samples, settings)?;
        if windows.len() == 1 {
            return self.transcribe_window(samples, offset_ms, settings, threads);
        }
        let mut segments = Vec::new();
        for w in windows {
            let at_ms = offset_ms + w.start as u64 * 1000 / ASR_RATE as u64;
            let part =
                self.transcribe_window(&samples[w.start..w.end], at_ms, settings, threads)?;
            segments.extend(part.segments);
        }
        Ok(Transcript::joined(segments, "en"))
    }

    /// Where to cut `samples` into separate whisper.cpp calls, at pauses.
    fn windows(
        &self,
        samples: &[f32],
        settings: &DecodeSettings,
    ) -> Result<Vec<crate::chunk::Chunk>, AsrError> {
        let audio = crate::audio::Audio::new(samples.to_vec(), ASR_RATE);
        let secs = audio.duration_secs();
        if settings.context == AudioContext::Fitted {
            // Cut at the quietest moment 10-28 s into each window: a change of language
            // or speaker is most likely there, and no window outgrows Whisper's 30 s.
            return Ok(crate::chunk::plan_chunks(
                &audio,
                FITTED_WINDOW_SECS,
                WINDOW_SEARCH_SECS,
            ));
        }
        let detect = self.language_for(settings)?.is_none();
        let whole = vec![crate::chunk::Chunk {
            index: 0,
            start: 0,
            end: samples.len(),
        }];
        if !detect || secs <= LANGUAGE_WINDOW_SECS * 7.0 / 6.0 {
            return Ok(whole);
        }
        Ok(crate::chunk::plan_chunks(&audio, LANGUAGE_WINDOW_SECS, 5.0))
    }

    /// One call of whisper.cpp over `samples`: one language for all of it.
    fn transcribe_window(
        &mut self,
        samples: &[f32],
        offset_ms: u64,
        settings: &DecodeSettings,
        threads: usize,
    ) -> Result<Transcript, AsrError> {
        let language = self.language_for(settings)?;
        let duration_ms = samples.len() as u64 * 1000 / ASR_RATE as u64;
        if samples.len() < ASR_RATE as usize / 10 {
            // Under 100 ms holds no words; whisper.cpp also misbehaves on tiny inputs.
            return Ok(empty_transcript(language.as_deref().unwrap_or("en")));
        }
        let strategy = match settings.beam_size {
            Some(n) => SamplingStrategy::BeamSearch {
                beam_size: n as i32,
                patience: -1.0,
            },
            None => SamplingStrategy::Greedy { best_of: 1 },
        };
        let mut params = FullParams::new(strategy);
        params.set_n_threads(threads.max(1) as i32);
        params.set_language(Some(language.as_deref().unwrap_or("auto")));
        params.set_token_timestamps(true);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        params.set_suppress_blank(true);
        params.set_no_context(true);
        // Passes after the first run only over speech (see `passes.rs`).
        let mut guard = passes::TailGuard::new(samples);
        // whisper.cpp aborts (an assertion of its median filter) when it aligns a stretch
        // under 140 ms, as the last stretch of a call can be; a second of silence after the
        // audio keeps the last stretch longer (times stay clamped to the real audio).
        let padded: Vec<f32>;
        let samples = if self.word_times == WordTimes::Aligned {
            padded = [samples, &[0.0; ASR_RATE as usize][..]].concat();
            &padded[..]
        } else {
            samples
        };
        // The encoder's context: the model's own (30 s) or fitted to the window.
        let ctx = match settings.context {
            AudioContext::Fitted => fitted_context(samples.len(), self.ctx.n_audio_ctx()),
            AudioContext::Full => self.ctx.n_audio_ctx(),
        };
        params.set_audio_ctx(ctx);
        if language.is_none() {
            let detect = fitted_context(DETECTION_SECS * ASR_RATE as usize, ctx);
            self.set_detection_context(detect, threads)?;
        }

        let (callback, guard_data) = guard.callback();
        // SAFETY: `guard` lives on this stack frame, unmoved, until `full` has returned.
        unsafe {
            params.set_start_encoder_callback(callback);
            params.set_start_encoder_callback_user_data(guard_data);
        }

        let eot = self.ctx.token_eot();
        let state = self.state()?;
        state
            .full(params, samples)
            .map_err(|e| AsrError::Failed(e.to_string()))?;
        let (ran, skipped) = guard.passes();
        tracing::debug!(ran, skipped, "encoder passes");
        let detected = whisper_rs::get_lang_str(state.full_lang_id_from_state())
            .unwrap_or("en")
            .to_string();
        let language = language.unwrap_or(detected);
        let mut segments = Vec::new();
        // Where the previous token ended (alignment time, centiseconds), across segments.
        let mut aligned_to: Option<i64> = None;
        for seg in state.as_iter() {
            let words = Self::words_of(eot, &seg, offset_ms, duration_ms, &mut aligned_to);
            let text = seg
                .to_str_lossy()
                .map(|t| t.trim().to_string())
                .unwrap_or_default();
            if text.is_empty() || is_noise_marker(&text) {
                continue;
            }
            let start_ms = offset_ms + clamp_cs(seg.start_timestamp(), duration_ms);
            let end_ms = (offset_ms + clamp_cs(seg.end_timestamp(), duration_ms)).max(start_ms);
            segments.push(Segment {
                stressed: None,
                text,
                start_ms,
                end_ms,
                language: Some(language.clone()),
                words,
            });
        }
        let audio_end_ms = offset_ms + duration_ms;
        segments.retain(|seg| {
            let fits = fits_before_end(seg, audio_end_ms);
            if !fits {
                tracing::debug!(text = %seg.text, start_ms = seg.start_ms, "dropped: the audio left cannot hold it");
            }
            fits
        });
        Ok(Transcript {
            stress: None,
            schema: SCHEMA_VERSION,
            language,
            segments,
        })
    }

    /// whisper.cpp detects the language before it applies a call's `audio_ctx`, so the
    /// detection would use the previous call's context. A call over 100 ms (decoded no
    /// further: whisper.cpp stops when 100 ms are left) sets it first: the detection then
    /// hears the first `ctx` positions of the window (a shorter context costs less).
    fn set_detection_context(&mut self, ctx: i32, threads: usize) -> Result<(), AsrError> {
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(threads.max(1) as i32);
        params.set_language(Some("en"));
        params.set_audio_ctx(ctx);
        params.set_duration_ms(100);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        let silence = vec![0.0f32; ASR_RATE as usize / 5];
        self.state()?
            .full(params, &silence)
            .map_err(|e| AsrError::Failed(e.to_string()))?;
        Ok(())
    }

    fn language_for(&self, settings: &DecodeSettings) -> Result<Option<String>, AsrError> {
        match settings.language.as_deref() {
            None | Some("auto") => Ok(if self.is_multilingual() {
                None
            } else {
                Some("en".into())
            }),
            Some(code) => {
                if whisper_rs::get_lang_id(code).is_none() {
                    return Err(AsrError::UnknownLanguage(code.to_string()));
                }
                if code != "en" && !self.is_multilingual() {
                    return Err(AsrError::EnglishOnly {
                        model: self.model_name.clone(),
                        language: code.to_string(),
                    });
                }
                Ok(Some(code.to_string()))
            }
        }
    }

    /// Group a segment's text tokens into words: a token starting with a space starts a word.
    ///
    /// Word times come from dynamic time warping of the decoder's alignment heads against
    /// the audio (as openai-whisper's word timestamps): whisper.cpp gives each token the
    /// time its alignment moves on to the next token (`t_dtw`), so a token runs from the
    /// previous token's `t_dtw` (`aligned_to`, carried across segments) to its own. The
    /// first token of a call has no predecessor and starts at whisper.cpp's own guess
    /// (`t0`, from token probabilities), as do all tokens when alignment gave no times.
    /// Punctuation joins the word before in text but not in time: the time the alignment
    /// gives it goes to the next word, which then starts where the word before ended
    /// rather than where the comma's alignment did (often after the next word itself).
    /// Together with [`share_time`] this took the evaluator's own onset error (a file
    /// against a noisy copy of itself, p95) from 300 and 360 ms to 60 and 80 ms on jfk and
    /// lecture_en (docs/quality-notes.md, session 13).
    fn words_of(
        eot: whisper_rs::WhisperTokenId,
        seg: &whisper_rs::WhisperSegment<'_>,
        offset_ms: u64,
        dur_ms: u64,
        aligned_to: &mut Option<i64>,
    ) -> Vec<Word> {
        let at = |cs: i64| offset_ms + clamp_cs(cs, dur_ms);
        let mut words: Vec<Word> = Vec::new();
        let mut probs: Vec<f32> = Vec::new();
        for i in 0..seg.n_tokens() {
            let Some(tok) = seg.get_token(i) else {
                continue;
            };
            if tok.token_id() >= eot {
                continue; // special and timestamp tokens
            }
            let data = tok.token_data();
            let Ok(piece) = tok.to_str_lossy() else {
                continue;
            };
            let starts_word = piece.starts_with(' ') || words.is_empty();
            let glued = piece.chars().all(|c| c.is_ascii_punctuation());
            if glued {
                // Punctuation is not spoken: its time is the pause after the word, and the
                // alignment often gives it the next word too. Leave both to the next word.
                if let Some(last) = words.last_mut() {
                    last.text.push_str(piece.trim());
                }
                continue;
            }
            let (start, end) = match (*aligned_to, data.t_dtw) {
                (Some(from), to) if to >= from => (at(from), at(to)),
                (None, to) if to >= 0 => (at(data.t0).min(at(to)), at(to)),
                _ => (at(data.t0), at(data.t1)),
            };
            if data.t_dtw >= 0 {
                *aligned_to = Some(data.t_dtw);
            }
            let end = end.max(start);
            if starts_word {
                if let Some(last) = words.last_mut() {
                    last.probability = mean(&probs);
                }
                probs.clear();
                words.push(Word {
                    stressed: None,
                    text: piece.trim().to_string(),
                    start_ms: start,
                    end_ms: end,
                    probability: 0.0,
                });
            } else if let Some(last) = words.last_mut() {
                last.text.push_str(piece.trim());
                last.end_ms = end.max(last.end_ms);
            }
            probs.push(data.p);
        }
        if let Some(last) = words.last_mut() {
            last.probability = mean(&probs);
        }
        words.retain(|w| !w.text.is_empty());
        share_time(&mut words);
        words
    }
}

/// Give words the alignment left without time their share of the word before.
///
/// Where the alignment passes two tokens in one frame, the second word gets no time
/// (start = end) and both were said in the first one's span: "country can" in jfk comes
/// out as country 5.80-6.62 s, can 6.62-6.62 s. The span is shared out in proportion to
/// the words' letters, which puts "can" at 6.37 s (in a noisy copy, where the alignment
/// did give it time, it starts at 6.32 s).
fn share_time(words: &mut [Word]) {
    let mut i = 0;
    while i < words.len() {
        let run = 1 + words[i + 1..]
            .iter()
            .take_while(|w| w.end_ms == w.start_ms)
            .count();
        let group = &mut words[i..i + run];
        let (start, end) = (group[0].start_ms, group[run - 1].end_ms);
        let letters: Vec<u64> = group
            .iter()
            .map(|w| {
                w.text
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .count()
                    .max(1) as u64
            })
            .collect();
        let total: u64 = letters.iter().sum();
        if run > 1 && end > start {
            let mut done = 0;
            for (w, n) in group.iter_mut().zip(&letters) {
                w.start_ms = start + (end - start) * done / total;
                done += n;
                w.end_ms = start + (end - start) * done / total;
            }
        }
        i += run;
    }
}

/// The decoder's cross-attention heads that follow the audio best, per model (the sets
/// openai-whisper publishes, built into whisper.cpp), for word times by alignment.
/// `ggml-base-q8_0.bin` is base; a model not known by name uses its top three text layers.
fn alignment_heads(file_name: &str) -> DtwMode<'static> {
    let name = file_name
        .trim_start_matches("ggml-")
        .trim_end_matches(".bin");
    let name = name.split('-').next().unwrap_or(name);
    let model_preset = match name {
        "tiny.en" => DtwModelPreset::TinyEn,
        "tiny" => DtwModelPreset::Tiny,
        "base.en" => DtwModelPreset::BaseEn,
        "base" => DtwModelPreset::Base,
        "small.en" => DtwModelPreset::SmallEn,
        "small" => DtwModelPreset::Small,
        "medium.en" => DtwModelPreset::MediumEn,
        "medium" => DtwModelPreset::Medium,
        _ => return DtwMode::TopMost { n_top: 3 },
    };
    DtwMode::ModelPreset { model_preset }
}

fn empty_transcript(language: &str) -> Transcript {
    Transcript {
        stress: None,
        schema: SCHEMA_VERSION,
        language: language.to_string(),
        segments: Vec::new(),
    }
}

/// The encoder context for `samples` of audio: its length plus a second, at most the model's.
fn fitted_context(samples: usize, model_ctx: i32) -> i32 {
    let secs = samples as f64 / ASR_RATE as f64 + 1.0;
    ((secs * CONTEXT_PER_SEC).ceil() as i32).min(model_ctx)
}

/// Whisper times are centiseconds; keep them inside the chunk.
fn clamp_cs(cs: i64, duration_ms: u64) -> u64 {
    (cs.max(0) as u64 * 10).min(duration_ms)
}

fn mean(v: &[f32]) -> f32 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f32>() / v.len() as f32
    }
}

/// Whether `seg`'s text can be said between its start and `audio_end_ms`, at
/// [`FASTEST_SPEECH`] times the usual pace. Whisper carries a sentence that the end of the
/// audio cuts (or a fragment of a word there) on with words nobody said: lecture_en's last
/// 140 ms, the start of a word, heard as "is a good idea.", which the voice would then say.
/// Text said that fast is not speech; the margin keeps fast speakers whole.
fn fits_before_end(seg: &Segment, audio_end_ms: u64) -> bool {
    // The earlier of the segment's start and its first word's: either may be late.
    let start = seg
        .words
        .first()
        .map_or(seg.start_ms, |w| w.start_ms.min(seg.start_ms));
    let left = audio_end_ms.saturating_sub(start);
    left * FASTEST_SPEECH >= expected_length_ms(&seg.text)
}

/// Whisper writes non-speech as bracketed markers: "[MUSIC]", "(applause)", "[BLANK_AUDIO]".
fn is_noise_marker(text: &str) -> bool {
    let t = text.trim();
    (t.starts_with('[') && t.ends_with(']')) || (t.starts_with('(') && t.ends_with(')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_the_audio_left_cannot_hold_is_not_kept() {
        let seg = |text: &str, start_ms: u64| Segment {
            text: text.into(),
            start_ms,
            end_ms: (start_ms + 100).min(60_000),
            language: None,
            stressed: None,
            words: Vec::new(),
        };
        // lecture_en: four words (660 ms to say) in the last 140 ms.
        assert!(!fits_before_end(&seg("is a good idea.", 59_860), 60_000));
        // A short word at the very end, and a sentence with time for it, stay.
        assert!(fits_before_end(&seg("Yes.", 59_900), 60_000));
        assert!(fits_before_end(
            &seg("So when I think about normative questions,", 54_460),
            60_000
        ));
        // The measure is the time left, not the segment's own span (Whisper's segment
        // times can be that short inside speech).
        assert!(fits_before_end(&seg("is a good idea.", 59_750), 60_000));
        assert!(fits_before_end(&seg("is a good idea.", 30_000), 60_000));
        // A first word heard earlier than the segment's start gives it that much more time.
        let mut early = seg("is a good idea.", 59_860);
        early.words.push(Word::new("is", 59_500, 59_600));
        assert!(fits_before_end(&early, 60_000));
    }

    #[test]
    fn words_without_time_share_the_word_before() {
        let mut words = vec![
            Word::new("ask", 2000, 2300),
            Word::new("country", 6000, 6600),
            Word::new("can", 6600, 6600),
            Word::new("do", 6600, 6800),
        ];
        share_time(&mut words);
        let times: Vec<(u64, u64)> = words.iter().map(|w| (w.start_ms, w.end_ms)).collect();
        assert_eq!(
            times,
            [(2000, 2300), (6000, 6420), (6420, 6600), (6600, 6800)]
        );
    }

    #[test]
    fn a_word_without_time_at_the_start_stays_where_it_is() {
        let mut words = vec![Word::new("so", 500, 500), Word::new("and", 500, 900)];
        share_time(&mut words);
        assert_eq!((words[0].start_ms, words[0].end_ms), (500, 500));
        assert_eq!((words[1].start_ms, words[1].end_ms), (500, 900));
    }

    #[test]
    fn centiseconds_become_clamped_milliseconds() {
        assert_eq!(clamp_cs(150, 60_000), 1_500);
        assert_eq!(clamp_cs(-3, 60_000), 0);
        assert_eq!(clamp_cs(7_000, 60_000), 60_000);
    }

    #[test]
    fn fitted_context_covers_the_window_and_a_second() {
        assert_eq!(fitted_context(20 * 16_000, 1500), 1050);
        assert_eq!(fitted_context(40 * 16_000, 1500), 1500);
    }

    #[test]
    fn alignment_heads_follow_the_model_name() {
        let preset = |name| match alignment_heads(name) {
            DtwMode::ModelPreset { model_preset } => format!("{model_preset:?}"),
            other => format!("{other:?}"),
        };
        assert_eq!(preset("ggml-base.bin"), "Base");
        assert_eq!(preset("ggml-base-q8_0.bin"), "Base");
        assert_eq!(preset("ggml-tiny.en.bin"), "TinyEn");
        assert!(preset("my-model.bin").contains("TopMost"));
    }

    #[test]
    fn bracketed_markers_are_not_speech() {
        assert!(is_noise_marker("[BLANK_AUDIO]"));
        assert!(is_noise_marker(" (music) "));
        assert!(!is_noise_marker(
            "Ask not what your country can do for you."
        ));
    }
}
