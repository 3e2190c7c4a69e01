//! `status`: sessions, transcription progress, consent, days left, and the warnings that follow.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::crypto::{Identity, Recipient};
use crate::model::{Ms, ParticipantCode, SessionId};
use crate::project::{Consent, ConsentStatus, Keyring};
use crate::session::{Opened, SessionDir, SessionError, SessionStatus, SpeakingTime, speaking_times, transcript};

/// Warn this many days before the retention date.
const RETENTION_WARNING_DAYS: i64 = 30;

/// Everything `status` found.
#[derive(Debug)]
pub struct StatusReport {
    /// When the project was created (RFC 3339).
    pub created: String,
    /// When all data must be deleted.
    pub retention: Retention,
    /// Each participant, in code order.
    pub participants: Vec<ParticipantStatus>,
    /// What needs doing, most urgent first within each kind.
    pub warnings: Vec<Warning>,
}

/// The retention date, and how far off it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// No date is set.
    NotSet,
    /// Everything must be deleted by `until`; negative days are overdue.
    Until {
        /// The date.
        until: NaiveDate,
        /// Days from today.
        days_left: i64,
    },
}

/// What the status says about one participant: consent and sessions.
#[derive(Debug)]
pub struct ParticipantStatus {
    /// Their code.
    pub code: ParticipantCode,
    /// Their consent, if recorded.
    pub consent: Option<Consent>,
    /// Their sessions, oldest first.
    pub sessions: Vec<SessionLine>,
}

/// One session, or why it could not be read.
#[derive(Debug)]
pub struct SessionLine {
    /// Which session (listed even when it cannot be read).
    pub id: SessionId,
    /// Its length, state and transcription, or the error reading it.
    pub summary: Result<(Ms, SessionStatus, Transcription), String>,
    /// Each speaker's voice time, when speaker detection ran on it (`verbatim speakers`).
    pub speaking: Vec<SpeakingTime>,
}

/// How far the transcription of a session got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transcription {
    /// Nobody started.
    NotStarted,
    /// Segments committed, of all.
    Progress {
        /// Committed.
        done: usize,
        /// In all.
        total: usize,
    },
    /// The transcript could not be read.
    Unreadable(String),
}

/// Something that needs doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The retention date has passed: everything must go.
    RetentionPassed {
        /// The date.
        until: NaiveDate,
        /// How many days ago it passed.
        days_ago: i64,
    },
    /// The retention date is near.
    RetentionSoon {
        /// The date.
        until: NaiveDate,
        /// How many days remain.
        days_left: i64,
    },
    /// A participant withdrew consent: their data must be deleted.
    Withdrawn(ParticipantCode),
    /// A participant has recordings but no consent on record (or only pending).
    NoConsent {
        /// Who.
        code: ParticipantCode,
        /// Pending rather than not recorded at all.
        pending: bool,
    },
    /// A recording was cut off and needs `recover`.
    Interrupted(SessionId),
    /// A session cannot be read.
    Unreadable {
        /// Which.
        session: SessionId,
        /// The error that stopped the read, in words.
        why: String,
    },
    /// Unencrypted exported files still exist.
    PlaintextExports {
        /// How many.
        count: usize,
        /// One of them.
        example: PathBuf,
    },
}

/// Each speaker's voice time in a session with a speaker layer (none without one).
fn speaking(
    session: &SessionDir,
    identity: &Identity,
    recipient: &Recipient,
) -> Result<Vec<SpeakingTime>, SessionError> {
    let opened = Opened::with_keys(session.clone(), identity.clone(), recipient.clone());
    if session.recorder_alive() || opened.cached_speakers()?.is_none() {
        return Ok(Vec::new());
    }
    let transcript = opened.transcript_or_segments(&mut |_, _| {})?;
    let analysis = opened.analysis(&mut |_, _| {})?;
    Ok(speaking_times(&transcript, &analysis.speech, &session.participant))
}

/// Reads the project through `keyring` and reports on it as of `today`.
pub fn status(keyring: &mut Keyring, today: NaiveDate) -> Result<StatusReport, SessionError> {
    let project = keyring.project().clone();
    let mut warnings = Vec::new();
    let retention = match project.config().retain_until {
        Some(until) => {
            let days_left = (until - today).num_days();
            if days_left < 0 {
                warnings.push(Warning::RetentionPassed { until, days_ago: -days_left });
            } else if days_left <= RETENTION_WARNING_DAYS {
                warnings.push(Warning::RetentionSoon { until, days_left });
            }
            Retention::Until { until, days_left }
        }
        None => Retention::NotSet,
    };
    let sessions = SessionDir::list(&project)?;
    let mut participants = Vec::new();
    for code in project.participants()? {
        let consent = keyring.consent(&code)?;
        let mine: Vec<&SessionDir> = sessions.iter().filter(|s| s.participant == code).collect();
        match consent.as_ref().map(|c| c.status) {
            Some(ConsentStatus::Withdrawn) => warnings.push(Warning::Withdrawn(code.clone())),
            Some(ConsentStatus::Pending) | None if !mine.is_empty() => {
                warnings.push(Warning::NoConsent { code: code.clone(), pending: consent.is_some() })
            }
            _ => {}
        }
        let identity = keyring.participant(&code)?.clone();
        let recipient = project.participant_recipient(&code)?;
        let mut lines = Vec::new();
        for session in mine {
            let summary = match session.summary(&identity) {
                Ok(summary) => {
                    let transcription = match transcript::read(&session.path, &identity, &code) {
                        Ok(Some(t)) => {
                            let (done, total) = t.progress();
                            Transcription::Progress { done, total }
                        }
                        Ok(None) => Transcription::NotStarted,
                        Err(e) => Transcription::Unreadable(e.to_string()),
                    };
                    if summary.state == SessionStatus::Interrupted {
                        warnings.push(Warning::Interrupted(session.id.clone()));
                    }
                    Ok((summary.duration, summary.state, transcription))
                }
                Err(e) => {
                    warnings.push(Warning::Unreadable { session: session.id.clone(), why: e.to_string() });
                    Err(e.to_string())
                }
            };
            let speaking = match speaking(session, &identity, &recipient) {
                Ok(speaking) => speaking,
                Err(e) => {
                    warnings.push(Warning::Unreadable { session: session.id.clone(), why: e.to_string() });
                    Vec::new()
                }
            };
            lines.push(SessionLine { id: session.id.clone(), summary, speaking });
        }
        participants.push(ParticipantStatus { code, consent, sessions: lines });
    }
    let plaintext: Vec<PathBuf> =
        keyring.exports()?.into_iter().filter(|r| r.plaintext && r.path.exists()).map(|r| r.path).collect();
    if let Some(example) = plaintext.first() {
        warnings.push(Warning::PlaintextExports { count: plaintext.len(), example: example.clone() });
    }
    Ok(StatusReport { created: project.config().created.clone(), retention, participants, warnings })
}
