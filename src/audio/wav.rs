//! The WAV container inside every encrypted audio file: header writing and parsing.
//!
//! Inside the age stream a recording is a *streaming* WAV: RIFF and data sizes are
//! `0xFFFFFFFF`, as live recorders write them, because the length is unknown while recording
//! and an age stream cannot be rewritten. ffmpeg and sox read such a file to its end. The true
//! length comes from the authenticated stream itself, and `verbatim decrypt` writes exact sizes.

use std::io::Read;

use crate::model::Ms;

/// Size field value meaning "unknown, read to the end".
pub(crate) const STREAMING_SIZE: u32 = 0xFFFF_FFFF;
const FORMAT_PCM: u16 = 1;
const FORMAT_FLOAT: u16 = 3;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;
/// KSDATAFORMAT_SUBTYPE_PCM and _IEEE_FLOAT share this tail after their first two bytes.
const GUID_TAIL: [u8; 14] = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

/// How samples are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SampleFormat {
    /// Signed integers (unsigned for 8 bit, as WAV defines).
    Int,
    /// IEEE floating point.
    Float,
}

/// The shape of the PCM data: rate, channels and sample encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AudioSpec {
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels per frame.
    pub channels: u16,
    /// Bits per sample: 8, 16, 24 or 32 for integers, 32 for floats.
    pub bits_per_sample: u16,
    /// Integer or float samples.
    pub sample_format: SampleFormat,
}

/// A WAV header that cannot be written or understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WavError {
    /// Not a RIFF/WAVE file at all.
    #[error("not a WAV file (no RIFF/WAVE signature)")]
    NotWav,
    /// The file ended before the header did.
    #[error("the WAV header is cut off at byte {0}")]
    Truncated(u64),
    /// Structurally broken chunk layout.
    #[error("malformed WAV header at byte {offset}: {reason}")]
    Malformed {
        /// Byte offset of the problem.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// A valid WAV in an encoding we do not store.
    #[error("unsupported WAV encoding: {0}. Convert it first, e.g. `sox in.wav -b 16 out.wav`")]
    Unsupported(String),
    /// A compressed encoding (ADPCM, µ-law, …) that must be decoded, not copied.
    #[error("compressed WAV ({0})")]
    Compressed(String),
    /// The data exceeds what a plain WAV header can express.
    #[error(
        "{0} bytes of audio exceed the 4 GiB a WAV header can describe; read it instead as a streaming WAV with `verbatim key export` and `age -d`, which ffmpeg and sox accept"
    )]
    TooLong(u64),
}

/// What `parse_header` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedHeader {
    /// The sample layout.
    pub(crate) spec: AudioSpec,
    /// Offset of the first PCM byte.
    pub data_offset: u64,
    /// Declared data length; `None` for a streaming header (0 or `0xFFFFFFFF`).
    pub data_len: Option<u64>,
}

impl AudioSpec {
    /// Bytes one sample occupies.
    pub(crate) fn bytes_per_sample(&self) -> u16 {
        self.bits_per_sample / 8
    }

    /// Bytes one frame (all channels) occupies.
    pub(crate) fn block_align(&self) -> u16 {
        // Saturating: a layout read from session metadata has not been through `validate`.
        self.bytes_per_sample().saturating_mul(self.channels)
    }

    /// Checks that verbatim, hound, ffmpeg and sox all handle this layout.
    pub fn validate(&self) -> Result<(), WavError> {
        let ok_bits = match self.sample_format {
            SampleFormat::Int => matches!(self.bits_per_sample, 8 | 16 | 24 | 32),
            SampleFormat::Float => self.bits_per_sample == 32,
        };
        if !ok_bits {
            return Err(WavError::Unsupported(format!(
                "{:?} {}-bit samples",
                self.sample_format, self.bits_per_sample
            )));
        }
        if self.channels == 0 || self.channels > 32 {
            return Err(WavError::Unsupported(format!("{} channels", self.channels)));
        }
        if self.sample_rate == 0 || self.sample_rate > 768_000 {
            return Err(WavError::Unsupported(format!("sample rate {} Hz", self.sample_rate)));
        }
        Ok(())
    }

    /// How long `frames` frames last (saturating: a frame count read from session metadata may
    /// be any u64).
    pub fn frames_to_ms(&self, frames: u64) -> Ms {
        Ms::of_frames(frames, self.sample_rate)
    }

    /// Whole frames contained in `bytes` of PCM.
    pub fn frames_in(&self, bytes: u64) -> u64 {
        bytes / u64::from(self.block_align().max(1))
    }

    fn uses_extensible(&self) -> bool {
        // Same rule as hound and Microsoft: the old header only for <=16-bit, <=2 channels.
        self.channels > 2 || self.bits_per_sample > 16
    }
}

/// Builds a WAV header; `data_len: None` writes a streaming header.
pub fn header_bytes(spec: &AudioSpec, data_len: Option<u64>) -> Result<Vec<u8>, WavError> {
    spec.validate()?;
    let fmt_len: u32 = if spec.uses_extensible() { 40 } else { 16 };
    let (riff_size, data_size) = match data_len {
        None => (STREAMING_SIZE, STREAMING_SIZE),
        Some(len) => {
            let pad = len % 2;
            let riff = 4 + 8 + u64::from(fmt_len) + 8 + len + pad;
            let riff = u32::try_from(riff).map_err(|_| WavError::TooLong(len))?;
            (riff, u32::try_from(len).map_err(|_| WavError::TooLong(len))?)
        }
    };
    let mut h = Vec::with_capacity(68);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&riff_size.to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&fmt_len.to_le_bytes());
    let tag = match (spec.uses_extensible(), spec.sample_format) {
        (true, _) => FORMAT_EXTENSIBLE,
        (false, SampleFormat::Int) => FORMAT_PCM,
        (false, SampleFormat::Float) => FORMAT_FLOAT,
    };
    h.extend_from_slice(&tag.to_le_bytes());
    h.extend_from_slice(&spec.channels.to_le_bytes());
    h.extend_from_slice(&spec.sample_rate.to_le_bytes());
    let byte_rate = spec.sample_rate * u32::from(spec.block_align());
    h.extend_from_slice(&byte_rate.to_le_bytes());
    h.extend_from_slice(&spec.block_align().to_le_bytes());
    h.extend_from_slice(&spec.bits_per_sample.to_le_bytes());
    if spec.uses_extensible() {
        h.extend_from_slice(&22u16.to_le_bytes());
        h.extend_from_slice(&spec.bits_per_sample.to_le_bytes());
        h.extend_from_slice(&default_channel_mask(spec.channels).to_le_bytes());
        let sub: u16 = match spec.sample_format {
            SampleFormat::Int => FORMAT_PCM,
            SampleFormat::Float => FORMAT_FLOAT,
        };
        h.extend_from_slice(&sub.to_le_bytes());
        h.extend_from_slice(&GUID_TAIL);
    }
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_size.to_le_bytes());
    Ok(h)
}

fn default_channel_mask(channels: u16) -> u32 {
    // The first `channels` speaker positions, as hound and ffmpeg assume by default.
    if channels >= 32 { u32::MAX } else { (1u32 << channels) - 1 }
}

/// Reads a WAV header up to the start of the PCM data, skipping unknown chunks.
pub fn parse_header<R: Read>(reader: &mut R) -> Result<ParsedHeader, WavError> {
    let mut pos = 0u64;
    let mut read = |buf: &mut [u8], pos: &mut u64| -> Result<(), WavError> {
        reader.read_exact(buf).map_err(|_| WavError::Truncated(*pos))?;
        *pos += buf.len() as u64;
        Ok(())
    };
    let mut riff = [0u8; 12];
    read(&mut riff, &mut pos)?;
    if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
        return Err(WavError::NotWav);
    }
    let mut spec = None;
    loop {
        let mut chunk = [0u8; 8];
        read(&mut chunk, &mut pos)?;
        let size = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        match &chunk[0..4] {
            b"fmt " => {
                if !(16..=1024).contains(&size) {
                    return Err(WavError::Malformed { offset: pos - 4, reason: format!("fmt chunk of {size} bytes") });
                }
                let mut fmt = vec![0u8; size as usize + (size as usize % 2)];
                read(&mut fmt, &mut pos)?;
                spec = Some(parse_fmt(&fmt, pos - u64::from(size))?);
            }
            b"data" => {
                let spec =
                    spec.ok_or(WavError::Malformed { offset: pos - 8, reason: "data chunk before fmt chunk".into() })?;
                let data_len = (size != 0 && size != STREAMING_SIZE).then_some(u64::from(size));
                return Ok(ParsedHeader { spec, data_offset: pos, data_len });
            }
            _ => {
                // LIST, fact, bext, JUNK…: metadata we neither need nor keep.
                let mut remaining = u64::from(size) + u64::from(size % 2);
                let mut sink = [0u8; 512];
                while remaining > 0 {
                    let n = remaining.min(sink.len() as u64) as usize;
                    read(&mut sink[..n], &mut pos)?;
                    remaining -= n as u64;
                }
            }
        }
    }
}

fn parse_fmt(fmt: &[u8], offset: u64) -> Result<AudioSpec, WavError> {
    let u16_at = |i: usize| u16::from_le_bytes([fmt[i], fmt[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([fmt[i], fmt[i + 1], fmt[i + 2], fmt[i + 3]]);
    let mut tag = u16_at(0);
    if tag == FORMAT_EXTENSIBLE {
        if fmt.len() < 40 {
            return Err(WavError::Malformed { offset, reason: "extensible fmt chunk shorter than 40 bytes".into() });
        }
        if fmt[26..40] != GUID_TAIL {
            return Err(WavError::Compressed("a non-PCM extensible sub-format".into()));
        }
        tag = u16_at(24);
    }
    let sample_format = match tag {
        FORMAT_PCM => SampleFormat::Int,
        FORMAT_FLOAT => SampleFormat::Float,
        other => return Err(WavError::Compressed(format!("format tag 0x{other:04X}"))),
    };
    let spec = AudioSpec { sample_rate: u32_at(4), channels: u16_at(2), bits_per_sample: u16_at(14), sample_format };
    spec.validate()?;
    if u16_at(12) != spec.block_align() {
        return Err(WavError::Malformed {
            offset: offset + 12,
            reason: format!(
                "block align {} does not match {} channels of {} bits",
                u16_at(12),
                spec.channels,
                spec.bits_per_sample
            ),
        });
    }
    Ok(spec)
}

/// A 48 kHz layout, for tests of what reads and writes PCM.
#[cfg(test)]
pub(crate) fn test_spec(bits: u16, channels: u16, format: SampleFormat) -> AudioSpec {
    AudioSpec { sample_rate: 48_000, channels, bits_per_sample: bits, sample_format: format }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    use test_spec as spec;

    #[test]
    fn headers_round_trip_for_every_supported_layout() {
        for (bits, format) in [
            (8, SampleFormat::Int),
            (16, SampleFormat::Int),
            (24, SampleFormat::Int),
            (32, SampleFormat::Int),
            (32, SampleFormat::Float),
        ] {
            for channels in [1, 2, 6] {
                let s = spec(bits, channels, format);
                for len in [None, Some(0), Some(12_345 * u64::from(s.block_align()))] {
                    let h = header_bytes(&s, len).unwrap();
                    let parsed = parse_header(&mut Cursor::new(&h)).unwrap();
                    assert_eq!(parsed.spec, s);
                    assert_eq!(parsed.data_offset, h.len() as u64);
                    assert_eq!(parsed.data_len, len.filter(|l| *l != 0));
                }
            }
        }
    }

    #[test]
    fn sized_header_is_read_by_hound_with_the_same_samples() {
        let s = spec(24, 2, SampleFormat::Int);
        let samples: Vec<i32> = vec![-8_388_608, 8_388_607, 1, -1, 0, 4242];
        let mut pcm = Vec::new();
        for v in &samples {
            pcm.extend_from_slice(&v.to_le_bytes()[..3]);
        }
        let mut file = header_bytes(&s, Some(pcm.len() as u64)).unwrap();
        file.extend_from_slice(&pcm);
        let mut reader = hound::WavReader::new(Cursor::new(file)).unwrap();
        assert_eq!(reader.spec().bits_per_sample, 24);
        let back: Vec<i32> = reader.samples::<i32>().map(|s| s.unwrap()).collect();
        assert_eq!(back, samples);
    }

    #[test]
    fn any_frame_count_converts_to_ms() {
        // Found by `cargo fuzz run session_files`: session metadata with u64::MAX frames made
        // the conversion to ms multiply with overflow.
        let s = spec(16, 1, SampleFormat::Int);
        assert_eq!(s.frames_to_ms(48_000 * 60), Ms(60_000));
        assert_eq!(s.frames_to_ms(47), Ms(0));
        assert_eq!(s.frames_to_ms(u64::MAX), Ms(u64::MAX / 48));
        let slow = AudioSpec { sample_rate: 1, ..s };
        assert_eq!(slow.frames_to_ms(u64::MAX), Ms(u64::MAX));
        // And the same metadata with 65535 channels of 65535 bits overflowed the frame size.
        let wide = AudioSpec { channels: u16::MAX, bits_per_sample: u16::MAX, ..s };
        assert!(wide.validate().is_err());
        assert_eq!(wide.block_align(), u16::MAX);
        assert_eq!(wide.frames_in(u64::from(u16::MAX) * 3), 3);
    }

    #[test]
    fn streaming_header_has_all_ones_sizes() {
        let h = header_bytes(&spec(16, 1, SampleFormat::Int), None).unwrap();
        assert_eq!(h.len(), 44);
        assert_eq!(&h[4..8], &[0xFF; 4]);
        assert_eq!(&h[40..44], &[0xFF; 4]);
    }

    #[test]
    fn odd_data_length_is_padded_in_riff_size() {
        let h = header_bytes(&spec(8, 1, SampleFormat::Int), Some(3)).unwrap();
        assert_eq!(u32::from_le_bytes([h[4], h[5], h[6], h[7]]), 36 + 3 + 1);
    }

    #[test]
    fn rejects_what_we_cannot_store() {
        assert_eq!(parse_header(&mut Cursor::new(b"OggS....")), Err(WavError::Truncated(0)));
        assert_eq!(parse_header(&mut Cursor::new(b"ID3\x03xxxxxxxxxxxxx")), Err(WavError::NotWav));
        let mut adpcm = header_bytes(&spec(16, 1, SampleFormat::Int), None).unwrap();
        adpcm[20] = 2; // MS ADPCM
        assert!(matches!(parse_header(&mut Cursor::new(&adpcm)), Err(WavError::Compressed(_))));
        let mut no_rate = header_bytes(&spec(16, 1, SampleFormat::Int), None).unwrap();
        no_rate[24..28].copy_from_slice(&0u32.to_le_bytes());
        assert!(matches!(parse_header(&mut Cursor::new(&no_rate)), Err(WavError::Unsupported(_))));
        let mut cut = header_bytes(&spec(16, 1, SampleFormat::Int), None).unwrap();
        cut.truncate(30);
        assert_eq!(parse_header(&mut Cursor::new(&cut)), Err(WavError::Truncated(20)));
        assert!(header_bytes(&spec(16, 1, SampleFormat::Int), Some(u64::from(u32::MAX))).is_err());
    }

    #[test]
    fn skips_metadata_chunks_before_data() {
        let s = spec(16, 1, SampleFormat::Int);
        let h = header_bytes(&s, Some(4)).unwrap();
        let mut with_list = h[..36].to_vec();
        with_list.extend_from_slice(b"LIST\x03\x00\x00\x00abc\x00"); // odd size, padded
        with_list.extend_from_slice(&h[36..]);
        with_list.extend_from_slice(&[1, 0, 2, 0]);
        let parsed = parse_header(&mut Cursor::new(&with_list)).unwrap();
        assert_eq!(parsed.data_offset, 56);
        assert_eq!(parsed.data_len, Some(4));
    }
}
