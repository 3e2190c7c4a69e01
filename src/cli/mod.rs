//! Command-line definitions (clap) and dispatch. Errors are `anyhow` here and only here.

/// Prints a line, ignoring a closed stdout/stderr: after a recording the terminal may be gone,
/// and a failed message must never turn a saved session into a crash.
macro_rules! say {
    (err, $($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod analyze;
mod clips;
mod commands;
mod demo;
mod export;
mod lifecycle;
mod passphrase;
mod play;
mod record;
mod review;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// Record, transcribe and export research interviews, encrypted end to end.
#[derive(Debug, Parser)]
#[command(name = "verbatim", version, about, long_about = None)]
#[command(after_help = "The passphrase is asked on the terminal, or read from VERBATIM_PASSPHRASE.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new project folder with its keys (asks for a new passphrase).
    Init {
        /// The folder to create.
        dir: PathBuf,
        /// The date by which all data must be deleted (your data management plan), YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        retain_until: Option<chrono::NaiveDate>,
    },
    /// Sessions, transcription progress, consent, days left and warnings (asks for the passphrase).
    Status {
        /// The project folder.
        dir: PathBuf,
    },
    /// Set the date by which all data must be deleted (YYYY-MM-DD), or `none`.
    Retention {
        /// The project folder.
        dir: PathBuf,
        /// YYYY-MM-DD, or none.
        until: String,
    },
    /// Manage participant codes.
    #[command(subcommand)]
    Participant(ParticipantCommand),
    /// Encrypt an existing recording (WAV, FLAC, MP3, M4A, OGG) into a new session.
    Import {
        /// The project folder.
        dir: PathBuf,
        /// The audio file to import.
        file: PathBuf,
        /// The participant code the recording belongs to.
        #[arg(long)]
        participant: String,
        /// When the interview took place, e.g. "2026-11-20 14:05" (local time) or RFC 3339;
        /// defaults to now.
        #[arg(long, value_name = "TIME", value_parser = commands::parse_started)]
        started: Option<chrono::DateTime<chrono::FixedOffset>>,
    },
    /// List sessions.
    Sessions {
        /// The project folder.
        dir: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write a session's audio as a standard, unencrypted WAV file.
    Decrypt {
        /// The project folder.
        dir: PathBuf,
        /// The session id (see `verbatim sessions`).
        session: String,
        /// Where to write the WAV; must not exist.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Repair an interrupted or damaged recording.
    Recover {
        /// The project folder.
        dir: PathBuf,
        /// The session id.
        session: String,
    },
    /// Check the integrity of every encrypted file.
    Verify {
        /// The project folder.
        dir: PathBuf,
    },
    /// Find the pauses and transcription segments in a session's audio (cached, encrypted).
    Analyze {
        /// The project folder.
        dir: PathBuf,
        /// The session id (see `verbatim sessions`).
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        session: Option<String>,
        /// Analyse every session in the project.
        #[arg(long)]
        all: bool,
        /// Analyse again even if a current analysis is cached.
        #[arg(long)]
        force: bool,
    },
    /// Transcribe a session: its audio plays while you type, segment by segment.
    Review {
        /// The project folder.
        dir: PathBuf,
        /// The session id (see `verbatim sessions`).
        session: String,
        /// A keymap preset (default, otranscribe, maxqda, express-scribe) or a TOML file.
        #[arg(long, value_name = "NAME|PATH")]
        keymap: Option<String>,
        /// The output device (default: the system's output).
        #[arg(long, value_name = "NAME")]
        device: Option<String>,
        /// How far resuming after a pause goes back.
        #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = record::parse_duration)]
        rewind: std::time::Duration,
    },
    /// Play a session's audio through the speakers, without a screen.
    Play {
        /// The project folder.
        dir: PathBuf,
        /// The session id.
        session: String,
        /// Where to start, e.g. 90s or 2m30s.
        #[arg(long, value_name = "TIME", value_parser = record::parse_duration)]
        from: Option<std::time::Duration>,
        /// Speed, 0.5 to 2.0; the pitch stays.
        #[arg(long, default_value_t = 1.0)]
        speed: f32,
        /// Stop after this long.
        #[arg(long = "for", value_name = "DURATION", value_parser = record::parse_duration)]
        for_duration: Option<std::time::Duration>,
        /// The output device (default: the system's output).
        #[arg(long, value_name = "NAME")]
        device: Option<String>,
    },
    /// Write transcripts (verbatim skeletons) and data for QDA tools: txt, md, docx, vtt, srt,
    /// eaf (ELAN), f4 (MAXQDA), nvivo, json.
    Export {
        /// The project folder.
        dir: PathBuf,
        /// The session id (see `verbatim sessions`).
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        session: Option<String>,
        /// Export every session in the project (-o is then a folder).
        #[arg(long)]
        all: bool,
        /// The file format; several separated by commas (-o is then a folder).
        #[arg(long, value_enum, value_delimiter = ',', required = true)]
        format: Vec<verbatim::export::ExportFormat>,
        /// Transcription convention: plain, jefferson, gat2, dresing-pehl, or a TOML file.
        #[arg(long, value_name = "NAME|PATH", default_value = "plain")]
        convention: String,
        /// Language of labels and the legend.
        #[arg(long, value_enum, default_value = "nb")]
        lang: verbatim::export::convention::Lang,
        /// The transcriber's name or initials, for the header.
        #[arg(long, value_name = "NAME")]
        transcriber: Option<String>,
        /// A file (one session, one format) or a folder; existing files are never replaced.
        /// Files are encrypted to the participant (.age) unless --plaintext is given.
        #[arg(short, long, value_name = "FILE|DIR")]
        output: PathBuf,
        /// Write unencrypted files.
        #[arg(long)]
        plaintext: bool,
    },
    /// Cut one audio clip per marker of a kind (quotes, follow-ups…), identifying passages silenced.
    Clips {
        /// The project folder.
        dir: PathBuf,
        /// The session id (see `verbatim sessions`).
        session: String,
        /// Which markers: quote, follow_up, note, laughter, sigh, long_pause or question.
        #[arg(long, value_name = "KIND", value_parser = clips::parse_kind)]
        kind: verbatim::session::markers::MarkerKind,
        /// Audio kept before and after each clip's segments, e.g. 2s, 1.5s, 500ms or 0.
        #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = clips::parse_pad)]
        pad: u64,
        /// The folder for the clips (created if missing); existing files are never replaced.
        #[arg(short, long, value_name = "OUTDIR")]
        output: PathBuf,
        /// Write unencrypted .wav and .txt files instead of files encrypted to the participant.
        #[arg(long)]
        plaintext: bool,
        /// Transcription convention of the excerpts: plain, jefferson, gat2, dresing-pehl, or a TOML file.
        #[arg(long, value_name = "NAME|PATH", default_value = "plain")]
        convention: String,
        /// Language of the excerpts' labels.
        #[arg(long, value_enum, default_value = "nb")]
        lang: verbatim::export::convention::Lang,
    },
    /// Withdrawal of consent: delete a participant's key, sessions and exported files.
    Forget {
        /// The project folder.
        dir: PathBuf,
        /// The participant code.
        id: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// End the project: destroy every key, recording, transcript and exported file.
    Shred {
        /// The project folder.
        dir: PathBuf,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Change the project's passphrase (only the project key is re-encrypted). For scripts, the
    /// new one can come from VERBATIM_NEW_PASSPHRASE.
    Passphrase {
        /// The project folder.
        dir: PathBuf,
    },
    /// Key management.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Record an interview with the guide on screen (needs no passphrase: audio is encrypted to
    /// the participant's public key).
    Record {
        /// The project folder.
        dir: PathBuf,
        /// The participant code.
        #[arg(long)]
        participant: String,
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
        #[arg(long = "for", value_name = "DURATION", value_parser = record::parse_duration)]
        for_duration: Option<std::time::Duration>,
        /// Play --input-file this many times faster than real time (load tests).
        #[arg(long, hide = true, default_value_t = 1.0, requires = "input_file")]
        input_speed: f64,
        /// Start --input-file again at its end (load tests).
        #[arg(long, hide = true, requires = "input_file")]
        input_loop: bool,
    },
    /// List the input devices verbatim can record from.
    Devices {
        /// Also list raw ALSA devices while a sound server runs, and devices with no usable format.
        #[arg(long)]
        all: bool,
    },
    /// Try verbatim on a built-in interview: a throwaway project, the recording screen, a guide.
    Demo {
        /// Where to create the demo project (default: a new folder under the temp dir).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Record without the screen, printing progress lines.
        #[arg(long)]
        headless: bool,
        /// Stop after this long, e.g. 20s (default: the whole demo interview).
        #[arg(long = "for", value_name = "DURATION", value_parser = record::parse_duration)]
        for_duration: Option<std::time::Duration>,
    },
}

#[derive(Debug, Subcommand)]
enum ParticipantCommand {
    /// Register a participant code such as P01 (no names, emails or phone numbers).
    Add {
        /// The project folder.
        dir: PathBuf,
        /// The participant code.
        id: String,
        /// Consent status.
        #[arg(long, value_enum, default_value = "pending")]
        consent: verbatim::project::ConsentStatus,
        /// When consent was given (or asked), YYYY-MM-DD; default today.
        #[arg(long, value_name = "DATE")]
        date: Option<chrono::NaiveDate>,
        /// A note about the consent (which form, what was agreed); never personal data.
        #[arg(long)]
        note: Option<String>,
    },
    /// Record a change of consent (given, pending, withdrawn).
    Consent {
        /// The project folder.
        dir: PathBuf,
        /// The participant code.
        id: String,
        /// The new status.
        #[arg(value_enum)]
        status: verbatim::project::ConsentStatus,
        /// When, YYYY-MM-DD; default today.
        #[arg(long, value_name = "DATE")]
        date: Option<chrono::NaiveDate>,
        /// A note (which form, what was agreed); never personal data.
        #[arg(long)]
        note: Option<String>,
    },
    /// Change a participant's code: their folder, session ids and speaker labels follow.
    Rename {
        /// The project folder.
        dir: PathBuf,
        /// The current code.
        old: String,
        /// The new code.
        new: String,
    },
    /// List participants with their consent and sessions (asks for the passphrase).
    List {
        /// The project folder.
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Write a participant's secret key in plaintext, for the standard `age` tool.
    Export {
        /// The project folder.
        dir: PathBuf,
        /// The participant code.
        #[arg(long)]
        participant: String,
        /// Where to write the key; must not exist.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Let a supervisor open the project with their own age key (see README: the trade-off).
    AddSupervisor {
        /// The project folder.
        dir: PathBuf,
        /// The supervisor's public key (age1…), from `age-keygen`.
        recipient: String,
    },
    /// Stop a supervisor's key opening the project: it is removed and the project key replaced.
    RemoveSupervisor {
        /// The project folder.
        dir: PathBuf,
        /// The supervisor's public key (age1…), as added.
        recipient: String,
    },
}

/// Parses the command line and runs the command.
pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Init { dir, retain_until } => commands::init(&dir, retain_until),
        Command::Participant(ParticipantCommand::Add { dir, id, consent, date, note }) => {
            lifecycle::participant_add(&dir, &id, consent, date, note)
        }
        Command::Participant(ParticipantCommand::Consent { dir, id, status, date, note }) => {
            lifecycle::consent(&dir, &id, status, date, note)
        }
        Command::Participant(ParticipantCommand::List { dir }) => lifecycle::participant_list(&dir),
        Command::Participant(ParticipantCommand::Rename { dir, old, new }) => lifecycle::rename(&dir, &old, &new),
        Command::Status { dir } => lifecycle::status(&dir),
        Command::Retention { dir, until } => lifecycle::retention(&dir, &until),
        Command::Forget { dir, id, yes } => commands::forget(&dir, &id, yes),
        Command::Shred { dir, yes } => commands::shred(&dir, yes),
        Command::Passphrase { dir } => commands::change_passphrase(&dir),
        Command::Import { dir, file, participant, started } => commands::import(&dir, &file, &participant, started),
        Command::Sessions { dir, json } => commands::sessions(&dir, json),
        Command::Decrypt { dir, session, output } => commands::decrypt(&dir, &session, &output),
        Command::Recover { dir, session } => commands::recover(&dir, &session),
        Command::Verify { dir } => verify::verify(&dir),
        Command::Analyze { dir, session, all, force } => analyze::analyze(&dir, session.as_deref(), all, force),
        Command::Review { dir, session, keymap, device, rewind } => review::review(review::ReviewOptions {
            dir: &dir,
            session: &session,
            keymap: keymap.as_deref(),
            device: device.as_deref(),
            rewind,
        }),
        Command::Play { dir, session, from, speed, for_duration, device } => play::play(play::PlayOptions {
            dir: &dir,
            session: &session,
            from,
            speed,
            max_duration: for_duration,
            device: device.as_deref(),
        }),
        Command::Export { dir, session, all, format, convention, lang, transcriber, output, plaintext } => {
            export::export(&export::ExportRequest {
                dir: &dir,
                session: session.as_deref(),
                all,
                formats: &format,
                convention: &convention,
                lang,
                transcriber,
                output: &output,
                plaintext,
            })
        }
        Command::Clips { dir, session, kind, pad, output, plaintext, convention, lang } => {
            clips::clips(clips::ClipsOptions {
                dir: &dir,
                session: &session,
                kind,
                pad_ms: pad,
                output: &output,
                plaintext,
                convention: &convention,
                lang,
            })
        }
        Command::Record {
            dir,
            participant,
            guide,
            device,
            stereo,
            keymap,
            input_file,
            headless,
            for_duration,
            input_speed,
            input_loop,
        } => {
            let source = match &input_file {
                Some(path) => record::Source::File { path, speed: input_speed, repeat: input_loop },
                None => record::Source::Device { name: device.as_deref(), stereo },
            };
            record::record(record::RecordOptions {
                dir: &dir,
                participant: &participant,
                source,
                guide: guide.as_deref().map(record::GuideInput::File),
                keymap: keymap.as_deref(),
                headless,
                max_duration: for_duration,
            })
        }
        Command::Devices { all } => record::devices(all),
        Command::Demo { dir, headless, for_duration } => demo::demo(dir.as_deref(), headless, for_duration),
        Command::Key(KeyCommand::AddSupervisor { dir, recipient }) => commands::add_supervisor(&dir, &recipient),
        Command::Key(KeyCommand::RemoveSupervisor { dir, recipient }) => commands::remove_supervisor(&dir, &recipient),
        Command::Key(KeyCommand::Export { dir, participant, output }) => {
            commands::key_export(&dir, &participant, &output)
        }
    }
}
