//! The neural check: Silero VAD, at 16 kHz via rubato, on chosen stretches only.
//!
//! Silero VAD (MIT licence, `silero/LICENSE`; the sequence model from the `silero-vad` 6.2.3
//! wheel on PyPI, built into the binary) is the strongest open voice detector, and the dearest
//! stage here: about 65 µs per 32 ms window on one core, against 1 ns per sample for the
//! energy pass. So it listens only where the energy pass cannot tell: short bursts of sound
//! alone between silences, which may be a click, a knock or a cough rather than a word, and
//! short silences, which may be the soft middle of a sentence sunk under the noise.

use std::ops::Range;

use audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Resampler};
use zeroize::Zeroizing;

use super::AnalysisError;
use super::energy::FRAME_MS;
use crate::audio::pcm::{self, PcmSource};
use crate::onnx::Model;

/// The model: Silero VAD's sequence form, which takes many windows in one call.
const SILERO: &[u8] = include_bytes!("silero/silero_vad_16k_sequence.onnx");
/// Silero's input rate.
const VAD_RATE: u32 = 16_000;
/// Silero's window: 512 samples, 32 ms...
const WINDOW: usize = 512;
/// ...each seen with the 64 samples before it.
const CONTEXT: usize = 64;
/// Size of the recurrent state (h and c each).
const STATE: usize = 128;
/// Audio the detector hears before the stretch it judges, to settle its recurrent state:
/// from cold, Silero needs a few windows before its scores mean anything.
const WARMUP_FRAMES: usize = 25;

/// Runs Silero VAD over stretches of a source, resampling when it is not at 16 kHz.
pub(crate) struct VoiceCheck {
    rate: u32,
    model: Model,
    resampler: Option<Fft<f32>>,
    // Decrypted audio, wiped when it grows and when the checker is dropped.
    bytes: Zeroizing<Vec<u8>>,
    mono: Zeroizing<Vec<f32>>,
    resampled: Zeroizing<Vec<f32>>,
    windows: Zeroizing<Vec<f32>>,
    /// 10 ms frames the detector has judged, warm-up included.
    pub(crate) judged_frames: u64,
}

impl VoiceCheck {
    /// A checker for audio at `rate` frames per second; loads the model.
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
            model: Model::from_bytes("Silero VAD (built in)", SILERO)?,
            resampler,
            bytes: Zeroizing::new(Vec::new()),
            mono: Zeroizing::new(Vec::new()),
            resampled: Zeroizing::new(Vec::new()),
            windows: Zeroizing::new(Vec::new()),
            judged_frames: 0,
        })
    }

    /// Silero's speech probability (0-1) for each whole 32 ms window that ends inside `frames`,
    /// the detector having heard [`WARMUP_FRAMES`] before them.
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
        self.resample()?;
        let at_16k: &[f32] = if self.resampler.is_some() { &self.resampled } else { &self.mono };
        // Each window with the 64 samples before it (zeros before the first), as Silero's
        // streaming form keeps them. A last partial window is left out: padded with digital
        // silence it would score as a pause.
        let count = at_16k.len() / WINDOW;
        self.windows.clear();
        pcm::reserve_wiped(&mut self.windows, count * (CONTEXT + WINDOW));
        for start in (0..count).map(|w| w * WINDOW) {
            let context = &at_16k[start.saturating_sub(CONTEXT)..start];
            self.windows.extend(std::iter::repeat_n(0.0, CONTEXT - context.len()));
            self.windows.extend(at_16k[start - context.len()..start + WINDOW].iter().map(|x| x.clamp(-1.0, 1.0)));
        }
        let probabilities = self.run(count)?;
        self.judged_frames += (frames.end - first) as u64;
        let judged_from_ms = (frames.start - first) as u64 * FRAME_MS;
        let window_ms = WINDOW as u64 * 1000 / u64::from(VAD_RATE);
        Ok(probabilities
            .into_iter()
            .enumerate()
            .filter(|(w, _)| (*w as u64 + 1) * window_ms > judged_from_ms)
            .map(|(_, p)| p)
            .collect())
    }

    /// Runs the model on the `count` windows in `self.windows`, from a cold state.
    fn run(&mut self, count: usize) -> Result<Vec<f32>, AnalysisError> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let state = [0.0f32; STATE];
        let inputs: [(&str, &[usize], &[f32]); 3] = [
            ("input", &[count, CONTEXT + WINDOW], &self.windows),
            ("h", &[1, 1, STATE], &state),
            ("c", &[1, 1, STATE], &state),
        ];
        Ok(self.model.run_f32(&inputs, "speech_probs")?)
    }

    /// Resamples `self.mono` to 16 kHz into `self.resampled`, unless it is at 16 kHz already.
    fn resample(&mut self) -> Result<(), AnalysisError> {
        let Some(resampler) = &mut self.resampler else { return Ok(()) };
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
        Ok(())
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
