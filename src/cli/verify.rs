//! `verbatim verify DIR`: authenticate every encrypted file and flag anything that should not
//! be in the project.

use std::process::ExitCode;

use anyhow::Result;
use verbatim::report::{self, Finding};

use super::args::ProjectArg;
use super::open;

/// Check the integrity of every encrypted file.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = &args.project.dir;
    let mut keyring = open::unlock(dir)?;
    let report = report::verify(&mut keyring)?;
    for check in &report.checks {
        match &check.finding {
            Finding::Verified(detail) => say!("ok      {}  {detail}", check.path.display()),
            Finding::Failed(why) => say!("FAILED  {why}"),
            Finding::Note(why) => say!("note    {}  ({why})", check.path.display()),
        }
    }
    if report.failed() == 0 {
        say!("\nAll {} files verified.", report.checked());
        Ok(ExitCode::SUCCESS)
    } else {
        say!(
            "\n{} of {} checks failed. For damaged audio run `verbatim recover {} SESSION`; restore other files from a backup.",
            report.failed(),
            report.checked(),
            dir.display()
        );
        Ok(ExitCode::FAILURE)
    }
}
