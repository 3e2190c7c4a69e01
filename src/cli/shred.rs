//! `verbatim shred DIR [--yes]`: the end of the project.

use std::process::ExitCode;

use anyhow::{Result, bail};
use verbatim::project::Project;

use super::args::ProjectArg;
use super::forget::list;
use super::{passphrase, ui};

/// Destroy every key, recording, transcript and exported file.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = &args.project.dir;
    let project = Project::open(dir)?;
    if !args.yes && !ui::can_confirm() {
        bail!(
            "shredding {} cannot be undone; confirm on a terminal, or add --yes (nothing was changed)",
            dir.display()
        );
    }
    // A wrong passphrase stops here, with nothing changed.
    let keyring = project.unlock(&passphrase::ask(dir)?)?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !args.yes {
        let participants = project.participants()?;
        let codes: Vec<&str> = participants.iter().map(|p| p.as_str()).collect();
        let lines = [
            format!("This destroys the project {} for good:", dir.display()),
            format!("  - every key: the project's and {} participant(s)' ({})", participants.len(), codes.join(", ")),
            "  - every recording, transcript and note in it".to_string(),
            format!("  - {} file(s) exported from it", keyring.exports()?.len()),
        ];
        if !ui::confirm(&lines, &name)? {
            return Ok(ExitCode::FAILURE);
        }
    }
    let report = keyring.shred()?;
    say!("Shredded {}:", dir.display());
    say!("  removed: {} keys (overwritten, then deleted) and the project folder", report.keys);
    say!("  removed: the data of {} participant(s){}", report.participants.len(), list(&report.participants));
    for path in &report.deleted_exports {
        say!("  removed: {}", path.display());
    }
    for path in &report.missing_exports {
        say!("  already gone: {} (moved or deleted outside verbatim)", path.display());
    }
    for (path, why) in &report.failed_exports {
        say!("  NOT removed: {} ({why}); delete it by hand", path.display());
    }
    say!("Outside verbatim's reach: backups and synced copies of the project (they open with the passphrase:");
    say!("delete them, as the data management plan requires), and files you decrypted or copied yourself.");
    Ok(if report.failed_exports.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
