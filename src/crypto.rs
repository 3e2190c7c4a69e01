//! Thin wrapper over the `age` crate: keys, whole-file encryption, and streams with precise errors.
//!
//! Nothing here invents cryptography: every byte that is encrypted or decrypted goes through
//! `age`. What this module adds is the vocabulary the rest of verbatim speaks (identity files,
//! passphrase unlock, damage reports that name the file and the byte offset).

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use age::secrecy::{ExposeSecret, SecretString};
pub use age::stream::{StreamReader, StreamWriter};
pub use age::x25519::{Identity, Recipient};
use zeroize::Zeroizing;

/// Plaintext bytes in one age STREAM chunk.
pub const CHUNK_SIZE: u64 = 64 * 1024;
/// Bytes one full chunk occupies on disk (plaintext plus the Poly1305 tag).
pub const SEALED_CHUNK_SIZE: u64 = CHUNK_SIZE + 16;
/// Upper bound on the scrypt cost we accept when unlocking (2^20: about 1 GiB and 4 s).
///
/// A file demanding more is refused instead of tying the machine up for minutes.
pub(crate) const MAX_SCRYPT_WORK_FACTOR: u8 = 20;

/// What went wrong while encrypting or decrypting, always naming the file.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The passphrase did not open a passphrase-protected file.
    #[error("{}: wrong passphrase", path.display())]
    WrongPassphrase {
        /// The file that did not open.
        path: PathBuf,
    },
    /// None of our keys is a recipient of the file.
    #[error("{}: none of this project's keys can open this file; it belongs to another project or participant.", path.display())]
    NoMatchingKey {
        /// The file that did not open.
        path: PathBuf,
    },
    /// The file is not an age file, or its header was altered.
    #[error("{}: not a readable age file ({reason}). If it was copied, copy it again from the original.", path.display())]
    BadHeader {
        /// The file concerned.
        path: PathBuf,
        /// What the header check said.
        reason: String,
    },
    /// The encrypted payload fails authentication at a known place.
    #[error("{}", .0)]
    Damaged(StreamDamage),
    /// A file holds something other than the key it should.
    #[error("{}: line {line}: {reason}", path.display())]
    BadKeyFile {
        /// The key file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing failed at the OS level.
    #[error(transparent)]
    Fs(#[from] crate::securefs::FsError),
    /// age refused to encrypt.
    #[error("encrypting {}: {reason}", path.display())]
    Encrypt {
        /// The file being written.
        path: PathBuf,
        /// age's reason.
        reason: String,
    },
}

/// Where and how an encrypted stream failed authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDamage {
    /// The damaged file.
    pub(crate) path: PathBuf,
    /// Byte offset in the file where the first unreadable chunk starts.
    pub offset: u64,
    /// Index of that chunk in the age STREAM (0-based).
    pub chunk: u64,
    /// Plaintext bytes before the damage, all authenticated.
    pub intact_bytes: u64,
    /// True when the file simply ends early (an interrupted write), false for altered bytes.
    pub truncated: bool,
}

impl std::fmt::Display for StreamDamage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.truncated {
            "the file ends with an incomplete or altered chunk (typical of an interrupted recording or an incomplete copy)"
        } else {
            "authentication failed (the bytes were altered, or the disk is damaged)"
        };
        write!(
            f,
            "{}: damaged at byte {} (chunk {}): {what}. The {} bytes before it are intact",
            self.path.display(),
            self.offset,
            self.chunk,
            self.intact_bytes
        )
    }
}

/// Creates a fresh X25519 identity.
pub fn generate_identity() -> Identity {
    Identity::generate()
}

/// Renders an identity as `age-keygen` does, so `age -d -i FILE` accepts it.
pub(crate) fn identity_file_text(identity: &Identity, comment: &str) -> SecretString {
    let created = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let public = identity.to_public().to_string();
    let secret = identity.to_string();
    // Built in a buffer of the final size: a growing String would leave copies of the key behind.
    let parts =
        ["# ", comment, "\n# created: ", &created, "\n# public key: ", &public, "\n", secret.expose_secret(), "\n"];
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    SecretString::from(text)
}

/// Parses identity-file text (comments and blank lines allowed, exactly one key).
pub fn parse_identity_text(text: &str, path: &Path) -> Result<Identity, CryptoError> {
    let mut found = None;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |reason: &str| CryptoError::BadKeyFile {
            path: path.to_path_buf(),
            line: index + 1,
            reason: reason.to_string(),
        };
        if found.is_some() {
            return Err(bad("a second key; a verbatim key file holds exactly one"));
        }
        // The parse error text never contains key material, only a category.
        found = Some(Identity::from_str(line).map_err(|e| bad(&format!("not an age secret key ({e})")))?);
    }
    found.ok_or_else(|| CryptoError::BadKeyFile {
        path: path.to_path_buf(),
        line: text.lines().count().max(1),
        reason: "no AGE-SECRET-KEY line in this file".to_string(),
    })
}

/// Parses a public `age1…` recipient, naming the file it came from.
pub fn parse_recipient(text: &str, path: &Path) -> Result<Recipient, CryptoError> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'));
    let bad = |reason: String| CryptoError::BadKeyFile { path: path.to_path_buf(), line: 1, reason };
    let line = line.ok_or_else(|| bad("no age1… public key in this file".to_string()))?;
    Recipient::from_str(line).map_err(|e| bad(format!("not an age public key ({e})")))
}

/// Encrypts a small plaintext to the given recipients, in memory.
pub fn encrypt_to(recipients: &[&Recipient], plaintext: &[u8], path: &Path) -> Result<Vec<u8>, CryptoError> {
    let recipients: Vec<&dyn age::Recipient> = recipients.iter().map(|r| *r as &dyn age::Recipient).collect();
    seal(&recipients, plaintext, path)
}

/// Encrypts a small plaintext with a passphrase (scrypt), as `age -p` does.
pub(crate) fn encrypt_with_passphrase(
    passphrase: &SecretString,
    plaintext: &[u8],
    path: &Path,
) -> Result<Vec<u8>, CryptoError> {
    let recipient = age::scrypt::Recipient::new(passphrase.clone());
    seal(&[&recipient], plaintext, path)
}

fn seal(recipients: &[&dyn age::Recipient], plaintext: &[u8], path: &Path) -> Result<Vec<u8>, CryptoError> {
    let mut out = Vec::with_capacity(plaintext.len() + 512);
    let mut writer = stream_writer(recipients, &mut out, path)?;
    let io_err = |e: io::Error| CryptoError::Encrypt { path: path.to_path_buf(), reason: e.to_string() };
    writer.write_all(plaintext).map_err(io_err)?;
    writer.finish().map_err(io_err)?;
    Ok(out)
}

/// Starts an age stream to `recipients` over any writer.
pub(crate) fn recipients_writer<W: Write>(
    recipients: &[&Recipient],
    output: W,
    path: &Path,
) -> Result<StreamWriter<W>, CryptoError> {
    let recipients: Vec<&dyn age::Recipient> = recipients.iter().map(|r| *r as &dyn age::Recipient).collect();
    stream_writer(&recipients, output, path)
}

fn stream_writer<W: Write>(
    recipients: &[&dyn age::Recipient],
    output: W,
    path: &Path,
) -> Result<StreamWriter<W>, CryptoError> {
    let fail = |reason: String| CryptoError::Encrypt { path: path.to_path_buf(), reason };
    let encryptor = age::Encryptor::with_recipients(recipients.iter().copied()).map_err(|e| fail(e.to_string()))?;
    encryptor.wrap_output(output).map_err(|e| fail(e.to_string()))
}

/// Decrypts a passphrase-protected identity file into its X25519 identity.
pub(crate) fn unlock_identity(sealed: &[u8], passphrase: &SecretString, path: &Path) -> Result<Identity, CryptoError> {
    let bytes = decrypt_with_passphrase(sealed, passphrase, path)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| CryptoError::BadKeyFile {
        path: path.to_path_buf(),
        line: 1,
        reason: "not text".to_string(),
    })?;
    parse_identity_text(text, path)
}

/// Decrypts a small passphrase-protected (scrypt) file held in memory.
pub fn decrypt_with_passphrase(
    sealed: &[u8],
    passphrase: &SecretString,
    path: &Path,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let decryptor = age::Decryptor::new_buffered(sealed).map_err(|e| header_error(e, path))?;
    if !decryptor.is_scrypt() {
        return Err(CryptoError::BadHeader {
            path: path.to_path_buf(),
            reason: "expected a passphrase-protected file".to_string(),
        });
    }
    let mut scrypt = age::scrypt::Identity::new(passphrase.clone());
    scrypt.set_max_work_factor(MAX_SCRYPT_WORK_FACTOR);
    let mut reader = decryptor.decrypt(std::iter::once(&scrypt as &dyn age::Identity)).map_err(|e| match e {
        age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
            CryptoError::WrongPassphrase { path: path.to_path_buf() }
        }
        other => header_error(other, path),
    })?;
    // Sized up front: a growing Vec would leave unzeroized copies behind when it reallocates.
    let mut out = Zeroizing::new(Vec::with_capacity(sealed.len()));
    read_to_end_checked(&mut reader, &mut *out, sealed.len() as u64, payload_start(sealed), path)?;
    Ok(out)
}

/// Decrypts a small file held in memory with one identity; the plaintext is zeroized on drop.
pub fn decrypt_bytes(
    identity: &dyn age::Identity,
    sealed: &[u8],
    path: &Path,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let decryptor = age::Decryptor::new_buffered(sealed).map_err(|e| header_error(e, path))?;
    let mut reader = decryptor.decrypt(std::iter::once(identity)).map_err(|e| header_error(e, path))?;
    let mut out = Zeroizing::new(Vec::with_capacity(sealed.len()));
    read_to_end_checked(&mut reader, &mut *out, sealed.len() as u64, payload_start(sealed), path)?;
    Ok(out)
}

/// Opens an encrypted file for streaming, seekable reading.
pub(crate) fn open_stream(
    identity: &dyn age::Identity,
    path: &Path,
) -> Result<StreamReader<BufReader<File>>, CryptoError> {
    use crate::securefs::IoContext;
    let file = File::open(path).at(path, "opening")?;
    let decryptor = age::Decryptor::new_buffered(BufReader::with_capacity(SEALED_CHUNK_SIZE as usize, file))
        .map_err(|e| header_error(e, path))?;
    decryptor.decrypt(std::iter::once(identity)).map_err(|e| header_error(e, path))
}

/// Byte offset where the STREAM payload starts (after the header and the 16-byte nonce).
pub fn payload_start(file_head: &[u8]) -> u64 {
    let mac_line = file_head.windows(5).position(|w| w == b"\n--- ");
    match mac_line.and_then(|at| file_head[at + 1..].iter().position(|b| *b == b'\n').map(|nl| at + 1 + nl + 1)) {
        Some(header_end) => header_end as u64 + 16,
        None => 0,
    }
}

/// Reads a payload start offset from the beginning of a file on disk.
pub(crate) fn payload_start_of_file(path: &Path) -> Result<u64, CryptoError> {
    use crate::securefs::IoContext;
    let mut head = Vec::with_capacity(4096);
    File::open(path).and_then(|f| f.take(16 * 1024).read_to_end(&mut head)).at(path, "reading header")?;
    Ok(payload_start(&head))
}

/// Copies a whole stream into `sink`, turning a failure into a [`StreamDamage`] with offsets.
///
/// Only authenticated chunks reach `sink`: age releases a chunk after its tag verifies.
pub fn read_to_end_checked<R: Read, W: Write + ?Sized>(
    reader: &mut R,
    sink: &mut W,
    sealed_len: u64,
    payload_start: u64,
    path: &Path,
) -> Result<u64, CryptoError> {
    use crate::securefs::IoContext;
    let mut buf = Zeroizing::new(vec![0u8; CHUNK_SIZE as usize]);
    let mut total = 0u64;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => {
                sink.write_all(&buf[..n]).at(path, "writing decrypted data")?;
                total += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof) => {
                return Err(CryptoError::Damaged(damage_at(path, total, sealed_len, payload_start)));
            }
            Err(e) => {
                return Err(CryptoError::Fs(crate::securefs::FsError {
                    path: path.to_path_buf(),
                    action: "reading",
                    source: e,
                }));
            }
        }
    }
}

/// Describes the damage found after `intact_bytes` of authenticated plaintext.
pub(crate) fn damage_at(path: &Path, intact_bytes: u64, sealed_len: u64, payload_start: u64) -> StreamDamage {
    let chunk = intact_bytes / CHUNK_SIZE;
    let offset = payload_start + chunk * SEALED_CHUNK_SIZE;
    // A failure in the file's last, shorter-than-full piece (or past the end) is what a cut
    // leaves behind; a full-size chunk that fails both as middle and as final was altered.
    let truncated = sealed_len < offset + SEALED_CHUNK_SIZE;
    StreamDamage { path: path.to_path_buf(), offset, chunk, intact_bytes, truncated }
}

fn header_error(err: age::DecryptError, path: &Path) -> CryptoError {
    let path = path.to_path_buf();
    match err {
        age::DecryptError::NoMatchingKeys | age::DecryptError::DecryptionFailed => CryptoError::NoMatchingKey { path },
        age::DecryptError::ExcessiveWork { required, .. } => CryptoError::BadHeader {
            path,
            reason: format!("it demands scrypt work factor {required}, above our limit of {MAX_SCRYPT_WORK_FACTOR}"),
        },
        // age suggests upgrading here, but for a verbatim file this means a damaged header.
        age::DecryptError::UnknownFormat => {
            CryptoError::BadHeader { path, reason: "unrecognised or damaged header".to_string() }
        }
        age::DecryptError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            CryptoError::BadHeader { path, reason: "the file ends inside its header".to_string() }
        }
        other => CryptoError::BadHeader { path, reason: other.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn a_file_demanding_more_scrypt_work_than_our_bound_is_refused_without_the_work() {
        let path = Path::new("identity.age");
        let mut recipient = age::scrypt::Recipient::new(pass("passphrase!"));
        recipient.set_work_factor(10);
        let sealed = seal(&[&recipient], b"AGE-SECRET-KEY-1", path).unwrap();
        assert!(decrypt_with_passphrase(&sealed, &pass("passphrase!"), path).is_ok());
        // A planted header asking for 2^30 (tens of GiB, minutes) must not make us try.
        let text = String::from_utf8_lossy(&sealed).into_owned();
        let line = text.lines().find(|l| l.starts_with("-> scrypt ")).unwrap();
        let planted = text.replacen(line, &line.replace(" 10", " 30"), 1);
        let started = std::time::Instant::now();
        let err = decrypt_with_passphrase(planted.as_bytes(), &pass("passphrase!"), path).unwrap_err();
        assert!(err.to_string().contains("work factor 30, above our limit of 20"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn identity_text_round_trips_and_rejects_two_keys() {
        let id = generate_identity();
        let text = identity_file_text(&id, "test key");
        let back = parse_identity_text(text.expose_secret(), Path::new("k.txt")).unwrap();
        assert_eq!(back.to_public().to_string(), id.to_public().to_string());
        let doubled = format!("{}{}", text.expose_secret(), text.expose_secret());
        let err = parse_identity_text(&doubled, Path::new("k.txt")).err().unwrap().to_string();
        assert!(err.contains("k.txt: line 8"), "{err}");
    }

    #[test]
    fn bad_key_line_names_the_line_without_echoing_it() {
        let err = parse_identity_text("# c\n\nAGE-SECRET-KEY-1NOTAKEY\n", Path::new("p.txt")).err().unwrap();
        let msg = err.to_string();
        assert!(msg.starts_with("p.txt: line 3: not an age secret key"), "{msg}");
        assert!(!msg.contains("NOTAKEY"));
    }

    #[test]
    fn encrypted_bytes_open_only_with_the_right_identity() {
        let alice = generate_identity();
        let bob = generate_identity();
        let sealed = encrypt_to(&[&alice.to_public()], b"hello", Path::new("x.age")).unwrap();
        let plain = decrypt_bytes(&alice, &sealed, Path::new("x.age")).unwrap();
        assert_eq!(&plain[..], b"hello");
        let err = decrypt_bytes(&bob, &sealed, Path::new("x.age")).unwrap_err();
        assert!(matches!(err, CryptoError::NoMatchingKey { .. }), "{err}");
    }

    #[test]
    fn passphrase_unlock_accepts_right_and_refuses_wrong() {
        let id = generate_identity();
        let text = identity_file_text(&id, "project");
        let mut recipient = age::scrypt::Recipient::new(pass("correct horse"));
        recipient.set_work_factor(10); // keep the unit test fast; production uses age's default
        let mut sealed = Vec::new();
        let mut w = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .unwrap()
            .wrap_output(&mut sealed)
            .unwrap();
        w.write_all(text.expose_secret().as_bytes()).unwrap();
        w.finish().unwrap();
        let back = unlock_identity(&sealed, &pass("correct horse"), Path::new("identity.age")).unwrap();
        assert_eq!(back.to_public().to_string(), id.to_public().to_string());
        let err = unlock_identity(&sealed, &pass("wrong"), Path::new("identity.age")).err().unwrap();
        assert!(matches!(err, CryptoError::WrongPassphrase { .. }), "{err}");
    }

    #[test]
    fn payload_start_follows_the_mac_line_and_nonce() {
        let id = generate_identity();
        let sealed = encrypt_to(&[&id.to_public()], b"x", Path::new("x")).unwrap();
        let start = payload_start(&sealed) as usize;
        // One final chunk: 1 byte of plaintext plus a 16-byte tag.
        assert_eq!(sealed.len() - start, 17);
        let header = String::from_utf8_lossy(&sealed[..start - 16]);
        assert!(header.starts_with("age-encryption.org/v1\n") && header.contains("\n--- "));
    }
}
