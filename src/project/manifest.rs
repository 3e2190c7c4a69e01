//! The export manifest: every file verbatim wrote outside the project for a participant
//! (exports, clips, exported keys), so `forget` can delete them too.
//!
//! It is `exports.json.age`, encrypted to the project key: file names can hint at who a
//! participant is (a session id holds a date), so they are not left readable.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Keyring, Project, ProjectError};
use crate::crypto;
use crate::securefs;

/// File name of the manifest in the project folder.
pub const MANIFEST_FILE: &str = "exports.json.age";
const MANIFEST_VERSION: u32 = 1;

/// One file written for a participant.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExportRecord {
    /// Whose data it holds.
    pub participant: String,
    /// The session, if it came from one (a key export has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Absolute path as written.
    pub path: PathBuf,
    /// `export`, `clip`, `key` or `decrypt`.
    pub kind: String,
    /// Whether it was written unencrypted.
    pub plaintext: bool,
    /// When, RFC 3339.
    pub written: String,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Manifest {
    version: u32,
    files: Vec<ExportRecord>,
}

impl ExportRecord {
    /// A record for `path`, written now.
    pub fn now(participant: &str, session: Option<&str>, path: &Path, kind: &str, plaintext: bool) -> Self {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        Self {
            participant: participant.to_string(),
            session: session.map(str::to_string),
            path,
            kind: kind.to_string(),
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
    pub fn rename_in_exports(&self, old: &str, new: &str, sessions: &[(String, String)]) -> Result<(), ProjectError> {
        let mut manifest = self.read_manifest()?;
        if manifest.files.is_empty() {
            return Ok(());
        }
        for record in manifest.files.iter_mut().filter(|r| r.participant == old) {
            record.participant = new.to_string();
            if let Some((_, renamed)) = sessions.iter().find(|(from, _)| record.session.as_deref() == Some(from)) {
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
