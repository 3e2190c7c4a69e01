//! The command line: one file per command, each with its arguments (`Args`) and `run`, parsing
//! into the library's types and printing what it did. Errors are `anyhow` here and only here.

#[macro_use]
mod ui;
mod args;
mod hints;
mod open;
mod passphrase;

mod analyze;
mod clips;
mod decrypt;
mod demo;
mod devices;
mod export;
mod forget;
mod import;
mod init;
mod key;
mod models;
mod participant;
mod play;
mod record;
mod recover;
mod retention;
mod review;
mod sessions;
mod shred;
mod speakers;
mod status;
mod transcribe;
mod verify;
mod voices;

use std::path::Path;
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
    Init(init::Args),
    /// Sessions, transcription progress, consent, days left and warnings (asks for the passphrase).
    Status(status::Args),
    /// Set the date by which all data must be deleted (YYYY-MM-DD), or `none`.
    Retention(retention::Args),
    /// Manage participant codes.
    #[command(subcommand)]
    Participant(participant::Command),
    /// Encrypt an existing recording (WAV, FLAC, MP3, M4A, OGG) into a new session.
    Import(import::Args),
    /// List sessions.
    Sessions(sessions::Args),
    /// Write a session's audio as a standard, unencrypted WAV file.
    Decrypt(decrypt::Args),
    /// Repair an interrupted or damaged recording.
    Recover(recover::Args),
    /// Check the integrity of every encrypted file.
    Verify(verify::Args),
    /// Find the pauses and transcription segments in a session's audio (cached, encrypted).
    Analyze(analyze::Args),
    /// Draft the words of a session with a local speech recognition model (cached, encrypted).
    Transcribe(transcribe::Args),
    /// Tell who speaks when, with a local speaker model (cached, encrypted).
    Speakers(speakers::Args),
    /// Voices the project knows by name: enrol, list, remove.
    #[command(subcommand)]
    Voices(voices::Command),
    /// Speech recognition and speaker models: list, add (a whisper.cpp or ONNX speaker model file,
    /// or an https:// address), remove.
    Models(models::Args),
    /// Transcribe a session: its audio plays while you type, segment by segment.
    Review(review::Args),
    /// Play a session's audio through the speakers, without a screen.
    Play(play::Args),
    /// Write transcripts (verbatim skeletons) and data for QDA tools: txt, md, docx, vtt, srt,
    /// eaf (ELAN), f4 (MAXQDA), nvivo, json.
    Export(export::Args),
    /// Cut one audio clip per marker of a kind (quotes, follow-ups…), identifying passages silenced.
    Clips(clips::Args),
    /// Withdrawal of consent: delete a participant's key, sessions and exported files.
    Forget(forget::Args),
    /// End the project: destroy every key, recording, transcript and exported file.
    Shred(shred::Args),
    /// Change the project's passphrase (only the project key is re-encrypted). For scripts, the
    /// new one can come from VERBATIM_NEW_PASSPHRASE.
    Passphrase(passphrase::Args),
    /// Key management.
    #[command(subcommand)]
    Key(key::Command),
    /// Record an interview with the guide on screen (needs no passphrase: audio is encrypted to
    /// the participant's public key).
    Record(record::Args),
    /// List the input devices verbatim can record from.
    Devices(devices::Args),
    /// Try verbatim on a built-in interview: a throwaway project, the recording screen, a guide.
    Demo(demo::Args),
}

impl Command {
    /// The project folder the command works on, for hints.
    fn project(&self) -> Option<&Path> {
        Some(match self {
            Command::Init(a) => &a.project.dir,
            Command::Status(a) => &a.project.dir,
            Command::Retention(a) => &a.project.dir,
            Command::Participant(c) => c.project(),
            Command::Import(a) => &a.project.dir,
            Command::Sessions(a) => &a.project.dir,
            Command::Decrypt(a) => &a.target.project.dir,
            Command::Recover(a) => &a.target.project.dir,
            Command::Verify(a) => &a.project.dir,
            Command::Analyze(a) => &a.project.dir,
            Command::Transcribe(a) => &a.project.dir,
            Command::Speakers(a) => &a.project.dir,
            Command::Voices(c) => c.project(),
            Command::Review(a) => &a.target.project.dir,
            Command::Play(a) => &a.target.project.dir,
            Command::Export(a) => &a.project.dir,
            Command::Clips(a) => &a.target.project.dir,
            Command::Forget(a) => &a.project.dir,
            Command::Shred(a) => &a.project.dir,
            Command::Passphrase(a) => &a.project.dir,
            Command::Key(c) => c.project(),
            Command::Record(a) => &a.project.dir,
            Command::Devices(_) | Command::Demo(_) | Command::Models(_) => return None,
        })
    }
}

/// Parses the command line and runs the command; a failure comes back with a hint to print.
pub fn run() -> std::result::Result<ExitCode, (anyhow::Error, Option<String>)> {
    let cli = Cli::parse();
    let project = cli.command.project().map(Path::to_path_buf);
    dispatch(cli.command).map_err(|e| {
        let hint = hints::for_error(&e, project.as_deref());
        (e, hint)
    })
}

fn dispatch(command: Command) -> Result<ExitCode> {
    match command {
        Command::Init(args) => init::run(args),
        Command::Status(args) => status::run(args),
        Command::Retention(args) => retention::run(args),
        Command::Participant(command) => participant::run(command),
        Command::Import(args) => import::run(args),
        Command::Sessions(args) => sessions::run(args),
        Command::Decrypt(args) => decrypt::run(args),
        Command::Recover(args) => recover::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Transcribe(args) => transcribe::run(args),
        Command::Speakers(args) => speakers::run(args),
        Command::Voices(command) => voices::run(command),
        Command::Models(args) => models::run(args),
        Command::Review(args) => review::run(args),
        Command::Play(args) => play::run(args),
        Command::Export(args) => export::run(args),
        Command::Clips(args) => clips::run(args),
        Command::Forget(args) => forget::run(args),
        Command::Shred(args) => shred::run(args),
        Command::Passphrase(args) => passphrase::run(args),
        Command::Key(command) => key::run(command),
        Command::Record(args) => record::run(args),
        Command::Devices(args) => devices::run(args),
        Command::Demo(args) => demo::run(args),
    }
}

/// Prints the error (with the causes that add words) and the hint; what `main` shows.
pub fn report(err: &anyhow::Error, hint: Option<&str>) {
    // Our messages already carry the path and the fix; print a source only if it adds words.
    let mut shown = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !shown.contains(&text) {
            shown = format!("{shown}: {text}");
        }
    }
    ui::error(&shown);
    if let Some(hint) = hint {
        ui::hint(hint);
    }
}
