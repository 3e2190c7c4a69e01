//! Stretches of stored audio as 16 kHz mono `f32`, the input both neural models take (Silero's
//! voice detector and Whisper), in buffers that are wiped when they grow and when dropped.

use audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};
use zeroize::Zeroizing;

use super::pcm::{self, PcmError, PcmSource};

/// The rate the models take.
pub(crate) const MODEL_RATE: u32 = 16_000;

/// Reads stretches of a source at `rate` as 16 kHz mono, resampling when it is not at 16 kHz.
pub(crate) struct Mono16k {
    resampler: Option<Fft<f32>>,
    // Decrypted audio: wiped when it grows and when the reader is dropped.
    bytes: Zeroizing<Vec<u8>>,
    mono: Zeroizing<Vec<f32>>,
    resampled: Zeroizing<Vec<f32>>,
}

impl Mono16k {
    /// A reader for audio at `rate` frames per second, with a short resampling filter: what
    /// the voice detector was tuned with (its cut-off is near 7 kHz, which it does not hear).
    pub(crate) fn new(rate: u32) -> Result<Self, PcmError> {
        let chunk = usize::try_from(rate / 50).unwrap_or(960).max(1);
        Self::with_filter(rate, chunk, (chunk / 256).max(1))
    }

    /// A reader with a long resampling filter, whose cut-off is near 8 kHz: speech recognition
    /// hears up to 8 kHz, and Whisper misheard words ("night" as "eye") with the short filter.
    pub(crate) fn wide(rate: u32) -> Result<Self, PcmError> {
        Self::with_filter(rate, 8_192, 1)
    }

    fn with_filter(rate: u32, chunk: usize, sub_chunks: usize) -> Result<Self, PcmError> {
        let resampler = if rate == MODEL_RATE {
            None
        } else {
            Some(
                Fft::<f32>::new_custom(
                    rate as usize,
                    MODEL_RATE as usize,
                    chunk,
                    sub_chunks,
                    1,
                    WindowFunction::BlackmanHarris2,
                    FixedSync::Input,
                )
                .map_err(|e| PcmError::Resampler(e.to_string()))?,
            )
        };
        Ok(Self {
            resampler,
            bytes: Zeroizing::new(Vec::new()),
            mono: Zeroizing::new(Vec::new()),
            resampled: Zeroizing::new(Vec::new()),
        })
    }

    /// Frames `from..to` of `source` (at the source's rate) as 16 kHz mono; valid until the
    /// next call. Ends early where the source does.
    pub(crate) fn read(&mut self, source: &mut dyn PcmSource, from: u64, to: u64) -> Result<&[f32], PcmError> {
        self.read_mono(source, from, to)?;
        self.resample()?;
        Ok(if self.resampler.is_some() { &self.resampled } else { &self.mono })
    }

    /// Appends `span` of `source` (clipped to its end) as 16 kHz mono to `out`.
    pub(crate) fn append_span(
        &mut self,
        source: &mut dyn PcmSource,
        span: crate::model::Span,
        out: &mut Zeroizing<Vec<f32>>,
    ) -> Result<(), PcmError> {
        let rate = source.spec().sample_rate;
        let (from, to) = (span.start.frame_floor(rate), span.end.frame_floor(rate).min(source.frames()));
        let got = self.read(source, from, to)?;
        pcm::reserve_wiped(out, got.len());
        out.extend_from_slice(got);
        Ok(())
    }

    /// Resamples `self.mono` to 16 kHz into `self.resampled`, unless it is at 16 kHz already.
    fn resample(&mut self) -> Result<(), PcmError> {
        let Some(resampler) = &mut self.resampler else { return Ok(()) };
        resampler.reset();
        let need = resampler.process_all_needed_output_len(self.mono.len());
        self.resampled.clear();
        pcm::reserve_wiped(&mut self.resampled, need);
        self.resampled.resize(need, 0.0);
        let refused = |e: &dyn std::fmt::Display| PcmError::Resampler(e.to_string());
        let input = SequentialSlice::new(&self.mono, 1, self.mono.len()).map_err(|e| refused(&e))?;
        let mut output = SequentialSlice::new_mut(&mut self.resampled, 1, need).map_err(|e| refused(&e))?;
        let (_, produced) =
            resampler.process_all_into_buffer(&input, &mut output, self.mono.len(), None).map_err(|e| refused(&e))?;
        self.resampled.truncate(produced);
        Ok(())
    }

    fn read_mono(&mut self, source: &mut dyn PcmSource, from: u64, to: u64) -> Result<(), PcmError> {
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
