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

use super::energy::FRAME_MS;
use super::{ANALYSIS_VERSION, Analysis, AnalysisError, MIN_RATE, Span};
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
        Ok(cached)
            if cached.version == ANALYSIS_VERSION
                && cached.audio == *audio
                && is_plausible(&cached.analysis, audio.bytes) =>
        {
            Ok(Some(cached.analysis))
        }
        Ok(_) | Err(SessionError::Missing(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether `analysis` could have come from [`super::analyze`] on audio stored in `audio_bytes`
/// bytes: spans in order, apart, and within what that many bytes can hold (at most one frame
/// per byte, at no less than [`MIN_RATE`]). Anyone with the public key can write an age file,
/// so a cache that fails this was damaged or planted; it is redone, never segmented, since
/// segmenting overlapping or endless spans would panic or run out of memory.
pub fn is_plausible(analysis: &Analysis, audio_bytes: u64) -> bool {
    // Voice is found in whole 10 ms frames, so a span may end inside the last frame.
    let longest_ms = (audio_bytes.saturating_mul(1000) / u64::from(MIN_RATE)).saturating_add(FRAME_MS);
    let ordered = |spans: &[Span]| {
        spans.iter().all(|s| s.start_ms <= s.end_ms && s.end_ms <= longest_ms)
            && spans.windows(2).all(|w| w[0].end_ms <= w[1].start_ms)
    };
    analysis.duration_ms <= longest_ms
        && ordered(&analysis.speech)
        && ordered(&analysis.pauses)
        && ordered(&analysis.micro_pauses)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::generate_identity;

    fn span(start_ms: u64, end_ms: u64) -> Span {
        Span { start_ms, end_ms }
    }

    fn analysis(speech: Vec<Span>) -> Analysis {
        Analysis {
            version: ANALYSIS_VERSION,
            duration_ms: 60_000,
            noise_floor_db: -58.0,
            speech_level_db: -21.0,
            speech,
            pauses: vec![span(4_000, 5_200)],
            micro_pauses: Vec::new(),
            vad_ms: 0,
        }
    }

    #[test]
    fn a_cache_with_overlapping_speech_is_redone_not_segmented() {
        // Found by `cargo fuzz run session_files`: overlapping speech spans in a cache made
        // segmenting subtract with overflow (segments.rs) when the export read it.
        let dir = tempfile::tempdir().unwrap();
        let session = SessionDir { id: "s".into(), participant: "P01".into(), path: dir.path().into() };
        let identity = generate_identity();
        let audio = AudioFingerprint { bytes: 6_000_000, head_tail_sha256: "00".into() };
        let write = |speech: Vec<Span>| {
            let cached = CachedAnalysis { version: ANALYSIS_VERSION, audio: audio.clone(), analysis: analysis(speech) };
            write_sealed_json(&dir.path().join(ANALYSIS_FILE), &identity.to_public(), &cached).unwrap();
        };
        write(vec![span(1_000, 4_000), span(5_200, 39_016), span(12_400, 44_000)]);
        assert_eq!(load(&session, &identity, &audio).unwrap(), None);
        write(vec![span(1_000, 4_000), span(5_200, 44_000)]);
        assert!(load(&session, &identity, &audio).unwrap().is_some());
    }

    #[test]
    fn spans_must_fit_the_audio() {
        let ok = analysis(vec![span(1_000, 4_000), span(5_200, 44_000)]);
        assert!(is_plausible(&ok, 6_000_000));
        // 6 MB hold at most 1500 s at 4 kHz, one byte a frame.
        assert!(!is_plausible(&analysis(vec![span(0, u64::MAX)]), 6_000_000));
        assert!(!is_plausible(&analysis(vec![span(5_000, 4_000)]), 6_000_000));
        assert!(!is_plausible(&Analysis { duration_ms: 1_500_011, ..ok.clone() }, 6_000_000));
        assert!(is_plausible(&Analysis { duration_ms: 1_500_010, ..ok }, 6_000_000));
    }
}
