//! Arguments several commands share, and the parsers clap calls for the library's types.

use std::path::PathBuf;

use verbatim::model::{Ms, SessionId};

/// The project folder every command but `devices` and `demo` works on.
#[derive(Debug, clap::Args)]
pub struct ProjectArg {
    /// The project folder.
    pub dir: PathBuf,
}

/// The project folder and one of its sessions: what a command on one session takes.
#[derive(Debug, clap::Args)]
pub struct SessionArg {
    #[command(flatten)]
    pub project: ProjectArg,
    /// The session id (see `verbatim sessions`).
    #[arg(value_parser = parsed::<SessionId>)]
    pub session: SessionId,
}

/// A length that must be more than nothing (`--for 90s`): the one time grammar, not zero.
pub fn positive_length(text: &str) -> Result<Ms, String> {
    match text.parse::<Ms>() {
        Ok(length) if length > Ms::ZERO => Ok(length),
        Ok(_) => Err(format!("{text:?} is no time at all; give a length such as 90s, 2m or 1h30m")),
        Err(e) => Err(e.to_string()),
    }
}

/// A time or length, zero allowed (`--from 0`, `--rewind 0`).
pub fn time(text: &str) -> Result<Ms, String> {
    text.parse::<Ms>().map_err(|e| e.to_string())
}

/// `--started`: RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` in local time.
pub fn started(text: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, String> {
    use chrono::TimeZone;
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return chrono::Local
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.fixed_offset())
                .ok_or_else(|| format!("{text:?} does not exist in the local time zone (a daylight-saving gap)"));
        }
    }
    Err(format!("{text:?} is not a time; write e.g. \"2026-11-20 14:05\" or 2026-11-20T14:05:00+01:00"))
}

/// A value clap reads with the library's own `FromStr`, its error as the message.
pub fn parsed<T: std::str::FromStr>(text: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e: T::Err| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_read_the_one_grammar_and_for_must_be_more_than_nothing() {
        assert_eq!(positive_length("90s"), Ok(Ms(90_000)));
        assert_eq!(positive_length("1h30m"), Ok(Ms(5_400_000)));
        assert_eq!(positive_length("1.5s"), Ok(Ms(1_500)));
        assert_eq!(positive_length("12"), Ok(Ms(12_000)));
        assert!(positive_length("soon").is_err());
        assert!(positive_length("0s").is_err());
        assert!(positive_length("99999999999999999999999h").is_err());
        assert_eq!(time("0"), Ok(Ms::ZERO));
        assert!(started("2026-11-20 14:05").is_ok());
        assert!(started("yesterday").unwrap_err().contains("is not a time"));
    }
}
