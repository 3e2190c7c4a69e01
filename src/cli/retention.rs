//! `verbatim retention DIR DATE|none`: when every copy must be deleted.

use std::process::ExitCode;

use anyhow::{Result, bail};
use verbatim::project::Project;

use super::args::ProjectArg;

/// Set the retention date.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
    /// YYYY-MM-DD, or none.
    until: String,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = &args.project.dir;
    let mut project = Project::open(dir)?;
    let date = match args.until.as_str() {
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
