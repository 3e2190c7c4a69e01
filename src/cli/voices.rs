//! `verbatim voices enrol DIR NAME --session S --from T --to T | list DIR | remove DIR NAME`:
//! voices the project knows by name, so speaker detection labels them in every session.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use verbatim::asr::ModelStore;
use verbatim::asr::models::ModelKind;
use verbatim::diarize::Embedder;
use verbatim::model::{Ms, SessionId, Span, VoiceProfile, speaker::is_interviewer_name};
use verbatim::session::{Opened, voiceprint};

use super::args::{self, ProjectArg};
use super::open;

/// Seconds of someone's voice alone an enrolment needs at least.
const MIN_SPEECH: Ms = Ms(5_000);

/// Voices the project knows by name.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Enrol a known voice (the interviewer, typically) from a stretch of a session where only
    /// that voice speaks; later sessions label it by NAME (`interviewer` or `I` for the interviewer).
    Enrol(EnrolArgs),
    /// List the enrolled voices.
    List(ListArgs),
    /// Delete an enrolled voice.
    Remove(RemoveArgs),
}

impl Command {
    /// The project folder.
    pub fn project(&self) -> &std::path::Path {
        match self {
            Command::Enrol(a) => &a.project.dir,
            Command::List(a) => &a.project.dir,
            Command::Remove(a) => &a.project.dir,
        }
    }
}

/// `voices enrol`.
#[derive(Debug, clap::Args)]
pub struct EnrolArgs {
    #[command(flatten)]
    project: ProjectArg,
    /// The voice's name: `interviewer` (or `I`), a participant's code, or a label such as L2.
    name: String,
    /// The session to take the voice from.
    #[arg(long, value_parser = args::parsed::<SessionId>)]
    session: SessionId,
    /// Where that voice alone starts speaking (e.g. 00:01:10 or 70s).
    #[arg(long, value_parser = args::parsed::<Ms>)]
    from: Ms,
    /// Where it stops.
    #[arg(long, value_parser = args::parsed::<Ms>)]
    to: Ms,
    /// The speaker model (see `verbatim models`); needed only when several are installed.
    #[arg(long, value_name = "NAME")]
    model: Option<String>,
}

/// `voices list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    project: ProjectArg,
}

/// `voices remove`.
#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    project: ProjectArg,
    /// The voice's name.
    name: String,
}

pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Enrol(args) => enrol(args),
        Command::List(args) => {
            let mut keyring = open::unlock(&args.project.dir)?;
            let voices = keyring.voices()?;
            if voices.is_empty() {
                say!(
                    "No voices are enrolled. Enrol one with `verbatim voices enrol DIR NAME --session S --from T --to T`."
                );
            }
            for voice in &voices {
                let whose = voice.owner.as_ref().map_or("the project's".to_string(), |o| format!("{o}'s data"));
                say!(
                    "{:<16} {:.0} s of voice, {whose}, model {}",
                    voice.name,
                    voice.seconds,
                    &voice.model_sha256[..12.min(voice.model_sha256.len())]
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Remove(args) => {
            let mut keyring = open::unlock(&args.project.dir)?;
            let voice = keyring.remove_voice(&args.name)?;
            say!("Removed the enrolled voice {} (its file overwritten, then deleted).", voice.name);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn enrol(args: EnrolArgs) -> Result<ExitCode> {
    if args.to <= args.from {
        bail!("--to ({}) must come after --from ({}); nothing was enrolled", args.to, args.from);
    }
    let store = ModelStore::user()?;
    let model = store.choose(ModelKind::Speaker, args.model.as_deref())?;
    let Some(spec) = model.info.speaker.clone() else {
        bail!("{} has no speaker model description; remove it and add it again", model.name)
    };
    let mut embedder = Embedder::load(&model.path, &model.name, &spec)?;
    let mut keyring = open::unlock(&args.project.dir)?;
    let session = Opened::find(&mut keyring, &args.session)?;
    let span = Span { start: args.from, end: args.to };
    let (embedding, speech) = voiceprint(&session, &mut embedder, span)?;
    if speech < MIN_SPEECH {
        bail!(
            "only {speech:.1} of speech between {} and {}: a voice needs at least {MIN_SPEECH:.0} of it alone; choose a longer stretch. Nothing was enrolled",
            args.from,
            args.to
        );
    }
    let owner = (!is_interviewer_name(&args.name)).then(|| session.participant().clone());
    let voice = VoiceProfile {
        name: args.name.clone(),
        owner: owner.clone(),
        model_sha256: model.info.sha256.clone(),
        seconds: speech.as_secs_f64() as f32,
        embedding,
    };
    let path: PathBuf = keyring.enrol_voice(&voice)?;
    say!("Enrolled {} from {:.0} of speech in {}, with model {}.", voice.name, speech, args.session, model.name);
    match owner {
        Some(owner) => say!(
            "It is {owner}'s data: sealed to {owner} ({}), and `verbatim forget {owner}` deletes it.",
            path.display()
        ),
        None => say!("It is the interviewer's: sealed to the project key ({}).", path.display()),
    }
    say!("Run `verbatim speakers` again (with --force for sessions done before) to label it in every session.");
    Ok(ExitCode::SUCCESS)
}
