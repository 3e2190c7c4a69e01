//! The passphrase prompt in a real terminal (tmux): typed twice at `init`, never echoed,
//! and a mismatch creates nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(command: &str) -> Self {
        let socket = format!("verbatim-test-{}-{}", std::process::id(), rand_suffix());
        let status = Command::new("tmux")
            .args(["-L", &socket, "new-session", "-d", "-x", "120", "-y", "20"])
            .arg(format!("{command}; echo EXIT=$?; sleep 60"))
            .env_remove("VERBATIM_PASSPHRASE")
            .status()
            .expect("tmux must be installed (see scripts/system-packages)");
        assert!(status.success());
        Tmux { socket }
    }

    fn send(&self, keys: &str) {
        let ok =
            Command::new("tmux").args(["-L", &self.socket, "send-keys", "-t", "0", keys, "Enter"]).status().unwrap();
        assert!(ok.success());
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["-L", &self.socket, "capture-pane", "-p", "-t", "0"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {text:?}; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
}

#[test]
fn init_asks_twice_without_echo_and_a_mismatch_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("study");
    let bin = env!("CARGO_BIN_EXE_verbatim");
    let cmd = format!("{bin} init {}", project.display());

    let t = Tmux::start(&cmd);
    t.wait_for("New passphrase:");
    t.send("first secret words");
    t.wait_for("Type it again:");
    t.send("other secret words");
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("the two passphrases differ; nothing was created"), "{screen}");
    assert!(screen.contains("EXIT=1"), "{screen}");
    assert!(!project.exists());
    drop(t);

    let t = Tmux::start(&cmd);
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
