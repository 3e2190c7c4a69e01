//! Shared helpers for the integration tests: run the real binary against a scratch project.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

pub mod asr;
pub mod pulse;
pub mod speakers;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A participant code, for the library calls that take one.
pub fn code(text: &str) -> verbatim::model::ParticipantCode {
    text.parse().expect("a valid participant code")
}

/// A session id, for the library calls that take one.
pub fn session_id(text: &str) -> verbatim::model::SessionId {
    text.parse().expect("a valid session id")
}

/// The passphrase every test project uses.
pub const PASS: &str = "correct horse battery staple";

/// A `verbatim` command with the test passphrase in its environment.
pub fn verbatim() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_verbatim"));
    cmd.env("VERBATIM_PASSPHRASE", PASS);
    cmd
}

/// Runs and returns the output, asserting success with a readable failure message.
pub fn ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("spawn verbatim");
    assert!(
        out.status.success(),
        "command failed: {cmd:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs, expects failure, and returns stderr.
pub fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().expect("spawn verbatim");
    assert!(
        !out.status.success(),
        "command unexpectedly succeeded: {cmd:?}\nstdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A scratch folder with an initialised project `proj` and participant P01.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Scratch { dir };
        ok(verbatim().arg("init").arg(s.project()));
        ok(verbatim().args(["participant", "add"]).arg(s.project()).arg("P01"));
        s
    }

    pub fn project(&self) -> PathBuf {
        self.dir.path().join("proj")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Imports `file` for P01 and returns the new session id.
    pub fn import(&self, file: &Path) -> String {
        ok(verbatim().arg("import").arg(self.project()).arg(file).args(["--participant", "P01"]));
        self.sessions().last().expect("a session")["id"].as_str().expect("id").to_string()
    }

    pub fn sessions(&self) -> Vec<serde_json::Value> {
        let out = ok(verbatim().arg("sessions").arg(self.project()).arg("--json"));
        serde_json::from_slice(&out.stdout).expect("sessions --json is JSON")
    }

    /// The session's folder.
    pub fn session_dir(&self, id: &str) -> PathBuf {
        let participant = id.rsplit('-').next().expect("participant suffix");
        self.project().join("participants").join(participant).join("sessions").join(id)
    }
}

/// Copies the folder `from` to `to` (which must not exist yet), modes kept (`cp -a`).
pub fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp").arg("-a").arg(from).arg(to).status().expect("spawn cp");
    assert!(status.success(), "cp -a {} {}", from.display(), to.display());
}

/// Every file under `dir`, recursively, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Runs an external tool and returns stdout, failing the test with its stderr.
pub fn tool(program: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (see .ci/run): {e}"));
    assert!(out.status.success(), "{program} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The raw PCM bytes of a WAV file, as hound sees the data chunk.
pub fn wav_data(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).expect("read wav");
    let mut cursor = std::io::Cursor::new(&bytes);
    let header = verbatim::audio::wav::parse_header(&mut cursor).expect("wav header");
    let start = header.data_offset as usize;
    let len = header.data_len.map(|l| l as usize).unwrap_or(bytes.len() - start);
    bytes[start..start + len].to_vec()
}
