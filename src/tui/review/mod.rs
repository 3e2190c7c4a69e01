//! The transcriber's review screen: state and key handling. The player is driven through the
//! [`Transport`](transport) and saves go to a [`TranscriptSink`], so tests drive it with fakes;
//! `live.rs` connects the real player and saver, and `view.rs` draws it.

mod editing;
mod live;
mod transport;
mod view;

pub use live::LivePlayback;
pub use transport::{Playback, ReviewSettings};

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::widgets::{Edit, Status, TextInput};
use super::{Event, Screen};
use crate::keymap::{Keymap, Mode, ReviewAction, SpeakerKey};
use crate::model::{Marker, MarkerKind, Ms, ParticipantCode, SessionId, Span, Speaker, TagKind, Token, Transcript};
use crate::session::SessionError;
use crate::store::SealedError;
use transport::{Tick, Transport};

/// Where the transcript goes when it changes.
pub trait TranscriptSink {
    /// Queues a snapshot to be saved encrypted.
    fn save(&mut self, transcript: &Transcript);
    /// A save failure to show, if one happened since the last call.
    fn failure(&mut self) -> Option<Arc<SealedError>>;
}

/// A popup over the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Overlay {
    /// Nothing: keys go to the text and the keymap.
    None,
    /// The key help.
    Help,
    /// Typing a time to jump to.
    Jump(TextInput),
    /// Typing a new name for a speaker.
    Rename {
        /// The speaker being renamed, as labelled.
        from: String,
        /// The new name so far.
        to: TextInput,
    },
}

/// How the screen reaches the project's other transcripts (they need other keys): renames the
/// speaker labelled as the first argument to the second; returns how many segments changed.
pub type RenameElsewhere = Box<dyn FnMut(&str, &str) -> Result<usize, SessionError>>;

/// What the screen shows around the transcript: whose session, and what the analysis and the
/// interviewer marked on it.
#[derive(Debug, Clone)]
pub struct SessionContext {
    /// The session id, for the title.
    pub session: SessionId,
    /// The participant's code, for the title and speaker labels.
    pub participant: ParticipantCode,
    /// The pauses, shown between segments.
    pub pauses: Vec<Span>,
    /// The interviewer's markers, in any order.
    pub markers: Vec<Marker>,
}

/// Unsaved typing is saved after this long.
const SAVE_EVERY: Duration = Duration::from_secs(3);
/// The longest speaker name.
const NAME_LIMIT: usize = 24;

/// The review screen's state.
pub struct ReviewApp<P: Playback, S: TranscriptSink> {
    transport: Transport<P>,
    sink: S,
    transcript: Transcript,
    keymap: Keymap,
    settings: ReviewSettings,
    context: SessionContext,
    /// The segment being transcribed.
    current: usize,
    /// Its text as it is being edited.
    editor: TextInput,
    overlay: Overlay,
    status: Option<Status>,
    /// Keys type text (always, unless the keymap is modal and in normal mode).
    typing: bool,
    dirty_since: Option<Instant>,
    quit: bool,
    rename_elsewhere: Option<RenameElsewhere>,
    /// The last speaker fixed by a key: what the segment had, and what it got.
    last_fix: Option<(Speaker, Speaker)>,
}

impl<P: Playback, S: TranscriptSink> ReviewApp<P, S> {
    /// A screen on `transcript`, with the session's pauses and markers for context.
    pub fn new(
        player: P,
        sink: S,
        transcript: Transcript,
        keymap: Keymap,
        settings: ReviewSettings,
        mut context: SessionContext,
    ) -> Self {
        context.markers.sort_by_key(|m| m.at);
        // A modal keymap (vim) opens in normal mode, where letters are commands.
        let typing = keymap.help(Mode::ReviewNormal).is_empty();
        let mut editor = transcript.segments.first().map_or_else(TextInput::new, |s| TextInput::from_tokens(&s.tokens));
        // The screen opens with the cursor at the start of the first segment (moving to a
        // segment puts it at the end, ready to go on typing).
        editor.handle(KeyEvent::new(KeyCode::Home, KeyModifiers::NONE));
        Self {
            transport: Transport::new(player),
            sink,
            transcript,
            keymap,
            settings,
            context,
            current: 0,
            editor,
            overlay: Overlay::None,
            status: None,
            typing,
            dirty_since: None,
            quit: false,
            rename_elsewhere: None,
            last_fix: None,
        }
    }

    /// Lets speaker renames reach every session of the project, not just this one.
    pub fn with_project_rename(mut self, rename: RenameElsewhere) -> Self {
        self.rename_elsewhere = Some(rename);
        self
    }

    /// True when the keymap has a normal (command) mode besides typing.
    pub(crate) fn is_modal(&self) -> bool {
        !self.keymap.help(Mode::ReviewNormal).is_empty()
    }

    /// The keys in force now: typing's, or normal mode's.
    pub(crate) fn active_mode(&self) -> Mode {
        if self.typing { Mode::Review } else { Mode::ReviewNormal }
    }

    /// The transcript as it stands.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The player and the sink, to stop and finish them.
    pub fn into_parts(self) -> (P, S) {
        (self.transport.player, self.sink)
    }

    /// Saves and asks the screen to close (Ctrl+C, a closed terminal).
    pub fn quit(&mut self) {
        self.perform(ReviewAction::Quit);
    }

    fn say(&mut self, text: impl Into<String>) {
        self.status = Some(Status::info(text));
    }

    fn current_span(&self) -> Option<Span> {
        self.transcript.segments.get(self.current).map(|s| s.span)
    }

    fn changed(&mut self) {
        self.dirty_since.get_or_insert_with(Instant::now);
    }

    fn save_now(&mut self) {
        self.sink.save(&self.transcript);
        self.dirty_since = None;
    }

    /// Makes segment `index` the one being typed, its text in the editor.
    fn select(&mut self, index: usize) {
        if let Some(segment) = self.transcript.segments.get(index) {
            self.current = index;
            self.editor = TextInput::from_tokens(&segment.tokens);
        }
    }

    /// Moves to segment `index` and the playhead to its start.
    fn go_to(&mut self, index: usize) {
        let Some(start) = self.transcript.segments.get(index).map(|s| s.span.start) else { return };
        self.select(index);
        self.transport.player.seek(start);
    }

    /// Jumps the playhead, and the current segment with it.
    fn seek(&mut self, at: Ms) {
        let at = self.transport.seek(at);
        self.follow(at);
    }

    /// Makes the segment at `at` current (the highlighted segment is the one heard).
    fn follow(&mut self, at: Ms) {
        if let Some(index) = self.transcript.index_at(at)
            && index != self.current
        {
            self.select(index);
        }
    }

    /// The editor's text becomes the segment's tokens.
    fn edited(&mut self) {
        let tokens = self.editor.tokens();
        if let Some(segment) = self.transcript.segments.get_mut(self.current) {
            segment.retype(tokens);
            self.changed();
        }
    }

    fn commit(&mut self) {
        if let Some(seg) = self.transcript.segments.get_mut(self.current) {
            seg.done = true;
        }
        self.save_now();
        let (done, total) = self.transcript.progress();
        self.say(format!("saved; {done} of {total} segments done"));
        if self.current + 1 < self.transcript.segments.len() {
            self.go_to(self.current + 1);
            if self.settings.auto_play {
                self.transport.player.play();
            }
        }
    }

    /// The next (or previous) time in `times` after (before) the playhead.
    fn jump_among(&mut self, times: Vec<Ms>, forward: bool, what: &str) {
        let at = self.transport.player.position();
        // A little slack, so pressing again moves on rather than finding the same one.
        let slack = Ms(300);
        let target = if forward {
            times.into_iter().find(|&t| t > at.saturating_add(slack))
        } else {
            times.into_iter().rev().find(|&t| t.saturating_add(slack) < at)
        };
        match target {
            Some(t) => {
                self.seek(t);
                self.say(format!("{what} at {t}"));
            }
            None => self.say(format!("no {what} {}", if forward { "after this" } else { "before this" })),
        }
    }

    fn marker_times(&self, question: bool) -> Vec<Ms> {
        self.context
            .markers
            .iter()
            .filter(|m| (m.kind() == MarkerKind::Question) == question && m.kind() != MarkerKind::Speaker)
            .map(|m| m.at)
            .collect()
    }

    /// Where the draft's unsure words start, in segments nobody has accepted yet.
    fn unsure_times(&self) -> Vec<Ms> {
        let words = self.transcript.segments.iter().filter(|s| !s.done).flat_map(|s| &s.tokens);
        words
            .filter_map(|t| match t {
                Token::Word(w) if w.is_unsure() => w.span.map(|s| s.start),
                _ => None,
            })
            .collect()
    }

    fn pause_times(&self) -> Vec<Ms> {
        self.context.pauses.iter().map(|p| p.start).collect()
    }

    /// Runs a bound action.
    pub(crate) fn perform(&mut self, action: ReviewAction) {
        let rewind = self.settings.rewind;
        match action {
            ReviewAction::TogglePlay => self.transport.toggle(self.current_span(), rewind),
            ReviewAction::Play => {
                if !self.transport.player.is_playing() {
                    self.transport.resume(self.current_span(), rewind);
                }
            }
            ReviewAction::Stop => self.transport.player.pause(),
            ReviewAction::SkipBack => self.skip(self.settings.skip, true),
            ReviewAction::SkipForward => self.skip(self.settings.skip, false),
            ReviewAction::SkipBackLong => self.skip(self.settings.long_skip, true),
            ReviewAction::SkipForwardLong => self.skip(self.settings.long_skip, false),
            ReviewAction::Slower => self.change_speed(-0.1),
            ReviewAction::Faster => self.change_speed(0.1),
            ReviewAction::ToggleLoop => {
                let looping = self.transport.toggle_loop();
                self.say(format!("loop {}", if looping { "on" } else { "off" }));
            }
            ReviewAction::JumpToTime => {
                let time = TextInput::new().accepting(|c| c.is_ascii_digit() || c == ':' || c == '.');
                self.overlay = Overlay::Jump(time);
            }
            ReviewAction::NextSegment => {
                self.go_to((self.current + 1).min(self.transcript.segments.len().saturating_sub(1)))
            }
            ReviewAction::PrevSegment => self.go_to(self.current.saturating_sub(1)),
            ReviewAction::Commit => self.commit(),
            ReviewAction::Split => self.edit_segments(Transcript::split, "split at the playhead"),
            ReviewAction::Merge => self.edit_segments(|t, i, _| t.merge_next(i), "joined with the next segment"),
            ReviewAction::ToggleIdentifying => self.toggle_identifying(),
            ReviewAction::StartEarlier => self.nudge(true, true),
            ReviewAction::StartLater => self.nudge(true, false),
            ReviewAction::EndEarlier => self.nudge(false, true),
            ReviewAction::EndLater => self.nudge(false, false),
            ReviewAction::NextMarker => self.jump_among(self.marker_times(false), true, "marker"),
            ReviewAction::PrevMarker => self.jump_among(self.marker_times(false), false, "marker"),
            ReviewAction::NextQuestion => self.jump_among(self.marker_times(true), true, "question"),
            ReviewAction::PrevQuestion => self.jump_among(self.marker_times(true), false, "question"),
            ReviewAction::NextPause => self.jump_among(self.pause_times(), true, "pause"),
            ReviewAction::PrevPause => self.jump_among(self.pause_times(), false, "pause"),
            ReviewAction::NextUnsure => self.jump_among(self.unsure_times(), true, "unsure word"),
            ReviewAction::SpeakerInterviewer => self.set_speaker(Speaker::Interviewer),
            ReviewAction::SpeakerParticipant => self.set_speaker(Speaker::Participant),
            ReviewAction::Speaker(SpeakerKey(n)) => self.set_speaker(Speaker::Numbered(n)),
            ReviewAction::RenameSpeaker => self.start_rename(),
            ReviewAction::MergeSpeaker => self.merge_speaker(),
            ReviewAction::InsertLaughter => self.insert_tag(TagKind::Laughter, None),
            ReviewAction::InsertSigh => self.insert_tag(TagKind::Sigh, None),
            ReviewAction::InsertInaudible => {
                self.insert_tag(TagKind::Inaudible, Some(self.transport.player.position()))
            }
            ReviewAction::InsertOverlap => self.insert_tag(TagKind::Overlap, None),
            ReviewAction::InsertTimestamp => self.insert_text(&format!("[{}]", self.transport.player.position())),
            ReviewAction::Help => self.overlay = Overlay::Help,
            ReviewAction::StartTyping => self.typing = true,
            ReviewAction::StopTyping => {
                if self.is_modal() {
                    self.typing = false;
                    self.say("commands (i types)");
                }
            }
            ReviewAction::Quit => {
                self.save_now();
                self.quit = true;
            }
        }
    }

    fn skip(&mut self, by: Ms, back: bool) {
        let at = self.transport.skip(by, back);
        self.follow(at);
    }

    fn change_speed(&mut self, delta: f32) {
        let speed = self.transport.change_speed(delta);
        self.say(format!("speed {speed:.1}x"));
    }

    fn on_key(&mut self, key: KeyEvent) {
        match &mut self.overlay {
            Overlay::Help => self.overlay = Overlay::None,
            Overlay::Jump(typed) => match key.code {
                KeyCode::Enter => {
                    let typed = typed.take();
                    self.overlay = Overlay::None;
                    match typed.parse::<Ms>() {
                        Ok(at) => self.seek(at),
                        Err(_) => self.say(format!("{typed:?} is not a time; type e.g. 12:30 or 1:02:03")),
                    }
                }
                KeyCode::Esc => self.overlay = Overlay::None,
                _ => {
                    let _: Edit = typed.handle(key);
                }
            },
            Overlay::Rename { from, to } => match key.code {
                KeyCode::Enter if !to.text().trim().is_empty() => {
                    let (from, to) = (std::mem::take(from), to.take().trim().to_string());
                    self.overlay = Overlay::None;
                    self.rename(&from, &to);
                }
                KeyCode::Esc => self.overlay = Overlay::None,
                _ => {
                    let _: Edit = to.handle(key);
                }
            },
            Overlay::None if self.typing => match self.keymap.review_action(Mode::Review, &key) {
                Some(action) => self.perform(action),
                None => {
                    if self.transcript.segments.get(self.current).is_some() && self.editor.handle(key) == Edit::Changed
                    {
                        self.edited();
                    }
                }
            },
            Overlay::None => {
                // Normal mode: its own keys, then the review keys that are not characters.
                let plain = matches!(key.code, KeyCode::Char(_))
                    && !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
                let action = self
                    .keymap
                    .review_action(Mode::ReviewNormal, &key)
                    .or_else(|| if plain { None } else { self.keymap.review_action(Mode::Review, &key) });
                if let Some(action) = action.filter(|a| *a != ReviewAction::StopTyping) {
                    self.perform(action);
                }
            }
        }
    }

    fn on_tick(&mut self) {
        match self.transport.tick(self.current_span()) {
            Tick::Moved(at) => self.follow(at),
            Tick::StoppedAtEnd => self.say("end of the segment: Enter saves and plays the next"),
            Tick::Playing => {}
        }
        if let Some(problem) = self.transport.player.problem() {
            self.status = Some(Status::alarm(problem.to_string()));
        }
        if let Some(failure) = self.sink.failure() {
            self.status = Some(Status::alarm(format!("NOT SAVED: {failure}")));
        }
        if self.dirty_since.is_some_and(|t| t.elapsed() >= SAVE_EVERY) {
            self.save_now();
        }
    }
}

impl<P: Playback, S: TranscriptSink> Screen for ReviewApp<P, S> {
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
