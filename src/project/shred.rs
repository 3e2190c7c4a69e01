//! The end of a project: every key and every file verbatim holds or exported is destroyed.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Keyring, ProjectError};
use crate::crypto::{self, ExposeSecret, SecretString};
use crate::securefs::{self, IoContext};

/// What `shred` destroyed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShredReport {
    /// Key files overwritten and deleted (the project's and every participant's).
    pub keys: usize,
    /// Participants whose folders went.
    pub participants: Vec<String>,
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
                project.root().join(super::forget::NEXT_IDENTITY_FILE),
                project.supervisor_identity_path(),
            ])
            .filter(|p| p.exists())
            .collect();
        for key in &keys {
            overwrite_and_remove(key)?;
        }
        report.keys = keys.len();
        let root = project.root();
        fs::remove_dir_all(root).at(root, "deleting the project folder")?;
        securefs::sync_dir(&securefs::parent_of(root))?;
        Ok(report)
    }

    /// Re-encrypts the project key under `new`; nothing else is touched.
    pub fn change_passphrase(&self, new: &SecretString) -> Result<(), ProjectError> {
        let path = self.project().identity_path();
        let text = crypto::identity_file_text(self.project_identity(), "verbatim project identity");
        let sealed = crypto::encrypt_with_passphrase(new, text.expose_secret().as_bytes(), &path)?;
        securefs::write_atomic(&path, &sealed)?;
        Ok(())
    }
}

/// Overwrites a small key file with zeros before unlinking it, so the ciphertext does not
/// linger in freed blocks on filesystems that overwrite in place.
pub(super) fn overwrite_and_remove(path: &Path) -> Result<(), ProjectError> {
    use std::io::Write;
    let len = fs::metadata(path).at(path, "reading the key file")?.len();
    let mut file = fs::OpenOptions::new().write(true).open(path).at(path, "opening the key file")?;
    file.write_all(&vec![0u8; usize::try_from(len).unwrap_or(0)]).at(path, "overwriting the key")?;
    file.sync_all().at(path, "syncing")?;
    fs::remove_file(path).at(path, "deleting the key")?;
    Ok(())
}
