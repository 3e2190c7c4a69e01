//! Opening a project: the passphrase asked (or read from the environment), the keys unlocked,
//! and the sessions a command names (one, or `--all`).

use std::path::Path;

use anyhow::{Result, bail};
use verbatim::model::SessionId;
use verbatim::project::{Keyring, Project};
use verbatim::session::SessionDir;

use super::passphrase;

/// Opens the project at `dir` and unlocks its keys.
pub fn unlock(dir: &Path) -> Result<Keyring> {
    let project = Project::open(dir)?;
    let pass = passphrase::ask(dir)?;
    Ok(project.unlock(&pass)?)
}

/// The session named, or every session with `all`.
pub fn sessions(keyring: &Keyring, one: Option<&SessionId>, all: bool, dir: &Path) -> Result<Vec<SessionDir>> {
    Ok(match (one, all) {
        (Some(id), false) => vec![SessionDir::find(keyring.project(), id)?],
        (None, true) => SessionDir::list(keyring.project())?,
        _ => bail!("name one session, or give --all (see `verbatim sessions {}`)", dir.display()),
    })
}
