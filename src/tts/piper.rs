//! Piper (VITS) voices run through ONNX Runtime.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::environment::Environment;
use ort::session::{builder::GraphOptimizationLevel, RunOptions, Session};
use ort::value::Tensor;
use serde::Deserialize;

use super::phonemize::{phonemize, PhonemeIdMap};
use super::{Spoken, TtsError};

static RUNTIME: OnceLock<Environment> = OnceLock::new();
static RUNTIME_INIT: Mutex<()> = Mutex::new(());

/// Loads ONNX Runtime from the shared library `dylib` (once per process; later calls are no-ops).
pub fn init_runtime(dylib: &Path) -> Result<(), TtsError> {
    let runtime_error = |reason: String| TtsError::Runtime {
        path: dylib.to_path_buf(),
        reason,
    };
    if !dylib.is_file() {
        return Err(runtime_error("the file does not exist".into()));
    }
    let _guard = RUNTIME_INIT.lock().unwrap_or_else(|p| p.into_inner());
    if RUNTIME.get().is_some() {
        return Ok(());
    }
    let environment = ort::init_from(dylib)
        .map_err(|e| runtime_error(e.to_string()))?
        .with_name("revoice")
        .build()
        .map_err(|e| runtime_error(e.to_string()))?;
    tracing::info!(dylib = %dylib.display(), "ONNX Runtime loaded");
    // Cannot fail: we hold the init lock and checked that it was empty.
    let _ = RUNTIME.set(environment);
    Ok(())
}

pub(crate) fn runtime() -> Result<&'static Environment, TtsError> {
    RUNTIME.get().ok_or(TtsError::RuntimeNotInitialized)
}

/// How a voice speaks. The defaults are deterministic: Piper voices draw random noise inside
/// the graph (`RandomNormalLike`, unseeded), scaled by `noise_scale` and `noise_w`; with both at
/// zero the same text always gives the same samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthesisOptions {
    /// Phoneme duration multiplier: above 1 speaks slower.
    pub length_scale: f32,
    /// Variation of the voice (Piper's default 0.667). Non-zero makes output random.
    pub noise_scale: f32,
    /// Variation of phoneme durations (Piper's default 0.8). Non-zero makes output random.
    pub noise_w: f32,
    /// Silence put between sentences, in seconds.
    pub sentence_silence_s: f32,
}

impl Default for SynthesisOptions {
    fn default() -> Self {
        Self {
            length_scale: 1.0,
            noise_scale: 0.0,
            noise_w: 0.0,
            sentence_silence_s: 0.2,
        }
    }
}

impl SynthesisOptions {
    fn validate(&self) -> Result<(), TtsError> {
        let fields = [
            ("length_scale", self.length_scale, self.length_scale > 0.0),
            ("noise_scale", self.noise_scale, self.noise_scale >= 0.0),
            ("noise_w", self.noise_w, self.noise_w >= 0.0),
            (
                "sentence_silence_s",
                self.sentence_silence_s,
                self.sentence_silence_s >= 0.0,
            ),
        ];
        match fields
            .iter()
            .find(|(_, value, ok)| !ok || !value.is_finite())
        {
            Some((name, value, _)) => Err(TtsError::InvalidOption(format!("{name} = {value}"))),
            None => Ok(()),
        }
    }
}

/// The parts of a Piper `.onnx.json` that synthesis needs.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct VoiceConfig {
    pub audio: AudioConfig,
    pub espeak: EspeakConfig,
    #[serde(default = "one")]
    pub num_speakers: u32,
    #[serde(default)]
    pub phoneme_type: Option<String>,
    pub phoneme_id_map: HashMap<String, Vec<i64>>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AudioConfig {
    pub sample_rate: u32,
    #[serde(default)]
    pub quality: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct EspeakConfig {
    pub voice: String,
}

fn one() -> u32 {
    1
}

impl VoiceConfig {
    /// `voice.onnx` -> `voice.onnx.json`.
    pub fn path_for(onnx: &Path) -> PathBuf {
        let mut name = onnx.as_os_str().to_owned();
        name.push(".json");
        PathBuf::from(name)
    }

    pub fn load(path: &Path) -> Result<Self, TtsError> {
        let text = std::fs::read_to_string(path).map_err(|source| TtsError::ConfigRead {
            path: path.to_path_buf(),
            source,
        })?;
        let config: Self = serde_json::from_str(&text).map_err(|e| TtsError::ConfigInvalid {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), TtsError> {
        let invalid = |reason: &str| TtsError::ConfigInvalid {
            path: path.to_path_buf(),
            reason: reason.to_owned(),
        };
        if self.audio.sample_rate == 0 {
            return Err(invalid("audio.sample_rate is 0"));
        }
        if self.espeak.voice.trim().is_empty() {
            return Err(invalid("espeak.voice is empty"));
        }
        if let Some(kind) = self.phoneme_type.as_deref().filter(|k| *k != "espeak") {
            return Err(invalid(&format!(
                "phoneme_type `{kind}` is not supported (only espeak)"
            )));
        }
        Ok(())
    }
}

/// A loaded Piper voice, ready to synthesise. Not shareable between threads while running;
/// load one per worker.
pub struct PiperVoice {
    id: String,
    onnx: PathBuf,
    config: VoiceConfig,
    ids: PhonemeIdMap,
    session: Session,
    /// Whether the graph takes a speaker id (`sid`, multi-speaker voices).
    takes_speaker: bool,
    /// Whether the session also returns each phoneme id's duration (see [`with_durations`]).
    gives_durations: bool,
    options: SynthesisOptions,
    /// Each run hands its working memory back to the system (see [`shrinking_runs`]).
    run_options: RunOptions,
}

impl std::fmt::Debug for PiperVoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PiperVoice")
            .field("onnx", &self.onnx)
            .field("language", &self.config.espeak.voice)
            .field("sample_rate", &self.config.audio.sample_rate)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl PiperVoice {
    /// Loads `onnx` and the `.onnx.json` beside it; runs on `threads` intra-op threads.
    /// [`init_runtime`] must have been called first.
    pub fn load(onnx: &Path, threads: usize) -> Result<Self, TtsError> {
        let config_path = VoiceConfig::path_for(onnx);
        let config = VoiceConfig::load(&config_path)?;
        let ids = PhonemeIdMap::from_json_map(&config.phoneme_id_map).map_err(|reason| {
            TtsError::ConfigInvalid {
                path: config_path.clone(),
                reason,
            }
        })?;
        let (session, gives_durations) =
            open_with_durations(onnx, threads.max(1), DURATIONS_TENSOR)?;
        let takes_speaker = session.inputs().iter().any(|i| i.name() == "sid");
        let run_options = shrinking_runs().map_err(|source| TtsError::ModelLoad {
            path: onnx.to_path_buf(),
            source,
        })?;
        tracing::info!(
            voice = %onnx.display(),
            language = %config.espeak.voice,
            sample_rate = config.audio.sample_rate,
            threads,
            "Piper voice loaded"
        );
        Ok(Self {
            id: onnx
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            onnx: onnx.to_path_buf(),
            config,
            ids,
            session,
            takes_speaker,
            gives_durations,
            options: SynthesisOptions::default(),
            run_options,
        })
    }

    pub fn sample_rate(&self) -> u32 {
        self.config.audio.sample_rate
    }

    /// The espeak-ng voice used for phonemes, e.g. `en-us`.
    pub fn language(&self) -> &str {
        &self.config.espeak.voice
    }

    pub fn options(&self) -> SynthesisOptions {
        self.options
    }

    /// Sets the options [`PiperVoice::synthesize`] uses (its `length_scale` argument still wins).
    pub fn set_options(&mut self, options: SynthesisOptions) {
        self.options = options;
    }

    /// Speaks `text` (any number of sentences) at `length_scale` with the voice's options.
    /// Returns mono f32 samples at [`PiperVoice::sample_rate`]; blank text gives no samples.
    pub fn synthesize(&mut self, text: &str, length_scale: f32) -> Result<Vec<f32>, TtsError> {
        let options = SynthesisOptions {
            length_scale,
            ..self.options
        };
        self.synthesize_with(text, &options)
    }

    /// Like [`PiperVoice::synthesize`] with explicit options.
    pub fn synthesize_with(
        &mut self,
        text: &str,
        options: &SynthesisOptions,
    ) -> Result<Vec<f32>, TtsError> {
        options.validate()?;
        let sentences = phonemize(text, &self.config.espeak.voice)?;
        let silence = (options.sentence_silence_s * self.sample_rate() as f32) as usize;
        let mut audio = Vec::new();
        for (i, (phonemes, new_sentence)) in pieces(&sentences).into_iter().enumerate() {
            if i > 0 && new_sentence {
                audio.resize(audio.len() + silence, 0.0);
            }
            let ids = self.ids.ids(phonemes);
            tracing::debug!(%phonemes, ids = ids.len(), "synthesising sentence");
            audio.extend(self.infer(ids, options)?.0);
        }
        Ok(audio)
    }

    /// Speak `words` and say where each lies, from the voice's own phoneme durations when
    /// its graph gives them (else estimated, as any voice).
    pub fn synthesize_words(
        &mut self,
        words: &[String],
        length_scale: f32,
    ) -> Result<Spoken, TtsError> {
        let options = SynthesisOptions {
            length_scale,
            ..self.options
        };
        options.validate()?;
        let language = self.config.espeak.voice.clone();
        let sentences = phonemize(&words.join(" "), &language)?;
        let silence = (options.sentence_silence_s * self.sample_rate() as f32) as usize;
        let mut samples = Vec::new();
        // Every phoneme spoken, with its samples, over all sentences.
        let mut timed = Vec::new();
        let mut exact = self.gives_durations;
        for (i, (phonemes, new_sentence)) in pieces(&sentences).into_iter().enumerate() {
            if i > 0 && new_sentence {
                samples.resize(samples.len() + silence, 0.0);
            }
            let (ids, owners) = self.ids.ids_with_owners(phonemes);
            let (audio, durations) = self.infer(ids, &options)?;
            match durations {
                Some(d) if d.len() == owners.len() && exact => {
                    let hop = audio.len() as f64 / d.iter().sum::<f32>().max(1.0) as f64;
                    let chars: Vec<char> = phonemes.chars().collect();
                    timed.extend(
                        phoneme_spans(&d, &owners, hop, samples.len())
                            .into_iter()
                            .filter_map(|(c, span)| {
                                Some(super::words::TimedPhoneme {
                                    phoneme: *chars.get(c)?,
                                    span,
                                })
                            }),
                    );
                }
                _ => exact = false,
            }
            samples.extend(audio);
        }
        let words = if exact {
            super::words::word_spans(&timed, words, &language)?
        } else {
            let weights = super::words::phoneme_weights(words, &language);
            super::words::estimate(&samples, self.sample_rate(), &weights)
        };
        Ok(Spoken {
            samples,
            words,
            exact,
        })
    }

    /// Runs the graph on one sentence's phoneme ids.
    /// With the durations (in frames, one per id) when the session gives them.
    fn infer(
        &mut self,
        ids: Vec<i64>,
        options: &SynthesisOptions,
    ) -> Result<(Vec<f32>, Option<Vec<f32>>), TtsError> {
        let onnx = self.onnx.clone();
        let inference_error = |source: ort::Error| TtsError::Inference {
            path: onnx.clone(),
            source,
        };
        let n = ids.len();
        let scales = vec![options.noise_scale, options.length_scale, options.noise_w];
        let mut inputs = ort::inputs! {
            "input" => Tensor::from_array(([1usize, n], ids)).map_err(inference_error)?,
            "input_lengths" => Tensor::from_array(([1usize], vec![n as i64])).map_err(inference_error)?,
            "scales" => Tensor::from_array(([3usize], scales)).map_err(inference_error)?,
        };
        if self.takes_speaker {
            let sid = Tensor::from_array(([1usize], vec![0i64])).map_err(inference_error)?;
            inputs.push(("sid".into(), sid.into()));
        }
        let outputs = self
            .session
            .run_with_options(inputs, &self.run_options)
            .map_err(inference_error)?;
        let (_, samples) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(inference_error)?;
        let samples = samples.iter().map(|s| s.clamp(-1.0, 1.0)).collect();
        let durations = if self.gives_durations && outputs.len() > 1 {
            let (_, d) = outputs[1]
                .try_extract_tensor::<f32>()
                .map_err(inference_error)?;
            Some(d.to_vec())
        } else {
            None
        };
        Ok((samples, durations))
    }
}

/// Run options that shrink ONNX Runtime's memory arena after each run: it otherwise keeps
/// what the longest sentence needed (about 80 MB for 4 s of speech with the joe voice) while
/// the worker goes on to recognise the next chunk. Kokoro voices use them too.
pub(super) fn shrinking_runs() -> ort::Result<RunOptions> {
    let mut options = RunOptions::new()?;
    options.set("memory.enable_memory_arena_shrinkage", "cpu:0")?;
    Ok(options)
}

/// The most phoneme ids spoken in one run of the voice. A VITS voice's working memory grows
/// with the speech it makes (the joe voice: about 90 MB more for 150 ids, 4.5 s of speech,
/// and 350 MB more for 600 ids), so a longer sentence is spoken in pieces cut between words.
const MAX_IDS: usize = 160;

/// `sentences` (phonemes, words split by spaces) in pieces of at most about [`MAX_IDS`] ids,
/// each with whether it starts a sentence. A long sentence is cut into pieces of about equal
/// length, after a clause's punctuation where the piece is already more than half as long.
fn pieces(sentences: &[String]) -> Vec<(&str, bool)> {
    // Piper gives every phoneme a pad id after it: two ids a character, a space included.
    let cost = |w: &str| 2 * (w.chars().count() + 1);
    let mut out = Vec::new();
    for sentence in sentences {
        let total = cost(sentence);
        if total <= MAX_IDS {
            out.push((sentence.as_str(), true));
            continue;
        }
        let limit = total.div_ceil(total.div_ceil(MAX_IDS));
        let mut start = 0;
        let mut len = 0;
        let mut first = true;
        let words = sentence.split(' ').scan(0, |at, w| {
            let from = *at;
            *at += w.len() + 1;
            Some((from, w))
        });
        for (at, word) in words {
            let clause_end = word.ends_with([',', ';', ':']);
            if len > 0 && len + cost(word) > limit + limit / 10 {
                out.push((sentence[start..at].trim_end(), first));
                (start, len, first) = (at, 0, false);
            }
            len += cost(word);
            if clause_end && len > limit / 2 {
                let end = (at + word.len() + 1).min(sentence.len());
                out.push((sentence[start..end].trim_end(), first));
                (start, len, first) = (end, 0, false);
            }
        }
        if start < sentence.len() {
            out.push((sentence[start..].trim_end(), first));
        }
    }
    out.retain(|(p, _)| !p.trim().is_empty());
    out
}

/// The tensor of a Piper (VITS) graph that holds each phoneme id's duration in frames: the
/// `ceil` of the duration predictor's output. Standard Piper exports all name it so.
const DURATIONS_TENSOR: &[u8] = b"/Ceil_output_0";

/// Open a voice's graph so that the session also returns its durations (`tensor`, Piper's
/// [`DURATIONS_TENSOR`] or Kokoro's): the graph is read into memory and the tensor is
/// declared an output of it. That takes only bytes appended to the file's protobuf (a
/// second `graph` field holding one `output`, which protobuf merges into the first).
/// Graphs without that tensor, or any failure, open as they are: durations are then
/// estimated.
pub(super) fn open_with_durations(
    onnx: &Path,
    threads: usize,
    tensor: &[u8],
) -> Result<(Session, bool), TtsError> {
    let bytes = std::fs::read(onnx).map_err(|source| TtsError::ConfigRead {
        path: onnx.to_path_buf(),
        source,
    })?;
    if bytes.windows(tensor.len()).any(|w| w == tensor) {
        let mut with_output = bytes;
        with_output.extend(durations_output(tensor));
        match builder(onnx, threads)?.commit_from_memory(&with_output) {
            Ok(session) if session.outputs().len() == 2 => return Ok((session, true)),
            Ok(_) => tracing::debug!("durations output not taken; estimating word times"),
            Err(e) => {
                tracing::debug!(error = %e, "durations output not taken; estimating word times")
            }
        }
    }
    Ok((open_session(onnx, threads)?, false))
}

/// Protobuf bytes of `ModelProto { graph: GraphProto { output: [ValueInfoProto { name }] } }`.
fn durations_output(name: &[u8]) -> Vec<u8> {
    fn field(number: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![(number << 3) | 2];
        let mut len = payload.len();
        loop {
            let byte = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
        out.extend_from_slice(payload);
        out
    }
    // ValueInfoProto.name = 1, GraphProto.output = 12, ModelProto.graph = 7.
    field(7, &field(12, &field(1, name)))
}

/// The sample span of each phoneme from per-id `durations` (frames) and the character each
/// id stands for (`owners`, `None` for BOS/EOS/pads), `hop` samples a frame, shifted by
/// `offset`: (character index, span). Pads count with the phoneme before them.
fn phoneme_spans(
    durations: &[f32],
    owners: &[Option<usize>],
    hop: f64,
    offset: usize,
) -> Vec<(usize, std::ops::Range<usize>)> {
    let mut spans: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    let mut frames = 0.0f64;
    let at = |frames: f64| offset + (frames * hop).round() as usize;
    for (d, owner) in durations.iter().zip(owners) {
        let start = at(frames);
        frames += *d as f64;
        match owner {
            Some(c) => spans.push((*c, start..at(frames))),
            None => {
                if let Some((_, last)) = spans.last_mut() {
                    last.end = at(frames);
                }
            }
        }
    }
    spans
}

fn builder(onnx: &Path, threads: usize) -> Result<ort::session::builder::SessionBuilder, TtsError> {
    let model_error = |source: ort::Error| TtsError::ModelLoad {
        path: onnx.to_path_buf(),
        source,
    };
    Session::builder(runtime()?)
        .map_err(model_error)?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| model_error(e.into()))?
        .with_intra_threads(threads)
        .map_err(|e| model_error(e.into()))?
        .with_inter_threads(1)
        .map_err(|e| model_error(e.into()))
}

pub(super) fn open_session(onnx: &Path, threads: usize) -> Result<Session, TtsError> {
    if !onnx.is_file() {
        return Err(TtsError::ConfigRead {
            path: onnx.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "voice model not found"),
        });
    }
    builder(onnx, threads)?
        .commit_from_file(onnx)
        .map_err(|source| TtsError::ModelLoad {
            path: onnx.to_path_buf(),
            source,
        })
}

impl super::Voice for PiperVoice {
    fn length_scale_is_exact(&self) -> bool {
        true
    }
    fn id(&self) -> &str {
        &self.id
    }

    fn sample_rate(&self) -> u32 {
        PiperVoice::sample_rate(self)
    }

    fn language(&self) -> &str {
        PiperVoice::language(self)
    }

    fn synthesize(&mut self, text: &str, length_scale: f32) -> Result<Vec<f32>, TtsError> {
        PiperVoice::synthesize(self, text, length_scale)
    }

    fn synthesize_words(
        &mut self,
        words: &[String],
        length_scale: f32,
    ) -> Result<Spoken, TtsError> {
        PiperVoice::synthesize_words(self, words, length_scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_sentence_is_spoken_in_pieces_cut_between_words() {
        let word = "ɐbˈaʊt";
        let long: Vec<String> = (0..60)
            .map(|i| {
                if i == 20 {
                    format!("{word},")
                } else {
                    word.to_string()
                }
            })
            .collect();
        let sentences = vec!["ʃˈɔːt wˈʌn.".to_string(), long.join(" ")];
        let got = pieces(&sentences);
        assert_eq!(got[0], ("ʃˈɔːt wˈʌn.", true));
        assert!(got[1].1 && got[2..].iter().all(|(_, new)| !new), "{got:?}");
        assert!(
            got.iter().any(|(p, _)| p.ends_with(',')),
            "cut after the comma: {got:?}"
        );
        for (piece, _) in &got {
            assert!(
                2 * (piece.chars().count() + 1) <= MAX_IDS * 11 / 10,
                "{piece}"
            );
        }
        let joined: Vec<&str> = got[1..].iter().map(|(p, _)| *p).collect();
        assert_eq!(joined.join(" "), long.join(" "));
    }

    const JFK: &str = "Ask not what your country can do for you.";

    /// The joe voice and ONNX Runtime from the models dir that `scripts/setup.sh` prepares.
    fn test_voice() -> Option<PiperVoice> {
        let models = crate::models::ModelsDir::locate().expect("models dir (run scripts/setup.sh)");
        init_runtime(
            &models
                .onnxruntime_lib()
                .expect("onnxruntime (run scripts/setup.sh)"),
        )
        .expect("ONNX Runtime loads");
        let onnx = models.voices_dir().join("en_US-joe-medium.onnx");
        Some(PiperVoice::load(&onnx, 2).expect("joe voice loads (run scripts/setup.sh)"))
    }

    fn rms(samples: &[f32]) -> f32 {
        (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
    }

    #[test]
    fn missing_runtime_names_the_fix() {
        let err = init_runtime(Path::new("/nonexistent/libonnxruntime.so")).expect_err("must fail");
        assert!(err.to_string().contains("revoice models prepare"), "{err}");
    }

    #[test]
    fn bad_options_are_rejected() {
        let slow = SynthesisOptions {
            length_scale: 0.0,
            ..Default::default()
        };
        assert!(matches!(slow.validate(), Err(TtsError::InvalidOption(_))));
        let nan = SynthesisOptions {
            noise_w: f32::NAN,
            ..Default::default()
        };
        assert!(matches!(nan.validate(), Err(TtsError::InvalidOption(_))));
        assert!(SynthesisOptions::default().validate().is_ok());
    }

    #[test]
    fn config_path_is_beside_the_model() {
        assert_eq!(
            VoiceConfig::path_for(Path::new("/v/en_US-joe-medium.onnx")),
            PathBuf::from("/v/en_US-joe-medium.onnx.json")
        );
    }

    #[test]
    fn speaks_a_sentence() {
        let Some(mut voice) = test_voice() else {
            return;
        };
        assert_eq!(voice.sample_rate(), 22050);
        assert_eq!(voice.language(), "en-us");
        let audio = voice.synthesize(JFK, 1.0).expect("synthesis");
        let seconds = audio.len() as f32 / voice.sample_rate() as f32;
        assert!((1.5..5.0).contains(&seconds), "{seconds} s");
        assert!(rms(&audio) > 0.01, "rms {}", rms(&audio));
    }

    #[test]
    fn blank_text_gives_no_audio() {
        let Some(mut voice) = test_voice() else {
            return;
        };
        assert!(voice.synthesize("", 1.0).expect("empty").is_empty());
        assert!(voice.synthesize(" \n ", 1.0).expect("blank").is_empty());
    }

    #[test]
    fn length_scale_slows_speech() {
        let Some(mut voice) = test_voice() else {
            return;
        };
        let normal = voice.synthesize(JFK, 1.0).expect("synthesis").len() as f32;
        let slow = voice.synthesize(JFK, 1.5).expect("synthesis").len() as f32;
        assert!(slow > normal * 1.3, "normal {normal}, slow {slow}");
    }

    #[test]
    fn sentences_are_joined_with_silence() {
        let Some(mut voice) = test_voice() else {
            return;
        };
        let one = voice.synthesize(JFK, 1.0).expect("synthesis").len();
        let two = voice
            .synthesize(&format!("{JFK} {JFK}"), 1.0)
            .expect("synthesis")
            .len();
        let gap = (voice.options().sentence_silence_s * voice.sample_rate() as f32) as usize;
        assert_eq!(two, 2 * one + gap);
    }

    #[test]
    fn output_is_deterministic() {
        let Some(mut voice) = test_voice() else {
            return;
        };
        let first = voice.synthesize(JFK, 1.0).expect("synthesis");
        voice
            .synthesize("Something else in between.", 1.0)
            .expect("synthesis");
        let again = voice.synthesize(JFK, 1.0).expect("synthesis");
        let mut fresh = test_voice().expect("voice");
        let other_session = fresh.synthesize(JFK, 1.0).expect("synthesis");
        assert!(
            first == again,
            "same session, same text gave different samples"
        );
        assert!(
            first == other_session,
            "another session gave different samples"
        );
    }

    #[test]
    fn the_voice_says_where_each_word_is() {
        let Some(mut voice) = test_voice() else {
            return;
        };
        assert!(
            voice.gives_durations,
            "joe's graph gives its phoneme durations"
        );
        let words: Vec<String> = "Ask not what your country can do, in 1961."
            .split_whitespace()
            .map(String::from)
            .collect();
        let spoken = voice.synthesize_words(&words, 1.0).expect("synthesis");
        assert!(spoken.exact, "durations came from the model");
        assert_eq!(spoken.words.len(), words.len());
        // In order, without overlap, covering the audio up to its end.
        for pair in spoken.words.windows(2) {
            assert!(
                pair[0].end <= pair[1].start && pair[0].start < pair[0].end,
                "{pair:?}"
            );
        }
        let last = spoken.words.last().unwrap();
        assert!(spoken.samples.len() - last.end < voice.sample_rate() as usize / 5);
        // The same audio as plain synthesis: asking for durations changes nothing heard.
        assert_eq!(
            spoken.samples,
            voice.synthesize(&words.join(" "), 1.0).unwrap()
        );
        // "1961" is several spoken words and the longest span.
        let longest = spoken.words.iter().map(|w| w.len()).max().unwrap();
        assert_eq!(last.len(), longest);
        // espeak-ng runs "in the" together (ɪnðə): still one span per word, from the model.
        let words: Vec<String> = "in the journals and in the literature"
            .split_whitespace()
            .map(String::from)
            .collect();
        let spoken = voice.synthesize_words(&words, 1.0).expect("synthesis");
        assert!(spoken.exact);
        assert_eq!(spoken.words.len(), words.len());
        assert!(
            spoken.words.iter().all(|w| !w.is_empty()),
            "{:?}",
            spoken.words
        );
        assert!(
            spoken.words[1].len() < spoken.words[2].len(),
            "{:?}",
            spoken.words
        );
    }

    #[test]
    fn the_durations_output_is_plain_protobuf() {
        // graph (7) { output (12) { name (1) = "ab" } }
        assert_eq!(
            durations_output(b"ab"),
            vec![0x3a, 6, 0x62, 4, 0x0a, 2, b'a', b'b']
        );
        let long = durations_output(&[b'x'; 200]);
        // Lengths past 127 take two varint bytes: 206 = 0xce 0x01.
        assert_eq!(&long[..3], &[0x3a, 0xce, 0x01]);
        assert_eq!(long.len(), 3 + 206);
    }
}
