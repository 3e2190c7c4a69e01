//! The export manifest: every file verbatim wrote outside the project for a participant
//! (exports, clips, exported keys), so `forget` can delete them too.
//!
//! It is `exports.json.age`, encrypted to the project key: file names can hint at who a
//! participant is (a session id holds a date), so they are not left readable.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Keyring, Project, ProjectError};
use crate::crypto;
use crate::model::{ParticipantCode, SessionId};
use crate::securefs;

/// File name of the manifest in the project folder.
pub const MANIFEST_FILE: &str = "exports.json.age";
const MANIFEST_VERSION: u32 = 1;

/// One file written for a participant.
/// What kind of file a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// A transcript or data export (`verbatim export`).
    Export,
    /// An audio clip or its excerpt (`verbatim clips`).
    Clip,
    /// Decrypted audio (`verbatim decrypt`).
    Decrypt,
    /// A participant's exported key (`verbatim key export`).
    Key,
}

/// One file verbatim wrote outside the project.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExportRecord {
    /// Whose data it holds.
    pub(crate) participant: ParticipantCode,
    /// The session it came from, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) session: Option<SessionId>,
    /// Where it was written (absolute).
    pub(crate) path: PathBuf,
    /// What it is.
    pub(crate) kind: ExportKind,
    /// Written unencrypted.
    pub(crate) plaintext: bool,
    /// When, RFC 3339.
    pub(crate) written: String,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Manifest {
    version: u32,
    files: Vec<ExportRecord>,
}

impl ExportRecord {
    /// A record for `path`, written now.
    pub fn now(
        participant: &ParticipantCode,
        session: Option<&SessionId>,
        path: &Path,
        kind: ExportKind,
        plaintext: bool,
    ) -> Self {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        Self {
            participant: participant.clone(),
            session: session.cloned(),
            path,
            kind,
            plaintext,
            written: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

fn manifest_path(project: &Project) -> PathBuf {
    project.root().join(MANIFEST_FILE)
}

impl Keyring {
    /// Every file recorded in the manifest (none if nothing was ever exported).
    pub fn exports(&self) -> Result<Vec<ExportRecord>, ProjectError> {
        Ok(self.read_manifest()?.files)
    }

    fn read_manifest(&self) -> Result<Manifest, ProjectError> {
        let path = manifest_path(self.project());
        let sealed = match fs::read(&path) {
            Ok(sealed) => sealed,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
            Err(e) => return Err(securefs::FsError { path, action: "reading the export manifest", source: e }.into()),
        };
        let plain = crypto::decrypt_bytes(self.project_identity(), &sealed, &path)?;
        serde_json::from_slice(&plain).map_err(|e| ProjectError::BadConfig {
            path,
            reason: format!("the export manifest is damaged ({e}); restore it from a backup"),
        })
    }

    /// Adds `records` to the manifest (encrypted to the project key, replaced atomically).
    pub fn record_exports(&self, records: Vec<ExportRecord>) -> Result<(), ProjectError> {
        let mut manifest = self.read_manifest()?;
        manifest.version = MANIFEST_VERSION;
        manifest.files.extend(records);
        self.write_manifest(&manifest, self.project().recipient())
    }

    /// Follows a participant rename: their code and session ids in every record.
    pub(crate) fn rename_in_exports(
        &self,
        old: &ParticipantCode,
        new: &ParticipantCode,
        sessions: &[(SessionId, SessionId)],
    ) -> Result<(), ProjectError> {
        let mut manifest = self.read_manifest()?;
        if manifest.files.is_empty() {
            return Ok(());
        }
        for record in manifest.files.iter_mut().filter(|r| r.participant == *old) {
            record.participant = new.clone();
            if let Some((_, renamed)) = sessions.iter().find(|(from, _)| record.session.as_ref() == Some(from)) {
                record.session = Some(renamed.clone());
            }
        }
        self.write_manifest(&manifest, self.project().recipient())
    }

    /// Keeps only the records `keep` accepts, sealed to `recipient`.
    pub(super) fn retain_exports(
        &self,
        recipient: &crypto::Recipient,
        keep: impl Fn(&ExportRecord) -> bool,
    ) -> Result<(), ProjectError> {
        let mut manifest = self.read_manifest()?;
        manifest.version = MANIFEST_VERSION;
        manifest.files.retain(keep);
        self.write_manifest(&manifest, recipient)
    }

    fn write_manifest(&self, manifest: &Manifest, recipient: &crypto::Recipient) -> Result<(), ProjectError> {
        let path = manifest_path(self.project());
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(manifest)
                .map_err(|e| ProjectError::BadConfig { path: path.clone(), reason: e.to_string() })?,
        );
        let sealed = crypto::encrypt_to(&[recipient], &plain, &path)?;
        securefs::write_atomic(&path, &sealed)?;
        Ok(())
    }
}
