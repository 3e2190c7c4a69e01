//! Reading PCM: [`PcmSource`] for random access to stored audio (the encrypted store, or
//! memory in tests), and raw PCM bytes of any stored layout to mono `f32` in [-1, 1].

use zeroize::{Zeroize, Zeroizing};

use super::store::{AudioStoreError, EncryptedAudioReader};
use super::wav::{AudioSpec, SampleFormat};

/// Why PCM could not be read or converted.
#[derive(Debug, thiserror::Error)]
pub enum PcmError {
    /// The audio could not be read or decrypted.
    #[error(transparent)]
    Store(#[from] AudioStoreError),
    /// The resampler or time-stretcher refused the audio's rate.
    #[error(
        "cannot resample the audio at this rate: {0}. Convert it with ffmpeg (e.g. `ffmpeg -i IN -ar 48000 OUT.wav`) and import it again"
    )]
    Resampler(String),
}

/// Random-access PCM: the encrypted store, or memory in tests.
pub trait PcmSource {
    /// The sample layout.
    fn spec(&self) -> AudioSpec;
    /// Total frames.
    fn frames(&self) -> u64;
    /// Moves to `frame`.
    fn seek_frame(&mut self, frame: u64) -> Result<(), PcmError>;
    /// Fills `buf` with whole frames; returns frames read, 0 at the end.
    fn read_pcm(&mut self, buf: &mut [u8]) -> Result<usize, PcmError>;
}

impl PcmSource for EncryptedAudioReader {
    fn spec(&self) -> AudioSpec {
        EncryptedAudioReader::spec(self)
    }
    fn frames(&self) -> u64 {
        EncryptedAudioReader::frames(self)
    }
    fn seek_frame(&mut self, frame: u64) -> Result<(), PcmError> {
        Ok(EncryptedAudioReader::seek_frame(self, frame)?)
    }
    fn read_pcm(&mut self, buf: &mut [u8]) -> Result<usize, PcmError> {
        Ok(EncryptedAudioReader::read_pcm(self, buf)?)
    }
}

/// Makes room for `additional` more values without leaving decrypted audio behind: a growing
/// `Vec` frees its old buffer unwiped, so this grows by hand and the old buffer is wiped.
pub(crate) fn reserve_wiped<T: Zeroize + Copy>(buf: &mut Zeroizing<Vec<T>>, additional: usize) {
    let need = buf.len() + additional;
    if buf.capacity() >= need {
        return;
    }
    let mut grown = Zeroizing::new(Vec::with_capacity(need.max(buf.capacity() * 2)));
    grown.extend_from_slice(buf);
    std::mem::swap(buf, &mut grown);
}

/// [`append_mono`] into a buffer that is wiped when it grows or is dropped.
pub(crate) fn append_mono_wiped(spec: AudioSpec, pcm: &[u8], out: &mut Zeroizing<Vec<f32>>) {
    let frame_bytes = usize::from(spec.channels.max(1)) * usize::from(spec.bits_per_sample / 8).max(1);
    reserve_wiped(out, pcm.len() / frame_bytes);
    append_mono(spec, pcm, out);
}

/// Appends the mono mix of whole frames in `pcm` to `out`; a trailing partial frame is ignored.
pub(crate) fn append_mono(spec: AudioSpec, pcm: &[u8], out: &mut Vec<f32>) {
    let channels = usize::from(spec.channels.max(1));
    let width = usize::from(spec.bits_per_sample / 8).max(1);
    let frame_bytes = channels * width;
    let frames = pcm.len() / frame_bytes;
    out.reserve(frames);
    let gain = 1.0 / channels as f32;
    // The common case, 16-bit mono, gets its own loop so the compiler can vectorise it.
    if spec.sample_format == SampleFormat::Int && width == 2 && channels == 1 {
        out.extend(pcm[..frames * 2].chunks_exact(2).map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0));
        return;
    }
    for frame in pcm[..frames * frame_bytes].chunks_exact(frame_bytes) {
        let sum: f32 = frame.chunks_exact(width).map(|b| sample(spec.sample_format, b)).sum();
        out.push(sum * gain);
    }
}

fn sample(format: SampleFormat, b: &[u8]) -> f32 {
    match (format, b.len()) {
        (SampleFormat::Int, 1) => (f32::from(b[0]) - 128.0) / 128.0,
        (SampleFormat::Int, 2) => f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0,
        (SampleFormat::Int, 3) => (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0,
        (SampleFormat::Int, 4) => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0,
        (SampleFormat::Float, 4) => {
            let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            // NaN or infinities from a broken float file count as silence, not poison.
            if v.is_finite() { v.clamp(-1.0, 1.0) } else { 0.0 }
        }
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::audio::wav::test_spec as spec;

    #[test]
    fn decodes_every_layout_to_the_same_mono_values() {
        let mut out = Vec::new();
        append_mono(spec(16, 1, SampleFormat::Int), &[0x00, 0x40, 0x00, 0xC0, 0x01], &mut out);
        assert_eq!(out, [0.5, -0.5]);
        out.clear();
        append_mono(spec(16, 2, SampleFormat::Int), &[0x00, 0x40, 0x00, 0x00], &mut out);
        assert_eq!(out, [0.25]);
        out.clear();
        append_mono(spec(24, 1, SampleFormat::Int), &[0x00, 0x00, 0xC0], &mut out);
        assert_eq!(out, [-0.5]);
        out.clear();
        append_mono(spec(8, 1, SampleFormat::Int), &[192, 64], &mut out);
        assert_eq!(out, [0.5, -0.5]);
        out.clear();
        append_mono(spec(32, 1, SampleFormat::Int), &i32::MIN.to_le_bytes(), &mut out);
        assert_eq!(out, [-1.0]);
        out.clear();
        let mut floats = 0.25f32.to_le_bytes().to_vec();
        floats.extend(f32::NAN.to_le_bytes());
        append_mono(spec(32, 1, SampleFormat::Float), &floats, &mut out);
        assert_eq!(out, [0.25, 0.0]);
    }

    #[test]
    fn wiped_buffers_grow_keeping_their_contents() {
        let mut buf = Zeroizing::new(Vec::with_capacity(1));
        append_mono_wiped(spec(16, 1, SampleFormat::Int), &[0x00, 0x40], &mut buf);
        append_mono_wiped(spec(16, 1, SampleFormat::Int), &[0x00, 0xC0, 0x00, 0x40, 0x00, 0x00], &mut buf);
        assert_eq!(*buf, vec![0.5, -0.5, 0.5, 0.0]);
        assert!(buf.capacity() >= 4);
    }
}
