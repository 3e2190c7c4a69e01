//! The neural check: earshot's voice detector, at 16 kHz via rubato, on chosen stretches only.
//!
//! earshot costs about 8 µs per 16 ms frame here, more than decrypting and measuring every
//! sample, so it listens only where the energy pass cannot tell: short bursts of sound alone
//! between silences, which may be a click, a knock or a cough rather than a word.

use std::ops::Range;

use audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Resampler};
use zeroize::Zeroizing;

use super::AnalysisError;
use super::energy::FRAME_MS;
use crate::audio::pcm::{self, PcmSource};

/// earshot's input rate.
const VAD_RATE: u32 = 16_000;
/// earshot's frame: 256 samples, 16 ms.
const VAD_FRAME: usize = 256;
/// Audio the detector hears before the stretch it judges, to settle its recurrent state.
const WARMUP_FRAMES: usize = 12;

/// Runs earshot over stretches of a source, resampling when it is not at 16 kHz.
pub(crate) struct VoiceCheck {
    rate: u32,
    detector: Box<earshot::Detector>,
    resampler: Option<Fft<f32>>,
    // Decrypted audio, wiped when it grows and when the checker is dropped.
    bytes: Zeroizing<Vec<u8>>,
    mono: Zeroizing<Vec<f32>>,
    resampled: Zeroizing<Vec<f32>>,
    /// 10 ms frames the detector has judged, warm-up included.
    pub(crate) judged_frames: u64,
}

impl VoiceCheck {
    /// A checker for audio at `rate` frames per second.
    pub(crate) fn new(rate: u32) -> Result<Self, AnalysisError> {
        let resampler = if rate == VAD_RATE {
            None
        } else {
            let chunk = usize::try_from(rate / 50).unwrap_or(960).max(1);
            Some(
                Fft::<f32>::new(rate as usize, VAD_RATE as usize, chunk, 1, FixedSync::Input)
                    .map_err(|e| AnalysisError::Resampler(e.to_string()))?,
            )
        };
        Ok(Self {
            rate,
            detector: earshot::Detector::default_boxed(),
            resampler,
            bytes: Zeroizing::new(Vec::new()),
            mono: Zeroizing::new(Vec::new()),
            resampled: Zeroizing::new(Vec::new()),
            judged_frames: 0,
        })
    }

    /// earshot's voice probability (0-1) for each 10 ms frame in `frames`, the detector having
    /// heard [`WARMUP_FRAMES`] before them.
    pub(crate) fn scores(
        &mut self,
        source: &mut dyn PcmSource,
        frames: Range<usize>,
    ) -> Result<Vec<f32>, AnalysisError> {
        if frames.is_empty() {
            return Ok(Vec::new());
        }
        let first = frames.start.saturating_sub(WARMUP_FRAMES);
        let rate = u64::from(self.rate);
        let from = first as u64 * rate * FRAME_MS / 1000;
        let to = (frames.end as u64 * rate * FRAME_MS / 1000).min(source.frames());
        self.read_mono(source, from, to)?;
        let at_16k: &[f32] = match &mut self.resampler {
            None => &self.mono,
            Some(resampler) => {
                resampler.reset();
                let need = resampler.process_all_needed_output_len(self.mono.len());
                self.resampled.clear();
                pcm::reserve_wiped(&mut self.resampled, need);
                self.resampled.resize(need, 0.0);
                let input = SequentialSlice::new(&self.mono, 1, self.mono.len())
                    .map_err(|e| AnalysisError::Resampler(e.to_string()))?;
                let mut output = SequentialSlice::new_mut(&mut self.resampled, 1, need)
                    .map_err(|e| AnalysisError::Resampler(e.to_string()))?;
                let (_, produced) = resampler
                    .process_all_into_buffer(&input, &mut output, self.mono.len(), None)
                    .map_err(|e| AnalysisError::Resampler(e.to_string()))?;
                self.resampled.truncate(produced);
                &self.resampled
            }
        };
        self.detector.reset();
        let vad_scores: Vec<f32> = at_16k
            .chunks_exact(VAD_FRAME)
            .map(|chunk| {
                let clipped: [f32; VAD_FRAME] = std::array::from_fn(|i| chunk[i].clamp(-1.0, 1.0));
                self.detector.predict_f32(&clipped)
            })
            .collect();
        self.judged_frames += (frames.end - first) as u64;
        // A 10 ms frame takes the score of the 16 ms detector frame that ends after its middle.
        let vad_ms = VAD_FRAME as u64 * 1000 / u64::from(VAD_RATE);
        let origin_ms = first as u64 * FRAME_MS;
        Ok(frames
            .map(|f| {
                let middle = f as u64 * FRAME_MS + FRAME_MS / 2 - origin_ms;
                let k = usize::try_from(middle / vad_ms).unwrap_or(usize::MAX);
                vad_scores.get(k).or(vad_scores.last()).copied().unwrap_or(0.0)
            })
            .collect())
    }

    fn read_mono(&mut self, source: &mut dyn PcmSource, from: u64, to: u64) -> Result<(), AnalysisError> {
        let spec = source.spec();
        let align = usize::from(spec.block_align()).max(1);
        let frames = usize::try_from(to.saturating_sub(from)).unwrap_or(0);
        self.bytes.clear();
        pcm::reserve_wiped(&mut self.bytes, frames * align);
        self.bytes.resize(frames * align, 0);
        source.seek_frame(from)?;
        let mut filled = 0;
        while filled < frames {
            let got = source.read_pcm(&mut self.bytes[filled * align..])?;
            if got == 0 {
                break;
            }
            filled += got;
        }
        self.mono.clear();
        pcm::append_mono_wiped(spec, &self.bytes[..filled * align], &mut self.mono);
        Ok(())
    }
}
