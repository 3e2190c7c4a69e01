//! `verbatim record`: headless recording (the recording screen builds on the same session).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use verbatim::project::Project;
use verbatim::session::RecordingSession;

/// How often headless mode prints a progress line.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Options of `verbatim record`.
pub struct RecordOptions<'a> {
    pub dir: &'a Path,
    pub participant: &'a str,
    pub input_file: Option<&'a Path>,
    pub headless: bool,
    pub max_duration: Option<Duration>,
}

pub fn record(opts: RecordOptions<'_>) -> Result<ExitCode> {
    let project = Project::open(opts.dir)?;
    project.require_participant(opts.participant)?;
    let Some(input) = opts.input_file else {
        bail!("live microphone capture is not available in this build yet; use --input-file FILE.wav");
    };
    if !opts.headless {
        bail!("the recording screen is not available in this build yet; add --headless");
    }
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::Release))?;
    let recording = RecordingSession::start_from_file(&project, opts.participant, input)?;
    let spec = recording.spec();
    println!(
        "Recording session {} from {} ({} Hz, {} ch). Ctrl+C stops.",
        recording.id(),
        input.display(),
        spec.sample_rate,
        spec.channels
    );
    let started = Instant::now();
    loop {
        std::thread::sleep(PROGRESS_EVERY);
        let stats = recording.stats();
        let captured = stats.frames_captured.load(Ordering::Relaxed);
        let peak = stats.take_peak();
        let peak_db = if peak > 0.0 { 20.0 * peak.log10() } else { f32::NEG_INFINITY };
        println!(
            "rec {:>8.2}s captured={captured} dropped={} peak={peak_db:.1}dBFS",
            captured as f64 / f64::from(spec.sample_rate),
            stats.dropped_frames()
        );
        let timed_out = opts.max_duration.is_some_and(|d| started.elapsed() >= d);
        if timed_out || recording.input_ended() || interrupted.load(Ordering::Acquire) || recording.writer_stopped() {
            break;
        }
    }
    let meta = recording.finish()?;
    println!(
        "Stopped. Session {}: {:.1} s recorded, {} frames dropped.",
        meta.id,
        meta.duration_ms() as f64 / 1000.0,
        meta.dropped_frames
    );
    Ok(ExitCode::SUCCESS)
}

/// Parses `90s`, `2m`, `1h30m`, `1.5s` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration; write e.g. 90s, 2m or 1h30m");
    let mut total = 0.0f64;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => return Err(bad()),
        };
        total += number.parse::<f64>().map_err(|_| bad())? * unit;
        number.clear();
    }
    if !number.is_empty() {
        total += number.parse::<f64>().map_err(|_| bad())?;
    }
    if total <= 0.0 {
        return Err(bad());
    }
    Duration::try_from_secs_f64(total).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_the_forms_people_type() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("12"), Ok(Duration::from_secs(12)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("99999999999999999999999h").is_err());
    }
}
