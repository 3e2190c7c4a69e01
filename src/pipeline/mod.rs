//! Derived layers of a session's timeline, each made by a [`Stage`] from the audio (and the
//! layers before it) and cached, sealed to the participant, in the session folder.
//!
//! A cached layer is used only when its [`CacheKey`] matches exactly: the audio's fingerprint,
//! the stage's version and parameters, and the keys of the layers it was made from. So a
//! recovered recording, a new algorithm or a different model makes it again, and a layer never
//! outlives what it was made from. Adding a stage: implement [`Stage`] in a file of its own
//! here, and give [`crate::session::Opened`] a method that runs it.

mod draft;
mod fingerprint;
mod pauses;
mod speakers;

pub(crate) use draft::remove_partial;
pub use draft::{Draft, DraftLayer, PARTIAL_FILE};
pub use fingerprint::AudioFingerprint;
pub use pauses::Pauses;
pub use speakers::{NamedBy, SpeakerLayer, SpeakerTurn, Speakers, Voice};

use std::path::{Path, PathBuf};

use crate::analysis::AnalysisError;
use crate::asr::AsrError;
use crate::audio::pcm::PcmError;
use crate::audio::store::{AudioStoreError, EncryptedAudioReader};
use crate::crypto::{Identity, Recipient};
use crate::securefs::FsError;
use crate::store::{self, SealedError};

/// Layout version of a cached layer's file (the stage's own version is in its key).
pub(crate) const CACHE_FORMAT: u32 = 2;

/// A step that makes one layer of the timeline.
pub trait Stage {
    /// Its name, in messages and cache keys.
    const NAME: &'static str;
    /// The sealed file in the session folder that caches its layer.
    const FILE: &'static str;
    /// The algorithm's version: a layer cached by another version is made again.
    const VERSION: u32;
    /// The layer it makes.
    type Output: serde::Serialize + serde::de::DeserializeOwned;

    /// What besides the audio decides its output (a model, a language): part of the key.
    fn params(&self) -> serde_json::Value {
        serde_json::Value::Null
    }

    /// The keys of the layers it reads, made by other stages.
    fn inputs(&self, _audio: &AudioFingerprint) -> Vec<CacheKey> {
        Vec::new()
    }

    /// Makes the layer from the decrypted audio (and, through `space`, the layers it reads);
    /// `progress(done, total)` counts frames.
    fn run(
        &self,
        audio: &mut EncryptedAudioReader,
        space: Workspace<'_>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Self::Output, StageError>;

    /// Whether a cached layer could have come from this stage on `audio_bytes` of audio.
    /// Anyone with the public key can write a sealed file, so an implausible one is made again.
    fn is_plausible(_output: &Self::Output, _audio_bytes: u64) -> bool {
        true
    }

    /// Reads a cache file of an older layout (its `version` field below [`CACHE_FORMAT`]).
    fn migrate(_version: u32, _plain: &[u8], _path: &Path) -> Option<(CacheKey, Self::Output)> {
        None
    }
}

/// Everything a cached layer depends on.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CacheKey {
    /// The stage that made it.
    pub(crate) stage: String,
    pub(crate) version: u32,
    /// Its parameters.
    #[serde(default)]
    pub(crate) params: serde_json::Value,
    /// The audio it was made from.
    pub(crate) audio: AudioFingerprint,
    /// The keys of the layers it was made from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) inputs: Vec<CacheKey>,
}

impl CacheKey {
    /// The key `stage` gives its layer of `audio`.
    pub(crate) fn of<S: Stage>(stage: &S, audio: &AudioFingerprint) -> CacheKey {
        CacheKey {
            stage: S::NAME.to_string(),
            version: S::VERSION,
            params: stage.params(),
            audio: audio.clone(),
            inputs: stage.inputs(audio),
        }
    }
}

/// A cached layer as its file holds it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Cached<T> {
    version: u32,
    key: CacheKey,
    output: T,
}

/// Where a layer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Read from the session's cache.
    Cached,
    /// Read from the session's cache, made by an older version of the stage: kept until the
    /// user asks for it to be made again, so exports and typed work do not shift under them.
    Older {
        /// The stage version that made it.
        version: u32,
    },
    /// Made now (and cached).
    Computed,
}

/// Why a stage could not make its layer.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The audio could not be analysed.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// The audio could not be read.
    #[error(transparent)]
    Audio(#[from] AudioStoreError),
    /// The audio could not be read or resampled.
    #[error(transparent)]
    Pcm(#[from] PcmError),
    /// Speakers could not be told apart.
    #[error(transparent)]
    Diarize(#[from] crate::diarize::DiarizeError),
    /// Speech recognition failed or was stopped.
    #[error(transparent)]
    Asr(#[from] AsrError),
    /// The session folder has no audio file.
    #[error("{}: missing, so there is nothing to analyse; restore it from a backup", .0.display())]
    NoAudio(PathBuf),
    /// The cache could not be written.
    #[error(transparent)]
    Sealed(#[from] SealedError),
    /// The audio could not be fingerprinted.
    #[error(transparent)]
    Fs(#[from] FsError),
}

/// The session folder a stage reads from and caches into.
#[derive(Clone, Copy)]
pub struct Workspace<'a> {
    /// The session folder.
    pub(crate) dir: &'a Path,
    /// Its encrypted audio.
    pub(crate) audio: &'a Path,
    /// The participant's key, to read.
    pub(crate) identity: &'a Identity,
    /// The participant's public key, to write.
    pub(crate) recipient: &'a Recipient,
}

/// The layer `stage` makes for the session in `space`: cached if its key matches (and `force`
/// is off), else made now and cached.
pub(crate) fn run<S: Stage>(
    stage: &S,
    space: Workspace<'_>,
    force: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(S::Output, Provenance), StageError> {
    if !space.audio.exists() {
        return Err(StageError::NoAudio(space.audio.to_path_buf()));
    }
    let key = CacheKey::of(stage, &AudioFingerprint::of(space.audio)?);
    let path = space.dir.join(S::FILE);
    if !force {
        // A damaged cache is only a cache: it is made again, not trusted and not fatal.
        if let Ok(Some((found, output))) = load_any::<S>(&path, space.identity, &key.audio) {
            if found == key {
                return Ok((output, Provenance::Cached));
            }
            // An older version's layer of the same audio is the session's as the user last saw
            // it (pauses exported, segments transcribed): it stays until `--force`.
            if found.version < key.version && (CacheKey { version: key.version, ..found.clone() }) == key {
                return Ok((output, Provenance::Older { version: found.version }));
            }
        }
    }
    let mut reader = EncryptedAudioReader::open(space.audio, space.identity)?;
    let output = stage.run(&mut reader, space, progress)?;
    let cached = Cached { version: CACHE_FORMAT, key, output };
    store::write(&path, space.recipient, &cached)?;
    Ok((cached.output, Provenance::Computed))
}

/// The layer of stage `S` cached in `space` if it was made from the audio there now, whatever
/// its parameters (for readers: the review screen and exports show the draft that exists,
/// made with whichever model).
pub(crate) fn cached_for_audio<S: Stage>(space: Workspace<'_>) -> Result<Option<S::Output>, StageError> {
    let audio = AudioFingerprint::of(space.audio)?;
    let found = load_any::<S>(&space.dir.join(S::FILE), space.identity, &audio)?;
    Ok(found.filter(|(key, _)| key.stage == S::NAME && key.audio == audio).map(|(_, output)| output))
}

/// The layer cached at `path`, if it was made with exactly `key` and is plausible.
#[cfg(test)]
pub(crate) fn load<S: Stage>(
    path: &Path,
    identity: &Identity,
    key: &CacheKey,
) -> Result<Option<S::Output>, SealedError> {
    Ok(load_any::<S>(path, identity, &key.audio)?.filter(|(found, _)| found == key).map(|(_, output)| output))
}

/// The layer cached at `path` and the key it was made with, whatever that key, if it is
/// plausible for `audio`.
fn load_any<S: Stage>(
    path: &Path,
    identity: &Identity,
    audio: &AudioFingerprint,
) -> Result<Option<(CacheKey, S::Output)>, SealedError> {
    let plain = match store::open(path, identity) {
        Ok(plain) => plain,
        Err(SealedError::Missing(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some((found, output)) = parse::<S>(&plain, path)? else { return Ok(None) };
    Ok(S::is_plausible(&output, audio.bytes).then_some((found, output)))
}

/// A cached layer's decrypted bytes: its key and its output, or `None` for a layout this build
/// no longer reads (it is made again).
pub fn parse<S: Stage>(plain: &[u8], path: &Path) -> Result<Option<(CacheKey, S::Output)>, SealedError> {
    Ok(match store::version(plain, path, u32::MAX)? {
        CACHE_FORMAT => {
            let cached: Cached<S::Output> = store::decode(plain, path)?;
            Some((cached.key, cached.output))
        }
        older => S::migrate(older, plain, path),
    })
}
