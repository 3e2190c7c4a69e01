//! With no sound server and no sound card (this machine, and CI), ALSA and JACK print their own
//! complaints straight to stderr while verbatim looks for devices. verbatim's message is the
//! one to read: theirs must not reach the terminal.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::process::{Command, Output};

use common::{PASS, Scratch};

/// `verbatim ARGS` where no sound server can be found: an empty runtime folder and home, and
/// none of the variables that point libpulse elsewhere.
fn without_sound_server(scratch: &Scratch) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_verbatim"));
    for var in common::pulse::NullSink::ENV_REMOVE {
        cmd.env_remove(var);
    }
    let runtime = scratch.path("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    cmd.env("XDG_RUNTIME_DIR", &runtime).env("HOME", scratch.path("home")).env("VERBATIM_PASSPHRASE", PASS);
    cmd
}

/// The lines of stderr that came from an audio library rather than from verbatim.
fn library_noise(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("verbatim: "))
        .filter(|l| ["ALSA lib", "Cannot connect", "jack", "Jack"].iter().any(|p| l.trim_start().starts_with(p)))
        .map(str::to_string)
        .collect()
}

#[test]
fn listing_devices_shows_only_verbatims_own_words() {
    let scratch = Scratch::new();
    let out = without_sound_server(&scratch).arg("devices").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(library_noise(&out), Vec::<String>::new(), "stdout: {stdout}");
    // Either ALSA's null device is listed, or verbatim says there is no input; never neither.
    if out.status.success() {
        assert!(stdout.contains("Use a name with: verbatim record"), "stdout: {stdout}\nstderr: {stderr}");
    } else {
        assert!(stderr.starts_with("verbatim: error:") && stderr.contains("input"), "stderr: {stderr}");
    }
}

#[test]
fn recording_with_no_microphone_fails_in_verbatims_words_only() {
    let scratch = Scratch::new();
    let record = |device: Option<&str>| {
        let mut cmd = without_sound_server(&scratch);
        cmd.arg("record").arg(scratch.project()).args(["--participant", "P01", "--headless", "--for", "1s"]);
        if let Some(device) = device {
            cmd.args(["--device", device]);
        }
        cmd.output().unwrap()
    };
    // The default device: ALSA evaluates its configuration, fails, and says so at length.
    let out = record(None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "stderr: {stderr}");
    assert_eq!(library_noise(&out), Vec::<String>::new(), "stderr: {stderr}");
    assert!(stderr.starts_with("verbatim: error: ") && stderr.contains("input device"), "stderr: {stderr}");
    // A named device that is not there is named.
    let out = record(Some("Invented USB microphone"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "stderr: {stderr}");
    assert_eq!(library_noise(&out), Vec::<String>::new(), "stderr: {stderr}");
    assert!(
        stderr.starts_with("verbatim: error: no input device is called \"Invented USB microphone\""),
        "stderr: {stderr}"
    );
    let sessions = common::files(&scratch.project().join("participants/P01/sessions"));
    assert_eq!(sessions, Vec::<std::path::PathBuf>::new(), "no session is left behind");
}
