//! Driving the real binary in a real terminal: tmux with send-keys and capture-pane.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

/// A detached tmux session running one command, torn down on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` in a `width`×`height` terminal; the pane stays after it exits, showing `EXIT=code`.
    pub fn start(command: &str, width: u16, height: u16) -> Self {
        let socket = format!("verbatim-test-{}-{}", std::process::id(), rand_suffix());
        let status = Command::new("tmux")
            .args(["-L", &socket, "new-session", "-d", "-x", &width.to_string(), "-y", &height.to_string()])
            .arg(format!("{command}; echo EXIT=$?; sleep 60"))
            .env_remove("VERBATIM_PASSPHRASE")
            .status()
            .expect("tmux must be installed (see scripts/system-packages)");
        assert!(status.success());
        Tmux { socket }
    }

    /// Types `keys` and presses Enter.
    pub fn send(&self, keys: &str) {
        let ok =
            Command::new("tmux").args(["-L", &self.socket, "send-keys", "-t", "0", keys, "Enter"]).status().unwrap();
        assert!(ok.success());
    }

    /// The visible screen as text.
    pub fn screen(&self) -> String {
        let out = Command::new("tmux").args(["-L", &self.socket, "capture-pane", "-p", "-t", "0"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits up to 30 s for `text` to appear and returns the screen.
    pub fn wait_for(&self, text: &str) -> String {
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

impl Tmux {
    /// Sends keys as tmux names them (`l`, `Enter`, `Space`, `C-c`), without a trailing Enter.
    pub fn keys(&self, keys: &[&str]) {
        let ok = Command::new("tmux").args(["-L", &self.socket, "send-keys", "-t", "0"]).args(keys).status().unwrap();
        assert!(ok.success());
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
