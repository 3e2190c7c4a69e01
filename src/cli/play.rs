//! `verbatim play DIR SESSION`: the session's audio through the output device, without a screen.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use verbatim::audio::player::{Player, PlayerCommand};
use verbatim::model::Ms;
use verbatim::session::Opened;

use super::args::{self, SessionArg};
use super::{open, ui};

/// Play a session's audio through the speakers.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: SessionArg,
    /// Where to start, e.g. 90s, 2m30s or 1:02:03.
    #[arg(long, value_name = "TIME", value_parser = args::time)]
    from: Option<Ms>,
    /// Speed, 0.5 to 2.0; the pitch stays.
    #[arg(long, default_value_t = 1.0)]
    speed: f32,
    /// Stop after this long.
    #[arg(long = "for", value_name = "DURATION", value_parser = args::positive_length)]
    for_duration: Option<Ms>,
    /// The output device (default: the system's output).
    #[arg(long, value_name = "NAME")]
    device: Option<String>,
}

/// Plays until the end, `--for`, or Ctrl+C.
pub fn run(args: Args) -> Result<ExitCode> {
    if !(0.5..=2.0).contains(&args.speed) {
        bail!("--speed {} is out of range; use 0.5 to 2.0", args.speed);
    }
    let mut keyring = open::unlock(&args.target.project.dir)?;
    let session = Opened::find(&mut keyring, &args.target.session)?;
    let reader = session.audio()?;
    let rate = reader.spec().sample_rate;
    let player = Player::start(reader, args.device.as_deref())?;
    let start = args.from.unwrap_or(Ms::ZERO);
    let start_frame = start.frame_floor(rate);
    player.send(PlayerCommand::Seek(start_frame));
    player.send(PlayerCommand::Speed(args.speed));
    player.send(PlayerCommand::Play);
    ui::note(&format!(
        "Playing {} from {:.1} at {}x (Ctrl+C stops).",
        session.id(),
        Ms::of_frames(start_frame, rate),
        args.speed
    ));
    let started = Instant::now();
    let limit = args.for_duration.map(Ms::to_duration);
    loop {
        std::thread::sleep(Duration::from_millis(50));
        if let Some(problem) = player.problem() {
            bail!("playback stopped: {problem}");
        }
        if player.ended() || limit.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
    }
    let at = player.time();
    player.send(PlayerCommand::Pause);
    say!("Stopped at {at:.1} ({} underruns).", player.underruns());
    Ok(ExitCode::SUCCESS)
}
