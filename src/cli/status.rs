//! `verbatim status DIR`: the promises made to participants, shown and kept.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use verbatim::project::Consent;
use verbatim::report::{self, Retention, Transcription, Warning};

use super::args::ProjectArg;
use super::open;

/// Show sessions, transcription, consent, days left and warnings.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
}

/// `given 2026-11-20`, or `not recorded`.
pub fn describe_consent(consent: Option<&Consent>) -> String {
    match consent {
        Some(c) => format!("{} {}", c.status.label(), c.date),
        None => "not recorded".to_string(),
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = &args.project.dir;
    let mut keyring = open::unlock(dir)?;
    let report = report::status(&mut keyring, chrono::Local::now().date_naive())?;
    say!("Project {} (created {})", dir.display(), report.created);
    match report.retention {
        Retention::Until { until, days_left } if days_left < 0 => {
            say!("Retention: until {until}, passed {} days ago", -days_left)
        }
        Retention::Until { until, days_left } => say!("Retention: until {until}, {days_left} days left"),
        Retention::NotSet => say!("Retention: not set (set it with `verbatim retention {} YYYY-MM-DD`)", dir.display()),
    }
    for participant in &report.participants {
        say!(
            "\n{}  consent {}  {} session(s)",
            participant.code,
            describe_consent(participant.consent.as_ref()),
            participant.sessions.len()
        );
        for session in &participant.sessions {
            let line = match &session.summary {
                Ok((duration, state, transcription)) => {
                    let progress = match transcription {
                        Transcription::Progress { done, total } => format!("transcribed {done}/{total} segments"),
                        Transcription::NotStarted => "not transcribed".to_string(),
                        Transcription::Unreadable(why) => format!("transcript unreadable ({why})"),
                    };
                    format!("{}  {duration:.1}  {:<11} {progress}", session.id, state.name())
                }
                Err(_) => format!("{}  unreadable", session.id),
            };
            say!("  {line}");
            if !session.speaking.is_empty() {
                let times: Vec<String> =
                    session.speaking.iter().map(|t| format!("{} {:.0}", t.speaker, t.speech)).collect();
                say!("    speaking time: {}", times.join(", "));
            }
        }
    }
    if report.warnings.is_empty() {
        say!("\nNo warnings.");
    } else {
        say!("\nWarnings:");
        for warning in &report.warnings {
            say!("  - {}", words(warning, dir));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A warning as a sentence, with the command that deals with it.
fn words(warning: &Warning, dir: &Path) -> String {
    let dir = dir.display();
    match warning {
        Warning::RetentionPassed { until, .. } => {
            format!("the retention date {until} has passed: delete everything with `verbatim shred {dir}`")
        }
        Warning::RetentionSoon { until, days_left } => {
            format!("{days_left} days left before every copy must be deleted ({until})")
        }
        Warning::Withdrawn(code) => {
            format!("{code} withdrew consent: delete everything about them with `verbatim forget {dir} {code}`")
        }
        Warning::NoConsent { code, pending } => format!(
            "{code} has recordings but consent is {}: once it is given, record it with \
             `verbatim participant consent {dir} {code} given`",
            if *pending { "pending" } else { "not on record" }
        ),
        Warning::Interrupted(session) => format!("{session} was cut off: run `verbatim recover {dir} {session}`"),
        Warning::Unreadable { session, why } => format!("{session} cannot be read: {why}"),
        Warning::PlaintextExports { count, example } => format!(
            "{count} unencrypted exported file(s) still exist, e.g. {}: delete them when done",
            example.display()
        ),
    }
}
