//! The recording screen in a real terminal (tmux): markers land at the audio time their key
//! was pressed, the guide and marker list show, `Q` `y` saves; the demo runs; bad guides and
//! keymaps are refused before anything is recorded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::tmux::Tmux;
use common::*;
use verbatim::model::{Mark, MarkerKind, QuestionRef};
use verbatim::project::Project;
use verbatim::session::SessionDir;
use verbatim::session::markers::MarkerLog;

fn speech() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.wav").display().to_string()
}

fn guide() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/guides/guide-nb.md").display().to_string()
}

/// Sends `key` and returns the wall-clock instant it was sent (midpoint of the send).
fn press(t: &Tmux, key: &str) -> SystemTime {
    let before = SystemTime::now();
    t.keys(&[key]);
    let after = SystemTime::now();
    before + after.duration_since(before).unwrap() / 2
}

/// Presses `key`, confirms the stop with `y`, and returns the screen once the command exited.
fn stop_and_save(t: &Tmux, key: &str) -> String {
    t.keys(&[key]);
    t.wait_for("Stop recording and save the session?");
    t.keys(&["y"]);
    t.wait_for("EXIT=")
}

#[test]
fn markers_land_within_50_ms_of_the_audio_time_they_were_pressed_at() {
    let s = Scratch::new();
    let bin = env!("CARGO_BIN_EXE_verbatim");
    let cmd = format!(
        "{bin} record {} --participant P01 --guide {} --input-file {}",
        s.project().display(),
        guide(),
        speech()
    );
    let t = Tmux::start(&cmd, 120, 36);
    t.wait_for("● REC");
    let screen = t.wait_for("Innledning  0/5");
    assert!(screen.contains("Intervjuguide: erfaringsmedarbeidere"), "{screen}");

    let mut pressed = Vec::new();
    let begin = std::time::Instant::now();
    for (at_ms, key) in [(1_300, "l"), (2_450, "q"), (3_700, "Enter"), (4_900, "2"), (6_100, "n"), (7_000, "x")] {
        std::thread::sleep(Duration::from_millis(at_ms).saturating_sub(begin.elapsed()));
        pressed.push((key, press(&t, key)));
        if key == "n" {
            t.keys(&["-l", "hei"]);
            t.keys(&["Enter"]);
        }
    }
    let screen = t.wait_for("identifying");
    assert!(screen.contains("laughter") && screen.contains("note: hei"), "{screen}");
    assert!(screen.contains("Innledning  1/5"), "the asked question is ticked:\n{screen}");
    t.keys(&["u"]);
    t.wait_for("removed identifying");
    let screen = stop_and_save(&t, "Q");
    assert!(screen.contains("EXIT=0") && screen.contains("5 markers"), "{screen}");

    let project = Project::open(&s.project()).unwrap();
    let mut keyring = project.unlock(&PASS.to_string().into()).unwrap();
    let identity = keyring.participant(&code("P01")).unwrap().clone();
    let id = s.sessions()[0]["id"].as_str().unwrap().to_string();
    let meta = SessionDir::find(&project, &session_id(&id)).unwrap().read_meta(&identity).unwrap();
    let markers = MarkerLog::read(&s.session_dir(&id), &identity).unwrap().markers;
    let kinds: Vec<MarkerKind> = markers.iter().map(|m| m.kind()).collect();
    use MarkerKind::*;
    assert_eq!(kinds, vec![Laughter, Quote, Question, Speaker, Note], "x was undone");
    assert!(matches!(markers[2].mark, Mark::Question { question: QuestionRef { section: 0, question: 0 }, .. }));
    assert_eq!(markers[3].mark, Mark::Speaker(2));
    assert_eq!(markers[4].mark, Mark::Note("hei".into()));
    let started = SystemTime::from(meta.started);
    for (marker, (key, at)) in markers.iter().zip(&pressed) {
        let expected = at.duration_since(started).unwrap().as_millis() as i64;
        let error = marker.at.0 as i64 - expected;
        eprintln!("{key:>5}: marker {} ms, pressed at {expected} ms of audio, error {error} ms", marker.at.0);
        assert!(error.abs() <= 50, "{key} marker at {} ms, pressed at {expected} ms of audio", marker.at.0);
    }
}

#[test]
fn the_demo_runs_the_recording_screen_and_says_what_to_do_next() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let bin = env!("CARGO_BIN_EXE_verbatim");
    let t = Tmux::start(&format!("{bin} demo --dir {} --for 4s", demo.display()), 120, 36);
    let screen = t.wait_for("● REC");
    assert!(screen.contains("Intervjuguide") && screen.contains("demo-interview.wav"), "{screen}");
    t.keys(&["l"]);
    t.wait_for("laughter marked at");
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(screen.contains(&format!("The demo project is in {}", demo.display())), "{screen}");
    assert!(screen.contains("verbatim decrypt"), "{screen}");
    assert!(demo.join("participants/P01/sessions").read_dir().unwrap().count() == 1);
}

#[test]
fn a_malformed_guide_is_refused_naming_its_line_and_nothing_is_recorded() {
    let s = Scratch::new();
    let bad = s.path("guide.md");
    std::fs::write(&bad, "# Guide\n\n## Start\n- How are you?\nJust some text\n").unwrap();
    let err = fails(
        verbatim()
            .arg("record")
            .arg(s.project())
            .args(["--participant", "P01", "--headless", "--guide"])
            .arg(&bad)
            .args(["--input-file", &speech()]),
    );
    assert!(err.contains("guide.md, line 5: text that is not a list item"), "{err}");
    assert!(s.sessions().is_empty());
}

#[test]
fn a_bad_keymap_is_refused_naming_file_and_line_and_nothing_is_recorded() {
    let s = Scratch::new();
    std::fs::write(
        s.project().join("keymap.toml"),
        "record = [\n  { key = \"l\", action = \"marker.laughter\" },\n  { key = \"z\", action = \"marker.laugh\" },\n]\n",
    )
    .unwrap();
    let err =
        fails(verbatim().arg("record").arg(s.project()).args(["--participant", "P01", "--input-file", &speech()]));
    assert!(err.contains("keymap.toml:3:"), "{err}");
    assert!(err.contains("unknown action `marker.laugh`") && err.contains("marker.laughter"), "{err}");
    assert!(s.sessions().is_empty());

    let err = fails(verbatim().arg("record").arg(s.project()).args([
        "--participant",
        "P01",
        "--keymap",
        "emacs",
        "--input-file",
        &speech(),
    ]));
    assert!(err.contains("unknown keymap preset `emacs`") && err.contains("otranscribe"), "{err}");
}

#[test]
fn a_live_microphone_waits_for_space_and_stopping_before_it_keeps_no_session() {
    let sink = common::pulse::NullSink::start().expect("PulseAudio must be installed (scripts/system-packages)");
    let s = Scratch::new();
    let bin = env!("CARGO_BIN_EXE_verbatim");
    let unset: String = common::pulse::NullSink::ENV_REMOVE.iter().map(|v| format!("-u {v} ")).collect();
    let set: String = sink.env().iter().map(|(k, v)| format!("{k}={} ", v.to_string_lossy())).collect();
    let record = format!("env {unset}{set}{bin} record {} --participant P01", s.project().display());

    let t = Tmux::start(&record, 120, 36);
    let screen = t.wait_for("READY · press space to start recording");
    assert!(screen.contains("PulseAudio: Monitor of Null Output"), "{screen}");
    std::thread::sleep(Duration::from_millis(600));
    assert!(t.screen().contains("READY"), "nothing is recorded before space");
    let screen = stop_and_save(&t, "Q");
    assert!(screen.contains("Nothing was recorded, so no session was kept.") && screen.contains("EXIT=0"), "{screen}");
    assert!(s.sessions().is_empty(), "the empty session was removed");
    drop(t);

    let t = Tmux::start(&record, 120, 36);
    t.wait_for("READY");
    t.keys(&["Space"]);
    t.wait_for("● REC 00:00:01");
    t.keys(&["Space"]);
    t.wait_for("PAUSED");
    t.keys(&["Space"]);
    t.wait_for("recording again");
    let screen = stop_and_save(&t, "C-c");
    assert!(screen.contains("EXIT=0") && screen.contains("1 markers"), "the pause is marked:\n{screen}");
    let session = &s.sessions()[0];
    assert_eq!(session["sample_rate"], 48_000);
    assert_eq!(session["dropped_frames"], 0);
}

#[test]
fn closing_the_terminal_window_saves_the_recording() {
    let s = Scratch::new();
    let bin = env!("CARGO_BIN_EXE_verbatim");
    let cmd = format!("{bin} record {} --participant P01 --input-file {}", s.project().display(), speech());
    let t = Tmux::start(&cmd, 100, 30);
    t.wait_for("● REC 00:00:02");
    drop(t); // kills the tmux server: the recorder gets SIGHUP and loses its terminal
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let session = loop {
        let sessions = s.sessions();
        if sessions.first().is_some_and(|x| x["state"] == "complete") {
            break sessions[0].clone();
        }
        assert!(std::time::Instant::now() < deadline, "the recording was not finalised: {sessions:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let ms = session["duration_ms"].as_u64().unwrap();
    assert!((2_000..=4_000).contains(&ms), "{ms} ms saved");
    assert!(!s.session_dir(session["id"].as_str().unwrap()).join("recording.lock").exists());
}
