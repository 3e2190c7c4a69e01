//! `verbatim transcribe DIR SESSION|--all [--model NAME] [--language CODE|auto] [--threads N]
//! [--force]`: the draft layer of each session, recognised on this machine, cached encrypted.

use std::cell::RefCell;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use verbatim::asr::models::ModelKind;
use verbatim::asr::whisper::{self, Recogniser};
use verbatim::asr::{AsrError, InstalledModel, ModelStore};
use verbatim::model::SessionId;
use verbatim::model::transcript::UNSURE;
use verbatim::pipeline::{Draft, DraftLayer, Provenance, StageError};
use verbatim::session::{Opened, SessionError};

use super::args::{self, ProjectArg};
use super::{hints, open, ui};

/// Draft the words of sessions with a local speech recognition model.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
    /// The session id (see `verbatim sessions`).
    #[arg(required_unless_present = "all", conflicts_with = "all", value_parser = args::parsed::<SessionId>)]
    session: Option<SessionId>,
    /// Transcribe every session in the project.
    #[arg(long)]
    all: bool,
    /// The model (see `verbatim models`); needed only when several are installed.
    #[arg(long, value_name = "NAME")]
    model: Option<String>,
    /// The language spoken: a code such as en, no, nn, sv, or `auto` to detect it (default: en
    /// for English-only models, else auto).
    #[arg(long, value_name = "CODE")]
    language: Option<String>,
    /// CPU threads (default: the cores not busy now, at most 4; recording always comes first).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: Option<u16>,
    /// Recognise again even if a current draft is cached.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = &args.project.dir;
    let store = ModelStore::user()?;
    let model = store.choose(ModelKind::Whisper, args.model.as_deref())?;
    let recogniser = Recogniser::load(&model.path)?;
    let language = args
        .language
        .as_deref()
        .map(whisper::whisper_language)
        .unwrap_or_else(|| if recogniser.model().multilingual { "auto".into() } else { "en".into() });
    recogniser.check_language(&language)?;
    let recogniser = RefCell::new(recogniser);
    let threads = args.threads.map_or_else(free_cores, usize::from);
    // Recording (its own process) must never wait for a core: this one steps back.
    let _ = rustix::process::nice(10);
    let mut keyring = open::unlock(dir)?;
    let sessions = open::sessions(&keyring, args.session.as_ref(), args.all, dir)?;
    if sessions.is_empty() {
        say!("No sessions to transcribe. Import one with `verbatim import {} FILE --participant P01`.", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // Ctrl+C, SIGTERM or a closed terminal: the window being decoded stops, what is done is kept.
    ctrlc::set_handler(move || flag.store(true, Ordering::Release)).context("setting up Ctrl+C")?;
    let mut bar = ui::Progress::new(sessions.len()).with_time_left();
    let mut tally = hints::Tally::new(sessions.len(), "transcribed", dir);
    for (index, entry) in sessions.into_iter().enumerate() {
        let started = Instant::now();
        let recording = entry.recorder_alive();
        let id = entry.id.clone();
        let result = Opened::open(&mut keyring, entry).and_then(|session| {
            let pauses = session.analysis(&mut |_, _| {})?;
            let stage = Draft {
                model: &model,
                recogniser: &recogniser,
                language: language.clone(),
                threads,
                pauses,
                stop: Arc::clone(&stop),
            };
            let (layer, provenance) =
                session.draft(&stage, args.force, &mut |done, total| bar.update(index, done, total))?;
            Ok::<_, SessionError>(describe(&layer, provenance, pauses.duration.as_secs_f64(), started, &model))
        });
        bar.clear();
        match result {
            Ok(line) => say!("{id}: {line}"),
            Err(SessionError::Stage(StageError::Asr(AsrError::Interrupted))) => {
                say!("{id}: stopped. What was recognised is kept, encrypted; run the same command again to go on.");
                return Ok(ExitCode::from(130));
            }
            Err(e) => tally.failed(&id, e.into(), args.all && recording),
        }
    }
    Ok(tally.exit())
}

/// One line about a draft: its words, its model, and how long it took.
fn describe(
    layer: &DraftLayer,
    provenance: Provenance,
    audio_secs: f64,
    started: Instant,
    model: &InstalledModel,
) -> String {
    let words = layer.words.iter().filter(|w| w.tag.is_none()).count();
    let unsure = layer.words.iter().filter(|w| w.tag.is_none() && w.confidence < UNSURE).count();
    let tags = layer.words.len() - words;
    let how = match provenance {
        Provenance::Computed => {
            let secs = started.elapsed().as_secs_f64();
            let resumed = if layer.resumed > 0 {
                format!(" (went on from an interrupted run: {} of {} windows were done)", layer.resumed, layer.windows)
            } else {
                String::new()
            };
            format!("recognised in {secs:.1} s, {:.2} × the audio's length{resumed}", secs / audio_secs.max(0.001))
        }
        _ => "already transcribed with this model; --force does it again".into(),
    };
    format!(
        "{} ({} unsure), {}, language {}, model {} ({}); {how}",
        ui::plural(words, "word"),
        unsure,
        ui::plural(tags, "tag"),
        layer.language,
        model.name,
        layer.model_description,
    )
}

/// Cores not busy now (by the load average over the last minute), at least one and at most
/// four: on a machine also recording, ggml's threads spin at barriers and slow each other.
fn free_cores() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let busy = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0, |load| load.round() as usize);
    cores.saturating_sub(busy).clamp(1, 4)
}
