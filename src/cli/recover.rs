//! `verbatim recover DIR SESSION`: an interrupted or damaged recording made whole again.

use std::process::ExitCode;

use anyhow::Result;
use verbatim::model::Ms;
use verbatim::session::{RecoverOutcome, SessionDir, recover};

use super::args::SessionArg;
use super::open;

/// Repair an interrupted or damaged recording.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: SessionArg,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut keyring = open::unlock(&args.target.project.dir)?;
    let session = SessionDir::find(keyring.project(), &args.target.session)?;
    let (outcome, meta) = recover(&mut keyring, &session)?;
    let length = |frames| Ms::of_frames(frames, meta.audio.sample_rate);
    match outcome {
        RecoverOutcome::AlreadyIntact { frames } => {
            say!("Session {} is intact ({:.1}); nothing to recover.", session.id, length(frames));
        }
        RecoverOutcome::Salvaged { report, original_kept_as } => {
            say!("Recovered session {}: {:.1} of audio kept.", session.id, length(report.frames));
            if report.silenced_frames > 0 {
                say!(
                    "  {:.1} in the middle failed authentication and was replaced by silence, so later timestamps still hold.",
                    length(report.silenced_frames)
                );
            }
            if report.lost_frames_estimate > 0 {
                say!(
                    "  Lost at the end: at most {:.1} (the chunk being written and audio still buffered when it stopped).",
                    length(report.lost_frames_estimate)
                );
            } else {
                say!("  Nothing was lost at the end.");
            }
            say!(
                "  The damaged original is kept as {original_kept_as}; delete it once you have listened to the result."
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
