//! Reading existing recordings for `verbatim import`: WAV is copied byte for byte; FLAC, MP3,
//! M4A/AAC and OGG Vorbis are decoded with symphonia (pure Rust). Nothing is resampled.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, Decoder, DecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::store::{AudioStoreError, EncryptedAudioWriter};
use super::wav::{self, AudioSpec, SampleFormat, WavError};

const COPY_BLOCK: usize = 64 * 1024;

/// Why a file cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The source file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not audio in any format we read.
    #[error("{}: not an audio file verbatim can read ({reason}). Supported: WAV, FLAC, MP3, M4A/AAC, OGG Vorbis. Convert others with `ffmpeg -i IN OUT.wav`.", path.display())]
    NotAudio {
        /// The source file.
        path: PathBuf,
        /// What the probe said.
        reason: String,
    },
    /// A WAV we recognise but cannot store as it is.
    #[error("{}: {source}", path.display())]
    Wav {
        /// The source file.
        path: PathBuf,
        /// The header problem.
        source: WavError,
    },
    /// The decoder failed part way.
    #[error("{}: decoding failed at {at_ms} ms ({reason}); the file is damaged. Nothing was imported.", path.display())]
    Decode {
        /// The source file.
        path: PathBuf,
        /// Position of the failure.
        at_ms: u64,
        /// The decoder's words.
        reason: String,
    },
    /// Writing the encrypted copy failed.
    #[error(transparent)]
    Store(#[from] AudioStoreError),
}

/// What an import copied, and anything odd it saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Frames stored.
    pub frames: u64,
    /// Bytes of a trailing partial frame that were dropped.
    pub dropped_tail_bytes: u64,
    /// Packets the decoder had to skip as damaged.
    pub skipped_packets: u64,
    /// For WAV: the data length the header declared, if it differed from what was there.
    pub declared_bytes_mismatch: Option<(u64, u64)>,
}

/// An opened source, probed and ready to copy.
pub struct ImportSource {
    path: PathBuf,
    spec: AudioSpec,
    codec: String,
    kind: SourceKind,
}

enum SourceKind {
    Wav { reader: BufReader<File>, declared: Option<u64> },
    Decoded { format: Box<dyn FormatReader>, decoder: Box<dyn Decoder>, track_id: u32, shift: u32 },
}

impl ImportSource {
    /// Opens and probes `path`; fails before anything is written if it is not usable audio.
    pub fn open(path: &Path) -> Result<Self, ImportError> {
        let io = |source| ImportError::Io { path: path.into(), source };
        let mut reader = BufReader::new(File::open(path).map_err(io)?);
        let mut magic = [0u8; 12];
        let is_riff = reader.read_exact(&mut magic).is_ok() && &magic[0..4] == b"RIFF" && &magic[8..12] == b"WAVE";
        if is_riff {
            let mut reader = BufReader::new(File::open(path).map_err(io)?);
            match wav::parse_header(&mut reader) {
                Ok(header) => {
                    return Ok(Self {
                        path: path.into(),
                        spec: header.spec,
                        codec: format!("wav/{}-bit {:?}", header.spec.bits_per_sample, header.spec.sample_format)
                            .to_lowercase(),
                        kind: SourceKind::Wav { reader, declared: header.data_len },
                    });
                }
                // ADPCM, µ-law and friends: let symphonia decode them below. Anything else
                // (a zero sample rate, say) is an error here: symphonia may panic on it.
                Err(WavError::Compressed(_)) => {}
                Err(source) => return Err(ImportError::Wav { path: path.into(), source }),
            }
        }
        guarded(path, || Self::open_decoded(path))
    }

    fn open_decoded(path: &Path) -> Result<Self, ImportError> {
        Self::open_decoded_with(path, None)
    }

    fn open_decoded_with(path: &Path, known_channels: Option<usize>) -> Result<Self, ImportError> {
        let not_audio = |reason: String| ImportError::NotAudio { path: path.into(), reason };
        let file = File::open(path).map_err(|source| ImportError::Io { path: path.into(), source })?;
        let stream = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        // Gapless trims encoder delay and padding, so durations match the original recording.
        let options = FormatOptions { enable_gapless: true, ..Default::default() };
        let probed = symphonia::default::get_probe()
            .format(&hint, stream, &options, &MetadataOptions::default())
            .map_err(|e| not_audio(e.to_string()))?;
        let mut format = probed.format;
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL && t.codec_params.sample_rate.is_some())
            .ok_or_else(|| not_audio("no audio track".into()))?;
        let params = track.codec_params.clone();
        let track_id = track.id;
        let decoder = symphonia::default::get_codecs()
            .make(&params, &DecoderOptions::default())
            .map_err(|e| not_audio(e.to_string()))?;
        let codec = symphonia::default::get_codecs()
            .get_codec(params.codec)
            .map(|d| d.short_name.to_string())
            .unwrap_or_else(|| "unknown".into());
        let channels = match params.channels.map(|c| c.count()).or(known_channels) {
            Some(n) => n,
            None => {
                // AAC in MP4 often states its channels only in the first decoded frame: decode
                // one, then start over from a fresh probe so no audio is skipped.
                let mut decoder = decoder;
                let n = first_decoded_channels(&mut format, &mut decoder, track_id)
                    .ok_or_else(|| not_audio("unknown channel count".into()))?;
                return Self::open_decoded_with(path, Some(n));
            }
        };
        let lossy = matches!(codec.as_str(), "mp3" | "aac" | "vorbis" | "mp1" | "mp2");
        let (sample_format, bits, shift) = match params.bits_per_sample {
            Some(bits) if !lossy => {
                let container = bits.div_ceil(8).clamp(1, 4) * 8;
                (SampleFormat::Int, container as u16, 32 - container)
            }
            // Lossy codecs decode to floats; storing f32 keeps exactly what the decoder produced.
            _ => (SampleFormat::Float, 32, 0),
        };
        let spec = AudioSpec {
            sample_rate: params.sample_rate.unwrap_or(0),
            channels: u16::try_from(channels).unwrap_or(u16::MAX),
            bits_per_sample: bits,
            sample_format,
        };
        spec.validate().map_err(|source| ImportError::Wav { path: path.into(), source })?;
        Ok(Self { path: path.into(), spec, codec, kind: SourceKind::Decoded { format, decoder, track_id, shift } })
    }

    /// The layout that will be stored.
    pub fn spec(&self) -> AudioSpec {
        self.spec
    }

    /// A short description of the source encoding.
    pub fn codec(&self) -> &str {
        &self.codec
    }

    /// Copies (WAV) or decodes (others) all audio into `writer`.
    pub fn copy_into(self, writer: &mut EncryptedAudioWriter) -> Result<ImportReport, ImportError> {
        let Self { path, spec, kind, .. } = self;
        match kind {
            SourceKind::Wav { reader, declared } => copy_wav(&path, spec, reader, declared, writer),
            SourceKind::Decoded { format, decoder, track_id, shift } => {
                guarded(&path, || decode_all(&path, spec, format, decoder, track_id, shift, writer))
            }
        }
    }
}

/// Runs third-party decoding so that a panic on a crafted file becomes an error, not a crash.
fn guarded<T>(path: &Path, work: impl FnOnce() -> Result<T, ImportError>) -> Result<T, ImportError> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    std::panic::set_hook(previous);
    result.unwrap_or_else(|_| {
        Err(ImportError::NotAudio {
            path: path.into(),
            reason: "the decoder gave up on this file; it is probably damaged".into(),
        })
    })
}

fn first_decoded_channels(
    format: &mut Box<dyn FormatReader>,
    decoder: &mut Box<dyn Decoder>,
    track_id: u32,
) -> Option<usize> {
    for _ in 0..64 {
        let packet = format.next_packet().ok()?;
        if packet.track_id() == track_id
            && let Ok(decoded) = decoder.decode(&packet)
        {
            return Some(decoded.spec().channels.count());
        }
    }
    None
}

fn copy_wav(
    path: &Path,
    spec: AudioSpec,
    reader: BufReader<File>,
    declared: Option<u64>,
    writer: &mut EncryptedAudioWriter,
) -> Result<ImportReport, ImportError> {
    let align = usize::from(spec.block_align());
    let mut limited = reader.take(declared.unwrap_or(u64::MAX));
    let mut buf = vec![0u8; COPY_BLOCK / align * align];
    let mut pending = 0usize;
    let mut total = 0u64;
    loop {
        let n = limited.read(&mut buf[pending..]).map_err(|source| ImportError::Io { path: path.into(), source })?;
        if n == 0 {
            break;
        }
        pending += n;
        total += n as u64;
        let whole = pending / align * align;
        writer.write_pcm(&buf[..whole])?;
        buf.copy_within(whole..pending, 0);
        pending -= whole;
    }
    Ok(ImportReport {
        frames: writer.frames(),
        dropped_tail_bytes: pending as u64,
        skipped_packets: 0,
        declared_bytes_mismatch: declared.filter(|d| *d != total).map(|d| (d, total)),
    })
}

fn decode_all(
    path: &Path,
    spec: AudioSpec,
    mut format: Box<dyn FormatReader>,
    mut decoder: Box<dyn Decoder>,
    track_id: u32,
    shift: u32,
    writer: &mut EncryptedAudioWriter,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let mut bytes = Vec::with_capacity(COPY_BLOCK);
    let frames_per_tick =
        decoder.codec_params().time_base.filter(|tb| tb.numer == 1 && tb.denom == spec.sample_rate).map(|_| 1u64);
    // A crafted packet length must not become a huge allocation: at most 10 s per packet.
    let max_gap = u64::from(spec.sample_rate) * 10;
    let mut ints: Option<SampleBuffer<i32>> = None;
    let mut floats: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(packet) => packet,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymError::ResetRequired) => {
                return Err(ImportError::Decode {
                    path: path.into(),
                    at_ms: spec.frames_to_ms(writer.frames()),
                    reason: "the stream changes format part way (e.g. chained Ogg); split it with ffmpeg first".into(),
                });
            }
            Err(e) => {
                return Err(ImportError::Decode {
                    path: path.into(),
                    at_ms: spec.frames_to_ms(writer.frames()),
                    reason: e.to_string(),
                });
            }
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(decoded) => decoded,
            // A damaged frame: players skip it, and so do we, but we count it and keep its
            // length as silence so that everything after it keeps its time.
            Err(SymError::DecodeError(_)) => {
                report.skipped_packets += 1;
                if frames_per_tick == Some(1) {
                    let silence = vec![0u8; packet.dur.min(max_gap) as usize * usize::from(spec.block_align())];
                    writer.write_pcm(&silence)?;
                }
                continue;
            }
            Err(e) => {
                return Err(ImportError::Decode {
                    path: path.into(),
                    at_ms: spec.frames_to_ms(writer.frames()),
                    reason: e.to_string(),
                });
            }
        };
        if usize::from(spec.channels) != decoded.spec().channels.count() || decoded.spec().rate != spec.sample_rate {
            return Err(ImportError::Decode {
                path: path.into(),
                at_ms: spec.frames_to_ms(writer.frames()),
                reason: "the format changes mid-file".into(),
            });
        }
        bytes.clear();
        let capacity = decoded.capacity() as u64;
        match spec.sample_format {
            SampleFormat::Int => {
                let buf = ints.get_or_insert_with(|| SampleBuffer::new(capacity, *decoded.spec()));
                if buf.capacity() < decoded.frames() * decoded.spec().channels.count() {
                    *buf = SampleBuffer::new(capacity, *decoded.spec());
                }
                buf.copy_interleaved_ref(decoded);
                // symphonia scales every integer format to full-scale i32; shift back to the
                // stored width, which restores the original integers exactly.
                let width = usize::from(spec.bytes_per_sample());
                for s in buf.samples() {
                    let v = s >> shift;
                    bytes.extend_from_slice(&v.to_le_bytes()[..width]);
                }
                if spec.bits_per_sample == 8 {
                    // WAV stores 8-bit audio unsigned.
                    for b in &mut bytes {
                        *b ^= 0x80;
                    }
                }
            }
            SampleFormat::Float => {
                let buf = floats.get_or_insert_with(|| SampleBuffer::new(capacity, *decoded.spec()));
                if buf.capacity() < decoded.frames() * decoded.spec().channels.count() {
                    *buf = SampleBuffer::new(capacity, *decoded.spec());
                }
                buf.copy_interleaved_ref(decoded);
                for s in buf.samples() {
                    bytes.extend_from_slice(&s.to_le_bytes());
                }
            }
        }
        writer.write_pcm(&bytes)?;
    }
    report.frames = writer.frames();
    Ok(report)
}
