//! The terminal screens: one event enum in, a draw → next event → update loop generic over the backend.

pub mod record;
pub mod review;
pub mod widgets;

use std::time::{Duration, Instant};

use crossterm::event::{self, KeyEvent, KeyEventKind};
use ratatui::Terminal;
use ratatui::backend::Backend;

/// Everything the UI loop reacts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A key was pressed.
    Key(KeyEvent),
    /// Time passed: refresh meters and poll the workers.
    Tick,
    /// The terminal changed size.
    Resize,
}

/// Where events come from: the real terminal, or a script in tests.
pub trait EventSource {
    /// Waits up to `timeout` for the next event; `Tick` if none came.
    fn next(&mut self, timeout: Duration) -> std::io::Result<Event>;
}

/// Events from crossterm (the real terminal), read on their own thread.
///
/// When the terminal goes away (a closed window), crossterm's `poll` can spin without ever
/// returning. Reading on a separate thread keeps the UI loop free to notice the hang-up
/// signal and save the recording.
pub struct TerminalEvents {
    events: std::sync::mpsc::Receiver<Event>,
}

impl TerminalEvents {
    /// Starts the reader thread.
    pub fn start() -> std::io::Result<Self> {
        let (tx, events) = std::sync::mpsc::channel();
        std::thread::Builder::new().name("verbatim-keys".into()).spawn(move || {
            while let Ok(event) = event::read() {
                let event = match event {
                    event::Event::Key(key) if key.kind != KeyEventKind::Release => Event::Key(key),
                    event::Event::Resize(..) => Event::Resize,
                    _ => continue,
                };
                if tx.send(event).is_err() {
                    return;
                }
            }
        })?;
        Ok(Self { events })
    }
}

impl EventSource for TerminalEvents {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Event> {
        match self.events.recv_timeout(timeout) {
            Ok(event) => Ok(event),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Ok(Event::Tick),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                // The terminal is gone; keep ticking so the screen can still stop and save.
                std::thread::sleep(timeout);
                Ok(Event::Tick)
            }
        }
    }
}

/// A screen the loop can drive.
pub trait Screen {
    /// Draws the current state.
    fn draw(&self, frame: &mut ratatui::Frame<'_>);
    /// Updates the state for one event.
    fn update(&mut self, event: Event);
    /// True once the screen is done.
    fn should_quit(&self) -> bool;
}

/// How often the screen refreshes when no key is pressed (meters need about 20 frames a second).
pub(crate) const TICK: Duration = Duration::from_millis(50);

/// Runs `screen` until it quits: draw, wait for an event, update.
pub fn run<B: Backend, S: Screen>(
    terminal: &mut Terminal<B>,
    screen: &mut S,
    events: &mut impl EventSource,
) -> Result<(), B::Error>
where
    B::Error: From<std::io::Error>,
{
    let mut next_tick = Instant::now() + TICK;
    while !screen.should_quit() {
        terminal.draw(|frame| screen.draw(frame))?;
        let wait = next_tick.saturating_duration_since(Instant::now());
        let event = events.next(wait)?;
        if Instant::now() >= next_tick {
            next_tick = Instant::now() + TICK;
            if event != Event::Tick {
                screen.update(Event::Tick);
            }
        }
        screen.update(event);
    }
    terminal.draw(|frame| screen.draw(frame))?;
    Ok(())
}

/// A screen that signals (Ctrl+C, SIGTERM, a closed terminal) and a time limit can stop:
/// `stop` is called once, and must make the screen save and quit.
pub struct Interruptible<'a, S: Screen> {
    /// The screen that runs and is asked to stop.
    pub screen: &'a mut S,
    /// Set by the signal handler.
    pub interrupted: &'a std::sync::atomic::AtomicBool,
    /// When to stop anyway (`--for`).
    pub deadline: Option<Instant>,
    /// How to stop the screen cleanly.
    pub stop: fn(&mut S),
}

impl<S: Screen> Screen for Interruptible<'_, S> {
    fn draw(&self, frame: &mut ratatui::Frame<'_>) {
        self.screen.draw(frame);
    }

    fn update(&mut self, event: Event) {
        self.screen.update(event);
        let expired = self.deadline.is_some_and(|d| Instant::now() >= d);
        if (expired || self.interrupted.load(std::sync::atomic::Ordering::Acquire)) && !self.screen.should_quit() {
            (self.stop)(self.screen);
        }
    }

    fn should_quit(&self) -> bool {
        self.screen.should_quit()
    }
}

/// Leaves the alternate screen and raw mode. Unlike `ratatui::restore`, it prints nothing when
/// the terminal is gone: a failed print there would panic before the work is reported.
pub fn restore_terminal() {
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::terminal::LeaveAlternateScreen, crossterm::cursor::Show);
}
