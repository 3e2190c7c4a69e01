//! Crash safety: a recording killed with SIGKILL at random moments loses at most about one
//! age chunk, and `recover` returns an exact prefix of what was played into it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use rand::{Rng, SeedableRng};
use verbatim::audio::store::EncryptedAudioReader;
use verbatim::crypto::SecretString;
use verbatim::project::Project;
use verbatim::session::{self, RecoverOutcome, SessionDir, SessionStatus};

/// Frames in one 64 KiB age chunk of 48 kHz mono 16-bit audio (0.68 s).
const CHUNK_FRAMES: u64 = 32_768;
/// Allowance for the writer's 50 ms nap and thread scheduling between capture and write.
const SLACK_FRAMES: u64 = 4_800;

struct Killed {
    session: String,
    /// The frames captured at the moment of the kill: the last progress line plus the real time
    /// between reading it and the kill. It errs low only by the pipe's latency (microseconds).
    captured_at_kill: u64,
}

fn record_and_kill(s: &Scratch, input: &std::path::Path, after: Duration) -> Killed {
    let mut child = verbatim()
        .arg("record")
        .arg(s.project())
        .args(["--participant", "P01", "--headless", "--input-file"])
        .arg(input)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn record");
    let stdout = child.stdout.take().expect("stdout");
    let lines = Arc::new(Mutex::new(Vec::<(std::time::Instant, String)>::new()));
    let sink = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            sink.lock().unwrap().push((std::time::Instant::now(), line));
        }
    });
    std::thread::sleep(after);
    // Snapshot what the recorder had reported *before* the kill: the loss bound is against it.
    let seen = lines.lock().unwrap().clone();
    let kill_time = std::time::Instant::now();
    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix
    child.wait().unwrap();
    reader.join().unwrap();
    let session = seen
        .iter()
        .find_map(|(_, l)| l.strip_prefix("Recording session ").and_then(|r| r.split_whitespace().next()))
        .unwrap_or_else(|| panic!("no session line in {seen:?}"))
        .to_string();
    let captured_at_kill = seen
        .iter()
        .rev()
        .find_map(|(at, l)| {
            let n: u64 = l.split_whitespace().find_map(|w| w.strip_prefix("captured="))?.parse().ok()?;
            // The line was printed before we read it, so this never overestimates.
            Some(n + (kill_time.duration_since(*at).as_secs_f64() * 48_000.0) as u64)
        })
        .unwrap_or(0);
    Killed { session, captured_at_kill }
}

#[test]
fn sigkill_at_ten_random_points_loses_at_most_one_chunk_and_recovers_an_exact_prefix() {
    let s = Scratch::new();
    let input = s.path("ref.wav");
    tool(
        "sox",
        &["-n", "-r", "48000", "-b", "16", "-c", "1", input.to_str().unwrap(), "synth", "6", "pinknoise", "vol", "0.5"],
    );
    let reference: Vec<u8> = wav_data(&input);

    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_2026);
    let mut killed = Vec::new();
    for _ in 0..10 {
        let after = Duration::from_millis(rng.random_range(150..4_500));
        killed.push((after, record_and_kill(&s, &input, after)));
    }

    let project = Project::open(&s.project()).unwrap();
    let mut keyring = project.unlock(&SecretString::from(PASS.to_string())).unwrap();
    let identity = keyring.participant(&code("P01")).unwrap().clone();
    for (after, k) in &killed {
        let dir = SessionDir::find(&project, &session_id(&k.session)).unwrap();
        let summary = dir.summary(&identity).unwrap();
        assert_eq!(summary.state, SessionStatus::Interrupted, "a killed recording must show as interrupted");
        let (outcome, meta) = session::recover(&mut keyring, &dir).unwrap();
        assert!(matches!(outcome, RecoverOutcome::Salvaged { .. }), "{outcome:?}");
        let mut reader = EncryptedAudioReader::open(&dir.audio_path(), &identity).unwrap();
        let mut pcm = vec![0u8; reader.frames() as usize * 2];
        let frames = reader.read_pcm(&mut pcm).unwrap() as u64;
        assert_eq!(frames, meta.frames);
        assert!(pcm[..] == reference[..pcm.len()], "killed after {after:?}: recovered audio is not an exact prefix");
        let floor = k.captured_at_kill.saturating_sub(CHUNK_FRAMES + SLACK_FRAMES);
        assert!(
            frames >= floor,
            "killed after {after:?}: recovered {frames} frames, but {} had been captured before the kill (allowed loss {} frames)",
            k.captured_at_kill,
            CHUNK_FRAMES + SLACK_FRAMES
        );
        eprintln!(
            "killed after {:>5} ms: captured≈{:>6} recovered={:>6} loss≈{:>5} frames ({:.0} ms)",
            after.as_millis(),
            k.captured_at_kill,
            frames,
            k.captured_at_kill.saturating_sub(frames),
            k.captured_at_kill.saturating_sub(frames) as f64 / 48.0
        );
    }

    // The command-line path says what it did, and a second run finds nothing to do.
    let first = &killed[0].1.session;
    let out = ok(verbatim().arg("recover").arg(s.project()).arg(first));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is intact"), "{}", String::from_utf8_lossy(&out.stdout));
    let verify = verbatim().arg("verify").arg(s.project()).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}

#[test]
fn recover_via_cli_reports_what_was_lost() {
    let s = Scratch::new();
    let input = s.path("ref.wav");
    tool("sox", &["-n", "-r", "48000", "-b", "16", "-c", "1", input.to_str().unwrap(), "synth", "3", "sine", "440"]);
    let k = record_and_kill(&s, &input, Duration::from_millis(1_800));
    let listing = String::from_utf8(ok(verbatim().arg("sessions").arg(s.project())).stdout).unwrap();
    assert!(listing.contains("interrupted") && listing.contains("verbatim recover"), "{listing}");
    let decrypt = fails(verbatim().arg("decrypt").arg(s.project()).arg(&k.session).arg("-o").arg(s.path("x.wav")));
    assert!(decrypt.contains("interrupted") && decrypt.contains("verbatim recover"), "{decrypt}");
    assert!(!s.path("x.wav").exists());
    let out = String::from_utf8(ok(verbatim().arg("recover").arg(s.project()).arg(&k.session)).stdout).unwrap();
    assert!(out.contains("Recovered session") && out.contains("Lost at the end: at most 00:00:00."), "{out}");
    ok(verbatim().arg("decrypt").arg(s.project()).arg(&k.session).arg("-o").arg(s.path("x.wav")));
    assert!(wav_data(&s.path("x.wav")) == wav_data(&input)[..wav_data(&s.path("x.wav")).len()]);
}

#[test]
fn a_live_recording_is_shown_as_recording_and_recover_leaves_it_alone() {
    let s = Scratch::new();
    let input = s.path("ref.wav");
    tool("sox", &["-n", "-r", "16000", "-b", "16", "-c", "1", input.to_str().unwrap(), "synth", "20", "sine", "300"]);
    let mut child = verbatim()
        .arg("record")
        .arg(s.project())
        .args(["--participant", "P01", "--headless", "--input-file"])
        .arg(&input)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2_500));
    let sessions = s.sessions();
    let id = sessions[0]["id"].as_str().unwrap().to_string();
    assert_eq!(sessions[0]["state"], "recording", "{sessions:?}");
    let err = fails(verbatim().arg("recover").arg(s.project()).arg(&id));
    assert!(err.contains("being recorded right now"), "{err}");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(s.sessions()[0]["state"], "interrupted", "once the recorder is gone its lock is free");
}
