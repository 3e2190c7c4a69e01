//! `verbatim import DIR FILE --participant CODE [--started TIME]`: an existing recording,
//! encrypted into a new session.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use verbatim::model::ParticipantCode;
use verbatim::project::Project;
use verbatim::session::import_file;

use super::args::{self, ProjectArg};
use super::ui;

/// Encrypt an existing recording.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
    /// The audio file to import.
    file: PathBuf,
    /// The participant code the recording belongs to.
    #[arg(long, value_parser = args::parsed::<ParticipantCode>)]
    participant: ParticipantCode,
    /// When the interview took place, e.g. "2026-11-20 14:05" (local time) or RFC 3339;
    /// defaults to now.
    #[arg(long, value_name = "TIME", value_parser = args::started)]
    started: Option<chrono::DateTime<chrono::FixedOffset>>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let project = Project::open(&args.project.dir)?;
    let (meta, report) = import_file(&project, &args.participant, &args.file, args.started)?;
    let spec = meta.audio;
    let format = format!(
        "{} Hz {} {}-bit {:?}",
        spec.sample_rate,
        ui::channels_word(spec.channels),
        spec.bits_per_sample,
        spec.sample_format
    )
    .to_lowercase();
    say!("Imported {} as session {} ({:.1}, {format}).", args.file.display(), meta.id, meta.duration());
    if report.dropped_tail_bytes > 0 {
        ui::note(&format!(
            "note: dropped {} bytes at the end that did not form a whole frame",
            report.dropped_tail_bytes
        ));
    }
    if report.skipped_packets > 0 {
        ui::warn(&format!("{} damaged packets in the source were skipped (as a player would)", report.skipped_packets));
    }
    if let Some((declared, found)) = report.declared_bytes_mismatch {
        ui::warn(&format!(
            "the WAV header declared {declared} bytes of audio but the file holds {found}; imported what is there"
        ));
    }
    say!("The original file is not touched. Once you have checked the session, delete the original securely.");
    Ok(ExitCode::SUCCESS)
}
