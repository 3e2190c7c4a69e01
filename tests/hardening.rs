//! Process hardening through the real binary: no core dumps while secrets are in memory.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::*;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/demo/interview.wav");

#[test]
fn a_running_recorder_cannot_dump_core() {
    let s = Scratch::new();
    let mut child = verbatim()
        .arg("record")
        .arg(s.project())
        .args(["--participant", "P01", "--headless", "--for", "30s", "--input-file", DEMO])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Once it reports recording, it is holding audio in memory.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().starts_with("Recording session "));
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let core = limits.lines().find(|l| l.starts_with("Max core file size")).unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "soft and hard limits: {core}");
    child.kill().unwrap();
    child.wait().unwrap();
}
