//! The realtime half of capture: the callback-side sink and the atomics it updates.
//!
//! [`CaptureSink::push_f32`] is what the audio callback calls. It only converts samples,
//! pushes them into a preallocated wait-free ring (rtrb), and updates atomics. It never
//! allocates, locks, prints or touches a file (Bencina, "Real-time audio programming 101").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Seconds of audio the ring holds, to ride out slow disks and fsync stalls.
pub(crate) const RING_SECONDS: usize = 10;

/// How far past the last delivered block the audio clock is interpolated: a little more than
/// the longest device period in use, so a stalled input freezes the clock instead of running on.
const MAX_INTERPOLATION: Duration = Duration::from_millis(120);

/// Counters shared between the callback, the writer thread and the screen.
#[derive(Debug)]
pub struct CaptureStats {
    /// The instant `last_push_ns` counts from.
    clock_base: Instant,
    /// When the newest block arrived, in ns since `clock_base` (0: none yet).
    pub(crate) last_push_ns: AtomicU64,
    /// Frames accepted into the ring.
    pub frames_captured: AtomicU64,
    /// Frames lost because the ring was full.
    pub overflow_frames: AtomicU64,
    /// Device over-runs reported by the audio host.
    pub(crate) xruns: AtomicU64,
    /// Set by the host's error callback on an over-run; the next data callback measures the gap.
    pub xrun_pending: AtomicBool,
    /// Frames the device lost in over-runs, measured from stream timestamps.
    pub xrun_frames: AtomicU64,
    /// Why the input stopped delivering audio ([`InputFailure`] as `u8`; 0 while it is fine).
    pub(crate) input_failure: AtomicU8,
    /// Peak |sample| since the meter last read it, as `f32::to_bits` (monotonic for x >= 0).
    pub(crate) peak_bits: AtomicU32,
    /// Sum of squared 16-bit samples since the meter last read it (for RMS).
    pub(crate) sum_squares: AtomicU64,
    /// Samples summed into `sum_squares`.
    pub(crate) meter_samples: AtomicU64,
    /// While set, incoming audio is discarded instead of recorded.
    pub paused: AtomicBool,
}

impl Default for CaptureStats {
    fn default() -> Self {
        Self {
            clock_base: Instant::now(),
            last_push_ns: AtomicU64::new(0),
            frames_captured: AtomicU64::new(0),
            overflow_frames: AtomicU64::new(0),
            xruns: AtomicU64::new(0),
            xrun_pending: AtomicBool::new(false),
            xrun_frames: AtomicU64::new(0),
            input_failure: AtomicU8::new(0),
            peak_bits: AtomicU32::new(0),
            sum_squares: AtomicU64::new(0),
            meter_samples: AtomicU64::new(0),
            paused: AtomicBool::new(false),
        }
    }
}

impl CaptureStats {
    /// Records that a block just arrived (called by the callback; no allocation, no lock).
    #[inline]
    pub(crate) fn note_block_arrived(&self) {
        let ns = self.clock_base.elapsed().as_nanos() as u64;
        self.last_push_ns.store(ns.max(1), Ordering::Release);
    }

    /// The audio clock now, in frames: frames delivered plus the time since the newest block
    /// (capped), because a device delivers a block only once it has been captured. This is
    /// what marker timestamps use, so they follow the keypress, not the device's period.
    pub(crate) fn clock_frames(&self, sample_rate: u32) -> u64 {
        let frames = self.frames();
        let last = self.last_push_ns.load(Ordering::Acquire);
        if last == 0 || self.paused.load(Ordering::Relaxed) {
            return frames;
        }
        let now = self.clock_base.elapsed().as_nanos() as u64;
        let since = Duration::from_nanos(now.saturating_sub(last)).min(MAX_INTERPOLATION);
        frames + (since.as_secs_f64() * f64::from(sample_rate)) as u64
    }

    /// Takes the peak since the last call (0.0 to 1.0 full scale) and resets it.
    pub fn take_peak(&self) -> f32 {
        f32::from_bits(self.peak_bits.swap(0, Ordering::Relaxed))
    }

    /// Takes the peak and RMS since the last call, or `None` if no audio arrived since (the
    /// device delivers in blocks; a meter should hold its reading between them, not flicker).
    pub(crate) fn take_levels(&self) -> Option<(f32, f32)> {
        if self.meter_samples.load(Ordering::Relaxed) == 0 {
            return None;
        }
        Some((self.take_peak(), self.take_rms()))
    }

    /// Takes the RMS level (0.0 to 1.0 full scale) since the last call and resets it.
    pub(crate) fn take_rms(&self) -> f32 {
        let sum = self.sum_squares.swap(0, Ordering::Relaxed);
        let n = self.meter_samples.swap(0, Ordering::Relaxed);
        if n == 0 { 0.0 } else { ((sum as f64 / n as f64).sqrt() / 32768.0) as f32 }
    }

    /// Frames dropped for any reason so far.
    pub fn dropped_frames(&self) -> u64 {
        self.overflow_frames.load(Ordering::Relaxed) + self.xrun_frames.load(Ordering::Relaxed)
    }

    /// Frames accepted so far: the audio clock that marker timestamps use.
    pub fn frames(&self) -> u64 {
        self.frames_captured.load(Ordering::Acquire)
    }

    /// Why the input stopped, if it did.
    pub(crate) fn input_failure(&self) -> Option<InputFailure> {
        InputFailure::from_code(self.input_failure.load(Ordering::Acquire))
    }
}

/// Why an input stopped delivering audio, stored in an atomic so error callbacks never allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum InputFailure {
    /// The device was unplugged or the audio server went away.
    DeviceGone = 1,
    /// The host invalidated the stream (for example after a configuration change).
    StreamInvalidated = 2,
    /// Another host error.
    HostError = 3,
}

impl InputFailure {
    fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::DeviceGone),
            2 => Some(Self::StreamInvalidated),
            3 => Some(Self::HostError),
            _ => None,
        }
    }

    /// Records this failure unless an earlier one is already recorded.
    pub(crate) fn report(self, stats: &CaptureStats) {
        let _ = stats.input_failure.compare_exchange(0, self as u8, Ordering::AcqRel, Ordering::Acquire);
    }

    /// What the interviewer is told.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::DeviceGone => "the microphone or the audio server went away",
            Self::StreamInvalidated => "the audio system closed the input stream",
            Self::HostError => "the audio system reported an error",
        }
    }
}

/// A sample type a device may deliver; converted to 16-bit PCM without allocation.
pub trait CaptureSample: Copy + Send + 'static {
    /// The sample as 16-bit PCM, saturating.
    fn to_i16(self) -> i16;
}

impl CaptureSample for i16 {
    #[inline]
    fn to_i16(self) -> i16 {
        self
    }
}

impl CaptureSample for f32 {
    #[inline]
    fn to_i16(self) -> i16 {
        f32_to_i16(self)
    }
}

impl CaptureSample for i32 {
    #[inline]
    fn to_i16(self) -> i16 {
        // Keep the top 16 bits; the low bits are below a 16-bit recording's noise floor.
        (self >> 16) as i16
    }
}

/// The producer end, owned by the audio callback.
pub struct CaptureSink {
    producer: rtrb::Producer<i16>,
    stats: Arc<CaptureStats>,
    channels: usize,
}

/// The consumer end, drained by the writer thread.
pub(crate) type CaptureRing = rtrb::Consumer<i16>;

/// Creates the ring for `channels` at `sample_rate`, preallocated for [`RING_SECONDS`].
pub fn capture_ring(sample_rate: u32, channels: u16, stats: Arc<CaptureStats>) -> (CaptureSink, CaptureRing) {
    let capacity = sample_rate as usize * usize::from(channels) * RING_SECONDS;
    let (producer, consumer) = rtrb::RingBuffer::new(capacity);
    (CaptureSink { producer, stats, channels: usize::from(channels.max(1)) }, consumer)
}

/// Converts a float sample to 16-bit PCM, saturating at full scale.
#[inline]
pub(crate) fn f32_to_i16(sample: f32) -> i16 {
    // `as` saturates and maps NaN to 0, so a broken driver value cannot wrap around.
    (sample * 32768.0).round() as i16
}

impl CaptureSink {
    /// Records one callback's worth of interleaved float samples. Realtime-safe.
    pub(crate) fn push_f32(&mut self, interleaved: &[f32]) {
        self.push_samples(interleaved);
    }

    /// Records one callback's worth of interleaved 16-bit samples. Realtime-safe.
    #[cfg(test)]
    fn push_i16(&mut self, interleaved: &[i16]) {
        self.push_samples(interleaved);
    }

    /// Records one callback's worth of interleaved samples of any supported type. Realtime-safe.
    pub(crate) fn push_samples<T: CaptureSample>(&mut self, interleaved: &[T]) {
        let (mut peak, mut sum_squares) = (0u16, 0u64);
        for s in interleaved {
            let v = s.to_i16();
            peak = peak.max(v.unsigned_abs());
            sum_squares += (i64::from(v) * i64::from(v)) as u64;
        }
        self.stats.sum_squares.fetch_add(sum_squares, Ordering::Relaxed);
        self.stats.meter_samples.fetch_add(interleaved.len() as u64, Ordering::Relaxed);
        self.stats.peak_bits.fetch_max((f32::from(peak) / 32768.0).to_bits(), Ordering::Relaxed);
        // The meter keeps moving while paused so the interviewer can check the microphone.
        if self.stats.paused.load(Ordering::Relaxed) {
            return;
        }
        let channels = self.channels;
        let frames = interleaved.len() / channels;
        let fit = frames.min(self.producer.slots() / channels);
        if fit > 0
            && let Ok(chunk) = self.producer.write_chunk_uninit(fit * channels)
        {
            chunk.fill_from_iter(interleaved.iter().map(|s| s.to_i16()));
        }
        self.stats.frames_captured.fetch_add(fit as u64, Ordering::Release);
        self.stats.note_block_arrived();
        if fit < frames {
            self.stats.overflow_frames.fetch_add((frames - fit) as u64, Ordering::Relaxed);
        }
    }

    /// The shared counters.
    pub(crate) fn stats(&self) -> &CaptureStats {
        &self.stats
    }

    /// A handle on the shared counters, for callbacks that outlive this borrow.
    pub(crate) fn shared_stats(&self) -> Arc<CaptureStats> {
        self.stats.clone()
    }

    /// Interleaved channels per frame.
    pub(crate) fn channels(&self) -> usize {
        self.channels
    }

    /// Counts frames a device over-run lost, as measured by the data callback.
    pub(crate) fn note_lost_frames(&self, frames: u64) {
        self.stats.xrun_frames.fetch_add(frames, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_pushes_and_counts_overflow() {
        let stats = Arc::new(CaptureStats::default());
        let (mut sink, mut ring) = capture_ring(2, 1, stats.clone()); // capacity: 20 samples
        sink.push_f32(&[0.5, -1.0, 1.5, 0.0]);
        assert_eq!(stats.frames_captured.load(Ordering::Relaxed), 4);
        assert_eq!(stats.take_peak(), 1.0, "peaks are measured after conversion, so overs read as full scale");
        let got: Vec<i16> = (0..4).map(|_| ring.pop().unwrap()).collect();
        assert_eq!(got, vec![16384, -32768, 32767, 0]);
        sink.push_i16(&[7; 25]);
        assert_eq!(stats.frames_captured.load(Ordering::Relaxed), 24);
        assert_eq!(stats.dropped_frames(), 5);
    }

    #[test]
    fn pause_discards_without_counting() {
        let stats = Arc::new(CaptureStats::default());
        let (mut sink, ring) = capture_ring(100, 2, stats.clone());
        stats.paused.store(true, Ordering::Relaxed);
        sink.push_f32(&[0.1; 8]);
        assert_eq!(ring.slots(), 0);
        assert_eq!(stats.frames_captured.load(Ordering::Relaxed), 0);
        assert!((stats.take_peak() - 0.1).abs() < 1e-4, "the meter still moves while paused");
    }

    #[test]
    fn round_trips_every_16_bit_value_through_f32() {
        for v in i16::MIN..=i16::MAX {
            assert_eq!(f32_to_i16(f32::from(v) / 32768.0), v);
        }
    }
}
