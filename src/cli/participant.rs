//! `verbatim participant add|consent|rename|list`: participant codes and their consent.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use verbatim::model::ParticipantCode;
use verbatim::project::{Consent, ConsentStatus, Project};
use verbatim::session::{SessionDir, rename_participant};

use super::args::{self, ProjectArg};
use super::open;
use super::status::describe_consent;

/// Manage participant codes.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Register a participant code such as P01 (no names, emails or phone numbers).
    Add(AddArgs),
    /// Record a change of consent (given, pending, withdrawn).
    Consent(ConsentArgs),
    /// Change a participant's code: their folder, session ids and speaker labels follow.
    Rename(RenameArgs),
    /// List participants with their consent and sessions (asks for the passphrase).
    List(ListArgs),
    /// Say that a code stands for a focus group of N members, or `none` (a one-to-one interview).
    Group(GroupArgs),
}

impl Command {
    /// The project folder.
    pub fn project(&self) -> &Path {
        match self {
            Command::Add(a) => &a.project.dir,
            Command::Consent(a) => &a.project.dir,
            Command::Rename(a) => &a.project.dir,
            Command::List(a) => &a.project.dir,
            Command::Group(a) => &a.project.dir,
        }
    }
}

/// `participant add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    #[command(flatten)]
    project: ProjectArg,
    /// The participant code.
    #[arg(value_parser = args::parsed::<ParticipantCode>)]
    id: ParticipantCode,
    /// Consent status: pending, given or withdrawn.
    #[arg(long, default_value = "pending", value_parser = args::parsed::<ConsentStatus>)]
    consent: ConsentStatus,
    /// When consent was given (or asked), YYYY-MM-DD; default today.
    #[arg(long, value_name = "DATE")]
    date: Option<chrono::NaiveDate>,
    /// A note about the consent (which form, what was agreed); never personal data.
    #[arg(long)]
    note: Option<String>,
    /// The code stands for a focus group of N members (the moderator not counted): speaker
    /// detection then looks for N + 1 voices.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(2..=30))]
    group: Option<u8>,
}

/// `participant group`.
#[derive(Debug, clap::Args)]
pub struct GroupArgs {
    #[command(flatten)]
    project: ProjectArg,
    /// The participant code.
    #[arg(value_parser = args::parsed::<ParticipantCode>)]
    id: ParticipantCode,
    /// How many members the focus group has (the moderator not counted), or `none` for a
    /// one-to-one interview.
    members: String,
}

/// `participant consent`.
#[derive(Debug, clap::Args)]
pub struct ConsentArgs {
    #[command(flatten)]
    project: ProjectArg,
    /// The participant code.
    #[arg(value_parser = args::parsed::<ParticipantCode>)]
    id: ParticipantCode,
    /// The new status: pending, given or withdrawn.
    #[arg(value_parser = args::parsed::<ConsentStatus>)]
    status: ConsentStatus,
    /// When, YYYY-MM-DD; default today.
    #[arg(long, value_name = "DATE")]
    date: Option<chrono::NaiveDate>,
    /// A note (which form, what was agreed); never personal data.
    #[arg(long)]
    note: Option<String>,
}

/// `participant rename`.
#[derive(Debug, clap::Args)]
pub struct RenameArgs {
    #[command(flatten)]
    project: ProjectArg,
    /// The current code.
    #[arg(value_parser = args::parsed::<ParticipantCode>)]
    old: ParticipantCode,
    /// The new code.
    #[arg(value_parser = args::parsed::<ParticipantCode>)]
    new: ParticipantCode,
}

/// `participant list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    project: ProjectArg,
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Add(args) => add(args),
        Command::Consent(args) => consent(args),
        Command::Rename(args) => rename(args),
        Command::List(args) => list(args),
        Command::Group(args) => group(args),
    }
}

fn add(args: AddArgs) -> Result<ExitCode> {
    let (dir, id) = (&args.project.dir, &args.id);
    let project = Project::open(dir)?;
    project.add_participant(id)?;
    let consent =
        Consent { status: args.consent, date: args.date.unwrap_or_else(today), note: args.note.unwrap_or_default() };
    project.set_consent(id, &consent)?;
    project.set_group(id, args.group)?;
    say!("Added participant {id} with their own key (consent {} {}).", consent.status.label(), consent.date);
    if let Some(members) = args.group {
        say!("{id} is a focus group of {members}: speaker detection looks for {} voices.", members + 1);
    }
    if consent.status != ConsentStatus::Given {
        say!("When consent is given: verbatim participant consent {} {id} given", dir.display());
    }
    say!("Next: verbatim import {} FILE --participant {id}", dir.display());
    Ok(ExitCode::SUCCESS)
}

fn consent(args: ConsentArgs) -> Result<ExitCode> {
    let (dir, id) = (&args.project.dir, &args.id);
    let project = Project::open(dir)?;
    project.require_participant(id)?;
    let consent =
        Consent { status: args.status, date: args.date.unwrap_or_else(today), note: args.note.unwrap_or_default() };
    project.set_consent(id, &consent)?;
    say!("{id}: consent {} on {}.", consent.status.label(), consent.date);
    if consent.status == ConsentStatus::Withdrawn {
        say!("To delete everything about {id}: verbatim forget {} {id}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn group(args: GroupArgs) -> Result<ExitCode> {
    let (dir, id) = (&args.project.dir, &args.id);
    let members = match args.members.trim() {
        "none" | "0" => None,
        text => match text.parse::<u8>() {
            Ok(n) if (2..=30).contains(&n) => Some(n),
            _ => anyhow::bail!(
                "{text:?} is not a group size: give 2 to 30 members, or `none` for a one-to-one interview; nothing was changed"
            ),
        },
    };
    let project = Project::open(dir)?;
    project.require_participant(id)?;
    project.set_group(id, members)?;
    match members {
        Some(n) => say!("{id} is a focus group of {n} members: speaker detection looks for {} voices.", n + 1),
        None => say!("{id} is a one-to-one interview: speaker detection looks for the interviewer and {id}."),
    }
    say!("Sessions told apart before keep their speakers until `verbatim speakers {} --all --force`.", dir.display());
    Ok(ExitCode::SUCCESS)
}

fn rename(args: RenameArgs) -> Result<ExitCode> {
    let dir = &args.project.dir;
    // The new code was checked by the parser, before the passphrase: nothing changed if bad.
    let mut keyring = open::unlock(dir)?;
    let renamed = rename_participant(&mut keyring, &args.old, &args.new)?;
    say!("{} is now {}; {} session(s) renamed:", args.old, args.new, renamed.len());
    for (from, to) in &renamed {
        say!("  {from} -> {to}");
    }
    say!(
        "Files exported before keep their old names; `verbatim forget {} {}` still finds them.",
        dir.display(),
        args.new
    );
    Ok(ExitCode::SUCCESS)
}

fn list(args: ListArgs) -> Result<ExitCode> {
    let mut keyring = open::unlock(&args.project.dir)?;
    let sessions = SessionDir::list(keyring.project())?;
    for id in keyring.project().participants()? {
        let consent = describe_consent(keyring.consent(&id)?.as_ref());
        let count = sessions.iter().filter(|s| s.participant == id).count();
        let kind = keyring.group(&id)?.map_or(String::new(), |n| format!(", focus group of {n}"));
        say!("{id:<8} consent {consent:<22} {count} session(s){kind}");
    }
    Ok(ExitCode::SUCCESS)
}
