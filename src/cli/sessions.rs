//! `verbatim sessions DIR [--json]`: every session, one damaged one never hiding the others.

use std::process::ExitCode;

use anyhow::Result;
use verbatim::session::{SessionDir, SessionStatus, SessionSummary};

use super::args::ProjectArg;
use super::{open, ui};

/// List sessions.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = &args.project.dir;
    let mut keyring = open::unlock(dir)?;
    let mut rows: Vec<SessionSummary> = Vec::new();
    let mut unreadable = Vec::new();
    for s in SessionDir::list(keyring.project())? {
        let summary = keyring.participant(&s.participant).map_err(anyhow::Error::from).and_then(|identity| {
            let identity = identity.clone();
            Ok(s.summary(&identity)?)
        });
        match summary {
            Ok(row) => rows.push(row),
            Err(e) => unreadable.push(format!("{}: {e}", s.id)),
        }
    }
    for problem in &unreadable {
        ui::error(&format!("session {problem}"));
    }
    let status = if unreadable.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    if args.json {
        say!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(status);
    }
    if rows.is_empty() {
        say!("No sessions yet. Import one with `verbatim import {} FILE --participant P01`.", dir.display());
        return Ok(status);
    }
    say!(
        "{:<24} {:<8} {:<17} {:>9} {:<22} {:>7}  STATE",
        "SESSION",
        "PART.",
        "STARTED",
        "DURATION",
        "FORMAT",
        "DROPPED"
    );
    for r in &rows {
        let format = format!("{} Hz {} {}-bit", r.sample_rate, ui::channels_word(r.channels), r.bits_per_sample);
        say!(
            "{:<24} {:<8} {:<17} {:>9.1} {:<22} {:>7}  {}",
            r.id,
            r.participant,
            r.started.format("%Y-%m-%d %H:%M").to_string(),
            r.duration,
            format,
            r.dropped_frames,
            r.state.name()
        );
    }
    if rows.iter().any(|r| r.state == SessionStatus::Interrupted) {
        say!("\nAn interrupted session needs `verbatim recover {} SESSION`.", dir.display());
    }
    Ok(status)
}
