//! The status line: the newest message, and whether it is an alarm the user must see.

use ratatui::style::Style;

/// How loud a status message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// Something that happened.
    Info,
    /// Something that needs the user now: lost input, unsaved work.
    Alarm,
}

/// A message for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// What to say.
    pub text: String,
    /// How loud.
    pub(crate) level: Level,
}

impl Status {
    /// An ordinary message.
    pub(crate) fn info(text: impl Into<String>) -> Status {
        Status { text: text.into(), level: Level::Info }
    }

    /// A message the user must not miss.
    pub(crate) fn alarm(text: impl Into<String>) -> Status {
        Status { text: text.into(), level: Level::Alarm }
    }

    /// How the recording screen shows it: alarms white on red, the rest in italics.
    pub(crate) fn record_style(&self) -> Style {
        match self.level {
            Level::Alarm => Style::new().white().on_red().bold(),
            Level::Info => Style::new().italic(),
        }
    }

    /// How the review screen shows it: alarms red and bold.
    pub(crate) fn review_style(&self) -> Style {
        match self.level {
            Level::Alarm => Style::new().red().bold(),
            Level::Info => Style::new(),
        }
    }
}
