//! A second way into the project for a supervisor: the project key sealed to their age
//! recipient in `identity.supervisor.age`, beside the passphrase-sealed `identity.age`.
//!
//! The trade-off: the supervisor's key works like a second passphrase. It never opens a
//! participant's files directly, so `forget` still crypto-shreds them in the live project (the
//! project key is replaced and re-sealed to the supervisor). But like the passphrase, it opens
//! any backup taken before a `forget`, and unlike the passphrase it cannot be changed by us:
//! removing a supervisor (which replaces the project key) only stops them opening the project
//! from then on.

use std::path::PathBuf;

use super::{Keyring, Project, ProjectError};
use crate::crypto::{self, ExposeSecret, Identity, Recipient, SecretString};
use crate::securefs;

/// File holding the project key sealed to the supervisors.
pub const SUPERVISOR_IDENTITY_FILE: &str = "identity.supervisor.age";

impl Project {
    /// The supervisors' recipients from `verbatim.toml`.
    pub fn supervisors(&self) -> Result<Vec<Recipient>, ProjectError> {
        let path = self.root().join(super::CONFIG_FILE);
        self.config().supervisors.iter().map(|text| Ok(crypto::parse_recipient(text, &path)?)).collect()
    }

    /// Path of the project key sealed to the supervisors.
    pub fn supervisor_identity_path(&self) -> PathBuf {
        self.root().join(SUPERVISOR_IDENTITY_FILE)
    }
}

impl Keyring {
    /// Adds `recipient` as a supervisor and seals the project key to every supervisor.
    pub fn add_supervisor(&mut self, recipient: &Recipient) -> Result<(), ProjectError> {
        let mut project = self.project().clone();
        let text = recipient.to_string();
        if !project.config().supervisors.contains(&text) {
            let mut config = project.config().clone();
            config.supervisors.push(text);
            super::write_config(project.root(), &config)?;
            project = Project::open(project.root())?;
        }
        seal_for_supervisors(&project, self.project_identity())?;
        self.set_project(project);
        Ok(())
    }
}

impl Project {
    /// Fails unless `recipient` is one of the supervisors; run before asking the passphrase.
    pub fn require_supervisor(&self, recipient: &Recipient) -> Result<(), ProjectError> {
        let text = recipient.to_string();
        let known = &self.config().supervisors;
        if known.contains(&text) {
            return Ok(());
        }
        Err(ProjectError::UnknownSupervisor {
            path: self.root().join(super::CONFIG_FILE),
            recipient: text,
            known: if known.is_empty() { "it has none".into() } else { format!("they are {}", known.join(", ")) },
        })
    }
}

impl Keyring {
    /// Removes `recipient` as a supervisor and replaces the project key, so the copy they hold
    /// opens nothing the project writes from now on. Consumes the keyring, as `forget` does.
    pub fn remove_supervisor(self, recipient: &Recipient, passphrase: &SecretString) -> Result<(), ProjectError> {
        let project = self.project().clone();
        project.require_supervisor(recipient)?;
        let root = project.root().to_path_buf();
        // The lock first: if we stop after the config changed, the next unlock still rotates.
        securefs::write_atomic(&root.join(super::forget::ROTATING_FILE), b"verbatim is replacing the project key\n")?;
        let mut config = project.config().clone();
        let text = recipient.to_string();
        config.supervisors.retain(|s| *s != text);
        super::write_config(&root, &config)?;
        drop(self);
        super::forget::rotate_project_key(&Project::open(&root)?, passphrase)?;
        Ok(())
    }
}

/// Writes (or removes, with no supervisors) the project key sealed to the supervisors.
pub(super) fn seal_for_supervisors(project: &Project, identity: &Identity) -> Result<(), ProjectError> {
    let path = project.supervisor_identity_path();
    let supervisors = project.supervisors()?;
    if supervisors.is_empty() {
        if path.exists() {
            super::shred::overwrite_and_remove(&path)?;
        }
        return Ok(());
    }
    let text = crypto::identity_file_text(identity, "verbatim project identity (for the supervisor)");
    let recipients: Vec<&Recipient> = supervisors.iter().collect();
    let sealed = crypto::encrypt_to(&recipients, text.expose_secret().as_bytes(), &path)?;
    securefs::write_atomic(&path, &sealed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removal_cut_after_the_config_changed_is_finished_by_unlock() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        let pass = SecretString::from("a passphrase for tests".to_string());
        let project = Project::init(&root, &pass).unwrap();
        let supervisor = crypto::generate_identity();
        let mut keyring = project.unlock(&pass).unwrap();
        keyring.add_supervisor(&supervisor.to_public()).unwrap();
        let old = keyring.project_identity().to_public().to_string();
        assert!(root.join(SUPERVISOR_IDENTITY_FILE).exists());
        // Replay the removal up to the config change, then "crash" before the rotation.
        securefs::write_atomic(&root.join(super::super::forget::ROTATING_FILE), b"").unwrap();
        let mut config = keyring.project().config().clone();
        config.supervisors.clear();
        super::super::write_config(&root, &config).unwrap();

        let keyring = Project::open(&root).unwrap().unlock(&pass).unwrap();
        assert_ne!(keyring.project_identity().to_public().to_string(), old, "the project key was replaced");
        assert!(!root.join(SUPERVISOR_IDENTITY_FILE).exists(), "their sealed copy is gone");
        let err = keyring.project().require_supervisor(&supervisor.to_public()).unwrap_err().to_string();
        assert!(err.contains("is not a supervisor") && err.contains("it has none"), "{err}");
    }
}
