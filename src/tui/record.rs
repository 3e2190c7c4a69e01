//! The interviewer's recording screen: state and updates. Drawing is in `record_view`.

use std::collections::BTreeMap;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent};

use super::meter::Meter;
use super::{Event, Screen};
use crate::audio::capture::InputFailure;
use crate::guide::{Guide, QuestionRef};
use crate::keymap::{Action, Keymap, Mode};
use crate::session::RecordingNotice;
use crate::session::markers::{Marker, MarkerKind};

/// What the screen needs from a recording; [`crate::session::RecordingSession`] is the real one.
pub trait Recorder {
    /// Frames recorded so far (the audio clock).
    fn frames(&self) -> u64;
    /// Frames per second.
    fn sample_rate(&self) -> u32;
    /// Peak and RMS (linear) since the last call; `None` if no audio arrived since.
    fn take_levels(&mut self) -> Option<(f32, f32)>;
    /// Frames lost so far.
    fn dropped_frames(&self) -> u64;
    /// Seconds of recording the free disk space still holds.
    fn disk_seconds_left(&self) -> Option<u64>;
    /// The markers so far.
    fn markers(&self) -> &[Marker];
    /// Adds a marker.
    fn add_marker(&mut self, marker: Marker);
    /// Removes the newest interviewer-made marker.
    fn undo_marker(&mut self) -> Option<Marker>;
    /// Pauses or resumes.
    fn set_paused(&mut self, paused: bool);
    /// True while paused.
    fn is_paused(&self) -> bool;
    /// Why the input is not delivering audio, if it is not.
    fn input_lost(&self) -> Option<InputFailure>;
    /// True when there is nothing more to record (a virtual microphone's file ended, or the writer failed).
    fn is_over(&self) -> bool;
    /// Processes counters into markers and notices.
    fn poll(&mut self) -> Vec<RecordingNotice>;
}

/// What the screen shows over the main view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// Nothing.
    None,
    /// The key help.
    Help,
    /// Typing a note that will be placed at this frame.
    Note {
        /// Where the note goes on the audio timeline.
        at_frame: u64,
        /// The text so far.
        text: String,
    },
    /// Asking whether to stop.
    ConfirmStop,
}

/// State of the recording screen.
pub struct RecordApp<R: Recorder> {
    /// The recording.
    pub recorder: R,
    /// Session id, shown in the title.
    pub session_id: String,
    /// Participant code.
    pub participant: String,
    /// Where the audio comes from.
    pub input_label: String,
    /// The interview guide, if one was given.
    pub guide: Option<Guide>,
    /// The live key bindings.
    pub keymap: Keymap,
    /// The selected guide question.
    pub selected: Option<QuestionRef>,
    /// Questions marked asked, with the audio time (ms) they were asked at.
    pub asked: BTreeMap<QuestionRef, u64>,
    /// The level meter.
    pub meter: Meter,
    /// What is shown on top.
    pub overlay: Overlay,
    /// The newest message for the status line.
    pub status: Option<String>,
    /// Set when the interviewer confirmed stopping (or the input ended).
    pub quit: bool,
    /// True until recording starts (a live microphone waits for the first Space).
    pub idle: bool,
    /// The clock the screen uses (kept so snapshots can freeze it).
    pub now: Instant,
}

impl<R: Recorder> RecordApp<R> {
    /// A screen for `recorder`, with the guide's first question selected.
    pub fn new(recorder: R, keymap: Keymap, guide: Option<Guide>) -> Self {
        let selected = guide.as_ref().and_then(Guide::first);
        Self {
            recorder,
            session_id: String::new(),
            participant: String::new(),
            input_label: String::new(),
            guide,
            keymap,
            selected,
            asked: BTreeMap::new(),
            meter: Meter::default(),
            overlay: Overlay::None,
            status: None,
            quit: false,
            idle: false,
            now: Instant::now(),
        }
    }

    /// Audio time now, in ms.
    pub fn position_ms(&self) -> u64 {
        self.recorder.frames() * 1000 / u64::from(self.recorder.sample_rate().max(1))
    }

    fn marker(&self, kind: MarkerKind) -> Marker {
        Marker::at(kind, self.recorder.frames(), self.recorder.sample_rate())
    }

    /// Drops a marker of `kind` now.
    pub fn mark(&mut self, kind: MarkerKind) {
        let marker = self.marker(kind);
        self.status = Some(format!("{} marked at {}", kind.label(), clock(marker.at_ms)));
        self.recorder.add_marker(marker);
    }

    /// Marks a change of speaker.
    pub fn mark_speaker(&mut self, speaker: u8) {
        let mut marker = self.marker(MarkerKind::Speaker);
        marker.speaker = Some(speaker);
        self.status = Some(format!("speaker {speaker} at {}", clock(marker.at_ms)));
        self.recorder.add_marker(marker);
    }

    /// Marks the selected guide question as asked now and moves to the next one.
    pub fn mark_asked(&mut self) {
        let Some(at) = self.selected else {
            self.status = Some("no guide question to mark; start verbatim with --guide FILE".into());
            return;
        };
        let mut marker = self.marker(MarkerKind::Question);
        marker.question = Some(at);
        marker.note = self.guide.as_ref().and_then(|g| g.question(at)).map(|q| q.text.clone());
        self.asked.insert(at, marker.at_ms);
        self.status = Some(format!("question asked at {}", clock(marker.at_ms)));
        self.recorder.add_marker(marker);
        if let Some(next) = self.guide.as_ref().and_then(|g| g.next(at)) {
            self.selected = Some(next);
        }
    }

    /// Undoes the newest marker.
    pub fn undo(&mut self) {
        match self.recorder.undo_marker() {
            Some(marker) => {
                if let Some(q) = marker.question {
                    self.asked.remove(&q);
                }
                self.status = Some(format!("removed {} at {}", marker.kind.label(), clock(marker.at_ms)));
            }
            None => self.status = Some("no marker to undo".into()),
        }
    }

    /// Starts, pauses or resumes recording.
    pub fn toggle_pause(&mut self) {
        if self.idle {
            self.idle = false;
            self.recorder.set_paused(false);
            self.status = Some("recording started".into());
            return;
        }
        let pause = !self.recorder.is_paused();
        self.recorder.set_paused(pause);
        self.status = Some(if pause { "paused: nothing is recorded now" } else { "recording again" }.into());
    }

    fn move_selection(&mut self, step: fn(&Guide, QuestionRef) -> Option<QuestionRef>) {
        if let (Some(guide), Some(at)) = (&self.guide, self.selected)
            && let Some(to) = step(guide, at)
        {
            self.selected = Some(to);
        }
    }

    /// Runs a bound action.
    pub fn perform(&mut self, action: Action) {
        match action {
            Action::MarkLaughter => self.mark(MarkerKind::Laughter),
            Action::MarkSigh => self.mark(MarkerKind::Sigh),
            Action::MarkLongPause => self.mark(MarkerKind::LongPause),
            Action::MarkQuote => self.mark(MarkerKind::Quote),
            Action::MarkIdentifying => self.mark(MarkerKind::Identifying),
            Action::MarkFollowUp => self.mark(MarkerKind::FollowUp),
            Action::MarkNote => {
                self.overlay = Overlay::Note { at_frame: self.recorder.frames(), text: String::new() };
            }
            Action::UndoMarker => self.undo(),
            Action::Speaker(n) => self.mark_speaker(n),
            Action::GuideNext => self.move_selection(Guide::next),
            Action::GuidePrev => self.move_selection(Guide::prev),
            Action::GuideNextSection => self.move_selection(Guide::next_section),
            Action::GuidePrevSection => self.move_selection(Guide::prev_section),
            Action::GuideAsked => self.mark_asked(),
            Action::TogglePause => self.toggle_pause(),
            Action::StopRecording => self.overlay = Overlay::ConfirmStop,
            Action::Help => self.overlay = Overlay::Help,
            // Review actions are never bound in the recording mode (the keymap checks it).
            _ => {}
        }
    }

    fn on_key(&mut self, key: KeyEvent) {
        match &mut self.overlay {
            Overlay::Note { at_frame, text } => match key.code {
                KeyCode::Enter => {
                    let mut marker = Marker::at(MarkerKind::Note, *at_frame, self.recorder.sample_rate());
                    marker.note = Some(std::mem::take(text));
                    self.status = Some(format!("note saved at {}", clock(marker.at_ms)));
                    self.recorder.add_marker(marker);
                    self.overlay = Overlay::None;
                }
                KeyCode::Esc => {
                    self.overlay = Overlay::None;
                    self.status = Some("note discarded".into());
                }
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char(c) if text.chars().count() < 500 => text.push(c),
                _ => {}
            },
            Overlay::ConfirmStop => match key.code {
                KeyCode::Char('y' | 'Y') => self.quit = true,
                _ => {
                    self.overlay = Overlay::None;
                    self.status = Some("still recording".into());
                }
            },
            Overlay::Help => {
                // Any key closes help; the help key itself only closes it, never acts twice.
                self.overlay = Overlay::None;
            }
            Overlay::None => {
                if let Some(action) = self.keymap.action(Mode::Record, &key) {
                    self.perform(action);
                }
            }
        }
    }

    fn on_tick(&mut self) {
        self.now = Instant::now();
        if let Some((peak, rms)) = self.recorder.take_levels() {
            self.meter.update(peak, rms, self.now);
        }
        for notice in self.recorder.poll() {
            self.status = Some(describe_notice(&notice));
        }
        if self.recorder.is_over() {
            self.quit = true;
        }
    }
}

/// The interviewer-facing sentence for a notice.
pub fn describe_notice(notice: &RecordingNotice) -> String {
    match notice {
        RecordingNotice::Gap { at_ms, lost_ms, cause } => {
            format!("{lost_ms} ms of audio lost at {} ({cause}); a gap marker was added", clock(*at_ms))
        }
        RecordingNotice::InputLost { at_ms, why } => format!(
            "INPUT LOST at {}: {why}. Everything before is saved. Reconnect the microphone; verbatim keeps trying.",
            clock(*at_ms)
        ),
        RecordingNotice::InputBack { after } => {
            format!(
                "input is back after {:.0} s; recording continues (a gap marker notes the break)",
                after.as_secs_f64()
            )
        }
        RecordingNotice::MarkersNotSaved(why) => format!("MARKERS NOT SAVED: {why}; they are kept and retried"),
        RecordingNotice::NoAudio { seconds } => format!(
            "NO AUDIO from the input for {seconds} s. Check the microphone's cable and mute switch; recording continues when sound arrives."
        ),
    }
}

/// Formats ms as `HH:MM:SS`.
pub fn clock(ms: u64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

impl<R: Recorder> Screen for RecordApp<R> {
    fn draw(&self, frame: &mut ratatui::Frame<'_>) {
        frame.render_widget(self, frame.area());
    }

    fn update(&mut self, event: Event) {
        match event {
            Event::Key(key) => self.on_key(key),
            Event::Tick => self.on_tick(),
            Event::Resize => {}
        }
    }

    fn should_quit(&self) -> bool {
        self.quit
    }
}
