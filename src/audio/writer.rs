//! The writer thread: drains the capture ring into the encrypted session file.
//!
//! The UI sends it [`WriterCommand`]s; it answers with [`WriterEvent`]s. Only this thread
//! touches the disk, so a slow fsync never reaches the audio callback.

use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::capture::CaptureRing;
use super::store::{AudioStoreError, EncryptedAudioWriter};

/// How long the writer naps when the ring is drained: short against the ring's 10 s, long
/// enough that an idle recorder wakes only 20 times a second.
const IDLE: Duration = Duration::from_millis(50);

/// Commands to the writer thread.
pub(crate) enum WriterCommand {
    /// Drain what is left of the current ring, then continue from this one (a reconnected input).
    Attach(CaptureRing),
    /// Drain what is left, finalise the file and exit.
    Finish,
}

/// Events from the writer thread.
#[derive(Debug)]
pub(crate) enum WriterEvent {
    /// The file was finalised with this many frames.
    Finished {
        /// Frames in the file.
        frames: u64,
    },
    /// Writing failed; the file is left unfinalised for `recover`.
    Failed {
        /// Frames written before the failure.
        frames: u64,
        /// What went wrong.
        error: AudioStoreError,
    },
}

/// Starts the writer thread.
pub(crate) fn spawn_writer(
    mut ring: CaptureRing,
    mut writer: EncryptedAudioWriter,
    commands: Receiver<WriterCommand>,
    events: Sender<WriterEvent>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name("verbatim-writer".into()).spawn(move || {
        let mut bytes = Vec::with_capacity(64 * 1024);
        let outcome = loop {
            if let Err(error) = drain(&mut ring, &mut writer, &mut bytes) {
                break Err(error);
            }
            match commands.try_recv() {
                Ok(WriterCommand::Attach(next)) => {
                    // The old input is gone; whatever it pushed before it died is still audio.
                    if let Err(error) = drain(&mut ring, &mut writer, &mut bytes) {
                        break Err(error);
                    }
                    ring = next;
                }
                Ok(WriterCommand::Finish) | Err(TryRecvError::Disconnected) => {
                    // The source has stopped by now; take what it left in the ring.
                    break drain(&mut ring, &mut writer, &mut bytes);
                }
                Err(TryRecvError::Empty) => std::thread::sleep(IDLE),
            }
        };
        let frames = writer.frames();
        let event = match outcome {
            Ok(()) => match writer.finish() {
                Ok(frames) => WriterEvent::Finished { frames },
                Err(error) => WriterEvent::Failed { frames, error },
            },
            Err(error) => WriterEvent::Failed { frames, error },
        };
        let _ = events.send(event);
    })
}

fn drain(
    ring: &mut CaptureRing,
    writer: &mut EncryptedAudioWriter,
    bytes: &mut Vec<u8>,
) -> Result<(), AudioStoreError> {
    let channels = usize::from(writer.spec().channels.max(1));
    loop {
        let available = ring.slots() / channels * channels;
        if available == 0 {
            return Ok(());
        }
        let take = available.min(bytes.capacity() / 2);
        let Ok(chunk) = ring.read_chunk(take) else { return Ok(()) };
        bytes.clear();
        let (a, b) = chunk.as_slices();
        for s in a.iter().chain(b) {
            bytes.extend_from_slice(&s.to_le_bytes());
        }
        chunk.commit_all();
        writer.write_pcm(bytes)?;
    }
}
