//! Keeps the audio libraries' own diagnostics off the terminal.
//!
//! ALSA, JACK and their plugins print lines such as `ALSA lib confmisc.c:165:(snd_config_get_card)
//! Cannot get card index for 0` straight to file descriptor 2 while verbatim probes devices,
//! and a few more while a stream runs. They say nothing verbatim's own message does not say
//! better, and on a full-screen view they would tear the picture. While a [`HostNoiseFilter`]
//! lives, fd 2 is a pipe read by a thread that drops those lines and passes every other line
//! (a panic message, say) on to the real stderr, in order.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// How long dropping the last filter waits for the lines still in the pipe to be passed on. A
/// child process that inherited the pipe keeps it open; verbatim does not wait for that.
const DRAIN: Duration = Duration::from_millis(500);

/// The filter in place: the real stderr to put back, and how many holders share it.
struct Installed {
    real_stderr: OwnedFd,
    drained: Receiver<()>,
    holders: usize,
}

/// One filter for the process: fd 2 is process-wide, so nested and concurrent holders share it.
static INSTALLED: Mutex<Option<Installed>> = Mutex::new(None);

/// While alive, the audio libraries' noise on stderr is dropped; other lines pass.
#[must_use = "the filter is removed when this is dropped"]
pub struct HostNoiseFilter {
    holding: bool,
}

impl HostNoiseFilter {
    /// Puts the filter in place (or joins the one in place). If the pipe cannot be made, stderr
    /// is left as it is: noise on the terminal is better than losing a message.
    pub fn install() -> Self {
        let Ok(mut slot) = INSTALLED.lock() else { return Self { holding: false } };
        if let Some(installed) = slot.as_mut() {
            installed.holders += 1;
            return Self { holding: true };
        }
        *slot = redirect();
        Self { holding: slot.is_some() }
    }
}

impl Drop for HostNoiseFilter {
    fn drop(&mut self) {
        if !self.holding {
            return;
        }
        let Ok(mut slot) = INSTALLED.lock() else { return };
        let Some(installed) = slot.as_mut() else { return };
        installed.holders -= 1;
        if installed.holders > 0 {
            return;
        }
        if let Some(installed) = slot.take() {
            // Putting the real stderr back closes the pipe's last writer, so the reader passes
            // on what is left and ends.
            if rustix::stdio::dup2_stderr(&installed.real_stderr).is_ok() {
                let _ = installed.drained.recv_timeout(DRAIN);
            }
        }
    }
}

/// Points fd 2 at a pipe whose reader filters into a copy of the real stderr.
fn redirect() -> Option<Installed> {
    let real_stderr = rustix::io::dup(std::io::stderr().as_fd()).ok()?;
    let out = File::from(real_stderr.try_clone().ok()?);
    let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ok()?;
    let (done, drained) = channel();
    std::thread::Builder::new()
        .name("stderr filter".into())
        .spawn(move || {
            pass_on(BufReader::new(File::from(read)), out);
            let _ = done.send(());
        })
        .ok()?;
    // If this fails, dropping `write` ends the reader at once and stderr is untouched.
    rustix::stdio::dup2_stderr(&write).ok()?;
    Some(Installed { real_stderr, drained, holders: 1 })
}

/// Copies `lines` to `out`, leaving out the audio libraries' noise and the blank lines that
/// follow it.
fn pass_on(mut lines: impl BufRead, mut out: impl Write) {
    let mut line = Vec::new();
    let mut after_noise = false;
    loop {
        line.clear();
        match lines.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        let blank = text.trim().is_empty();
        if is_host_noise(&text) || (blank && after_noise) {
            after_noise = true;
            continue;
        }
        after_noise = false;
        let _ = out.write_all(&line);
    }
}

/// Whether a line is ALSA's or JACK's own diagnostics rather than something to show.
fn is_host_noise(line: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "ALSA lib ",
        "Cannot connect to server",
        "jack server is not running",
        "JackShmReadWritePtr",
        "Jack: ",
        "JackClient",
        "connect(2) call to",
        "attempt to connect to server failed",
    ];
    let line = line.trim_start();
    PREFIXES.iter().any(|p| line.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alsa_and_jack_lines_are_dropped_and_the_rest_pass_in_order() {
        let noisy = "ALSA lib confmisc.c:165:(snd_config_get_card) Cannot get card index for 0\n\
                     Cannot connect to server socket err = No such file or directory\n\
                     jack server is not running or cannot be started\n\
                     JackShmReadWritePtr::~JackShmReadWritePtr - Init not done for -1, skipping unlock\n\
                     ALSA lib pulse.c:242:(pulse_connect) PulseAudio: Unable to connect: Connection refused\n\
                     \n\
                     thread 'main' panicked at src/x.rs:1:1:\n\
                     \n\
                     the rest, with no newline";
        let mut out = Vec::new();
        pass_on(noisy.as_bytes(), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "thread 'main' panicked at src/x.rs:1:1:\n\nthe rest, with no newline"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_pass_unchanged() {
        let mut out = Vec::new();
        pass_on(&b"caf\xe9\n"[..], &mut out);
        assert_eq!(out, b"caf\xe9\n");
    }
}
