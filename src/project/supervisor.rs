//! A second way into the project for a supervisor: the project key sealed to their age
//! recipient in `identity.supervisor.age`, beside the passphrase-sealed `identity.age`.
//!
//! The trade-off: the supervisor's key works like a second passphrase. It never opens a
//! participant's files directly, so `forget` still crypto-shreds them in the live project (the
//! project key is replaced and re-sealed to the supervisor). But like the passphrase, it opens
//! any backup taken before a `forget`, and unlike the passphrase it cannot be changed by us:
//! removing a supervisor only stops them opening the project from then on.

use std::path::PathBuf;

use super::{Keyring, Project, ProjectError};
use crate::crypto::{self, ExposeSecret, Identity, Recipient};
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
