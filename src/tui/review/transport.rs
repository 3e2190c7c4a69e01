//! The review screen's transport: the player, played segment by segment as in ELAN's
//! transcription mode, with skips, speed, a loop, and a little rewind on every resume.

use crate::audio::playback::{MAX_SPEED, MIN_SPEED};
use crate::audio::player::PlaybackProblem;
use crate::model::{Ms, Span};

/// What the review screen needs from a player.
pub trait Playback {
    /// The position being heard.
    fn position(&self) -> Ms;
    /// Length of the audio.
    fn duration(&self) -> Ms;
    /// True while playing.
    fn is_playing(&self) -> bool;
    /// Starts playing from the position.
    fn play(&mut self);
    /// Stops playing, keeping the position.
    fn pause(&mut self);
    /// Jumps to `at`.
    fn seek(&mut self, at: Ms);
    /// Sets the speed (0.5-2.0).
    fn set_speed(&mut self, speed: f32);
    /// A problem to show (a failed device, unreadable audio).
    fn problem(&self) -> Option<PlaybackProblem>;
}

/// Skip lengths, rewind on resume and the like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReviewSettings {
    /// How far resuming after a pause goes back.
    pub rewind: Ms,
    /// `play.back` / `play.forward`.
    pub skip: Ms,
    /// `play.back_long` / `play.forward_long`.
    pub long_skip: Ms,
    /// Boundary nudges, ms.
    pub nudge_ms: i64,
    /// Committing a segment plays the next one.
    pub auto_play: bool,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        Self { rewind: Ms(2_000), skip: Ms(1_500), long_skip: Ms(5_000), nudge_ms: 100, auto_play: true }
    }
}

/// Playing runs on this far past a segment's end before stopping: the last word's tail.
const END_GRACE: Ms = Ms(300);

/// What happened at a tick while playing the segment being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tick {
    /// Nothing to do.
    Playing,
    /// The playhead went elsewhere (the end of the audio, a long skip): follow it there.
    Moved(Ms),
    /// The segment's end was reached and playing stopped.
    StoppedAtEnd,
}

/// The player with the screen's way of playing it.
pub(super) struct Transport<P: Playback> {
    pub(super) player: P,
    speed: f32,
    looping: bool,
}

impl<P: Playback> Transport<P> {
    pub(super) fn new(player: P) -> Self {
        Self { player, speed: 1.0, looping: false }
    }

    pub(super) fn speed(&self) -> f32 {
        self.speed
    }

    pub(super) fn looping(&self) -> bool {
        self.looping
    }

    /// Jumps to `at`, kept within the audio; returns where it went.
    pub(super) fn seek(&mut self, at: Ms) -> Ms {
        let at = at.min(self.player.duration());
        self.player.seek(at);
        at
    }

    /// Plays from a little before where it stopped, so the listener finds the thread again,
    /// but not back into the segment before `current`: the one being typed stays the one heard.
    pub(super) fn resume(&mut self, current: Option<Span>, rewind: Ms) {
        let position = self.player.position();
        let mut at = position.saturating_sub(rewind);
        if let Some(segment) = current
            && position >= segment.start
        {
            at = at.max(segment.start);
        }
        self.player.seek(at);
        self.player.play();
    }

    pub(super) fn toggle(&mut self, current: Option<Span>, rewind: Ms) {
        if self.player.is_playing() {
            self.player.pause();
        } else {
            self.resume(current, rewind);
        }
    }

    /// Moves the playhead by `delta` (back if `back`); returns where it went.
    pub(super) fn skip(&mut self, delta: Ms, back: bool) -> Ms {
        let at = self.player.position();
        self.seek(if back { at.saturating_sub(delta) } else { at.saturating_add(delta) })
    }

    /// Changes the speed by `delta`, in tenths so repeated presses land on 1.0 again.
    pub(super) fn change_speed(&mut self, delta: f32) -> f32 {
        self.speed = ((self.speed + delta) * 10.0).round().clamp(MIN_SPEED * 10.0, MAX_SPEED * 10.0) / 10.0;
        self.player.set_speed(self.speed);
        self.speed
    }

    pub(super) fn toggle_loop(&mut self) -> bool {
        self.looping = !self.looping;
        self.looping
    }

    /// Keeps playing within `current`: stops (or loops) at its end, and reports a playhead
    /// that went elsewhere.
    pub(super) fn tick(&mut self, current: Option<Span>) -> Tick {
        let Some(segment) = current.filter(|_| self.player.is_playing()) else { return Tick::Playing };
        let at = self.player.position();
        if at < segment.start.saturating_sub(Ms(500)) || at > segment.end.saturating_add(Ms(2_000)) {
            return Tick::Moved(at);
        }
        if at >= segment.end.saturating_add(END_GRACE) {
            if self.looping {
                self.player.seek(segment.start);
            } else {
                self.player.pause();
                return Tick::StoppedAtEnd;
            }
        }
        Tick::Playing
    }
}
