//! Real playback through cpal's PulseAudio host, with no sound card: `verbatim play` into a
//! private daemon's null sink while `parecord` records its monitor. At 1.0x the recording is
//! the session's audio from the asked position; at 1.5x a tone keeps its pitch and the time
//! shrinks to 1/1.5.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::pulse::{MONITOR, NullSink};
use common::*;

const RATE: u32 = 16_000;

fn sink() -> NullSink {
    NullSink::start().expect("PulseAudio must be installed for playback tests (scripts/system-packages does it)")
}

/// Plays with `args` into the null sink while recording its monitor; returns the recording
/// (mono f32 at RATE).
fn play_and_record(sink: &NullSink, s: &Scratch, id: &str, args: &[&str]) -> Vec<f32> {
    let raw = s.path("monitor.raw");
    let mut recorder = sink
        .command("parecord")
        .args([
            "--raw",
            "--format=s16le",
            "--channels=1",
            "--latency-msec=20",
            &format!("--rate={RATE}"),
            &format!("--device={MONITOR}"),
        ])
        .arg(&raw)
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn parecord (Debian: pulseaudio-utils)");
    std::thread::sleep(Duration::from_millis(500));
    let out = sink
        .command(env!("CARGO_BIN_EXE_verbatim"))
        .env("VERBATIM_PASSPHRASE", PASS)
        .arg("play")
        .arg(s.project())
        .arg(id)
        .args(args)
        .output()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let _ = recorder.kill();
    let _ = recorder.wait();
    assert!(out.status.success(), "play failed: {}\n{}", String::from_utf8_lossy(&out.stderr), sink.log());
    std::fs::read(&raw)
        .unwrap()
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect()
}

fn samples(wav: &Path) -> Vec<f32> {
    hound::WavReader::open(wav).unwrap().samples::<i16>().map(|s| f32::from(s.unwrap()) / 32768.0).collect()
}

/// Normalised cross-correlation of `needle` against `hay` at `offset`.
fn ncc(hay: &[f32], needle: &[f32], offset: usize) -> f32 {
    let h = &hay[offset..offset + needle.len()];
    let dot: f32 = h.iter().zip(needle).map(|(a, b)| a * b).sum();
    let norm = (h.iter().map(|a| a * a).sum::<f32>() * needle.iter().map(|b| b * b).sum::<f32>()).sqrt();
    if norm == 0.0 { 0.0 } else { dot / norm }
}

/// Where in the recording `needle` sits best, and how well.
fn best_match(hay: &[f32], needle: &[f32]) -> (usize, f32) {
    let last = hay.len().saturating_sub(needle.len());
    let best = |range: Vec<usize>| {
        range.into_iter().map(|o| (o, ncc(hay, needle, o))).fold((0, -1.0), |b, x| if x.1 > b.1 { x } else { b })
    };
    // Coarse, then every sample around the best coarse offset.
    let (coarse, _) = best((0..last).step_by(4).collect());
    best((coarse.saturating_sub(4)..(coarse + 5).min(last)).collect())
}

/// The non-silent part of a recording: first and last sample above -40 dBFS.
fn sounding(x: &[f32]) -> &[f32] {
    let loud = |v: &f32| v.abs() > 0.01;
    let first = x.iter().position(loud).unwrap_or(0);
    let last = x.iter().rposition(loud).unwrap_or(0);
    &x[first..=last.max(first)]
}

fn frequency(x: &[f32]) -> f32 {
    let middle = &x[x.len() / 4..x.len() * 3 / 4];
    let ups: Vec<usize> = (1..middle.len()).filter(|&i| middle[i - 1] < 0.0 && middle[i] >= 0.0).collect();
    (ups.len() - 1) as f32 * RATE as f32 / (ups[ups.len() - 1] - ups[0]) as f32
}

#[test]
fn normal_speed_plays_the_session_from_the_asked_position() {
    let sink = sink();
    let s = Scratch::new();
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.wav");
    let id = s.import(&demo);
    let recorded = play_and_record(&sink, &s, &id, &["--from", "10s", "--for", "3s"]);
    let original = samples(&demo);
    // The recording holds silence, then the session from 10 s: find 1 s of it from 10.5 s.
    let needle = &original[(10.5 * RATE as f32) as usize..(11.5 * RATE as f32) as usize];
    let (at, score) = best_match(&recorded, needle);
    eprintln!("1 s from 10.5 s found in the recording with NCC {score:.3}");
    assert!(score > 0.95, "1 s from 10.5 s should be in the recording (NCC {score})");
    // And nothing from before 10 s was played: 0.4 s from 9.5 s is not there.
    let before = &original[(9.5 * RATE as f32) as usize..(9.9 * RATE as f32) as usize];
    assert!(best_match(&recorded, before).1 < 0.6, "audio from before --from was played");
    let played_from = sounding(&recorded);
    let lead = recorded.len() - played_from.len();
    assert!(at > lead.saturating_sub(RATE as usize), "offset {at} lead {lead}");
}

#[test]
fn one_and_a_half_times_keeps_the_pitch_and_shrinks_the_time() {
    let sink = sink();
    let s = Scratch::new();
    let tone = s.path("tone.wav");
    tool(
        "sox",
        &[
            "-n",
            "-r",
            "48000",
            "-b",
            "16",
            "-c",
            "1",
            tone.to_str().unwrap(),
            "synth",
            "6",
            "sine",
            "440",
            "gain",
            "-6",
        ],
    );
    let id = s.import(&tone);
    let recorded = play_and_record(&sink, &s, &id, &["--speed", "1.5"]);
    let heard = sounding(&recorded);
    let hz = frequency(heard);
    let seconds = heard.len() as f32 / RATE as f32;
    eprintln!("1.5x: {hz:.1} Hz for {seconds:.3} s (440 Hz for 4 s expected)");
    assert!((hz / 440.0 - 1.0).abs() < 0.02, "pitch {hz} Hz, not 440 Hz");
    assert!((seconds / 4.0 - 1.0).abs() < 0.03, "played for {seconds} s, not 6 / 1.5 = 4 s");
}
