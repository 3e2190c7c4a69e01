//! A worker that writes snapshots of an encrypted record (markers, a transcript) off the UI
//! thread: always the newest snapshot, atomically, so a crash loses at most the last change.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use crate::crypto::Recipient;

use super::write_sealed_json;

/// What the saver thread reports.
#[derive(Debug)]
pub enum SaverEvent {
    /// A snapshot of this many items is safely on disk.
    Saved(usize),
    /// Saving failed; the data stays in memory and the next change retries.
    Failed(String),
}

/// Saves snapshots of a `T` to one encrypted file.
pub struct SealedSaver<T> {
    commands: Sender<T>,
    events: Receiver<SaverEvent>,
    thread: JoinHandle<()>,
}

impl<T: serde::Serialize + Send + 'static> SealedSaver<T> {
    /// Starts a worker named `name` that encrypts snapshots to `recipient` into `path`;
    /// `count` says how many items a snapshot holds, for the reports.
    pub fn spawn(path: PathBuf, recipient: Recipient, name: &str, count: fn(&T) -> usize) -> std::io::Result<Self> {
        let (commands, inbox) = mpsc::channel::<T>();
        let (outbox, events) = mpsc::channel();
        let thread = std::thread::Builder::new().name(name.into()).spawn(move || {
            while let Ok(mut snapshot) = inbox.recv() {
                // Only the newest snapshot matters; skip the ones a fast typist queued behind it.
                while let Ok(newer) = inbox.try_recv() {
                    snapshot = newer;
                }
                let event = match write_sealed_json(&path, &recipient, &snapshot) {
                    Ok(()) => SaverEvent::Saved(count(&snapshot)),
                    Err(e) => SaverEvent::Failed(e.to_string()),
                };
                let _ = outbox.send(event);
            }
        })?;
        Ok(Self { commands, events, thread })
    }

    /// Queues a snapshot to be saved.
    pub fn save(&self, snapshot: T) {
        let _ = self.commands.send(snapshot);
    }

    /// The next report from the worker, if any.
    pub fn poll(&self) -> Option<SaverEvent> {
        self.events.try_recv().ok()
    }

    /// Waits until every queued snapshot is written and returns the last report.
    pub fn finish(self) -> Option<SaverEvent> {
        drop(self.commands);
        let _ = self.thread.join();
        self.events.try_iter().last()
    }
}
