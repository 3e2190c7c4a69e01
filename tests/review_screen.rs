//! The review screen in a real terminal (tmux), playing into a private PulseAudio null sink:
//! with `--keymap otranscribe`, Esc plays, typed text and Enter are saved, Ctrl+Q quits; the
//! text is there after reopening and in the JSON export, and never in plaintext on disk.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::pulse::NullSink;
use common::tmux::Tmux;
use common::*;

const FIRST: &str = "Takk for at du ville være med";
const SECOND: &str = "Kan du fortelle litt om jobben din";

#[test]
fn otranscribe_keys_play_type_commit_and_quit_and_the_text_survives_encrypted() {
    let sink = NullSink::start().expect("PulseAudio must be installed (scripts/system-packages)");
    let s = Scratch::new();
    let id = s.import(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.wav"));
    let bin = env!("CARGO_BIN_EXE_verbatim");
    let unset: String = NullSink::ENV_REMOVE.iter().map(|v| format!("-u {v} ")).collect();
    let set: String = sink.env().iter().map(|(k, v)| format!("{k}={} ", v.to_string_lossy())).collect();
    let review = format!(
        "env {unset}{set}VERBATIM_PASSPHRASE='{PASS}' {bin} review {} {id} --keymap otranscribe",
        s.project().display()
    );

    let t = Tmux::start(&review, 110, 32);
    // No analysis yet: review makes one first, then opens on the first segment, paused.
    let screen = t.wait_for("❚❚ PAUSED");
    assert!(screen.contains("0/") && screen.contains("segments done"), "{screen}");
    t.keys(&["Escape"]);
    t.wait_for("▶ PLAYING");
    t.wait_for("00:00:01 /");
    t.keys(&["-l", FIRST]);
    t.wait_for(FIRST);
    t.keys(&["Enter"]);
    t.wait_for("1 of");
    t.keys(&["-l", SECOND]);
    t.wait_for(SECOND);
    t.keys(&["C-q"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0") && screen.contains("1 of"), "{screen}");
    drop(t);

    // The text is encrypted at rest: nothing in the project holds it in plaintext.
    for path in files(&s.project()) {
        let bytes = std::fs::read(&path).unwrap();
        for text in [FIRST, SECOND] {
            assert!(!bytes.windows(text.len()).any(|w| w == text.as_bytes()), "{} holds typed text", path.display());
        }
    }
    let transcript = s.session_dir(&id).join("transcript.json.age");
    assert!(std::fs::read(&transcript).unwrap().starts_with(b"age-encryption.org/v1"));

    // Reopened, both texts are there (the second was saved by Ctrl+Q, not by Enter).
    let t = Tmux::start(&review, 110, 32);
    let screen = t.wait_for("❚❚ PAUSED");
    assert!(screen.contains(FIRST) && screen.contains(SECOND), "{screen}");
    t.keys(&["C-q"]);
    t.wait_for("EXIT=0");
    drop(t);

    // And the JSON export carries them.
    let out = s.path("export.json");
    ok(verbatim().arg("export").arg(s.project()).arg(&id).args(["--format", "json", "--plaintext", "-o"]).arg(&out));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let texts: Vec<&str> = doc["segments"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert_eq!(&texts[..2], [FIRST, SECOND]);
}

#[test]
fn bad_input_is_refused_before_the_screen_opens() {
    let s = Scratch::new();
    let id = s.import(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.wav"));
    let review = || {
        let mut cmd = verbatim();
        cmd.arg("review").arg(s.project()).arg(&id);
        cmd
    };
    let err = fails(review().args(["--keymap", "vi"]));
    assert!(err.contains("unknown keymap preset `vi`") && err.contains("otranscribe, maxqda, express-scribe"), "{err}");
    let err = fails(review().env("VERBATIM_PASSPHRASE", "not it"));
    assert!(err.contains("wrong passphrase"), "{err}");
    let err = fails(verbatim().arg("review").arg(s.project()).arg("20990101T000000Z-P01"));
    assert!(err.contains("no session") && err.contains(&id), "{err}");
    // A recording cut off mid-write: it says to recover it.
    let audio = s.session_dir(&id).join("audio.wav.age");
    let sealed = std::fs::read(&audio).unwrap();
    std::fs::write(&audio, &sealed[..sealed.len() / 2]).unwrap();
    let err = fails(&mut review());
    assert!(err.contains("verbatim recover"), "{err}");
    assert!(!s.session_dir(&id).join("transcript.json.age").exists(), "nothing was written");
}

/// Mono 16 kHz samples from raw s16le.
fn raw_samples(path: &Path) -> Vec<f32> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect()
}

/// Normalised cross-correlation of `needle` against `hay` at `offset`.
fn ncc(hay: &[f32], needle: &[f32], offset: usize) -> f32 {
    let h = &hay[offset..offset + needle.len()];
    let dot: f32 = h.iter().zip(needle).map(|(a, b)| a * b).sum();
    let norm = (h.iter().map(|a| a * a).sum::<f32>() * needle.iter().map(|b| b * b).sum::<f32>()).sqrt();
    if norm == 0.0 { 0.0 } else { dot / norm }
}

#[test]
fn resuming_after_a_pause_replays_the_configured_time() {
    const RATE: usize = 16_000;
    let sink = NullSink::start().expect("PulseAudio must be installed (scripts/system-packages)");
    let s = Scratch::new();
    let id = s.import(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.wav"));
    ok(verbatim().arg("analyze").arg(s.project()).arg(&id));
    let raw = s.path("monitor.raw");
    let mut recorder = sink
        .command("parecord")
        .args(["--raw", "--format=s16le", "--channels=1", "--rate=16000", "--latency-msec=20"])
        .arg(format!("--device={}", common::pulse::MONITOR))
        .arg(&raw)
        .spawn()
        .unwrap();
    let bin = env!("CARGO_BIN_EXE_verbatim");
    let unset: String = NullSink::ENV_REMOVE.iter().map(|v| format!("-u {v} ")).collect();
    let set: String = sink.env().iter().map(|(k, v)| format!("{k}={} ", v.to_string_lossy())).collect();
    let t = Tmux::start(
        &format!(
            "env {unset}{set}VERBATIM_PASSPHRASE='{PASS}' {bin} review {} {id} --rewind 2s",
            s.project().display()
        ),
        110,
        32,
    );
    t.wait_for("❚❚ PAUSED");
    t.keys(&["Escape"]);
    t.wait_for("▶ PLAYING");
    std::thread::sleep(std::time::Duration::from_millis(3_000));
    t.keys(&["Escape"]);
    t.wait_for("❚❚ PAUSED");
    std::thread::sleep(std::time::Duration::from_millis(1_500));
    t.keys(&["Escape"]);
    t.wait_for("▶ PLAYING");
    std::thread::sleep(std::time::Duration::from_millis(1_500));
    t.keys(&["C-q"]);
    t.wait_for("EXIT=0");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = recorder.kill();
    let _ = recorder.wait();

    // The recording: what played before the pause (A), digital silence while paused, then B.
    let x = raw_samples(&raw);
    let quiet = |i: usize| x[i..i + RATE / 10].iter().all(|v| v.abs() < 1e-4);
    let first_sound = (0..x.len() - RATE / 10).find(|&i| !quiet(i)).unwrap();
    // The pause is the first stretch of at least 1 s of digital silence after the sound starts.
    let gap_start = (first_sound..x.len() - RATE)
        .step_by(RATE / 100)
        .find(|&i| x[i..i + RATE].iter().all(|v| v.abs() < 1e-4))
        .unwrap();
    let gap_end = (gap_start..x.len() - RATE / 10).find(|&i| !quiet(i)).unwrap();
    let played_a = &x[first_sound..gap_start];
    // Four 0.25 s needles from the first second of B, each searched for in A. On a loaded
    // machine a device underrun can put a few ms of silence into one of them (seen in CI:
    // NCC 0.76–0.88 at the right offset for a single 0.5 s needle), so at least three must be
    // found (NCC > 0.8; any other place in speech scores < 0.5), and every one found must put
    // the resume point 2 s before the pause.
    let width = RATE / 4;
    let mut rewinds = Vec::new();
    for k in 0..4 {
        let skip = RATE / 20 + k * width;
        let needle = &x[gap_end + skip..gap_end + skip + width];
        let (at, score) = (0..played_a.len() - needle.len())
            .map(|o| (o, ncc(played_a, needle, o)))
            .fold((0, -1.0f32), |b, c| if c.1 > b.1 { c } else { b });
        let rewound = (played_a.len() as f32 - (at as f32 - skip as f32)) / RATE as f32;
        eprintln!("needle {k}: resumed {rewound:.3} s before the pause point (NCC {score:.3})");
        if score > 0.8 {
            rewinds.push(rewound);
        }
    }
    assert!(rewinds.len() >= 3, "what played after the pause should be from before it: {rewinds:?}");
    for rewound in rewinds {
        assert!((rewound - 2.0).abs() < 0.15, "resume went back {rewound} s, not 2 s");
    }
}

#[test]
fn renaming_a_speaker_renames_it_in_every_session_of_the_project() {
    let sink = NullSink::start().expect("PulseAudio must be installed (scripts/system-packages)");
    let s = Scratch::new();
    ok(verbatim().args(["participant", "add"]).arg(s.project()).arg("P02"));
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.wav");
    let first = s.import(&demo);
    ok(verbatim().arg("import").arg(s.project()).arg(&demo).args(["--participant", "P02"]));
    let second =
        s.sessions().into_iter().map(|x| x["id"].as_str().unwrap().to_string()).find(|id| id.ends_with("P02")).unwrap();
    let bin = env!("CARGO_BIN_EXE_verbatim");
    let unset: String = NullSink::ENV_REMOVE.iter().map(|v| format!("-u {v} ")).collect();
    let set: String = sink.env().iter().map(|(k, v)| format!("{k}={} ", v.to_string_lossy())).collect();
    let review =
        |id: &str| format!("env {unset}{set}VERBATIM_PASSPHRASE='{PASS}' {bin} review {} {id}", s.project().display());
    // In both sessions the first segment is the interviewer's (F6).
    for id in [&second, &first] {
        let t = Tmux::start(&review(id), 110, 32);
        t.wait_for("❚❚ PAUSED");
        t.keys(&["F6"]);
        t.wait_for("speaker I");
        if id == &first {
            t.keys(&["F8"]);
            t.wait_for("Rename speaker");
            t.keys(&["-l", "Intervjuer"]);
            t.keys(&["Enter"]);
            t.wait_for("in other sessions");
        }
        t.keys(&["C-q"]);
        t.wait_for("EXIT=0");
    }
    for id in [&first, &second] {
        let out = s.path(&format!("{id}.json"));
        ok(verbatim().arg("export").arg(s.project()).arg(id).args(["--format", "json", "--plaintext", "-o"]).arg(&out));
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(doc["segments"][0]["speaker"], "Intervjuer", "{id}");
    }
}
