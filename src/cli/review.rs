//! `verbatim review DIR SESSION`: the transcriber's screen on a session, playing its audio.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use verbatim::audio::host_noise::HostNoiseFilter;
use verbatim::audio::player::Player;
use verbatim::keymap::Keymap;
use verbatim::model::{Ms, SessionId};
use verbatim::project::Keyring;
use verbatim::session::{Opened, rename_speaker};
use verbatim::store::SaverEvent;
use verbatim::tui::review::{LivePlayback, RenameElsewhere, ReviewApp, ReviewSettings, SessionContext};
use verbatim::tui::{self, Screen, TerminalEvents};

use super::analyze::analysis_for;
use super::args::{self, SessionArg};
use super::{open, ui};

/// Transcribe a session: its audio plays while you type, segment by segment.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: SessionArg,
    /// A keymap preset (default, otranscribe, maxqda, express-scribe, vim) or a TOML file.
    #[arg(long, value_name = "NAME|PATH")]
    keymap: Option<String>,
    /// The output device (default: the system's output).
    #[arg(long, value_name = "NAME")]
    device: Option<String>,
    /// How far resuming after a pause goes back.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = args::time)]
    rewind: Ms,
}

/// Opens the review screen; returns once the transcriber quits (saved).
pub fn run(args: Args) -> Result<ExitCode> {
    let dir = &args.target.project.dir;
    // Keys first: a keymap typo should cost no passphrase typing.
    let keymap = Keymap::load(args.keymap.as_deref(), Some(dir))?;
    let mut keyring = open::unlock(dir)?;
    let session = Opened::find(&mut keyring, &args.target.session)?;
    let meta = session.meta()?.clone();
    let reader = session.audio()?;
    let mut bar = ui::Progress::new(1);
    let analysis = analysis_for(&session, &mut |done, total| bar.update(0, done, total));
    bar.clear();
    let pauses = analysis?.pauses.clone();
    let transcript = session.transcript_or_segments(&mut |_, _| {})?;
    let context = SessionContext {
        session: session.id().clone(),
        participant: session.participant().clone(),
        pauses,
        markers: session.markers_in_time()?,
    };
    let player = Player::start(reader, args.device.as_deref())?;
    let saver = session.transcript_saver().context("starting the transcript saver")?;
    let settings = ReviewSettings { rewind: args.rewind, ..ReviewSettings::default() };
    let mut app =
        ReviewApp::new(LivePlayback::new(player, meta.duration()), saver, transcript, keymap, settings, context)
            .with_project_rename(rename_in_other_sessions(keyring, session.id().clone()));
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    // Ctrl+C (outside raw mode), SIGTERM and a closed terminal save and quit.
    ctrlc::set_handler(move || flag.store(true, Ordering::Release))?;
    // ALSA's own lines (an underrun, a device that went away) would tear the screen.
    let _quiet = HostNoiseFilter::install();
    let mut terminal = ratatui::try_init().context("cannot open the terminal for the review screen")?;
    let outcome = (|| -> Result<()> {
        let mut guarded =
            tui::Interruptible { screen: &mut app, interrupted: &interrupted, deadline: None, stop: |app| app.quit() };
        let mut events = TerminalEvents::start()?;
        tui::run(&mut terminal, &mut guarded, &mut events)?;
        Ok(())
    })();
    if !app.should_quit() {
        // The terminal failed: save what was typed all the same.
        app.quit();
    }
    let (done, total) = app.transcript().progress();
    let (_, saver) = app.into_parts();
    let saved = saver.finish();
    tui::restore_terminal();
    outcome?;
    if let Some(SaverEvent::Failed(why)) = saved {
        anyhow::bail!("the transcript could not be saved: {why}");
    }
    say!("Saved the transcript of {}: {done} of {total} segments done.", session.id());
    Ok(ExitCode::SUCCESS)
}

/// Renames a speaker in the transcripts of every other session of the project.
fn rename_in_other_sessions(mut keyring: Keyring, current: SessionId) -> RenameElsewhere {
    Box::new(move |from: &str, to: &str| rename_speaker(&mut keyring, &current, from, to))
}
