//! Everything the command line says: results on stdout, warnings, hints and errors on stderr,
//! a progress bar on a terminal, and confirmations typed back. A failed print never crashes a
//! saved session: after a recording the terminal may be gone.

use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, Instant};

/// Prints a result line on stdout, ignoring a closed stdout.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Prints a line on stderr, ignoring a closed stderr.
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// `warning: …` on stderr.
pub fn warn(text: &str) {
    note(&format!("warning: {text}"));
}

/// `verbatim: error: …` on stderr, for an error the command reports and goes on from.
pub fn error(text: &str) {
    note(&format!("verbatim: error: {text}"));
}

/// What to do next, on stderr.
pub fn hint(text: &str) {
    note(&format!("hint: {text}"));
}

/// Asks for `expected` to be typed, after `lines` explaining why; false (and says so) for
/// anything else.
pub fn confirm(lines: &[String], expected: &str) -> std::io::Result<bool> {
    for line in lines {
        say!("{line}");
    }
    say!("Type {expected} to go ahead, or anything else to keep everything:");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    let yes = answer.trim() == expected;
    if !yes {
        say!("Nothing was changed.");
    }
    Ok(yes)
}

/// True when stdin is a terminal someone can confirm on.
pub fn can_confirm() -> bool {
    std::io::stdin().is_terminal()
}

/// A progress line on stderr: a bar on a terminal, nothing otherwise (the result lines say it all).
pub struct Progress {
    sessions: usize,
    terminal: bool,
    last: Option<Instant>,
    shown: bool,
    /// For the time left: the session, when its progress was first seen, and how far it was.
    since: Option<(usize, Instant, u64)>,
    time_left: bool,
}

impl Progress {
    /// A bar over `sessions` sessions.
    pub fn new(sessions: usize) -> Self {
        Self {
            sessions,
            terminal: std::io::stderr().is_terminal(),
            last: None,
            shown: false,
            since: None,
            time_left: false,
        }
    }

    /// Also shows the time left in the session, from its pace so far (for slow work).
    pub fn with_time_left(mut self) -> Self {
        self.time_left = true;
        self
    }

    /// Frame `done` of `total` in session `index`.
    pub fn update(&mut self, index: usize, done: u64, total: u64) {
        if !self.terminal || self.last.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return;
        }
        self.last = Some(Instant::now());
        let mut line = bar_line(index, self.sessions, done, total);
        if self.time_left {
            let (session, since, from) = *self.since.get_or_insert((index, Instant::now(), done));
            if session != index {
                self.since = Some((index, Instant::now(), done));
            } else if let Some(left) =
                time_left(since.elapsed().as_secs_f64(), done - from.min(done), total - done.min(total))
            {
                line.push_str(&format!("  {left}"));
            }
        }
        let mut err = std::io::stderr();
        let _ = err.write_all(format!("\r{line}").as_bytes());
        let _ = err.flush();
        self.shown = true;
    }

    /// Removes the bar before a result line is printed.
    pub fn clear(&mut self) {
        if self.shown {
            let _ = std::io::stderr().write_all(format!("\r{}\r", " ".repeat(80)).as_bytes());
            self.shown = false;
        }
        self.last = None;
    }
}

/// `about 3 min left` from `secs` spent on `done` units with `left` to go; nothing until the
/// pace is known (a few seconds in).
fn time_left(secs: f64, done: u64, left: u64) -> Option<String> {
    if secs < 3.0 || done == 0 {
        return None;
    }
    let remaining = secs * left as f64 / done as f64;
    Some(if remaining < 90.0 {
        format!("about {} s left", (remaining / 5.0).ceil() as u64 * 5)
    } else {
        format!("about {} min left", (remaining / 60.0).round() as u64)
    })
}

/// `[#####.........]  33%  session 2 of 3` for frame `done` of `total` in session `index`.
fn bar_line(index: usize, sessions: usize, done: u64, total: u64) -> String {
    const WIDTH: usize = 30;
    let session_share = if total == 0 { 1.0 } else { done as f64 / total as f64 };
    let overall = ((index as f64 + session_share) / sessions.max(1) as f64).clamp(0.0, 1.0);
    let filled = ((overall * WIDTH as f64).round() as usize).min(WIDTH);
    format!(
        "[{}{}] {:>3}%  session {} of {}",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        (overall * 100.0).round() as u32,
        index + 1,
        sessions
    )
}

/// `1 clip`, `3 files`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// `mono`, `stereo`, `6ch`.
pub fn channels_word(channels: u16) -> String {
    match channels {
        1 => "mono".into(),
        2 => "stereo".into(),
        n => format!("{n}ch"),
    }
}

#[cfg(test)]
mod tests {
    use super::bar_line;

    #[test]
    fn the_bar_counts_sessions_and_frames() {
        assert_eq!(bar_line(0, 1, 0, 100), format!("[{}]   0%  session 1 of 1", ".".repeat(30)));
        assert_eq!(bar_line(1, 2, 50, 100), format!("[{}{}]  75%  session 2 of 2", "#".repeat(23), ".".repeat(7)));
        assert_eq!(bar_line(0, 1, 0, 0), format!("[{}] 100%  session 1 of 1", "#".repeat(30)));
    }
}
