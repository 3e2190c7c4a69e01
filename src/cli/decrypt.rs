//! `verbatim decrypt DIR SESSION -o FILE`: the session's audio as a plain WAV, recorded in the
//! export manifest so `forget` and `shred` find it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use verbatim::model::Ms;
use verbatim::project::{ExportKind, ExportRecord};
use verbatim::session::{Opened, decrypt_to_wav};

use super::args::SessionArg;
use super::{open, ui};

/// Write a session's audio as an unencrypted WAV.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: SessionArg,
    /// Where to write the WAV; must not exist.
    #[arg(short, long)]
    output: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let output = &args.output;
    if output.exists() {
        bail!("{}: already exists; choose another name (nothing was written)", output.display());
    }
    let mut keyring = open::unlock(&args.target.project.dir)?;
    let session = Opened::find(&mut keyring, &args.target.session)?;
    let mut reader = session.audio()?;
    let frames = decrypt_to_wav(&mut reader, output)?;
    // The plaintext WAV is the worst leak there is: `forget` and `shred` must find it.
    let record = ExportRecord::now(session.participant(), Some(session.id()), output, ExportKind::Decrypt, true);
    if let Err(e) = keyring.record_exports(vec![record]) {
        let _ = std::fs::remove_file(output);
        return Err(e).context("recording the decrypted file in the export manifest; it was removed again");
    }
    ui::note(&format!(
        "Wrote {} ({:.1} of audio) UNENCRYPTED. It contains a participant's voice: keep it off shared drives and delete it when done.",
        output.display(),
        Ms::of_frames(frames, reader.spec().sample_rate)
    ));
    Ok(ExitCode::SUCCESS)
}
