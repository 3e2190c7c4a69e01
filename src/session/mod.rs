//! Sessions: one recorded or imported interview, with its encrypted audio and metadata.
//!
//! A session folder is `participants/ID/sessions/SESSION/` and holds `audio.wav.age` and
//! `session.json.age` (later also markers and transcript), all encrypted to the participant.
//! Session ids are `YYYYMMDDTHHMMSSZ-ID`: UTC, so they sort by start time across DST changes.

pub mod markers;
mod ops;
mod recording;
mod rename;
pub mod saver;
mod store;
pub mod transcript;

pub use ops::{ImportFailure, RecoverOutcome, decrypt_to_wav, import_file, recover, verify_audio};
pub use recording::{InputChoice, RecordError, RecordingNotice, RecordingSession, RecordingSummary};
pub use rename::rename_participant;

pub use store::{
    SessionDir, SessionError, SessionSummary, parse_sealed_json, read_sealed_json, write_sealed_json, zeroizing_json,
};

use chrono::{DateTime, FixedOffset, Utc};

use crate::audio::wav::AudioSpec;

/// Version of `session.json` this build writes.
pub const META_VERSION: u32 = 1;
/// File name of the encrypted audio in a session folder.
pub const AUDIO_FILE: &str = "audio.wav.age";
/// File name of the encrypted metadata in a session folder.
pub const META_FILE: &str = "session.json.age";
/// File a live recorder keeps in its session folder, holding its process id.
pub const LOCK_FILE: &str = "recording.lock";
/// Suffix of the file `recover` writes before it replaces the audio.
pub const SALVAGING_SUFFIX: &str = ".salvaging";
/// Suffix given to an interrupted original that `recover` replaced.
pub const INTERRUPTED_SUFFIX: &str = ".interrupted";

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
    pub id: String,
    /// The participant code.
    pub participant: String,
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
    /// Length of the audio in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.audio.frames_to_ms(self.frames)
    }
}

/// Builds the session id for a participant and a start time.
pub fn session_id(started: DateTime<Utc>, participant: &str) -> String {
    format!("{}-{participant}", started.format("%Y%m%dT%H%M%SZ"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ids_sort_by_time_across_participants() {
        let a = session_id(Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap(), "P10");
        let b = session_id(Utc.with_ymd_and_hms(2026, 3, 29, 1, 1, 0).unwrap(), "P02");
        assert_eq!(a, "20260329T005900Z-P10");
        assert!(a < b);
    }
}
