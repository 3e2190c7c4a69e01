//! Participant codes and their per-participant keys.

use std::fs;
use std::path::PathBuf;

use super::{Project, ProjectError};
use crate::crypto::{self, ExposeSecret, Recipient};
use crate::securefs::{self, IoContext};

const RECIPIENT_FILE: &str = "recipient.txt";
const IDENTITY_FILE: &str = "identity.age";
/// Folder, inside a participant's folder, that holds their sessions.
pub const SESSIONS_DIR: &str = "sessions";

/// A participant code that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParticipantError {
    /// Not a code of the allowed shape.
    #[error("participant code {0:?} is not allowed: {1}")]
    InvalidId(String, &'static str),
    /// No participant with that code.
    #[error("no participant {code:?} in this project{}. Add one with `verbatim participant add DIR {code}`.", known_list(.known))]
    Unknown {
        /// The code asked for.
        code: String,
        /// The codes that exist.
        known: Vec<String>,
    },
    /// A `forget` is replacing the project key.
    #[error(
        "the project key is being replaced after a `forget` that did not finish; run `verbatim sessions DIR` \
         (it asks for the passphrase and finishes it), then add the participant again. Nothing was changed"
    )]
    Rotating,
    /// The code is taken (compared case-insensitively).
    #[error("participant {0:?} already exists; nothing was changed")]
    Exists(String),
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() { String::new() } else { format!(" (known: {})", known.join(", ")) }
}

/// Accepts pseudonymous codes such as `P01` or `L3-focus`, and refuses personal data.
///
/// Codes appear in folder names, so they must never be a name, an email or a phone number.
pub fn validate_participant_id(id: &str) -> Result<(), ParticipantError> {
    let bad = |why| Err(ParticipantError::InvalidId(id.to_string(), why));
    if id.is_empty() || id.len() > 24 {
        return bad("use 1 to 24 characters, such as P01");
    }
    if id.contains('@') {
        return bad("it looks like an email address; use a code such as P01");
    }
    if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return bad("use only letters A-Z, digits, '-' and '_', such as P01");
    }
    if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return bad("start with a letter or digit");
    }
    if id.chars().filter(char::is_ascii_digit).count() >= 6 {
        return bad("it looks like a phone number or a date of birth; use a code such as P01");
    }
    Ok(())
}

impl Project {
    /// Folder of one participant (which may not exist).
    pub fn participant_dir(&self, id: &str) -> PathBuf {
        self.participants_dir().join(id)
    }

    /// Every registered participant code, sorted.
    pub fn participants(&self) -> Result<Vec<String>, ProjectError> {
        let dir = self.participants_dir();
        let mut codes = Vec::new();
        for entry in fs::read_dir(&dir).at(&dir, "listing participants")? {
            let entry = entry.at(&dir, "listing participants")?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') && entry.path().join(RECIPIENT_FILE).is_file() {
                codes.push(name);
            }
        }
        codes.sort();
        Ok(codes)
    }

    /// Fails with a helpful list unless `id` is registered.
    pub fn require_participant(&self, id: &str) -> Result<(), ProjectError> {
        validate_participant_id(id)?;
        let known = self.participants()?;
        if known.iter().any(|k| k == id) {
            Ok(())
        } else {
            Err(ParticipantError::Unknown { code: id.into(), known }.into())
        }
    }

    /// Registers a participant and creates their key pair; needs no passphrase.
    pub fn add_participant(&self, id: &str) -> Result<Recipient, ProjectError> {
        validate_participant_id(id)?;
        if self.root().join(super::forget::ROTATING_FILE).exists() {
            // Its key would be wrapped to a project key that is about to be destroyed.
            return Err(ParticipantError::Rotating.into());
        }
        if self.participants()?.iter().any(|k| k.eq_ignore_ascii_case(id)) {
            return Err(ParticipantError::Exists(id.into()).into());
        }
        let identity = crypto::generate_identity();
        let recipient = identity.to_public();
        let final_dir = self.participant_dir(id);
        let staging = securefs::temp_sibling(&final_dir);
        securefs::create_dir(&staging)?;
        let result = (|| {
            let text = crypto::identity_file_text(&identity, &format!("verbatim participant {id}"));
            let key_path = final_dir.join(IDENTITY_FILE);
            let sealed = crypto::encrypt_to(&[self.recipient()], text.expose_secret().as_bytes(), &key_path)?;
            securefs::write_atomic(&staging.join(IDENTITY_FILE), &sealed)?;
            securefs::write_atomic(&staging.join(RECIPIENT_FILE), format!("{recipient}\n").as_bytes())?;
            securefs::create_dir(&staging.join(SESSIONS_DIR))?;
            securefs::rename_durable(&staging, &final_dir)?;
            Ok::<(), ProjectError>(())
        })();
        if result.is_err() {
            let _ = fs::remove_dir_all(&staging);
        }
        result?;
        Ok(recipient)
    }

    /// The public key of a participant; all their files are encrypted to it.
    pub fn participant_recipient(&self, id: &str) -> Result<Recipient, ProjectError> {
        self.require_participant(id)?;
        let path = self.participant_dir(id).join(RECIPIENT_FILE);
        let text = fs::read_to_string(&path).at(&path, "reading the participant's public key")?;
        Ok(crypto::parse_recipient(&text, &path)?)
    }

    /// Path of a participant's encrypted identity.
    pub fn participant_identity_path(&self, id: &str) -> PathBuf {
        self.participant_dir(id).join(IDENTITY_FILE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_accepted_and_personal_data_refused() {
        for ok in ["P01", "p1", "L7", "FG2_L3", "pilot-1", "2024A"] {
            assert_eq!(validate_participant_id(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "kari@uio.no",
            "Kari Nordmann",
            "+4791234567",
            "91234567",
            "010190",
            "-P1",
            "Åse",
            "x".repeat(25).as_str(),
            "../P1",
        ] {
            assert!(validate_participant_id(bad).is_err(), "{bad} should be refused");
        }
    }
}
