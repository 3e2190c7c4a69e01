//! `verbatim record DIR --participant CODE`: the recording screen, or headless progress lines.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use verbatim::audio::device::InputDevice;
use verbatim::audio::file_source::FileSource;
use verbatim::audio::host_noise::HostNoiseFilter;
use verbatim::guide::Guide;
use verbatim::keymap::Keymap;
use verbatim::model::{Ms, ParticipantCode};
use verbatim::project::Project;
use verbatim::session::{GuideSnapshot, InputChoice, RecordingSession, RecordingSummary};
use verbatim::tui::record::{Heading, RecordApp, describe_notice};
use verbatim::tui::widgets::meter::to_db;
use verbatim::tui::{self, TerminalEvents};

use super::args::{self, ProjectArg};
use super::ui;

/// How often headless mode prints a progress line.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Record an interview with the guide on screen.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
    /// The participant code.
    #[arg(long, value_parser = args::parsed::<ParticipantCode>)]
    participant: ParticipantCode,
    /// The interview guide (Markdown: # title, ## sections, - questions, indented probes).
    #[arg(long, value_name = "FILE")]
    guide: Option<PathBuf>,
    /// The input device, by the name `verbatim devices` prints (default: the system's input).
    #[arg(long, value_name = "NAME", conflicts_with = "input_file")]
    device: Option<String>,
    /// Record two channels (default: mono, or stereo if the device offers only stereo).
    #[arg(long)]
    stereo: bool,
    /// A keymap preset name or a TOML file, layered over the default keys.
    #[arg(long, value_name = "NAME|PATH")]
    keymap: Option<String>,
    /// Play this WAV file in real time as a virtual microphone (for demos and tests).
    #[arg(long, value_name = "FILE")]
    input_file: Option<PathBuf>,
    /// Record without the screen, printing progress lines.
    #[arg(long)]
    headless: bool,
    /// Stop after this long, e.g. 90s, 2m, 1h30m.
    #[arg(long = "for", value_name = "DURATION", value_parser = args::positive_length)]
    for_duration: Option<Ms>,
    /// Play --input-file this many times faster than real time (load tests).
    #[arg(long, hide = true, default_value_t = 1.0, requires = "input_file")]
    input_speed: f64,
    /// Start --input-file again at its end (load tests).
    #[arg(long, hide = true, requires = "input_file")]
    input_loop: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let source = match &args.input_file {
        Some(path) => Source::File { path, speed: args.input_speed, repeat: args.input_loop },
        None => Source::Device { name: args.device.as_deref(), stereo: args.stereo },
    };
    let summary = record_session(Request {
        dir: &args.project.dir,
        participant: &args.participant,
        source,
        guide: args.guide.as_deref().map(GuideInput::File),
        keymap: args.keymap.as_deref(),
        headless: args.headless,
        max_duration: args.for_duration.map(Ms::to_duration),
    })?;
    Ok(if summary.input_lost { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Where the audio comes from.
pub enum Source<'a> {
    /// A live device (`None`: the default input).
    Device { name: Option<&'a str>, stereo: bool },
    /// A WAV file on disk played as a virtual microphone.
    File { path: &'a Path, speed: f64, repeat: bool },
    /// A WAV built into the binary (the demo).
    Builtin { name: &'static str, bytes: &'static [u8] },
}

/// A recording to make (from `record` or `demo`).
pub struct Request<'a> {
    pub dir: &'a Path,
    pub participant: &'a ParticipantCode,
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

pub fn record_session(request: Request<'_>) -> Result<RecordingSummary> {
    let project = Project::open(request.dir)?;
    project.require_participant(request.participant)?;
    // Everything a user can get wrong is checked before the session exists.
    let (guide, snapshot) = match &request.guide {
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
    let keymap = Keymap::load(request.keymap, Some(project.root()))?;
    let live_device = matches!(request.source, Source::Device { .. });
    let input = match request.source {
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
    let held = live_device && !request.headless;
    let recording = RecordingSession::start(&project, request.participant, input, snapshot, held)?;
    let summary = if request.headless {
        headless(recording, request.max_duration, &interrupted)?
    } else {
        screen(recording, guide, keymap, request.max_duration, &interrupted)?
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
        meta.duration(),
        summary.markers,
        meta.dropped_frames
    );
    if summary.input_lost {
        ui::error(&format!(
            "the input was lost and had not come back when recording stopped; everything recorded before is saved in session {}.",
            meta.id
        ));
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
            ui::note(&format!("verbatim: {}", describe_notice(&notice).text));
        }
        let stats = recording.stats();
        let captured = stats.frames();
        let peak_db = to_db(stats.take_peak());
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

fn screen(
    recording: RecordingSession,
    guide: Option<Guide>,
    keymap: Keymap,
    max_duration: Option<Duration>,
    interrupted: &AtomicBool,
) -> Result<RecordingSummary> {
    let heading = Heading {
        session: recording.id().clone(),
        participant: recording.participant().clone(),
        input: recording.source_label().to_string(),
    };
    let mut app = RecordApp::new(recording, keymap, guide, heading);
    // ALSA's own lines (an xrun, a device that went away) would tear the screen.
    let _quiet = HostNoiseFilter::install();
    let mut terminal =
        ratatui::try_init().context("cannot open the terminal for the recording screen; use --headless")?;
    // The loop stops on its own when the interviewer confirms; signals and --for stop it too.
    let outcome = (|| -> Result<()> {
        let mut guarded = tui::Interruptible {
            screen: &mut app,
            interrupted,
            deadline: max_duration.map(|d| Instant::now() + d),
            stop: RecordApp::stop,
        };
        let mut source = TerminalEvents::start()?;
        tui::run(&mut terminal, &mut guarded, &mut source)?;
        Ok(())
    })();
    // Save first, whatever happened to the terminal (a closed window ends the loop with an
    // I/O error): the recording matters more than the screen.
    let summary = app.recorder.finish();
    tui::restore_terminal();
    let summary = summary?;
    if let Err(e) = outcome {
        ui::note(&format!("verbatim: the terminal stopped working ({e}); the recording was saved."));
    }
    Ok(summary)
}
