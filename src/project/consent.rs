//! Consent records: each participant's consent status, its date and optional notes, stored
//! encrypted to that participant (`consent.json.age` in their folder), so it goes with them.

use std::fs;

use super::{Keyring, Project, ProjectError};
use crate::crypto;
use crate::model::ParticipantCode;
use crate::securefs;

/// File name of a participant's consent record, in their folder.
pub const CONSENT_FILE: &str = "consent.json.age";

/// Where a participant's consent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// Asked, not yet given: record, but do not analyse or publish.
    Pending,
    /// Given: the recordings may be analysed and published as agreed.
    Given,
    /// Withdrawn: run `verbatim forget`.
    Withdrawn,
}

impl ConsentStatus {
    /// Every status, in the order `--help` lists them.
    pub(crate) const ALL: [ConsentStatus; 3] = [ConsentStatus::Pending, ConsentStatus::Given, ConsentStatus::Withdrawn];

    /// The status as a word.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Given => "given",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// One participant's consent record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Consent {
    /// Where consent stands now.
    pub status: ConsentStatus,
    /// When it was given, asked or withdrawn (YYYY-MM-DD).
    pub date: chrono::NaiveDate,
    /// Free notes (which form, what was agreed); no personal data.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Drop for Consent {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.note);
    }
}

impl Project {
    /// Stores `consent` for participant `id`, encrypted to them; needs no passphrase.
    pub fn set_consent(&self, id: &ParticipantCode, consent: &Consent) -> Result<(), ProjectError> {
        let recipient = self.participant_recipient(id)?;
        let path = self.participant_dir(id).join(CONSENT_FILE);
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(consent)
                .map_err(|e| ProjectError::BadConfig { path: path.clone(), reason: e.to_string() })?,
        );
        let sealed = crypto::encrypt_to(&[&recipient], &plain, &path)?;
        securefs::write_atomic(&path, &sealed)?;
        Ok(())
    }
}

impl Keyring {
    /// Participant `id`'s consent record, or `None` if none was ever stored.
    pub fn consent(&mut self, id: &ParticipantCode) -> Result<Option<Consent>, ProjectError> {
        let path = self.project().participant_dir(id).join(CONSENT_FILE);
        let sealed = match fs::read(&path) {
            Ok(sealed) => sealed,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(securefs::FsError { path, action: "reading the consent record", source: e }.into()),
        };
        let identity = self.participant(id)?.clone();
        let plain = crypto::decrypt_bytes(&identity, &sealed, &path)?;
        serde_json::from_slice(&plain).map(Some).map_err(|e| ProjectError::BadConfig {
            path,
            reason: format!("the consent record is damaged ({e}); record the consent again"),
        })
    }
}

/// Why a text is not a consent status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a consent status; use pending, given or withdrawn")]
pub struct ConsentStatusError(pub String);

impl std::str::FromStr for ConsentStatus {
    type Err = ConsentStatusError;

    fn from_str(text: &str) -> Result<Self, ConsentStatusError> {
        let name = text.trim().to_ascii_lowercase();
        ConsentStatus::ALL.into_iter().find(|s| s.label() == name).ok_or_else(|| ConsentStatusError(text.into()))
    }
}
