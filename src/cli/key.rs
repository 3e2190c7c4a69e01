//! `verbatim key export|add-supervisor|remove-supervisor`: keys for the standard age tool and
//! for supervisors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use verbatim::crypto::{ExposeSecret, parse_recipient};
use verbatim::model::ParticipantCode;
use verbatim::project::{ExportKind, ExportRecord, Project, SUPERVISOR_IDENTITY_FILE};
use verbatim::securefs;

use super::args::{self, ProjectArg};
use super::{passphrase, ui};

/// Key management.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Write a participant's secret key in plaintext, for the standard `age` tool.
    Export(ExportArgs),
    /// Let a supervisor open the project with their own age key (see README: the trade-off).
    AddSupervisor(SupervisorArgs),
    /// Stop a supervisor's key opening the project: it is removed and the project key replaced.
    RemoveSupervisor(SupervisorArgs),
}

impl Command {
    /// The project folder.
    pub fn project(&self) -> &Path {
        match self {
            Command::Export(a) => &a.project.dir,
            Command::AddSupervisor(a) | Command::RemoveSupervisor(a) => &a.project.dir,
        }
    }
}

/// `key export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    project: ProjectArg,
    /// The participant code.
    #[arg(long, value_parser = args::parsed::<ParticipantCode>)]
    participant: ParticipantCode,
    /// Where to write the key; must not exist.
    #[arg(short, long)]
    output: PathBuf,
}

/// `key add-supervisor` and `key remove-supervisor`.
#[derive(Debug, clap::Args)]
pub struct SupervisorArgs {
    #[command(flatten)]
    project: ProjectArg,
    /// The supervisor's public key (age1…), from `age-keygen`.
    recipient: String,
}

pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Export(args) => export(args),
        Command::AddSupervisor(args) => add_supervisor(args),
        Command::RemoveSupervisor(args) => remove_supervisor(args),
    }
}

fn export(args: ExportArgs) -> Result<ExitCode> {
    let (dir, participant, output) = (&args.project.dir, &args.participant, &args.output);
    let project = Project::open(dir)?;
    project.require_participant(participant)?;
    if output.exists() {
        bail!("{}: already exists; choose another name (nothing was written)", output.display());
    }
    let mut keyring = project.unlock(&passphrase::ask(dir)?)?;
    let text = keyring.participant_identity_text(participant)?;
    securefs::write_new(output, text.expose_secret().as_bytes())?;
    keyring.record_exports(vec![ExportRecord::now(participant, None, output, ExportKind::Key, true)])?;
    ui::note(&format!("WARNING: {} now holds {participant}'s secret key UNENCRYPTED (mode 0600).", output.display()));
    ui::note(&format!(
        "Anyone with this file can read all of {participant}'s recordings and transcripts. Store it offline,"
    ));
    ui::note("`verbatim forget` deletes this file too while it stays here; a copy elsewhere is out of its reach.");
    ui::note(&format!("Use it with the standard tool:  age -d -i {} FILE.age > FILE", output.display()));
    Ok(ExitCode::SUCCESS)
}

fn add_supervisor(args: SupervisorArgs) -> Result<ExitCode> {
    let dir = &args.project.dir;
    let project = Project::open(dir)?;
    // A typo in the key is found before the passphrase is asked.
    let recipient = parse_recipient(&args.recipient, Path::new("the command line"))?;
    let mut keyring = project.unlock(&passphrase::ask(dir)?)?;
    keyring.add_supervisor(&recipient)?;
    say!("The supervisor's key now opens {} (via {SUPERVISOR_IDENTITY_FILE}).", dir.display());
    say!("They read it with the standard age tool:  age -d -i supervisor.key identity.supervisor.age > project.key");
    say!("Like the passphrase, their key opens backups made before a `forget`; `forget` still removes a");
    say!("participant from the live project for them too.");
    Ok(ExitCode::SUCCESS)
}

fn remove_supervisor(args: SupervisorArgs) -> Result<ExitCode> {
    let dir = &args.project.dir;
    let project = Project::open(dir)?;
    let recipient = parse_recipient(&args.recipient, Path::new("the command line"))?;
    project.require_supervisor(&recipient)?;
    let passphrase = passphrase::ask(dir)?;
    project.unlock(&passphrase)?.remove_supervisor(&recipient, &passphrase)?;
    say!("Removed the supervisor and replaced the project key: their key no longer opens the project,");
    say!("nor the key of anyone added from now on. A participant key they already decrypted still opens that");
    say!("participant's recordings, and backups made before now open with their key: ask them to delete such copies.");
    Ok(ExitCode::SUCCESS)
}
