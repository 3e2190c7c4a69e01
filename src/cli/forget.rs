//! `verbatim forget DIR CODE [--yes]`: withdrawal of consent.

use std::process::ExitCode;

use anyhow::{Result, bail};
use verbatim::model::ParticipantCode;
use verbatim::project::Project;

use super::args::{self, ProjectArg};
use super::{passphrase, ui};

/// Delete a participant's key, sessions and exported files.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
    /// The participant code.
    #[arg(value_parser = args::parsed::<ParticipantCode>)]
    id: ParticipantCode,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
}

/// ` (a, b)`, or nothing for an empty list.
pub fn list(items: &[impl std::fmt::Display]) -> String {
    let items: Vec<String> = items.iter().map(ToString::to_string).collect();
    if items.is_empty() { String::new() } else { format!(" ({})", items.join(", ")) }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let (dir, id) = (&args.project.dir, &args.id);
    let project = Project::open(dir)?;
    // An unknown code is refused before the passphrase, with nothing changed.
    project.require_participant(id)?;
    if !args.yes && !ui::can_confirm() {
        bail!("forgetting {id} cannot be undone; confirm on a terminal, or add --yes (nothing was changed)");
    }
    let pass = passphrase::ask(dir)?;
    let keyring = project.unlock(&pass)?;
    let plan = keyring.plan_forget(id)?;
    if !args.yes {
        let sessions: Vec<String> = plan.sessions.iter().map(ToString::to_string).collect();
        let lines = [
            format!("This deletes everything verbatim holds about {id}, and cannot be undone:"),
            format!("  - {id}'s key, so every copy of their encrypted files becomes unreadable"),
            format!("  - {} session(s): {}", plan.sessions.len(), sessions.join(", ")),
            format!("  - {} exported file(s) verbatim wrote for them", plan.exports.len()),
            format!("  - {} voice(s) enrolled from their sessions", plan.voices),
        ];
        if !ui::confirm(&lines, id.as_str())? {
            return Ok(ExitCode::FAILURE);
        }
    }
    let report = keyring.forget(id, &pass)?;
    say!("Forgot {id}:");
    say!(
        "  removed: {id}'s key (overwritten, then deleted) and their folder, with any voice enrolled from their sessions"
    );
    say!("  removed: {} session(s){}", report.sessions.len(), list(&report.sessions));
    for path in &report.deleted_exports {
        say!("  removed: {}", path.display());
    }
    for path in &report.missing_exports {
        say!("  already gone: {} (moved or deleted outside verbatim; any copy of it is out of reach)", path.display());
    }
    for (path, why) in &report.failed_exports {
        say!("  NOT removed: {} ({why}); delete it by hand", path.display());
    }
    say!("  replaced: the project key, so nothing in this project can open {id}'s files in an older backup");
    say!("Outside verbatim's reach:");
    say!("  - backups and synced copies of this project made before now still hold {id}'s files and the old");
    say!("    project key, locked by your passphrase: delete them (or their {id} folder), as you promised");
    say!("  - files you made from {id}'s data yourself: decrypted audio (`verbatim decrypt`), copies of exports,");
    say!("    notes and printouts");
    if report.failed_exports.is_empty() { Ok(ExitCode::SUCCESS) } else { Ok(ExitCode::FAILURE) }
}
