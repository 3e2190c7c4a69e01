//! Sealed records: small JSON files encrypted to one recipient, replaced atomically, read with
//! a check of their `version` field. Session metadata, markers, transcripts and the pipeline's
//! cached layers are all kept this way; [`SealedSaver`] writes them off the UI thread.

mod saver;

pub use saver::{SaverEvent, SealedSaver};

use std::fs;
use std::path::{Path, PathBuf};

use crate::crypto::{self, CryptoError, Identity, Recipient};
use crate::securefs::{self, FsError};

/// Why a sealed record could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SealedError {
    /// The file is not there.
    #[error("{}: missing. The session is incomplete; restore it from a backup.", .0.display())]
    Missing(PathBuf),
    /// It decrypts, but is not the record it should be.
    #[error("{}: {reason}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong, without quoting decrypted data.
        reason: String,
    },
    /// A newer verbatim wrote it.
    #[error("{}: written by a newer verbatim (version {found}); update verbatim", path.display())]
    Newer {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
    /// Decryption or encryption failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Reading or writing failed.
    #[error(transparent)]
    Fs(#[from] FsError),
}

/// Decrypts the record at `path`; [`SealedError::Missing`] if there is none.
pub(crate) fn open(path: &Path, identity: &Identity) -> Result<zeroize::Zeroizing<Vec<u8>>, SealedError> {
    let sealed = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(SealedError::Missing(path.into())),
        Err(e) => return Err(FsError { path: path.into(), action: "reading", source: e }.into()),
    };
    Ok(crypto::decrypt_bytes(identity, &sealed, path)?)
}

/// The `version` field of decrypted record bytes, refused if newer than `newest`.
pub(crate) fn version(plain: &[u8], path: &Path, newest: u32) -> Result<u32, SealedError> {
    #[derive(serde::Deserialize)]
    struct Version {
        version: u32,
    }
    let found = decode::<Version>(plain, path)?.version;
    if found > newest {
        return Err(SealedError::Newer { path: path.into(), found });
    }
    Ok(found)
}

/// Parses decrypted record bytes as `T`; errors say where, never what (it is decrypted data).
pub(crate) fn decode<T: serde::de::DeserializeOwned>(plain: &[u8], path: &Path) -> Result<T, SealedError> {
    serde_json::from_slice(plain).map_err(|e| SealedError::Damaged {
        path: path.into(),
        reason: format!("line {}, column {}: not the expected record ({:?} error)", e.line(), e.column(), e.classify()),
    })
}

/// Reads an encrypted JSON record with a `version` field no newer than `newest`.
pub(crate) fn read<T: serde::de::DeserializeOwned>(
    path: &Path,
    identity: &Identity,
    newest: u32,
) -> Result<T, SealedError> {
    let plain = open(path, identity)?;
    parse(&plain, path, newest)
}

/// Parses decrypted bytes as [`read`] does: the version first, then the whole record.
pub fn parse<T: serde::de::DeserializeOwned>(plain: &[u8], path: &Path, newest: u32) -> Result<T, SealedError> {
    version(plain, path, newest)?;
    decode(plain, path)
}

/// Encrypts `value` as JSON to `recipient` and atomically replaces `path` with it.
pub fn write<T: serde::Serialize>(path: &Path, recipient: &Recipient, value: &T) -> Result<(), SealedError> {
    let plain = zeroizing_json(value).map_err(|e| SealedError::Damaged { path: path.into(), reason: e.to_string() })?;
    let sealed = crypto::encrypt_to(&[recipient], &plain, path)?;
    securefs::write_atomic(path, &sealed)?;
    Ok(())
}

/// Serialises into a buffer allocated once at its exact size, so no unzeroized copy is left
/// behind by a reallocation.
pub(crate) fn zeroizing_json<T: serde::Serialize>(value: &T) -> Result<zeroize::Zeroizing<Vec<u8>>, serde_json::Error> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer_pretty(&mut count, value)?;
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(count.0));
    serde_json::to_writer_pretty(&mut *out, value)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::generate_identity;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Note {
        version: u32,
        text: String,
    }

    #[test]
    fn records_round_trip_encrypted_and_refuse_newer_or_damaged_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("note.json.age");
        let identity = generate_identity();
        assert!(matches!(read::<Note>(&path, &identity, 1), Err(SealedError::Missing(_))));
        let note = Note { version: 1, text: "nattevakt".into() };
        write(&path, &identity.to_public(), &note).unwrap();
        let raw = std::fs::read(&path).unwrap();
        assert!(raw.starts_with(b"age-encryption.org/v1") && !raw.windows(9).any(|w| w == b"nattevakt"));
        assert_eq!(read::<Note>(&path, &identity, 1).unwrap(), note);
        write(&path, &identity.to_public(), &Note { version: 7, text: String::new() }).unwrap();
        let err = read::<Note>(&path, &identity, 1).unwrap_err().to_string();
        assert!(err.contains("newer verbatim (version 7)"), "{err}");
        let err = parse::<Note>(br#"{"version":1,"text":5}"#, &path, 1).unwrap_err().to_string();
        assert!(err.contains("line 1, column") && !err.contains("`5`"), "the value is not quoted: {err}");
    }
}
