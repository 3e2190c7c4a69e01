//! Participants, consent, retention and `verbatim status`: the promises made to participants,
//! shown and kept.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use verbatim::project::{Consent, ConsentStatus, Project};
use verbatim::session::SessionDir;
use verbatim::session::transcript::Transcript;

use super::commands::{clock, unlock};

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// `verbatim participant add DIR ID [--consent S] [--date D] [--note N]`.
pub fn participant_add(
    dir: &Path,
    id: &str,
    status: ConsentStatus,
    date: Option<chrono::NaiveDate>,
    note: Option<String>,
) -> Result<ExitCode> {
    let project = Project::open(dir)?;
    project.add_participant(id)?;
    let consent = Consent { status, date: date.unwrap_or_else(today), note: note.unwrap_or_default() };
    project.set_consent(id, &consent)?;
    say!("Added participant {id} with their own key (consent {} {}).", status.label(), consent.date);
    if status != ConsentStatus::Given {
        say!("When consent is given: verbatim participant consent {} {id} given", dir.display());
    }
    say!("Next: verbatim import {} FILE --participant {id}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// `verbatim participant consent DIR ID STATUS [--date D] [--note N]`.
pub fn consent(
    dir: &Path,
    id: &str,
    status: ConsentStatus,
    date: Option<chrono::NaiveDate>,
    note: Option<String>,
) -> Result<ExitCode> {
    let project = Project::open(dir)?;
    project.require_participant(id)?;
    let consent = Consent { status, date: date.unwrap_or_else(today), note: note.unwrap_or_default() };
    project.set_consent(id, &consent)?;
    say!("{id}: consent {} on {}.", status.label(), consent.date);
    if status == ConsentStatus::Withdrawn {
        say!("To delete everything about {id}: verbatim forget {} {id}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `verbatim participant rename DIR OLD NEW`.
pub fn rename(dir: &Path, old: &str, new: &str) -> Result<ExitCode> {
    // A code with personal data is refused before the passphrase, with nothing changed.
    verbatim::project::validate_participant_id(new)?;
    let mut keyring = unlock(dir)?;
    let renamed = verbatim::session::rename_participant(&mut keyring, old, new)?;
    say!("{old} is now {new}; {} session(s) renamed:", renamed.len());
    for (from, to) in &renamed {
        say!("  {from} -> {to}");
    }
    say!("Files exported before keep their old names; `verbatim forget {} {new}` still finds them.", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// `verbatim participant list DIR`.
pub fn participant_list(dir: &Path) -> Result<ExitCode> {
    let mut keyring = unlock(dir)?;
    let sessions = SessionDir::list(keyring.project())?;
    for id in keyring.project().participants()? {
        let consent = describe_consent(keyring.consent(&id)?.as_ref());
        let count = sessions.iter().filter(|s| s.participant == id).count();
        say!("{id:<8} consent {consent:<22} {count} session(s)");
    }
    Ok(ExitCode::SUCCESS)
}

fn describe_consent(consent: Option<&Consent>) -> String {
    match consent {
        Some(c) => format!("{} {}", c.status.label(), c.date),
        None => "not recorded".to_string(),
    }
}

/// `verbatim retention DIR DATE|none`.
pub fn retention(dir: &Path, until: &str) -> Result<ExitCode> {
    let mut project = Project::open(dir)?;
    let date = match until {
        "none" => None,
        text => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => bail!("{text:?} is not a date; give YYYY-MM-DD, e.g. 2027-06-30, or none (nothing was changed)"),
        },
    };
    project.set_retention(date)?;
    match date {
        Some(date) => say!("All data in {} is to be deleted by {date}; `verbatim status` counts down.", dir.display()),
        None => say!("No retention date is set for {}.", dir.display()),
    }
    Ok(ExitCode::SUCCESS)
}

/// `verbatim status DIR`.
pub fn status(dir: &Path) -> Result<ExitCode> {
    let mut keyring = unlock(dir)?;
    let project = keyring.project().clone();
    let mut warnings = Vec::new();
    say!("Project {} (created {})", dir.display(), project.config().created);
    match project.config().retain_until {
        Some(until) => {
            let left = (until - today()).num_days();
            if left < 0 {
                say!("Retention: until {until}, passed {} days ago", -left);
                warnings.push(format!(
                    "the retention date {until} has passed: delete everything with `verbatim shred {}`",
                    dir.display()
                ));
            } else {
                say!("Retention: until {until}, {left} days left");
                if left <= 30 {
                    warnings.push(format!("{left} days left before every copy must be deleted ({until})"));
                }
            }
        }
        None => say!("Retention: not set (set it with `verbatim retention {} YYYY-MM-DD`)", dir.display()),
    }
    let sessions = SessionDir::list(&project)?;
    for id in project.participants()? {
        let consent = keyring.consent(&id)?;
        let mine: Vec<&SessionDir> = sessions.iter().filter(|s| s.participant == id).collect();
        say!("\n{id}  consent {}  {} session(s)", describe_consent(consent.as_ref()), mine.len());
        match consent.as_ref().map(|c| c.status) {
            Some(ConsentStatus::Withdrawn) => warnings.push(format!(
                "{id} withdrew consent: delete everything about them with `verbatim forget {} {id}`",
                dir.display()
            )),
            Some(ConsentStatus::Pending) | None if !mine.is_empty() => warnings.push(format!(
                "{id} has recordings but consent is {}: once it is given, record it with \
                 `verbatim participant consent {} {id} given`",
                if consent.is_some() { "pending" } else { "not on record" },
                dir.display()
            )),
            _ => {}
        }
        let identity = keyring.participant(&id)?.clone();
        for session in mine {
            let line = match session.summary(&identity) {
                Ok(summary) => {
                    let progress = match Transcript::read(&session.path, &identity) {
                        Ok(Some(t)) => {
                            let (done, total) = t.progress();
                            format!("transcribed {done}/{total} segments")
                        }
                        Ok(None) => "not transcribed".to_string(),
                        Err(e) => format!("transcript unreadable ({e})"),
                    };
                    if summary.state == "interrupted" {
                        warnings.push(format!(
                            "{} was cut off: run `verbatim recover {} {}`",
                            session.id,
                            dir.display(),
                            session.id
                        ));
                    }
                    format!("{}  {}  {:<11} {progress}", session.id, clock(summary.duration_ms), summary.state)
                }
                Err(e) => {
                    warnings.push(format!("{} cannot be read: {e}", session.id));
                    format!("{}  unreadable", session.id)
                }
            };
            say!("  {line}");
        }
    }
    let plaintext: Vec<_> = keyring.exports()?.into_iter().filter(|r| r.plaintext && r.path.exists()).collect();
    if !plaintext.is_empty() {
        warnings.push(format!(
            "{} unencrypted exported file(s) still exist, e.g. {}: delete them when done",
            plaintext.len(),
            plaintext[0].path.display()
        ));
    }
    if warnings.is_empty() {
        say!("\nNo warnings.");
    } else {
        say!("\nWarnings:");
        for warning in &warnings {
            say!("  - {warning}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
