//! The encrypted analysis cache in a session folder, keyed to the exact audio file.
//!
//! `analysis.json.age` is encrypted to the participant like everything else in the session.
//! It records a fingerprint of the encrypted audio (its length and a hash of its first and
//! last 4 KiB, which include age's per-file nonce and the final chunk), so a recovered or
//! re-imported recording is analysed afresh, as is a cache from another analysis version.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{ANALYSIS_VERSION, Analysis, AnalysisError};
use crate::audio::store::EncryptedAudioReader;
use crate::crypto::{Identity, Recipient};
use crate::securefs::FsError;
use crate::session::{SessionDir, SessionError, read_sealed_json, write_sealed_json};

/// File name of the cached analysis in a session folder.
pub const ANALYSIS_FILE: &str = "analysis.json.age";
/// Bytes hashed at each end of the encrypted audio.
const FINGERPRINT_SPAN: u64 = 4096;

/// Identifies one encrypted audio file without decrypting it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AudioFingerprint {
    /// Length of the encrypted file.
    pub bytes: u64,
    /// SHA-256 of its first and last 4 KiB, hex.
    pub head_tail_sha256: String,
}

/// The cache file's layout.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct CachedAnalysis {
    version: u32,
    audio: AudioFingerprint,
    analysis: Analysis,
}

/// Where an analysis came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Read from the session's cache.
    Cached,
    /// Computed now (and cached).
    Computed,
}

/// Fingerprints the encrypted audio at `path`.
pub fn fingerprint(path: &Path) -> Result<AudioFingerprint, FsError> {
    let at = |source| FsError { path: path.into(), action: "reading audio", source };
    let mut file = File::open(path).map_err(at)?;
    let bytes = file.metadata().map_err(at)?.len();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; FINGERPRINT_SPAN as usize];
    let head = bytes.min(FINGERPRINT_SPAN) as usize;
    file.read_exact(&mut buf[..head]).map_err(at)?;
    hasher.update(&buf[..head]);
    let tail_from = bytes.saturating_sub(FINGERPRINT_SPAN);
    file.seek(SeekFrom::Start(tail_from)).map_err(at)?;
    let tail = (bytes - tail_from) as usize;
    file.read_exact(&mut buf[..tail]).map_err(at)?;
    hasher.update(&buf[..tail]);
    let digest = hasher.finalize();
    Ok(AudioFingerprint { bytes, head_tail_sha256: digest.iter().map(|b| format!("{b:02x}")).collect() })
}

/// The cached analysis, if there is one for exactly the audio with fingerprint `audio` and
/// this analysis version.
pub fn load(
    session: &SessionDir,
    identity: &Identity,
    audio: &AudioFingerprint,
) -> Result<Option<Analysis>, AnalysisError> {
    match read_sealed_json::<CachedAnalysis>(&session.path.join(ANALYSIS_FILE), identity, u32::MAX) {
        Ok(cached) if cached.version == ANALYSIS_VERSION && cached.audio == *audio => Ok(Some(cached.analysis)),
        Ok(_) | Err(SessionError::Missing(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Analyses a session's audio, or reads the cache when it is current and `force` is off.
pub fn analyze_session(
    session: &SessionDir,
    identity: &Identity,
    recipient: &Recipient,
    force: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Analysis, Provenance), AnalysisError> {
    let audio_path = session.audio_path();
    if session.recorder_alive() {
        return Err(AnalysisError::Recording(session.id.clone()));
    }
    if !audio_path.exists() {
        return Err(AnalysisError::NoAudio(audio_path));
    }
    let before = fingerprint(&audio_path)?;
    if !force {
        // A damaged cache is only a cache: it is redone, not trusted and not fatal.
        if let Ok(Some(analysis)) = load(session, identity, &before) {
            return Ok((analysis, Provenance::Cached));
        }
    }
    let mut reader = EncryptedAudioReader::open(&audio_path, identity)?;
    let analysis = super::analyze(&mut reader, progress)?;
    let cached = CachedAnalysis { version: ANALYSIS_VERSION, audio: before, analysis };
    write_sealed_json(&session.path.join(ANALYSIS_FILE), recipient, &cached)?;
    Ok((cached.analysis, Provenance::Computed))
}
