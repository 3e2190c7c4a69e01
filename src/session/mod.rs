//! Sessions: one recorded or imported interview, with its encrypted audio, metadata, markers,
//! transcript and cached layers, and [`Opened`], the one read model every command uses.
//!
//! A session folder is `participants/CODE/sessions/ID/` and holds `audio.wav.age` and
//! `session.json.age`, later `markers.json.age`, `transcript.json.age` and the pipeline's
//! layers (`analysis.json.age`), all encrypted to the participant.

mod dir;
mod draft;
mod import;
pub mod markers;
mod opened;
mod recording;
mod recover;
mod rename;
mod speakers;
pub mod transcript;

pub use dir::{SessionDir, SessionError, SessionStatus, SessionSummary};
pub use import::{ImportFailure, import_file};
pub use opened::Opened;
pub use recording::{InputChoice, RecordError, RecordingNotice, RecordingSession, RecordingSummary};
pub use recover::{RecoverOutcome, decrypt_to_wav, recover, verify_audio};
pub use rename::{rename_participant, rename_speaker};
pub use speakers::{SpeakingTime, speaking_times, voiceprint};

use chrono::{DateTime, FixedOffset};

use crate::audio::wav::AudioSpec;
use crate::model::{Ms, ParticipantCode, SessionId};

/// Version of `session.json` this build writes.
pub const META_VERSION: u32 = 1;
/// File name of the encrypted audio in a session folder.
pub(crate) const AUDIO_FILE: &str = "audio.wav.age";
/// File name of the encrypted metadata in a session folder.
pub(crate) const META_FILE: &str = "session.json.age";
/// File a live recorder keeps in its session folder, holding its process id.
pub(crate) const LOCK_FILE: &str = "recording.lock";
/// Suffix of the file `recover` writes before it replaces the audio.
pub(crate) const SALVAGING_SUFFIX: &str = ".salvaging";
/// Suffix given to an interrupted original that `recover` replaced.
pub(crate) const INTERRUPTED_SUFFIX: &str = ".interrupted";
/// Prefix of a session folder being built (an import or a recording not yet started).
pub(crate) const STAGING_PREFIX: &str = ".staging-";

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Being recorded now, or cut off by a crash if no recorder is running.
    Recording,
    /// Finalised normally.
    Complete,
    /// Salvaged by `verbatim recover` after an interruption or damage.
    Recovered,
}

/// How the audio came to be.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AudioSource {
    /// Captured live.
    Recording {
        /// The input device's name.
        device: String,
    },
    /// Encrypted from an existing file.
    Import {
        /// The imported file's name (no folders: they may hold names of people).
        file_name: String,
        /// The container or codec, as detected.
        codec: String,
    },
}

impl AudioSource {
    /// `recording` or `import`, as listings and exports name it.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            AudioSource::Recording { .. } => "recording",
            AudioSource::Import { .. } => "import",
        }
    }
}

/// The guide as it was when the session started, so later edits do not rewrite history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GuideSnapshot {
    /// The guide's file name.
    pub file_name: String,
    /// Its full Markdown text.
    pub text: String,
}

/// Everything known about a session apart from its audio samples.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionMeta {
    /// Layout version of this record.
    pub version: u32,
    /// The session id (also the folder name).
    pub id: SessionId,
    /// The participant code.
    pub participant: ParticipantCode,
    /// When the audio starts, with the recorder's UTC offset.
    pub started: DateTime<FixedOffset>,
    /// When recording ended, if it ended normally.
    pub ended: Option<DateTime<FixedOffset>>,
    /// Life-cycle state.
    pub state: SessionState,
    /// Where the audio came from.
    pub source: AudioSource,
    /// Sample layout of the stored audio.
    pub audio: AudioSpec,
    /// Frames of audio (0 while recording).
    pub frames: u64,
    /// Frames lost to buffer overflows or device xruns while recording.
    pub dropped_frames: u64,
    /// The interview guide used, if any.
    pub guide: Option<GuideSnapshot>,
    /// What `recover` did, if it ran.
    pub recovery: Option<crate::audio::store::SalvageReport>,
}

impl SessionMeta {
    /// Length of the audio.
    pub fn duration(&self) -> Ms {
        self.audio.frames_to_ms(self.frames)
    }
}
