//! A second way into the project for a supervisor: the project key sealed to their age
//! recipient in `identity.supervisor.age`, beside the passphrase-sealed `identity.age`.
//!
//! The trade-off: the supervisor's key works like a second passphrase. It never opens a
//! participant's files directly, so `forget` still crypto-shreds them in the live project (the
//! project key is replaced and re-sealed to the supervisor). But like the passphrase, it opens
//! any backup taken before a `forget`, and unlike the passphrase it cannot be changed by us:
//! removing a supervisor (which replaces the project key) only stops them opening the project
//! from then on.

use super::keys::seal_for_supervisors;
use super::{Keyring, Project, ProjectError, rotation};
use crate::crypto::{Recipient, SecretString};

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
        rotation::begin(&root)?;
        let mut config = project.config().clone();
        let text = recipient.to_string();
        config.supervisors.retain(|s| *s != text);
        super::write_config(&root, &config)?;
        drop(self);
        rotation::rotate(&Project::open(&root)?, passphrase)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::SUPERVISOR_IDENTITY_FILE;

    #[test]
    fn a_removal_cut_after_the_config_changed_is_finished_by_unlock() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        let pass = SecretString::from("a passphrase for tests".to_string());
        let project = Project::init(&root, &pass).unwrap();
        let supervisor = crate::crypto::generate_identity();
        let mut keyring = project.unlock(&pass).unwrap();
        keyring.add_supervisor(&supervisor.to_public()).unwrap();
        let old = keyring.project_identity().to_public().to_string();
        assert!(root.join(SUPERVISOR_IDENTITY_FILE).exists());
        // Replay the removal up to the config change, then "crash" before the rotation.
        rotation::begin(&root).unwrap();
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
