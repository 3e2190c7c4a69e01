//! Reading existing recordings for `verbatim import`: WAV is copied byte for byte; FLAC, MP3,
//! M4A/AAC and OGG Vorbis are decoded with symphonia (pure Rust). Nothing is resampled.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use symphonia::core::audio::sample::SampleFormat as SymSampleFormat;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions, CODEC_ID_NULL_AUDIO};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

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
    Decoded { format: Box<dyn FormatReader>, decoder: Box<dyn AudioDecoder>, track: DecodedTrack },
}

/// What `decode_all` needs to know of the track besides its decoder.
struct DecodedTrack {
    id: u32,
    /// Bits to shift symphonia's full-scale i32 samples right by to get the stored width.
    shift: u32,
    /// Whether packet durations count frames (time base 1/sample rate), so a skipped packet's
    /// length is known.
    dur_in_frames: bool,
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
        let mut format = symphonia::default::get_probe()
            .probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
            .map_err(|e| not_audio(e.to_string()))?;
        let (track_id, time_base, params) = format
            .tracks()
            .iter()
            .find_map(|t| match &t.codec_params {
                Some(CodecParameters::Audio(p)) if p.codec != CODEC_ID_NULL_AUDIO && p.sample_rate.is_some() => {
                    Some((t.id, t.time_base, p.clone()))
                }
                _ => None,
            })
            .ok_or_else(|| not_audio("no audio track".into()))?;
        // Gapless (the default, set here so it stays on) trims encoder delay and padding, so
        // durations match the original recording.
        let options = AudioDecoderOptions::default().gapless(true);
        let mut decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &options)
            .map_err(|e| not_audio(e.to_string()))?;
        let codec = decoder.codec_info().short_name.to_string();
        let channels = match params.channels.as_ref().map(|c| c.count()).or(known_channels) {
            Some(n) => n,
            None => {
                // AAC in MP4 often states its channels only in the first decoded frame: decode
                // one, then start over from a fresh probe so no audio is skipped.
                let n = first_decoded_channels(&mut format, &mut decoder, track_id)
                    .ok_or_else(|| not_audio("unknown channel count".into()))?;
                return Self::open_decoded_with(path, Some(n));
            }
        };
        let lossy = matches!(codec.as_str(), "mp3" | "aac" | "vorbis" | "mp1" | "mp2");
        let float = matches!(params.sample_format, Some(SymSampleFormat::F32 | SymSampleFormat::F64));
        let (sample_format, bits, shift) = match params.bits_per_sample {
            Some(bits) if !lossy && !float => {
                let container = bits.div_ceil(8).clamp(1, 4) * 8;
                (SampleFormat::Int, container as u16, 32 - container)
            }
            // Lossy codecs decode to floats; storing f32 keeps exactly what the decoder produced.
            // So does float PCM in a container other than WAV (CAF, AIFF, MKV).
            _ => (SampleFormat::Float, 32, 0),
        };
        let sample_rate = params.sample_rate.unwrap_or(0);
        let spec = AudioSpec {
            sample_rate,
            channels: u16::try_from(channels).unwrap_or(u16::MAX),
            bits_per_sample: bits,
            sample_format,
        };
        spec.validate().map_err(|source| ImportError::Wav { path: path.into(), source })?;
        let dur_in_frames = time_base.is_some_and(|tb| tb.numer.get() == 1 && tb.denom.get() == sample_rate);
        let track = DecodedTrack { id: track_id, shift, dur_in_frames };
        Ok(Self { path: path.into(), spec, codec, kind: SourceKind::Decoded { format, decoder, track } })
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
            SourceKind::Decoded { format, decoder, track } => {
                guarded(&path, || decode_all(&path, spec, format, decoder, &track, writer))
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
    decoder: &mut Box<dyn AudioDecoder>,
    track_id: u32,
) -> Option<usize> {
    for _ in 0..64 {
        let packet = format.next_packet().ok()??;
        if packet.track_id == track_id
            && let Ok(decoded) = decoder.decode(&packet)
        {
            return Some(decoded.spec().channels().count());
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
    mut decoder: Box<dyn AudioDecoder>,
    track: &DecodedTrack,
    writer: &mut EncryptedAudioWriter,
) -> Result<ImportReport, ImportError> {
    let failed = |writer: &EncryptedAudioWriter, reason: String| ImportError::Decode {
        path: path.into(),
        at_ms: spec.frames_to_ms(writer.frames()).0,
        reason,
    };
    let mut report = ImportReport::default();
    let mut bytes = Vec::with_capacity(COPY_BLOCK);
    // A crafted packet length must not become a huge allocation: at most 10 s per packet.
    let max_gap = u64::from(spec.sample_rate) * 10;
    let mut ints: Vec<i32> = Vec::new();
    let mut floats: Vec<f32> = Vec::new();
    let mut decoded_any = false;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // Some readers still end with an EOF error rather than `None`.
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymError::ResetRequired) => {
                let reason = "the stream changes format part way (e.g. chained Ogg); split it with ffmpeg first";
                return Err(failed(writer, reason.into()));
            }
            Err(e) => return Err(failed(writer, e.to_string())),
        };
        if packet.track_id != track.id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(decoded) => decoded,
            // A damaged frame (symphonia 0.6 says a decode or I/O error means "discard this
            // packet and go on"): players skip it, and so do we, but we count it and keep its
            // length as silence so that everything after it keeps its time.
            Err(SymError::DecodeError(_) | SymError::IoError(_)) => {
                report.skipped_packets += 1;
                if track.dur_in_frames {
                    let silence = vec![0u8; packet.dur.get().min(max_gap) as usize * usize::from(spec.block_align())];
                    writer.write_pcm(&silence)?;
                }
                continue;
            }
            Err(e) => return Err(failed(writer, e.to_string())),
        };
        decoded_any = true;
        if usize::from(spec.channels) != decoded.spec().channels().count() || decoded.spec().rate() != spec.sample_rate
        {
            return Err(failed(writer, "the format changes mid-file".into()));
        }
        bytes.clear();
        match spec.sample_format {
            SampleFormat::Int => {
                decoded.copy_to_vec_interleaved(&mut ints);
                // symphonia scales every integer format to full-scale i32; shift back to the
                // stored width, which restores the original integers exactly.
                let width = usize::from(spec.bytes_per_sample());
                for s in &ints {
                    let v = s >> track.shift;
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
                decoded.copy_to_vec_interleaved(&mut floats);
                for s in &floats {
                    bytes.extend_from_slice(&s.to_le_bytes());
                }
            }
        }
        writer.write_pcm(&bytes)?;
    }
    if !decoded_any && report.skipped_packets > 0 {
        // Only the silence we put in for damaged packets would be stored (a crafted packet
        // length gives 10 s of it from a 2 KB file): that is no recording.
        let reason = format!("no packet of its audio could be decoded, {} tried", report.skipped_packets);
        return Err(ImportError::Decode { path: path.into(), at_ms: 0, reason });
    }
    report.frames = writer.frames();
    Ok(report)
}
