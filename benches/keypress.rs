//! Keypress-to-frame latency of the recording screen: one `Event::Key` through
//! `RecordApp::update`, then a full `Terminal::draw` on a 120×40 ratatui `TestBackend`, which is
//! what the UI loop does between a key arriving and the next frame being on screen (minus the
//! terminal's own write of the changed cells).
//!
//! * `keypress/marker_l`, `keypress/marker_q`: drop a laughter / key-quote marker.
//! * `keypress/guide_j`: select the next guide question (back to the first after the last).
//! * `keypress/help_toggle`: alternately `?` (opens the key help) and Esc (closes it).
//!
//! The recording is an in-memory fake 12 minutes in, with a guide (`src/demo/guide-nb.md`), a few
//! markers, a live level meter, and 100 ms of audio between keys. After criterion's report a plain
//! loop of 24 000 mixed keypresses (l, j, q, j, ?, Esc), each followed by a draw, prints the p50,
//! p99 and worst latency in µs. Goal: p99 ≤ 16 ms (one frame at 60 Hz).
//!
//! Under `cargo test --benches` (criterion's test mode) each bench runs once and the loop is short.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed bench

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use verbatim::audio::capture::InputFailure;
use verbatim::guide::Guide;
use verbatim::keymap::Keymap;
use verbatim::model::Marker;
use verbatim::session::RecordingNotice;
use verbatim::tui::record::{Heading, RecordApp, Recorder};
use verbatim::tui::{Event, Screen};

const RATE: u32 = 48_000;
/// Audio that passes between two keypresses: 100 ms.
const FRAMES_PER_KEY: u64 = RATE as u64 / 10;
/// The fake keeps at most this many markers (a long interview has a few hundred).
const MAX_MARKERS: usize = 2_000;
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
const GUIDE: &str = include_str!("../src/demo/guide-nb.md");

/// An in-memory recording whose clock advances when the bench says so.
#[derive(Default)]
struct FakeRecorder {
    frames: u64,
    ticks: u32,
    markers: Vec<Marker>,
    paused: bool,
}

impl Recorder for FakeRecorder {
    fn frames(&self) -> u64 {
        self.frames
    }
    fn sample_rate(&self) -> u32 {
        RATE
    }
    fn take_levels(&mut self) -> Option<(f32, f32)> {
        // Speech-like levels that move, so the meter redraws differently from tick to tick.
        self.ticks = self.ticks.wrapping_add(1);
        let peak = 0.05 + 0.4 * ((self.ticks % 17) as f32 / 17.0);
        Some((peak, peak / 5.0))
    }
    fn dropped_frames(&self) -> u64 {
        0
    }
    fn disk_seconds_left(&self) -> Option<u64> {
        Some(41 * 3600)
    }
    fn markers(&self) -> &[Marker] {
        &self.markers
    }
    fn add_marker(&mut self, marker: Marker) {
        if self.markers.len() >= MAX_MARKERS {
            self.markers.drain(..MAX_MARKERS / 2);
        }
        self.markers.push(marker);
    }
    fn undo_marker(&mut self) -> Option<Marker> {
        self.markers.pop()
    }
    fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }
    fn is_paused(&self) -> bool {
        self.paused
    }
    fn is_ready(&self) -> bool {
        false
    }
    fn input_lost(&self) -> Option<InputFailure> {
        None
    }
    fn is_over(&self) -> bool {
        false
    }
    fn poll(&mut self) -> Vec<RecordingNotice> {
        Vec::new()
    }
}

type App = RecordApp<FakeRecorder>;

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A recording 12 minutes in, with markers, two questions asked and a live meter; drawn once.
fn setup() -> (App, Terminal<TestBackend>) {
    let guide = Guide::parse(GUIDE, "guide-nb.md").expect("the demo guide parses");
    let heading = Heading {
        session: "20261122T101500Z-P03".parse().expect("a session id"),
        participant: "P03".parse().expect("a participant code"),
        input: "PulseAudio: Built-in Microphone".into(),
    };
    let keymap = Keymap::defaults().expect("default keymap");
    let mut app = RecordApp::new(FakeRecorder::default(), keymap, Some(guide), heading);
    for (seconds, c) in [(14, 'a'), (95, 'a'), (130, 'l'), (402, 'q'), (610, 'f'), (720, 's')] {
        app.recorder.frames = seconds * u64::from(RATE);
        app.update(key(KeyCode::Char(c)));
    }
    app.update(Event::Tick);
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    terminal.draw(|f| app.draw(f)).unwrap();
    (app, terminal)
}

/// One keypress as the UI loop handles it: 100 ms of audio pass, the key is applied, a frame is drawn.
fn press(app: &mut App, terminal: &mut Terminal<TestBackend>, event: Event) {
    app.recorder.frames += FRAMES_PER_KEY;
    app.update(black_box(event));
    terminal.draw(|f| app.draw(f)).unwrap();
}

/// Before `j`: at the last question, go back to the first so `j` always moves.
fn rewind_guide_at_end(app: &mut App) {
    let at_end = match (app.guide(), app.selected()) {
        (Some(guide), Some(at)) => guide.next(at).is_none(),
        _ => false,
    };
    if let Some(first) = app.guide().and_then(Guide::first).filter(|_| at_end) {
        app.select(first);
    }
}

fn bench_criterion(c: &mut Criterion) {
    let mut group = c.benchmark_group("keypress");
    for (name, ch) in [("marker_l", 'l'), ("marker_q", 'q')] {
        let (mut app, mut terminal) = setup();
        group.bench_function(name, |b| b.iter(|| press(&mut app, &mut terminal, key(KeyCode::Char(ch)))));
    }
    let (mut app, mut terminal) = setup();
    group.bench_function("guide_j", |b| {
        b.iter(|| {
            rewind_guide_at_end(&mut app);
            press(&mut app, &mut terminal, key(KeyCode::Char('j')));
        });
    });
    let (mut app, mut terminal) = setup();
    let mut open = false;
    group.bench_function("help_toggle", |b| {
        b.iter(|| {
            open = !open;
            press(&mut app, &mut terminal, key(if open { KeyCode::Char('?') } else { KeyCode::Esc }));
        });
    });
    group.finish();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len().saturating_sub(1)) as f64 * p).round() as usize;
    sorted.get(rank).copied().unwrap_or_default()
}

/// The plain loop: `iterations` mixed keypresses, each timed from the key to the drawn frame.
fn plain_loop(iterations: usize) {
    const KEYS: [(&str, KeyCode); 6] = [
        ("l", KeyCode::Char('l')),
        ("j", KeyCode::Char('j')),
        ("q", KeyCode::Char('q')),
        ("j", KeyCode::Char('j')),
        ("?", KeyCode::Char('?')),
        ("Esc", KeyCode::Esc),
    ];
    let (mut app, mut terminal) = setup();
    let mut all = Vec::with_capacity(iterations);
    let mut by_key: Vec<(&str, Vec<Duration>)> = ["l", "q", "j", "?", "Esc"].iter().map(|k| (*k, Vec::new())).collect();
    for i in 0..iterations {
        let (name, code) = KEYS[i % KEYS.len()];
        if i % 2 == 0 {
            // The meter refreshes between keys, as the 50 ms tick does; not timed.
            app.update(Event::Tick);
        }
        if code == KeyCode::Char('j') {
            rewind_guide_at_end(&mut app);
        }
        let start = Instant::now();
        press(&mut app, &mut terminal, key(code));
        let took = start.elapsed();
        all.push(took);
        if let Some((_, list)) = by_key.iter_mut().find(|(k, _)| *k == name) {
            list.push(took);
        }
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("\n=== keypress → frame, plain loop: {iterations} keypresses on {WIDTH}x{HEIGHT} TestBackend ===");
    println!("{:<6} {:>7} {:>10} {:>10} {:>10}", "key", "n", "p50_us", "p99_us", "max_us");
    by_key.push(("all", all));
    for (name, mut list) in by_key {
        list.sort_unstable();
        let max = list.last().copied().unwrap_or_default();
        println!(
            "{name:<6} {:>7} {:>10.1} {:>10.1} {:>10.1}",
            list.len(),
            us(percentile(&list, 0.50)),
            us(percentile(&list, 0.99)),
            us(max)
        );
        if name == "all" {
            let verdict = if percentile(&list, 0.99) <= Duration::from_millis(16) { "met" } else { "NOT met" };
            println!("goal p99 <= 16 ms: {verdict}");
        }
    }
}

fn main() {
    let full = support::full_run();
    let mut c = Criterion::default().configure_from_args();
    bench_criterion(&mut c);
    c.final_summary();
    if !support::listing_only() {
        plain_loop(if full { 24_000 } else { 600 });
    }
}
