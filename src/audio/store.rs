//! Encrypted audio files: a streaming writer with a bounded-loss fsync policy, and a seekable,
//! sample-exact reader.
//!
//! Loss policy. age seals audio in 64 KiB chunks and can only emit whole chunks, so at any
//! moment up to one chunk (0.68 s of 48 kHz mono 16-bit audio) lives only in memory. Each sealed
//! chunk is written as soon as the next byte arrives and the file is `fsync`ed right after it,
//! so a crash or power cut loses at most that one chunk plus the one being written.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::wav::{self, AudioSpec, WavError};
use crate::crypto::{
    self, CHUNK_SIZE, CryptoError, Identity, Recipient, SEALED_CHUNK_SIZE, StreamReader, StreamWriter,
};
use crate::securefs::{self, FsError, IoContext};
use zeroize::Zeroizing;

/// Failures of the encrypted audio store.
#[derive(Debug, thiserror::Error)]
pub enum AudioStoreError {
    /// Encryption or authentication failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A filesystem operation failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// The WAV header inside the stream is unusable.
    #[error("{}: {source}", path.display())]
    Wav {
        /// The audio file.
        path: PathBuf,
        /// The header problem.
        source: WavError,
    },
    /// The file has no final chunk: the recording was cut off.
    #[error("{}: the recording was interrupted and the file was never finalised ({detail})", path.display())]
    Interrupted {
        /// The audio file.
        path: PathBuf,
        /// What the reader saw.
        detail: String,
    },
}

/// Bytes of the plaintext header for a spec (constant per spec).
fn header_len(spec: &AudioSpec) -> Result<u64, WavError> {
    Ok(wav::header_bytes(spec, None)?.len() as u64)
}

/// The file underneath the age writer: it fsyncs once per sealed chunk.
struct DurableFile {
    file: File,
    unsynced: u64,
}

impl Write for DurableFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.unsynced += n as u64;
        if self.unsynced >= SEALED_CHUNK_SIZE {
            self.file.sync_data()?;
            self.unsynced = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Streams PCM into a new age-encrypted WAV file.
pub struct EncryptedAudioWriter {
    stream: StreamWriter<DurableFile>,
    spec: AudioSpec,
    data_bytes: u64,
    path: PathBuf,
}

impl EncryptedAudioWriter {
    /// Creates `path` (it must not exist) encrypted to `recipient`, and writes the header.
    pub fn create(path: &Path, recipient: &Recipient, spec: AudioSpec) -> Result<Self, AudioStoreError> {
        let header =
            wav::header_bytes(&spec, None).map_err(|source| AudioStoreError::Wav { path: path.into(), source })?;
        let file = securefs::create_new(path)?;
        let mut stream = crypto::recipients_writer(&[recipient], DurableFile { file, unsynced: 0 }, path)?;
        stream.write_all(&header).at(path, "writing audio header")?;
        securefs::sync_dir(&securefs::parent_of(path))?;
        Ok(Self { stream, spec, data_bytes: 0, path: path.to_path_buf() })
    }

    /// Appends interleaved little-endian PCM bytes (whole frames).
    pub fn write_pcm(&mut self, pcm: &[u8]) -> Result<(), AudioStoreError> {
        self.stream.write_all(pcm).at(&self.path, "writing audio")?;
        self.data_bytes += pcm.len() as u64;
        Ok(())
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.spec.frames_in(self.data_bytes)
    }

    /// Updates the path used in messages after the folder holding the open file was renamed.
    pub(crate) fn set_path(&mut self, path: &Path) {
        self.path = path.to_path_buf();
    }

    /// The layout being written.
    pub(crate) fn spec(&self) -> AudioSpec {
        self.spec
    }

    /// Seals the final chunk and makes the file durable; returns the frame count.
    pub fn finish(self) -> Result<u64, AudioStoreError> {
        let frames = self.frames();
        let durable = self.stream.finish().at(&self.path, "finalising audio")?;
        durable.file.sync_all().at(&self.path, "syncing audio")?;
        Ok(frames)
    }
}

/// Random-access reader over an encrypted audio file; decrypts one chunk per seek.
pub struct EncryptedAudioReader {
    stream: StreamReader<BufReader<File>>,
    spec: AudioSpec,
    data_offset: u64,
    frames: u64,
    position: u64,
    path: PathBuf,
    /// Set after an authentication failure: age's reader cannot continue, so neither do we.
    damaged: Option<crypto::StreamDamage>,
}

impl EncryptedAudioReader {
    /// Opens a finalised file; an interrupted one yields [`AudioStoreError::Interrupted`].
    pub fn open(path: &Path, identity: &Identity) -> Result<Self, AudioStoreError> {
        let mut stream = crypto::open_stream(identity, path)?;
        let header = wav::parse_header(&mut stream).map_err(|source| match source {
            WavError::Truncated(_) => {
                AudioStoreError::Interrupted { path: path.into(), detail: "no complete first chunk".into() }
            }
            source => AudioStoreError::Wav { path: path.into(), source },
        })?;
        // Seeking to the end authenticates the final chunk, which only a finished file has.
        let total = stream.seek(SeekFrom::End(0)).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => {
                AudioStoreError::Interrupted { path: path.into(), detail: e.to_string() }
            }
            _ => FsError { path: path.into(), action: "reading audio", source: e }.into(),
        })?;
        stream.seek(SeekFrom::Start(header.data_offset)).at(path, "seeking")?;
        let data_len = total.saturating_sub(header.data_offset);
        Ok(Self {
            stream,
            spec: header.spec,
            data_offset: header.data_offset,
            frames: header.spec.frames_in(data_len),
            position: 0,
            path: path.to_path_buf(),
            damaged: None,
        })
    }

    /// The sample layout.
    pub fn spec(&self) -> AudioSpec {
        self.spec
    }

    /// Total frames in the file.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Current read position in frames.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Moves to `frame` (clamped to the end); costs at most one chunk decryption.
    pub fn seek_frame(&mut self, frame: u64) -> Result<(), AudioStoreError> {
        self.check_usable()?;
        let frame = frame.min(self.frames);
        let byte = self.data_offset + frame * u64::from(self.spec.block_align());
        if let Err(e) = self.stream.seek(SeekFrom::Start(byte)) {
            return Err(self.damage(e, byte));
        }
        self.position = frame;
        Ok(())
    }

    /// Fills `buf` with whole frames of raw PCM; returns the frames read (0 at the end).
    pub fn read_pcm(&mut self, buf: &mut [u8]) -> Result<usize, AudioStoreError> {
        self.check_usable()?;
        let align = usize::from(self.spec.block_align());
        let want_frames = (buf.len() / align).min(usize::try_from(self.frames - self.position).unwrap_or(usize::MAX));
        let want = want_frames * align;
        let mut filled = 0;
        while filled < want {
            let at = self.data_offset + self.position * align as u64 + filled as u64;
            match self.stream.read(&mut buf[filled..want]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.damage(e, at)),
            }
        }
        let frames = filled / align;
        self.position += frames as u64;
        Ok(frames)
    }

    fn check_usable(&self) -> Result<(), AudioStoreError> {
        match &self.damaged {
            Some(damage) => Err(CryptoError::Damaged(damage.clone()).into()),
            None => Ok(()),
        }
    }

    fn damage(&mut self, err: io::Error, plaintext_at: u64) -> AudioStoreError {
        if !matches!(err.kind(), io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof) {
            return FsError { path: self.path.clone(), action: "reading audio", source: err }.into();
        }
        let sealed_len = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        let start = crypto::payload_start_of_file(&self.path).unwrap_or(0);
        let intact = plaintext_at / CHUNK_SIZE * CHUNK_SIZE;
        let damage = crypto::damage_at(&self.path, intact, sealed_len, start);
        self.damaged = Some(damage.clone());
        CryptoError::Damaged(damage).into()
    }
}

/// What `salvage` recovered from a damaged or interrupted file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SalvageReport {
    /// Frames in the recovered file.
    pub frames: u64,
    /// Frames replaced by silence because a chunk in the middle failed authentication.
    pub silenced_frames: u64,
    /// Sealed bytes at the end that could not be authenticated (a cut-off chunk).
    pub lost_tail_bytes: u64,
    /// Upper bound of frames lost at the end (0 if the file had its final chunk).
    pub lost_frames_estimate: u64,
}

/// Copies every authenticated chunk of `src` into a new finalised file at `dst`.
///
/// Damaged chunks in the middle of a finalised file become silence of the same length, so
/// everything after them keeps its timestamp. Damage at the end (a cut) ends the copy.
/// `spec_hint` (from the session metadata) is used only if the first chunk is unreadable.
pub fn salvage(
    src: &Path,
    identity: &Identity,
    recipient: &Recipient,
    spec_hint: AudioSpec,
    dst: &Path,
) -> Result<SalvageReport, AudioStoreError> {
    let sealed_len = std::fs::metadata(src).at(src, "reading size")?.len();
    let payload_start = crypto::payload_start_of_file(src)?;
    let mut stream = crypto::open_stream(identity, src)?;
    let mut chunk = Zeroizing::new(vec![0u8; CHUNK_SIZE as usize]);
    let mut sink: Option<FrameSink> = None;
    let mut header_left = 0u64;
    let mut silenced_bytes = 0u64;
    let mut lost_tail_bytes = 0u64;
    let mut ended_cleanly = false;
    let mut index = 0u64;
    loop {
        match read_chunk(&mut stream, &mut chunk) {
            Ok(n) => {
                let mut bytes = &chunk[..n];
                if sink.is_none() {
                    let parsed = wav::parse_header(&mut &chunk[..n])
                        .map_err(|source| AudioStoreError::Wav { path: src.into(), source })?;
                    header_left = parsed.data_offset;
                    sink = Some(FrameSink::create(dst, recipient, parsed.spec)?);
                }
                let skip = header_left.min(bytes.len() as u64);
                header_left -= skip;
                bytes = &bytes[skip as usize..];
                if let Some(sink) = sink.as_mut() {
                    sink.push(bytes)?;
                }
                if (n as u64) < CHUNK_SIZE {
                    // A short read means age authenticated this chunk as the final one.
                    ended_cleanly = true;
                    break;
                }
                index += 1;
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof) => {
                // Find the next chunk that authenticates, with a fresh reader for each try:
                // age's reader is unusable after a failed chunk.
                let mut next = index + 1;
                let resumed = loop {
                    if payload_start + next * SEALED_CHUNK_SIZE >= sealed_len {
                        break None;
                    }
                    if let Ok(reader) = reopen_at(identity, src, next * CHUNK_SIZE) {
                        break Some(reader);
                    }
                    next += 1;
                };
                let Some(reader) = resumed else {
                    lost_tail_bytes = sealed_len.saturating_sub(payload_start + index * SEALED_CHUNK_SIZE);
                    break;
                };
                stream = reader;
                if sink.is_none() {
                    header_left =
                        header_len(&spec_hint).map_err(|source| AudioStoreError::Wav { path: src.into(), source })?;
                    sink = Some(FrameSink::create(dst, recipient, spec_hint)?);
                }
                let gap = (next - index) * CHUNK_SIZE;
                let filler = gap - header_left.min(gap);
                header_left -= header_left.min(gap);
                if let Some(sink) = sink.as_mut() {
                    sink.push_silence(filler)?;
                }
                silenced_bytes += filler;
                index = next;
            }
            Err(e) => return Err(FsError { path: src.into(), action: "reading audio", source: e }.into()),
        }
    }
    let sink = match sink {
        Some(sink) => sink,
        // Not even the first chunk survived: an empty but valid file keeps the session usable.
        None => FrameSink::create(dst, recipient, spec_hint)?,
    };
    let spec = sink.writer.spec();
    let frames = sink.finish()?;
    // Without a final chunk the writer died: besides the cut chunk on disk, up to one more
    // chunk was still buffered in its memory. Both are upper bounds.
    let lost_plain = if ended_cleanly { 0 } else { lost_tail_bytes.saturating_sub(16) + CHUNK_SIZE };
    Ok(SalvageReport {
        frames,
        silenced_frames: spec.frames_in(silenced_bytes),
        lost_tail_bytes,
        lost_frames_estimate: spec.frames_in(lost_plain),
    })
}

fn reopen_at(
    identity: &Identity,
    path: &Path,
    plaintext_pos: u64,
) -> Result<StreamReader<BufReader<File>>, AudioStoreError> {
    let mut stream = crypto::open_stream(identity, path)?;
    // Seeking exactly to a chunk start makes age authenticate the final chunk first, which a
    // cut file lacks; landing one byte in and stepping back decrypts only the target chunk.
    stream.seek(SeekFrom::Start(plaintext_pos + 1)).at(path, "seeking past a damaged chunk")?;
    stream.seek(SeekFrom::Current(-1)).at(path, "seeking past a damaged chunk")?;
    Ok(stream)
}

/// Writes only whole frames, holding back a partial one until the rest arrives.
struct FrameSink {
    writer: EncryptedAudioWriter,
    /// Sized for one chunk plus a frame, so it never reallocates (and leaves no stray copies).
    pending: Zeroizing<Vec<u8>>,
}

impl FrameSink {
    fn create(path: &Path, recipient: &Recipient, spec: AudioSpec) -> Result<Self, AudioStoreError> {
        let capacity = CHUNK_SIZE as usize + usize::from(spec.block_align());
        Ok(Self {
            writer: EncryptedAudioWriter::create(path, recipient, spec)?,
            pending: Zeroizing::new(Vec::with_capacity(capacity)),
        })
    }

    fn push(&mut self, mut bytes: &[u8]) -> Result<(), AudioStoreError> {
        let align = usize::from(self.writer.spec().block_align());
        while !bytes.is_empty() {
            let room = CHUNK_SIZE as usize - self.pending.len().min(CHUNK_SIZE as usize);
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            self.pending.extend_from_slice(now);
            bytes = rest;
            let whole = self.pending.len() / align * align;
            self.writer.write_pcm(&self.pending[..whole])?;
            self.pending.copy_within(whole.., 0);
            let left = self.pending.len() - whole;
            self.pending.truncate(left);
        }
        Ok(())
    }

    fn push_silence(&mut self, mut len: u64) -> Result<(), AudioStoreError> {
        // Unsigned 8-bit PCM is centred on 0x80; every other format is silent at zero.
        let byte = if self.writer.spec().bits_per_sample == 8 { 0x80 } else { 0 };
        let block = vec![byte; CHUNK_SIZE as usize];
        while len > 0 {
            let n = len.min(CHUNK_SIZE) as usize;
            self.push(&block[..n])?;
            len -= n as u64;
        }
        Ok(())
    }

    fn finish(self) -> Result<u64, AudioStoreError> {
        // A trailing partial frame (cut mid-frame) is dropped: it is not a sample.
        self.writer.finish()
    }
}

/// Reads one whole plaintext chunk (or the short final one).
fn read_chunk<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
