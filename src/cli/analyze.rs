//! `verbatim analyze DIR SESSION|--all [--force]`: the pause layer of each session, cached
//! encrypted, with a progress bar.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use verbatim::analysis::Analysis;
use verbatim::analysis::segments::{self, SpeakerMark};
use verbatim::model::{Marker, SessionId};
use verbatim::pipeline::Provenance;
use verbatim::session::{Opened, SessionError};

use super::args::{self, ProjectArg};
use super::{hints, open, ui};

/// Find the pauses and transcription segments.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
    /// The session id (see `verbatim sessions`).
    #[arg(required_unless_present = "all", conflicts_with = "all", value_parser = args::parsed::<SessionId>)]
    session: Option<SessionId>,
    /// Analyse every session in the project.
    #[arg(long)]
    all: bool,
    /// Analyse again even if a current analysis is cached.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = &args.project.dir;
    let mut keyring = open::unlock(dir)?;
    let sessions = open::sessions(&keyring, args.session.as_ref(), args.all, dir)?;
    if sessions.is_empty() {
        say!("No sessions to analyse. Import one with `verbatim import {} FILE --participant P01`.", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let mut bar = ui::Progress::new(sessions.len());
    let mut tally = hints::Tally::new(sessions.len(), "analysed", dir);
    for (index, dir_entry) in sessions.into_iter().enumerate() {
        let started = Instant::now();
        let recording = dir_entry.recorder_alive();
        let id = dir_entry.id.clone();
        let result = Opened::open(&mut keyring, dir_entry).and_then(|session| {
            let (analysis, provenance) =
                session.analyze(args.force, &mut |done, total| bar.update(index, done, total))?;
            let how = match provenance {
                Provenance::Cached => "already analysed".to_string(),
                Provenance::Older { version } => format!(
                    "already analysed, by the detector of verbatim's analysis version {version}; `verbatim analyze --force` redoes it with version {}",
                    verbatim::analysis::ANALYSIS_VERSION
                ),
                Provenance::Computed => format!("analysed in {:.1} s", started.elapsed().as_secs_f64()),
            };
            Ok::<_, SessionError>(describe(analysis, session.markers()?, &how))
        });
        bar.clear();
        match result {
            Ok(line) => say!("{id}: {line}"),
            Err(e) => tally.failed(&id, e.into(), args.all && recording),
        }
    }
    Ok(tally.exit())
}

/// One line about what an analysis found; `markers` give the speaker turns for the segments.
pub fn describe(a: &Analysis, markers: &[Marker], how: &str) -> String {
    if a.speech.is_empty() {
        return format!(
            "{:.1} of audio, no speech found ({how}). If someone spoke, the input may have been muted or far too quiet.",
            a.duration
        );
    }
    let segments = segments::segments(&a.speech, &SpeakerMark::from_markers(markers)).len();
    format!(
        "{:.1} of audio, {} pauses of 0.2 s or more, {} segments; noise floor {:.0} dB, speech {:.0} dB ({how})",
        a.duration,
        a.pauses.len(),
        segments,
        a.noise_floor_db,
        a.speech_level_db
    )
}

/// The session's pause layer, made now with `progress` if it is not cached (and said so).
pub fn analysis_for<'a>(session: &'a Opened, progress: &mut dyn FnMut(u64, u64)) -> Result<&'a Analysis> {
    let (analysis, provenance) = session.analyze(false, progress)?;
    if provenance == Provenance::Computed {
        ui::note(&format!("Analysed {}: {}", session.id(), describe(analysis, session.markers()?, "now cached")));
    }
    Ok(analysis)
}
