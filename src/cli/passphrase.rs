//! Getting the passphrase (from `VERBATIM_PASSPHRASE`, or asked on the terminal), and
//! `verbatim passphrase DIR`, which changes it.

use std::process::ExitCode;

use anyhow::{Result, bail};
use verbatim::crypto::{ExposeSecret, SecretString};
use verbatim::project::Project;

use super::args::ProjectArg;
use super::ui;

/// Change the project's passphrase.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub project: ProjectArg,
}

/// Re-encrypts the project key under a new passphrase; nothing else changes.
pub fn run(args: Args) -> Result<ExitCode> {
    let dir = &args.project.dir;
    let project = Project::open(dir)?;
    let keyring = project.unlock(&ask(dir)?)?;
    let new = ask_replacement()?;
    keyring.change_passphrase(&new)?;
    say!("The passphrase of {} is changed. Nothing else was re-encrypted.", dir.display());
    say!("Backups made before now still open with the old passphrase: replace or delete them.");
    Ok(ExitCode::SUCCESS)
}

/// Environment variable that supplies the passphrase for scripts and tests.
pub const ENV: &str = "VERBATIM_PASSPHRASE";
/// Environment variable that supplies the new passphrase for `verbatim passphrase`.
pub const NEW_ENV: &str = "VERBATIM_NEW_PASSPHRASE";
const MIN_LEN: usize = 8;

/// The passphrase for an existing project.
pub fn ask(dir: &std::path::Path) -> Result<SecretString> {
    if let Some(from_env) = from_env() {
        return Ok(from_env);
    }
    prompt(&format!("Passphrase for {}: ", dir.display()))
}

/// A new passphrase, typed twice, for `init`.
pub fn ask_new() -> Result<SecretString> {
    ask_twice(from_env(), "nothing was created")
}

/// The replacement passphrase for `verbatim passphrase`, typed twice.
pub fn ask_replacement() -> Result<SecretString> {
    let from_env = std::env::var(NEW_ENV).ok().filter(|v| !v.is_empty()).map(SecretString::from);
    ask_twice(from_env, "nothing was changed")
}

fn ask_twice(from_env: Option<SecretString>, nothing: &str) -> Result<SecretString> {
    let pass = match from_env {
        Some(p) => p,
        None => {
            ui::note("Choose a passphrase for this project. It protects every recording: there is no way");
            ui::note("to reset it, so store it in your password manager. Several words are easiest to type.");
            let first = prompt("New passphrase: ")?;
            let second = prompt("Type it again: ")?;
            if first.expose_secret() != second.expose_secret() {
                bail!("the two passphrases differ; {nothing}. Run the command again.");
            }
            first
        }
    };
    if pass.expose_secret().chars().count() < MIN_LEN {
        bail!("the passphrase is shorter than {MIN_LEN} characters; {nothing}. Choose a longer one.");
    }
    Ok(pass)
}

fn from_env() -> Option<SecretString> {
    // The variable stays in this process's environment: removing it needs unsafe code in
    // Rust 2024. Scripts should set it only for the one command.
    std::env::var(ENV).ok().filter(|v| !v.is_empty()).map(SecretString::from)
}

fn prompt(text: &str) -> Result<SecretString> {
    match rpassword::prompt_password(text) {
        Ok(p) if !p.is_empty() => Ok(SecretString::from(p)),
        Ok(_) => bail!("an empty passphrase was entered"),
        Err(e) => bail!("cannot ask for the passphrase ({e}): no terminal. Set {ENV} for scripts."),
    }
}
