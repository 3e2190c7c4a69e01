//! Identifiers checked once, where they enter: participant codes and session ids.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

/// A participant's pseudonymous code such as `P01`: never a name, an email or a phone number,
/// since it names folders and appears in every export.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ParticipantCode(String);

/// Why a participant code cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("participant code {code:?} is not allowed: {why}")]
pub struct CodeError {
    /// The code as given.
    pub(crate) code: String,
    /// What is wrong and what would be right.
    pub(crate) why: &'static str,
}

impl ParticipantCode {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two codes would clash as folder names on a case-insensitive disk.
    pub(crate) fn clashes_with(&self, other: &ParticipantCode) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl FromStr for ParticipantCode {
    type Err = CodeError;

    fn from_str(code: &str) -> Result<ParticipantCode, CodeError> {
        let bad = |why| Err(CodeError { code: code.to_string(), why });
        if code.is_empty() || code.len() > 24 {
            return bad("use 1 to 24 characters, such as P01");
        }
        if code.contains('@') {
            return bad("it looks like an email address; use a code such as P01");
        }
        if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return bad("use only letters A-Z, digits, '-' and '_', such as P01");
        }
        if !code.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return bad("start with a letter or digit");
        }
        if code.chars().filter(char::is_ascii_digit).count() >= 6 {
            return bad("it looks like a phone number or a date of birth; use a code such as P01");
        }
        Ok(ParticipantCode(code.to_string()))
    }
}

impl TryFrom<String> for ParticipantCode {
    type Error = CodeError;

    fn try_from(code: String) -> Result<Self, CodeError> {
        code.parse()
    }
}

impl From<ParticipantCode> for String {
    fn from(code: ParticipantCode) -> String {
        code.0
    }
}

impl fmt::Display for ParticipantCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl AsRef<str> for ParticipantCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for ParticipantCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ParticipantCode {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// A session's id, also its folder's name: `YYYYMMDDTHHMMSSZ-CODE`, with `.2`, `.3`… when two
/// start in the same second. The time is UTC, so ids sort by start time across DST changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SessionId(String);

/// Why a text is not a session id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a session id; they look like 20261120T090000Z-P01 (see `verbatim sessions`)")]
pub struct SessionIdError(pub(crate) String);

impl SessionId {
    /// The id of a session of `participant` that started at `started`.
    pub(crate) fn new(started: DateTime<Utc>, participant: &ParticipantCode) -> SessionId {
        SessionId(format!("{}-{participant}", started.format("%Y%m%dT%H%M%SZ")))
    }

    /// The `n`th session to start in the same second: `…-P01.2`. A '.' cannot occur in a
    /// participant code, so `…-P01.2` never reads as participant `P01-2`.
    pub(crate) fn numbered(&self, n: u32) -> SessionId {
        SessionId(format!("{}.{n}", self.0))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id with its participant part renamed: `20261120T090000Z-P01.2` → `…-P07.2`; `None`
    /// if the id is not `old`'s.
    pub(crate) fn renamed(&self, old: &ParticipantCode, new: &ParticipantCode) -> Option<SessionId> {
        let (time, rest) = self.0.split_once("Z-")?;
        let (code, suffix) = rest.split_once('.').map_or((rest, None), |(c, s)| (c, Some(s)));
        (code == old.as_str()).then(|| match suffix {
            Some(suffix) => SessionId(format!("{time}Z-{new}.{suffix}")),
            None => SessionId(format!("{time}Z-{new}")),
        })
    }
}

impl FromStr for SessionId {
    type Err = SessionIdError;

    /// Any name that is safe as one folder name (no `/`, not hidden, printable): folders made
    /// by older versions or renamed by hand keep working.
    fn from_str(text: &str) -> Result<SessionId, SessionIdError> {
        let safe = !text.is_empty()
            && text.len() <= 255
            && !text.starts_with('.')
            && !text.chars().any(|c| c == '/' || c == '\\' || c.is_control() || c.is_whitespace());
        if safe { Ok(SessionId(text.to_string())) } else { Err(SessionIdError(text.to_string())) }
    }
}

impl TryFrom<String> for SessionId {
    type Error = SessionIdError;

    fn try_from(text: String) -> Result<Self, SessionIdError> {
        text.parse()
    }
}

impl From<SessionId> for String {
    fn from(id: SessionId) -> String {
        id.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl AsRef<str> for SessionId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for SessionId {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(&self.0)
    }
}

impl PartialEq<str> for SessionId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for SessionId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn code(text: &str) -> ParticipantCode {
        text.parse().unwrap()
    }

    #[test]
    fn codes_refuse_personal_data() {
        for ok in ["P01", "L3-focus", "a_b", "7"] {
            assert_eq!(code(ok).as_str(), ok);
        }
        for (bad, why) in [
            ("", "1 to 24"),
            ("kari@example.org", "email"),
            ("Kari Nordmann", "only letters"),
            ("-P01", "start with"),
            ("98765432", "phone number"),
            ("P01.2", "only letters"),
        ] {
            let err = bad.parse::<ParticipantCode>().unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
        for ok in ["P01", "p1", "L7", "FG2_L3", "pilot-1", "2024A"] {
            assert!(ok.parse::<ParticipantCode>().is_ok(), "{ok}");
        }
        for bad in ["kari@uio.no", "+4791234567", "91234567", "010190", "-P1", "Åse", "x".repeat(25).as_str(), "../P1"]
        {
            assert!(bad.parse::<ParticipantCode>().is_err(), "{bad} should be refused");
        }
        assert!(code("p01").clashes_with(&code("P01")));
        assert!(serde_json::from_str::<ParticipantCode>("\"a@b\"").is_err());
    }

    #[test]
    fn ids_sort_by_time_across_participants_and_rename_only_the_code() {
        let a = SessionId::new(Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap(), &code("P10"));
        let b = SessionId::new(Utc.with_ymd_and_hms(2026, 3, 29, 1, 1, 0).unwrap(), &code("P02"));
        assert_eq!(a.as_str(), "20260329T005900Z-P10");
        assert!(a < b);
        assert_eq!(a.numbered(2).as_str(), "20260329T005900Z-P10.2");
        let id = |s: &str| s.parse::<SessionId>().unwrap();
        let (p01, p07) = (code("P01"), code("P07"));
        assert_eq!(id("20261120T090000Z-P01").renamed(&p01, &p07), Some(id("20261120T090000Z-P07")));
        assert_eq!(id("20261120T090000Z-P01.2").renamed(&p01, &p07), Some(id("20261120T090000Z-P07.2")));
        assert_eq!(id("20261120T090000Z-P011").renamed(&p01, &p07), None);
        assert_eq!(id("20261120T090000Z-P02").renamed(&p01, &p07), None);
        for bad in ["", ".staging-x", "a/b", "a b", "x\n"] {
            assert!(bad.parse::<SessionId>().is_err(), "{bad:?}");
        }
    }
}
