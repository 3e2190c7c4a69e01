//! Repair and plain copies of a session's audio: `recover` salvages an interrupted or damaged
//! recording, [`verify_audio`] authenticates every chunk, [`decrypt_to_wav`] writes a plain WAV.

use std::fs;
use std::path::Path;

use super::{AUDIO_FILE, INTERRUPTED_SUFFIX, SALVAGING_SUFFIX, SessionDir, SessionError, SessionMeta, SessionState};
use crate::audio::store::{self, EncryptedAudioReader, SalvageReport};
use crate::audio::wav;
use crate::project::Keyring;
use crate::securefs::{self, IoContext};

/// The result of `recover` on one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoverOutcome {
    /// The audio was already finalised and intact; nothing changed.
    AlreadyIntact {
        /// Frames in the file.
        frames: u64,
    },
    /// A new file was written from every authenticated chunk.
    Salvaged {
        /// What was kept and lost.
        report: SalvageReport,
        /// Where the damaged original was kept.
        original_kept_as: String,
    },
}

/// Salvages an interrupted or damaged recording into a valid, finalised file.
pub fn recover(keyring: &mut Keyring, session: &SessionDir) -> Result<(RecoverOutcome, SessionMeta), SessionError> {
    if session.recorder_alive() {
        return Err(SessionError::Busy(session.id.clone()));
    }
    let identity = keyring.participant(&session.participant)?.clone();
    let recipient = keyring.project().participant_recipient(&session.participant)?;
    let mut meta = session.read_meta(&identity)?;
    // The recorder is gone (checked above), so its lock is stale.
    let _ = fs::remove_file(session.lock_path());
    let audio = session.audio_path();
    if !audio.exists() {
        return Err(crate::store::SealedError::Missing(audio).into());
    }
    // verify_audio authenticates every chunk, the final one included, and counts the frames.
    if let Ok(frames) = verify_audio(&audio, &identity) {
        // Bring the metadata in line with the audio; an earlier run may have been cut off
        // between replacing the audio and writing the metadata.
        let mut fixed = meta.clone();
        fixed.frames = frames;
        if fixed.state == SessionState::Recording {
            fixed.state = SessionState::Complete;
        }
        if has_interrupted_original(&session.path) {
            fixed.state = SessionState::Recovered;
        }
        if fixed != meta {
            session.write_meta(&recipient, &fixed)?;
        }
        return Ok((RecoverOutcome::AlreadyIntact { frames }, fixed));
    }
    let salvaged = session.path.join(format!("{AUDIO_FILE}{SALVAGING_SUFFIX}"));
    // A leftover from a recover that was itself interrupted: it is incomplete, start again.
    let _ = fs::remove_file(&salvaged);
    let report = match store::salvage(&audio, &identity, &recipient, meta.audio, &salvaged) {
        // A session that was finalised once knows its length, so the loss is exact, not a bound.
        Ok(report) if meta.frames > 0 => {
            SalvageReport { lost_frames_estimate: meta.frames.saturating_sub(report.frames), ..report }
        }
        Ok(report) => report,
        Err(e) => {
            let _ = fs::remove_file(&salvaged);
            return Err(e.into());
        }
    };
    // Keep the damaged original beside the new file: nothing is deleted without the user. A
    // hard link then an atomic rename means some `audio.wav.age` exists at every instant.
    let kept = unused_name(&session.path, &format!("{AUDIO_FILE}{INTERRUPTED_SUFFIX}"));
    fs::hard_link(&audio, session.path.join(&kept)).at(&session.path.join(&kept), "keeping the original")?;
    securefs::rename_durable(&salvaged, &audio)?;
    meta.state = SessionState::Recovered;
    meta.frames = report.frames;
    meta.recovery = Some(report.clone());
    session.write_meta(&recipient, &meta)?;
    Ok((RecoverOutcome::Salvaged { report, original_kept_as: kept }, meta))
}

fn has_interrupted_original(dir: &Path) -> bool {
    fs::read_dir(dir)
        .map(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().contains(INTERRUPTED_SUFFIX)))
        .unwrap_or(false)
}

fn unused_name(dir: &Path, base: &str) -> String {
    if !dir.join(base).exists() {
        return base.to_string();
    }
    (2..).map(|n| format!("{base}-{n}")).find(|n| !dir.join(n).exists()).unwrap_or_else(|| base.to_string())
}

/// Decrypts every chunk of an audio file; returns its frame count if all authenticate.
pub fn verify_audio(path: &Path, identity: &crate::crypto::Identity) -> Result<u64, SessionError> {
    let sealed_len = fs::metadata(path).at(path, "reading size")?.len();
    let start = crate::crypto::payload_start_of_file(path)?;
    let mut stream = crate::crypto::open_stream(identity, path)?;
    let mut head = HeadSink(Vec::with_capacity(HeadSink::KEEP));
    let total = crate::crypto::read_to_end_checked(&mut stream, &mut head, sealed_len, start, path)?;
    let header = wav::parse_header(&mut &head.0[..]).map_err(|e| SessionError::Invalid {
        path: path.into(),
        reason: format!("the audio inside is not a valid WAV: {e}"),
    })?;
    Ok(header.spec.frames_in(total.saturating_sub(header.data_offset)))
}

/// Keeps the first bytes written to it (the WAV header) and discards the rest.
struct HeadSink(Vec<u8>);

impl HeadSink {
    const KEEP: usize = 4096;
}

impl std::io::Write for HeadSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = Self::KEEP.saturating_sub(self.0.len());
        self.0.extend_from_slice(&buf[..room.min(buf.len())]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes the session's audio as a plain WAV with exact header sizes.
///
/// This is the one place audio leaves encryption, and only to a path the user named.
pub fn decrypt_to_wav(reader: &mut EncryptedAudioReader, out: &Path) -> Result<u64, SessionError> {
    use std::io::Write;
    let spec = reader.spec();
    let data_len = reader.frames() * u64::from(spec.block_align());
    let header = wav::header_bytes(&spec, Some(data_len))
        .map_err(|e| SessionError::Invalid { path: out.into(), reason: e.to_string() })?;
    // Written straight to the name the user gave (never replacing a file), so no plaintext
    // copy exists under any other name; a failure removes the partial file.
    let mut file = securefs::create_new(out)?;
    let result = (|| {
        file.write_all(&header).at(out, "writing")?;
        let mut buf = zeroize::Zeroizing::new(vec![0u8; usize::from(spec.block_align()) * 16_384]);
        reader.seek_frame(0)?;
        loop {
            let frames = reader.read_pcm(&mut buf)?;
            if frames == 0 {
                break;
            }
            file.write_all(&buf[..frames * usize::from(spec.block_align())]).at(out, "writing")?;
        }
        if data_len % 2 == 1 {
            file.write_all(&[0]).at(out, "writing")?;
        }
        file.sync_all().at(out, "syncing")?;
        Ok::<_, SessionError>(reader.frames())
    })();
    if result.is_err() {
        let _ = fs::remove_file(out);
    }
    result
}
