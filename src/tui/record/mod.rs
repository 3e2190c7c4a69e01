//! The interviewer's recording screen: state and updates. Drawing is in `view.rs`, the real
//! recording behind the [`Recorder`] seam in `live.rs`.

mod live;
mod view;

use std::collections::BTreeMap;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent};

use super::widgets::meter::Meter;
use super::widgets::{Edit, Status, TextInput};
use super::{Event, Screen};
use crate::audio::capture::InputFailure;
use crate::guide::{Guide, QuestionRef};
use crate::keymap::{Keymap, MarkKey, RecordAction, SpeakerKey};
use crate::model::marker::INTERVIEWER_KEY;
use crate::model::{Lang, Mark, Marker, MarkerKind, Ms, ParticipantCode, SessionId};
use crate::session::RecordingNotice;

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
    /// Logs a marker the interviewer made (the recording saves the log).
    fn add_marker(&mut self, marker: Marker);
    /// Removes the newest interviewer-made marker.
    fn undo_marker(&mut self) -> Option<Marker>;
    /// Pauses or resumes (the first resume starts a recording that waited).
    fn set_paused(&mut self, paused: bool);
    /// True while paused, or waiting to start.
    fn is_paused(&self) -> bool;
    /// True while waiting for the first start (a live microphone waits for space).
    fn is_ready(&self) -> bool;
    /// Why the input is not delivering audio, if it is not.
    fn input_lost(&self) -> Option<InputFailure>;
    /// True when there is nothing more to record (a virtual microphone's file ended, or the writer failed).
    fn is_over(&self) -> bool;
    /// Processes counters into markers and notices.
    fn poll(&mut self) -> Vec<RecordingNotice>;
}

/// What the screen shows over the main view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Overlay {
    /// Nothing.
    None,
    /// The key help.
    Help,
    /// Typing a note that will be placed at this frame.
    Note {
        /// Where the note goes on the audio timeline.
        at_frame: u64,
        /// The text so far.
        text: TextInput,
    },
    /// Asking whether to stop.
    ConfirmStop,
}

/// What the title bar says about the session.
#[derive(Debug, Clone)]
pub struct Heading {
    /// The session id.
    pub session: SessionId,
    /// The participant's code.
    pub participant: ParticipantCode,
    /// Where the audio comes from.
    pub input: String,
}

/// The longest note, in characters.
const NOTE_LIMIT: usize = 500;

/// State of the recording screen.
pub struct RecordApp<R: Recorder> {
    /// The recording.
    pub recorder: R,
    heading: Heading,
    guide: Option<Guide>,
    keymap: Keymap,
    /// The selected guide question.
    selected: Option<QuestionRef>,
    /// Questions marked asked, with when.
    asked: BTreeMap<QuestionRef, Ms>,
    meter: Meter,
    overlay: Overlay,
    status: Option<Status>,
    quit: bool,
    /// The clock the screen uses (kept so snapshots can freeze it).
    now: Instant,
}

impl<R: Recorder> RecordApp<R> {
    /// A screen for `recorder`, with the guide's first question selected.
    pub fn new(recorder: R, keymap: Keymap, guide: Option<Guide>, heading: Heading) -> Self {
        let selected = guide.as_ref().and_then(Guide::first);
        let status =
            recorder.is_ready().then(|| Status::info("Check the level meter, then press space to start recording."));
        Self {
            recorder,
            heading,
            guide,
            keymap,
            selected,
            asked: BTreeMap::new(),
            meter: Meter::default(),
            overlay: Overlay::None,
            status,
            quit: false,
            now: Instant::now(),
        }
    }

    /// Audio time now.
    pub(crate) fn position(&self) -> Ms {
        Ms::of_frames(self.recorder.frames(), self.recorder.sample_rate())
    }

    /// The interview guide, if one is shown.
    pub fn guide(&self) -> Option<&Guide> {
        self.guide.as_ref()
    }

    /// The selected guide question.
    pub fn selected(&self) -> Option<QuestionRef> {
        self.selected
    }

    /// Selects a guide question (as the arrow keys do).
    pub fn select(&mut self, at: QuestionRef) {
        self.selected = Some(at);
    }

    /// The status line's message.
    pub fn status(&self) -> Option<&Status> {
        self.status.as_ref()
    }

    /// Asks the screen to stop (signals, `--for`); the caller then finishes the recording.
    pub fn stop(&mut self) {
        self.quit = true;
    }

    fn say(&mut self, text: impl Into<String>) {
        self.status = Some(Status::info(text));
    }

    fn marker(&self, mark: Mark) -> Marker {
        Marker::at(mark, self.recorder.frames(), self.recorder.sample_rate())
    }

    /// Drops a marker of a kind that carries nothing, now.
    pub(crate) fn mark(&mut self, kind: MarkerKind) {
        let Some(mark) = Mark::plain(kind) else { return };
        let marker = self.marker(mark);
        self.say(format!("{} marked at {}", kind.label(Lang::En), marker.at));
        self.recorder.add_marker(marker);
    }

    /// Marks a change of speaker.
    pub(crate) fn mark_speaker(&mut self, speaker: u8) {
        let marker = self.marker(Mark::Speaker(speaker));
        let who = if speaker == INTERVIEWER_KEY { "interviewer".to_string() } else { format!("speaker {speaker}") };
        self.say(format!("{who} at {}", marker.at));
        self.recorder.add_marker(marker);
    }

    /// Marks the selected guide question as asked now and moves to the next one.
    pub(crate) fn mark_asked(&mut self) {
        let Some(at) = self.selected else {
            self.say("no guide question to mark; start verbatim with --guide FILE");
            return;
        };
        let text = self.guide.as_ref().and_then(|g| g.question(at)).map(|q| q.text.clone());
        let marker = self.marker(Mark::Question { question: at, text });
        self.asked.insert(at, marker.at);
        self.say(format!("question asked at {}", marker.at));
        self.recorder.add_marker(marker);
        if let Some(next) = self.guide.as_ref().and_then(|g| g.next(at)) {
            self.selected = Some(next);
        }
    }

    /// Undoes the newest marker.
    pub(crate) fn undo(&mut self) {
        match self.recorder.undo_marker() {
            Some(marker) => {
                if let Mark::Question { question, .. } = marker.mark {
                    self.asked.remove(&question);
                }
                self.say(format!("removed {} at {}", marker.kind().label(Lang::En), marker.at));
            }
            None => self.say("no marker to undo"),
        }
    }

    /// Starts, pauses or resumes recording.
    pub(crate) fn toggle_pause(&mut self) {
        if self.recorder.is_ready() {
            self.recorder.set_paused(false);
            self.say("recording started");
            return;
        }
        let pause = !self.recorder.is_paused();
        self.recorder.set_paused(pause);
        self.say(if pause { "paused: nothing is recorded now" } else { "recording again" });
    }

    fn move_selection(&mut self, step: fn(&Guide, QuestionRef) -> Option<QuestionRef>) {
        if let (Some(guide), Some(at)) = (&self.guide, self.selected)
            && let Some(to) = step(guide, at)
        {
            self.selected = Some(to);
        }
    }

    /// Runs a bound action.
    pub(crate) fn perform(&mut self, action: RecordAction) {
        match action {
            RecordAction::Mark(MarkKey(MarkerKind::Note)) => {
                self.overlay =
                    Overlay::Note { at_frame: self.recorder.frames(), text: TextInput::new().with_limit(NOTE_LIMIT) };
            }
            RecordAction::Mark(MarkKey(kind)) => self.mark(kind),
            RecordAction::UndoMarker => self.undo(),
            RecordAction::Speaker(SpeakerKey(n)) => self.mark_speaker(n),
            RecordAction::SpeakerInterviewer => self.mark_speaker(INTERVIEWER_KEY),
            RecordAction::GuideNext => self.move_selection(Guide::next),
            RecordAction::GuidePrev => self.move_selection(Guide::prev),
            RecordAction::GuideNextSection => self.move_selection(Guide::next_section),
            RecordAction::GuidePrevSection => self.move_selection(Guide::prev_section),
            RecordAction::GuideAsked => self.mark_asked(),
            RecordAction::TogglePause => self.toggle_pause(),
            RecordAction::StopRecording => self.overlay = Overlay::ConfirmStop,
            RecordAction::Help => self.overlay = Overlay::Help,
        }
    }

    fn on_key(&mut self, key: KeyEvent) {
        match &mut self.overlay {
            Overlay::Note { at_frame, text } => match key.code {
                KeyCode::Enter => {
                    let marker = Marker::at(Mark::Note(text.take()), *at_frame, self.recorder.sample_rate());
                    self.say(format!("note saved at {}", marker.at));
                    self.recorder.add_marker(marker);
                    self.overlay = Overlay::None;
                }
                KeyCode::Esc => {
                    self.overlay = Overlay::None;
                    self.say("note discarded");
                }
                _ => {
                    let _: Edit = text.handle(key);
                }
            },
            Overlay::ConfirmStop => match key.code {
                KeyCode::Char('y' | 'Y') => self.quit = true,
                _ => {
                    self.overlay = Overlay::None;
                    self.say("still recording");
                }
            },
            Overlay::Help => {
                // Any key closes help; the help key itself only closes it, never acts twice.
                self.overlay = Overlay::None;
            }
            Overlay::None => {
                if let Some(action) = self.keymap.record_action(&key) {
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

/// The interviewer-facing sentence for a notice, loud when something needs them now.
pub fn describe_notice(notice: &RecordingNotice) -> Status {
    match notice {
        RecordingNotice::Gap { at, lost, cause } => {
            Status::info(format!("{} ms of audio lost at {at} ({cause}); a gap marker was added", lost.0))
        }
        RecordingNotice::InputLost { at, why } => Status::alarm(format!(
            "INPUT LOST at {at}: {why}. Everything before is saved. Reconnect the microphone; verbatim keeps trying."
        )),
        RecordingNotice::InputBack { after } => Status::info(format!(
            "input is back after {:.0} s; recording continues (a gap marker notes the break)",
            after.as_secs_f64()
        )),
        RecordingNotice::MarkersNotSaved(why) => {
            Status::alarm(format!("MARKERS NOT SAVED: {why}; they are kept and retried"))
        }
        RecordingNotice::NoAudio { seconds } => Status::alarm(format!(
            "NO AUDIO from the input for {seconds} s. Check the microphone's cable and mute switch; recording continues when sound arrives."
        )),
    }
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

#[cfg(test)]
mod tests;
