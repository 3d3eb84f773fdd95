//! GGML's block quantizations of weight matrices, as whisper.cpp loads them.
//!
//! A row of a matrix is cut into blocks of 32 values; each block keeps a scale (and for
//! the `_1` kinds a minimum) in f16 and one small integer per value:
//! - `q8_0`: 8-bit values, `x = d * q`: 34 bytes per block (8.5 bits per weight);
//! - `q5_1`: 5-bit values, `x = d * q + m`: 24 bytes per block (6 bits per weight).
//!
//! whisper.cpp quantizes only the 2-D weight matrices (attention, MLP, token embedding);
//! convolutions, norms, biases and positional embeddings keep their types.

use serde::{Deserialize, Serialize};

use super::convert::f32_to_f16;

/// Values per quantization block.
pub const BLOCK: usize = 32;
/// ggml's quantization format version, written into the file's `ftype` (x 1000).
const QNT_VERSION: usize = 2;

/// How the weight matrices of a converted Whisper model are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weights {
    /// As the source has them (f16): lossless.
    #[default]
    F16,
    Q8_0,
    Q5_1,
}

impl Weights {
    /// The model file's `ftype` field (ggml's `GGML_FTYPE_*` plus the format version).
    pub fn file_ftype(self) -> usize {
        match self {
            Weights::F16 => 1,
            Weights::Q8_0 => QNT_VERSION * 1000 + 7,
            Weights::Q5_1 => QNT_VERSION * 1000 + 9,
        }
    }

    /// The tensor type code (`GGML_TYPE_*`) of a quantized matrix.
    pub fn tensor_type(self) -> u32 {
        match self {
            Weights::F16 => 1,
            Weights::Q8_0 => 8,
            Weights::Q5_1 => 7,
        }
    }

    /// Quantize `values` (a whole number of blocks) and append the blocks to `out`.
    pub fn quantize(self, values: &[f32], out: &mut Vec<u8>) {
        for block in values.chunks(BLOCK) {
            match self {
                Weights::F16 => block
                    .iter()
                    .for_each(|&v| out.extend_from_slice(&f32_to_f16(v).to_le_bytes())),
                Weights::Q8_0 => q8_0(block, out),
                Weights::Q5_1 => q5_1(block, out),
            }
        }
    }
}

/// `d = max|x| / 127`, `q = round(x / d)`.
fn q8_0(block: &[f32], out: &mut Vec<u8>) {
    let amax = block.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let d = amax / 127.0;
    let inv = if d > 0.0 { 1.0 / d } else { 0.0 };
    out.extend_from_slice(&f32_to_f16(d).to_le_bytes());
    out.extend(block.iter().map(|&v| (v * inv).round() as i8 as u8));
}

/// `d = (max - min) / 31`, `q = round((x - min) / d)` in 0..=31: the low 4 bits of value j
/// and j + 16 share byte j; the fifth bits go into a 32-bit mask.
fn q5_1(block: &[f32], out: &mut Vec<u8>) {
    let min = block.iter().copied().fold(f32::INFINITY, f32::min);
    let max = block.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let d = (max - min) / 31.0;
    let inv = if d > 0.0 { 1.0 / d } else { 0.0 };
    let q: Vec<u8> = block
        .iter()
        .map(|&v| (((v - min) * inv + 0.5) as u32).min(31) as u8)
        .collect();
    out.extend_from_slice(&f32_to_f16(d).to_le_bytes());
    out.extend_from_slice(&f32_to_f16(min).to_le_bytes());
    let half = BLOCK / 2;
    let mut high = 0u32;
    for (j, &v) in q.iter().enumerate() {
        high |= u32::from(v >> 4) << j;
    }
    out.extend_from_slice(&high.to_le_bytes());
    out.extend((0..half).map(|j| (q[j] & 0x0f) | ((q[j + half] & 0x0f) << 4)));
}

#[cfg(test)]
mod tests {
    use super::super::convert::f16_to_f32;
    use super::*;

    fn block() -> Vec<f32> {
        (0..BLOCK).map(|i| (i as f32 * 0.7).sin() * 0.3).collect()
    }

    /// Read a q8_0 block back as whisper.cpp does.
    fn dequant_q8_0(b: &[u8]) -> Vec<f32> {
        let d = f16_to_f32(u16::from_le_bytes([b[0], b[1]]));
        b[2..].iter().map(|&q| q as i8 as f32 * d).collect()
    }

    /// Read a q5_1 block back as whisper.cpp does.
    fn dequant_q5_1(b: &[u8]) -> Vec<f32> {
        let d = f16_to_f32(u16::from_le_bytes([b[0], b[1]]));
        let m = f16_to_f32(u16::from_le_bytes([b[2], b[3]]));
        let high = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
        let qs = &b[8..];
        (0..BLOCK)
            .map(|j| {
                let low = if j < 16 {
                    qs[j] & 0x0f
                } else {
                    qs[j - 16] >> 4
                };
                let q = low as u32 | (((high >> j) & 1) << 4);
                q as f32 * d + m
            })
            .collect()
    }

    #[test]
    fn blocks_have_ggml_sizes() {
        for (w, size) in [(Weights::Q8_0, 34), (Weights::Q5_1, 24), (Weights::F16, 64)] {
            let mut out = Vec::new();
            w.quantize(&block(), &mut out);
            assert_eq!(out.len(), size, "{w:?}");
        }
    }

    #[test]
    fn quantized_blocks_read_back_within_half_a_step() {
        let x = block();
        let (lo, hi) = (-0.3f32, 0.3f32);
        for (w, read, step) in [
            (
                Weights::Q8_0,
                dequant_q8_0 as fn(&[u8]) -> Vec<f32>,
                0.3 / 127.0,
            ),
            (Weights::Q5_1, dequant_q5_1, (hi - lo) / 31.0),
        ] {
            let mut out = Vec::new();
            w.quantize(&x, &mut out);
            for (a, b) in x.iter().zip(read(&out)) {
                assert!((a - b).abs() <= step * 0.5 + 1e-3, "{w:?}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn a_zero_block_stays_zero() {
        let mut out = Vec::new();
        Weights::Q8_0.quantize(&[0.0; BLOCK], &mut out);
        assert!(dequant_q8_0(&out).iter().all(|&v| v == 0.0));
    }
}
