//! The transcriber's review screen: state and key handling. Drawing is in `review_view.rs`.
//!
//! The screen talks to playback through [`Playback`] and saves through [`TranscriptSink`], so
//! tests drive it with fakes; `review_live.rs` connects the real player and saver.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::record::clock;
use super::{Event, Screen};
use crate::analysis::Span;
use crate::audio::playback::{MAX_SPEED, MIN_SPEED};
use crate::keymap::{Action, Keymap, Mode};
use crate::session::markers::{Marker, MarkerKind};
use crate::session::transcript::Transcript;

/// What the review screen needs from a player.
pub trait Playback {
    /// The position being heard, ms.
    fn position_ms(&self) -> u64;
    /// Length of the audio, ms.
    fn duration_ms(&self) -> u64;
    /// True while playing.
    fn is_playing(&self) -> bool;
    /// Starts playing from the position.
    fn play(&mut self);
    /// Stops playing, keeping the position.
    fn pause(&mut self);
    /// Jumps to `ms`.
    fn seek_ms(&mut self, ms: u64);
    /// Sets the speed (0.5-2.0).
    fn set_speed(&mut self, speed: f32);
    /// A problem to show (a failed device, unreadable audio).
    fn problem(&self) -> Option<String>;
}

/// Where the transcript goes when it changes.
pub trait TranscriptSink {
    /// Queues a snapshot to be saved encrypted.
    fn save(&mut self, transcript: &Transcript);
    /// A save failure to show, if one happened since the last call.
    fn failure(&mut self) -> Option<String>;
}

/// Skip lengths, rewind on resume and the like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReviewSettings {
    /// How far resuming after a pause goes back, ms.
    pub rewind_ms: u64,
    /// `play.back` / `play.forward`, ms.
    pub skip_ms: u64,
    /// `play.back_long` / `play.forward_long`, ms.
    pub long_skip_ms: u64,
    /// Boundary nudges, ms.
    pub nudge_ms: i64,
    /// Committing a segment plays the next one.
    pub auto_play: bool,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        Self { rewind_ms: 2_000, skip_ms: 1_500, long_skip_ms: 5_000, nudge_ms: 100, auto_play: true }
    }
}

/// A popup over the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// Nothing: keys go to the text and the keymap.
    None,
    /// The key help.
    Help,
    /// Typing a time to jump to.
    Jump(String),
    /// Typing a new name for a speaker.
    Rename {
        /// The speaker being renamed.
        from: String,
        /// The new name so far.
        to: String,
    },
}

/// The review screen's state.
pub struct ReviewApp<P: Playback, S: TranscriptSink> {
    pub(super) player: P,
    sink: S,
    pub(super) transcript: Transcript,
    pub(super) keymap: Keymap,
    pub(super) settings: ReviewSettings,
    /// Session id and participant code, for the title.
    pub(super) session: String,
    pub(super) participant: String,
    pub(super) pauses: Vec<Span>,
    pub(super) markers: Vec<Marker>,
    /// The segment being transcribed.
    pub(super) current: usize,
    /// Cursor in the current segment's text, in chars.
    pub(super) cursor: usize,
    pub(super) speed: f32,
    pub(super) looping: bool,
    pub(super) overlay: Overlay,
    pub(super) status: Option<String>,
    /// Keys type text (always, unless the keymap is modal and in normal mode).
    pub(super) typing: bool,
    dirty_since: Option<Instant>,
    quit: bool,
    /// Renames a speaker in the project's other sessions; returns how many segments changed.
    rename_elsewhere: Option<RenameElsewhere>,
}

/// How the screen reaches the project's other transcripts (they need other keys).
pub type RenameElsewhere = Box<dyn FnMut(&str, &str) -> Result<usize, String>>;

/// Unsaved typing is saved after this long.
const SAVE_EVERY: Duration = Duration::from_secs(3);
/// Playing runs on this far past a segment's end before stopping: the last word's tail.
const END_GRACE_MS: u64 = 300;

impl<P: Playback, S: TranscriptSink> ReviewApp<P, S> {
    /// A screen on `transcript`, with the session's pauses and markers for context.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        player: P,
        sink: S,
        transcript: Transcript,
        keymap: Keymap,
        settings: ReviewSettings,
        (session, participant): (String, String),
        pauses: Vec<Span>,
        mut markers: Vec<Marker>,
    ) -> Self {
        markers.sort_by_key(|m| m.at_ms);
        // A modal keymap (vim) opens in normal mode, where letters are commands.
        let typing = keymap.help(Mode::ReviewNormal).is_empty();
        Self {
            typing,
            player,
            sink,
            transcript,
            keymap,
            settings,
            session,
            participant,
            pauses,
            markers,
            current: 0,
            cursor: 0,
            speed: 1.0,
            looping: false,
            overlay: Overlay::None,
            status: None,
            dirty_since: None,
            quit: false,
            rename_elsewhere: None,
        }
    }

    /// Lets speaker renames reach every session of the project, not just this one.
    pub fn with_project_rename(mut self, rename: RenameElsewhere) -> Self {
        self.rename_elsewhere = Some(rename);
        self
    }

    /// True when the keymap has a normal (command) mode besides typing.
    pub fn is_modal(&self) -> bool {
        !self.keymap.help(Mode::ReviewNormal).is_empty()
    }

    /// The keys in force now: typing's, or normal mode's.
    pub fn active_mode(&self) -> Mode {
        if self.typing { Mode::Review } else { Mode::ReviewNormal }
    }

    /// The transcript as it stands.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The player and the sink, to stop and finish them.
    pub fn into_parts(self) -> (P, S) {
        (self.player, self.sink)
    }

    /// The current segment's text, if there is a segment.
    fn text_mut(&mut self) -> Option<&mut String> {
        self.transcript.segments.get_mut(self.current).map(|s| &mut s.text)
    }

    fn changed(&mut self) {
        self.dirty_since.get_or_insert_with(Instant::now);
    }

    fn save_now(&mut self) {
        self.sink.save(&self.transcript);
        self.dirty_since = None;
    }

    /// Moves to segment `index` and the playhead to its start.
    fn go_to(&mut self, index: usize) {
        let Some(seg) = self.transcript.segments.get(index) else { return };
        let (start, chars) = (seg.start_ms, seg.text.chars().count());
        self.current = index;
        self.cursor = chars;
        self.player.seek_ms(start);
    }

    /// Jumps the playhead, and the current segment with it.
    fn seek(&mut self, ms: u64) {
        let ms = ms.min(self.player.duration_ms());
        self.player.seek_ms(ms);
        self.follow(ms);
    }

    /// Makes the segment at `ms` current (the highlighted segment is the one heard).
    fn follow(&mut self, ms: u64) {
        if let Some(index) = self.transcript.index_at(ms)
            && index != self.current
        {
            self.current = index;
            self.cursor = self.transcript.segments[index].text.chars().count();
        }
    }

    fn toggle_play(&mut self) {
        if self.player.is_playing() {
            self.player.pause();
        } else {
            self.resume();
        }
    }

    /// Plays from a little before where it stopped, so the listener finds the thread again.
    fn resume(&mut self) {
        let position = self.player.position_ms();
        let mut at = position.saturating_sub(self.settings.rewind_ms);
        // Not back into the previous segment: the one being typed stays the one heard.
        if let Some(seg) = self.transcript.segments.get(self.current)
            && position >= seg.start_ms
        {
            at = at.max(seg.start_ms);
        }
        self.player.seek_ms(at);
        self.player.play();
    }

    fn skip(&mut self, delta_ms: i64) {
        let at = self.player.position_ms();
        let to = if delta_ms < 0 { at.saturating_sub(delta_ms.unsigned_abs()) } else { at + delta_ms as u64 };
        self.seek(to);
    }

    fn change_speed(&mut self, delta: f32) {
        // Tenths, so repeated presses land on 1.0 again.
        self.speed = ((self.speed + delta) * 10.0).round().clamp(MIN_SPEED * 10.0, MAX_SPEED * 10.0) / 10.0;
        self.player.set_speed(self.speed);
        self.status = Some(format!("speed {:.1}x", self.speed));
    }

    fn commit(&mut self) {
        if let Some(seg) = self.transcript.segments.get_mut(self.current) {
            seg.done = true;
        }
        self.save_now();
        let (done, total) = self.transcript.progress();
        self.status = Some(format!("saved; {done} of {total} segments done"));
        if self.current + 1 < self.transcript.segments.len() {
            self.go_to(self.current + 1);
            if self.settings.auto_play {
                self.player.play();
            }
        }
    }

    fn set_speaker(&mut self, speaker: String) {
        if let Some(seg) = self.transcript.segments.get_mut(self.current) {
            self.status = Some(format!("speaker {speaker}"));
            seg.speaker = Some(speaker);
            self.changed();
        }
    }

    fn insert(&mut self, text: &str) {
        let cursor = self.cursor;
        let Some(current) = self.text_mut() else { return };
        let at = current.char_indices().nth(cursor).map_or(current.len(), |(i, _)| i);
        current.insert_str(at, text);
        self.cursor += text.chars().count();
        self.changed();
    }

    /// The next (or previous) time in `times` after (before) the playhead.
    fn jump_among(&mut self, times: Vec<u64>, forward: bool, what: &str) {
        let at = self.player.position_ms();
        // A little slack, so pressing again moves on rather than finding the same one.
        let target = if forward {
            times.into_iter().find(|&t| t > at + 300)
        } else {
            times.into_iter().rev().find(|&t| t + 300 < at)
        };
        match target {
            Some(t) => {
                self.seek(t);
                self.status = Some(format!("{what} at {}", clock(t)));
            }
            None => self.status = Some(format!("no {what} {}", if forward { "after this" } else { "before this" })),
        }
    }

    fn marker_times(&self, question: bool) -> Vec<u64> {
        self.markers
            .iter()
            .filter(|m| (m.kind == MarkerKind::Question) == question && m.kind != MarkerKind::Speaker)
            .map(|m| m.at_ms)
            .collect()
    }

    fn edit_segments(&mut self, edit: impl FnOnce(&mut Transcript, usize, u64) -> bool, done: &str) {
        let at = self.player.position_ms();
        let ok = edit(&mut self.transcript, self.current, at);
        self.status = Some(if ok { done.to_string() } else { "not possible here".to_string() });
        if ok {
            self.cursor =
                self.cursor.min(self.transcript.segments.get(self.current).map_or(0, |s| s.text.chars().count()));
            self.save_now();
        }
    }

    fn toggle_identifying(&mut self) {
        let Some(segment) = self.transcript.segments.get_mut(self.current) else { return };
        segment.identifying = !segment.identifying;
        self.status = Some(if segment.identifying {
            "identifying: its text stays out of exports and clips are silent here".to_string()
        } else {
            "no longer marked identifying".to_string()
        });
        self.save_now();
    }

    fn nudge(&mut self, start: bool, earlier: bool) {
        let delta = if earlier { -self.settings.nudge_ms } else { self.settings.nudge_ms };
        let audio = self.player.duration_ms();
        if let Some(to) = self.transcript.nudge(self.current, start, delta, audio) {
            self.status = Some(format!("{} at {}", if start { "start" } else { "end" }, clock(to)));
            self.changed();
        }
    }

    /// Runs a bound action.
    pub fn perform(&mut self, action: Action) {
        match action {
            Action::TogglePlay => self.toggle_play(),
            Action::Play if !self.player.is_playing() => self.resume(),
            Action::Stop => self.player.pause(),
            Action::SkipBack => self.skip(-(self.settings.skip_ms as i64)),
            Action::SkipForward => self.skip(self.settings.skip_ms as i64),
            Action::SkipBackLong => self.skip(-(self.settings.long_skip_ms as i64)),
            Action::SkipForwardLong => self.skip(self.settings.long_skip_ms as i64),
            Action::Slower => self.change_speed(-0.1),
            Action::Faster => self.change_speed(0.1),
            Action::ToggleLoop => {
                self.looping = !self.looping;
                self.status = Some(format!("loop {}", if self.looping { "on" } else { "off" }));
            }
            Action::JumpToTime => self.overlay = Overlay::Jump(String::new()),
            Action::NextSegment => self.go_to((self.current + 1).min(self.transcript.segments.len().saturating_sub(1))),
            Action::PrevSegment => self.go_to(self.current.saturating_sub(1)),
            Action::Commit => self.commit(),
            Action::Split => self.edit_segments(Transcript::split, "split at the playhead"),
            Action::Merge => self.edit_segments(|t, i, _| t.merge_next(i), "joined with the next segment"),
            Action::ToggleIdentifying => self.toggle_identifying(),
            Action::StartEarlier => self.nudge(true, true),
            Action::StartLater => self.nudge(true, false),
            Action::EndEarlier => self.nudge(false, true),
            Action::EndLater => self.nudge(false, false),
            Action::NextMarker => self.jump_among(self.marker_times(false), true, "marker"),
            Action::PrevMarker => self.jump_among(self.marker_times(false), false, "marker"),
            Action::NextQuestion => self.jump_among(self.marker_times(true), true, "question"),
            Action::PrevQuestion => self.jump_among(self.marker_times(true), false, "question"),
            Action::NextPause => self.jump_among(self.pauses.iter().map(|p| p.start_ms).collect(), true, "pause"),
            Action::PrevPause => self.jump_among(self.pauses.iter().map(|p| p.start_ms).collect(), false, "pause"),
            Action::SpeakerInterviewer => self.set_speaker("I".into()),
            Action::SpeakerParticipant => self.set_speaker(self.participant.clone()),
            Action::Speaker(n) => self.set_speaker(format!("L{n}")),
            Action::RenameSpeaker => {
                if let Some(from) = self.transcript.segments.get(self.current).and_then(|s| s.speaker.clone()) {
                    self.overlay = Overlay::Rename { from, to: String::new() };
                } else {
                    self.status = Some("this segment has no speaker to rename".into());
                }
            }
            Action::InsertLaughter => self.insert("[laughter]"),
            Action::InsertSigh => self.insert("[sigh]"),
            Action::InsertInaudible => self.insert(&format!("[inaudible {}]", clock(self.player.position_ms()))),
            Action::InsertOverlap => self.insert("[overlap]"),
            Action::InsertTimestamp => self.insert(&format!("[{}]", clock(self.player.position_ms()))),
            Action::Help => self.overlay = Overlay::Help,
            Action::StartTyping => self.typing = true,
            Action::StopTyping if self.is_modal() => {
                self.typing = false;
                self.status = Some("commands (i types)".into());
            }
            Action::Quit => {
                self.save_now();
                self.quit = true;
            }
            _ => {}
        }
    }

    fn on_key(&mut self, key: KeyEvent) {
        match &mut self.overlay {
            Overlay::Help => self.overlay = Overlay::None,
            Overlay::Jump(typed) => match key.code {
                KeyCode::Enter => {
                    let typed = std::mem::take(typed);
                    self.overlay = Overlay::None;
                    match parse_time(&typed) {
                        Some(ms) => self.seek(ms),
                        None => self.status = Some(format!("{typed:?} is not a time; type e.g. 12:30 or 1:02:03")),
                    }
                }
                KeyCode::Esc => self.overlay = Overlay::None,
                KeyCode::Backspace => {
                    typed.pop();
                }
                KeyCode::Char(c) if c.is_ascii_digit() || c == ':' || c == '.' => typed.push(c),
                _ => {}
            },
            Overlay::Rename { from, to } => match key.code {
                KeyCode::Enter if !to.trim().is_empty() => {
                    let (from, to) = (from.clone(), to.trim().to_string());
                    self.overlay = Overlay::None;
                    let mut renamed = 0;
                    for seg in &mut self.transcript.segments {
                        if seg.speaker.as_deref() == Some(from.as_str()) {
                            seg.speaker = Some(to.clone());
                            renamed += 1;
                        }
                    }
                    self.save_now();
                    let elsewhere = self.rename_elsewhere.as_mut().map(|rename| rename(&from, &to));
                    self.status = Some(match elsewhere {
                        None => format!("{from} is now {to} in {renamed} segments"),
                        Some(Ok(more)) => {
                            format!("{from} is now {to}: {renamed} segments here, {more} in other sessions")
                        }
                        Some(Err(why)) => format!("{from} is now {to} here; NOT in other sessions: {why}"),
                    });
                }
                KeyCode::Esc => self.overlay = Overlay::None,
                KeyCode::Backspace => {
                    to.pop();
                }
                KeyCode::Char(c) if !c.is_control() && to.chars().count() < 24 => to.push(c),
                _ => {}
            },
            Overlay::None if self.typing => match self.keymap.action(Mode::Review, &key) {
                Some(action) => self.perform(action),
                None => self.edit_text(key),
            },
            Overlay::None => {
                // Normal mode: its own keys, then the review keys that are not characters.
                let plain = matches!(key.code, KeyCode::Char(_))
                    && !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
                let action = self
                    .keymap
                    .action(Mode::ReviewNormal, &key)
                    .or_else(|| if plain { None } else { self.keymap.action(Mode::Review, &key) });
                if let Some(action) = action.filter(|a| *a != Action::StopTyping) {
                    self.perform(action);
                }
            }
        }
    }

    /// Typing: characters, Backspace, Delete and cursor movement in the current segment.
    fn edit_text(&mut self, key: KeyEvent) {
        let cursor = self.cursor;
        let Some(text) = self.text_mut() else { return };
        let byte = |t: &String, c: usize| t.char_indices().nth(c).map_or(t.len(), |(i, _)| i);
        let chars = text.chars().count();
        match key.code {
            KeyCode::Char(c) if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                let at = byte(text, cursor);
                text.insert(at, c);
                self.cursor += 1;
            }
            KeyCode::Backspace if cursor > 0 => {
                let at = byte(text, cursor - 1);
                text.remove(at);
                self.cursor -= 1;
            }
            KeyCode::Delete if cursor < chars => {
                let at = byte(text, cursor);
                text.remove(at);
            }
            KeyCode::Left => self.cursor = cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (cursor + 1).min(chars),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = chars,
            _ => return,
        }
        if !matches!(key.code, KeyCode::Left | KeyCode::Right | KeyCode::Home | KeyCode::End) {
            self.changed();
        }
    }

    fn on_tick(&mut self) {
        let at = self.player.position_ms();
        // Segment by segment, as in ELAN's transcription mode: playing stops at the end of the
        // segment being typed (or loops), so the highlighted segment is always the one heard.
        if self.player.is_playing()
            && let Some((start, end)) = self.transcript.segments.get(self.current).map(|s| (s.start_ms, s.end_ms))
        {
            if at < start.saturating_sub(500) || at > end + 2_000 {
                // Moved elsewhere (the end of the audio, a long skip): follow.
                self.follow(at);
            } else if at >= end + END_GRACE_MS {
                if self.looping {
                    self.player.seek_ms(start);
                } else {
                    self.player.pause();
                    self.status = Some("end of the segment: Enter saves and plays the next".into());
                }
            }
        }
        if let Some(problem) = self.player.problem() {
            self.status = Some(problem);
        }
        if let Some(failure) = self.sink.failure() {
            self.status = Some(format!("NOT SAVED: {failure}"));
        }
        if self.dirty_since.is_some_and(|t| t.elapsed() >= SAVE_EVERY) {
            self.save_now();
        }
    }
}

/// `75`, `1:15`, `1:02:03` or `1:15.5` as milliseconds.
pub fn parse_time(text: &str) -> Option<u64> {
    let mut total = 0.0f64;
    for part in text.trim().split(':') {
        let value: f64 = part.parse().ok().filter(|v: &f64| v.is_finite() && *v >= 0.0)?;
        total = total * 60.0 + value;
    }
    Some((total * 1000.0).round() as u64)
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
