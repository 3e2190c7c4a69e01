//! A worker that writes snapshots of a sealed record (markers, a transcript) off the UI thread:
//! always the newest snapshot, atomically, so a crash loses at most the last change.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use super::SealedError;
use crate::crypto::Recipient;

/// What the saver thread reports.
#[derive(Debug, Clone)]
pub enum SaverEvent {
    /// A snapshot of this many items is safely on disk.
    Saved(usize),
    /// Saving failed; the data stays in memory and the next change retries.
    Failed(Arc<SealedError>),
}

/// Saves snapshots of a `T` to one encrypted file.
pub struct SealedSaver<T> {
    commands: Sender<T>,
    events: Receiver<SaverEvent>,
    thread: JoinHandle<()>,
}

impl<T: Send + 'static> SealedSaver<T> {
    /// Starts a worker named `name` that writes snapshots with `write`; `count` says how many
    /// items a snapshot holds, for the reports.
    pub(crate) fn spawn(
        name: &str,
        count: fn(&T) -> usize,
        write: impl Fn(&T) -> Result<(), SealedError> + Send + 'static,
    ) -> std::io::Result<Self> {
        let (commands, inbox) = mpsc::channel::<T>();
        let (outbox, events) = mpsc::channel();
        let thread = std::thread::Builder::new().name(name.into()).spawn(move || {
            while let Ok(mut snapshot) = inbox.recv() {
                // Only the newest snapshot matters; skip the ones a fast typist queued behind it.
                while let Ok(newer) = inbox.try_recv() {
                    snapshot = newer;
                }
                let event = match write(&snapshot) {
                    Ok(()) => SaverEvent::Saved(count(&snapshot)),
                    Err(e) => SaverEvent::Failed(Arc::new(e)),
                };
                let _ = outbox.send(event);
            }
        })?;
        Ok(Self { commands, events, thread })
    }

    /// A worker that seals each snapshot as JSON to `recipient` at `path`.
    pub(crate) fn to_file(
        path: PathBuf,
        recipient: Recipient,
        name: &str,
        count: fn(&T) -> usize,
    ) -> std::io::Result<Self>
    where
        T: serde::Serialize,
    {
        Self::spawn(name, count, move |snapshot: &T| super::write(&path, &recipient, snapshot))
    }

    /// Queues a snapshot to be saved.
    pub(crate) fn save(&self, snapshot: T) {
        let _ = self.commands.send(snapshot);
    }

    /// The next report from the worker, if any.
    pub(crate) fn poll(&self) -> Option<SaverEvent> {
        self.events.try_recv().ok()
    }

    /// Waits until every queued snapshot is written and returns the last report.
    pub(crate) fn finish(self) -> Option<SaverEvent> {
        drop(self.commands);
        let _ = self.thread.join();
        self.events.try_iter().last()
    }
}
