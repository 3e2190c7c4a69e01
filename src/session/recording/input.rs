//! The input of a recording, supervised: the file or device feeding the capture ring, the
//! counters the audio side raises (overflows, device over-runs), a lost input looked for
//! again, and a silent one (connected, but no audio arrives). It reports [`InputEvent`]s; the
//! recording turns them into markers and notices.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::audio::capture::{CaptureSink, CaptureStats, InputFailure, capture_ring};
use crate::audio::device::{DeviceError, InputDevice, LiveInput};
use crate::audio::file_source::{FileSource, FileSourceError};
use crate::audio::wav::AudioSpec;
use crate::audio::writer::WriterCommand;
use crate::model::Ms;

/// How often a lost input is looked for again.
const RECONNECT_EVERY: Duration = Duration::from_secs(2);

/// What feeds a recording.
pub enum InputChoice {
    /// A WAV played in real time: the virtual microphone.
    File(FileSource),
    /// A live device through cpal.
    Device(Box<InputDevice>),
}

/// Something the input did that the recording must note.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum InputEvent {
    /// Audio was dropped (the disk was too slow, or the device over-ran): a gap of `lost`.
    Dropped {
        /// How much.
        lost: Ms,
        /// Why, in words.
        cause: &'static str,
    },
    /// The input stopped delivering audio; what it delivered before is kept.
    Lost {
        /// Why, in words.
        why: &'static str,
    },
    /// The input is back after being lost.
    Back {
        /// How long it was gone.
        after: Duration,
    },
    /// The input is connected but has delivered no audio for this many seconds.
    Silent {
        /// For how long.
        seconds: u64,
    },
}

enum Input {
    File { stop: Arc<AtomicBool>, ended: Arc<AtomicBool>, thread: JoinHandle<Result<(), FileSourceError>> },
    Device { device: Box<InputDevice>, live: Option<LiveInput>, lost: Option<Lost> },
}

struct Lost {
    since: Instant,
    last_try: Instant,
}

/// The running input and what it has reported so far.
pub(super) struct InputSupervisor {
    input: Input,
    stats: Arc<CaptureStats>,
    spec: AudioSpec,
    writer: Sender<WriterCommand>,
    seen_overflow: u64,
    seen_xrun_frames: u64,
    seen_xruns: u64,
    flow: FlowWatch,
}

impl InputSupervisor {
    /// Starts `choice` feeding `sink`; `writer` takes the ring of a reconnected device.
    pub(super) fn start(
        choice: InputChoice,
        sink: CaptureSink,
        stats: Arc<CaptureStats>,
        spec: AudioSpec,
        writer: Sender<WriterCommand>,
    ) -> Result<Self, StartError> {
        let input = match choice {
            InputChoice::File(source) => {
                let stop = Arc::new(AtomicBool::new(false));
                let ended = Arc::new(AtomicBool::new(false));
                let thread = source.spawn(sink, stop.clone(), ended.clone()).map_err(|_| StartError::Thread)?;
                Input::File { stop, ended, thread }
            }
            InputChoice::Device(device) => {
                let live = device.start(sink).map_err(StartError::Device)?;
                Input::Device { device, live: Some(live), lost: None }
            }
        };
        Ok(Self {
            input,
            stats,
            spec,
            writer,
            seen_overflow: 0,
            seen_xrun_frames: 0,
            seen_xruns: 0,
            flow: FlowWatch::new(Instant::now()),
        })
    }

    /// True once the input has no more audio (end of a virtual microphone's file).
    pub(super) fn ended(&self) -> bool {
        match &self.input {
            Input::File { ended, .. } => ended.load(Ordering::Acquire),
            Input::Device { .. } => false,
        }
    }

    /// Why the input is not delivering audio now, if it is not.
    pub(super) fn lost(&self) -> Option<InputFailure> {
        match &self.input {
            Input::Device { lost: Some(_), .. } => Some(self.stats.input_failure().unwrap_or(InputFailure::DeviceGone)),
            _ => None,
        }
    }

    /// What happened since the last call; `paused` says no audio is expected now.
    pub(super) fn poll(&mut self, paused: bool) -> Vec<InputEvent> {
        let mut events = Vec::new();
        let rate = self.spec.sample_rate;
        let overflow = self.stats.overflow_frames.load(Ordering::Relaxed);
        if overflow > self.seen_overflow {
            let lost = Ms::of_frames(overflow - self.seen_overflow, rate);
            self.seen_overflow = overflow;
            events.push(InputEvent::Dropped { lost, cause: "the disk was too slow and the buffer overflowed" });
        }
        let xrun_frames = self.stats.xrun_frames.load(Ordering::Relaxed);
        let xruns = self.stats.xruns.load(Ordering::Relaxed);
        if xruns > self.seen_xruns || xrun_frames > self.seen_xrun_frames {
            let lost = Ms::of_frames(xrun_frames.saturating_sub(self.seen_xrun_frames), rate);
            (self.seen_xruns, self.seen_xrun_frames) = (xruns, xrun_frames);
            events.push(InputEvent::Dropped { lost, cause: "the audio device over-ran" });
        }
        self.watch_device(&mut events);
        // Some devices stop delivering without reporting an error (a loose cable, a USB hub);
        // the interviewer must hear about it within seconds, not at the end of the interview.
        let waiting = paused || self.lost().is_some() || matches!(self.input, Input::File { .. });
        if let Some(seconds) = self.flow.check(self.stats.frames(), waiting, Instant::now()) {
            events.push(InputEvent::Silent { seconds });
        }
        events
    }

    /// Notices a failed device (from the atomics the error callback set) and reconnects it.
    fn watch_device(&mut self, events: &mut Vec<InputEvent>) {
        let failure = self.stats.input_failure();
        let Input::Device { device, live, lost } = &mut self.input else { return };
        if let (Some(failure), None) = (failure, &lost) {
            // Stop the dead stream; the ring keeps what it delivered and the writer drains it.
            *live = None;
            let now = Instant::now();
            *lost = Some(Lost { since: now, last_try: now });
            events.push(InputEvent::Lost { why: failure.describe() });
            return;
        }
        let Some(gone) = lost else { return };
        if gone.last_try.elapsed() < RECONNECT_EVERY {
            return;
        }
        gone.last_try = Instant::now();
        let Ok(again) = device.reopen() else { return };
        let (sink, ring) = capture_ring(self.spec.sample_rate, self.spec.channels, self.stats.clone());
        if self.writer.send(WriterCommand::Attach(ring)).is_err() {
            return;
        }
        let _ = self.stats.input_failure.swap(0, Ordering::AcqRel);
        match again.start(sink) {
            Ok(stream) => {
                let after = gone.since.elapsed();
                **device = again;
                *live = Some(stream);
                *lost = None;
                events.push(InputEvent::Back { after });
            }
            Err(_) => InputFailure::DeviceGone.report(&self.stats),
        }
    }

    /// Stops the input; a file source's thread is joined and its result returned.
    pub(super) fn stop(self) -> Result<Result<(), FileSourceError>, StartError> {
        match self.input {
            Input::File { stop, thread, .. } => {
                stop.store(true, Ordering::Release);
                thread.join().map_err(|_| StartError::Thread)
            }
            Input::Device { live, .. } => {
                drop(live);
                Ok(Ok(()))
            }
        }
    }
}

/// Why an input could not start (or its thread ended abnormally).
#[derive(Debug)]
pub(super) enum StartError {
    /// The device refused.
    Device(DeviceError),
    /// A thread could not be started or panicked.
    Thread,
}

/// Notices an input that is connected but has stopped delivering audio.
#[derive(Debug, Clone, Copy)]
pub(super) struct FlowWatch {
    /// The audio clock when it last moved, and when that was.
    last: (u64, Instant),
    /// True once the stall was reported, until audio flows again.
    reported: bool,
}

impl FlowWatch {
    /// How long without new audio before the interviewer is told.
    pub(super) const STALL: Duration = Duration::from_secs(3);

    /// A watch that starts counting at `now`.
    pub(super) fn new(now: Instant) -> Self {
        Self { last: (0, now), reported: false }
    }

    /// Feeds the audio clock; returns the stall's length in seconds once, when it passes [`Self::STALL`].
    /// While `waiting` (paused, lost, a file), no audio is expected and nothing is reported.
    pub(super) fn check(&mut self, frames: u64, waiting: bool, now: Instant) -> Option<u64> {
        if frames != self.last.0 || waiting {
            *self = Self { last: (frames, now), reported: false };
            return None;
        }
        let stalled = now.saturating_duration_since(self.last.1);
        if stalled < Self::STALL || self.reported {
            return None;
        }
        self.reported = true;
        Some(stalled.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stall_is_reported_once_after_three_seconds_and_again_after_audio_returns() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut watch = FlowWatch::new(t0);
        assert_eq!(watch.check(960, false, at(20)), None);
        assert_eq!(watch.check(960, false, at(3_000)), None, "2.98 s is not yet a stall");
        assert_eq!(watch.check(960, false, at(3_100)), Some(3));
        assert_eq!(watch.check(960, false, at(3_200)), None, "said once");
        assert_eq!(watch.check(1_920, false, at(3_300)), None, "audio is back");
        assert_eq!(watch.check(1_920, false, at(6_400)), Some(3), "a new stall is reported again");
        assert_eq!(watch.check(1_920, true, at(20_000)), None, "paused: no audio is expected");
        assert_eq!(watch.check(1_920, false, at(22_000)), None, "the pause restarted the count");
    }
}
