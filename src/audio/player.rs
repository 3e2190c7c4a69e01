//! The player: a worker thread renders the session (seek, speed) into a ring that the output
//! device's callback drains; the screen sends commands and reads back what is being heard.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::output::{AudioOutput, OutputError, OutputShared};
use super::pcm::{PcmError, PcmSource};
use super::playback::Playhead;
use crate::model::Ms;

/// Audio queued ahead of the device: 200 ms, so a seek is heard within a fifth of a second.
const AHEAD_MS: u64 = 200;
/// Frames rendered per step.
const BLOCK_MS: u64 = 20;

/// Commands to the worker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlayerCommand {
    /// Start or continue playing.
    Play,
    /// Stop playing, keeping the position at what was last heard.
    Pause,
    /// Jump to a source frame.
    Seek(u64),
    /// Change speed (0.5-2.0), keeping the position.
    Speed(f32),
}

/// Why the player could not start.
#[derive(Debug, thiserror::Error)]
pub enum PlayerError {
    /// No usable output device.
    #[error(transparent)]
    Device(#[from] OutputError),
    /// The audio could not be read.
    #[error(transparent)]
    Audio(#[from] PcmError),
    /// The worker thread could not be started.
    #[error("could not start the player thread: {0}")]
    Thread(std::io::Error),
}

/// Why playback stopped working.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PlaybackProblem {
    /// The output device went away.
    #[error("the output device {name:?} failed or was unplugged")]
    DeviceFailed {
        /// The device's name.
        name: String,
    },
    /// The audio could not be read.
    #[error(transparent)]
    Read(Arc<PcmError>),
}

/// Where each stretch of queued audio comes from: ring index, source frame, speed, and how
/// many seeks (pauses, speed changes) the worker had carried out when it was made.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    index: u64,
    source: f64,
    speed: f32,
    generation: u64,
}

/// State the worker publishes for the screen.
#[derive(Debug, Default)]
struct Published {
    anchors: Mutex<VecDeque<Anchor>>,
    /// Frames pushed into the ring so far.
    pushed: AtomicU64,
    /// The source ran out: everything is in the ring.
    reached_end: AtomicBool,
    /// The worker's last read error, if any.
    error: Mutex<Option<Arc<PcmError>>>,
}

/// A running player. Dropping it stops playback and the worker.
pub struct Player {
    commands: Sender<PlayerCommand>,
    output: AudioOutput,
    published: Arc<Published>,
    rate: u32,
    frames: u64,
    /// Seeks, pauses and speed changes sent to the worker so far.
    sent: std::cell::Cell<u64>,
    /// Where the last of them left the playhead, until the device plays from there.
    pending: std::cell::Cell<u64>,
    thread: Option<JoinHandle<()>>,
}

impl Player {
    /// Starts a paused player for `source` on `device` (or the default output).
    pub fn start<S: PcmSource + Send + 'static>(source: S, device: Option<&str>) -> Result<Self, PlayerError> {
        let head = Playhead::new(source)?;
        let rate = head.rate();
        let frames = head.frames();
        let capacity = usize::try_from(u64::from(rate) * AHEAD_MS * 2 / 1000).unwrap_or(1 << 16).max(1024);
        let (producer, consumer) = rtrb::RingBuffer::<f32>::new(capacity);
        let output = AudioOutput::open(device, rate, consumer)?;
        let published = Arc::new(Published::default());
        let (commands, inbox) = mpsc::channel();
        let worker = Worker {
            head,
            ring: producer,
            shared: output.shared().clone(),
            published: published.clone(),
            pushed: 0,
            generation: 0,
        };
        let thread = std::thread::Builder::new()
            .name("verbatim-player".into())
            .spawn(move || worker.run(inbox))
            .map_err(PlayerError::Thread)?;
        Ok(Self {
            commands,
            output,
            published,
            rate,
            frames,
            sent: std::cell::Cell::new(0),
            pending: std::cell::Cell::new(0),
            thread: Some(thread),
        })
    }

    /// Sends a command to the worker.
    pub fn send(&self, command: PlayerCommand) {
        match command {
            PlayerCommand::Play => {}
            PlayerCommand::Seek(frame) => self.restarting(frame.min(self.frames)),
            PlayerCommand::Pause | PlayerCommand::Speed(_) => self.restarting(self.position()),
        }
        let _ = self.commands.send(command);
    }

    /// Notes a command that restarts the worker at `frame`: until the device plays from
    /// there, that is the position, so the screen never sees the old place after a seek.
    fn restarting(&self, frame: u64) {
        self.pending.set(frame);
        self.sent.set(self.sent.get() + 1);
    }

    /// True while playing.
    pub(crate) fn is_playing(&self) -> bool {
        self.output.shared().playing.load(Ordering::Acquire)
    }

    /// The source frame being heard now (as handed to the device).
    pub(crate) fn position(&self) -> u64 {
        match heard(&self.published, self.output.shared()) {
            Some((at, generation)) if generation >= self.sent.get() => at.min(self.frames as f64) as u64,
            _ => self.pending.get(),
        }
    }

    /// [`position`](Self::position) on the clock.
    pub fn time(&self) -> Ms {
        Ms::of_frames(self.position(), self.rate)
    }

    /// The source's frames per second.
    pub(crate) fn rate(&self) -> u32 {
        self.rate
    }

    /// A problem the worker or the device ran into, if any.
    pub fn problem(&self) -> Option<PlaybackProblem> {
        if self.output.shared().failed.load(Ordering::Acquire) {
            return Some(PlaybackProblem::DeviceFailed { name: self.output.name().to_string() });
        }
        self.published.error.lock().ok().and_then(|e| e.clone()).map(PlaybackProblem::Read)
    }

    /// True once the end of the session has been handed to the device.
    pub fn ended(&self) -> bool {
        let shared = self.output.shared();
        self.published.reached_end.load(Ordering::Acquire)
            && shared.consumed.load(Ordering::Acquire) >= self.published.pushed.load(Ordering::Acquire)
    }

    /// Callbacks that ran short of audio while playing.
    pub fn underruns(&self) -> u64 {
        self.output.shared().underruns.load(Ordering::Relaxed)
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        // Closing the channel ends the worker.
        let (dead, _) = mpsc::channel();
        self.commands = dead;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The source position the device is playing, from the anchors and the frames consumed, with
/// the generation of the anchor in force.
fn heard(published: &Published, shared: &OutputShared) -> Option<(f64, u64)> {
    let consumed = shared.consumed.load(Ordering::Acquire);
    let anchors = published.anchors.lock().ok()?;
    let anchor = anchors.iter().rev().find(|a| a.index <= consumed).or(anchors.front())?;
    let at = anchor.source + consumed.saturating_sub(anchor.index) as f64 * f64::from(anchor.speed);
    Some((at, anchor.generation))
}

struct Worker<S: PcmSource> {
    head: Playhead<S>,
    ring: rtrb::Producer<f32>,
    shared: Arc<OutputShared>,
    published: Arc<Published>,
    /// Frames pushed into the ring since the start.
    pushed: u64,
    /// Restarts (seeks, pauses, speed changes) carried out.
    generation: u64,
}

impl<S: PcmSource> Worker<S> {
    fn run(mut self, inbox: Receiver<PlayerCommand>) {
        self.anchor();
        let block = usize::try_from(u64::from(self.head.rate()) * BLOCK_MS / 1000).unwrap_or(256).max(1);
        let mut buf = zeroize::Zeroizing::new(vec![0.0f32; block]);
        loop {
            let wait = if self.shared.playing.load(Ordering::Acquire) {
                Duration::from_millis(5)
            } else {
                Duration::from_millis(50)
            };
            match inbox.recv_timeout(wait) {
                Ok(command) => self.apply(command),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            while self.shared.playing.load(Ordering::Acquire) && self.ring.slots() >= block {
                match self.head.render(&mut buf) {
                    Ok(0) => {
                        self.shared.playing.store(false, Ordering::Release);
                        self.published.reached_end.store(true, Ordering::Release);
                        break;
                    }
                    Ok(n) => {
                        // `slots() >= block >= n` was checked above, so the chunk is there.
                        if let Ok(chunk) = self.ring.write_chunk_uninit(n) {
                            self.pushed += chunk.fill_from_iter(buf[..n].iter().copied()) as u64;
                            self.published.pushed.store(self.pushed, Ordering::Release);
                        }
                    }
                    Err(e) => {
                        self.report(e);
                        self.shared.playing.store(false, Ordering::Release);
                        break;
                    }
                }
            }
        }
    }

    fn apply(&mut self, command: PlayerCommand) {
        match command {
            PlayerCommand::Play => self.shared.playing.store(true, Ordering::Release),
            PlayerCommand::Pause => {
                self.shared.playing.store(false, Ordering::Release);
                let at = self.heard_now();
                self.restart_at(at);
            }
            PlayerCommand::Seek(frame) => self.restart_at(frame),
            PlayerCommand::Speed(speed) => {
                let at = self.heard_now();
                if let Err(e) = self.head.set_speed(speed) {
                    self.report(e);
                }
                self.restart_at(at);
            }
        }
    }

    /// Where the device is in the source now.
    fn heard_now(&self) -> u64 {
        heard(&self.published, &self.shared).map_or(0.0, |(at, _)| at) as u64
    }

    /// Drops what is queued and continues from `frame`.
    fn restart_at(&mut self, frame: u64) {
        self.generation += 1;
        self.shared.discard_until.store(self.pushed, Ordering::Release);
        self.published.reached_end.store(false, Ordering::Release);
        if let Err(e) = self.head.seek(frame) {
            self.report(e);
        }
        self.anchor();
    }

    /// Records that audio pushed from now on starts at the playhead's position.
    fn anchor(&mut self) {
        if let Ok(mut anchors) = self.published.anchors.lock() {
            let consumed = self.shared.consumed.load(Ordering::Acquire);
            // Keep the one in force for what the device still plays, and the new one.
            while anchors.len() > 1 && anchors.get(1).is_some_and(|a| a.index <= consumed) {
                anchors.pop_front();
            }
            anchors.push_back(Anchor {
                index: self.pushed,
                source: self.head.position() as f64,
                speed: self.head.speed(),
                generation: self.generation,
            });
        }
    }

    fn report(&self, problem: PcmError) {
        if let Ok(mut error) = self.published.error.lock() {
            *error = Some(Arc::new(problem));
        }
    }
}
