//! The real player and saver behind the review screen.

use super::review::{Playback, TranscriptSink};
use crate::audio::player::{Player, PlayerCommand};
use crate::session::saver::SaverEvent;
use crate::session::transcript::{Transcript, TranscriptSaver};

/// The player, with the few things the screen asks that it keeps itself.
pub struct LivePlayback {
    player: Player,
    duration_ms: u64,
}

impl LivePlayback {
    /// Wraps a started player for audio of `duration_ms`.
    pub fn new(player: Player, duration_ms: u64) -> Self {
        Self { player, duration_ms }
    }
}

impl Playback for LivePlayback {
    fn position_ms(&self) -> u64 {
        self.player.position_ms()
    }
    fn duration_ms(&self) -> u64 {
        self.duration_ms
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
    fn seek_ms(&mut self, ms: u64) {
        let frame = ms * u64::from(self.player.rate()) / 1000;
        self.player.send(PlayerCommand::Seek(frame));
    }
    fn set_speed(&mut self, speed: f32) {
        self.player.send(PlayerCommand::Speed(speed));
    }
    fn problem(&self) -> Option<String> {
        self.player.problem()
    }
}

impl TranscriptSink for TranscriptSaver {
    fn save(&mut self, transcript: &Transcript) {
        TranscriptSaver::save(self, transcript);
    }
    fn failure(&mut self) -> Option<String> {
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
