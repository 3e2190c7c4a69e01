//! The neural check: Silero VAD, at 16 kHz via rubato, on chosen stretches only.
//!
//! Silero VAD (MIT licence, `silero/LICENSE`; the sequence model from the `silero-vad` 6.2.3
//! wheel on PyPI, built into the binary) is the strongest open voice detector, and the dearest
//! stage here: about 65 µs per 32 ms window on one core, against 1 ns per sample for the
//! energy pass. So it listens only where the energy pass cannot tell: short bursts of sound
//! alone between silences, which may be a click, a knock or a cough rather than a word, and
//! short silences, which may be the soft middle of a sentence sunk under the noise.

use std::ops::Range;

use zeroize::Zeroizing;

use super::AnalysisError;
use super::energy::FRAME_MS;
use crate::audio::mono16k::{MODEL_RATE as VAD_RATE, Mono16k};
use crate::audio::pcm::{self, PcmSource};
use crate::onnx::Model;

/// The model: Silero VAD's sequence form, which takes many windows in one call.
const SILERO: &[u8] = include_bytes!("silero/silero_vad_16k_sequence.onnx");
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
    reader: Mono16k,
    // Decrypted audio, wiped when it grows and when the checker is dropped.
    windows: Zeroizing<Vec<f32>>,
    /// 10 ms frames the detector has judged, warm-up included.
    pub(crate) judged_frames: u64,
}

impl VoiceCheck {
    /// A checker for audio at `rate` frames per second; loads the model.
    pub(crate) fn new(rate: u32) -> Result<Self, AnalysisError> {
        Ok(Self {
            rate,
            model: Model::from_bytes("Silero VAD (built in)", SILERO)?,
            reader: Mono16k::new(rate)?,
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
        let at_16k = self.reader.read(source, from, to)?;
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
}
