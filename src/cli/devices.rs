//! `verbatim devices [--all]`: the inputs verbatim can record from.

use std::process::ExitCode;

use anyhow::Result;
use verbatim::audio::device::list_inputs;

/// List the input devices.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also list raw ALSA devices while a sound server runs, and devices with no usable format.
    #[arg(long)]
    all: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let inputs = list_inputs(args.all)?;
    for d in inputs.iter().filter(|d| args.all || d.format.is_some()) {
        let default = if d.is_default { " (default)" } else { "" };
        let format = d.format.as_deref().unwrap_or("no usable format");
        say!("{:<11} {}{default}\n            records as: {format}", d.host, d.name);
    }
    say!("Use a name with: verbatim record DIR --participant ID --device \"NAME\"");
    Ok(ExitCode::SUCCESS)
}
