//! The playback pipeline, without the device: decrypted PCM from the store, mixed to mono,
//! time-stretched with WSOLA (pitch kept) at 0.5-2.0x, and handed out in blocks with the
//! source position each block starts at, so the screen can follow what is heard.

use std::num::{NonZeroU16, NonZeroU32};

use wsola::TimeStretch;
use zeroize::Zeroizing;

use super::pcm::{self, PcmError, PcmSource};

/// Slowest playback speed.
pub(crate) const MIN_SPEED: f32 = 0.5;
/// Fastest playback speed.
pub(crate) const MAX_SPEED: f32 = 2.0;
/// Source read per refill: 50 ms, small enough that a seek or a speed change is heard at once.
const READ_MS: u64 = 50;

/// Reads a source from any position and renders it at any speed.
pub struct Playhead<S: PcmSource> {
    source: S,
    rate: u32,
    speed: f32,
    stretch: TimeStretch,
    /// Next source frame to read.
    read_at: u64,
    /// Source position (frames, fractional) of the next frame handed out.
    heard_at: f64,
    // Decrypted audio, wiped when it grows and when the playhead is dropped.
    bytes: Zeroizing<Vec<u8>>,
    mono: Zeroizing<Vec<f32>>,
    stretched: Zeroizing<Vec<f32>>,
    /// Stretched frames not yet handed out, from `stretched[pending_from..]`.
    pending_from: usize,
}

impl<S: PcmSource> Playhead<S> {
    /// A playhead at the start of `source`, at normal speed.
    pub fn new(source: S) -> Result<Self, PcmError> {
        let rate = source.spec().sample_rate;
        let stretch = TimeStretch::with_config(
            NonZeroU32::new(rate.max(1)).unwrap_or(NonZeroU32::MIN),
            NonZeroU16::MIN,
            // Half wsola's default search (12 ms): still more than half a pitch period of a
            // low voice (80 Hz), and half the CPU, which is mostly this search.
            wsola::Config { hop_ms: 15.0, search_ms: 6.0 },
        )
        .map_err(|e| PcmError::Resampler(e.to_string()))?;
        let mut head = Self {
            source,
            rate,
            speed: 1.0,
            stretch,
            read_at: 0,
            heard_at: 0.0,
            bytes: Zeroizing::new(Vec::new()),
            mono: Zeroizing::new(Vec::new()),
            stretched: Zeroizing::new(Vec::new()),
            pending_from: 0,
        };
        head.seek(0)?;
        Ok(head)
    }

    /// Frames per second of the source (and of what is rendered).
    pub(crate) fn rate(&self) -> u32 {
        self.rate
    }

    /// Frames in the source.
    pub fn frames(&self) -> u64 {
        self.source.frames()
    }

    /// The source frame the next rendered frame comes from.
    pub fn position(&self) -> u64 {
        self.heard_at as u64
    }

    /// The current speed.
    pub(crate) fn speed(&self) -> f32 {
        self.speed
    }

    /// Moves to source frame `frame` (clamped to the end).
    pub fn seek(&mut self, frame: u64) -> Result<(), PcmError> {
        let frame = frame.min(self.source.frames());
        self.source.seek_frame(frame)?;
        self.read_at = frame;
        self.heard_at = frame as f64;
        self.stretch.reset();
        self.stretched.clear();
        self.pending_from = 0;
        Ok(())
    }

    /// Sets the speed, clamped to [`MIN_SPEED`]-[`MAX_SPEED`]; takes effect from the next block.
    pub fn set_speed(&mut self, speed: f32) -> Result<(), PcmError> {
        let speed = if speed.is_finite() { speed.clamp(MIN_SPEED, MAX_SPEED) } else { 1.0 };
        if (speed - self.speed).abs() < f32::EPSILON {
            return Ok(());
        }
        self.speed = speed;
        self.stretch.set_tempo(speed);
        // Restart the stretcher where the listener is, so nothing buffered at the old speed
        // is heard late and the position stays exact.
        self.seek(self.position())
    }

    /// Fills `out` with mono frames at the current speed; returns how many (0 at the end).
    pub fn render(&mut self, out: &mut [f32]) -> Result<usize, PcmError> {
        let mut written = 0;
        while written < out.len() {
            if self.pending_from >= self.stretched.len() && !self.refill()? {
                // Everything was handed out; the stretcher's last few ms are rounding.
                self.heard_at = self.source.frames() as f64;
                break;
            }
            let take = (out.len() - written).min(self.stretched.len() - self.pending_from);
            out[written..written + take].copy_from_slice(&self.stretched[self.pending_from..self.pending_from + take]);
            self.pending_from += take;
            written += take;
            self.heard_at = (self.heard_at + take as f64 * f64::from(self.speed)).min(self.source.frames() as f64);
        }
        Ok(written)
    }

    /// Reads and stretches the next block; false at the end of the source.
    fn refill(&mut self) -> Result<bool, PcmError> {
        self.stretched.clear();
        self.pending_from = 0;
        let spec = self.source.spec();
        let align = usize::from(spec.block_align()).max(1);
        let want = usize::try_from(u64::from(self.rate) * READ_MS / 1000).unwrap_or(1).max(1);
        self.bytes.clear();
        pcm::reserve_wiped(&mut self.bytes, want * align);
        self.bytes.resize(want * align, 0);
        let got = self.source.read_pcm(&mut self.bytes)?;
        self.read_at += got as u64;
        self.mono.clear();
        pcm::append_mono_wiped(spec, &self.bytes[..got * align], &mut self.mono);
        if (self.speed - 1.0).abs() < f32::EPSILON {
            // At normal speed the samples pass untouched: what is heard is the recording.
            pcm::reserve_wiped(&mut self.stretched, self.mono.len());
            self.stretched.extend_from_slice(&self.mono);
            return Ok(got > 0);
        }
        if got == 0 {
            self.stretch.set_draining();
        } else {
            self.stretch.push(&self.mono);
        }
        let unit = self.stretch.min_output_buff_size().max(1);
        // Enough room for everything the pushed input can yield at the slowest speed.
        let room = (self.stretch.buffered() * 2 + 2 * unit).div_ceil(unit) * unit;
        pcm::reserve_wiped(&mut self.stretched, room);
        self.stretched.resize(room, 0.0);
        let produced = match self.stretch.pull(&mut self.stretched) {
            Ok(n) => n,
            // Not enough input for one step yet: read more next time.
            Err(wsola::Error::NotEnoughInput) => 0,
            Err(e) => return Err(PcmError::Resampler(e.to_string())),
        };
        self.stretched.truncate(produced);
        Ok(got > 0 || produced > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::wav::{AudioSpec, SampleFormat};

    /// 16-bit mono PCM in memory.
    struct Memory {
        rate: u32,
        pcm: Vec<u8>,
        at: u64,
    }

    impl PcmSource for Memory {
        fn spec(&self) -> AudioSpec {
            AudioSpec { sample_rate: self.rate, channels: 1, bits_per_sample: 16, sample_format: SampleFormat::Int }
        }
        fn frames(&self) -> u64 {
            self.pcm.len() as u64 / 2
        }
        fn seek_frame(&mut self, frame: u64) -> Result<(), PcmError> {
            self.at = frame.min(self.frames());
            Ok(())
        }
        fn read_pcm(&mut self, buf: &mut [u8]) -> Result<usize, PcmError> {
            let n = (buf.len() / 2).min((self.frames() - self.at) as usize);
            let from = self.at as usize * 2;
            buf[..n * 2].copy_from_slice(&self.pcm[from..from + n * 2]);
            self.at += n as u64;
            Ok(n)
        }
    }

    fn tone(rate: u32, hz: f32, seconds: f32) -> Memory {
        let n = (rate as f32 * seconds) as usize;
        let pcm = (0..n)
            .flat_map(|i| {
                let v = 0.5 * (std::f32::consts::TAU * hz * i as f32 / rate as f32).sin();
                ((v * 32767.0) as i16).to_le_bytes()
            })
            .collect();
        Memory { rate, pcm, at: 0 }
    }

    fn render_all<S: PcmSource>(head: &mut Playhead<S>) -> Vec<f32> {
        let mut out = Vec::new();
        let mut block = vec![0.0; 441];
        loop {
            let n = head.render(&mut block).unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&block[..n]);
        }
    }

    /// Frequency from upward zero crossings over the middle of the signal.
    fn frequency(samples: &[f32], rate: u32) -> f32 {
        let middle = &samples[samples.len() / 4..samples.len() * 3 / 4];
        let crossings: Vec<usize> = (1..middle.len()).filter(|&i| middle[i - 1] < 0.0 && middle[i] >= 0.0).collect();
        let span = (crossings[crossings.len() - 1] - crossings[0]) as f32;
        (crossings.len() - 1) as f32 * rate as f32 / span
    }

    #[test]
    fn normal_speed_is_the_recording_sample_for_sample_from_any_position() {
        let source = tone(16_000, 440.0, 2.0);
        let expected: Vec<f32> =
            source.pcm.chunks_exact(2).map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0).collect();
        let mut head = Playhead::new(source).unwrap();
        assert_eq!(render_all(&mut head), expected);
        assert_eq!(head.position(), 32_000);
        head.seek(12_345).unwrap();
        let mut block = vec![0.0; 100];
        assert_eq!(head.render(&mut block).unwrap(), 100);
        assert_eq!(block[..], expected[12_345..12_445]);
        assert_eq!(head.position(), 12_445);
    }

    #[test]
    fn faster_keeps_the_pitch_and_shortens_the_time() {
        for (speed, rate) in [(1.5, 48_000), (0.5, 16_000), (2.0, 44_100)] {
            let mut head = Playhead::new(tone(rate, 440.0, 3.0)).unwrap();
            head.set_speed(speed).unwrap();
            let out = render_all(&mut head);
            let hz = frequency(&out, rate);
            let length = out.len() as f32 / (3.0 * rate as f32 / speed);
            assert!((hz / 440.0 - 1.0).abs() < 0.02, "{speed}x: {hz} Hz");
            assert!((length - 1.0).abs() < 0.03, "{speed}x: {length} of the expected length");
            assert_eq!(head.position(), 3 * u64::from(rate), "{speed}x ends at the end");
        }
    }

    #[test]
    fn speed_changes_midway_keep_the_position() {
        let mut head = Playhead::new(tone(16_000, 300.0, 4.0)).unwrap();
        let mut block = vec![0.0; 1_600];
        assert_eq!(head.render(&mut block).unwrap(), 1_600);
        head.set_speed(1.5).unwrap();
        assert_eq!(head.position(), 1_600);
        assert_eq!(head.render(&mut block).unwrap(), 1_600);
        assert!(head.position().abs_diff(1_600 + 2_400) <= 1, "{}", head.position());
        head.set_speed(9.0).unwrap();
        assert_eq!(head.speed(), MAX_SPEED);
    }
}
