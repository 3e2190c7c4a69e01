//! Enrolled voices (`verbatim voices`): a voiceprint is personal data, so each is sealed like the
//! recordings. The interviewer's (`interviewer`, `I`) lives in the project's `voices/` folder,
//! sealed to the project key (and re-sealed when `forget` replaces that key); anyone else's is
//! the data of the participant whose session it came from, sealed to that participant in their
//! folder, so `forget` deletes it with their key and `shred` with everything.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Keyring, Project, ProjectError};
use crate::model::{ParticipantCode, VoiceProfile};
use crate::securefs::{self, FsError};
use crate::store::{self, SealedError};

/// Folder of enrolled voices, in the project and in a participant's folder.
pub const VOICES_DIR: &str = "voices";
/// Ending of a voice's file.
const EXTENSION: &str = ".voice.json.age";

/// Why a voice could not be stored, found or read.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// The name would not make a label.
    #[error("`{0}` cannot name a voice: use 1-32 letters, digits, `-` or `_` (e.g. `interviewer`, `P03`, `Kari`)")]
    BadName(String),
    /// A voice of that name is enrolled already.
    #[error("a voice named {0} is enrolled already: remove it first (`verbatim voices remove DIR {0}`)")]
    Exists(String),
    /// No voice of that name.
    #[error("no voice named {0} is enrolled (see `verbatim voices list DIR`)")]
    Missing(String),
    /// A sealed record (a voice, a group's size) could not be read or written.
    #[error(transparent)]
    Sealed(#[from] SealedError),
}

impl Project {
    /// The project's folder of the interviewer's voices.
    pub(crate) fn voices_dir(&self) -> PathBuf {
        self.root().join(VOICES_DIR)
    }

    /// The sealed files of the voices in the project's own folder (re-sealed when the project key
    /// is replaced).
    pub(crate) fn project_voice_files(&self) -> Result<Vec<PathBuf>, ProjectError> {
        voice_files(&self.voices_dir())
    }
}

impl Keyring {
    /// Every enrolled voice: the interviewer's and every participant's.
    pub fn voices(&mut self) -> Result<Vec<VoiceProfile>, ProjectError> {
        let project = self.project().clone();
        let mut voices = Vec::new();
        for path in project.project_voice_files()? {
            voices.push(read(&path, self.project_identity())?);
        }
        for code in project.participants()? {
            let files = voice_files(&project.participant_dir(&code).join(VOICES_DIR))?;
            if files.is_empty() {
                continue;
            }
            let identity = self.participant(&code)?.clone();
            for path in files {
                voices.push(read(&path, &identity)?);
            }
        }
        voices.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(voices)
    }

    /// Stores `voice`, sealed to the project (the interviewer's) or to its owner.
    pub fn enrol_voice(&mut self, voice: &VoiceProfile) -> Result<PathBuf, ProjectError> {
        check_name(&voice.name)?;
        if self.voices()?.iter().any(|v| v.name.eq_ignore_ascii_case(&voice.name)) {
            return Err(VoiceError::Exists(voice.name.clone()).into());
        }
        let project = self.project().clone();
        let (dir, recipient) = match (&voice.owner, voice.is_interviewer()) {
            (Some(owner), false) => {
                (project.participant_dir(owner).join(VOICES_DIR), project.participant_recipient(owner)?)
            }
            _ => (project.voices_dir(), project.recipient().clone()),
        };
        securefs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}{EXTENSION}", voice.name));
        store::write(&path, &recipient, voice).map_err(VoiceError::from)?;
        Ok(path)
    }

    /// Deletes the voice named `name` (its file overwritten, then removed).
    pub fn remove_voice(&mut self, name: &str) -> Result<VoiceProfile, ProjectError> {
        let project = self.project().clone();
        let mut dirs = vec![project.voices_dir()];
        dirs.extend(project.participants()?.iter().map(|c| project.participant_dir(c).join(VOICES_DIR)));
        for dir in dirs {
            let path = dir.join(format!("{name}{EXTENSION}"));
            if path.is_file() {
                let voice = self.voices()?.into_iter().find(|v| v.name == name);
                securefs::overwrite_and_remove(&path)?;
                securefs::sync_dir(&dir)?;
                return voice.ok_or_else(|| VoiceError::Missing(name.into()).into());
            }
        }
        Err(VoiceError::Missing(name.into()).into())
    }
}

/// Checks a voice's name: a label, and a safe file name.
fn check_name(name: &str) -> Result<(), VoiceError> {
    let ok = (1..=32).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err(VoiceError::BadName(name.into())) }
}

/// The voice files in `dir` (none if it does not exist), sorted.
fn voice_files(dir: &Path) -> Result<Vec<PathBuf>, ProjectError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(FsError { path: dir.into(), action: "listing enrolled voices", source }.into()),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(EXTENSION)))
        .collect();
    files.sort();
    Ok(files)
}

fn read(path: &Path, identity: &crate::crypto::Identity) -> Result<VoiceProfile, ProjectError> {
    let plain = store::open(path, identity).map_err(VoiceError::from)?;
    Ok(store::decode(&plain, path).map_err(VoiceError::from)?)
}

/// How many enrolled voices `code` owns (for `forget`'s plan).
pub(crate) fn owned_voices(project: &Project, code: &ParticipantCode) -> usize {
    voice_files(&project.participant_dir(code).join(VOICES_DIR)).map_or(0, |f| f.len())
}
