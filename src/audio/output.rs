//! Playing audio through cpal: the output device, and the data callback, which only pops
//! samples from a preallocated wait-free ring, writes them out and updates atomics.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat as CpalFormat, SizedSample, StreamConfig};

use super::device::{device_name, usable_hosts};

/// Why playback cannot start on a device.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// No audio system or no default output.
    #[error(
        "no audio output is available: {0}. Check that speakers or headphones are connected and that PulseAudio or PipeWire is running"
    )]
    NoOutput(String),
    /// `--device` named nothing that exists.
    #[error("no output device is called {name:?}. Available: {available}")]
    NotFound {
        /// The requested name.
        name: String,
        /// The names that do exist.
        available: String,
    },
    /// The device cannot play the session's format.
    #[error("the output device {device:?} cannot play this session ({reason}); choose another with --device")]
    Unsupported {
        /// The device as `verbatim devices` lists it.
        device: String,
        /// What the host said.
        reason: String,
    },
    /// The host refused to start the stream.
    #[error("could not start playing on {device:?}: {reason}. Is another program using it exclusively?")]
    Start {
        /// The device as `verbatim devices` lists it.
        device: String,
        /// What the host said.
        reason: String,
    },
}

/// How long to wait for a host to start a stream.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);
/// Device period asked for. Short, because whatever the callback hands over (silence too, if
/// the ring is short) is heard only after the device's buffer: PulseAudio's default buffer
/// of about 2 s put 1.5 s of silence before the first sound and after every seek.
const PERIOD_MS: u32 = 20;

/// What the output callback shares with the player, all atomics.
#[derive(Debug, Default)]
pub struct OutputShared {
    /// Mono frames taken from the ring (played or discarded) since the start.
    pub consumed: AtomicU64,
    /// Frames before this index are discarded, not played (set when seeking or pausing).
    pub discard_until: AtomicU64,
    /// Callbacks that found the ring short while playing.
    pub underruns: AtomicU64,
    /// True while the player wants sound (silence is then an underrun).
    pub playing: AtomicBool,
    /// The device failed or disappeared.
    pub(crate) failed: AtomicBool,
}

/// A running output stream. Dropping it stops playback.
pub(crate) struct AudioOutput {
    _stream: cpal::Stream,
    name: String,
    shared: Arc<OutputShared>,
}

impl AudioOutput {
    /// Opens `name` (or the default output) at `rate` and starts it, playing what `ring` holds
    /// (mono `f32`, copied to every output channel).
    pub(crate) fn open(name: Option<&str>, rate: u32, ring: rtrb::Consumer<f32>) -> Result<Self, OutputError> {
        let _quiet = super::host_noise::HostNoiseFilter::install();
        let mut available = Vec::new();
        for host in usable_hosts() {
            let device = match name {
                None => host.default_output_device(),
                Some(wanted) => host.output_devices().ok().and_then(|mut devices| {
                    devices.find(|d| {
                        let n = device_name(d);
                        available.push(n.clone());
                        n == wanted
                    })
                }),
            };
            let Some(device) = device else { continue };
            let device_label = device_name(&device);
            let (config, format) = choose_config(&device, &device_label, rate)?;
            let shared = Arc::new(OutputShared::default());
            let stream = start(&device, config, format, ring, shared.clone())
                .map_err(|reason| OutputError::Start { device: device_label.clone(), reason })?;
            return Ok(Self { _stream: stream, name: device_label, shared });
        }
        match name {
            Some(wanted) => Err(OutputError::NotFound {
                name: wanted.into(),
                available: if available.is_empty() { "none".into() } else { available.join(", ") },
            }),
            None => Err(OutputError::NoOutput("there is no default output device to play to".into())),
        }
    }

    /// The device's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The atomics the callback updates.
    pub(crate) fn shared(&self) -> &Arc<OutputShared> {
        &self.shared
    }
}

fn start(
    device: &cpal::Device,
    config: StreamConfig,
    format: CpalFormat,
    ring: rtrb::Consumer<f32>,
    shared: Arc<OutputShared>,
) -> Result<cpal::Stream, String> {
    let stream = match format {
        CpalFormat::F32 => build::<f32>(device, config, ring, shared),
        CpalFormat::I16 => build::<i16>(device, config, ring, shared),
        CpalFormat::I32 => build::<i32>(device, config, ring, shared),
        other => return Err(format!("{other} samples")),
    }
    .map_err(|e| e.to_string())?;
    stream.play().map_err(|e| e.to_string())?;
    Ok(stream)
}

fn build<T: SizedSample + FromSample<f32>>(
    device: &cpal::Device,
    config: StreamConfig,
    mut ring: rtrb::Consumer<f32>,
    shared: Arc<OutputShared>,
) -> Result<cpal::Stream, cpal::Error> {
    let channels = usize::from(config.channels.max(1));
    let errors = {
        let shared = shared.clone();
        move |_: cpal::Error| shared.failed.store(true, Ordering::Release)
    };
    device.build_output_stream::<T, _, _>(
        config,
        move |data: &mut [T], _: &cpal::OutputCallbackInfo| on_output(data, channels, &mut ring, &shared),
        errors,
        Some(OPEN_TIMEOUT),
    )
}

/// The data callback: discards what a seek or pause made stale, plays what the ring holds,
/// and fills the rest with silence. It never allocates, locks or blocks.
pub fn on_output<T: SizedSample + FromSample<f32>>(
    data: &mut [T],
    channels: usize,
    ring: &mut rtrb::Consumer<f32>,
    shared: &OutputShared,
) {
    let mut consumed = shared.consumed.load(Ordering::Relaxed);
    let stale = shared.discard_until.load(Ordering::Acquire).saturating_sub(consumed);
    let drop_now = usize::try_from(stale).unwrap_or(usize::MAX).min(ring.slots());
    if drop_now > 0
        && let Ok(chunk) = ring.read_chunk(drop_now)
    {
        chunk.commit_all();
        consumed += drop_now as u64;
    }
    let frames = data.len() / channels.max(1);
    let ready = if consumed < shared.discard_until.load(Ordering::Acquire) { 0 } else { ring.slots().min(frames) };
    let mut written = 0;
    if let Ok(chunk) = ring.read_chunk(ready) {
        let (first, second) = chunk.as_slices();
        for &sample in first.iter().chain(second) {
            let value = T::from_sample(sample.clamp(-1.0, 1.0));
            for out in &mut data[written * channels..(written + 1) * channels] {
                *out = value;
            }
            written += 1;
        }
        chunk.commit_all();
    }
    let silence = T::from_sample(0.0f32);
    for out in &mut data[written * channels..] {
        *out = silence;
    }
    shared.consumed.store(consumed + written as u64, Ordering::Release);
    if written < frames && shared.playing.load(Ordering::Relaxed) {
        shared.underruns.fetch_add(1, Ordering::Relaxed);
    }
}

/// The device's config at `rate`, preferring mono or stereo and float samples.
fn choose_config(device: &cpal::Device, label: &str, rate: u32) -> Result<(StreamConfig, CpalFormat), OutputError> {
    // A device that cannot even list its formats is not there (no sound card, no server).
    let ranges: Vec<_> = device
        .supported_output_configs()
        .map_err(|e| OutputError::NoOutput(format!("{label}: {}", e.to_string().trim_end_matches('.'))))?
        .collect();
    let rank = |f: CpalFormat| match f {
        CpalFormat::F32 => 0,
        CpalFormat::I16 => 1,
        CpalFormat::I32 => 2,
        _ => 9,
    };
    ranges
        .iter()
        .filter(|r| rank(r.sample_format()) < 9 && r.min_sample_rate() <= rate && rate <= r.max_sample_rate())
        .min_by_key(|r| (r.channels().max(1) > 2, r.channels(), rank(r.sample_format())))
        .map(|r| {
            let period = rate * PERIOD_MS / 1000;
            let buffer_size = match r.buffer_size() {
                cpal::SupportedBufferSize::Range { min, max } => cpal::BufferSize::Fixed(period.clamp(*min, *max)),
                cpal::SupportedBufferSize::Unknown => cpal::BufferSize::Default,
            };
            let config = StreamConfig { channels: r.channels().max(1), sample_rate: rate, buffer_size };
            (config, r.sample_format())
        })
        .ok_or_else(|| OutputError::Unsupported {
            device: label.into(),
            reason: format!("it cannot play {rate} Hz audio"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_plays_the_ring_to_every_channel_then_silence() {
        let (mut tx, mut rx) = rtrb::RingBuffer::<f32>::new(16);
        for v in [0.5, -0.5, 0.25] {
            tx.push(v).unwrap();
        }
        let shared = OutputShared::default();
        shared.playing.store(true, Ordering::Relaxed);
        let mut out = [1i16; 8];
        on_output(&mut out, 2, &mut rx, &shared);
        assert_eq!(out, [16384, 16384, -16384, -16384, 8192, 8192, 0, 0]);
        assert_eq!(shared.consumed.load(Ordering::Relaxed), 3);
        assert_eq!(shared.underruns.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn stale_frames_before_a_seek_are_discarded_not_played() {
        let (mut tx, mut rx) = rtrb::RingBuffer::<f32>::new(16);
        for v in [0.9, 0.9, 0.9, 0.1, 0.2] {
            tx.push(v).unwrap();
        }
        let shared = OutputShared::default();
        shared.discard_until.store(3, Ordering::Relaxed);
        let mut out = [0.0f32; 2];
        on_output(&mut out, 1, &mut rx, &shared);
        assert_eq!(out, [0.1, 0.2]);
        assert_eq!(shared.consumed.load(Ordering::Relaxed), 5);
    }
}
