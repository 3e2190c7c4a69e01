//! Replacing the project key, crash-safe: `forget` and the removal of a supervisor both end
//! with it, so that nothing the live project holds can open a backup taken before.
//!
//! While it runs, a `.rotating` file blocks new participants; each participant key is first
//! wrapped to both project keys, then the config and `identity.age` switch to the new one, then
//! the old wrapping is dropped. Unlocking a project with `.rotating` present finishes the
//! rotation first.

use std::fs;
use std::path::{Path, PathBuf};

use super::keys::seal_for_supervisors;
use super::manifest::MANIFEST_FILE;
use super::{IDENTITY_FILE, Project, ProjectError, ROTATING_FILE};
use crate::crypto::{self, ExposeSecret, Identity, SecretString};
use crate::securefs::{self, IoContext};

/// The next project key, while it is being put in place.
pub(super) const NEXT_IDENTITY_FILE: &str = "identity.next.age";

/// Marks a rotation as begun: from here on, the next unlock finishes it whatever happens.
pub(super) fn begin(root: &Path) -> Result<(), ProjectError> {
    securefs::write_atomic(&root.join(ROTATING_FILE), b"verbatim is replacing the project key\n")?;
    Ok(())
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

/// Re-encrypts every participant key, the manifest and the interviewer's enrolled voices to `to`.
fn rewrap(project: &Project, keys: &[&Identity], to: &[&crypto::Recipient]) -> Result<(), ProjectError> {
    let mut files: Vec<PathBuf> =
        project.participants()?.iter().map(|id| project.participant_identity_path(id)).collect();
    let manifest = project.root().join(MANIFEST_FILE);
    if manifest.exists() {
        files.push(manifest);
    }
    files.extend(project.project_voice_files()?);
    for path in files {
        let plain = decrypt_either(keys, &path)?;
        let sealed = crypto::encrypt_to(to, &plain, &path)?;
        securefs::write_atomic(&path, &sealed)?;
    }
    Ok(())
}

/// Replaces the project key, resuming a rotation a crash interrupted.
pub(super) fn rotate(project: &Project, passphrase: &SecretString) -> Result<Identity, ProjectError> {
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
    seal_for_supervisors(&Project::open(root)?, &new)?;
    rewrap(project, &[&new, &old], &[&new_public])?;
    let lock = root.join(ROTATING_FILE);
    fs::remove_file(&lock).at(&lock, "finishing the key rotation")?;
    securefs::sync_dir(root)?;
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p01_code() -> crate::model::ParticipantCode {
        "P01".parse().unwrap()
    }

    #[test]
    fn a_rotation_cut_after_the_config_switched_is_finished_by_unlock() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        let pass = SecretString::from("a passphrase for tests".to_string());
        let project = Project::init(&root, &pass).unwrap();
        let p01 = project.add_participant(&p01_code()).unwrap().to_string();
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
        assert_eq!(keyring.participant(&p01_code()).unwrap().to_public().to_string(), p01);
        assert!(!root.join(ROTATING_FILE).exists() && !next.exists());
        // The old project key no longer opens the participant's key.
        let key = project.participant_identity_path(&p01_code());
        assert!(crypto::decrypt_bytes(&old, &fs::read(&key).unwrap(), &key).is_err());
    }
}
