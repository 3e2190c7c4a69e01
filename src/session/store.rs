//! Session folders on disk: create, find, list, and the encrypted metadata file.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{AUDIO_FILE, META_FILE, META_VERSION, SessionMeta, SessionState, session_id};
use crate::audio::store::{AudioStoreError, EncryptedAudioReader};
use crate::crypto::{self, CryptoError, Identity, Recipient};
use crate::project::{Project, ProjectError, SESSIONS_DIR};
use crate::securefs::{self, FsError, IoContext};

/// Failures finding or reading sessions.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No session with that id.
    #[error("no session {id:?} in this project{}. List them with `verbatim sessions DIR`.", known_hint(.known))]
    Unknown {
        /// The id asked for.
        id: String,
        /// Some ids that exist.
        known: Vec<String>,
    },
    /// The metadata file is unreadable.
    #[error("{}: {reason}", path.display())]
    BadMeta {
        /// The metadata file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Another process is recording this session now.
    #[error("session {0} is being recorded right now; stop that recording first")]
    Busy(String),
    /// A session folder lacks a file it must have.
    #[error("{}: missing. The session is incomplete; restore it from a backup.", .0.display())]
    Missing(PathBuf),
    /// Project or key problem.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// Crypto problem.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Audio store problem.
    #[error(transparent)]
    Audio(#[from] AudioStoreError),
    /// Filesystem problem.
    #[error(transparent)]
    Fs(#[from] FsError),
}

fn known_hint(known: &[String]) -> String {
    match known.len() {
        0 => " (it has no sessions yet)".into(),
        n if n <= 8 => format!(" (sessions: {})", known.join(", ")),
        n => format!(" ({n} sessions, e.g. {})", known[n - 3..].join(", ")),
    }
}

/// One session's folder, located but not yet decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDir {
    /// The session id (folder name).
    pub id: String,
    /// The participant the session belongs to.
    pub participant: String,
    /// The folder.
    pub path: PathBuf,
}

/// The per-session line `verbatim sessions` prints (and its JSON objects).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionSummary {
    /// Session id.
    pub id: String,
    /// Participant code.
    pub participant: String,
    /// Start time, RFC 3339 with offset.
    pub started: String,
    /// Audio length in milliseconds.
    pub duration_ms: u64,
    /// Frames per second.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u16,
    /// Bits per sample.
    pub bits_per_sample: u16,
    /// Frames lost while recording.
    pub dropped_frames: u64,
    /// `complete`, `recovered`, `recording` or `interrupted`.
    pub state: String,
    /// `recording` or `import`.
    pub source: String,
}

impl SessionDir {
    /// Encrypted audio path.
    pub fn audio_path(&self) -> PathBuf {
        self.path.join(AUDIO_FILE)
    }

    /// Encrypted metadata path.
    pub fn meta_path(&self) -> PathBuf {
        self.path.join(META_FILE)
    }

    /// All sessions of the project, sorted by id (that is, by start time).
    pub fn list(project: &Project) -> Result<Vec<SessionDir>, SessionError> {
        let mut all = Vec::new();
        for participant in project.participants()? {
            let dir = project.participant_dir(&participant).join(SESSIONS_DIR);
            if !dir.is_dir() {
                continue;
            }
            for entry in fs::read_dir(&dir).at(&dir, "listing sessions")? {
                let entry = entry.at(&dir, "listing sessions")?;
                let id = entry.file_name().to_string_lossy().into_owned();
                // Hidden folders are imports in progress or abandoned staging areas.
                if !id.starts_with('.') && entry.path().is_dir() {
                    all.push(SessionDir { id, participant: participant.clone(), path: entry.path() });
                }
            }
        }
        all.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(all)
    }

    /// Finds a session by its id.
    pub fn find(project: &Project, id: &str) -> Result<SessionDir, SessionError> {
        let all = Self::list(project)?;
        let mut matches = all.iter().filter(|s| s.id == id);
        match (matches.next(), matches.next()) {
            (Some(found), None) => Ok(found.clone()),
            (Some(_), Some(_)) => Err(SessionError::BadMeta {
                path: project.participants_dir(),
                reason: format!("session id {id} exists under two participants; rename one folder"),
            }),
            _ => Err(SessionError::Unknown { id: id.into(), known: all.into_iter().map(|s| s.id).collect() }),
        }
    }

    /// Creates a hidden staging folder for a new session; [`SessionDir::publish`] makes it visible.
    pub fn stage(project: &Project, participant: &str, started: DateTime<Utc>) -> Result<SessionDir, SessionError> {
        project.require_participant(participant)?;
        let sessions = project.participant_dir(participant).join(SESSIONS_DIR);
        securefs::create_dir_all(&sessions)?;
        let id = unique_id(&sessions, &session_id(started, participant));
        let path = sessions.join(format!(".staging-{id}"));
        securefs::create_dir(&path)?;
        Ok(SessionDir { id, participant: participant.into(), path })
    }

    /// Renames a staged folder to its final name.
    pub fn publish(self) -> Result<SessionDir, SessionError> {
        let final_path = securefs::parent_of(&self.path).join(&self.id);
        securefs::rename_durable(&self.path, &final_path)?;
        Ok(SessionDir { path: final_path, ..self })
    }

    /// Removes a staging folder after a failed import (it holds only ciphertext).
    pub fn discard(self) {
        let _ = fs::remove_dir_all(&self.path);
    }

    /// Reads and decrypts the metadata.
    pub fn read_meta(&self, identity: &Identity) -> Result<SessionMeta, SessionError> {
        read_sealed_json(&self.meta_path(), identity, META_VERSION)
    }

    /// Encrypts and atomically replaces the metadata.
    pub fn write_meta(&self, recipient: &Recipient, meta: &SessionMeta) -> Result<(), SessionError> {
        write_sealed_json(&self.meta_path(), recipient, meta)
    }

    /// Reads the metadata and checks the audio, for listings.
    pub fn summary(&self, identity: &Identity) -> Result<SessionSummary, SessionError> {
        let meta = self.read_meta(identity)?;
        let mut state = match meta.state {
            SessionState::Complete => "complete",
            SessionState::Recovered => "recovered",
            SessionState::Recording => "recording",
        };
        let mut duration_ms = meta.duration_ms();
        if meta.state == SessionState::Recording && !self.recorder_alive() {
            // A recorder updates the metadata when it stops; until then the audio is the truth.
            match EncryptedAudioReader::open(&self.audio_path(), identity) {
                Ok(reader) => duration_ms = meta.audio.frames_to_ms(reader.frames()),
                Err(_) => {
                    state = "interrupted";
                    let sealed = fs::metadata(self.audio_path()).map(|m| m.len()).unwrap_or(0);
                    duration_ms = meta
                        .audio
                        .frames_to_ms(meta.audio.frames_in(sealed / crypto::SEALED_CHUNK_SIZE * crypto::CHUNK_SIZE));
                }
            }
        }
        Ok(SessionSummary {
            id: meta.id.clone(),
            participant: meta.participant.clone(),
            started: meta.started.to_rfc3339(),
            duration_ms,
            sample_rate: meta.audio.sample_rate,
            channels: meta.audio.channels,
            bits_per_sample: meta.audio.bits_per_sample,
            dropped_frames: meta.dropped_frames,
            state: state.into(),
            source: match meta.source {
                super::AudioSource::Recording { .. } => "recording".into(),
                super::AudioSource::Import { .. } => "import".into(),
            },
        })
    }
}

impl SessionDir {
    /// Path of the lock a live recorder holds (its process id, nothing personal).
    pub fn lock_path(&self) -> PathBuf {
        self.path.join(super::LOCK_FILE)
    }

    /// Creates the lock file and takes an exclusive `flock` on it for as long as it is open.
    pub fn hold_recording_lock(&self) -> Result<fs::File, SessionError> {
        let path = self.lock_path();
        let mut file = securefs::create_new(&path)?;
        file.try_lock().map_err(|_| SessionError::Busy(self.id.clone()))?;
        use std::io::Write;
        // The pid is for people looking at the folder; liveness comes from the lock itself.
        file.write_all(format!("{}\n", std::process::id()).as_bytes()).at(&path, "writing")?;
        Ok(file)
    }

    /// True while a recorder holds this session's lock (the kernel drops it when it dies).
    pub fn recorder_alive(&self) -> bool {
        match fs::File::open(self.lock_path()) {
            Ok(file) => matches!(file.try_lock(), Err(fs::TryLockError::WouldBlock)),
            Err(_) => false,
        }
    }
}

/// Reads an encrypted JSON record with a `version` field no newer than `newest`.
pub fn read_sealed_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    identity: &Identity,
    newest: u32,
) -> Result<T, SessionError> {
    let path = path.to_path_buf();
    let sealed = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(SessionError::Missing(path)),
        Err(e) => return Err(FsError { path, action: "reading", source: e }.into()),
    };
    let plain = crypto::decrypt_bytes(identity, &sealed, &path)?;
    parse_sealed_json(&plain, &path, newest)
}

/// Parses the decrypted bytes of a JSON record as [`read_sealed_json`] does: first its
/// `version` field, which must be no newer than `newest`, then the whole record. `path` names
/// the file in errors.
pub fn parse_sealed_json<T: serde::de::DeserializeOwned>(
    plain: &[u8],
    path: &Path,
    newest: u32,
) -> Result<T, SessionError> {
    // serde's messages quote the offending value, which is decrypted data: report only where.
    let shape = |e: serde_json::Error| SessionError::BadMeta {
        path: path.to_path_buf(),
        reason: format!("line {}, column {}: not the expected record ({:?} error)", e.line(), e.column(), e.classify()),
    };
    #[derive(serde::Deserialize)]
    struct Version {
        version: u32,
    }
    let version: Version = serde_json::from_slice(plain).map_err(shape)?;
    if version.version > newest {
        return Err(SessionError::BadMeta {
            path: path.to_path_buf(),
            reason: format!("written by a newer verbatim (version {}); update verbatim", version.version),
        });
    }
    serde_json::from_slice(plain).map_err(shape)
}

/// Encrypts a JSON record to `recipient` and atomically replaces `path` with it.
pub fn write_sealed_json<T: serde::Serialize>(
    path: &Path,
    recipient: &Recipient,
    value: &T,
) -> Result<(), SessionError> {
    let plain =
        zeroizing_json(value).map_err(|e| SessionError::BadMeta { path: path.into(), reason: e.to_string() })?;
    let sealed = crypto::encrypt_to(&[recipient], &plain, path)?;
    securefs::write_atomic(path, &sealed)?;
    Ok(())
}

/// Serialises into a buffer allocated once at its exact size, so no unzeroized copy is left
/// behind by a reallocation.
pub fn zeroizing_json<T: serde::Serialize>(value: &T) -> Result<zeroize::Zeroizing<Vec<u8>>, serde_json::Error> {
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

fn unique_id(sessions: &Path, base: &str) -> String {
    let taken = |id: &str| sessions.join(id).exists() || sessions.join(format!(".staging-{id}")).exists();
    if !taken(base) {
        return base.to_string();
    }
    // '.' cannot occur in a participant code, so `…-P01.2` never reads as participant `P01-2`.
    (2..).map(|n| format!("{base}.{n}")).find(|id| !taken(id)).unwrap_or_else(|| base.to_string())
}
