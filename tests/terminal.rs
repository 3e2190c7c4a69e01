//! The passphrase prompt in a real terminal (tmux): typed twice at `init`, never echoed,
//! and a mismatch creates nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::process::Command;

use common::tmux::Tmux;

#[test]
fn init_asks_twice_without_echo_and_a_mismatch_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("study");
    let bin = env!("CARGO_BIN_EXE_verbatim");
    let cmd = format!("{bin} init {}", project.display());

    let t = Tmux::start(&cmd, 120, 20);
    t.wait_for("New passphrase:");
    t.send("first secret words");
    t.wait_for("Type it again:");
    t.send("other secret words");
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("the two passphrases differ; nothing was created"), "{screen}");
    assert!(screen.contains("EXIT=1"), "{screen}");
    assert!(!project.exists());
    drop(t);

    let t = Tmux::start(&cmd, 120, 20);
    t.wait_for("New passphrase:");
    t.send("first secret words");
    t.wait_for("Type it again:");
    t.send("first secret words");
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("Created project") && screen.contains("EXIT=0"), "{screen}");
    assert!(!screen.contains("secret words"), "the passphrase must never be echoed:\n{screen}");

    // The passphrase typed at the prompt is the one that opens the project.
    let out = Command::new(bin)
        .arg("verify")
        .arg(&project)
        .env("VERBATIM_PASSPHRASE", "first secret words")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
