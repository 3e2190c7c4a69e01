//! Markers: timestamped notes the interviewer drops during a recording.
//!
//! Times come from the audio clock (frames captured), never the wall clock, so a marker points
//! at the sound that was being recorded when the key was pressed, even across pauses and gaps.
//! The log is saved encrypted and atomically after every change by a small worker thread, so a
//! crash keeps every marker and a slow disk never delays the screen.

use std::path::PathBuf;

use super::SessionError;
pub use super::saver::SaverEvent;
use super::saver::SealedSaver;
use super::store::read_sealed_json;
use crate::crypto::{Identity, Recipient};
use crate::guide::QuestionRef;

/// File name of the encrypted marker log in a session folder.
pub const MARKERS_FILE: &str = "markers.json.age";
/// Version of the marker log this build writes.
pub const MARKERS_VERSION: u32 = 1;

/// What a marker records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkerKind {
    /// Laughter.
    Laughter,
    /// A sigh.
    Sigh,
    /// A long pause the interviewer noticed.
    LongPause,
    /// A key quote to find again.
    Quote,
    /// Something that identifies someone: redact it later.
    Identifying,
    /// Something to follow up.
    FollowUp,
    /// A typed note.
    Note,
    /// A speaker started talking (focus groups).
    Speaker,
    /// A guide question was asked.
    Question,
    /// Recording was paused here; the paused time is not in the audio.
    Paused,
    /// Audio was lost here (buffer overflow, device over-run or a lost input).
    Gap,
}

impl MarkerKind {
    /// A short English label for the screen.
    pub fn label(self) -> &'static str {
        match self {
            Self::Laughter => "laughter",
            Self::Sigh => "sigh",
            Self::LongPause => "long pause",
            Self::Quote => "key quote",
            Self::Identifying => "identifying",
            Self::FollowUp => "follow up",
            Self::Note => "note",
            Self::Speaker => "speaker",
            Self::Question => "question",
            Self::Paused => "paused",
            Self::Gap => "gap",
        }
    }
}

/// One marker on the audio timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Marker {
    /// What it marks.
    pub kind: MarkerKind,
    /// Where, in frames of the session audio.
    pub at_frame: u64,
    /// Where, in milliseconds of the session audio.
    pub at_ms: u64,
    /// A typed note (notes) or a description (gaps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The speaker number (speaker changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<u8>,
    /// The guide question (questions asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<QuestionRef>,
    /// Wall-clock length of a pause, or audio lost in a gap, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

impl Marker {
    /// A marker of `kind` at `frame` of audio recorded at `sample_rate`.
    pub fn at(kind: MarkerKind, frame: u64, sample_rate: u32) -> Self {
        Self {
            kind,
            at_frame: frame,
            at_ms: frame * 1000 / u64::from(sample_rate.max(1)),
            note: None,
            speaker: None,
            question: None,
            duration_ms: None,
        }
    }
}

/// The saved form: every marker of a session, in the order they were made.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct MarkerLog {
    /// Layout version.
    pub version: u32,
    /// The markers.
    pub markers: Vec<Marker>,
}

impl MarkerLog {
    /// An empty log of the current version.
    pub fn new() -> Self {
        Self { version: MARKERS_VERSION, markers: Vec::new() }
    }

    /// Reads a session's marker log; a session without one has no markers.
    pub fn read(session_dir: &std::path::Path, identity: &Identity) -> Result<Self, SessionError> {
        match read_sealed_json(&session_dir.join(MARKERS_FILE), identity, MARKERS_VERSION) {
            Err(SessionError::Missing(_)) => Ok(Self::new()),
            other => other,
        }
    }
}

/// A worker that writes marker snapshots, always the newest one, off the UI thread.
pub struct MarkerSaver(SealedSaver<MarkerLog>);

impl MarkerSaver {
    /// Starts the worker for the session folder `dir`.
    pub fn spawn(dir: PathBuf, recipient: Recipient) -> std::io::Result<Self> {
        let saver = SealedSaver::spawn(dir.join(MARKERS_FILE), recipient, "verbatim-markers", |log: &MarkerLog| {
            log.markers.len()
        })?;
        Ok(Self(saver))
    }

    /// Queues a snapshot to be saved.
    pub fn save(&self, log: &MarkerLog) {
        self.0.save(log.clone());
    }

    /// The next report from the worker, if any.
    pub fn poll(&self) -> Option<SaverEvent> {
        self.0.poll()
    }

    /// Waits until every queued snapshot is written and returns the last report.
    pub fn finish(self) -> Option<SaverEvent> {
        self.0.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::generate_identity;

    #[test]
    fn marker_times_come_from_frames() {
        let m = Marker::at(MarkerKind::Quote, 72_000, 48_000);
        assert_eq!((m.at_frame, m.at_ms), (72_000, 1500));
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"kind":"quote","at_frame":72000,"at_ms":1500}"#);
    }

    #[test]
    fn saver_writes_the_newest_snapshot_encrypted() {
        let dir = tempfile::tempdir().unwrap();
        let identity = generate_identity();
        let saver = MarkerSaver::spawn(dir.path().into(), identity.to_public()).unwrap();
        let mut log = MarkerLog::new();
        for i in 0..20u64 {
            log.markers.push(Marker::at(MarkerKind::Laughter, i * 480, 48_000));
            saver.save(&log);
        }
        let last = saver.finish();
        assert!(matches!(last, Some(SaverEvent::Saved(20))), "{last:?}");
        let raw = std::fs::read(dir.path().join(MARKERS_FILE)).unwrap();
        assert!(raw.starts_with(b"age-encryption.org/v1"));
        assert!(!raw.windows(8).any(|w| w == b"laughter"));
        let back = MarkerLog::read(dir.path(), &identity).unwrap();
        assert_eq!(back, log);
        assert_eq!(back.markers[19].at_ms, 190);
    }

    #[test]
    fn a_session_without_markers_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(MarkerLog::read(dir.path(), &generate_identity()).unwrap(), MarkerLog::new());
    }
}
