//! The project folder: its config, its keys and its participants.
//!
//! ```text
//! DIR/verbatim.toml                 public config: format, creation time, project recipient
//! DIR/identity.age                  project identity, passphrase-protected (scrypt)
//! DIR/README.txt                    how to read the files with the standard `age` tool
//! DIR/participants/P01/recipient.txt    P01's public key: recording needs nothing else
//! DIR/participants/P01/identity.age     P01's identity, encrypted to the project identity
//! DIR/participants/P01/sessions/…       P01's sessions, every file encrypted to P01 only
//! ```
//!
//! Everything about a participant lives under their folder and opens only with their key, so
//! deleting that key (and folder) is a crypto-shred of every copy, backups included.

mod consent;
mod forget;
mod keys;
mod manifest;
mod participants;
mod rotation;
mod shred;
mod supervisor;
mod voices;

pub use consent::{CONSENT_FILE, Consent, ConsentStatus};
pub use forget::{ForgetPlan, ForgetReport};
pub use keys::Keyring;
pub use manifest::{ExportKind, ExportRecord, MANIFEST_FILE};
pub use participants::{GROUP_FILE, ParticipantError, SESSIONS_DIR};
pub use shred::ShredReport;
pub use voices::{VOICES_DIR, VoiceError};

use std::fs;
use std::path::{Path, PathBuf};

use crate::crypto::{self, CryptoError, Recipient, SecretString};
use crate::securefs::{self, FsError, IoContext};

/// Version of the on-disk layout this build reads and writes.
pub(crate) const FORMAT_VERSION: u32 = 1;
const CONFIG_FILE: &str = "verbatim.toml";
const IDENTITY_FILE: &str = "identity.age";
const PARTICIPANTS_DIR: &str = "participants";
/// Present while the project key is being replaced ([`rotation`]).
const ROTATING_FILE: &str = ".rotating";
/// File holding the project key sealed to the supervisors.
pub const SUPERVISOR_IDENTITY_FILE: &str = "identity.supervisor.age";

/// Failures opening or changing a project.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The folder is not a verbatim project.
    #[error("{}: not a verbatim project (no {CONFIG_FILE})", .0.display())]
    NotAProject(PathBuf),
    /// `init` was pointed at something that exists and is not empty.
    #[error("{}: already exists and is not empty{}. Choose a new folder name; nothing was written.", path.display(), if *is_project { " (it is a verbatim project)" } else { "" })]
    Exists {
        /// The folder.
        path: PathBuf,
        /// True if it is already a project.
        is_project: bool,
    },
    /// The config file is malformed.
    #[error("{}: {reason}", path.display())]
    BadConfig {
        /// The config file.
        path: PathBuf,
        /// The parser's message, including the line.
        reason: String,
    },
    /// The project was made by a newer verbatim.
    #[error("{}: project format {found} is newer than this verbatim understands ({FORMAT_VERSION}); update verbatim.", path.display())]
    NewerFormat {
        /// The config file.
        path: PathBuf,
        /// The format found.
        found: u32,
    },
    /// A supervisor key that is not in `verbatim.toml`.
    #[error("{}: {recipient} is not a supervisor of this project ({known}); nothing was changed.", path.display())]
    UnknownSupervisor {
        /// The config file.
        path: PathBuf,
        /// The key asked for.
        recipient: String,
        /// The supervisors there are, for the message.
        known: String,
    },
    /// A participant problem.
    #[error(transparent)]
    Participant(#[from] ParticipantError),
    /// A key problem.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A filesystem problem.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// An enrolled voice problem.
    #[error(transparent)]
    Voice(#[from] VoiceError),
}

/// The public, non-secret project settings in `verbatim.toml`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProjectConfig {
    /// On-disk layout version.
    pub(crate) format: u32,
    /// When the project was created (RFC 3339).
    pub(crate) created: String,
    /// The project's public key; participant identities are encrypted to it.
    pub(crate) project_recipient: String,
    /// The date by which all data must be deleted (the data management plan's end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) retain_until: Option<chrono::NaiveDate>,
    /// Supervisors' age recipients; the project key is also sealed to them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) supervisors: Vec<String>,
}

/// An opened project folder.
#[derive(Debug, Clone)]
pub struct Project {
    root: PathBuf,
    config: ProjectConfig,
    recipient: Recipient,
}

impl Project {
    /// Creates a new project at `root`, which must not exist or be an empty folder.
    ///
    /// Everything is built in a hidden sibling folder and renamed into place, so a failure
    /// leaves nothing behind.
    pub fn init(root: &Path, passphrase: &SecretString) -> Result<Project, ProjectError> {
        check_init_target(root)?;
        let parent = securefs::parent_of(root);
        let staging = securefs::temp_sibling(root);
        securefs::create_dir(&staging)?;
        let built = build_project(&staging, passphrase).and_then(|()| {
            // rename(2) may replace an empty folder, so `mkdir DIR && verbatim init DIR` works.
            fs::rename(&staging, root).at(root, "creating project")?;
            securefs::sync_dir(&parent)?;
            Ok(())
        });
        if built.is_err() {
            let _ = fs::remove_dir_all(&staging);
        }
        built?;
        Project::open(root)
    }

    /// Opens an existing project and reads its config.
    pub fn open(root: &Path) -> Result<Project, ProjectError> {
        let config_path = root.join(CONFIG_FILE);
        let text = match fs::read_to_string(&config_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ProjectError::NotAProject(root.into())),
            Err(e) => return Err(FsError { path: config_path, action: "reading", source: e }.into()),
        };
        let config: ProjectConfig = toml::from_str(&text).map_err(|e| ProjectError::BadConfig {
            path: config_path.clone(),
            reason: toml_error_with_line(&text, &e),
        })?;
        if config.format > FORMAT_VERSION {
            return Err(ProjectError::NewerFormat { path: config_path, found: config.format });
        }
        let recipient = crypto::parse_recipient(&config.project_recipient, &config_path)?;
        Ok(Project { root: root.to_path_buf(), config, recipient })
    }

    /// The project folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The public settings.
    pub(crate) fn config(&self) -> &ProjectConfig {
        &self.config
    }

    /// The project's public key.
    pub(crate) fn recipient(&self) -> &Recipient {
        &self.recipient
    }

    /// Path of the passphrase-protected project identity.
    pub(crate) fn identity_path(&self) -> PathBuf {
        self.root.join(IDENTITY_FILE)
    }

    /// Folder holding all participants.
    pub(crate) fn participants_dir(&self) -> PathBuf {
        self.root.join(PARTICIPANTS_DIR)
    }

    /// The supervisors' recipients from `verbatim.toml`.
    pub(crate) fn supervisors(&self) -> Result<Vec<Recipient>, ProjectError> {
        let path = self.root().join(CONFIG_FILE);
        self.config().supervisors.iter().map(|text| Ok(crypto::parse_recipient(text, &path)?)).collect()
    }

    /// Path of the project key sealed to the supervisors.
    pub(crate) fn supervisor_identity_path(&self) -> PathBuf {
        self.root().join(SUPERVISOR_IDENTITY_FILE)
    }

    /// Whether a replacement of the project key is under way (the next unlock finishes it).
    fn is_rotating(&self) -> bool {
        self.root.join(ROTATING_FILE).exists()
    }

    /// Sets (or clears) the retention date in `verbatim.toml`.
    pub fn set_retention(&mut self, until: Option<chrono::NaiveDate>) -> Result<(), ProjectError> {
        let mut config = self.config.clone();
        config.retain_until = until;
        write_config(&self.root, &config)?;
        self.config = config;
        Ok(())
    }

    /// Unlocks the project identity with the passphrase (about one second of scrypt).
    pub fn unlock(&self, passphrase: &SecretString) -> Result<Keyring, ProjectError> {
        if self.is_rotating() {
            // A `forget` was interrupted while replacing the project key: finish it first.
            let identity = rotation::rotate(self, passphrase)?;
            return Ok(Keyring::new(Project::open(&self.root)?, identity));
        }
        let path = self.identity_path();
        let sealed = fs::read(&path).at(&path, "reading the project key")?;
        let identity = crypto::unlock_identity(&sealed, passphrase, &path)?;
        if identity.to_public().to_string() != self.recipient.to_string() {
            return Err(ProjectError::BadConfig {
                path: self.root.join(CONFIG_FILE),
                reason: "project_recipient does not belong to identity.age; restore verbatim.toml from a backup".into(),
            });
        }
        Ok(Keyring::new(self.clone(), identity))
    }
}

/// Fails unless `root` is missing or an empty folder, so `init` can be refused early.
pub fn check_init_target(root: &Path) -> Result<(), ProjectError> {
    match fs::read_dir(root) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(ProjectError::Exists { path: root.into(), is_project: root.join(CONFIG_FILE).exists() });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            Err(ProjectError::Exists { path: root.into(), is_project: false })
        }
        Err(e) => Err(FsError { path: root.into(), action: "checking", source: e }.into()),
    }
}

fn build_project(dir: &Path, passphrase: &SecretString) -> Result<(), ProjectError> {
    let identity = crypto::generate_identity();
    let text = crypto::identity_file_text(&identity, "verbatim project identity");
    let identity_path = dir.join(IDENTITY_FILE);
    use crypto::ExposeSecret;
    let sealed = crypto::encrypt_with_passphrase(passphrase, text.expose_secret().as_bytes(), &identity_path)?;
    securefs::write_atomic(&identity_path, &sealed)?;
    let config = ProjectConfig {
        format: FORMAT_VERSION,
        created: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        project_recipient: identity.to_public().to_string(),
        retain_until: None,
        supervisors: Vec::new(),
    };
    write_config(dir, &config)?;
    securefs::write_atomic(&dir.join("README.txt"), README_TXT.as_bytes())?;
    securefs::create_dir(&dir.join(PARTICIPANTS_DIR))?;
    Ok(())
}

/// Writes `verbatim.toml` atomically.
fn write_config(dir: &Path, config: &ProjectConfig) -> Result<(), ProjectError> {
    let body = toml::to_string(config)
        .map_err(|e| ProjectError::BadConfig { path: dir.join(CONFIG_FILE), reason: e.to_string() })?;
    let header = "# verbatim project settings. No secrets here: the keys are in identity.age.\n";
    securefs::write_atomic(&dir.join(CONFIG_FILE), format!("{header}{body}").as_bytes())?;
    Ok(())
}

/// Formats a TOML error with the line it happened on.
pub(crate) fn toml_error_with_line(text: &str, err: &toml::de::Error) -> String {
    match err.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {}", err.message())
        }
        None => err.message().to_string(),
    }
}

const README_TXT: &str = "\
This folder is a verbatim project. Every file ending in .age is encrypted with age
(https://age-encryption.org) and can be read without verbatim:

  identity.age                          the project key, protected by the passphrase:
                                        age -d identity.age > project.key
  participants/ID/identity.age          that participant's key, encrypted to the project key:
                                        age -d -i project.key participants/ID/identity.age > ID.key
  participants/ID/sessions/*/*.age      that participant's files, encrypted to their key only:
                                        age -d -i ID.key audio.wav.age > audio.wav

`verbatim key export` writes a participant key for you. Keep plaintext keys and audio off
shared drives, and delete them when done: they are what the encryption protects.
";
