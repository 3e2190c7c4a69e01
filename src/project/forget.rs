//! Withdrawal of consent: a participant's key, sessions and exports are deleted, and the
//! project key is replaced so that nothing the project still holds can open a backup of them.
//!
//! Deleting the participant's key alone is not enough: a backup holds that key encrypted to
//! the project key, which the live project keeps. So `forget` also rotates the project key
//! ([`super::rotation`]): a new one wraps the remaining participants' keys, and the old one is
//! destroyed.

use std::fs;
use std::path::PathBuf;

use super::{Keyring, ProjectError, rotation};
use crate::crypto::SecretString;
use crate::model::{ParticipantCode, SessionId};
use crate::securefs::{self, IoContext};

/// What `forget` removed and what it could not reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgetReport {
    pub(crate) participant: ParticipantCode,
    /// Sessions deleted.
    pub sessions: Vec<SessionId>,
    /// Exported files deleted.
    pub deleted_exports: Vec<PathBuf>,
    /// Exported files the manifest lists that were already gone (moved or deleted by hand).
    pub missing_exports: Vec<PathBuf>,
    /// Exported files that could not be deleted, with why.
    pub failed_exports: Vec<(PathBuf, String)>,
}

/// What `forget` would remove, for the confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgetPlan {
    pub(crate) participant: ParticipantCode,
    /// Their sessions.
    pub sessions: Vec<SessionId>,
    /// Files exported for them, as the manifest lists them.
    pub exports: Vec<PathBuf>,
    /// Voices enrolled from their sessions (their data: deleted with their folder).
    pub voices: usize,
}

impl Keyring {
    /// What forgetting `id` would remove.
    pub fn plan_forget(&self, id: &ParticipantCode) -> Result<ForgetPlan, ProjectError> {
        self.project().require_participant(id)?;
        let sessions_dir = self.project().participant_dir(id).join(super::SESSIONS_DIR);
        let mut sessions = Vec::new();
        if let Ok(entries) = fs::read_dir(&sessions_dir) {
            for entry in entries.flatten() {
                if let Ok(session) = entry.file_name().to_string_lossy().parse() {
                    sessions.push(session);
                }
            }
        }
        sessions.sort();
        let exports = self.exports()?.into_iter().filter(|r| r.participant == *id).map(|r| r.path).collect();
        let voices = super::voices::owned_voices(self.project(), id);
        Ok(ForgetPlan { participant: id.clone(), sessions, exports, voices })
    }

    /// Deletes participant `id`'s key, sessions and recorded exports, then replaces the project
    /// key (`passphrase` protects the new one). Consumes the keyring: its project key is gone.
    pub fn forget(self, id: &ParticipantCode, passphrase: &SecretString) -> Result<ForgetReport, ProjectError> {
        let plan = self.plan_forget(id)?;
        let project = self.project().clone();
        rotation::begin(project.root())?;
        let mut report = ForgetReport {
            participant: id.clone(),
            sessions: plan.sessions,
            deleted_exports: Vec::new(),
            missing_exports: Vec::new(),
            failed_exports: Vec::new(),
        };
        // The key first: once it is gone, what follows only tidies up ciphertext.
        let key = project.participant_identity_path(id);
        securefs::overwrite_and_remove(&key)?;
        let folder = project.participant_dir(id);
        fs::remove_dir_all(&folder).at(&folder, "deleting the participant's folder")?;
        securefs::sync_dir(&project.participants_dir())?;
        for path in plan.exports {
            match fs::remove_file(&path) {
                Ok(()) => report.deleted_exports.push(path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => report.missing_exports.push(path),
                Err(e) => report.failed_exports.push((path, e.to_string())),
            }
        }
        let failed: Vec<PathBuf> = report.failed_exports.iter().map(|(p, _)| p.clone()).collect();
        // Records of deleted files go; ones that could not be deleted stay for a retry.
        self.retain_exports(project.recipient(), |r| r.participant != *id || failed.contains(&r.path))?;
        drop(self);
        rotation::rotate(&project, passphrase)?;
        Ok(report)
    }
}
