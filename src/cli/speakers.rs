//! `verbatim speakers DIR SESSION|--all [--count N] [--model NAME] [--force]`: who speaks when in
//! each session, told apart on this machine with a speaker model, cached encrypted.

use std::cell::RefCell;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use verbatim::asr::ModelStore;
use verbatim::asr::models::ModelKind;
use verbatim::diarize::Embedder;
use verbatim::model::{Mark, Ms, SessionId, Span};
use verbatim::pipeline::{NamedBy, Provenance, SpeakerLayer, Speakers};
use verbatim::session::{Opened, SessionError};

use super::args::{self, ProjectArg};
use super::{hints, open, ui};

/// Tell the speakers of sessions apart.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
    /// The session id (see `verbatim sessions`).
    #[arg(required_unless_present = "all", conflicts_with = "all", value_parser = args::parsed::<SessionId>)]
    session: Option<SessionId>,
    /// Every session in the project.
    #[arg(long)]
    all: bool,
    /// How many people speak (default: the registry's: 2 for an interview, the interviewer and
    /// the participant; a focus group's members and the moderator, `participant group`).
    #[arg(long, value_name = "N")]
    count: Option<usize>,
    /// The speaker model (see `verbatim models`); needed only when several are installed.
    #[arg(long, value_name = "NAME")]
    model: Option<String>,
    /// Tell them apart again even if a current speaker layer is cached.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = &args.project.dir;
    let store = ModelStore::user()?;
    let model = store.choose(ModelKind::Speaker, args.model.as_deref())?;
    let spec = model.info.speaker.clone().ok_or_else(|| {
        anyhow::anyhow!("{} has no speaker model description; remove it and add it again", model.name)
    })?;
    let embedder = RefCell::new(Embedder::load(&model.path, &model.name, &spec)?);
    let _ = rustix::process::nice(10);
    let mut keyring = open::unlock(dir)?;
    let profiles = keyring.voices()?;
    let sessions = open::sessions(&keyring, args.session.as_ref(), args.all, dir)?;
    if sessions.is_empty() {
        say!("No sessions. Import one with `verbatim import {} FILE --participant P01`.", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let mut bar = ui::Progress::new(sessions.len());
    let mut tally = hints::Tally::new(sessions.len(), "attributed", dir);
    for (index, entry) in sessions.into_iter().enumerate() {
        let started = Instant::now();
        let recording = entry.recorder_alive();
        let id = entry.id.clone();
        let group = keyring.group(&entry.participant);
        let result = Opened::open(&mut keyring, entry).and_then(|session| {
            let group = group?;
            let pauses = session.analysis(&mut |_, _| {})?;
            let words: Vec<Span> = match session.cached_draft()? {
                Some(draft) => draft.words.iter().filter(|w| w.tag.is_none()).map(|w| w.span).collect(),
                None => Vec::new(),
            };
            let markers = session.markers()?;
            let keys: Vec<(Ms, u8)> = markers
                .iter()
                .filter_map(|m| if let Mark::Speaker(n) = m.mark { Some((m.at, n)) } else { None })
                .collect();
            let questions: Vec<Ms> =
                markers.iter().filter(|m| matches!(m.mark, Mark::Question { .. })).map(|m| m.at).collect();
            let count = args.count.unwrap_or_else(|| group.map_or(2, |members| usize::from(members) + 1));
            let stage = Speakers {
                model: &model,
                embedder: &embedder,
                pauses,
                words,
                keys,
                questions,
                count,
                one_to_one: group.is_none() && count == 2,
                profiles: &profiles,
                participant: session.participant(),
            };
            let (layer, provenance) =
                session.speakers(&stage, args.force, &mut |done, total| bar.update(index, done, total))?;
            Ok::<_, SessionError>(describe(&layer, provenance, session.participant(), started))
        });
        bar.clear();
        match result {
            Ok(line) => say!("{id}: {line}"),
            Err(e) => tally.failed(&id, e.into(), args.all && recording),
        }
    }
    Ok(tally.exit())
}

/// One line about a speaker layer: each voice, how long it speaks and how it was named.
fn describe(
    layer: &SpeakerLayer,
    provenance: Provenance,
    participant: &verbatim::model::ParticipantCode,
    started: Instant,
) -> String {
    let voices: Vec<String> = layer
        .voices
        .iter()
        .map(|v| {
            let how = match &v.named_by {
                NamedBy::Key => "live key".to_string(),
                NamedBy::Profile(similarity) => {
                    format!("enrolled voice, similarity {:.2}", f32::from(*similarity) / 100.0)
                }
                NamedBy::Questions => "talks at the guide questions".into(),
                NamedBy::LessSpeech => "talks less".into(),
                NamedBy::OneToOne => "the other voice".into(),
                NamedBy::Unnamed => "not named".into(),
            };
            format!(
                "{} {} ({how})",
                v.speaker.label(participant, verbatim::model::SpeakerNames::SHORT),
                Ms(v.speech_ms)
            )
        })
        .collect();
    let overlaps = layer.turns.iter().filter(|t| t.overlap.is_some()).count();
    let how = match provenance {
        Provenance::Computed => format!("told apart in {:.1} s", started.elapsed().as_secs_f64()),
        _ => "already done with this model and these keys; --force does it again".into(),
    };
    format!(
        "{}: {}; {} turns, {} with overlapping speech; {how}",
        ui::plural(layer.voices.len(), "voice"),
        voices.join(", "),
        layer.turns.len(),
        overlaps
    )
}
