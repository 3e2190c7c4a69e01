//! The end of a project: every key and every file verbatim holds or exported is destroyed.

use std::fs;
use std::path::PathBuf;

use super::{Keyring, ProjectError, rotation};
use crate::model::ParticipantCode;
use crate::securefs::{self, IoContext};

/// What `shred` destroyed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShredReport {
    /// Key files overwritten and deleted (the project's and every participant's).
    pub keys: usize,
    /// Participants whose folders went.
    pub participants: Vec<ParticipantCode>,
    /// Exported files deleted.
    pub deleted_exports: Vec<PathBuf>,
    /// Exported files the manifest lists that were already gone.
    pub missing_exports: Vec<PathBuf>,
    /// Exported files that could not be deleted, with why.
    pub failed_exports: Vec<(PathBuf, String)>,
}

impl Keyring {
    /// Destroys the project: exported files first, then every key (overwritten), then the
    /// folder. Consumes the keyring.
    pub fn shred(self) -> Result<ShredReport, ProjectError> {
        let project = self.project().clone();
        let participants = project.participants()?;
        let mut report = ShredReport {
            keys: 0,
            participants: participants.clone(),
            deleted_exports: Vec::new(),
            missing_exports: Vec::new(),
            failed_exports: Vec::new(),
        };
        for record in self.exports()? {
            match fs::remove_file(&record.path) {
                Ok(()) => report.deleted_exports.push(record.path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => report.missing_exports.push(record.path),
                Err(e) => report.failed_exports.push((record.path, e.to_string())),
            }
        }
        drop(self);
        // Keys before data: once they are gone, whatever remains is unreadable ciphertext.
        let keys: Vec<PathBuf> = participants
            .iter()
            .map(|id| project.participant_identity_path(id))
            .chain([
                project.identity_path(),
                project.root().join(rotation::NEXT_IDENTITY_FILE),
                project.supervisor_identity_path(),
            ])
            .filter(|p| p.exists())
            .collect();
        for key in &keys {
            securefs::overwrite_and_remove(key)?;
        }
        report.keys = keys.len();
        let root = project.root();
        fs::remove_dir_all(root).at(root, "deleting the project folder")?;
        securefs::sync_dir(&securefs::parent_of(root))?;
        Ok(report)
    }
}
