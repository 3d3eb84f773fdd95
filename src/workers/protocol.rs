//! The supervisor <-> worker wire protocol (version [`PROTOCOL_VERSION`]).
//!
//! Every message is one frame on the worker's stdin (requests) or stdout (replies):
//!
//! ```text
//! u32 LE  header length H
//! H bytes JSON header (a `Request` or a `Reply`)
//! u32 LE  payload length P (a multiple of 4)
//! P bytes payload: f32 LE samples, or nothing
//! ```
//!
//! Audio travels as a binary payload beside the JSON header: a 60 s chunk is 3.8 MB of
//! f32 at 16 kHz, which as JSON text would be about three times larger and slower to parse.
//!
//! A session: the supervisor sends `Setup` (with the protocol version); the worker loads its
//! models once and answers `Ready` (or `Failed`); then any number of `Job`s, each answered
//! by `Done` or `Failed`; closing stdin ends the worker.

use std::io::{self, Read, Write};

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::asr::DecodeSettings;
use crate::transcript::Transcript;

pub const PROTOCOL_VERSION: u32 = 6;

/// Frames larger than this are refused: a corrupted length must not allocate gigabytes.
const MAX_FRAME: usize = 1 << 30;

/// What a worker needs to load its models.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorkerSetup {
    pub whisper_model: std::path::PathBuf,
    pub voices: crate::tts::VoicePlan,
    pub onnxruntime: std::path::PathBuf,
    /// Folder of the Russian stress model files.
    pub stress_dir: std::path::PathBuf,
    pub threads: usize,
    pub use_gpu: bool,
    /// The word times the recogniser is loaded for (see [`crate::asr::WordTimes`]).
    #[serde(default)]
    pub word_times: crate::asr::WordTimes,
}

/// One chunk to process. The payload holds its 16 kHz samples.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChunkJob {
    pub index: usize,
    /// Chunk start and end in 16 kHz samples on the file's timeline.
    pub start: usize,
    pub end: usize,
    pub decode: DecodeSettings,
    /// Quality decides how timing is fitted (see `settings::Quality`).
    pub quality: crate::settings::Quality,
    /// A transcript from the cache: when present the worker skips recognition.
    pub transcript: Option<Transcript>,
    /// Prosody transfer and voice transforms.
    pub prosody: crate::prosody::Prosody,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    Setup { protocol: u32, setup: WorkerSetup },
    Job(ChunkJob),
}

/// Per-chunk stage times measured inside the worker, in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct StageMillis {
    pub recognition: u64,
    /// Russian stress marking.
    #[serde(default)]
    pub stress: u64,
    pub synthesis: u64,
    pub fit: u64,
}

/// Which voice spoke a language.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct VoiceUse {
    pub language: String,
    pub voice: String,
}

/// A processed chunk. The payload holds its rendered audio at `rate`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChunkDone {
    pub index: usize,
    pub transcript: Transcript,
    /// True when the worker ran recognition (false: the job carried a cached transcript).
    pub recognized: bool,
    /// Where the transcript's word times came from (the job's choice).
    #[serde(default)]
    pub word_times: crate::asr::WordTimes,
    pub rate: u32,
    /// Which voice spoke which language in this chunk.
    pub voices: Vec<VoiceUse>,
    pub millis: StageMillis,
    /// The worker's peak resident memory so far, in KiB.
    pub peak_rss_kib: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reply {
    Ready {
        protocol: u32,
        pid: u32,
        voice_rate: u32,
    },
    Done(ChunkDone),
    Failed {
        index: Option<usize>,
        error: String,
    },
}

/// Write one frame: JSON header + f32 payload.
pub fn write_frame<W: Write, T: Serialize>(
    w: &mut W,
    header: &T,
    payload: &[f32],
) -> io::Result<()> {
    w.write_all(&encode_frame(header, payload)?)?;
    w.flush()
}

/// One frame as bytes, ready to write.
pub fn encode_frame<T: Serialize>(header: &T, payload: &[f32]) -> io::Result<Vec<u8>> {
    let json = serde_json::to_vec(header).map_err(io::Error::other)?;
    let mut bytes = Vec::with_capacity(8 + json.len() + payload.len() * 4);
    bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&json);
    bytes.extend_from_slice(&((payload.len() * 4) as u32).to_le_bytes());
    for s in payload {
        bytes.extend_from_slice(&s.to_le_bytes());
    }
    Ok(bytes)
}

/// Read one frame. `Ok(None)` at a clean end of stream (no bytes before the frame).
pub fn read_frame<R: Read, T: DeserializeOwned>(r: &mut R) -> io::Result<Option<(T, Vec<f32>)>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let json = read_block(r, u32::from_le_bytes(len) as usize)?;
    let header =
        serde_json::from_slice(&json).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    r.read_exact(&mut len)?;
    let bytes = read_block(r, u32::from_le_bytes(len) as usize)?;
    Ok(Some((header, decode_samples(&bytes)?)))
}

pub(crate) fn read_block<R: Read>(r: &mut R, n: usize) -> io::Result<Vec<u8>> {
    if n > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {n} bytes is too large"),
        ));
    }
    let mut buf = vec![0u8; n];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

pub(crate) fn decode_samples(bytes: &[u8]) -> io::Result<Vec<f32>> {
    if bytes.len() % 4 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "payload is not whole f32 samples",
        ));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_survives_the_round_trip_with_its_samples() {
        let job = Request::Job(ChunkJob {
            index: 3,
            start: 16_000,
            end: 32_000,
            decode: DecodeSettings {
                language: Some("en".into()),
                beam_size: None,
                context: crate::asr::AudioContext::Full,
                word_times: Default::default(),
            },
            quality: crate::settings::Quality::High,
            transcript: None,
            prosody: crate::prosody::Prosody {
                timing: true,
                pitch_shift: -2.5,
                ..Default::default()
            },
        });
        let samples = vec![0.5f32, -0.25, 1.0e-7, -1.0];
        let mut wire = Vec::new();
        write_frame(&mut wire, &job, &samples).unwrap();
        let (back, got): (Request, Vec<f32>) = read_frame(&mut wire.as_slice()).unwrap().unwrap();
        assert_eq!(back, job);
        assert_eq!(got, samples);
    }

    #[test]
    fn clean_end_of_stream_is_none_and_a_cut_frame_is_an_error() {
        let empty: &[u8] = &[];
        assert!(read_frame::<_, Reply>(&mut &*empty).unwrap().is_none());
        let mut wire = Vec::new();
        write_frame(
            &mut wire,
            &Reply::Failed {
                index: None,
                error: "x".into(),
            },
            &[1.0],
        )
        .unwrap();
        wire.truncate(wire.len() - 2);
        assert!(read_frame::<_, Reply>(&mut wire.as_slice()).is_err());
    }

    #[test]
    fn an_absurd_length_is_refused_without_allocating() {
        let wire = (u32::MAX).to_le_bytes();
        assert!(read_frame::<_, Reply>(&mut wire.as_slice()).is_err());
    }
}
