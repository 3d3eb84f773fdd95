//! CTranslate2 (faster-whisper) `model.bin` -> whisper.cpp GGML conversion.
//!
//! No package in the registries ships Whisper in GGML form, but several ship the
//! CTranslate2 conversion of the same weights (see `docs/models.md`). This module reads
//! a CT2 `model.bin` (format version 6) and writes the file whisper.cpp loads: hparams
//! taken from tensor shapes, librosa's slaney mel filter bank computed here, the GPT-2
//! byte-level vocabulary from `tokenizer.json`, and every tensor renamed, split and
//! typed the way whisper.cpp's own `convert-pt-to-ggml.py` does. f16 weights stay f16,
//! so the conversion is lossless.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::quantize::Weights;
use super::ModelsError;

const GGML_MAGIC: u32 = 0x6767_6d6c;
const SAMPLE_RATE: u32 = 16_000;
const N_FFT: usize = 400;
/// Largest single CT2 variable we accept (guards against a corrupt header).
const MAX_VAR_BYTES: usize = 1 << 31;

/// The whisper.cpp hyperparameters, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    pub n_vocab: usize,
    pub n_audio_ctx: usize,
    pub n_audio_state: usize,
    pub n_audio_head: usize,
    pub n_audio_layer: usize,
    pub n_text_ctx: usize,
    pub n_text_state: usize,
    pub n_text_head: usize,
    pub n_text_layer: usize,
    pub n_mels: usize,
}

/// What a conversion wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertStats {
    pub hparams: Hparams,
    /// Vocabulary entries written (ids below end-of-text).
    pub n_tokens: usize,
    pub n_tensors: usize,
    /// Size of the GGML file in bytes.
    pub bytes: u64,
}

/// Converts a CT2 model stored as one or more part files (joined by concatenation).
pub fn ct2_to_ggml(
    model_parts: &[PathBuf],
    tokenizer_json: &Path,
    out: &Path,
    weights: Weights,
) -> Result<ConvertStats, ModelsError> {
    let label = model_parts.first().cloned().unwrap_or_default();
    let mut reader: Box<dyn Read> = Box::new(std::io::empty());
    for part in model_parts {
        let file = File::open(part).map_err(|e| ModelsError::io(part, e))?;
        reader = Box::new(reader.chain(BufReader::new(file)));
    }
    let tokenizer =
        std::fs::read(tokenizer_json).map_err(|e| ModelsError::io(tokenizer_json, e))?;
    ct2_reader_to_ggml(
        &mut reader,
        &label,
        &tokenizer,
        tokenizer_json,
        out,
        weights,
    )
}

/// Converts a CT2 model read from `model` (named `model_label` in errors), with the
/// contents of its `tokenizer.json`, with the weight matrices stored as `weights` says.
/// Writes a temp file beside `out`, then renames it.
pub fn ct2_reader_to_ggml(
    model: &mut dyn Read,
    model_label: &Path,
    tokenizer_json: &[u8],
    tokenizer_label: &Path,
    out: &Path,
    weights: Weights,
) -> Result<ConvertStats, ModelsError> {
    let ct2 = Ct2Model::read(model, model_label)?;
    let vocab = gpt2_vocab(tokenizer_json, tokenizer_label)?;
    let hparams = ct2.hparams()?;
    let tensors = ct2.ggml_tensors(hparams)?;
    tracing::info!(
        model = %model_label.display(), ?hparams, tensors = tensors.len(), tokens = vocab.len(),
        ?weights, "converting CTranslate2 Whisper to GGML"
    );
    write_ggml(out, hparams, &vocab, &tensors, model_label, weights)?;
    let bytes = std::fs::metadata(out)
        .map_err(|e| ModelsError::io(out, e))?
        .len();
    Ok(ConvertStats {
        hparams,
        n_tokens: vocab.len(),
        n_tensors: tensors.len(),
        bytes,
    })
}

// ---------------------------------------------------------------- CT2 reading

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
    Bf16,
}

impl DType {
    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::F32,
            1 => Self::I8,
            2 => Self::I16,
            3 => Self::I32,
            4 => Self::F16,
            5 => Self::Bf16,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            Self::I8 => 1,
            Self::I16 | Self::F16 | Self::Bf16 => 2,
            Self::F32 | Self::I32 => 4,
        }
    }
}

struct Var {
    dims: Vec<usize>,
    dtype: DType,
    data: Vec<u8>,
}

/// A CT2 model held in memory: its variables by name.
struct Ct2Model {
    vars: HashMap<String, Var>,
    label: PathBuf,
}

/// Little-endian primitive reader over a CT2 stream.
struct Ct2Stream<'a> {
    inner: &'a mut dyn Read,
    label: &'a Path,
}

impl Ct2Stream<'_> {
    fn bytes(&mut self, n: usize) -> Result<Vec<u8>, ModelsError> {
        let mut buf = vec![0; n];
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| ModelsError::io(self.label, e))?;
        Ok(buf)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelsError> {
        let mut buf = [0; N];
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| ModelsError::io(self.label, e))?;
        Ok(buf)
    }
    fn u8(&mut self) -> Result<u8, ModelsError> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, ModelsError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, ModelsError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    /// `u16` length (counting a trailing NUL) then the bytes.
    fn string(&mut self) -> Result<String, ModelsError> {
        let len = self.u16()? as usize;
        let mut bytes = self.bytes(len)?;
        if bytes.last() == Some(&0) {
            bytes.pop();
        }
        String::from_utf8(bytes).map_err(|_| self.bad("a name is not UTF-8"))
    }
    fn bad(&self, problem: impl Into<String>) -> ModelsError {
        ModelsError::BadModel {
            path: self.label.to_path_buf(),
            problem: problem.into(),
        }
    }
}

impl Ct2Model {
    fn read(input: &mut dyn Read, label: &Path) -> Result<Self, ModelsError> {
        let mut s = Ct2Stream {
            inner: input,
            label,
        };
        let version = s.u32()?;
        if version != 6 {
            return Err(s.bad(format!("CTranslate2 format version {version}, expected 6")));
        }
        let spec = s.string()?;
        let revision = s.u32()?;
        let n_vars = s.u32()?;
        tracing::debug!(%spec, revision, n_vars, "reading CTranslate2 model");
        let mut vars = HashMap::new();
        for _ in 0..n_vars {
            let (name, var) = Self::read_var(&mut s)?;
            vars.insert(name, var);
        }
        // Aliases (tied weights); whisper.cpp has no use for them, but read them so a
        // truncated file is noticed.
        let n_aliases = s.u32()?;
        for _ in 0..n_aliases {
            let (alias, target) = (s.string()?, s.string()?);
            tracing::debug!(%alias, %target, "CT2 alias (ignored)");
        }
        Ok(Self {
            vars,
            label: label.to_path_buf(),
        })
    }

    fn read_var(s: &mut Ct2Stream) -> Result<(String, Var), ModelsError> {
        let name = s.string()?;
        let rank = s.u8()? as usize;
        let mut dims = Vec::with_capacity(rank);
        for _ in 0..rank {
            dims.push(s.u32()? as usize);
        }
        let code = s.u8()?;
        let dtype =
            DType::from_code(code).ok_or_else(|| s.bad(format!("{name}: unknown dtype {code}")))?;
        let nbytes = s.u32()? as usize;
        let expected = dims.iter().product::<usize>() * dtype.size();
        if nbytes != expected || nbytes > MAX_VAR_BYTES {
            return Err(s.bad(format!("{name}: {nbytes} bytes for shape {dims:?}")));
        }
        let data = s.bytes(nbytes)?;
        Ok((name, Var { dims, dtype, data }))
    }

    fn bad(&self, problem: impl Into<String>) -> ModelsError {
        ModelsError::BadModel {
            path: self.label.clone(),
            problem: problem.into(),
        }
    }

    fn var(&self, name: &str) -> Result<&Var, ModelsError> {
        self.vars
            .get(name)
            .ok_or_else(|| self.bad(format!("missing variable {name}")))
    }

    /// Dimension `axis` of a variable that must have rank `rank`.
    fn dim(&self, name: &str, rank: usize, axis: usize) -> Result<usize, ModelsError> {
        let var = self.var(name)?;
        if var.dims.len() != rank {
            return Err(self.bad(format!(
                "{name}: shape {:?}, expected rank {rank}",
                var.dims
            )));
        }
        Ok(var.dims[axis])
    }

    /// A scalar integer such as `encoder/num_heads`.
    fn scalar(&self, name: &str) -> Result<usize, ModelsError> {
        let var = self.var(name)?;
        let d = &var.data;
        let value = match (var.dtype, d.len()) {
            (DType::I8, 1) => i64::from(d[0] as i8),
            (DType::I16, 2) => i64::from(i16::from_le_bytes([d[0], d[1]])),
            (DType::I32, 4) => i64::from(i32::from_le_bytes([d[0], d[1], d[2], d[3]])),
            _ => return Err(self.bad(format!("{name}: not an integer scalar"))),
        };
        usize::try_from(value).map_err(|_| self.bad(format!("{name}: negative ({value})")))
    }

    fn count_layers(&self, stack: &str) -> usize {
        (0..)
            .take_while(|i| {
                self.vars
                    .contains_key(&format!("{stack}/layer_{i}/ffn/linear_0/weight"))
            })
            .count()
    }

    fn hparams(&self) -> Result<Hparams, ModelsError> {
        let h = Hparams {
            n_vocab: self.dim("decoder/embeddings/weight", 2, 0)?,
            n_audio_ctx: self.dim("encoder/position_encodings/encodings", 2, 0)?,
            n_audio_state: self.dim("encoder/position_encodings/encodings", 2, 1)?,
            n_audio_head: self.scalar("encoder/num_heads")?,
            n_audio_layer: self.count_layers("encoder"),
            n_text_ctx: self.dim("decoder/position_encodings/encodings", 2, 0)?,
            n_text_state: self.dim("decoder/embeddings/weight", 2, 1)?,
            n_text_head: self.scalar("decoder/num_heads")?,
            n_text_layer: self.count_layers("decoder"),
            n_mels: self.dim("encoder/conv1/weight", 3, 1)?,
        };
        if h.n_audio_layer == 0 || h.n_text_layer == 0 {
            return Err(self.bad("no encoder or decoder layers"));
        }
        Ok(h)
    }
}

// ---------------------------------------------------------------- name mapping

/// One output tensor: rows `[row0, row0 + rows)` of a CT2 variable, under a new name
/// and shape (PyTorch order; written reversed).
struct Tensor<'a> {
    name: String,
    dims: Vec<usize>,
    var: &'a Var,
    /// First element and element count within `var`.
    start: usize,
    len: usize,
}

impl<'a> Tensor<'a> {
    /// whisper.cpp keeps 1-D tensors, conv biases and positional embeddings in f32.
    /// The 2-D weight matrices whisper.cpp loads in the model's weight type (attention,
    /// MLP, token embedding); a row is a whole number of quantization blocks.
    fn is_matrix(&self) -> bool {
        self.dims.len() == 2
            && self.name.ends_with(".weight")
            && self.dims[1] % super::quantize::BLOCK == 0
    }

    fn wants_f32(&self) -> bool {
        self.dims.len() < 2
            || self.name.ends_with("conv1.bias")
            || self.name.ends_with("conv2.bias")
            || self.name.ends_with("positional_embedding")
    }
}

/// Builds the tensor list for one model, in openai-whisper state-dict order.
struct Mapper<'a> {
    model: &'a Ct2Model,
    out: Vec<Tensor<'a>>,
}

impl<'a> Mapper<'a> {
    /// The whole variable under a new name.
    fn whole(&mut self, src: &str, dst: String) -> Result<(), ModelsError> {
        let var = self.model.var(src)?;
        let len = var.dims.iter().product();
        self.out.push(Tensor {
            name: dst,
            dims: var.dims.clone(),
            var,
            start: 0,
            len,
        });
        Ok(())
    }

    /// A conv bias: `[n]` becomes `[n, 1]`.
    fn conv_bias(&mut self, src: &str, dst: String) -> Result<(), ModelsError> {
        self.whole(src, dst)?;
        if let Some(t) = self.out.last_mut() {
            t.dims = vec![t.len, 1];
        }
        Ok(())
    }

    /// Splits a fused `[k*d, ...]` variable by rows into `parts.len()` equal pieces;
    /// a `None` part is dropped.
    fn split(&mut self, src: &str, parts: &[Option<String>]) -> Result<(), ModelsError> {
        let var = self.model.var(src)?;
        let rows = *var
            .dims
            .first()
            .ok_or_else(|| self.model.bad(format!("{src}: scalar")))?;
        if rows % parts.len() != 0 {
            return Err(self.model.bad(format!(
                "{src}: {rows} rows do not split in {}",
                parts.len()
            )));
        }
        let mut dims = var.dims.clone();
        dims[0] = rows / parts.len();
        let len: usize = dims.iter().product();
        for (i, part) in parts.iter().enumerate() {
            match part {
                Some(name) => self.out.push(Tensor {
                    name: name.clone(),
                    dims: dims.clone(),
                    var,
                    start: i * len,
                    len,
                }),
                None => warn_if_nonzero(var, i * len, len, src),
            }
        }
        Ok(())
    }

    /// `.../linear_N/{weight,bias}` -> `dst.{weight,bias}`.
    fn linear(&mut self, src: &str, dst: &str) -> Result<(), ModelsError> {
        self.whole(&format!("{src}/weight"), format!("{dst}.weight"))?;
        self.whole(&format!("{src}/bias"), format!("{dst}.bias"))
    }

    /// `.../layer_norm/{gamma,beta}` -> `dst.{weight,bias}`.
    fn layer_norm(&mut self, src: &str, dst: &str) -> Result<(), ModelsError> {
        self.whole(&format!("{src}/gamma"), format!("{dst}.weight"))?;
        self.whole(&format!("{src}/beta"), format!("{dst}.bias"))
    }

    /// Fused q/k/v (`n` = 3) or k/v (`n` = 2) projection; the key bias is dropped.
    fn fused(&mut self, src: &str, dst: &str, names: &[&str]) -> Result<(), ModelsError> {
        let weights: Vec<_> = names
            .iter()
            .map(|n| Some(format!("{dst}.{n}.weight")))
            .collect();
        self.split(&format!("{src}/weight"), &weights)?;
        let biases: Vec<_> = names
            .iter()
            .map(|n| (*n != "key").then(|| format!("{dst}.{n}.bias")))
            .collect();
        self.split(&format!("{src}/bias"), &biases)
    }

    fn block(&mut self, stack: &str, i: usize, cross: bool) -> Result<(), ModelsError> {
        let src = format!("{stack}/layer_{i}");
        let dst = format!("{stack}.blocks.{i}");
        self.fused(
            &format!("{src}/self_attention/linear_0"),
            &format!("{dst}.attn"),
            &["query", "key", "value"],
        )?;
        self.linear(
            &format!("{src}/self_attention/linear_1"),
            &format!("{dst}.attn.out"),
        )?;
        self.layer_norm(
            &format!("{src}/self_attention/layer_norm"),
            &format!("{dst}.attn_ln"),
        )?;
        if cross {
            self.linear(
                &format!("{src}/attention/linear_0"),
                &format!("{dst}.cross_attn.query"),
            )?;
            self.fused(
                &format!("{src}/attention/linear_1"),
                &format!("{dst}.cross_attn"),
                &["key", "value"],
            )?;
            self.linear(
                &format!("{src}/attention/linear_2"),
                &format!("{dst}.cross_attn.out"),
            )?;
            self.layer_norm(
                &format!("{src}/attention/layer_norm"),
                &format!("{dst}.cross_attn_ln"),
            )?;
        }
        self.linear(&format!("{src}/ffn/linear_0"), &format!("{dst}.mlp.0"))?;
        self.linear(&format!("{src}/ffn/linear_1"), &format!("{dst}.mlp.2"))?;
        self.layer_norm(&format!("{src}/ffn/layer_norm"), &format!("{dst}.mlp_ln"))
    }
}

fn warn_if_nonzero(var: &Var, start: usize, len: usize, src: &str) {
    let size = var.dtype.size();
    let bytes = var
        .data
        .get(start * size..(start + len) * size)
        .unwrap_or_default();
    // +0.0 and -0.0 in f16/f32: all bits but the sign bit are zero.
    let nonzero = bytes.chunks(size).any(|c| {
        c.iter().enumerate().any(|(k, b)| {
            if k + 1 == size {
                b & 0x7f != 0
            } else {
                *b != 0
            }
        })
    });
    if nonzero {
        tracing::warn!(
            variable = src,
            "dropped key bias is not zero; whisper.cpp has no key bias"
        );
    }
}

impl Ct2Model {
    fn ggml_tensors(&self, h: Hparams) -> Result<Vec<Tensor<'_>>, ModelsError> {
        let mut m = Mapper {
            model: self,
            out: Vec::new(),
        };
        m.whole(
            "encoder/position_encodings/encodings",
            "encoder.positional_embedding".into(),
        )?;
        for conv in ["conv1", "conv2"] {
            m.whole(
                &format!("encoder/{conv}/weight"),
                format!("encoder.{conv}.weight"),
            )?;
            m.conv_bias(
                &format!("encoder/{conv}/bias"),
                format!("encoder.{conv}.bias"),
            )?;
        }
        for i in 0..h.n_audio_layer {
            m.block("encoder", i, false)?;
        }
        m.layer_norm("encoder/layer_norm", "encoder.ln_post")?;
        m.whole(
            "decoder/position_encodings/encodings",
            "decoder.positional_embedding".into(),
        )?;
        m.whole(
            "decoder/embeddings/weight",
            "decoder.token_embedding.weight".into(),
        )?;
        for i in 0..h.n_text_layer {
            m.block("decoder", i, true)?;
        }
        m.layer_norm("decoder/layer_norm", "decoder.ln")?;
        Ok(m.out)
    }
}

// ---------------------------------------------------------------- vocabulary

#[derive(Deserialize)]
struct TokenizerJson {
    model: TokenizerModel,
    #[serde(default)]
    added_tokens: Vec<AddedToken>,
}

#[derive(Deserialize)]
struct TokenizerModel {
    vocab: HashMap<String, u32>,
}

#[derive(Deserialize)]
struct AddedToken {
    id: u32,
    content: String,
}

/// GPT-2's byte -> printable character table (`bytes_to_unicode`).
pub(crate) fn byte_to_unicode() -> [char; 256] {
    let printable = |b: u32| {
        (0x21..=0x7e).contains(&b) || (0xa1..=0xac).contains(&b) || (0xae..=0xff).contains(&b)
    };
    let mut table = ['\0'; 256];
    let mut next = 256;
    for (b, slot) in (0u32..).zip(table.iter_mut()) {
        let code = if printable(b) {
            b
        } else {
            next += 1;
            next - 1
        };
        *slot = char::from_u32(code).unwrap_or('\0');
    }
    table
}

/// Undoes `byte_to_unicode` for one token; `None` for a character outside the table.
pub(crate) fn token_bytes(token: &str, decode: &HashMap<char, u8>) -> Option<Vec<u8>> {
    token.chars().map(|c| decode.get(&c).copied()).collect()
}

/// The token byte strings for ids below `<|endoftext|>`, in id order.
fn gpt2_vocab(json: &[u8], label: &Path) -> Result<Vec<Vec<u8>>, ModelsError> {
    let bad = |problem: String| ModelsError::BadTokenizer {
        path: label.to_path_buf(),
        problem,
    };
    let tok: TokenizerJson = serde_json::from_slice(json).map_err(|e| bad(e.to_string()))?;
    let eot = tok
        .added_tokens
        .iter()
        .find(|t| t.content == "<|endoftext|>")
        .map(|t| t.id)
        .or_else(|| tok.model.vocab.get("<|endoftext|>").copied())
        .ok_or_else(|| bad("no <|endoftext|> token".into()))?;
    let mut by_id: Vec<Option<&str>> = vec![None; eot as usize];
    for (text, &id) in &tok.model.vocab {
        if let Some(slot) = by_id.get_mut(id as usize) {
            *slot = Some(text);
        }
    }
    let decode: HashMap<char, u8> = (0u8..=255)
        .zip(byte_to_unicode())
        .map(|(b, c)| (c, b))
        .collect();
    by_id
        .iter()
        .enumerate()
        .map(|(id, text)| {
            let text = text.ok_or_else(|| bad(format!("no token with id {id}")))?;
            token_bytes(text, &decode)
                .ok_or_else(|| bad(format!("token {id} {text:?} is not byte-level")))
        })
        .collect()
}

// ---------------------------------------------------------------- mel filters

fn hz_to_mel(hz: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let logstep = 6.4f64.ln() / 27.0;
    if hz >= MIN_LOG_HZ {
        MIN_LOG_HZ / F_SP + (hz / MIN_LOG_HZ).ln() / logstep
    } else {
        hz / F_SP
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let min_log_mel = MIN_LOG_HZ / F_SP;
    let logstep = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel {
        MIN_LOG_HZ * (logstep * (mel - min_log_mel)).exp()
    } else {
        F_SP * mel
    }
}

/// librosa's `filters.mel(sr, n_fft, n_mels)` with `htk=False, norm='slaney'`, fmin 0,
/// fmax sr/2: `n_mels` rows of `n_fft/2 + 1` weights, row-major.
pub fn mel_filters(sr: u32, n_fft: usize, n_mels: usize) -> Vec<f32> {
    let n_bins = n_fft / 2 + 1;
    let sr = f64::from(sr);
    let top = hz_to_mel(sr / 2.0);
    let edges: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(top * i as f64 / (n_mels + 1) as f64))
        .collect();
    let mut out = Vec::with_capacity(n_mels * n_bins);
    for m in 0..n_mels {
        let (lo, mid, hi) = (edges[m], edges[m + 1], edges[m + 2]);
        let norm = 2.0 / (hi - lo);
        for k in 0..n_bins {
            let f = k as f64 * sr / n_fft as f64;
            let rise = (f - lo) / (mid - lo);
            let fall = (hi - f) / (hi - mid);
            out.push((rise.min(fall).max(0.0) * norm) as f32);
        }
    }
    out
}

// ---------------------------------------------------------------- writing

fn write_i32(w: &mut impl Write, v: usize) -> std::io::Result<()> {
    let v = i32::try_from(v).map_err(|_| std::io::Error::other("value does not fit in i32"))?;
    w.write_all(&v.to_le_bytes())
}

fn write_ggml(
    out: &Path,
    h: Hparams,
    vocab: &[Vec<u8>],
    tensors: &[Tensor],
    label: &Path,
    weights: Weights,
) -> Result<(), ModelsError> {
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| ModelsError::io(dir, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
    let io = |e| ModelsError::io(out, e);
    write_header(&mut w, h, weights).map_err(io)?;
    write_vocab(&mut w, vocab).map_err(io)?;
    for t in tensors {
        write_tensor(&mut w, t, weights).map_err(|e| match e {
            TensorError::Io(e) => ModelsError::io(out, e),
            TensorError::DType(problem) => ModelsError::BadModel {
                path: label.to_path_buf(),
                problem,
            },
        })?;
    }
    w.flush().map_err(io)?;
    drop(w);
    super::persist(tmp, out)
}

fn write_header(w: &mut impl Write, h: Hparams, weights: Weights) -> std::io::Result<()> {
    w.write_all(&GGML_MAGIC.to_le_bytes())?;
    for v in [
        h.n_vocab,
        h.n_audio_ctx,
        h.n_audio_state,
        h.n_audio_head,
        h.n_audio_layer,
        h.n_text_ctx,
        h.n_text_state,
        h.n_text_head,
        h.n_text_layer,
        h.n_mels,
        weights.file_ftype(),
    ] {
        write_i32(w, v)?;
    }
    write_i32(w, h.n_mels)?;
    write_i32(w, N_FFT / 2 + 1)?;
    for v in mel_filters(SAMPLE_RATE, N_FFT, h.n_mels) {
        w.write_all(&v.to_le_bytes())?;
    }
    Ok(())
}

fn write_vocab(w: &mut impl Write, vocab: &[Vec<u8>]) -> std::io::Result<()> {
    write_i32(w, vocab.len())?;
    for token in vocab {
        write_i32(w, token.len())?;
        w.write_all(token)?;
    }
    Ok(())
}

enum TensorError {
    Io(std::io::Error),
    DType(String),
}

impl From<std::io::Error> for TensorError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

fn write_tensor(w: &mut impl Write, t: &Tensor, weights: Weights) -> Result<(), TensorError> {
    let f32_out = t.wants_f32();
    let quantized = weights != Weights::F16 && t.is_matrix();
    let ttype = if quantized {
        weights.tensor_type() as usize
    } else {
        usize::from(!f32_out)
    };
    write_i32(w, t.dims.len())?;
    write_i32(w, t.name.len())?;
    write_i32(w, ttype)?;
    for &d in t.dims.iter().rev() {
        write_i32(w, d)?;
    }
    w.write_all(t.name.as_bytes())?;
    let size = t.var.dtype.size();
    let src = &t.var.data[t.start * size..(t.start + t.len) * size];
    let floats = |f: fn(&[u8]) -> f32| src.chunks_exact(size).map(f);
    // Quantization starts from f32 values, like an f32 tensor.
    let as_f32 = f32_out || quantized;
    let values: Box<dyn Iterator<Item = f32>> = match (t.var.dtype, as_f32) {
        (DType::F16, false) | (DType::F32, true) if !quantized => return Ok(w.write_all(src)?),
        (DType::F16, _) => Box::new(floats(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))),
        (DType::Bf16, _) => Box::new(floats(|c| {
            f32::from_bits(u32::from(u16::from_le_bytes([c[0], c[1]])) << 16)
        })),
        (DType::F32, _) => Box::new(floats(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
        (other, _) => {
            return Err(TensorError::DType(format!(
                "{}: unsupported dtype {other:?}",
                t.name
            )))
        }
    };
    if quantized {
        let values: Vec<f32> = values.collect();
        let mut out = Vec::with_capacity(values.len());
        weights.quantize(&values, &mut out);
        return Ok(w.write_all(&out)?);
    }
    for v in values {
        if f32_out {
            w.write_all(&v.to_le_bytes())?;
        } else {
            w.write_all(&f32_to_f16(v).to_le_bytes())?;
        }
    }
    Ok(())
}

/// IEEE half -> single (exact).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    match exp {
        0 => {
            let v = man as f32 * f32::from_bits(0x3380_0000); // man * 2^-24
            if sign != 0 {
                -v
            } else {
                v
            }
        }
        0x1f => f32::from_bits(sign | 0x7f80_0000 | (man << 13)),
        _ => f32::from_bits(sign | ((exp + 112) << 23) | (man << 13)),
    }
}

/// IEEE single -> half, rounding to nearest even.
pub(crate) fn f32_to_f16(v: f32) -> u16 {
    let x = v.to_bits();
    let sign = ((x >> 16) & 0x8000) as u16;
    let exp = ((x >> 23) & 0xff) as i32;
    let man = x & 0x7f_ffff;
    if exp == 0xff {
        return sign | 0x7c00 | if man != 0 { 0x200 } else { 0 };
    }
    let e = exp - 112; // rebias 127 -> 15
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    let (bits, shift) = if e <= 0 {
        if e < -10 {
            return sign;
        }
        (man | 0x80_0000, (14 - e) as u32)
    } else {
        (((e as u32) << 23) | man, 13)
    };
    let half = bits >> shift;
    let rest = bits & ((1 << shift) - 1);
    let halfway = 1 << (shift - 1);
    let rounded = if rest > halfway || (rest == halfway && half & 1 == 1) {
        half + 1
    } else {
        half
    };
    sign | rounded as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GGML tensor as read back: (name, dims as written, ftype, data bytes).
    type GgmlTensor = (String, Vec<i32>, i32, Vec<u8>);

    /// hparams, token count and tensors of a GGML file.
    fn ggml_tensors(bytes: &[u8]) -> (Vec<i32>, usize, Vec<GgmlTensor>) {
        let mut pos = 0;
        let i32_at = |pos: &mut usize| {
            let v = i32::from_le_bytes(bytes[*pos..*pos + 4].try_into().unwrap());
            *pos += 4;
            v
        };
        assert_eq!(i32_at(&mut pos) as u32, GGML_MAGIC);
        let hparams: Vec<i32> = (0..11).map(|_| i32_at(&mut pos)).collect();
        let (n_mel, n_bins) = (i32_at(&mut pos), i32_at(&mut pos));
        pos += (n_mel * n_bins * 4) as usize;
        let n_tokens = i32_at(&mut pos) as usize;
        for _ in 0..n_tokens {
            pos += i32_at(&mut pos) as usize;
        }
        let mut tensors = Vec::new();
        while pos < bytes.len() {
            let (n_dims, name_len, ftype) = (i32_at(&mut pos), i32_at(&mut pos), i32_at(&mut pos));
            let dims: Vec<i32> = (0..n_dims).map(|_| i32_at(&mut pos)).collect();
            let name = String::from_utf8(bytes[pos..pos + name_len as usize].to_vec()).unwrap();
            pos += name_len as usize;
            let n = dims.iter().product::<i32>() as usize * if ftype == 0 { 4 } else { 2 };
            tensors.push((name, dims, ftype, bytes[pos..pos + n].to_vec()));
            pos += n;
        }
        (hparams, n_tokens, tensors)
    }

    #[test]
    fn mel_filters_match_librosa_slaney() {
        let m = mel_filters(16_000, 400, 80);
        assert_eq!(m.len(), 80 * 201);
        // Filter 0 spans 0 .. 74.48 Hz with its peak at 37.24 Hz; bins are 40 Hz apart,
        // so only bin 1 is non-zero: (74.478 - 40) / 37.239 * 2 / 74.478.
        assert_eq!(m[0], 0.0);
        assert!((m[1] - 0.024_862_594).abs() < 1e-8, "{}", m[1]);
        assert_eq!(m[2], 0.0);
        // Slaney normalisation gives every triangle unit area in Hz; wide (high) filters
        // sample it finely enough that sum * 40 Hz is close to 1.
        for row in 60..80 {
            let area: f32 = m[row * 201..(row + 1) * 201].iter().sum::<f32>() * 40.0;
            assert!((area - 1.0).abs() < 0.02, "row {row}: {area}");
        }
        // The last filter ends exactly at Nyquist (bin 200 is its zero).
        assert_eq!(m[79 * 201 + 200], 0.0);
        assert!(m[79 * 201 + 199] > 0.0);
    }

    #[test]
    fn byte_to_unicode_round_trips() {
        let table = byte_to_unicode();
        let decode: HashMap<char, u8> = (0u8..=255).zip(table).map(|(b, c)| (c, b)).collect();
        assert_eq!(decode.len(), 256);
        assert_eq!(table[b' ' as usize], 'Ġ');
        assert_eq!(table[b'\n' as usize], 'Ċ');
        assert_eq!(table[b'A' as usize], 'A');
        let all: String = table.iter().collect();
        assert_eq!(
            token_bytes(&all, &decode).unwrap(),
            (0u8..=255).collect::<Vec<_>>()
        );
        assert_eq!(token_bytes("Ġhello", &decode).unwrap(), b" hello");
        assert_eq!(token_bytes("<|x|>€", &decode), None);
    }

    #[test]
    fn f16_conversions_round_trip() {
        for h in 0..=u16::MAX {
            let is_nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
            if !is_nan {
                assert_eq!(f32_to_f16(f16_to_f32(h)), h, "{h:#06x}");
            }
        }
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f32_to_f16(65520.0), 0x7c00); // rounds up to infinity
        assert_eq!(f32_to_f16(1.0 + 1.0 / 2048.0), 0x3c00); // halfway: to even
        assert_eq!(f32_to_f16(1.0 + 3.0 / 2048.0), 0x3c02); // halfway: to even (up)
        assert_eq!(f32_to_f16(f32::from_bits(0x3300_0001)), 0x0001); // just above half of min subnormal
    }

    /// A synthetic CT2 v6 file builder.
    struct Ct2Builder(Vec<(String, Vec<u32>, u8, Vec<u8>)>);

    impl Ct2Builder {
        fn f16(&mut self, name: &str, dims: &[u32]) {
            let n: u32 = dims.iter().product();
            let data = (0..n)
                .flat_map(|i| f32_to_f16(i as f32 * 0.5).to_le_bytes())
                .collect();
            self.0.push((name.into(), dims.to_vec(), 4, data));
        }
        fn heads(&mut self, name: &str, n: i16) {
            self.0
                .push((name.into(), vec![], 2, n.to_le_bytes().to_vec()));
        }
        fn bytes(&self) -> Vec<u8> {
            let string = |out: &mut Vec<u8>, s: &str| {
                out.extend(((s.len() + 1) as u16).to_le_bytes());
                out.extend(s.as_bytes());
                out.push(0);
            };
            let mut out = 6u32.to_le_bytes().to_vec();
            string(&mut out, "WhisperSpec");
            out.extend(3u32.to_le_bytes());
            out.extend((self.0.len() as u32).to_le_bytes());
            for (name, dims, dtype, data) in &self.0 {
                string(&mut out, name);
                out.push(dims.len() as u8);
                dims.iter().for_each(|d| out.extend(d.to_le_bytes()));
                out.push(*dtype);
                out.extend((data.len() as u32).to_le_bytes());
                out.extend(data);
            }
            out.extend(1u32.to_le_bytes());
            string(&mut out, "decoder/projection/weight");
            string(&mut out, "decoder/embeddings/weight");
            out
        }
        fn block(&mut self, p: &str, d: u32, cross: bool) {
            let attn = |b: &mut Self, a: &str, fused: &[(&str, u32)]| {
                for (lin, rows) in fused {
                    b.f16(&format!("{p}/{a}/{lin}/weight"), &[*rows, d]);
                    b.f16(&format!("{p}/{a}/{lin}/bias"), &[*rows]);
                }
                b.f16(&format!("{p}/{a}/layer_norm/gamma"), &[d]);
                b.f16(&format!("{p}/{a}/layer_norm/beta"), &[d]);
            };
            attn(
                self,
                "self_attention",
                &[("linear_0", 3 * d), ("linear_1", d)],
            );
            if cross {
                attn(
                    self,
                    "attention",
                    &[("linear_0", d), ("linear_1", 2 * d), ("linear_2", d)],
                );
            }
            self.f16(&format!("{p}/ffn/linear_0/weight"), &[4 * d, d]);
            self.f16(&format!("{p}/ffn/linear_0/bias"), &[4 * d]);
            self.f16(&format!("{p}/ffn/linear_1/weight"), &[d, 4 * d]);
            self.f16(&format!("{p}/ffn/linear_1/bias"), &[d]);
            self.f16(&format!("{p}/ffn/layer_norm/gamma"), &[d]);
            self.f16(&format!("{p}/ffn/layer_norm/beta"), &[d]);
        }
    }

    /// A whole (tiny) Whisper: d=4, 2 mels, 1 encoder and 1 decoder layer, 3 tokens.
    fn tiny_whisper() -> Vec<u8> {
        let mut b = Ct2Builder(Vec::new());
        b.f16("encoder/position_encodings/encodings", &[6, 4]);
        b.f16("encoder/conv1/weight", &[4, 2, 3]);
        b.f16("encoder/conv1/bias", &[4]);
        b.f16("encoder/conv2/weight", &[4, 4, 3]);
        b.f16("encoder/conv2/bias", &[4]);
        b.block("encoder/layer_0", 4, false);
        b.f16("encoder/layer_norm/gamma", &[4]);
        b.f16("encoder/layer_norm/beta", &[4]);
        b.heads("encoder/num_heads", 2);
        b.f16("decoder/embeddings/weight", &[3, 4]);
        b.f16("decoder/position_encodings/encodings", &[5, 4]);
        b.block("decoder/layer_0", 4, true);
        b.f16("decoder/layer_norm/gamma", &[4]);
        b.f16("decoder/layer_norm/beta", &[4]);
        b.heads("decoder/num_heads", 2);
        b.bytes()
    }

    #[test]
    fn small_ct2_file_parses() {
        let mut b = Ct2Builder(Vec::new());
        b.f16("encoder/conv1/bias", &[4]);
        b.heads("encoder/num_heads", 6);
        let bytes = b.bytes();
        let model = Ct2Model::read(&mut bytes.as_slice(), Path::new("t")).unwrap();
        assert_eq!(model.scalar("encoder/num_heads").unwrap(), 6);
        assert_eq!(model.var("encoder/conv1/bias").unwrap().dims, vec![4]);
        let truncated = &bytes[..bytes.len() - 3];
        assert!(Ct2Model::read(&mut &truncated[..], Path::new("t")).is_err());
    }

    #[test]
    fn synthetic_whisper_converts() {
        let dir = tempfile::tempdir().unwrap();
        let tok = br#"{"model":{"vocab":{"!":0,"\u0120a":1,"<|endoftext|>":2}},
                       "added_tokens":[{"id":2,"content":"<|endoftext|>"}]}"#;
        let out = dir.path().join("ggml.bin");
        let stats = ct2_reader_to_ggml(
            &mut tiny_whisper().as_slice(),
            Path::new("m"),
            tok,
            Path::new("t"),
            &out,
            Weights::F16,
        )
        .unwrap();
        assert_eq!(
            (stats.n_tokens, stats.n_tensors),
            (2, 5 + 15 + 2 + 2 + 24 + 2)
        );
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(bytes.len() as u64, stats.bytes);
        let (hparams, n_tokens, tensors) = ggml_tensors(&bytes);
        assert_eq!(hparams, vec![3, 6, 4, 2, 1, 5, 4, 2, 1, 2, 1]);
        assert_eq!(n_tokens, 2);
        assert_eq!(tensors.len(), stats.n_tensors);
        let find = |n: &str| {
            tensors
                .iter()
                .find(|t| t.0 == n)
                .unwrap_or_else(|| panic!("{n}"))
        };
        // Key rows are rows 4..8 of the fused [12, 4] weight: values 8.0 .. 15.5, f16.
        let key = find("encoder.blocks.0.attn.key.weight");
        assert_eq!((key.1.clone(), key.2), (vec![4, 4], 1));
        assert_eq!(f16_to_f32(u16::from_le_bytes([key.3[0], key.3[1]])), 8.0);
        assert!(tensors
            .iter()
            .all(|t| t.0 != "encoder.blocks.0.attn.key.bias"));
        // Conv bias becomes [4, 1] (written reversed) in f32; 1-D tensors f32.
        assert_eq!(find("encoder.conv1.bias").1, vec![1, 4]);
        assert_eq!(find("encoder.conv1.bias").2, 0);
        assert_eq!(find("decoder.positional_embedding").2, 0);
        let value = find("decoder.blocks.0.cross_attn.value.bias");
        assert_eq!(
            (
                value.2,
                f32::from_le_bytes(value.3[..4].try_into().unwrap())
            ),
            (0, 2.0)
        );
    }
}
