//! The unlocked key hierarchy: the project identity and, on demand, participant identities;
//! and the project key's other sealed copies (a new passphrase, the supervisors').

use std::collections::HashMap;
use std::fs;

use super::{Project, ProjectError};
use crate::crypto::{self, ExposeSecret, Identity, Recipient, SecretString};
use crate::model::ParticipantCode;
use crate::securefs::{self, IoContext};

/// The project identity, unlocked, plus participant identities decrypted as they are needed.
///
/// Identities zeroize their secret bytes when dropped (x25519-dalek's `StaticSecret`).
pub struct Keyring {
    project: Project,
    identity: Identity,
    participants: HashMap<ParticipantCode, Identity>,
}

impl Keyring {
    pub(super) fn new(project: Project, identity: Identity) -> Self {
        Self { project, identity, participants: HashMap::new() }
    }

    /// The project this keyring opens.
    pub fn project(&self) -> &Project {
        &self.project
    }

    pub(super) fn set_project(&mut self, project: Project) {
        self.project = project;
    }

    /// The unlocked project identity.
    pub fn project_identity(&self) -> &Identity {
        &self.identity
    }

    /// Decrypts (once) and returns the identity of participant `id`.
    pub fn participant(&mut self, id: &ParticipantCode) -> Result<&Identity, ProjectError> {
        if !self.participants.contains_key(id) {
            // Also checks that the participant exists, before any file is read.
            let expected = self.project.participant_recipient(id)?;
            let path = self.project.participant_identity_path(id);
            let sealed = fs::read(&path).at(&path, "reading the participant key")?;
            let text = crypto::decrypt_bytes(&self.identity, &sealed, &path)?;
            let text = std::str::from_utf8(&text).map_err(|_| crypto::CryptoError::BadKeyFile {
                path: path.clone(),
                line: 1,
                reason: "not text".into(),
            })?;
            let identity = crypto::parse_identity_text(text, &path)?;
            if identity.to_public().to_string() != expected.to_string() {
                return Err(crypto::CryptoError::BadKeyFile {
                    path,
                    line: 1,
                    reason: "this key does not match recipient.txt beside it; restore both from the same backup".into(),
                }
                .into());
            }
            self.participants.insert(id.clone(), identity);
        }
        self.participants
            .get(id)
            .ok_or_else(|| super::ParticipantError::Unknown { code: id.clone(), known: vec![] }.into())
    }

    /// The participant's identity as age-keygen text, for `verbatim key export`.
    pub fn participant_identity_text(&mut self, id: &ParticipantCode) -> Result<crypto::SecretString, ProjectError> {
        let identity = self.participant(id)?;
        let text = crypto::identity_file_text(identity, &format!("verbatim participant {id} (exported; keep it safe)"));
        debug_assert!(text.expose_secret().contains("AGE-SECRET-KEY-"));
        Ok(text)
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

/// Writes (or removes, with no supervisors) the project key sealed to the supervisors.
pub(super) fn seal_for_supervisors(project: &Project, identity: &Identity) -> Result<(), ProjectError> {
    let path = project.supervisor_identity_path();
    let supervisors = project.supervisors()?;
    if supervisors.is_empty() {
        if path.exists() {
            securefs::overwrite_and_remove(&path)?;
        }
        return Ok(());
    }
    let text = crypto::identity_file_text(identity, "verbatim project identity (for the supervisor)");
    let recipients: Vec<&Recipient> = supervisors.iter().collect();
    let sealed = crypto::encrypt_to(&recipients, text.expose_secret().as_bytes(), &path)?;
    securefs::write_atomic(&path, &sealed)?;
    Ok(())
}
