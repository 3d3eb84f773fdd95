//! Decode: any container and codec symphonia knows -> mono `f32` at the source rate.
//!
//! Policy for damaged input (why the loop below looks the way it does):
//! - A packet that fails to decode is skipped with a warning; a few bad packets in a long
//!   recording are better lost than the whole job. If more than a quarter of the packets are
//!   bad, or none decodes at all, the file is reported as [`DecodeError::Corrupt`].
//! - A stream that ends early (an I/O end-of-file or a malformed packet from the demuxer) keeps
//!   what was decoded. If the header promised a frame count, the shortfall decides:
//!   under 1% is normal (codec delay and padding); up to half missing is decoded with a warning
//!   and `Decoded::truncated` set so the caller can tell the user; more than half missing is
//!   [`DecodeError::Truncated`], since the result would be mostly absent.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use thiserror::Error;
use tracing::{debug, warn};

use crate::audio::Audio;

/// Share of bad packets above which a file counts as corrupt rather than slightly damaged.
const MAX_BAD_PACKET_SHARE: f64 = 0.25;
/// Shortfall against the header's frame count that is still considered complete.
const COMPLETE_SHARE: f64 = 0.99;
/// Shortfall beyond which a truncated file is an error rather than a warning.
const MIN_USABLE_SHARE: f64 = 0.5;

/// File endings of the containers decoded here: what a folder or a file chooser offers.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "flac", "mp3", "ogg", "oga", "m4a", "mp4", "aac", "aiff", "aif", "caf", "mkv", "webm",
];

/// A decoded file: mono audio at the source rate plus what the file said about itself.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Mono (channels averaged) samples at `source_rate`.
    pub audio: Audio,
    /// Channel count of the source.
    pub channels: u16,
    pub source_rate: u32,
    /// Short container name from symphonia, e.g. `wave`, `flac`, `mp3`, `ogg`, `isomp4`.
    pub container: String,
    /// Short codec name from symphonia, e.g. `pcm_s16le`, `flac`, `mp3`, `vorbis`, `aac`.
    pub codec: String,
    /// Frames decoded (per channel), equal to `audio.samples.len()`.
    pub frames: u64,
    /// The stream ended noticeably before the header's promised length, or mid-packet.
    pub truncated: bool,
}

#[derive(Debug, Error)]
pub enum DecodeError {
    #[error("{path}: file not found")]
    NotFound { path: PathBuf },
    #[error("{path}: cannot read: {source}")]
    Unreadable { path: PathBuf, source: io::Error },
    #[error("{path}: not a supported audio file ({reason})")]
    NotAudio { path: PathBuf, reason: String },
    #[error("{path}: contains no audio track")]
    NoAudioTrack { path: PathBuf },
    #[error("{path}: contains no audio samples")]
    Empty { path: PathBuf },
    #[error("{path}: truncated: only {got} of {expected} frames could be decoded")]
    Truncated {
        path: PathBuf,
        got: u64,
        expected: u64,
    },
    #[error("{path}: truncated: the file ends mid-stream after {secs:.1} s of audio")]
    EndsEarly { path: PathBuf, secs: f64 },
    #[error("{path}: corrupt audio data ({reason})")]
    Corrupt { path: PathBuf, reason: String },
}

/// What a file's header says, without decoding all of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub container: String,
    pub codec: String,
    pub channels: u16,
    pub source_rate: u32,
    /// Frames per channel, from the header or (when the header has no length) a full decode.
    pub frames: u64,
}

impl Probe {
    pub fn duration_secs(&self) -> f64 {
        self.frames as f64 / self.source_rate.max(1) as f64
    }
}

/// A demuxer positioned on the file's default audio track, with a decoder for it.
struct Opened {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    expected_frames: Option<u64>,
    header_channels: Option<u16>,
    header_rate: Option<u32>,
    container: String,
    codec: String,
}

fn open_track(path: &Path) -> Result<Opened, DecodeError> {
    let file = open(path)?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| probe_error(path, e))?;
    let container = format.format_info().short_name.to_string();

    let track =
        format
            .default_track(TrackType::Audio)
            .ok_or_else(|| DecodeError::NoAudioTrack {
                path: path.to_path_buf(),
            })?;
    let track_id = track.id;
    let expected_frames = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| DecodeError::NoAudioTrack {
            path: path.to_path_buf(),
        })?
        .clone();
    let decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| DecodeError::NotAudio {
            path: path.to_path_buf(),
            reason: format!("codec: {e}"),
        })?;
    let codec = decoder.codec_info().short_name.to_string();
    Ok(Opened {
        format,
        decoder,
        track_id,
        expected_frames,
        header_channels: params.channels.as_ref().map(|c| c.count() as u16),
        header_rate: params.sample_rate,
        container,
        codec,
    })
}

/// Describe a file from its header: container, codec, rate, channels and length. Only a
/// file whose header does not state its length (some mp3 and ogg) is decoded in full.
/// Damage further into the file shows up when it is decoded for conversion.
pub fn probe_file(path: &Path) -> Result<Probe, DecodeError> {
    let opened = open_track(path)?;
    match (
        opened.expected_frames.filter(|&n| n > 0),
        opened.header_rate.filter(|&r| r > 0),
        opened.header_channels,
    ) {
        (Some(frames), Some(source_rate), Some(channels)) => Ok(Probe {
            container: opened.container,
            codec: opened.codec,
            channels,
            source_rate,
            frames,
        }),
        _ => {
            let d = decode_opened(path, opened)?;
            Ok(Probe {
                container: d.container,
                codec: d.codec,
                channels: d.channels,
                source_rate: d.source_rate,
                frames: d.frames,
            })
        }
    }
}

/// Decode a whole file into mono audio at its own sample rate.
pub fn decode_file(path: &Path) -> Result<Decoded, DecodeError> {
    decode_opened(path, open_track(path)?)
}

fn decode_opened(path: &Path, mut opened: Opened) -> Result<Decoded, DecodeError> {
    let run = decode_packets(
        path,
        opened.format.as_mut(),
        opened.decoder.as_mut(),
        opened.track_id,
    )?;
    finish(
        path,
        run,
        opened.expected_frames,
        opened.header_channels,
        opened.header_rate,
        opened.container,
        opened.codec,
    )
}

fn open(path: &Path) -> Result<File, DecodeError> {
    File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => DecodeError::NotFound {
            path: path.to_path_buf(),
        },
        _ => DecodeError::Unreadable {
            path: path.to_path_buf(),
            source: e,
        },
    })
}

fn probe_error(path: &Path, err: SymError) -> DecodeError {
    let path = path.to_path_buf();
    match err {
        SymError::IoError(e) if e.kind() != io::ErrorKind::UnexpectedEof => {
            DecodeError::Unreadable { path, source: e }
        }
        SymError::IoError(_) => DecodeError::NotAudio {
            path,
            reason: "too short".into(),
        },
        SymError::DecodeError(msg) => DecodeError::Corrupt {
            path,
            reason: msg.to_string(),
        },
        other => DecodeError::NotAudio {
            path,
            reason: other.to_string(),
        },
    }
}

/// What the packet loop produced.
#[derive(Default)]
struct PacketRun {
    mono: Vec<f32>,
    rate: Option<u32>,
    channels: Option<u16>,
    good_packets: usize,
    bad_packets: usize,
    ended_early: bool,
}

fn decode_packets(
    path: &Path,
    format: &mut dyn FormatReader,
    decoder: &mut dyn AudioDecoder,
    track_id: u32,
) -> Result<PacketRun, DecodeError> {
    let mut run = PacketRun::default();
    let mut planes: Vec<Vec<f32>> = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(SymError::ResetRequired) => {
                warn!(path = %path.display(), "stream changed mid-file; decoding stops here");
                break;
            }
            Err(SymError::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                debug!(path = %path.display(), "end of file while reading a packet");
                run.ended_early = true;
                break;
            }
            Err(SymError::IoError(e)) => {
                return Err(DecodeError::Unreadable {
                    path: path.to_path_buf(),
                    source: e,
                });
            }
            Err(e) => {
                warn!(path = %path.display(), error = %e, "demuxer stopped on damaged data");
                run.ended_early = true;
                break;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                run.good_packets += 1;
                run.rate.get_or_insert(buf.spec().rate());
                run.channels.get_or_insert(buf.num_planes() as u16);
                buf.copy_to_vecs_planar::<f32>(&mut planes);
                downmix_into(&planes, buf.frames(), &mut run.mono);
            }
            Err(SymError::DecodeError(msg)) => {
                run.bad_packets += 1;
                warn!(path = %path.display(), reason = msg, "skipping a damaged packet");
            }
            Err(SymError::IoError(e)) => {
                run.bad_packets += 1;
                warn!(path = %path.display(), error = %e, "skipping an unreadable packet");
            }
            Err(e) => {
                return Err(DecodeError::Corrupt {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })
            }
        }
    }
    Ok(run)
}

/// Average `planes` (each at least `frames` long) and append the result to `out`.
fn downmix_into(planes: &[Vec<f32>], frames: usize, out: &mut Vec<f32>) {
    match planes {
        [] => {}
        [only] => out.extend_from_slice(&only[..frames.min(only.len())]),
        _ => {
            let scale = 1.0 / planes.len() as f32;
            out.extend((0..frames).map(|i| {
                planes
                    .iter()
                    .map(|p| p.get(i).copied().unwrap_or(0.0))
                    .sum::<f32>()
                    * scale
            }));
        }
    }
}

fn finish(
    path: &Path,
    run: PacketRun,
    expected_frames: Option<u64>,
    header_channels: Option<u16>,
    header_rate: Option<u32>,
    container: String,
    codec: String,
) -> Result<Decoded, DecodeError> {
    check_bad_packets(path, &run)?;
    let frames = run.mono.len() as u64;
    if frames == 0 {
        return Err(DecodeError::Empty {
            path: path.to_path_buf(),
        });
    }
    let truncated = check_length(path, frames, expected_frames, run.ended_early)?;
    let source_rate = run.rate.or(header_rate).unwrap_or(0);
    if source_rate == 0 {
        return Err(DecodeError::Corrupt {
            path: path.to_path_buf(),
            reason: "unknown sample rate".into(),
        });
    }
    let channels = header_channels.or(run.channels).unwrap_or(1);
    debug!(path = %path.display(), %container, %codec, source_rate, channels, frames, "decoded");
    Ok(Decoded {
        audio: Audio::new(run.mono, source_rate),
        channels,
        source_rate,
        container,
        codec,
        frames,
        truncated,
    })
}

fn check_bad_packets(path: &Path, run: &PacketRun) -> Result<(), DecodeError> {
    let total = run.good_packets + run.bad_packets;
    if run.bad_packets == 0 {
        return Ok(());
    }
    if run.good_packets == 0 || run.bad_packets as f64 > total as f64 * MAX_BAD_PACKET_SHARE {
        return Err(DecodeError::Corrupt {
            path: path.to_path_buf(),
            reason: format!(
                "{} of {} packets could not be decoded",
                run.bad_packets, total
            ),
        });
    }
    warn!(path = %path.display(), bad = run.bad_packets, total, "some packets were skipped");
    Ok(())
}

/// Returns whether the file is truncated (and still usable), or the `Truncated` error.
fn check_length(
    path: &Path,
    got: u64,
    expected: Option<u64>,
    ended_early: bool,
) -> Result<bool, DecodeError> {
    let Some(expected) = expected.filter(|&n| n > 0) else {
        if ended_early {
            warn!(path = %path.display(), frames = got, "file ends mid-stream; keeping what decoded");
        }
        return Ok(ended_early);
    };
    let share = got as f64 / expected as f64;
    if share < MIN_USABLE_SHARE {
        return Err(DecodeError::Truncated {
            path: path.to_path_buf(),
            got,
            expected,
        });
    }
    let truncated = share < COMPLETE_SHARE || (ended_early && got < expected);
    if truncated {
        warn!(path = %path.display(), got, expected, "file is truncated; keeping what decoded");
    }
    Ok(truncated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn write_wav(path: &Path, rate: u32, channels: u16, frames: usize) {
        let spec = hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for i in 0..frames {
            for c in 0..channels {
                // Channel c carries (c + 1) * 1000 so the mean is predictable.
                let v = if i % 2 == 0 {
                    (c as i16 + 1) * 1000
                } else {
                    -(c as i16 + 1) * 1000
                };
                w.write_sample(v).unwrap();
            }
        }
        w.finalize().unwrap();
    }

    fn write_flac(path: &Path, rate: u32, channels: usize, frames: usize) {
        let samples: Vec<i32> = (0..frames * channels)
            .map(|i| ((i / channels) as i32 % 200 - 100) * 50)
            .collect();
        let bytes = crate::encode::encode_flac(&samples, channels, rate).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn probe_agrees_with_a_full_decode() {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("p.wav");
        write_wav(&wav, 22050, 2, 11025);
        let flac = dir.path().join("p.flac");
        write_flac(&flac, 16000, 1, 8000);
        for path in [wav, flac, corpus("jfk.flac"), corpus("multilingual.mp3")] {
            let probe = probe_file(&path).unwrap();
            let d = decode_file(&path).unwrap();
            assert_eq!(probe.source_rate, d.source_rate, "{}", path.display());
            assert_eq!(probe.channels, d.channels, "{}", path.display());
            assert_eq!(
                (probe.container.as_str(), probe.codec.as_str()),
                (d.container.as_str(), d.codec.as_str())
            );
            // Headers count codec padding that decoders drop: within 1%.
            let diff = (probe.frames as f64 - d.frames as f64).abs();
            assert!(
                diff <= d.frames as f64 * 0.01,
                "{}: {} vs {}",
                path.display(),
                probe.frames,
                d.frames
            );
        }
    }

    #[test]
    fn probe_rejects_what_decode_rejects() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.wav");
        std::fs::write(&text, "not audio at all, just words").unwrap();
        assert!(matches!(
            probe_file(&text),
            Err(DecodeError::NotAudio { .. })
        ));
        let empty = dir.path().join("empty.flac");
        std::fs::write(&empty, b"").unwrap();
        assert!(probe_file(&empty).is_err());
        assert!(matches!(
            probe_file(&dir.path().join("missing.wav")),
            Err(DecodeError::NotFound { .. })
        ));
    }

    #[test]
    fn decodes_wav_at_several_rates_and_channel_counts() {
        let dir = tempfile::tempdir().unwrap();
        for (rate, channels) in [(8000, 1), (22050, 2), (44100, 2), (48000, 6)] {
            let path = dir.path().join(format!("t_{rate}_{channels}.wav"));
            write_wav(&path, rate, channels, rate as usize / 2);
            let d = decode_file(&path).unwrap();
            assert_eq!(d.source_rate, rate);
            assert_eq!(d.audio.rate, rate);
            assert_eq!(d.channels, channels);
            assert_eq!(d.frames, rate as u64 / 2);
            assert_eq!(d.audio.samples.len(), rate as usize / 2);
            assert!(!d.truncated);
            // Mean of 1000, 2000, ... scaled by 1/32768.
            let mean = (1..=channels as i32).sum::<i32>() as f32 * 1000.0 / channels as f32;
            assert!(
                (d.audio.samples[0] - mean / 32768.0).abs() < 1e-4,
                "{}",
                d.audio.samples[0]
            );
        }
    }

    #[test]
    fn decodes_flac_mono_and_stereo() {
        let dir = tempfile::tempdir().unwrap();
        for (rate, channels) in [(16000, 1), (44100, 2)] {
            let path = dir.path().join(format!("t_{rate}.flac"));
            write_flac(&path, rate, channels, 10_000);
            let d = decode_file(&path).unwrap();
            assert_eq!(
                (d.source_rate, d.channels, d.frames),
                (rate, channels as u16, 10_000)
            );
            assert_eq!(d.codec, "flac");
            assert!((d.audio.samples[1] - (-99.0 * 50.0 / 32768.0)).abs() < 1e-4);
        }
    }

    #[test]
    fn text_file_is_not_audio() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.wav");
        std::fs::write(
            &path,
            "this is not audio at all, just some words\n".repeat(50),
        )
        .unwrap();
        let err = decode_file(&path).unwrap_err();
        assert!(matches!(err, DecodeError::NotAudio { .. }), "{err:?}");
        assert!(err.to_string().contains("notes.wav"));
    }

    #[test]
    fn zero_byte_file_is_not_audio() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zero.mp3");
        std::fs::write(&path, b"").unwrap();
        assert!(matches!(
            decode_file(&path),
            Err(DecodeError::NotAudio { .. })
        ));
    }

    #[test]
    fn directory_is_unreadable_or_not_audio() {
        let dir = tempfile::tempdir().unwrap();
        let err = decode_file(dir.path()).unwrap_err();
        assert!(
            matches!(
                err,
                DecodeError::Unreadable { .. } | DecodeError::NotAudio { .. }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn empty_wav_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.wav");
        write_wav(&path, 16000, 1, 0);
        let err = decode_file(&path).unwrap_err();
        assert!(matches!(err, DecodeError::Empty { .. }), "{err:?}");
    }

    #[test]
    fn missing_file_is_not_found() {
        let err = decode_file(Path::new("/nonexistent/dir/missing.wav")).unwrap_err();
        assert!(matches!(err, DecodeError::NotFound { .. }));
        assert!(err.to_string().contains("missing.wav"));
    }

    #[test]
    fn slightly_truncated_wav_decodes_with_flag() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.wav");
        write_wav(&path, 16000, 1, 16000);
        let bytes = std::fs::read(&path).unwrap();
        // Keep the 44-byte header and 70% of the data.
        std::fs::write(&path, &bytes[..44 + 32000 * 7 / 10]).unwrap();
        let d = decode_file(&path).unwrap();
        assert!(d.truncated);
        assert!((d.frames as i64 - 11200).abs() < 600, "{}", d.frames);
    }

    #[test]
    fn mostly_missing_wav_is_truncated_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.wav");
        write_wav(&path, 16000, 1, 16000);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..44 + 32000 / 5]).unwrap();
        let err = decode_file(&path).unwrap_err();
        assert!(matches!(err, DecodeError::Truncated { .. }), "{err:?}");
    }

    /// The shared corpus: `$REVOICE_CORPUS`, else `shared/corpus` beside or above the crate.
    fn corpus(name: &str) -> PathBuf {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let candidates = std::env::var_os("REVOICE_CORPUS")
            .map(PathBuf::from)
            .into_iter()
            .chain([
                root.join("../shared/corpus"),
                root.join("../../shared/corpus"),
            ]);
        candidates
            .map(|dir| dir.join(name))
            .find(|p| p.exists())
            .unwrap_or_else(|| root.join("../shared/corpus").join(name))
    }

    #[test]
    fn decodes_corpus_files_with_expected_durations() {
        let cases = [
            ("jfk.flac", 11.0, 44100, 2),
            ("multilingual.mp3", 60.0, 24000, 1),
            ("lecture_en.wav", 60.0, 16000, 1),
            ("news_8k.wav", 169.2, 8000, 1),
        ];
        for (name, secs, rate, channels) in cases {
            let path = corpus(name);
            if !path.exists() {
                println!("skipping {name}: corpus not present at {}", path.display());
                continue;
            }
            let d = decode_file(&path).unwrap();
            let dur = d.audio.duration_secs();
            assert!((dur - secs).abs() < 0.15, "{name}: {dur} s");
            assert_eq!(d.source_rate, rate, "{name}");
            assert_eq!(d.channels, channels, "{name}");
            assert!(!d.truncated, "{name}");
            assert!(d.audio.samples.iter().all(|s| s.is_finite()));
        }
    }

    fn ffmpeg_available() -> bool {
        Command::new("ffmpeg")
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    #[test]
    fn decodes_ogg_vorbis_and_m4a_made_by_ffmpeg() {
        if !ffmpeg_available() {
            println!("skipping: ffmpeg not on PATH");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src.wav");
        write_wav(&src, 44100, 2, 44100 * 2);
        for (name, codec_args) in [
            ("t.ogg", &["-c:a", "libvorbis"][..]),
            ("t.m4a", &["-c:a", "aac", "-b:a", "96k"][..]),
        ] {
            let out = dir.path().join(name);
            let status = Command::new("ffmpeg")
                .args(["-loglevel", "error", "-y", "-i"])
                .arg(&src)
                .args(codec_args)
                .arg(&out)
                .status()
                .unwrap();
            if !status.success() {
                println!("skipping {name}: ffmpeg could not encode it");
                continue;
            }
            let d = decode_file(&out).unwrap();
            assert_eq!(d.source_rate, 44100, "{name}");
            assert_eq!(d.channels, 2, "{name}");
            let dur = d.audio.duration_secs();
            assert!((dur - 2.0).abs() < 0.06, "{name}: {dur}");
        }
    }
}
