//! Live capture through cpal: choosing a host, a device and a format, and the data callback.
//!
//! The data callback is [`on_input`]: it converts samples, pushes them into the preallocated
//! ring and updates atomics. Host errors arrive on the error callback and only set atomics too,
//! so the screen can tell the interviewer what happened without the audio thread doing work.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{BufferSize, ErrorKind, InputCallbackInfo, SampleFormat as CpalFormat, StreamConfig, StreamInstant};

use super::capture::{CaptureSample, CaptureSink, CaptureStats, InputFailure};
use super::host_noise::HostNoiseFilter;
use super::wav::{AudioSpec, SampleFormat};

/// The rate verbatim asks for unless the device cannot do it.
pub(crate) const PREFERRED_RATE: u32 = 48_000;
/// Device period asked for. Marker times do not depend on it (the audio clock is interpolated
/// between blocks); a longer period costs less CPU: at 20 ms, PulseAudio delivered every 5 ms
/// and the recorder used 2–3× the CPU of `parecord | age`.
const PERIOD_MS: u32 = 100;
/// How long to wait for a host to start a stream.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);

/// Why live capture cannot start.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// No audio system could be reached.
    #[error(
        "no audio input is available: {0}. Check that a microphone is connected and that PulseAudio or PipeWire is running"
    )]
    NoInput(String),
    /// `--device` named nothing that exists.
    #[error("no input device is called {name:?}. Available: {available}")]
    NotFound {
        /// The requested name.
        name: String,
        /// The names that do exist.
        available: String,
    },
    /// The device refused every format verbatim can record.
    #[error(
        "the input device {device:?} offers no format verbatim can record ({reason}); choose another with --device"
    )]
    Unsupported {
        /// The device as `verbatim devices` lists it.
        device: String,
        /// What the host said.
        reason: String,
    },
    /// The host refused to start the stream.
    #[error("could not start recording from {device:?}: {reason}. Is another program using it exclusively?")]
    Start {
        /// The device as `verbatim devices` lists it.
        device: String,
        /// What the host said.
        reason: String,
    },
}

/// One input device as `verbatim devices` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The audio system (PulseAudio, ALSA, …).
    pub host: String,
    /// The name `--device` accepts.
    pub name: String,
    /// True for the system's default input.
    pub is_default: bool,
    /// The format verbatim would record from it, if it can.
    pub format: Option<String>,
}

/// A device chosen and configured, not yet started.
pub struct InputDevice {
    device: cpal::Device,
    name: String,
    host: String,
    config: StreamConfig,
    format: CpalFormat,
}

/// A running capture stream. Dropping it stops capture.
pub(crate) struct LiveInput {
    _stream: cpal::Stream,
}

/// The hosts to try, best first: the sound servers before raw ALSA, which would fight them.
///
/// ALSA is only opened when asked for, because probing its plugins prints noise on stderr
/// (which the callers hide with a [`HostNoiseFilter`] anyway).
fn hosts(include_alsa: bool) -> Vec<cpal::Host> {
    let mut hosts: Vec<cpal::Host> = cpal::available_hosts()
        .into_iter()
        .filter(|id| include_alsa || is_sound_server(id.name()))
        .filter_map(|id| cpal::host_from_id(id).ok())
        .collect();
    hosts.sort_by_key(|h| match h.id().name() {
        "PipeWire" => 0,
        "PulseAudio" => 1,
        _ => 2,
    });
    hosts
}

fn is_sound_server(name: &str) -> bool {
    matches!(name, "PipeWire" | "PulseAudio")
}

/// Sound servers if one is running, else everything (ALSA).
pub(crate) fn usable_hosts() -> Vec<cpal::Host> {
    let servers = hosts(false);
    if servers.is_empty() { hosts(true) } else { servers }
}

pub(crate) fn device_name(device: &cpal::Device) -> String {
    device.description().map(|d| d.name().to_string()).unwrap_or_else(|_| "(unnamed device)".into())
}

/// Lists the input devices of the running sound server (or of ALSA if none runs; `all`: both).
pub fn list_inputs(all: bool) -> Result<Vec<DeviceInfo>, DeviceError> {
    let _quiet = HostNoiseFilter::install();
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for host in if all { hosts(true) } else { usable_hosts() } {
        let host_name = host.id().name().to_string();
        let default = host.default_input_device().map(|d| device_name(&d));
        match host.input_devices() {
            Ok(devices) => {
                for device in devices {
                    let name = device_name(&device);
                    let format = choose_config(&device, None).ok().map(|(c, f)| describe(&c, f));
                    found.push(DeviceInfo {
                        host: host_name.clone(),
                        is_default: default.as_deref() == Some(name.as_str()),
                        name,
                        format,
                    });
                }
            }
            Err(e) => errors.push(format!("{host_name}: {e}")),
        }
    }
    if found.is_empty() {
        let why = if errors.is_empty() { "no input devices were found".to_string() } else { errors.join("; ") };
        return Err(DeviceError::NoInput(why));
    }
    Ok(found)
}

fn describe(config: &StreamConfig, format: CpalFormat) -> String {
    format!("{} Hz, {} ch, {format}", config.sample_rate, config.channels)
}

impl InputDevice {
    /// Finds `name` (or the default input) and picks a format: 48 kHz 16-bit mono unless
    /// `channels` asks for stereo or the device only offers stereo.
    pub fn open(name: Option<&str>, channels: Option<u16>) -> Result<Self, DeviceError> {
        let _quiet = HostNoiseFilter::install();
        let mut available = Vec::new();
        let mut candidates = usable_hosts();
        if name.is_some() && candidates.iter().all(|h| is_sound_server(h.id().name())) {
            // A named device may be a raw ALSA one; look there only after the servers.
            candidates.extend(hosts(true).into_iter().filter(|h| !is_sound_server(h.id().name())));
        }
        for host in candidates {
            let host_name = host.id().name().to_string();
            let device = match name {
                None => host.default_input_device(),
                Some(wanted) => host.input_devices().ok().and_then(|mut devices| {
                    devices.find(|d| {
                        let n = device_name(d);
                        available.push(n.clone());
                        n == wanted || d.id().map(|id| id.to_string() == wanted).unwrap_or(false)
                    })
                }),
            };
            let Some(device) = device else { continue };
            let name = device_name(&device);
            let (config, format) = choose_config(&device, channels)
                .map_err(|reason| DeviceError::Unsupported { device: name.clone(), reason })?;
            return Ok(Self { device, name, host: host_name, config, format });
        }
        match name {
            Some(wanted) => {
                available.dedup();
                let available = if available.is_empty() { "none".into() } else { available.join(", ") };
                Err(DeviceError::NotFound { name: wanted.into(), available })
            }
            None => Err(DeviceError::NoInput("there is no default input device".into())),
        }
    }

    /// Finds the same device on the same audio system again, after it went away.
    pub(crate) fn reopen(&self) -> Result<Self, DeviceError> {
        let _quiet = HostNoiseFilter::install();
        let not_back = || DeviceError::NoInput(format!("{:?} on {} is not back yet", self.name, self.host));
        let host = hosts(!is_sound_server(&self.host))
            .into_iter()
            .find(|h| h.id().name() == self.host)
            .ok_or_else(not_back)?;
        let device =
            host.input_devices().map_err(|_| not_back())?.find(|d| device_name(d) == self.name).ok_or_else(not_back)?;
        let (config, format) = choose_config(&device, Some(self.config.channels))
            .map_err(|reason| DeviceError::Unsupported { device: self.name.clone(), reason })?;
        if config.sample_rate != self.config.sample_rate {
            return Err(DeviceError::Unsupported {
                device: self.name.clone(),
                reason: format!("it came back at {} Hz instead of {} Hz", config.sample_rate, self.config.sample_rate),
            });
        }
        Ok(Self { device, name: self.name.clone(), host: self.host.clone(), config, format })
    }

    /// The device's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The audio system it belongs to.
    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    /// What will be stored: the device's rate and channels as 16-bit PCM.
    pub(crate) fn spec(&self) -> AudioSpec {
        AudioSpec {
            sample_rate: self.config.sample_rate,
            channels: self.config.channels,
            bits_per_sample: 16,
            sample_format: SampleFormat::Int,
        }
    }

    /// Starts capture into `sink`.
    pub(crate) fn start(&self, sink: CaptureSink) -> Result<LiveInput, DeviceError> {
        let _quiet = HostNoiseFilter::install();
        let stats = sink.shared_stats();
        let errors = {
            let stats = stats.clone();
            move |error: cpal::Error| on_error(&stats, &error)
        };
        let config = self.config;
        let built = match self.format {
            CpalFormat::I16 => build::<i16>(&self.device, config, sink, errors),
            CpalFormat::I32 => build::<i32>(&self.device, config, sink, errors),
            CpalFormat::F32 => build::<f32>(&self.device, config, sink, errors),
            other => {
                return Err(DeviceError::Unsupported { device: self.name.clone(), reason: format!("{other} samples") });
            }
        };
        let stream = built.map_err(|e| DeviceError::Start { device: self.name.clone(), reason: e.to_string() })?;
        stream.play().map_err(|e| DeviceError::Start { device: self.name.clone(), reason: e.to_string() })?;
        Ok(LiveInput { _stream: stream })
    }
}

fn build<T>(
    device: &cpal::Device,
    config: StreamConfig,
    sink: CaptureSink,
    errors: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: CaptureSample + cpal::SizedSample,
{
    let mut state = CallbackState::new(sink, config.sample_rate);
    device.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], info: &InputCallbackInfo| on_input(&mut state, data, info.timestamp().capture),
        errors,
        Some(OPEN_TIMEOUT),
    )
}

/// What the data callback keeps between calls; built before the stream so the callback never allocates.
pub struct CallbackState {
    sink: CaptureSink,
    sample_rate: u32,
    /// When the next block should have been captured, to measure what an over-run lost.
    expected: Option<StreamInstant>,
}

impl CallbackState {
    /// Wraps the ring's producer for one stream.
    pub fn new(sink: CaptureSink, sample_rate: u32) -> Self {
        Self { sink, sample_rate, expected: None }
    }
}

/// The data callback: convert, push, update atomics. No allocation, lock, print or IO.
pub fn on_input<T: CaptureSample>(state: &mut CallbackState, data: &[T], captured_at: StreamInstant) {
    let stats = state.sink.stats();
    if stats.xrun_pending.swap(false, Ordering::AcqRel)
        && let Some(expected) = state.expected
        && let Some(gap) = captured_at.checked_duration_since(expected)
    {
        let lost = (gap.as_secs_f64() * f64::from(state.sample_rate)).round() as u64;
        state.sink.note_lost_frames(lost);
    }
    let frames = data.len() / state.sink.channels();
    state.expected =
        captured_at.checked_add(Duration::from_nanos(frames as u64 * 1_000_000_000 / u64::from(state.sample_rate)));
    state.sink.push_samples(data);
}

/// The error callback: classify and record; the UI and the writer react to the atomics.
fn on_error(stats: &Arc<CaptureStats>, error: &cpal::Error) {
    match error.kind() {
        ErrorKind::Xrun => {
            stats.xruns.fetch_add(1, Ordering::Relaxed);
            stats.xrun_pending.store(true, Ordering::Release);
        }
        ErrorKind::DeviceNotAvailable | ErrorKind::HostUnavailable => InputFailure::DeviceGone.report(stats),
        ErrorKind::StreamInvalidated | ErrorKind::DeviceChanged => InputFailure::StreamInvalidated.report(stats),
        _ => InputFailure::HostError.report(stats),
    }
}

/// Picks a stream configuration: mono (or `channels`) at 48 kHz if offered, 16-bit if offered,
/// with a short period so marker times follow the keypress closely.
fn choose_config(device: &cpal::Device, channels: Option<u16>) -> Result<(StreamConfig, CpalFormat), String> {
    let ranges: Vec<_> = device.supported_input_configs().map_err(|e| e.to_string())?.collect();
    let usable = |f: CpalFormat| matches!(f, CpalFormat::I16 | CpalFormat::F32 | CpalFormat::I32);
    let format_rank = |f: CpalFormat| match f {
        CpalFormat::I16 => 0,
        CpalFormat::F32 => 1,
        _ => 2,
    };
    let wanted_channels = channels.unwrap_or(1);
    let best = ranges
        .iter()
        .filter(|r| usable(r.sample_format()) && r.channels() <= 2)
        .min_by_key(|r| {
            (
                r.channels() != wanted_channels,
                // With no explicit request, a stereo-only device is recorded in stereo.
                r.channels(),
                !(r.min_sample_rate() <= PREFERRED_RATE && PREFERRED_RATE <= r.max_sample_rate()),
                format_rank(r.sample_format()),
            )
        })
        .ok_or_else(|| {
            if ranges.is_empty() {
                "it reports no formats".to_string()
            } else {
                "no 16/24/32-bit or float mono or stereo format".into()
            }
        })?;
    if channels.is_some_and(|c| c != best.channels()) {
        return Err(format!("it cannot record {wanted_channels} channel(s)"));
    }
    let rate = if best.min_sample_rate() <= PREFERRED_RATE && PREFERRED_RATE <= best.max_sample_rate() {
        PREFERRED_RATE
    } else {
        best.max_sample_rate()
    };
    let supported = (*best).try_with_sample_rate(rate).ok_or_else(|| format!("it rejected {rate} Hz"))?;
    let period = rate * PERIOD_MS / 1000;
    let buffer_size = match supported.buffer_size() {
        cpal::SupportedBufferSize::Range { min, max } => BufferSize::Fixed(period.clamp(*min, *max)),
        cpal::SupportedBufferSize::Unknown => BufferSize::Default,
    };
    Ok((StreamConfig { channels: supported.channels(), sample_rate: rate, buffer_size }, supported.sample_format()))
}
