//! `verbatim demo`: a throwaway project, the built-in interview through the virtual microphone,
//! the built-in Norwegian guide, and a note on where everything went and what to try next.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use verbatim::crypto::{ExposeSecret, SecretString, generate_identity};
use verbatim::model::{Ms, ParticipantCode};
use verbatim::project::{Project, check_init_target};
use verbatim::session::Opened;
use zeroize::Zeroizing;

use super::analyze::describe;
use super::args;
use super::record::{GuideInput, Request, Source, record_session};

/// The demo interview: two synthetic Norwegian voices (espeak-ng), invented content.
const DEMO_AUDIO: &[u8] = include_bytes!("../demo/interview.wav");
/// The guide shown during the demo.
const DEMO_GUIDE: &str = include_str!("../demo/guide-nb.md");
/// The participant code the demo records.
const DEMO_PARTICIPANT: &str = "P01";

/// Try verbatim on a built-in interview.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to create the demo project (default: a new folder under the temp dir).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Record without the screen, printing progress lines.
    #[arg(long)]
    headless: bool,
    /// Stop after this long, e.g. 20s (default: the whole demo interview).
    #[arg(long = "for", value_name = "DURATION", value_parser = args::positive_length)]
    for_duration: Option<Ms>,
}

/// A random passphrase for the throwaway project: 120 bits from a fresh X25519 key's encoding.
fn generated_passphrase() -> SecretString {
    let key = generate_identity().to_string();
    let body: Zeroizing<String> =
        Zeroizing::new(key.expose_secret().trim_start_matches("AGE-SECRET-KEY-1").to_lowercase());
    let chars: Vec<char> = body.chars().take(24).collect();
    let groups: Vec<String> = chars.chunks(4).map(|c| c.iter().collect()).collect();
    SecretString::from(groups.join("-"))
}

fn demo_dir(requested: Option<&Path>) -> PathBuf {
    match requested {
        Some(dir) => dir.to_path_buf(),
        None => {
            let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
            std::env::temp_dir().join(format!("verbatim-demo-{stamp}-{}", std::process::id()))
        }
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let root = demo_dir(args.dir.as_deref());
    check_init_target(&root)?;
    let passphrase = generated_passphrase();
    let project = Project::init(&root, &passphrase).context("creating the demo project")?;
    let participant: ParticipantCode = DEMO_PARTICIPANT.parse()?;
    project.add_participant(&participant)?;
    if args.headless {
        say!("Demo project: {}", root.display());
    }
    let summary = record_session(Request {
        dir: &root,
        participant: &participant,
        source: Source::Builtin { name: "demo-interview.wav", bytes: DEMO_AUDIO },
        guide: Some(GuideInput::Text { name: "guide-nb.md", text: DEMO_GUIDE }),
        keymap: None,
        headless: args.headless,
        max_duration: args.for_duration.map(Ms::to_duration),
    })?;
    if summary.discarded {
        say!("The demo was stopped before anything was recorded. The empty project is in {}", root.display());
        return Ok(ExitCode::SUCCESS);
    }
    let id = &summary.meta.id;
    let dir = root.display();
    say!("");
    say!("The demo project is in {dir}");
    say!("Its passphrase (a throwaway, printed only because this is a demo): {}", passphrase.expose_secret());
    say!("The session {id} is encrypted to participant {DEMO_PARTICIPANT}; markers are saved with it.");
    // The next step a researcher takes: find the pauses and segments (cached, encrypted).
    match project.unlock(&passphrase) {
        Ok(mut keyring) => {
            let session = Opened::find(&mut keyring, id)?;
            match session.analysis(&mut |_, _| {}) {
                Ok(analysis) => say!("Analysis: {}", describe(analysis, session.markers()?, "cached, encrypted")),
                Err(e) => say!("The analysis failed: {e}"),
            }
        }
        Err(e) => say!("Could not unlock the demo project to analyse it: {e}"),
    }
    say!("");
    say!("Next, try:");
    say!("  verbatim sessions {dir}");
    say!("  verbatim review {dir} {id}                   # transcribe: the audio plays while you type");
    say!("  verbatim export {dir} {id} --format txt,docx,eaf -o exports/   # transcript skeleton, encrypted");
    say!("  verbatim clips {dir} {id} --kind quote -o clips/   # the key quotes as encrypted clips");
    say!("  verbatim decrypt {dir} {id} -o demo.wav        # asks for the passphrase above");
    say!("  verbatim record {dir} --participant {DEMO_PARTICIPANT} --guide GUIDE.md   # your microphone");
    say!("When done: rm -r {dir}");
    Ok(ExitCode::SUCCESS)
}
