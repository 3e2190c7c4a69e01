//! The real recording behind the screen.

use super::Recorder;
use crate::audio::capture::InputFailure;
use crate::model::Marker;
use crate::session::{RecordingNotice, RecordingSession};

/// Bytes per second on disk, including age's 16-byte tag per 64 KiB chunk.
fn bytes_per_second(session: &RecordingSession) -> u64 {
    let spec = session.spec();
    let raw = u64::from(spec.sample_rate) * u64::from(spec.channels) * u64::from(spec.bits_per_sample / 8);
    raw + raw / 4096
}

/// Free space on the file system holding `path`, for the user (not root's reserve).
pub(crate) fn free_bytes(path: &std::path::Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(path).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

impl Recorder for RecordingSession {
    fn frames(&self) -> u64 {
        self.clock_frames()
    }

    fn sample_rate(&self) -> u32 {
        self.spec().sample_rate
    }

    fn take_levels(&mut self) -> Option<(f32, f32)> {
        self.stats().take_levels()
    }

    fn dropped_frames(&self) -> u64 {
        self.stats().dropped_frames()
    }

    fn disk_seconds_left(&self) -> Option<u64> {
        Some(free_bytes(self.dir())? / bytes_per_second(self).max(1))
    }

    fn markers(&self) -> &[Marker] {
        RecordingSession::markers(self)
    }

    fn add_marker(&mut self, marker: Marker) {
        RecordingSession::add_marker(self, marker);
    }

    fn undo_marker(&mut self) -> Option<Marker> {
        RecordingSession::undo_marker(self)
    }

    fn set_paused(&mut self, paused: bool) {
        RecordingSession::set_paused(self, paused);
    }

    fn is_paused(&self) -> bool {
        RecordingSession::is_paused(self)
    }

    fn is_ready(&self) -> bool {
        RecordingSession::is_ready(self)
    }

    fn input_lost(&self) -> Option<InputFailure> {
        RecordingSession::input_lost(self)
    }

    fn is_over(&self) -> bool {
        self.input_ended() || self.writer_stopped()
    }

    fn poll(&mut self) -> Vec<RecordingNotice> {
        RecordingSession::poll(self)
    }
}
