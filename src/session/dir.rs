//! Session folders on disk: find, list, stage and publish, the recorder's lock, and the
//! encrypted metadata with the summary listings show.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Utc};

use super::{AUDIO_FILE, LOCK_FILE, META_FILE, META_VERSION, STAGING_PREFIX, SessionMeta, SessionState};
use crate::audio::store::{AudioStoreError, EncryptedAudioReader};
use crate::crypto::{self, CryptoError, Identity, Recipient};
use crate::guide::GuideError;
use crate::model::{Ms, ParticipantCode, SessionId};
use crate::pipeline::StageError;
use crate::project::{Project, ProjectError, SESSIONS_DIR};
use crate::securefs::{self, FsError, IoContext};
use crate::store::{self, SealedError};

/// Failures finding, reading or changing sessions.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No session with that id.
    #[error("no session {id} in this project{}", known_hint(.known))]
    Unknown {
        /// The id asked for.
        id: SessionId,
        /// Some ids that exist.
        known: Vec<SessionId>,
    },
    /// A session folder holds something it should not.
    #[error("{}: {reason}", path.display())]
    Invalid {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// Another process is recording this session now.
    #[error("session {0} is being recorded right now; stop that recording first")]
    Busy(SessionId),
    /// A sealed record is missing, damaged or too new.
    #[error(transparent)]
    Sealed(#[from] SealedError),
    /// The guide snapshot in the metadata does not parse.
    #[error(transparent)]
    Guide(#[from] GuideError),
    /// A derived layer could not be made.
    #[error(transparent)]
    Stage(#[from] StageError),
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

fn known_hint(known: &[SessionId]) -> String {
    let list = |ids: &[SessionId]| ids.iter().map(SessionId::as_str).collect::<Vec<_>>().join(", ");
    match known.len() {
        0 => " (it has no sessions yet)".into(),
        n if n <= 8 => format!(" (sessions: {})", list(known)),
        n => format!(" ({n} sessions, e.g. {})", list(&known[n - 3..])),
    }
}

/// One session's folder, located but not yet decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDir {
    /// The session id (folder name).
    pub id: SessionId,
    /// The participant the session belongs to.
    pub participant: ParticipantCode,
    /// The folder.
    pub(crate) path: PathBuf,
}

/// Where a session stands, as listings show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Finalised normally.
    Complete,
    /// Salvaged by `recover`.
    Recovered,
    /// Being recorded now.
    Recording,
    /// Cut off mid-recording, with no recorder left: `recover` repairs it.
    Interrupted,
}

impl SessionStatus {
    /// The word listings print.
    pub fn name(self) -> &'static str {
        match self {
            SessionStatus::Complete => "complete",
            SessionStatus::Recovered => "recovered",
            SessionStatus::Recording => "recording",
            SessionStatus::Interrupted => "interrupted",
        }
    }
}

/// The per-session line `verbatim sessions` prints (and its JSON objects).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SessionSummary {
    /// Session id.
    pub id: SessionId,
    /// Participant code.
    pub participant: ParticipantCode,
    /// Start time with the recorder's offset.
    #[serde(serialize_with = "rfc3339")]
    pub started: DateTime<FixedOffset>,
    /// Audio length.
    #[serde(rename = "duration_ms")]
    pub duration: Ms,
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels in each frame (1 mono, 2 stereo).
    pub channels: u16,
    /// Size of one sample in the WAV, in bits.
    pub bits_per_sample: u16,
    /// Frames lost while recording.
    pub dropped_frames: u64,
    /// Where it stands.
    pub state: SessionStatus,
    /// `recording` or `import`.
    pub(crate) source: &'static str,
}

fn rfc3339<S: serde::Serializer>(time: &DateTime<FixedOffset>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.to_rfc3339())
}

impl SessionDir {
    /// Encrypted audio path.
    pub fn audio_path(&self) -> PathBuf {
        self.path.join(AUDIO_FILE)
    }

    /// Encrypted metadata path.
    pub(crate) fn meta_path(&self) -> PathBuf {
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
                // Hidden folders are imports in progress or abandoned staging areas.
                let Ok(id) = entry.file_name().to_string_lossy().parse::<SessionId>() else { continue };
                if entry.path().is_dir() {
                    all.push(SessionDir { id, participant: participant.clone(), path: entry.path() });
                }
            }
        }
        all.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(all)
    }

    /// Finds a session by its id.
    pub fn find(project: &Project, id: &SessionId) -> Result<SessionDir, SessionError> {
        let all = Self::list(project)?;
        let mut matches = all.iter().filter(|s| s.id == *id);
        match (matches.next(), matches.next()) {
            (Some(found), None) => Ok(found.clone()),
            (Some(_), Some(_)) => Err(SessionError::Invalid {
                path: project.participants_dir(),
                reason: format!("session id {id} exists under two participants; rename one folder"),
            }),
            _ => Err(SessionError::Unknown { id: id.clone(), known: all.into_iter().map(|s| s.id).collect() }),
        }
    }

    /// Creates a hidden staging folder for a new session; [`SessionDir::publish`] makes it visible.
    pub(crate) fn stage(
        project: &Project,
        participant: &ParticipantCode,
        started: DateTime<Utc>,
    ) -> Result<SessionDir, SessionError> {
        project.require_participant(participant)?;
        let sessions = project.participant_dir(participant).join(SESSIONS_DIR);
        securefs::create_dir_all(&sessions)?;
        let id = unique_id(&sessions, SessionId::new(started, participant));
        let path = sessions.join(format!("{STAGING_PREFIX}{id}"));
        securefs::create_dir(&path)?;
        Ok(SessionDir { id, participant: participant.clone(), path })
    }

    /// Renames a staged folder to its final name.
    pub(crate) fn publish(self) -> Result<SessionDir, SessionError> {
        let final_path = securefs::parent_of(&self.path).join(self.id.as_str());
        securefs::rename_durable(&self.path, &final_path)?;
        Ok(SessionDir { path: final_path, ..self })
    }

    /// Removes a staging folder after a failed import (it holds only ciphertext).
    pub(crate) fn discard(self) {
        let _ = fs::remove_dir_all(&self.path);
    }

    /// Reads and decrypts the metadata.
    pub fn read_meta(&self, identity: &Identity) -> Result<SessionMeta, SessionError> {
        Ok(store::read(&self.meta_path(), identity, META_VERSION)?)
    }

    /// Encrypts and atomically replaces the metadata.
    pub(crate) fn write_meta(&self, recipient: &Recipient, meta: &SessionMeta) -> Result<(), SessionError> {
        Ok(store::write(&self.meta_path(), recipient, meta)?)
    }

    /// Reads the metadata and checks the audio, for listings.
    pub fn summary(&self, identity: &Identity) -> Result<SessionSummary, SessionError> {
        let meta = self.read_meta(identity)?;
        let mut state = match meta.state {
            SessionState::Complete => SessionStatus::Complete,
            SessionState::Recovered => SessionStatus::Recovered,
            SessionState::Recording => SessionStatus::Recording,
        };
        let mut duration = meta.duration();
        if meta.state == SessionState::Recording && !self.recorder_alive() {
            // A recorder updates the metadata when it stops; until then the audio is the truth.
            match EncryptedAudioReader::open(&self.audio_path(), identity) {
                Ok(reader) => duration = meta.audio.frames_to_ms(reader.frames()),
                Err(_) => {
                    state = SessionStatus::Interrupted;
                    let sealed = fs::metadata(self.audio_path()).map(|m| m.len()).unwrap_or(0);
                    let plain = sealed / crypto::SEALED_CHUNK_SIZE * crypto::CHUNK_SIZE;
                    duration = meta.audio.frames_to_ms(meta.audio.frames_in(plain));
                }
            }
        }
        Ok(SessionSummary {
            id: meta.id.clone(),
            participant: meta.participant.clone(),
            started: meta.started,
            duration,
            sample_rate: meta.audio.sample_rate,
            channels: meta.audio.channels,
            bits_per_sample: meta.audio.bits_per_sample,
            dropped_frames: meta.dropped_frames,
            state,
            source: meta.source.name(),
        })
    }

    /// Path of the lock a live recorder holds (its process id, nothing personal).
    pub(crate) fn lock_path(&self) -> PathBuf {
        self.path.join(LOCK_FILE)
    }

    /// Creates the lock file and takes an exclusive `flock` on it for as long as it is open.
    pub(crate) fn hold_recording_lock(&self) -> Result<fs::File, SessionError> {
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

fn unique_id(sessions: &Path, base: SessionId) -> SessionId {
    let taken =
        |id: &SessionId| sessions.join(id.as_str()).exists() || sessions.join(format!("{STAGING_PREFIX}{id}")).exists();
    if !taken(&base) {
        return base;
    }
    (2..).map(|n| base.numbered(n)).find(|id| !taken(id)).unwrap_or(base)
}
