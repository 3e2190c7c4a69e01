//! `verbatim review`: the transcriber's screen on a session, playing its audio.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use verbatim::analysis::segments::{self, SpeakerMark};
use verbatim::audio::player::Player;
use verbatim::audio::store::EncryptedAudioReader;
use verbatim::guide::Guide;
use verbatim::keymap::Keymap;
use verbatim::project::Keyring;
use verbatim::session::SessionDir;
use verbatim::session::markers::MarkerLog;
use verbatim::session::transcript::{TRANSCRIPT_FILE, Transcript, TranscriptSaver};
use verbatim::session::write_sealed_json;
use verbatim::tui::review::{ReviewApp, ReviewSettings};
use verbatim::tui::review_live::LivePlayback;
use verbatim::tui::{self, Screen, TerminalEvents};

use super::analyze::{ProgressBar, analysis_for};
use super::commands::unlock;

/// What to review, and how.
pub struct ReviewOptions<'a> {
    /// The project folder.
    pub dir: &'a Path,
    /// The session id.
    pub session: &'a str,
    /// `--keymap` preset or file.
    pub keymap: Option<&'a str>,
    /// The output device.
    pub device: Option<&'a str>,
    /// How far resuming goes back.
    pub rewind: Duration,
}

/// Opens the review screen; returns once the transcriber quits (saved).
pub fn review(options: ReviewOptions) -> Result<ExitCode> {
    // Keys first: a keymap typo should cost no passphrase typing.
    let keymap = Keymap::load(options.keymap, Some(options.dir))?;
    let mut keyring = unlock(options.dir)?;
    let session = SessionDir::find(keyring.project(), options.session)?;
    let identity = keyring.participant(&session.participant)?.clone();
    let recipient = keyring.project().participant_recipient(&session.participant)?;
    let meta = session.read_meta(&identity)?;
    let reader = EncryptedAudioReader::open(&session.audio_path(), &identity)?;
    let mut markers = MarkerLog::read(&session.path, &identity)?.markers;
    // Question markers hold a place in the guide; the screen shows the question itself.
    if let Some(guide) = meta.guide.as_ref().and_then(|g| Guide::parse(&g.text, &g.file_name).ok()) {
        for marker in markers.iter_mut().filter(|m| m.note.is_none()) {
            marker.note = marker.question.and_then(|q| guide.question(q)).map(|q| q.text.clone());
        }
    }
    let mut bar = ProgressBar::new(1);
    let analysis =
        analysis_for(&session, &identity, &recipient, &markers, &mut |done, total| bar.update(0, done, total));
    bar.clear();
    let analysis = analysis?;
    let transcript = match Transcript::read(&session.path, &identity)? {
        Some(transcript) => transcript,
        None => Transcript::from_segments(&segments::segments(&analysis.speech, &SpeakerMark::from_markers(&markers))),
    };
    let player = Player::start(reader, options.device)?;
    let saver = TranscriptSaver::spawn(session.path.clone(), recipient).context("starting the transcript saver")?;
    let settings = ReviewSettings { rewind_ms: options.rewind.as_millis() as u64, ..ReviewSettings::default() };
    let mut app = ReviewApp::new(
        LivePlayback::new(player, meta.duration_ms()),
        saver,
        transcript,
        keymap,
        settings,
        (session.id.clone(), session.participant.clone()),
        analysis.pauses.clone(),
        markers,
    )
    .with_project_rename(rename_in_other_sessions(keyring, session.id.clone()));
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    // Ctrl+C (outside raw mode), SIGTERM and a closed terminal save and quit.
    ctrlc::set_handler(move || flag.store(true, Ordering::Release))?;
    let mut terminal = ratatui::try_init().context("cannot open the terminal for the review screen")?;
    let outcome = (|| -> Result<()> {
        let mut guarded = tui::Interruptible {
            screen: &mut app,
            interrupted: &interrupted,
            deadline: None,
            stop: |app| app.perform(verbatim::keymap::Action::Quit),
        };
        let mut events = TerminalEvents::start()?;
        tui::run(&mut terminal, &mut guarded, &mut events)?;
        Ok(())
    })();
    if !app.should_quit() {
        // The terminal failed: save what was typed all the same.
        app.perform(verbatim::keymap::Action::Quit);
    }
    let (done, total) = app.transcript().progress();
    let (_, saver) = app.into_parts();
    let saved = saver.finish();
    tui::restore_terminal();
    outcome?;
    if let Some(verbatim::session::saver::SaverEvent::Failed(why)) = saved {
        anyhow::bail!("the transcript could not be saved: {why}");
    }
    say!("Saved the transcript of {}: {done} of {total} segments done.", session.id);
    Ok(ExitCode::SUCCESS)
}

/// Renames a speaker in the transcripts of every other session of the project, each read and
/// written encrypted with its own participant's key.
fn rename_in_other_sessions(mut keyring: Keyring, current: String) -> verbatim::tui::review::RenameElsewhere {
    Box::new(move |from: &str, to: &str| {
        let project = keyring.project().clone();
        let mut renamed = 0;
        for other in SessionDir::list(&project).map_err(|e| e.to_string())? {
            if other.id == current {
                continue;
            }
            let identity = keyring.participant(&other.participant).map_err(|e| e.to_string())?.clone();
            let Some(mut transcript) = Transcript::read(&other.path, &identity).map_err(|e| e.to_string())? else {
                continue;
            };
            let mut here = 0;
            for seg in transcript.segments.iter_mut().filter(|s| s.speaker.as_deref() == Some(from)) {
                seg.speaker = Some(to.to_string());
                here += 1;
            }
            if here > 0 {
                let recipient = project.participant_recipient(&other.participant).map_err(|e| e.to_string())?;
                write_sealed_json(&other.path.join(TRANSCRIPT_FILE), &recipient, &transcript)
                    .map_err(|e| format!("{}: {e}", other.id))?;
                renamed += here;
            }
        }
        Ok(renamed)
    })
}
