//! `verbatim verify`: authenticate every encrypted file and flag anything that should not be
//! in the project (plaintext, leftovers of interrupted operations, missing files).

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use verbatim::crypto::{self, Identity};
use verbatim::session::{self, SessionDir};

use super::commands::{clock, unlock};

/// Tally of what was checked.
#[derive(Default)]
struct Tally {
    checked: usize,
    failed: usize,
}

impl Tally {
    fn report(&mut self, path: &Path, result: Result<String>) {
        self.checked += 1;
        match result {
            Ok(detail) => say!("ok      {}  {detail}", path.display()),
            Err(e) => {
                self.failed += 1;
                say!("FAILED  {e:#}");
            }
        }
    }

    fn note(&self, path: &Path, why: &str) {
        say!("note    {}  ({why})", path.display());
    }
}

pub fn verify(dir: &Path) -> Result<ExitCode> {
    let mut keyring = unlock(dir)?;
    let project = keyring.project().clone();
    let mut tally = Tally::default();
    tally.report(&project.identity_path(), Ok("(the passphrase opens the project key)".into()));
    let project_key = keyring.project_identity().clone();
    for (name, what) in [
        (verbatim::project::MANIFEST_FILE, "export manifest"),
        (verbatim::project::SUPERVISOR_IDENTITY_FILE, "project key for the supervisors"),
    ] {
        let path = project.root().join(name);
        if name == verbatim::project::MANIFEST_FILE && path.exists() {
            tally.report(&path, decrypts(&path, &project_key).map(|n| format!("({what}, {n} bytes)")));
        } else if path.exists() {
            // Sealed to the supervisors' keys, which only they hold: present is all we can check.
            tally.note(&path, what);
        }
    }
    let sessions = SessionDir::list(&project)?;
    for participant in project.participants()? {
        let key_path = project.participant_identity_path(&participant);
        let identity = match keyring.participant(&participant) {
            Ok(identity) => identity.clone(),
            Err(e) => {
                tally.report(&key_path, Err(e.into()));
                continue;
            }
        };
        tally.report(&key_path, Ok(format!("(key of {participant})")));
        let consent = project.participant_dir(&participant).join("consent.json.age");
        if consent.exists() {
            tally.report(&consent, decrypts(&consent, &identity).map(|n| format!("(consent record, {n} bytes)")));
        }
        note_leftovers(&tally, &project.participant_dir(&participant).join(verbatim::project::SESSIONS_DIR))?;
        for s in sessions.iter().filter(|s| s.participant == participant) {
            verify_session(&mut tally, s, &identity)?;
        }
    }
    if tally.failed == 0 {
        say!("\nAll {} files verified.", tally.checked);
        Ok(ExitCode::SUCCESS)
    } else {
        say!(
            "\n{} of {} checks failed. For damaged audio run `verbatim recover {} SESSION`; restore other files from a backup.",
            tally.failed,
            tally.checked,
            dir.display()
        );
        Ok(ExitCode::FAILURE)
    }
}

fn verify_session(tally: &mut Tally, s: &SessionDir, identity: &Identity) -> Result<()> {
    let meta = s.read_meta(identity);
    let spec = meta.as_ref().ok().map(|m| m.audio);
    tally.report(
        &s.meta_path(),
        meta.map(|m| format!("({}, {})", m.participant, m.started.format("%Y-%m-%d %H:%M"))).map_err(Into::into),
    );
    let audio = s.audio_path();
    if audio.exists() {
        let result = session::verify_audio(&audio, identity)
            .map(|frames| spec.map(|sp| format!("({} of audio)", clock(sp.frames_to_ms(frames)))).unwrap_or_default());
        tally.report(&audio, result.map_err(Into::into));
    } else {
        tally.report(&audio, Err(anyhow!("{}: missing; restore it from a backup", audio.display())));
    }
    for entry in fs::read_dir(&s.path).with_context(|| format!("{}: listing", s.path.display()))? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name == session::AUDIO_FILE || name == session::META_FILE {
            continue;
        } else if name == session::LOCK_FILE {
            let state = if s.recorder_alive() { "recording now" } else { "left by an interrupted recording" };
            tally.note(&path, state);
        } else if name.contains(session::INTERRUPTED_SUFFIX) {
            tally.note(&path, "damaged original kept by `recover`; delete it once you have checked the session");
        } else if name.ends_with(session::SALVAGING_SUFFIX) {
            tally.note(&path, "encrypted leftover of an interrupted `recover`; run recover again, or delete it");
        } else if name.ends_with(".age") {
            let result = fs::read(&path)
                .with_context(|| format!("{}: reading", path.display()))
                .and_then(|sealed| Ok(crypto::decrypt_bytes(identity, &sealed, &path)?.len()))
                .map(|n| format!("({n} bytes)"));
            tally.report(&path, result);
        } else {
            // Anything unencrypted in a session folder is a possible leak.
            let why = "an unencrypted file in a session folder; move it out of the project or delete it";
            tally.report(&path, Err(anyhow!("{}: {why}", path.display())));
        }
    }
    Ok(())
}

/// Decrypts a small file, returning its length.
fn decrypts(path: &Path, identity: &Identity) -> Result<usize> {
    let sealed = fs::read(path).with_context(|| format!("{}: reading", path.display()))?;
    Ok(crypto::decrypt_bytes(identity, &sealed, path)?.len())
}

fn note_leftovers(tally: &Tally, sessions_dir: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(sessions_dir) else { return Ok(()) };
    for entry in entries {
        let path = entry?.path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".staging-")) {
            tally.note(&path, "encrypted leftover of an import or recording that never started; safe to delete");
        }
    }
    Ok(())
}
