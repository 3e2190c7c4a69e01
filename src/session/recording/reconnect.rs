//! A failing input: a lost one (stop the dead stream, mark the gap, look for the device again)
//! and a silent one (connected, but no audio arrives).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{Input, LostInput, RecordingNotice, RecordingSession};
use crate::audio::capture::{InputFailure, capture_ring};
use crate::audio::writer::WriterCommand;
use crate::session::markers::{Marker, MarkerKind};

/// How often a lost input is looked for again.
const RECONNECT_EVERY: Duration = Duration::from_secs(2);

impl RecordingSession {
    /// Notices a failed input (from the atomics the error callback set) and reconnects it.
    pub(super) fn watch_input(&mut self, notices: &mut Vec<RecordingNotice>) {
        let failure = self.stats.input_failure();
        let frames = self.frames();
        let rate = self.meta.audio.sample_rate;
        let Input::Device { device, live, lost } = &mut self.input else { return };
        if let (Some(failure), None) = (failure, &lost) {
            // Stop the dead stream; the ring keeps what it delivered and the writer drains it.
            *live = None;
            let mut marker = Marker::at(MarkerKind::Gap, frames, rate);
            marker.note = Some(format!("input lost: {}", failure.describe()));
            self.markers.markers.push(marker);
            self.saver.save(&self.markers);
            let now = Instant::now();
            *lost = Some(LostInput { since: now, last_try: now, marker: self.markers.markers.len() - 1 });
            notices.push(RecordingNotice::InputLost {
                at_ms: frames * 1000 / u64::from(rate.max(1)),
                why: failure.describe(),
            });
            return;
        }
        let Some(gone) = lost else { return };
        if gone.last_try.elapsed() < RECONNECT_EVERY {
            return;
        }
        gone.last_try = Instant::now();
        let Ok(again) = device.reopen() else { return };
        let spec = self.meta.audio;
        let (sink, ring) = capture_ring(spec.sample_rate, spec.channels, self.stats.clone());
        if self.commands.send(WriterCommand::Attach(ring)).is_err() {
            return;
        }
        let _ = self.stats.input_failure.swap(0, Ordering::AcqRel);
        match again.start(sink) {
            Ok(stream) => {
                let after = gone.since.elapsed();
                if let Some(marker) = self.markers.markers.get_mut(gone.marker) {
                    marker.duration_ms = Some(after.as_millis() as u64);
                }
                **device = again;
                *live = Some(stream);
                *lost = None;
                self.saver.save(&self.markers);
                notices.push(RecordingNotice::InputBack { after });
            }
            Err(_) => InputFailure::DeviceGone.report(&self.stats),
        }
    }
}

/// Notices an input that is connected but has stopped delivering audio.
#[derive(Debug, Clone, Copy)]
pub struct FlowWatch {
    /// The audio clock when it last moved, and when that was.
    last: (u64, Instant),
    /// True once the stall was reported, until audio flows again.
    reported: bool,
}

impl FlowWatch {
    /// How long without new audio before the interviewer is told.
    pub const STALL: Duration = Duration::from_secs(3);

    /// A watch that starts counting at `now`.
    pub fn new(now: Instant) -> Self {
        Self { last: (0, now), reported: false }
    }

    /// Feeds the audio clock; returns the stall's length in seconds once, when it passes [`Self::STALL`].
    /// While `waiting` (paused, lost, a file), no audio is expected and nothing is reported.
    pub fn check(&mut self, frames: u64, waiting: bool, now: Instant) -> Option<u64> {
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
