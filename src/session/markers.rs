//! The marker log on disk: every marker of a session in the order they were made, saved
//! encrypted and atomically after every change by a worker thread, so a crash keeps every
//! marker and a slow disk never delays the screen.
//!
//! Times come from the audio clock (frames captured), never the wall clock, so a marker points
//! at the sound that was being recorded when the key was pressed, even across pauses and gaps.

use std::path::{Path, PathBuf};

use crate::crypto::{Identity, Recipient};
use crate::model::Marker;
use crate::store::{self, SaverEvent, SealedError, SealedSaver};

/// File name of the encrypted marker log in a session folder.
pub const MARKERS_FILE: &str = "markers.json.age";
/// Version of the marker log this build writes.
pub const MARKERS_VERSION: u32 = 1;

/// The saved form: every marker of a session, in the order they were made.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct MarkerLog {
    /// Layout version.
    pub version: u32,
    /// In the order they were logged; readers sort them by time.
    pub markers: Vec<Marker>,
}

impl MarkerLog {
    /// An empty log of the current version.
    pub fn new() -> Self {
        Self { version: MARKERS_VERSION, markers: Vec::new() }
    }

    /// Reads a session's marker log; a session without one has no markers.
    pub fn read(session_dir: &Path, identity: &Identity) -> Result<Self, SealedError> {
        match store::read(&session_dir.join(MARKERS_FILE), identity, MARKERS_VERSION) {
            Err(SealedError::Missing(_)) => Ok(Self::new()),
            other => other,
        }
    }
}

/// A worker that writes marker snapshots, always the newest one, off the UI thread.
pub struct MarkerSaver(SealedSaver<MarkerLog>);

impl MarkerSaver {
    /// Starts the worker for the session folder `dir`.
    pub fn spawn(dir: PathBuf, recipient: Recipient) -> std::io::Result<Self> {
        let count = |log: &MarkerLog| log.markers.len();
        Ok(Self(SealedSaver::to_file(dir.join(MARKERS_FILE), recipient, "verbatim-markers", count)?))
    }

    /// Queues a snapshot to be saved.
    pub fn save(&self, log: &MarkerLog) {
        self.0.save(log.clone());
    }

    /// The next report from the worker, if any.
    pub(crate) fn poll(&self) -> Option<SaverEvent> {
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
    use crate::model::{Mark, Ms};

    #[test]
    fn saver_writes_the_newest_snapshot_encrypted() {
        let dir = tempfile::tempdir().unwrap();
        let identity = generate_identity();
        let saver = MarkerSaver::spawn(dir.path().into(), identity.to_public()).unwrap();
        let mut log = MarkerLog::new();
        for i in 0..20u64 {
            log.markers.push(Marker::at(Mark::Laughter, i * 480, 48_000));
            saver.save(&log);
        }
        let last = saver.finish();
        assert!(matches!(last, Some(SaverEvent::Saved(20))), "{last:?}");
        let raw = std::fs::read(dir.path().join(MARKERS_FILE)).unwrap();
        assert!(raw.starts_with(b"age-encryption.org/v1"));
        assert!(!raw.windows(8).any(|w| w == b"laughter"));
        let back = MarkerLog::read(dir.path(), &identity).unwrap();
        assert_eq!(back, log);
        assert_eq!(back.markers[19].at, Ms(190));
    }

    #[test]
    fn a_session_without_markers_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(MarkerLog::read(dir.path(), &generate_identity()).unwrap(), MarkerLog::new());
    }
}
