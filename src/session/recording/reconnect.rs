//! A lost input: stop the dead stream, mark the gap, and look for the device again.

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
