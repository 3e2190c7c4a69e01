//! Pause accuracy against a known truth, next to two peers run on the same files in the same
//! run: ffmpeg's `silencedetect` at its best threshold for each file (chosen knowing the truth,
//! which no user can do), and Silero VAD as faster-whisper and noScribe use it (the
//! `silero-vad` wheel's own code, threshold 0.5, 250 ms minimum speech, 100 ms minimum
//! silence, `benches/support/silero_peer.py`).
//!
//! Files: the real-voice rooms of `scripts/rooms` (quiet, office, reverberant, cafe, long
//! echo; takes 1-2, and every fresh set `scripts/rooms 21 31 ...` added to the folder, pooled
//! apart), the espeak fixtures (`tests/fixtures/analysis`) and the demo
//! interview, all at 16 kHz. verbatim reads each through the real encrypted store. A pause
//! matches when both its ends lie within 150 ms of a true one; the median boundary error is
//! over matched pauses.
//! Silences before the first and after the last word are not pauses, for any tool.
//!
//! Run it with `benches/analysis_report.sh` (which prepares the rooms and the Python peer), or
//! `VERBATIM_ROOMS=$(scripts/rooms) cargo bench --bench analysis_accuracy`. Under `cargo test
//! --benches` the sweep takes 4 dB steps; the numbers are the same kind.
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench code: a panic is a failed run

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use support::audio::{
    FIXTURES, analyze_file, finish_ffmpeg, must, read_wav, sox_to_wav, spawn_silencedetect, write_encrypted,
};
use verbatim::analysis::score::{Score, boundary_errors, pool, score};
use verbatim::crypto::{self, Identity};
use verbatim::model::{Ms, Span};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/demo");
const TOLERANCE_MS: u64 = 150;
/// ffmpeg's noise thresholds swept for its best case (dBFS).
const SWEEP_DB: std::ops::RangeInclusive<i32> = -70..=-14;

/// One file's result for one tool.
struct Outcome {
    score: Score,
    errors: Vec<u64>,
}

impl Outcome {
    fn of(found: &[Span], truth: &[Span]) -> Self {
        Self { score: score(found, truth, TOLERANCE_MS), errors: boundary_errors(found, truth, TOLERANCE_MS) }
    }
}

/// One recording with a known truth and every tool's result on it.
struct Case {
    room: String,
    name: String,
    /// From a fresh set of rooms (take 3 or later), not from takes 1-2.
    fresh: bool,
    ours: Outcome,
    ffmpeg: (i32, Outcome),
    silero: Outcome,
}

/// The pauses of a truth file (`pauses`, in ms); `drop_ends` removes the lead-in and tail.
fn load_truth(path: &Path, drop_ends: bool) -> Vec<Span> {
    let json: serde_json::Value =
        must(serde_json::from_str(&must(fs::read_to_string(path), "reading a truth")), "a truth");
    let mut pauses: Vec<Span> = must(serde_json::from_value(json["pauses"].clone()), "the truth's pauses");
    if drop_ends {
        pauses.remove(0);
        pauses.pop();
    }
    pauses
}

/// Gaps of at least 200 ms between speech spans: the pauses of a detector that reports speech.
fn gaps(speech: &[Span]) -> Vec<Span> {
    speech.windows(2).map(|w| Span::ms(w[0].end.0, w[1].start.0)).filter(|g| g.len() >= Ms(200)).collect()
}

/// The silences in a silencedetect log that lie between sounds (not the lead-in or the tail).
fn silences(log: &str) -> Vec<Span> {
    let value = |line: &str, key: &str| -> Option<u64> {
        let rest = &line[line.find(key)? + key.len()..];
        let seconds: f64 = rest.split_whitespace().next()?.parse().ok()?;
        Some((seconds.max(0.0) * 1000.0).round() as u64)
    };
    let mut found = Vec::new();
    let mut open = None;
    for line in log.lines() {
        if let Some(start) = value(line, "silence_start:") {
            open = Some(start);
        } else if let (Some(end), Some(start)) = (value(line, "silence_end:"), open.take()) {
            found.push(Span::ms(start, end));
        }
    }
    // A silence from 0 is the lead-in; one never closed is the tail: neither is a pause.
    found.retain(|s| s.start > Ms::ZERO);
    found
}

/// The Silero peer's speech spans for each file, from one Python process.
fn silero_speech(wavs: &[PathBuf]) -> Vec<Vec<Span>> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(&std::env::var_os("HOME").expect("HOME")).join(".cache"));
    let python = cache.join("verbatim-py/bin/python");
    let wheel = cache.join("verbatim-silero-vad-6.2.3");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/support/silero_peer.py");
    let out = must(
        Command::new(&python).arg(script).arg(&wheel).args(wavs).output(),
        "running the Silero peer (scripts/rooms)",
    );
    assert!(out.status.success(), "the Silero peer failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("the peer prints UTF-8");
    text.lines()
        .map(|line| {
            let json: serde_json::Value = must(serde_json::from_str(line), "the peer's JSON");
            let spans = json["speech"].as_array().expect("speech spans");
            spans.iter().map(|s| Span::ms(s[0].as_u64().unwrap(), s[1].as_u64().unwrap())).collect()
        })
        .collect()
}

/// The takes of `room` in the fixture folder, in order: 1 and 2, and any fresh sets
/// (`scripts/rooms 21 31 ...`).
fn takes(rooms: &Path, room: &str) -> Vec<u32> {
    let prefix = format!("{room}-");
    let mut takes: Vec<u32> = must(fs::read_dir(rooms), "reading the rooms folder")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_prefix(&prefix)?.strip_suffix(".flac")?.parse().ok()
        })
        .collect();
    takes.sort_unstable();
    takes
}

/// Every file: (room, name, source, truth, whether it is from a fresh set).
fn sources() -> Vec<(String, String, PathBuf, Vec<Span>, bool)> {
    let mut out = Vec::new();
    let rooms = std::env::var_os("VERBATIM_ROOMS").map(PathBuf::from).expect("set VERBATIM_ROOMS=$(scripts/rooms)");
    for room in ["quiet", "office", "reverb", "cafe", "echo"] {
        for take in takes(&rooms, room) {
            let flac = rooms.join(format!("{room}-{take}.flac"));
            out.push((
                room.into(),
                format!("{room}-{take}"),
                flac.clone(),
                load_truth(&flac.with_extension("json"), false),
                take > 2,
            ));
        }
    }
    for floor in ["quiet", "office"] {
        let truth = load_truth(&Path::new(FIXTURES).join("truth.json"), false);
        out.push((
            "espeak".into(),
            format!("espeak-{floor}"),
            Path::new(FIXTURES).join(format!("{floor}.flac")),
            truth,
            false,
        ));
    }
    let demo_truth = load_truth(&Path::new(DEMO).join("interview.truth.json"), true);
    out.push(("espeak".into(), "demo-interview".into(), Path::new(DEMO).join("interview.wav"), demo_truth, false));
    out
}

fn measure(dir: &Path, identity: &Identity, step_db: usize) -> Vec<Case> {
    let sources = sources();
    let mut wavs = Vec::new();
    let mut ours = Vec::new();
    for (_, name, source, truth, _) in &sources {
        let wav = dir.join(format!("{name}.wav"));
        sox_to_wav(source, 16_000, &wav);
        let (spec, pcm) = read_wav(&wav);
        let encrypted = dir.join(format!("{name}.age"));
        write_encrypted(&encrypted, &identity.to_public(), spec, &pcm);
        ours.push(Outcome::of(&analyze_file(&encrypted, identity).pauses, truth));
        wavs.push(wav);
    }
    let silero = silero_speech(&wavs);
    let mut best: Vec<Option<(i32, Outcome)>> = sources.iter().map(|_| None).collect();
    for db in SWEEP_DB.step_by(step_db) {
        let children: Vec<Child> = wavs.iter().map(|w| spawn_silencedetect(w, db)).collect();
        for ((child, (_, _, _, truth, _)), best) in children.into_iter().zip(&sources).zip(&mut best) {
            let result = Outcome::of(&silences(&finish_ffmpeg(child)), truth);
            if best.as_ref().is_none_or(|(_, b)| result.score.f1() > b.score.f1()) {
                *best = Some((db, result));
            }
        }
    }
    sources
        .into_iter()
        .zip(ours)
        .zip(silero)
        .zip(best)
        .map(|((((room, name, _, truth, fresh), ours), speech), ffmpeg)| Case {
            fresh,
            room,
            name,
            ours,
            ffmpeg: ffmpeg.expect("at least one threshold"),
            silero: Outcome::of(&gaps(&speech), &truth),
        })
        .collect()
}

fn cell(results: &[&Outcome]) -> String {
    let s = pool(results.iter().map(|r| (&r.score, r.errors.as_slice())));
    let median = s.median_error_ms.map_or("-".into(), |m| format!("{m} ms"));
    format!("{:.3} (P {:.2} R {:.2}, {:>6})", s.f1(), s.precision(), s.recall(), median)
}

fn print(cases: &[Case]) {
    eprintln!(
        "\n=== pause accuracy at 16 kHz: F1 (precision, recall, median boundary error), both ends within {TOLERANCE_MS} ms ==="
    );
    eprintln!(
        "{:<16} {:<36} {:<44} Silero VAD peer (0.5/250/100)",
        "file", "verbatim (one setting)", "ffmpeg silencedetect, best n for the file"
    );
    for c in cases {
        let ffmpeg = format!("{} at {} dB", cell(&[&c.ffmpeg.1]), c.ffmpeg.0);
        eprintln!("{:<16} {:<36} {:<44} {}", c.name, cell(&[&c.ours]), ffmpeg, cell(&[&c.silero]));
    }
    let developed_on = |c: &&Case| !c.fresh;
    eprintln!("--- per room, takes 1-2 (the set the detector was developed on) together ---");
    print_pooled(&cases.iter().filter(developed_on).collect::<Vec<_>>());
    if cases.iter().any(|c| c.fresh) {
        eprintln!("--- per room, every take (takes 1-2 and the fresh sets) together ---");
        print_pooled(&cases.iter().collect::<Vec<_>>());
    }
}

/// One line per room, its files pooled.
fn print_pooled(cases: &[&Case]) {
    let mut rooms: Vec<&str> = cases.iter().map(|c| c.room.as_str()).collect();
    rooms.dedup();
    for room in rooms {
        let of = |pick: fn(&Case) -> &Outcome| {
            cell(&cases.iter().filter(|c| c.room == room).map(|c| pick(c)).collect::<Vec<_>>())
        };
        eprintln!("{:<16} {:<36} {:<44} {}", room, of(|c| &c.ours), of(|c| &c.ffmpeg.1), of(|c| &c.silero));
    }
}

fn main() {
    if support::listing_only() {
        return;
    }
    let step_db = if support::full_run() { 1 } else { 4 };
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    must(fs::create_dir_all(base), "creating the target tmp folder");
    let dir = must(tempfile::Builder::new().prefix("accuracy-bench-").tempdir_in(base), "creating the bench folder");
    let cases = measure(dir.path(), &crypto::generate_identity(), step_db);
    print(&cases);
}
