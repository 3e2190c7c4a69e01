//! What to run next, for the library's errors: the library says what is wrong, the command
//! line knows its own commands and the project folder they were given.
//!
//! Library errors wrap each other transparently (a session error holding a project error
//! holding a participant error), so the hint is found by walking those wrappers.

use std::path::Path;
use std::process::ExitCode;

use verbatim::audio::device::DeviceError;
use verbatim::audio::store::AudioStoreError;
use verbatim::crypto::CryptoError;
use verbatim::pipeline::StageError;
use verbatim::project::{ParticipantError, ProjectError};
use verbatim::session::{ImportFailure, RecordError, SessionError};
use verbatim::store::SealedError;

/// How a command over one or more sessions went: the failures, reported as they happen.
pub struct Tally<'a> {
    /// What the command does to a session, for the summary: `analysed`, `exported`.
    done: &'static str,
    dir: &'a Path,
    count: usize,
    failed: usize,
}

impl<'a> Tally<'a> {
    /// A tally over `count` sessions of the project in `dir`.
    pub fn new(count: usize, done: &'static str, dir: &'a Path) -> Self {
        Tally { done, dir, count, failed: 0 }
    }

    /// Reports that `session` failed with `err`, or, if `skipped` (it is being recorded and the
    /// command runs over all sessions), that it was left alone.
    pub fn failed(&mut self, session: &verbatim::model::SessionId, err: anyhow::Error, skipped: bool) {
        if skipped {
            say!("{session}: being recorded now; skipped ({err})");
        } else {
            self.failed += 1;
            session_failed(session, &err, self.dir);
        }
    }

    /// The exit code, after a summary line when some of several sessions failed.
    pub fn exit(self) -> ExitCode {
        if self.failed == 0 {
            return ExitCode::SUCCESS;
        }
        if self.count > 1 {
            super::ui::note(&format!(
                "{} of {} sessions could not be {}; see the messages above.",
                self.failed, self.count, self.done
            ));
        }
        ExitCode::FAILURE
    }
}

/// Reports a failure of one session among several (`--all`), with its hint, and goes on.
pub fn session_failed(session: &verbatim::model::SessionId, err: &anyhow::Error, dir: &Path) {
    super::ui::error(&format!("session {session}: {err:#}"));
    if let Some(hint) = for_error(err, Some(dir)) {
        super::ui::hint(&hint);
    }
}

/// The hint for the first error in `err`'s chain that has one; `dir` is the project folder.
pub fn for_error(err: &anyhow::Error, dir: Option<&Path>) -> Option<String> {
    let dir = dir.map_or_else(|| "DIR".to_string(), |d| d.display().to_string());
    err.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<SessionError>() {
            session(e, &dir)
        } else if let Some(e) = cause.downcast_ref::<RecordError>() {
            record(e, &dir)
        } else if let Some(ImportFailure::Session(e)) = cause.downcast_ref::<ImportFailure>() {
            session(e, &dir)
        } else if let Some(e) = cause.downcast_ref::<ProjectError>() {
            project(e, &dir)
        } else if let Some(e) = cause.downcast_ref::<ParticipantError>() {
            participant(e, &dir)
        } else if let Some(e) = cause.downcast_ref::<CryptoError>() {
            crypto(e)
        } else if let Some(e) = cause.downcast_ref::<AudioStoreError>() {
            audio(e, &dir)
        } else if let Some(e) = cause.downcast_ref::<DeviceError>() {
            device(e)
        } else {
            None
        }
    })
}

fn session(e: &SessionError, dir: &str) -> Option<String> {
    match e {
        SessionError::Unknown { .. } => Some(format!("list them with `verbatim sessions {dir}`")),
        SessionError::Project(e) => project(e, dir),
        SessionError::Crypto(e) | SessionError::Sealed(SealedError::Crypto(e)) => crypto(e),
        SessionError::Audio(e) | SessionError::Stage(StageError::Audio(e)) => audio(e, dir),
        _ => None,
    }
}

fn record(e: &RecordError, dir: &str) -> Option<String> {
    match e {
        RecordError::WriteFailed { session, .. } => {
            Some(format!("run `verbatim recover {dir} {session}` once the problem is fixed"))
        }
        RecordError::Session(e) => session(e, dir),
        RecordError::Device(e) => device(e),
        _ => None,
    }
}

fn project(e: &ProjectError, dir: &str) -> Option<String> {
    match e {
        ProjectError::NotAProject(_) => Some(format!("create one with `verbatim init {dir}`")),
        ProjectError::Participant(e) => participant(e, dir),
        ProjectError::Crypto(e) => crypto(e),
        _ => None,
    }
}

fn participant(e: &ParticipantError, dir: &str) -> Option<String> {
    match e {
        ParticipantError::Unknown { code, .. } => Some(format!("add one with `verbatim participant add {dir} {code}`")),
        ParticipantError::Rotating => Some(format!("run `verbatim sessions {dir}` to finish replacing the key")),
        _ => None,
    }
}

fn crypto(e: &CryptoError) -> Option<String> {
    match e {
        CryptoError::WrongPassphrase { .. } => {
            Some("type the passphrase chosen at `verbatim init` (or set VERBATIM_PASSPHRASE)".into())
        }
        _ => None,
    }
}

fn audio(e: &AudioStoreError, dir: &str) -> Option<String> {
    match e {
        AudioStoreError::Interrupted { .. } => {
            Some(format!("run `verbatim recover {dir} SESSION` on this session to salvage it"))
        }
        _ => None,
    }
}

fn device(e: &DeviceError) -> Option<String> {
    match e {
        DeviceError::NoInput(_) | DeviceError::NotFound { .. } => {
            Some("`verbatim devices` lists the inputs verbatim can record from; copy a name from it".into())
        }
        _ => None,
    }
}
