//! `verbatim init DIR [--retain-until DATE]`: a new project with its keys.

use std::process::ExitCode;

use anyhow::Result;
use verbatim::project::{Project, check_init_target};

use super::args::ProjectArg;
use super::passphrase;

/// Create a new project folder.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to create.
    #[command(flatten)]
    pub project: ProjectArg,
    /// The date by which all data must be deleted (your data management plan), YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    retain_until: Option<chrono::NaiveDate>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = &args.project.dir;
    // Check the target before asking for a passphrase, so a typo costs no typing.
    check_init_target(dir)?;
    let pass = passphrase::ask_new()?;
    let mut project = Project::init(dir, &pass)?;
    if args.retain_until.is_some() {
        project.set_retention(args.retain_until)?;
    }
    say!("Created project {}", project.root().display());
    say!("Next: verbatim participant add {} P01", dir.display());
    Ok(ExitCode::SUCCESS)
}
