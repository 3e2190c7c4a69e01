//! A private PulseAudio daemon with a null sink, so tests can feed real audio to a recorder
//! on a machine without a sound card, and kill the audio server mid-recording.
//!
//! Each [`NullSink`] has its own runtime dir and home, so several can run in parallel tests
//! without seeing each other. Needs the `pulseaudio` and `pulseaudio-utils` Debian packages.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The null sink's name; its monitor `virt.monitor` is the daemon's default source.
pub const SINK: &str = "virt";
/// The default source: whatever is played to [`SINK`] comes out here.
pub const MONITOR: &str = "virt.monitor";

/// How long to wait for the daemon to answer after starting, or to go after being killed.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// A private PulseAudio daemon; dropped, it is killed.
pub struct NullSink {
    runtime_dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl NullSink {
    /// Starts a private PulseAudio daemon with a null sink `virt` whose monitor is the default
    /// source. Returns None (after saying why on stderr) if `pulseaudio` is not installed, so
    /// callers can decide; panics with a clear message if it is installed but fails to start.
    pub fn start() -> Option<NullSink> {
        for tool in ["pulseaudio", "pactl"] {
            if !on_path(tool) {
                eprintln!(
                    "NullSink: `{tool}` is not installed (Debian: pulseaudio pulseaudio-utils); \
                     no PulseAudio daemon for this test"
                );
                return None;
            }
        }
        let sink = NullSink {
            runtime_dir: tempfile::Builder::new()
                .prefix("verbatim-pulse-run-")
                .tempdir()
                .expect("create a runtime dir for PulseAudio"),
            home: tempfile::Builder::new()
                .prefix("verbatim-pulse-home-")
                .tempdir()
                .expect("create a home for PulseAudio"),
        };
        // Clients must never autospawn a stray default daemon (say after kill()): write a
        // client.conf that forbids it; env() points PULSE_CLIENTCONFIG at it.
        std::fs::write(sink.client_conf(), "autospawn = no\n").expect("write client.conf");

        let log = sink.log_path();
        let status = sink
            .command("pulseaudio")
            .args(["--daemonize=yes", "--exit-idle-time=-1", "--use-pid-file=yes", "-n", "--disallow-exit=no"])
            .arg(format!("--load=module-null-sink sink_name={SINK}"))
            .arg("--load=module-native-protocol-unix")
            .arg(format!("--log-target=file:{}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run pulseaudio");
        assert!(status.success(), "pulseaudio is installed but failed to start ({status}); its log:\n{}", sink.log());

        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let answered = sink
                .command("pactl")
                .arg("info")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if answered {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "pulseaudio started but did not answer `pactl info` within {READY_TIMEOUT:?}; \
                 its log:\n{}",
                sink.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }

        let out = sink.command("pactl").args(["set-default-source", MONITOR]).output().expect("run pactl");
        assert!(
            out.status.success(),
            "pactl set-default-source {MONITOR} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(sink)
    }

    /// Environment a child process needs to reach this daemon, and only this one.
    pub fn env(&self) -> Vec<(String, OsString)> {
        vec![
            ("XDG_RUNTIME_DIR".into(), self.runtime_dir.path().into()),
            ("HOME".into(), self.home.path().into()),
            ("PULSE_STATE_PATH".into(), self.home.path().join("state").into()),
            ("PULSE_CLIENTCONFIG".into(), self.client_conf().into()),
            // HOME moves to the scratch folder, so the runtime installed under the real HOME
            // (scripts/onnxruntime) is named explicitly; analysis in review needs it.
            (verbatim::onnx::RUNTIME_VAR.into(), verbatim::onnx::runtime_path().into()),
        ]
    }

    /// Variables [`command`](Self::command) removes from a child's environment, so that
    /// nothing inherited points it at another server: libpulse honours the `PULSE_*` ones and
    /// reads a server address from the X11 root window when `DISPLAY` is set, and the daemon
    /// registers on a D-Bus session bus if it finds one. Unset them too when passing
    /// [`env`](Self::env) some other way (e.g. `env -u` under tmux).
    ///
    /// `PULSE_RUNTIME_PATH` is removed rather than set: the pure-Rust client in cpal's PulseAudio
    /// host (pulseaudio 0.3.2) reads it as the parent of `pulse/native` and, when that path does
    /// not exist, gives up without trying `XDG_RUNTIME_DIR`, so cpal would fall back to ALSA.
    pub const ENV_REMOVE: [&str; 7] = [
        "PULSE_SERVER",
        "PULSE_SINK",
        "PULSE_SOURCE",
        "PULSE_COOKIE",
        "PULSE_RUNTIME_PATH",
        "DISPLAY",
        "DBUS_SESSION_BUS_ADDRESS",
    ];

    /// A command for `program` whose environment reaches this daemon and no other:
    /// [`env`](Self::env) set, [`ENV_REMOVE`](Self::ENV_REMOVE) removed.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        for var in Self::ENV_REMOVE {
            cmd.env_remove(var);
        }
        cmd.envs(self.env());
        cmd
    }

    /// Starts `paplay -d virt FILE` in the background; it plays in real time.
    pub fn play(&self, file: &Path) -> Child {
        self.command("paplay")
            .args(["-d", SINK])
            .arg(file)
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn paplay (Debian: pulseaudio-utils)")
    }

    /// Kills the daemon (`pulseaudio --kill`), e.g. to simulate the audio server dying
    /// mid-recording, and waits up to 5 s for it to be gone.
    pub fn kill(&self) {
        let _ = self
            .command("pulseaudio")
            .arg("--kill")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + READY_TIMEOUT;
        while self.is_running() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the daemon is still alive (`pulseaudio --check`).
    pub fn is_running(&self) -> bool {
        self.command("pulseaudio")
            .arg("--check")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The daemon's log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_else(|e| format!("(no log: {e})"))
    }

    fn log_path(&self) -> PathBuf {
        self.home.path().join("pulseaudio.log")
    }

    fn client_conf(&self) -> PathBuf {
        self.home.path().join("client.conf")
    }
}

impl Drop for NullSink {
    fn drop(&mut self) {
        if self.is_running() {
            self.kill();
        }
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}
