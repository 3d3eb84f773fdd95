//! The sound device, through cpal. The system's default output is used when it works; a
//! machine without a sound card gets ALSA's `null` device, which discards the samples, and
//! the player says so. `null` takes samples as fast as they come, so there the callback paces
//! itself to the wall clock: the position then moves as it would on a real card.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample, StreamConfig};
use tracing::{info, warn};

use super::transport::Transport;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("no sound output: there is no default device and ALSA's null device is missing")]
    NoDevice,
    #[error("sound device {device}: {reason}")]
    Device { device: String, reason: String },
}

/// A running output stream that plays whatever the transport renders.
pub struct Output {
    // Dropping the stream stops it.
    _stream: cpal::Stream,
    pub rate: u32,
    /// cpal's id of the device, e.g. `alsa:default` or `alsa:null`.
    pub device: String,
    /// True on the null device: playback runs, nothing is heard.
    pub silent: bool,
}

/// Open the default device (at `want_rate` when it supports it), else the null device.
pub fn open(transport: Arc<Transport>, want_rate: u32) -> Result<Output, OutputError> {
    let host = cpal::default_host();
    if let Some(device) = host.default_output_device() {
        match device.default_output_config() {
            Ok(default) => {
                let id = device_id(&device);
                let config = pick_config(&device, want_rate).unwrap_or(default);
                let rate = config.sample_rate();
                let stream = build(
                    &device,
                    &id,
                    config.sample_format(),
                    config.config(),
                    transport,
                    false,
                )?;
                info!(device = %id, rate, "sound output opened");
                return Ok(Output {
                    _stream: stream,
                    rate,
                    device: id,
                    silent: false,
                });
            }
            Err(e) => {
                warn!(error = %e, "no usable default sound device; trying ALSA's null device")
            }
        }
    }
    let null = host
        .output_devices()
        .ok()
        .and_then(|mut all| all.find(|d| device_id(d).ends_with(":null")))
        .ok_or(OutputError::NoDevice)?;
    let id = device_id(&null);
    let config = StreamConfig {
        channels: 2,
        sample_rate: want_rate,
        buffer_size: cpal::BufferSize::Fixed(1024),
    };
    let stream = build(&null, &id, SampleFormat::F32, config, transport, true)?;
    info!(device = %id, rate = want_rate, "sound output opened on the null device (no sound card)");
    Ok(Output {
        _stream: stream,
        rate: want_rate,
        device: id,
        silent: true,
    })
}

fn device_id(device: &cpal::Device) -> String {
    device
        .id()
        .map(|i| i.to_string())
        .unwrap_or_else(|_| "unknown device".into())
}

/// A stereo (or mono) float or 16-bit config at exactly `rate`, if the device has one.
fn pick_config(device: &cpal::Device, rate: u32) -> Option<cpal::SupportedStreamConfig> {
    device
        .supported_output_configs()
        .ok()?
        .filter(|c| c.channels() <= 2)
        .filter(|c| matches!(c.sample_format(), SampleFormat::F32 | SampleFormat::I16))
        .filter(|c| c.min_sample_rate() <= rate && rate <= c.max_sample_rate())
        .max_by_key(|c| (c.channels(), c.sample_format() == SampleFormat::F32))
        .map(|c| c.with_sample_rate(rate))
}

fn build(
    device: &cpal::Device,
    id: &str,
    format: SampleFormat,
    config: StreamConfig,
    transport: Arc<Transport>,
    pace: bool,
) -> Result<cpal::Stream, OutputError> {
    let stream = match format {
        SampleFormat::F32 => build_typed::<f32>(device, config, transport, pace),
        SampleFormat::I16 => build_typed::<i16>(device, config, transport, pace),
        SampleFormat::I32 => build_typed::<i32>(device, config, transport, pace),
        SampleFormat::U16 => build_typed::<u16>(device, config, transport, pace),
        other => {
            return Err(OutputError::Device {
                device: id.into(),
                reason: format!("unsupported sample format {other}"),
            })
        }
    }
    .map_err(|e| OutputError::Device {
        device: id.into(),
        reason: e.to_string(),
    })?;
    stream.play().map_err(|e| OutputError::Device {
        device: id.into(),
        reason: e.to_string(),
    })?;
    Ok(stream)
}

fn build_typed<T>(
    device: &cpal::Device,
    config: StreamConfig,
    transport: Arc<Transport>,
    pace: bool,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let channels = config.channels as usize;
    let rate = config.sample_rate as f64;
    let mut scratch: Vec<f32> = Vec::new();
    let mut clock: Option<(Instant, u64)> = None;
    device.build_output_stream(
        config,
        move |out: &mut [T], _: &cpal::OutputCallbackInfo| {
            scratch.resize(out.len(), 0.0);
            transport.render(&mut scratch, channels);
            for (o, s) in out.iter_mut().zip(&scratch) {
                *o = T::from_sample(*s);
            }
            if pace {
                let (start, frames) = clock.get_or_insert_with(|| (Instant::now(), 0));
                *frames += (out.len() / channels.max(1)) as u64;
                let ahead = *frames as f64 / rate - start.elapsed().as_secs_f64();
                if ahead > 0.0 {
                    std::thread::sleep(Duration::from_secs_f64(ahead));
                }
            }
        },
        |e| warn!(error = %e, "sound output error"),
        None,
    )
}
