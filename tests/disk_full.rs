//! A full disk: import leaves nothing behind, a recording stops with a clear message and keeps
//! its audio, and `recover` finishes the job once there is room again.
//! Uses a small tmpfs, so it needs root (as CI and the development machines run).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path, size: &str) -> Self {
        std::fs::create_dir_all(at).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(at)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "this test mounts a tmpfs and must run as root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk(at.to_path_buf())
    }

    fn resize(&self, size: &str) {
        let out = Command::new("mount").args(["-o", &format!("remount,size={size}")]).arg(&self.0).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_loses_nothing_that_was_written_and_says_what_to_do() {
    let outer = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(&outer.path().join("disk"), "400k");
    let project = disk.0.join("study");
    ok(verbatim().arg("init").arg(&project));
    ok(verbatim().args(["participant", "add"]).arg(&project).arg("P01"));
    let input = outer.path().join("talk.wav");
    tool(
        "sox",
        &["-n", "-r", "48000", "-b", "16", "-c", "1", input.to_str().unwrap(), "synth", "6", "pinknoise", "vol", "0.3"],
    );
    let sessions_dir = project.join("participants/P01/sessions");

    let err = fails(verbatim().arg("import").arg(&project).arg(&input).args(["--participant", "P01"]));
    assert!(err.contains("No space left on device") && err.contains("the disk is full"), "{err}");
    assert_eq!(std::fs::read_dir(&sessions_dir).unwrap().count(), 0, "a failed import must leave nothing behind");

    let out = verbatim()
        .arg("record")
        .arg(&project)
        .args(["--participant", "P01", "--headless", "--input-file"])
        .arg(&input)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("recording stopped after") && err.contains("the disk is full") && err.contains("verbatim recover"),
        "{err}"
    );
    let listing = String::from_utf8(ok(verbatim().arg("sessions").arg(&project)).stdout).unwrap();
    assert!(listing.contains("interrupted"), "{listing}");
    let id = listing.lines().nth(1).unwrap().split_whitespace().next().unwrap().to_string();

    // Still full: recover refuses cleanly and keeps the original.
    let err = fails(verbatim().arg("recover").arg(&project).arg(&id));
    assert!(err.contains("the disk is full"), "{err}");
    assert!(sessions_dir.join(&id).join("audio.wav.age").exists());

    disk.resize("4m");
    let out = String::from_utf8(ok(verbatim().arg("recover").arg(&project).arg(&id)).stdout).unwrap();
    assert!(out.contains("Recovered session"), "{out}");
    let wav = outer.path().join("back.wav");
    ok(verbatim().arg("decrypt").arg(&project).arg(&id).arg("-o").arg(&wav));
    let got = wav_data(&wav);
    assert!(got.len() > 48_000 * 2, "more than a second of audio survives");
    assert!(got[..] == wav_data(&input)[..got.len()], "the recovered audio is an exact prefix of the input");
}
