//! `verbatim play`: the session's audio through the output device, without a screen.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use verbatim::audio::player::{Player, PlayerCommand};
use verbatim::audio::store::EncryptedAudioReader;
use verbatim::session::SessionDir;

use super::commands::{clock, unlock};

/// What to play, and how.
pub struct PlayOptions<'a> {
    /// The project folder.
    pub dir: &'a Path,
    /// The session id.
    pub session: &'a str,
    /// Where to start.
    pub from: Option<Duration>,
    /// Playback speed, 0.5-2.0.
    pub speed: f32,
    /// Stop after this long (wall clock).
    pub max_duration: Option<Duration>,
    /// The output device.
    pub device: Option<&'a str>,
}

/// Plays until the end, `--for`, or Ctrl+C.
pub fn play(options: PlayOptions) -> Result<ExitCode> {
    if !(0.5..=2.0).contains(&options.speed) {
        bail!("--speed {} is out of range; use 0.5 to 2.0", options.speed);
    }
    let mut keyring = unlock(options.dir)?;
    let session = SessionDir::find(keyring.project(), options.session)?;
    let identity = keyring.participant(&session.participant)?.clone();
    let reader = EncryptedAudioReader::open(&session.audio_path(), &identity)?;
    let rate = reader.spec().sample_rate;
    let player = Player::start(reader, options.device)?;
    let start_frame = options.from.map_or(0, |d| (d.as_secs_f64() * f64::from(rate)) as u64);
    player.send(PlayerCommand::Seek(start_frame));
    player.send(PlayerCommand::Speed(options.speed));
    player.send(PlayerCommand::Play);
    eprintln!(
        "Playing {} from {} at {}x (Ctrl+C stops).",
        session.id,
        clock(start_frame * 1000 / u64::from(rate.max(1))),
        options.speed
    );
    let started = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(50));
        if let Some(problem) = player.problem() {
            bail!("playback stopped: {problem}");
        }
        if player.ended() || options.max_duration.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
    }
    let at = player.position_ms();
    player.send(PlayerCommand::Pause);
    say!("Stopped at {} ({} underruns).", clock(at), player.underruns());
    Ok(ExitCode::SUCCESS)
}
