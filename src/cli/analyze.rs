//! `verbatim analyze`: pauses and segments, cached encrypted, with a progress bar.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use verbatim::analysis::Analysis;
use verbatim::analysis::cache::{self, Provenance};
use verbatim::analysis::segments::{self, SpeakerMark};
use verbatim::crypto::Identity;
use verbatim::project::Keyring;
use verbatim::session::SessionDir;
use verbatim::session::markers::{Marker, MarkerLog};

use super::commands::{clock, unlock};

/// `verbatim analyze DIR SESSION [--force]` or `verbatim analyze DIR --all [--force]`.
pub fn analyze(dir: &Path, session_id: Option<&str>, all: bool, force: bool) -> Result<ExitCode> {
    let mut keyring = unlock(dir)?;
    let sessions = match (session_id, all) {
        (Some(id), false) => vec![SessionDir::find(keyring.project(), id)?],
        (None, true) => SessionDir::list(keyring.project())?,
        _ => bail!("name one session, or give --all (see `verbatim sessions {}`)", dir.display()),
    };
    if sessions.is_empty() {
        say!("No sessions to analyse. Import one with `verbatim import {} FILE --participant P01`.", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let mut bar = ProgressBar::new(sessions.len());
    let mut failed = 0;
    for (index, session) in sessions.iter().enumerate() {
        let started = Instant::now();
        let result = analyze_one(&mut keyring, session, force, &mut |done, total| bar.update(index, done, total));
        bar.clear();
        match result {
            Ok((analysis, markers, provenance)) => {
                let how = match provenance {
                    Provenance::Cached => "already analysed".to_string(),
                    Provenance::Computed => format!("analysed in {:.1} s", started.elapsed().as_secs_f64()),
                };
                say!("{}: {}", session.id, describe(&analysis, &markers.markers, &how));
            }
            Err(e) if all && session.recorder_alive() => {
                say!("{}: being recorded now; skipped ({e})", session.id);
            }
            Err(e) => {
                failed += 1;
                eprintln!("verbatim: error: session {}: {e:#}", session.id);
            }
        }
    }
    if failed > 0 {
        if sessions.len() > 1 {
            eprintln!("{failed} of {} sessions could not be analysed; see the messages above.", sessions.len());
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn analyze_one(
    keyring: &mut Keyring,
    session: &SessionDir,
    force: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Analysis, MarkerLog, Provenance)> {
    let identity: Identity = keyring.participant(&session.participant)?.clone();
    let recipient = keyring.project().participant_recipient(&session.participant)?;
    let (analysis, provenance) = cache::analyze_session(session, &identity, &recipient, force, progress)?;
    let markers = MarkerLog::read(&session.path, &identity)?;
    Ok((analysis, markers, provenance))
}

/// One line about what an analysis found; `markers` give the speaker turns for the segments.
pub(super) fn describe(a: &Analysis, markers: &[Marker], how: &str) -> String {
    if a.speech.is_empty() {
        return format!(
            "{} of audio, no speech found ({how}). If someone spoke, the input may have been muted or far too quiet.",
            clock(a.duration_ms)
        );
    }
    let segments = segments::segments(&a.speech, &SpeakerMark::from_markers(markers)).len();
    format!(
        "{} of audio, {} pauses of 0.2 s or more, {} segments; noise floor {:.0} dB, speech {:.0} dB ({how})",
        clock(a.duration_ms),
        a.pauses.len(),
        segments,
        a.noise_floor_db,
        a.speech_level_db
    )
}

/// The session's analysis, from the cache or made now with a progress bar (and said so).
pub(super) fn analysis_for(
    session: &SessionDir,
    identity: &Identity,
    recipient: &verbatim::crypto::Recipient,
    markers: &[Marker],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Analysis> {
    let (analysis, provenance) = cache::analyze_session(session, identity, recipient, false, progress)?;
    if provenance == Provenance::Computed {
        eprintln!("Analysed {}: {}", session.id, describe(&analysis, markers, "now cached"));
    }
    Ok(analysis)
}

/// A progress line on stderr: a bar on a terminal, nothing otherwise (the result lines say it all).
pub(super) struct ProgressBar {
    sessions: usize,
    terminal: bool,
    last: Option<Instant>,
    shown: bool,
}

impl ProgressBar {
    pub(super) fn new(sessions: usize) -> Self {
        Self { sessions, terminal: std::io::stderr().is_terminal(), last: None, shown: false }
    }

    pub(super) fn update(&mut self, index: usize, done: u64, total: u64) {
        if !self.terminal || self.last.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return;
        }
        self.last = Some(Instant::now());
        let line = bar_line(index, self.sessions, done, total);
        let mut err = std::io::stderr();
        let _ = err.write_all(format!("\r{line}").as_bytes());
        let _ = err.flush();
        self.shown = true;
    }

    pub(super) fn clear(&mut self) {
        if self.shown {
            let _ = std::io::stderr().write_all(format!("\r{}\r", " ".repeat(60)).as_bytes());
            self.shown = false;
        }
        self.last = None;
    }
}

/// `[#####.........]  33%  session 2 of 3` for frame `done` of `total` in session `index`.
fn bar_line(index: usize, sessions: usize, done: u64, total: u64) -> String {
    const WIDTH: usize = 30;
    let session_share = if total == 0 { 1.0 } else { done as f64 / total as f64 };
    let overall = ((index as f64 + session_share) / sessions.max(1) as f64).clamp(0.0, 1.0);
    let filled = ((overall * WIDTH as f64).round() as usize).min(WIDTH);
    format!(
        "[{}{}] {:>3}%  session {} of {}",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        (overall * 100.0).round() as u32,
        index + 1,
        sessions
    )
}

#[cfg(test)]
mod tests {
    use super::bar_line;

    #[test]
    fn the_bar_counts_sessions_and_frames() {
        assert_eq!(bar_line(0, 1, 0, 100), format!("[{}]   0%  session 1 of 1", ".".repeat(30)));
        assert_eq!(bar_line(1, 2, 50, 100), format!("[{}{}]  75%  session 2 of 2", "#".repeat(23), ".".repeat(7)));
        assert_eq!(bar_line(0, 1, 0, 0), format!("[{}] 100%  session 1 of 1", "#".repeat(30)));
    }
}
