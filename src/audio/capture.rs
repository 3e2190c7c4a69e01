//! The realtime half of capture: the callback-side sink and the atomics it updates.
//!
//! [`CaptureSink::push_f32`] is what the audio callback calls. It only converts samples,
//! pushes them into a preallocated wait-free ring (rtrb), and updates atomics. It never
//! allocates, locks, prints or touches a file (Bencina, "Real-time audio programming 101").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

/// Seconds of audio the ring holds, to ride out slow disks and fsync stalls.
pub const RING_SECONDS: usize = 10;

/// Counters shared between the callback, the writer thread and the screen.
#[derive(Debug, Default)]
pub struct CaptureStats {
    /// Frames accepted into the ring.
    pub frames_captured: AtomicU64,
    /// Frames lost because the ring was full.
    pub overflow_frames: AtomicU64,
    /// Device over-runs reported by the audio host.
    pub xruns: AtomicU64,
    /// Peak |sample| since the meter last read it, as `f32::to_bits` (monotonic for x >= 0).
    pub peak_bits: AtomicU32,
    /// While set, incoming audio is discarded instead of recorded.
    pub paused: AtomicBool,
}

impl CaptureStats {
    /// Takes the peak since the last call (0.0 to 1.0 full scale) and resets it.
    pub fn take_peak(&self) -> f32 {
        f32::from_bits(self.peak_bits.swap(0, Ordering::Relaxed))
    }

    /// Frames dropped for any reason so far.
    pub fn dropped_frames(&self) -> u64 {
        self.overflow_frames.load(Ordering::Relaxed)
    }
}

/// The producer end, owned by the audio callback.
pub struct CaptureSink {
    producer: rtrb::Producer<i16>,
    stats: Arc<CaptureStats>,
    channels: usize,
}

/// The consumer end, drained by the writer thread.
pub type CaptureRing = rtrb::Consumer<i16>;

/// Creates the ring for `channels` at `sample_rate`, preallocated for [`RING_SECONDS`].
pub fn capture_ring(sample_rate: u32, channels: u16, stats: Arc<CaptureStats>) -> (CaptureSink, CaptureRing) {
    let capacity = sample_rate as usize * usize::from(channels) * RING_SECONDS;
    let (producer, consumer) = rtrb::RingBuffer::new(capacity);
    (CaptureSink { producer, stats, channels: usize::from(channels.max(1)) }, consumer)
}

/// Converts a float sample to 16-bit PCM, saturating at full scale.
#[inline]
pub fn f32_to_i16(sample: f32) -> i16 {
    // `as` saturates and maps NaN to 0, so a broken driver value cannot wrap around.
    (sample * 32768.0).round() as i16
}

impl CaptureSink {
    /// Records one callback's worth of interleaved float samples. Realtime-safe.
    pub fn push_f32(&mut self, interleaved: &[f32]) {
        if self.stats.paused.load(Ordering::Relaxed) {
            return;
        }
        let peak = interleaved.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        self.push(interleaved.len(), peak, interleaved.iter().map(|s| f32_to_i16(*s)));
    }

    /// Records one callback's worth of interleaved 16-bit samples. Realtime-safe.
    pub fn push_i16(&mut self, interleaved: &[i16]) {
        if self.stats.paused.load(Ordering::Relaxed) {
            return;
        }
        let peak = interleaved.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        self.push(interleaved.len(), f32::from(peak) / 32768.0, interleaved.iter().copied());
    }

    /// Pushes as many whole frames as fit and counts the rest as overflow. No allocation.
    fn push(&mut self, len: usize, peak: f32, samples: impl Iterator<Item = i16>) {
        self.stats.peak_bits.fetch_max(peak.to_bits(), Ordering::Relaxed);
        let frames = len / self.channels;
        let fit = frames.min(self.producer.slots() / self.channels);
        if fit > 0
            && let Ok(chunk) = self.producer.write_chunk_uninit(fit * self.channels)
        {
            chunk.fill_from_iter(samples);
        }
        self.stats.frames_captured.fetch_add(fit as u64, Ordering::Relaxed);
        if fit < frames {
            self.stats.overflow_frames.fetch_add((frames - fit) as u64, Ordering::Relaxed);
        }
    }

    /// Counts a device over-run reported by the host.
    pub fn note_xrun(&self) {
        self.stats.xruns.fetch_add(1, Ordering::Relaxed);
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
        assert_eq!(stats.take_peak(), 1.5);
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
    }

    #[test]
    fn round_trips_every_16_bit_value_through_f32() {
        for v in i16::MIN..=i16::MAX {
            assert_eq!(f32_to_i16(f32::from(v) / 32768.0), v);
        }
    }
}
