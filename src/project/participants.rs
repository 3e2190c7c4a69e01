//! Participant codes and their per-participant keys.

use std::fs;
use std::path::PathBuf;

use super::{Project, ProjectError};
use crate::crypto::{self, ExposeSecret, Recipient};
use crate::model::{CodeError, ParticipantCode};
use crate::securefs::{self, IoContext};

const RECIPIENT_FILE: &str = "recipient.txt";
const IDENTITY_FILE: &str = "identity.age";
/// Folder, inside a participant's folder, that holds their sessions.
pub const SESSIONS_DIR: &str = "sessions";

/// A participant code that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParticipantError {
    /// Not a code of the allowed shape.
    #[error(transparent)]
    InvalidCode(#[from] CodeError),
    /// No participant with that code.
    #[error("no participant {:?} in this project{}", code.as_str(), known_list(.known))]
    Unknown {
        /// The code asked for.
        code: ParticipantCode,
        /// The codes that exist.
        known: Vec<ParticipantCode>,
    },
    /// A `forget` is replacing the project key.
    #[error(
        "the project key is being replaced after a `forget` that did not finish; unlock the project once \
         (any command that asks for the passphrase finishes it), then add the participant again. Nothing was changed"
    )]
    Rotating,
    /// The code is taken (compared case-insensitively).
    #[error("participant {:?} already exists; nothing was changed", .0.as_str())]
    Exists(ParticipantCode),
}

fn known_list(known: &[ParticipantCode]) -> String {
    let codes: Vec<&str> = known.iter().map(ParticipantCode::as_str).collect();
    if known.is_empty() { String::new() } else { format!(" (known: {})", codes.join(", ")) }
}

impl Project {
    /// Folder of one participant (which may not exist).
    pub(crate) fn participant_dir(&self, id: &ParticipantCode) -> PathBuf {
        self.participants_dir().join(id.as_str())
    }

    /// Every registered participant code, sorted.
    pub fn participants(&self) -> Result<Vec<ParticipantCode>, ProjectError> {
        let dir = self.participants_dir();
        let mut codes = Vec::new();
        for entry in fs::read_dir(&dir).at(&dir, "listing participants")? {
            let entry = entry.at(&dir, "listing participants")?;
            // Folders that are not codes (a staging folder, a stray copy) are not participants.
            let Ok(code) = entry.file_name().to_string_lossy().parse::<ParticipantCode>() else { continue };
            if entry.path().join(RECIPIENT_FILE).is_file() {
                codes.push(code);
            }
        }
        codes.sort();
        Ok(codes)
    }

    /// Fails with a helpful list unless `id` is registered.
    pub fn require_participant(&self, id: &ParticipantCode) -> Result<(), ProjectError> {
        let known = self.participants()?;
        if known.contains(id) { Ok(()) } else { Err(ParticipantError::Unknown { code: id.clone(), known }.into()) }
    }

    /// Registers a participant and creates their key pair; needs no passphrase.
    pub fn add_participant(&self, id: &ParticipantCode) -> Result<Recipient, ProjectError> {
        if self.is_rotating() {
            // Its key would be wrapped to a project key that is about to be destroyed.
            return Err(ParticipantError::Rotating.into());
        }
        if self.participants()?.iter().any(|k| k.clashes_with(id)) {
            return Err(ParticipantError::Exists(id.clone()).into());
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
    pub fn participant_recipient(&self, id: &ParticipantCode) -> Result<Recipient, ProjectError> {
        self.require_participant(id)?;
        let path = self.participant_dir(id).join(RECIPIENT_FILE);
        let text = fs::read_to_string(&path).at(&path, "reading the participant's public key")?;
        Ok(crypto::parse_recipient(&text, &path)?)
    }

    /// Path of a participant's encrypted identity.
    pub(crate) fn participant_identity_path(&self, id: &ParticipantCode) -> PathBuf {
        self.participant_dir(id).join(IDENTITY_FILE)
    }
}

/// File, in a participant's folder, saying the "participant" is a focus group and how many
/// members it has (sealed to them, like their consent).
pub const GROUP_FILE: &str = "group.json.age";

/// A focus group's size, as the registry keeps it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Group {
    members: u8,
}

impl Project {
    /// Records that participant `id` is a focus group of `members` people (the moderator not
    /// counted), or, with `None`, a one-to-one interview; needs no passphrase.
    pub fn set_group(&self, id: &ParticipantCode, members: Option<u8>) -> Result<(), ProjectError> {
        let path = self.participant_dir(id).join(GROUP_FILE);
        match members {
            Some(members) => {
                let recipient = self.participant_recipient(id)?;
                crate::store::write(&path, &recipient, &Group { members }).map_err(super::VoiceError::from)?;
            }
            None => match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(securefs::FsError { path, action: "removing", source: e }.into());
                }
                _ => {}
            },
        }
        Ok(())
    }
}

impl super::Keyring {
    /// How many members participant `id` has if it is a focus group; `None` for a one-to-one
    /// interview.
    pub fn group(&mut self, id: &ParticipantCode) -> Result<Option<u8>, ProjectError> {
        let path = self.project().participant_dir(id).join(GROUP_FILE);
        if !path.exists() {
            return Ok(None);
        }
        let identity = self.participant(id)?.clone();
        let plain = crate::store::open(&path, &identity).map_err(super::VoiceError::from)?;
        let group: Group = crate::store::decode(&plain, &path).map_err(super::VoiceError::from)?;
        Ok(Some(group.members))
    }
}
