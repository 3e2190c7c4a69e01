//! Screens as text: the recording screen in its states, on a fixed-size `TestBackend`.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::{Heading, Overlay, RecordApp, Recorder};
use crate::audio::capture::InputFailure;
use crate::guide::Guide;
use crate::keymap::Keymap;
use crate::model::{Mark, Marker, MarkerKind, Ms};
use crate::session::RecordingNotice;
use crate::tui::{Event, Screen};

/// An in-memory recording: the clock advances only when a test says so.
#[derive(Default)]
struct FakeRecorder {
    frames: u64,
    levels: (f32, f32),
    dropped: u64,
    markers: Vec<Marker>,
    paused: bool,
    ready: bool,
    lost: Option<InputFailure>,
    notices: Vec<RecordingNotice>,
}

impl Recorder for FakeRecorder {
    fn frames(&self) -> u64 {
        self.frames
    }
    fn sample_rate(&self) -> u32 {
        48_000
    }
    fn take_levels(&mut self) -> Option<(f32, f32)> {
        Some(self.levels)
    }
    fn dropped_frames(&self) -> u64 {
        self.dropped
    }
    fn disk_seconds_left(&self) -> Option<u64> {
        Some(41 * 3600 + 20 * 60)
    }
    fn markers(&self) -> &[Marker] {
        &self.markers
    }
    fn add_marker(&mut self, marker: Marker) {
        self.markers.push(marker);
    }
    fn undo_marker(&mut self) -> Option<Marker> {
        self.markers.pop()
    }
    fn set_paused(&mut self, paused: bool) {
        if paused && !self.paused {
            self.markers.push(Marker::at(Mark::Paused { wall: None }, self.frames, 48_000));
        }
        self.paused = paused;
        self.ready = false;
    }
    fn is_paused(&self) -> bool {
        self.paused || self.ready
    }
    fn is_ready(&self) -> bool {
        self.ready
    }
    fn input_lost(&self) -> Option<InputFailure> {
        self.lost
    }
    fn is_over(&self) -> bool {
        false
    }
    fn poll(&mut self) -> Vec<RecordingNotice> {
        std::mem::take(&mut self.notices)
    }
}

const GUIDE: &str = include_str!("../../../tests/fixtures/guides/guide-nb.md");

fn app_with(recorder: FakeRecorder) -> RecordApp<FakeRecorder> {
    let guide = Guide::parse(GUIDE, "guide-nb.md").unwrap();
    let heading = Heading {
        session: "20261122T101500Z-P03".parse().unwrap(),
        participant: "P03".parse().unwrap(),
        input: "PulseAudio: Built-in Microphone".into(),
    };
    RecordApp::new(recorder, Keymap::defaults().unwrap(), Some(guide), heading)
}

fn app() -> RecordApp<FakeRecorder> {
    app_with(FakeRecorder::default())
}

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn at_seconds(app: &mut RecordApp<FakeRecorder>, seconds: u64) {
    app.recorder.frames = seconds * 48_000;
}

/// Feeds one meter reading at a fixed instant, so clipping holds are deterministic.
fn levels(app: &mut RecordApp<FakeRecorder>, peak: f32, rms: f32) {
    let now = Instant::now();
    app.meter.update(peak, rms, now);
    app.now = now + Duration::from_millis(10);
}

fn render(app: &RecordApp<FakeRecorder>, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| app.draw(f)).unwrap();
    terminal.backend().to_string()
}

/// A recording 12 minutes in, with a few markers and two questions asked.
fn recording() -> RecordApp<FakeRecorder> {
    let mut app = app();
    at_seconds(&mut app, 14);
    app.update(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    at_seconds(&mut app, 95);
    app.update(key('a'));
    at_seconds(&mut app, 130);
    app.update(key('l'));
    at_seconds(&mut app, 402);
    app.update(key('q'));
    at_seconds(&mut app, 610);
    app.update(key('n'));
    for c in "ask about the night shifts".chars() {
        app.update(key(c));
    }
    app.update(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    at_seconds(&mut app, 725);
    levels(&mut app, 0.35, 0.06);
    app
}

#[test]
fn idle_screen() {
    let mut app = app_with(FakeRecorder { ready: true, ..FakeRecorder::default() });
    levels(&mut app, 0.02, 0.004);
    insta::assert_snapshot!("idle", render(&app, 110, 32));
}

#[test]
fn recording_screen() {
    let app = recording();
    assert_eq!(app.asked.len(), 2);
    assert_eq!(app.recorder.markers.len(), 5);
    assert_eq!(app.recorder.markers[4].mark, Mark::Note("ask about the night shifts".into()));
    assert_eq!(app.recorder.markers[4].at, Ms(610_000), "the note is placed where n was pressed");
    insta::assert_snapshot!("recording", render(&app, 110, 32));
}

#[test]
fn clipping_screen() {
    let mut app = recording();
    levels(&mut app, 1.0, 0.5);
    insta::assert_snapshot!("clipping", render(&app, 110, 32));
}

#[test]
fn paused_screen() {
    let mut app = recording();
    app.update(key(' '));
    assert!(app.recorder.paused);
    insta::assert_snapshot!("paused", render(&app, 110, 32));
}

#[test]
fn help_screen_comes_from_the_live_keymap() {
    let mut app = recording();
    let layer = Keymap::parse_layer(
        r#"record = [ { key = "L", action = "marker.laughter", desc = "Laughter (my key)" } ]"#,
        "user.toml",
    )
    .unwrap();
    app.keymap.apply(layer);
    app.update(key('?'));
    assert_eq!(app.overlay, Overlay::Help);
    let screen = render(&app, 110, 40);
    assert!(screen.contains("l, L"), "both laughter keys are listed:\n{screen}");
    insta::assert_snapshot!("help", screen);
    app.update(key('x'));
    assert_eq!(app.overlay, Overlay::None, "any key closes help without acting");
    assert_eq!(app.recorder.markers.len(), 5);
}

#[test]
fn input_lost_and_narrow_terminal() {
    let mut app = recording();
    app.recorder.lost = Some(InputFailure::DeviceGone);
    app.recorder.notices.push(RecordingNotice::InputLost { at: Ms(725_000), why: InputFailure::DeviceGone.describe() });
    app.recorder.dropped = 480;
    app.update(Event::Tick);
    insta::assert_snapshot!("input_lost_80x24", render(&app, 80, 24));
}

#[test]
fn undo_removes_the_question_tick_and_stop_asks_first() {
    let mut app = recording();
    app.update(key('u'));
    app.update(key('u'));
    app.update(key('u'));
    assert_eq!(app.recorder.markers.len(), 2);
    app.update(key('u'));
    assert_eq!(app.asked.len(), 1, "undoing a question marker un-ticks it");
    app.update(key('Q'));
    assert_eq!(app.overlay, Overlay::ConfirmStop);
    app.update(key('n'));
    assert!(!app.should_quit());
    app.update(Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
    app.update(key('y'));
    assert!(app.should_quit());
}

#[test]
fn speaker_keys_and_guide_navigation() {
    let mut app = recording();
    app.update(key('0'));
    assert_eq!(app.recorder.markers.last().map(|m| m.mark.clone()), Some(Mark::Speaker(0)), "the interviewer's key");
    app.update(key('3'));
    assert_eq!(
        app.recorder.markers.last().map(|m| (m.kind(), m.mark.clone())),
        Some((MarkerKind::Speaker, Mark::Speaker(3)))
    );
    let before = app.selected;
    app.update(key('J'));
    assert_ne!(app.selected, before);
    assert_eq!(app.selected.map(|q| q.question), Some(0), "J jumps to the first question of the next section");
}
