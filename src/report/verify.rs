//! `verify`: every encrypted file of the project authenticated, and anything that should not be
//! in it flagged (plaintext, leftovers of interrupted operations, missing files).

use std::fs;
use std::path::{Path, PathBuf};

use crate::crypto::{self, Identity};
use crate::project::{CONSENT_FILE, Keyring, MANIFEST_FILE, SESSIONS_DIR, SUPERVISOR_IDENTITY_FILE};
use crate::securefs::IoContext;
use crate::session::{
    AUDIO_FILE, INTERRUPTED_SUFFIX, LOCK_FILE, META_FILE, SALVAGING_SUFFIX, STAGING_PREFIX, SessionDir, SessionError,
    verify_audio,
};

/// What was found about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// It authenticates; what it is.
    Verified(String),
    /// It fails, or should not be there; why.
    Failed(String),
    /// Worth knowing, not an error (a leftover to delete, a file only others can open).
    Note(String),
}

/// One file checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The file.
    pub path: PathBuf,
    /// What was found.
    pub finding: Finding,
}

/// Everything `verify` checked, in order.
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// The checks and notes.
    pub checks: Vec<Check>,
}

impl VerifyReport {
    /// Files checked (notes are not checks).
    pub fn checked(&self) -> usize {
        self.checks.iter().filter(|c| !matches!(c.finding, Finding::Note(_))).count()
    }

    /// Checks that failed.
    pub fn failed(&self) -> usize {
        self.checks.iter().filter(|c| matches!(c.finding, Finding::Failed(_))).count()
    }

    fn push(&mut self, path: &Path, finding: Finding) {
        self.checks.push(Check { path: path.to_path_buf(), finding });
    }

    fn result(&mut self, path: &Path, result: Result<String, String>) {
        self.push(path, result.map_or_else(Finding::Failed, Finding::Verified));
    }
}

/// Authenticates every file of the project `keyring` opens.
pub fn verify(keyring: &mut Keyring) -> Result<VerifyReport, SessionError> {
    let project = keyring.project().clone();
    let mut report = VerifyReport::default();
    report.push(&project.identity_path(), Finding::Verified("(the passphrase opens the project key)".into()));
    let project_key = keyring.project_identity().clone();
    let manifest = project.root().join(MANIFEST_FILE);
    if manifest.exists() {
        report.result(&manifest, decrypts(&manifest, &project_key).map(|n| format!("(export manifest, {n} bytes)")));
    }
    let supervisors = project.root().join(SUPERVISOR_IDENTITY_FILE);
    if supervisors.exists() {
        // Sealed to the supervisors' keys, which only they hold: present is all we can check.
        report.push(&supervisors, Finding::Note("project key for the supervisors".into()));
    }
    let sessions = SessionDir::list(&project)?;
    for participant in project.participants()? {
        let key_path = project.participant_identity_path(&participant);
        let identity = match keyring.participant(&participant) {
            Ok(identity) => identity.clone(),
            Err(e) => {
                report.push(&key_path, Finding::Failed(e.to_string()));
                continue;
            }
        };
        report.push(&key_path, Finding::Verified(format!("(key of {participant})")));
        let consent = project.participant_dir(&participant).join(CONSENT_FILE);
        if consent.exists() {
            report.result(&consent, decrypts(&consent, &identity).map(|n| format!("(consent record, {n} bytes)")));
        }
        note_leftovers(&mut report, &project.participant_dir(&participant).join(SESSIONS_DIR));
        for s in sessions.iter().filter(|s| s.participant == participant) {
            verify_session(&mut report, s, &identity)?;
        }
    }
    Ok(report)
}

fn verify_session(report: &mut VerifyReport, s: &SessionDir, identity: &Identity) -> Result<(), SessionError> {
    let meta = s.read_meta(identity);
    let spec = meta.as_ref().ok().map(|m| m.audio);
    report.result(
        &s.meta_path(),
        meta.map(|m| format!("({}, {})", m.participant, m.started.format("%Y-%m-%d %H:%M"))).map_err(|e| e.to_string()),
    );
    let audio = s.audio_path();
    if audio.exists() {
        let result = verify_audio(&audio, identity)
            .map(|frames| spec.map(|sp| format!("({:.1} of audio)", sp.frames_to_ms(frames))).unwrap_or_default());
        report.result(&audio, result.map_err(|e| e.to_string()));
    } else {
        report.push(&audio, Finding::Failed(format!("{}: missing; restore it from a backup", audio.display())));
    }
    for entry in fs::read_dir(&s.path).at(&s.path, "listing")? {
        let path = entry.at(&s.path, "listing")?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name == AUDIO_FILE || name == META_FILE {
            continue;
        } else if name == LOCK_FILE {
            let state = if s.recorder_alive() { "recording now" } else { "left by an interrupted recording" };
            report.push(&path, Finding::Note(state.into()));
        } else if name.contains(INTERRUPTED_SUFFIX) {
            let why = "damaged original kept by `recover`; delete it once you have checked the session";
            report.push(&path, Finding::Note(why.into()));
        } else if name.ends_with(SALVAGING_SUFFIX) {
            let why = "encrypted leftover of an interrupted `recover`; run recover again, or delete it";
            report.push(&path, Finding::Note(why.into()));
        } else if name.ends_with(".age") {
            report.result(&path, decrypts(&path, identity).map(|n| format!("({n} bytes)")));
        } else {
            // Anything unencrypted in a session folder is a possible leak.
            let why = "an unencrypted file in a session folder; move it out of the project or delete it";
            report.push(&path, Finding::Failed(format!("{}: {why}", path.display())));
        }
    }
    Ok(())
}

/// Decrypts a small file, returning its length, or why it does not decrypt.
fn decrypts(path: &Path, identity: &Identity) -> Result<usize, String> {
    let sealed = fs::read(path).map_err(|e| format!("{}: reading: {e}", path.display()))?;
    crypto::decrypt_bytes(identity, &sealed, path).map(|plain| plain.len()).map_err(|e| e.to_string())
}

fn note_leftovers(report: &mut VerifyReport, sessions_dir: &Path) {
    let Ok(entries) = fs::read_dir(sessions_dir) else { return };
    for path in entries.flatten().map(|e| e.path()) {
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(STAGING_PREFIX)) {
            let why = "encrypted leftover of an import or recording that never started; safe to delete";
            report.push(&path, Finding::Note(why.into()));
        }
    }
}
