//! Which audio a cached layer was made from, told without decrypting it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::securefs::FsError;

/// Bytes hashed at each end of the encrypted audio.
const SPAN: u64 = 4096;

/// Identifies one encrypted audio file: its length and a hash of its first and last 4 KiB,
/// which hold age's per-file nonce and the final chunk, so a recovered or re-imported
/// recording never matches an older layer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AudioFingerprint {
    /// Length of the encrypted file.
    pub(crate) bytes: u64,
    /// SHA-256 of its first and last 4 KiB, hex.
    pub(crate) head_tail_sha256: String,
}

impl AudioFingerprint {
    /// Fingerprints the encrypted audio at `path`.
    pub(crate) fn of(path: &Path) -> Result<AudioFingerprint, FsError> {
        let at = |source| FsError { path: path.into(), action: "reading audio", source };
        let mut file = File::open(path).map_err(at)?;
        let bytes = file.metadata().map_err(at)?.len();
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; SPAN as usize];
        let head = bytes.min(SPAN) as usize;
        file.read_exact(&mut buf[..head]).map_err(at)?;
        hasher.update(&buf[..head]);
        let tail_from = bytes.saturating_sub(SPAN);
        file.seek(SeekFrom::Start(tail_from)).map_err(at)?;
        let tail = (bytes - tail_from) as usize;
        file.read_exact(&mut buf[..tail]).map_err(at)?;
        hasher.update(&buf[..tail]);
        let digest = hasher.finalize();
        Ok(AudioFingerprint { bytes, head_tail_sha256: digest.iter().map(|b| format!("{b:02x}")).collect() })
    }
}
