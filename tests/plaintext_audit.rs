//! The plaintext audit: a whole study workflow through the real binary (init, recording from a
//! microphone that is PulseAudio's null sink, markers on the recording screen, typing in the
//! review screen under tmux, encrypted exports and clips), then every file in the project,
//! the output folders, `$TMPDIR` and `/dev/shm` is searched for WAV audio and the typed text.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::pulse::NullSink;
use common::tmux::Tmux;
use common::*;

const TYPED: &str = "Nattevaktene på avdeling sju var tunge";
const NOTE: &str = "spor om turnusordningen";
/// A word of the typed text: the export may put a pause mark between others.
const TYPED_WORD: &str = "Nattevaktene";

/// Every file and folder under `dir`, recursively, without following links.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        out.push(path.clone());
        if is_dir {
            walk(&path, out);
        }
    }
}

fn holds(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// A RIFF/WAVE header anywhere in the bytes: plaintext audio.
fn holds_wav(bytes: &[u8]) -> bool {
    bytes.windows(12).any(|w| &w[..4] == b"RIFF" && &w[8..] == b"WAVE")
}

#[test]
fn a_whole_workflow_leaves_no_plaintext_audio_or_text_anywhere() {
    let sink = NullSink::start().expect("PulseAudio must be installed (scripts/system-packages)");
    let s = Scratch::new();
    let tmp = s.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let bin = env!("CARGO_BIN_EXE_verbatim");
    let unset: String = NullSink::ENV_REMOVE.iter().map(|v| format!("-u {v} ")).collect();
    let set: String = sink.env().iter().map(|(k, v)| format!("{k}={} ", v.to_string_lossy())).collect();
    let env = format!("env {unset}{set}TMPDIR={} VERBATIM_PASSPHRASE='{PASS}'", tmp.display());

    // Record from the "microphone" while the demo interview plays into it, with markers.
    let t = Tmux::start(&format!("{env} {bin} record {} --participant P01", s.project().display()), 120, 36);
    t.wait_for("READY");
    t.keys(&["space"]);
    t.wait_for("● REC");
    let mut player = sink.play(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.wav"));
    std::thread::sleep(std::time::Duration::from_secs(4));
    t.keys(&["q"]);
    t.keys(&["n"]);
    t.keys(&["-l", NOTE]);
    t.keys(&["Enter"]);
    std::thread::sleep(std::time::Duration::from_secs(4));
    t.keys(&["x", "l"]);
    std::thread::sleep(std::time::Duration::from_secs(1));
    t.keys(&["Q"]);
    t.wait_for("Stop recording and save the session?");
    t.keys(&["y"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    drop(t);
    let _ = player.kill();
    let _ = player.wait();
    let id = s.sessions()[0]["id"].as_str().unwrap().to_string();

    // Type into the first segment in the review screen.
    let t = Tmux::start(&format!("{env} {bin} review {} {id}", s.project().display()), 110, 32);
    t.wait_for("PAUSED");
    t.keys(&["-l", TYPED]);
    t.wait_for(TYPED);
    t.keys(&["Enter"]);
    t.keys(&["C-q"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    drop(t);

    // Encrypted exports and clips.
    let out = s.path("out");
    let run = |args: &[&str]| ok(verbatim().env("TMPDIR", &tmp).args(args));
    let project = s.project().to_string_lossy().into_owned();
    run(&["export", &project, &id, "--format", "txt,docx,eaf,json", "-o", &format!("{}/exports/", out.display())]);
    let clips = run(&["clips", &project, &id, "--kind", "quote", "-o", &format!("{}/clips", out.display())]);
    assert!(String::from_utf8_lossy(&clips.stdout).contains("1 clip"), "{}", String::from_utf8_lossy(&clips.stdout));

    // The typed text really was saved (so its absence below means something).
    let plain = s.path("check.txt");
    run(&["export", &project, &id, "--format", "txt", "--plaintext", "-o", plain.to_str().unwrap()]);
    let text = std::fs::read_to_string(&plain).unwrap();
    assert!(text.contains(TYPED_WORD), "{text}");
    std::fs::remove_file(&plain).unwrap();

    let mut paths = Vec::new();
    for dir in [s.project(), out.clone(), tmp.clone(), PathBuf::from("/dev/shm")] {
        walk(&dir, &mut paths);
    }
    let mut checked = 0;
    for path in &paths {
        let meta = std::fs::symlink_metadata(path).unwrap();
        let ours = path.starts_with(s.project()) || path.starts_with(&out);
        if meta.is_dir() {
            if ours {
                assert_eq!(meta.permissions().mode() & 0o777, 0o700, "{}", path.display());
            }
            continue;
        }
        if ours {
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{}", path.display());
        }
        let Ok(bytes) = std::fs::read(path) else { continue };
        checked += 1;
        assert!(!holds_wav(&bytes), "{} holds plaintext WAV audio", path.display());
        for text in [TYPED_WORD, NOTE] {
            assert!(!holds(&bytes, text.as_bytes()), "{} holds {text:?} in plaintext", path.display());
        }
    }
    assert!(checked >= 12, "the scan saw the session, exports and clips ({checked} files)");
    assert!(std::fs::read_dir(&tmp).unwrap().next().is_none(), "nothing was left in TMPDIR");
}
