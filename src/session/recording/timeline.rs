//! The markers of a recording in progress: kept in order, saved after every change, and
//! addressed by id, so closing a pause or a lost-input gap never depends on where it sits
//! after an undo.

use std::path::PathBuf;

use crate::crypto::Recipient;
use crate::model::{Mark, Marker, Ms};
use crate::session::markers::{MarkerLog, MarkerSaver};
use crate::store::SaverEvent;

/// Names one marker of this recording for as long as it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct MarkerId(u64);

/// The recording's markers and the worker that saves them.
pub(super) struct MarkerTimeline {
    log: MarkerLog,
    ids: Vec<MarkerId>,
    next: u64,
    saver: MarkerSaver,
}

impl MarkerTimeline {
    /// An empty timeline saving into the session folder `dir`.
    pub(super) fn start(dir: PathBuf, recipient: Recipient) -> std::io::Result<Self> {
        Ok(Self { log: MarkerLog::new(), ids: Vec::new(), next: 0, saver: MarkerSaver::spawn(dir, recipient)? })
    }

    /// The markers so far, oldest first.
    pub(super) fn markers(&self) -> &[Marker] {
        &self.log.markers
    }

    /// Adds a marker and queues the log to be saved.
    pub(super) fn add(&mut self, marker: Marker) -> MarkerId {
        let id = MarkerId(self.next);
        self.next += 1;
        self.log.markers.push(marker);
        self.ids.push(id);
        self.saver.save(&self.log);
        id
    }

    /// Removes the newest marker the interviewer made (pauses and gaps are facts, not choices).
    pub(super) fn undo(&mut self) -> Option<Marker> {
        let index = self.log.markers.iter().rposition(|m| m.kind().is_made_by_hand())?;
        self.ids.remove(index);
        let removed = self.log.markers.remove(index);
        self.saver.save(&self.log);
        Some(removed)
    }

    /// Records how long the pause or gap `id` lasted off the tape, once it is over.
    pub(super) fn close(&mut self, id: MarkerId, length: Ms) {
        let Some(index) = self.ids.iter().position(|i| *i == id) else { return };
        match &mut self.log.markers[index].mark {
            Mark::Paused { wall } => *wall = Some(length),
            Mark::Gap { lost, .. } => *lost = Some(length),
            _ => return,
        }
        self.saver.save(&self.log);
    }

    /// The next report from the saver, if any.
    pub(super) fn poll(&self) -> Option<SaverEvent> {
        self.saver.poll()
    }

    /// Waits for the saver to write everything; returns the log and the last report.
    pub(super) fn finish(self) -> (MarkerLog, Option<SaverEvent>) {
        let last = self.saver.finish();
        (self.log, last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::generate_identity;

    #[test]
    fn undo_skips_facts_and_closing_follows_the_marker_not_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let mut timeline = MarkerTimeline::start(dir.path().into(), generate_identity().to_public()).unwrap();
        timeline.add(Marker::at(Mark::Quote, 100, 1_000));
        let paused = timeline.add(Marker::at(Mark::Paused { wall: None }, 200, 1_000));
        timeline.add(Marker::at(Mark::Laughter, 300, 1_000));
        assert_eq!(timeline.undo().map(|m| m.mark), Some(Mark::Laughter));
        assert_eq!(timeline.undo().map(|m| m.mark), Some(Mark::Quote), "the pause is a fact, not undone");
        assert_eq!(timeline.undo(), None);
        timeline.close(paused, Ms(65_000));
        assert_eq!(timeline.markers()[0].mark, Mark::Paused { wall: Some(Ms(65_000)) });
        let (log, _) = timeline.finish();
        assert_eq!(log.markers.len(), 1);
    }
}
