//! The cheap first pass: speech-band energy of every 10 ms frame, on every sample.
//!
//! The band comes from two differences, not a recursive filter, so the loop has no carried
//! dependency and vectorises: `x[n] - x[n-P]` with P one 50 Hz period nulls mains hum and all
//! its harmonics (and DC; also any steady tone at a multiple of 50 Hz, which speech, always
//! gliding in pitch, is not), and a difference over about 0.3 ms then keeps roughly 0.4-2.8 kHz,
//! where speech is strong and room rumble and ventilation are weak.

use zeroize::Zeroizing;

/// Length of one analysis frame in milliseconds.
pub(crate) const FRAME_MS: u64 = 10;
/// Frames the hum filter's echo lasts: it hears each sample again one mains period (20 ms)
/// later, so a sound's energy ends that much after the sound.
pub(crate) const COMB_FRAMES: usize = 2;
/// Energy reported for a frame of digital silence.
pub(crate) const SILENT_DB: f32 = -120.0;

/// Accumulates mono samples and emits one energy value (dBFS) per 10 ms frame.
pub(crate) struct FrameEnergy {
    rate: u64,
    /// One mains period (50 Hz) in samples.
    comb: usize,
    /// The band-pass difference lag in samples.
    lag: usize,
    /// The last `comb + lag` samples of the previous block, then the current block. Decrypted
    /// audio: wiped when it grows and when the meter is dropped.
    work: Zeroizing<Vec<f32>>,
    /// Samples consumed so far.
    consumed: u64,
    /// Sum of squares of the frame being filled.
    acc: f32,
    /// Energy per finished frame.
    frames_db: Vec<f32>,
}

impl FrameEnergy {
    /// A meter for mono audio at `rate` frames per second.
    pub(crate) fn new(rate: u32) -> Self {
        let rate = u64::from(rate.max(100));
        let comb = usize::try_from((rate + 25) / 50).unwrap_or(1).max(1);
        let lag = usize::try_from((rate + 1600) / 3200).unwrap_or(1).max(1);
        Self {
            rate,
            comb,
            lag,
            work: Zeroizing::new(vec![0.0; comb + lag]),
            consumed: 0,
            acc: 0.0,
            frames_db: Vec::new(),
        }
    }

    /// Samples in the history the filter needs before each block.
    fn history(&self) -> usize {
        self.comb + self.lag
    }

    /// Sample index at which frame `index` starts (frames need not be whole samples long).
    fn frame_start(&self, index: u64) -> u64 {
        index * self.rate * FRAME_MS / 1000
    }

    /// Feeds the next mono samples.
    #[cfg(test)]
    fn push(&mut self, mono: &[f32]) {
        let history = self.history();
        self.work.truncate(history);
        crate::audio::pcm::reserve_wiped(&mut self.work, mono.len());
        self.work.extend_from_slice(mono);
        self.consume();
    }

    /// Feeds raw PCM of layout `spec` (whole frames), mixed to mono on the way in.
    pub(crate) fn push_pcm(&mut self, spec: crate::audio::wav::AudioSpec, pcm: &[u8]) {
        let history = self.history();
        self.work.truncate(history);
        crate::audio::pcm::append_mono_wiped(spec, pcm, &mut self.work);
        self.consume();
    }

    /// Measures the samples in `work` after the history, then keeps the new history.
    fn consume(&mut self) {
        let history = self.history();
        let mut at = history;
        while at < self.work.len() {
            let index = self.frames_db.len() as u64;
            let end_of_frame = self.frame_start(index + 1);
            let want = usize::try_from(end_of_frame - self.consumed).unwrap_or(usize::MAX);
            let take = want.min(self.work.len() - at);
            self.acc += band_energy(&self.work, at, at + take, self.comb, self.lag);
            at += take;
            self.consumed += take as u64;
            if take == want {
                let len = end_of_frame - self.frame_start(index);
                self.frames_db.push(to_db(self.acc / len.max(1) as f32));
                self.acc = 0.0;
            }
        }
        let keep_from = self.work.len() - history;
        self.work.copy_within(keep_from.., 0);
        self.work.truncate(history);
    }

    /// Finishes, returning one value per complete frame (a partial last frame is dropped).
    pub(crate) fn finish(self) -> Vec<f32> {
        self.frames_db
    }
}

/// Energy as dB relative to a full-scale square wave; digital silence is [`SILENT_DB`].
pub(crate) fn to_db(mean_square: f32) -> f32 {
    if mean_square <= 1e-12 { SILENT_DB } else { 10.0 * mean_square.log10() }
}

/// Sum over `from..to` of the squared band-passed signal; `buf` holds `comb + lag` samples of
/// history before `from`.
fn band_energy(buf: &[f32], from: usize, to: usize, comb: usize, lag: usize) -> f32 {
    let x = &buf[from..to];
    let x_c = &buf[from - comb..to - comb];
    let x_l = &buf[from - lag..to - lag];
    let x_cl = &buf[from - comb - lag..to - comb - lag];
    // Eight partial sums let the compiler vectorise a float reduction it may not reorder.
    let mut lanes = [0.0f32; 8];
    let whole = x.len() / 8 * 8;
    for i in (0..whole).step_by(8) {
        for (lane, acc) in lanes.iter_mut().enumerate() {
            let j = i + lane;
            let z = (x[j] - x_c[j]) - (x_l[j] - x_cl[j]);
            *acc += z * z;
        }
    }
    let mut sum: f32 = lanes.iter().sum();
    for j in whole..x.len() {
        let z = (x[j] - x_c[j]) - (x_l[j] - x_cl[j]);
        sum += z * z;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f32, amplitude: f32, seconds: f32) -> Vec<f32> {
        let n = (rate as f32 * seconds) as usize;
        (0..n).map(|i| amplitude * (std::f32::consts::TAU * hz * i as f32 / rate as f32).sin()).collect()
    }

    fn median_db(rate: u32, samples: &[f32], block: usize) -> f32 {
        let mut meter = FrameEnergy::new(rate);
        for chunk in samples.chunks(block) {
            meter.push(chunk);
        }
        let mut db = meter.finish();
        assert_eq!(db.len() as u64, samples.len() as u64 * 100 / u64::from(rate));
        db.sort_by(f32::total_cmp);
        db[db.len() / 2]
    }

    #[test]
    fn mains_hum_vanishes_and_speech_band_tones_pass() {
        for rate in [16_000, 44_100, 48_000] {
            let hum = median_db(rate, &tone(rate, 50.0, 0.1, 2.0), 4096);
            let harmonic = median_db(rate, &tone(rate, 150.0, 0.1, 2.0), 1000);
            // The comb nulls steady tones at every multiple of 50 Hz; voices glide, and a tone
            // between the nulls (an odd multiple of 25 Hz) passes with the comb's gain of 2.
            let voice = median_db(rate, &tone(rate, 1025.0, 0.1, 2.0), 333);
            // A 0.1 amplitude sine is -23 dBFS; the band's gain is about 2 x 1.7 here.
            assert!(hum < -90.0, "{rate} Hz: 50 Hz hum left at {hum} dB");
            assert!(harmonic < -90.0, "{rate} Hz: 150 Hz hum left at {harmonic} dB");
            assert!((-20.0..-8.0).contains(&voice), "{rate} Hz: 1025 Hz tone at {voice} dB");
        }
    }

    #[test]
    fn block_size_does_not_change_the_frames() {
        let samples: Vec<f32> =
            tone(44_100, 700.0, 0.3, 1.0).iter().enumerate().map(|(i, s)| s * (i % 7) as f32 / 7.0).collect();
        let whole = {
            let mut m = FrameEnergy::new(44_100);
            m.push(&samples);
            m.finish()
        };
        let mut pieces = FrameEnergy::new(44_100);
        for chunk in samples.chunks(97) {
            pieces.push(chunk);
        }
        let pieces = pieces.finish();
        assert_eq!(whole.len(), 100);
        for (a, b) in whole.iter().zip(&pieces) {
            assert!((a - b).abs() < 0.01, "{a} vs {b}");
        }
    }
}
