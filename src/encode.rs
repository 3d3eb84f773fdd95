//! Encode: mono audio -> 16-bit WAV (hound) or FLAC (flacenc), chosen by the file extension.
//!
//! The file is written to a temporary file in the target's directory and renamed over the
//! target only once complete, so a failure never leaves a partial or half-written target.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flacenc::component::BitRepr;
use flacenc::error::Verify;
use tempfile::NamedTempFile;
use thiserror::Error;
use tracing::debug;

use crate::audio::Audio;

/// Extensions `write_audio` understands, for error messages.
pub const SUPPORTED_EXTENSIONS: &str = "wav, flac";

/// FLAC block size in samples (the format's common default).
const FLAC_BLOCK_SIZE: usize = 4096;

#[derive(Debug, Error)]
pub enum EncodeError {
    #[error("{path}: unsupported output format (use one of: {SUPPORTED_EXTENSIONS})")]
    UnsupportedFormat { path: PathBuf },
    #[error("{path}: the output directory does not exist")]
    NoDirectory { path: PathBuf },
    #[error("{path}: cannot write: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: invalid audio for encoding: {reason}")]
    InvalidAudio { path: PathBuf, reason: String },
    #[error("{path}: encoder failed: {reason}")]
    Encoder { path: PathBuf, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Wav,
    Flac,
}

/// Write mono `audio` to `path` as 16-bit PCM, format chosen by the extension (`wav`/`flac`).
pub fn write_audio(path: &Path, audio: &Audio) -> Result<(), EncodeError> {
    let format = format_for(path)?;
    if audio.rate == 0 {
        return Err(EncodeError::InvalidAudio {
            path: path.to_path_buf(),
            reason: "sample rate is 0".into(),
        });
    }
    let dir = target_dir(path)?;
    let io_err = |source| EncodeError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = NamedTempFile::new_in(&dir).map_err(io_err)?;
    match format {
        Format::Wav => write_wav(tmp.as_file_mut(), audio).map_err(|e| with_path(e, path))?,
        Format::Flac => {
            let bytes = encode_flac(&to_i16_samples(&audio.samples), 1, audio.rate)
                .map_err(|e| with_path(e, path))?;
            tmp.as_file_mut().write_all(&bytes).map_err(io_err)?;
        }
    }
    tmp.as_file().sync_all().map_err(io_err)?;
    // Temp files are created private (0600); the output is an ordinary readable file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o644);
        tmp.as_file().set_permissions(mode).map_err(io_err)?;
    }
    // On error the temp file is dropped, which deletes it.
    tmp.persist(path).map_err(|e| io_err(e.error))?;
    debug!(path = %path.display(), samples = audio.samples.len(), rate = audio.rate, "written");
    Ok(())
}

/// Check up front (before hours of work) that `write_audio` could write `path`: a supported
/// extension and an existing, writable directory. Creates and removes a temp file there.
pub fn check_writable(path: &Path) -> Result<(), EncodeError> {
    format_for(path)?;
    let dir = target_dir(path)?;
    NamedTempFile::new_in(&dir)
        .map(drop)
        .map_err(|source| EncodeError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn format_for(path: &Path) -> Result<Format, EncodeError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("wav") => Ok(Format::Wav),
        Some("flac") => Ok(Format::Flac),
        _ => Err(EncodeError::UnsupportedFormat {
            path: path.to_path_buf(),
        }),
    }
}

/// The directory the temp file goes into: the target's parent, which must exist.
fn target_dir(path: &Path) -> Result<PathBuf, EncodeError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(EncodeError::NoDirectory {
            path: path.to_path_buf(),
        });
    }
    Ok(dir)
}

/// Errors from inner helpers carry an empty path; give them the real one.
fn with_path(err: EncodeError, path: &Path) -> EncodeError {
    let path = path.to_path_buf();
    match err {
        EncodeError::Io { source, .. } => EncodeError::Io { path, source },
        EncodeError::InvalidAudio { reason, .. } => EncodeError::InvalidAudio { path, reason },
        EncodeError::Encoder { reason, .. } => EncodeError::Encoder { path, reason },
        other => other,
    }
}

/// Float to 16-bit (the inverse of symphonia's `i16 / 32768`), clamped; NaN becomes 0.
fn to_i16_samples(samples: &[f32]) -> Vec<i32> {
    samples
        .iter()
        .map(|&s| {
            let s = if s.is_finite() { s } else { 0.0 };
            (s * 32768.0).round().clamp(-32768.0, 32767.0) as i32
        })
        .collect()
}

fn write_wav(file: &mut std::fs::File, audio: &Audio) -> Result<(), EncodeError> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: audio.rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let hound_err = |e: hound::Error| match e {
        hound::Error::IoError(source) => EncodeError::Io {
            path: PathBuf::new(),
            source,
        },
        other => EncodeError::Encoder {
            path: PathBuf::new(),
            reason: other.to_string(),
        },
    };
    let mut writer = hound::WavWriter::new(BufWriter::new(file), spec).map_err(hound_err)?;
    {
        let mut i16_writer = writer.get_i16_writer(audio.samples.len() as u32);
        for s in to_i16_samples(&audio.samples) {
            i16_writer.write_sample(s as i16);
        }
        i16_writer.flush().map_err(hound_err)?;
    }
    writer.finalize().map_err(hound_err)
}

/// Encode interleaved 16-bit samples as a complete FLAC stream in memory.
pub(crate) fn encode_flac(
    samples: &[i32],
    channels: usize,
    rate: u32,
) -> Result<Vec<u8>, EncodeError> {
    let encoder_err = |reason: String| EncodeError::Encoder {
        path: PathBuf::new(),
        reason,
    };
    let config = flacenc::config::Encoder::default()
        .into_verified()
        .map_err(|(_, e)| encoder_err(e.to_string()))?;
    let source = flacenc::source::MemSource::from_samples(samples, channels, 16, rate as usize);
    let mut stream = flacenc::encode_with_fixed_block_size(&config, source, FLAC_BLOCK_SIZE)
        .map_err(|e| encoder_err(e.to_string()))?;
    fix_min_block_size(&mut stream).map_err(|e| encoder_err(e.to_string()))?;
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream
        .write(&mut sink)
        .map_err(|e| encoder_err(format!("{e:?}")))?;
    Ok(sink.as_slice().to_vec())
}

/// flacenc records the short last block as the stream's minimum block size. The FLAC spec
/// excludes the last block from that minimum, and symphonia (strictly) reads min != max as a
/// variable-block stream and then rejects the fixed-block frames. Restore min = max.
/// A stream shorter than one block is a single "last" block, so the same fix applies.
fn fix_min_block_size(
    stream: &mut flacenc::component::Stream,
) -> Result<(), flacenc::error::VerifyError> {
    stream
        .stream_info_mut()
        .set_block_sizes(FLAC_BLOCK_SIZE, FLAC_BLOCK_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode_file;

    fn test_audio(len: usize, rate: u32) -> Audio {
        let samples = (0..len)
            .map(|i| 0.8 * (i as f32 * 2.0 * std::f32::consts::PI * 330.0 / rate as f32).sin())
            .collect();
        Audio::new(samples, rate)
    }

    fn assert_round_trip(path: &Path, audio: &Audio) {
        write_audio(path, audio).unwrap();
        let d = decode_file(path).unwrap();
        assert_eq!(d.source_rate, audio.rate);
        assert_eq!(d.audio.samples.len(), audio.samples.len());
        let max_err = audio
            .samples
            .iter()
            .zip(&d.audio.samples)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(max_err <= 0.5 / 32768.0 + 1e-7, "max error {max_err}");
    }

    #[test]
    fn wav_round_trips_sample_exact() {
        let dir = tempfile::tempdir().unwrap();
        assert_round_trip(&dir.path().join("out.wav"), &test_audio(22_222, 22050));
    }

    #[test]
    fn flac_round_trips_sample_exact() {
        let dir = tempfile::tempdir().unwrap();
        // Lengths: shorter than one block, exact blocks, and a partial last block.
        for len in [1, 15, 1000, 8192, 16_001, 100_003] {
            assert_round_trip(
                &dir.path().join(format!("out_{len}.FLAC")),
                &test_audio(len, 16000),
            );
        }
    }

    #[test]
    fn overwrites_existing_target_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.wav");
        std::fs::write(&path, b"old").unwrap();
        assert_round_trip(&path, &test_audio(500, 8000));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn clamps_out_of_range_and_nan() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loud.wav");
        write_audio(&path, &Audio::new(vec![2.0, -3.0, f32::NAN, 0.5], 8000)).unwrap();
        let d = decode_file(&path).unwrap();
        assert!((d.audio.samples[0] - 32767.0 / 32768.0).abs() < 1e-6);
        assert_eq!(d.audio.samples[1], -1.0);
        assert_eq!(d.audio.samples[2], 0.0);
    }

    #[test]
    fn unknown_extension_is_rejected_and_names_supported_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.mp3");
        let err = write_audio(&path, &test_audio(100, 8000)).unwrap_err();
        assert!(matches!(err, EncodeError::UnsupportedFormat { .. }));
        assert!(err.to_string().contains("wav, flac"));
        assert!(err.to_string().contains("out.mp3"));
        assert!(!path.exists());
    }

    #[test]
    fn check_writable_accepts_good_targets_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        check_writable(&dir.path().join("out.flac")).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(matches!(
            check_writable(&dir.path().join("out.ogg")),
            Err(EncodeError::UnsupportedFormat { .. })
        ));
        assert!(matches!(
            check_writable(&dir.path().join("missing/out.wav")),
            Err(EncodeError::NoDirectory { .. })
        ));
    }

    #[test]
    fn missing_directory_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/out.wav");
        let err = write_audio(&path, &test_audio(100, 8000)).unwrap_err();
        assert!(matches!(err, EncodeError::NoDirectory { .. }));
        assert!(err.to_string().contains("out.wav"));
    }

    #[cfg(unix)]
    #[test]
    fn unwritable_directory_leaves_nothing_behind() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let locked = dir.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
        let path = locked.join("out.flac");
        let result = write_audio(&path, &test_audio(100, 8000));
        // Root ignores directory permissions; only check the failure where it can happen.
        if std::fs::File::create(locked.join("probe")).is_err() {
            let err = result.unwrap_err();
            assert!(matches!(err, EncodeError::Io { .. }), "{err:?}");
            assert!(err.to_string().contains("out.flac"));
            assert_eq!(std::fs::read_dir(&locked).unwrap().count(), 0);
        } else {
            println!("running with permission override (root); skipped the unwritable check");
        }
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn failed_rename_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        // The target is an existing non-empty directory, so the final rename must fail.
        let path = dir.path().join("taken.wav");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("keep"), b"x").unwrap();
        let err = write_audio(&path, &test_audio(100, 8000)).unwrap_err();
        assert!(matches!(err, EncodeError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("taken.wav"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn empty_audio_writes_a_header_only_file() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["empty.wav", "empty.flac"] {
            let path = dir.path().join(name);
            write_audio(&path, &Audio::new(Vec::new(), 16000)).unwrap();
            assert!(path.exists());
        }
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.wav");
        write_audio(&path, &Audio::new(vec![0.0; 100], 16_000)).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }

    #[test]
    fn zero_rate_is_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_audio(&dir.path().join("x.wav"), &Audio::new(vec![0.0], 0)).unwrap_err();
        assert!(matches!(err, EncodeError::InvalidAudio { .. }));
    }
}
