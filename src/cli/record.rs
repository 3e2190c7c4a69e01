//! `verbatim record` and `verbatim devices`: the recording screen, or headless progress lines.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use verbatim::audio::device::{InputDevice, list_inputs};
use verbatim::audio::file_source::FileSource;
use verbatim::guide::Guide;
use verbatim::keymap::Keymap;
use verbatim::project::Project;
use verbatim::session::{GuideSnapshot, InputChoice, RecordingSession, RecordingSummary};
use verbatim::tui::record::{RecordApp, describe_notice};
use verbatim::tui::{self, TerminalEvents};

/// How often headless mode prints a progress line.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Where the audio comes from.
pub enum Source<'a> {
    /// A live device (`None`: the default input).
    Device { name: Option<&'a str>, stereo: bool },
    /// A WAV file on disk played as a virtual microphone.
    File { path: &'a Path, speed: f64, repeat: bool },
    /// A WAV built into the binary (the demo).
    Builtin { name: &'static str, bytes: &'static [u8] },
}

/// Options of `verbatim record`.
pub struct RecordOptions<'a> {
    pub dir: &'a Path,
    pub participant: &'a str,
    pub source: Source<'a>,
    /// The guide: a file, or built-in text with a name.
    pub guide: Option<GuideInput<'a>>,
    pub keymap: Option<&'a str>,
    pub headless: bool,
    pub max_duration: Option<Duration>,
}

/// An interview guide to show.
pub enum GuideInput<'a> {
    /// A Markdown file.
    File(&'a Path),
    /// Built-in text (the demo's guide).
    Text { name: &'static str, text: &'static str },
}

pub fn record(opts: RecordOptions<'_>) -> Result<ExitCode> {
    let summary = record_session(opts)?;
    Ok(if summary.input_lost { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

pub fn record_session(opts: RecordOptions<'_>) -> Result<RecordingSummary> {
    let project = Project::open(opts.dir)?;
    project.require_participant(opts.participant)?;
    // Everything a user can get wrong is checked before the session exists.
    let (guide, snapshot) = match &opts.guide {
        None => (None, None),
        Some(GuideInput::File(path)) => {
            let (guide, text) = Guide::load(path)?;
            let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            (Some(guide), Some(GuideSnapshot { file_name, text }))
        }
        Some(GuideInput::Text { name, text }) => {
            (Some(Guide::parse(text, name)?), Some(GuideSnapshot { file_name: (*name).into(), text: (*text).into() }))
        }
    };
    let keymap = Keymap::load(opts.keymap, Some(project.root()))?;
    let live_device = matches!(opts.source, Source::Device { .. });
    let input = match opts.source {
        Source::Device { name, stereo } => InputChoice::Device(Box::new(InputDevice::open(name, stereo.then_some(2))?)),
        Source::File { path, speed, repeat } => {
            InputChoice::File(FileSource::open(path)?.with_speed(speed).repeating(repeat))
        }
        Source::Builtin { name, bytes } => InputChoice::File(FileSource::from_static(name, bytes)?),
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    // SIGINT, SIGTERM and SIGHUP (a closed terminal) all end the recording cleanly.
    ctrlc::set_handler(move || flag.store(true, Ordering::Release))?;
    // A live microphone on the screen waits for space; headless and file inputs record at once.
    let held = live_device && !opts.headless;
    let recording = RecordingSession::start(&project, opts.participant, input, snapshot, held)?;
    let summary = if opts.headless {
        headless(recording, opts.max_duration, &interrupted)?
    } else {
        screen(recording, opts.participant, guide, keymap, opts.max_duration, &interrupted, live_device)?
    };
    let meta = &summary.meta;
    if summary.discarded {
        say!("Nothing was recorded, so no session was kept.");
        return Ok(summary);
    }
    say!(
        "Saved session {} for {}: {} recorded, {} markers, {} frames dropped.",
        meta.id,
        meta.participant,
        verbatim::tui::record::clock(meta.duration_ms()),
        summary.markers,
        meta.dropped_frames
    );
    if summary.input_lost {
        say!(
            err,
            "verbatim: error: the input was lost and had not come back when recording stopped; everything recorded before is saved in session {}.",
            meta.id
        );
    }
    Ok(summary)
}

fn headless(
    mut recording: RecordingSession,
    max_duration: Option<Duration>,
    interrupted: &AtomicBool,
) -> Result<RecordingSummary> {
    let spec = recording.spec();
    say!(
        "Recording session {} from {} ({} Hz, {} ch). Ctrl+C stops.",
        recording.id(),
        recording.source_label(),
        spec.sample_rate,
        spec.channels
    );
    let started = Instant::now();
    loop {
        std::thread::sleep(PROGRESS_EVERY);
        for notice in recording.poll() {
            say!(err, "verbatim: {}", describe_notice(&notice));
        }
        let stats = recording.stats();
        let captured = stats.frames();
        let peak = stats.take_peak();
        let peak_db = verbatim::tui::meter::to_db(peak);
        say!(
            "rec {:>8.2}s captured={captured} dropped={} peak={peak_db:.1}dBFS",
            captured as f64 / f64::from(spec.sample_rate),
            stats.dropped_frames()
        );
        let timed_out = max_duration.is_some_and(|d| started.elapsed() >= d);
        if timed_out || recording.input_ended() || interrupted.load(Ordering::Acquire) || recording.writer_stopped() {
            break;
        }
    }
    Ok(recording.finish()?)
}

/// Real terminal events, plus the signal flag and the `--for` limit turned into a stop.
struct Events<'a> {
    interrupted: &'a AtomicBool,
    deadline: Option<Instant>,
}

fn screen(
    recording: RecordingSession,
    participant: &str,
    guide: Option<Guide>,
    keymap: Keymap,
    max_duration: Option<Duration>,
    interrupted: &AtomicBool,
    live_device: bool,
) -> Result<RecordingSummary> {
    let session_id = recording.id().to_string();
    let input_label = recording.source_label().to_string();
    let mut app = RecordApp::new(recording, keymap, guide);
    app.session_id = session_id;
    app.participant = participant.into();
    app.input_label = input_label;
    app.idle = live_device;
    if live_device {
        app.status = Some("Check the level meter, then press space to start recording.".into());
    }
    let mut events = Events { interrupted, deadline: max_duration.map(|d| Instant::now() + d) };
    let mut terminal =
        ratatui::try_init().context("cannot open the terminal for the recording screen; use --headless")?;
    let outcome = run_screen(&mut terminal, &mut app, &mut events);
    // Save first, whatever happened to the terminal (a closed window ends the loop with an
    // I/O error): the recording matters more than the screen.
    let summary = app.recorder.finish();
    tui::restore_terminal();
    let summary = summary?;
    if let Err(e) = outcome {
        say!(err, "verbatim: the terminal stopped working ({e}); the recording was saved.");
    }
    Ok(summary)
}

fn run_screen(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut RecordApp<RecordingSession>,
    events: &mut Events<'_>,
) -> Result<()> {
    // The loop stops on its own when the interviewer confirms; signals and --for stop it too.
    let mut guarded = tui::Interruptible {
        screen: app,
        interrupted: events.interrupted,
        deadline: events.deadline,
        stop: |app: &mut RecordApp<RecordingSession>| app.quit = true,
    };
    let mut source = TerminalEvents::start()?;
    tui::run(terminal, &mut guarded, &mut source)?;
    Ok(())
}

/// `verbatim devices`: what can be recorded from.
pub fn devices(all: bool) -> Result<ExitCode> {
    let inputs = list_inputs(all)?;
    for d in inputs.iter().filter(|d| all || d.format.is_some()) {
        let default = if d.is_default { " (default)" } else { "" };
        let format = d.format.as_deref().unwrap_or("no usable format");
        say!("{:<11} {}{default}\n            records as: {format}", d.host, d.name);
    }
    say!("Use a name with: verbatim record DIR --participant ID --device \"NAME\"");
    Ok(ExitCode::SUCCESS)
}

/// Parses `90s`, `2m`, `1h30m`, `1.5s` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration; write e.g. 90s, 2m or 1h30m");
    let mut total = 0.0f64;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => return Err(bad()),
        };
        total += number.parse::<f64>().map_err(|_| bad())? * unit;
        number.clear();
    }
    if !number.is_empty() {
        total += number.parse::<f64>().map_err(|_| bad())?;
    }
    if total <= 0.0 {
        return Err(bad());
    }
    Duration::try_from_secs_f64(total).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_the_forms_people_type() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("12"), Ok(Duration::from_secs(12)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("99999999999999999999999h").is_err());
    }
}
