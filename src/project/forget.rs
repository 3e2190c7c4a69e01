//! Withdrawal of consent: a participant's key, sessions and exports are deleted, and the
//! project key is replaced so that nothing the project still holds can open a backup of them.
//!
//! Deleting the participant's key alone is not enough: a backup holds that key encrypted to
//! the project key, which the live project keeps. So `forget` also rotates the project key:
//! a new one wraps the remaining participants' keys, and the old one is destroyed.
//!
//! The rotation survives a crash at any point. While it runs, a `.rotating` file blocks new
//! participants; each participant key is first wrapped to both project keys, then the config
//! and `identity.age` switch to the new one, then the old wrapping is dropped. Unlocking a
//! project with `.rotating` present finishes the rotation first.

use std::fs;
use std::path::{Path, PathBuf};

use super::manifest::MANIFEST_FILE;
use super::{IDENTITY_FILE, Keyring, Project, ProjectError};
use crate::crypto::{self, ExposeSecret, Identity, SecretString};
use crate::securefs::{self, IoContext};

/// Present while the project key is being replaced.
pub(super) const ROTATING_FILE: &str = ".rotating";
pub(super) const NEXT_IDENTITY_FILE: &str = "identity.next.age";

/// What `forget` removed and what it could not reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgetReport {
    /// The participant.
    pub participant: String,
    /// Sessions deleted.
    pub sessions: Vec<String>,
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
    /// The participant.
    pub participant: String,
    /// Their sessions.
    pub sessions: Vec<String>,
    /// Files exported for them, as the manifest lists them.
    pub exports: Vec<PathBuf>,
}

impl Keyring {
    /// What forgetting `id` would remove.
    pub fn plan_forget(&self, id: &str) -> Result<ForgetPlan, ProjectError> {
        self.project().require_participant(id)?;
        let sessions_dir = self.project().participant_dir(id).join(super::SESSIONS_DIR);
        let mut sessions = Vec::new();
        if let Ok(entries) = fs::read_dir(&sessions_dir) {
            for entry in entries.flatten() {
                sessions.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        sessions.sort();
        let exports = self.exports()?.into_iter().filter(|r| r.participant == id).map(|r| r.path).collect();
        Ok(ForgetPlan { participant: id.to_string(), sessions, exports })
    }

    /// Deletes participant `id`'s key, sessions and recorded exports, then replaces the project
    /// key (`passphrase` protects the new one). Consumes the keyring: its project key is gone.
    pub fn forget(self, id: &str, passphrase: &SecretString) -> Result<ForgetReport, ProjectError> {
        let plan = self.plan_forget(id)?;
        let project = self.project().clone();
        let root = project.root().to_path_buf();
        securefs::write_atomic(&root.join(ROTATING_FILE), b"verbatim is replacing the project key\n")?;
        let mut report = ForgetReport {
            participant: id.to_string(),
            sessions: plan.sessions,
            deleted_exports: Vec::new(),
            missing_exports: Vec::new(),
            failed_exports: Vec::new(),
        };
        // The key first: once it is gone, what follows only tidies up ciphertext.
        let key = project.participant_identity_path(id);
        super::shred::overwrite_and_remove(&key)?;
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
        self.retain_exports(project.recipient(), |r| r.participant != id || failed.contains(&r.path))?;
        drop(self);
        rotate_project_key(&project, passphrase)?;
        Ok(report)
    }
}

fn unlock_file(path: &Path, passphrase: &SecretString) -> Result<Identity, ProjectError> {
    let sealed = fs::read(path).at(path, "reading the project key")?;
    Ok(crypto::unlock_identity(&sealed, passphrase, path)?)
}

/// Decrypts with whichever of the keys opens the file.
fn decrypt_either(keys: &[&Identity], path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>, ProjectError> {
    let sealed = fs::read(path).at(path, "reading")?;
    let mut last = None;
    for key in keys {
        match crypto::decrypt_bytes(*key, &sealed, path) {
            Ok(plain) => return Ok(plain),
            Err(e) => last = Some(e),
        }
    }
    Err(last.map_or_else(|| ProjectError::NotAProject(path.into()), ProjectError::from))
}

/// Re-encrypts every participant key and the manifest to `to`.
fn rewrap(project: &Project, keys: &[&Identity], to: &[&crypto::Recipient]) -> Result<(), ProjectError> {
    let mut files: Vec<PathBuf> =
        project.participants()?.iter().map(|id| project.participant_identity_path(id)).collect();
    let manifest = project.root().join(MANIFEST_FILE);
    if manifest.exists() {
        files.push(manifest);
    }
    for path in files {
        let plain = decrypt_either(keys, &path)?;
        let sealed = crypto::encrypt_to(to, &plain, &path)?;
        securefs::write_atomic(&path, &sealed)?;
    }
    Ok(())
}

/// Replaces the project key, resuming a rotation a crash interrupted.
pub(super) fn rotate_project_key(project: &Project, passphrase: &SecretString) -> Result<Identity, ProjectError> {
    let root = project.root();
    let old = unlock_file(&root.join(IDENTITY_FILE), passphrase)?;
    let next_path = root.join(NEXT_IDENTITY_FILE);
    let new = if next_path.exists() {
        unlock_file(&next_path, passphrase)?
    } else {
        let new = crypto::generate_identity();
        let text = crypto::identity_file_text(&new, "verbatim project identity");
        let sealed = crypto::encrypt_with_passphrase(passphrase, text.expose_secret().as_bytes(), &next_path)?;
        securefs::write_atomic(&next_path, &sealed)?;
        new
    };
    let (old_public, new_public) = (old.to_public(), new.to_public());
    rewrap(project, &[&old, &new], &[&old_public, &new_public])?;
    let mut config = project.config().clone();
    config.project_recipient = new_public.to_string();
    super::write_config(root, &config)?;
    fs::rename(&next_path, root.join(IDENTITY_FILE)).at(&next_path, "replacing the project key")?;
    securefs::sync_dir(root)?;
    // The supervisors get the new key; their copy of the old one is replaced.
    super::supervisor::seal_for_supervisors(&Project::open(root)?, &new)?;
    rewrap(project, &[&new, &old], &[&new_public])?;
    let lock = root.join(ROTATING_FILE);
    fs::remove_file(&lock).at(&lock, "finishing the key rotation")?;
    securefs::sync_dir(root)?;
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_cut_after_the_config_switched_is_finished_by_unlock() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        let pass = SecretString::from("a passphrase for tests".to_string());
        let project = Project::init(&root, &pass).unwrap();
        let p01 = project.add_participant("P01").unwrap().to_string();
        let old = unlock_file(&root.join(IDENTITY_FILE), &pass).unwrap();
        // Replay the rotation up to the config switch, then "crash" before the rename.
        let new = crypto::generate_identity();
        let text = crypto::identity_file_text(&new, "next");
        let next = root.join(NEXT_IDENTITY_FILE);
        let sealed = crypto::encrypt_with_passphrase(&pass, text.expose_secret().as_bytes(), &next).unwrap();
        securefs::write_atomic(&next, &sealed).unwrap();
        securefs::write_atomic(&root.join(ROTATING_FILE), b"").unwrap();
        rewrap(&project, &[&old], &[&old.to_public(), &new.to_public()]).unwrap();
        let mut config = project.config().clone();
        config.project_recipient = new.to_public().to_string();
        crate::project::write_config(&root, &config).unwrap();

        let project = Project::open(&root).unwrap();
        let mut keyring = project.unlock(&pass).unwrap();
        assert_eq!(keyring.project_identity().to_public().to_string(), new.to_public().to_string());
        assert_eq!(keyring.participant("P01").unwrap().to_public().to_string(), p01);
        assert!(!root.join(ROTATING_FILE).exists() && !next.exists());
        // The old project key no longer opens the participant's key.
        let key = project.participant_identity_path("P01");
        assert!(crypto::decrypt_bytes(&old, &fs::read(&key).unwrap(), &key).is_err());
    }
}
