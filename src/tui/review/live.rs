//! The real player and saver behind the review screen.

use std::sync::Arc;

use super::{Playback, TranscriptSink};
use crate::audio::player::{PlaybackProblem, Player, PlayerCommand};
use crate::model::{Ms, Transcript};
use crate::session::transcript::TranscriptSaver;
use crate::store::{SaverEvent, SealedError};

/// The player, with the few things the screen asks that it keeps itself.
pub struct LivePlayback {
    player: Player,
    duration: Ms,
}

impl LivePlayback {
    /// Wraps a started player for audio of `duration`.
    pub fn new(player: Player, duration: Ms) -> Self {
        Self { player, duration }
    }
}

impl Playback for LivePlayback {
    fn position(&self) -> Ms {
        self.player.time()
    }
    fn duration(&self) -> Ms {
        self.duration
    }
    fn is_playing(&self) -> bool {
        self.player.is_playing()
    }
    fn play(&mut self) {
        self.player.send(PlayerCommand::Play);
    }
    fn pause(&mut self) {
        self.player.send(PlayerCommand::Pause);
    }
    fn seek(&mut self, at: Ms) {
        self.player.send(PlayerCommand::Seek(at.frame_floor(self.player.rate())));
    }
    fn set_speed(&mut self, speed: f32) {
        self.player.send(PlayerCommand::Speed(speed));
    }
    fn problem(&self) -> Option<PlaybackProblem> {
        self.player.problem()
    }
}

impl TranscriptSink for TranscriptSaver {
    fn save(&mut self, transcript: &Transcript) {
        TranscriptSaver::save(self, transcript);
    }
    fn failure(&mut self) -> Option<Arc<SealedError>> {
        let mut failure = None;
        while let Some(event) = self.poll() {
            match event {
                SaverEvent::Failed(why) => failure = Some(why),
                SaverEvent::Saved(_) => failure = None,
            }
        }
        failure
    }
}
