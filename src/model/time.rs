//! Time on the audio clock: [`Ms`] for a moment or a length, [`Span`] for a stretch.
//!
//! One printer and one parser for every place verbatim shows or reads a time: `Display` is the
//! clock (`00:01:02`, with `{:.1}` tenths or `{:.3}` milliseconds), and `FromStr` reads what
//! people type for a time or a length (`90s`, `1h30m`, `500ms`, `1.5`, `1:02:03`, `12:30.5`).
//! Arithmetic saturates: times read from disk may hold any value, and an overflow must never
//! panic on a damaged file.

use std::fmt;
use std::str::FromStr;

/// A moment or a length on the audio clock, in whole milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Ms(pub u64);

impl Ms {
    /// The start of the audio.
    pub const ZERO: Ms = Ms(0);
    /// The moment of audio frame `frame` at `rate` frames a second (rounded down).
    pub fn of_frames(frame: u64, rate: u32) -> Ms {
        Ms((u128::from(frame) * 1000 / u128::from(rate.max(1))).try_into().unwrap_or(u64::MAX))
    }

    /// The frame this moment falls in, at `rate` frames a second (rounding down).
    pub fn frame_floor(self, rate: u32) -> u64 {
        self.0.saturating_mul(u64::from(rate)) / 1000
    }

    /// The first frame wholly after this moment, so `a.frame_floor()..b.frame_ceil()` covers `a..b`.
    pub(crate) fn frame_ceil(self, rate: u32) -> u64 {
        self.0.saturating_mul(u64::from(rate)).div_ceil(1000)
    }

    /// In seconds, for messages and ratios.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// As a std duration.
    pub fn to_duration(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.0)
    }

    /// From a std duration (whole milliseconds, saturating).
    pub(crate) fn from_duration(duration: std::time::Duration) -> Ms {
        Ms(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
    }

    /// `self + other`, stopping at `Ms(u64::MAX)`.
    pub fn saturating_add(self, other: Ms) -> Ms {
        Ms(self.0.saturating_add(other.0))
    }

    /// `self - other`, stopping at zero.
    pub(crate) fn saturating_sub(self, other: Ms) -> Ms {
        Ms(self.0.saturating_sub(other.0))
    }

    /// Moved by a signed number of milliseconds, kept within `0..=MAX`.
    pub fn offset(self, delta_ms: i64) -> Ms {
        if delta_ms < 0 {
            Ms(self.0.saturating_sub(delta_ms.unsigned_abs()))
        } else {
            Ms(self.0.saturating_add(delta_ms as u64))
        }
    }

    /// The clock with `digits` (0-3) decimals after `separator`: `stamp('-', 1)` is f4's
    /// `00:01:02-3`, `stamp(',', 3)` SRT's `00:01:02,345`. Fractions are cut, never rounded up,
    /// so a stamp never points past its moment.
    pub(crate) fn stamp(self, separator: char, digits: usize) -> Stamp {
        Stamp { ms: self, separator, digits: digits.min(3) }
    }
}

/// `HH:MM:SS`, or with the formatter's precision (up to 3) that many decimals: `{:.1}` gives
/// `00:01:02.3`.
impl fmt::Display for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.stamp('.', f.precision().unwrap_or(0)).to_string();
        // Widths pad (tables line up); the precision already chose the decimals.
        match (f.width(), f.align()) {
            (Some(width), Some(fmt::Alignment::Left)) => write!(f, "{text:<width$}"),
            (Some(width), _) => write!(f, "{text:>width$}"),
            (None, _) => f.write_str(&text),
        }
    }
}

/// A clock reading with a chosen decimal separator; see [`Ms::stamp`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stamp {
    ms: Ms,
    separator: char,
    digits: usize,
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.ms.0;
        let s = ms / 1000;
        write!(f, "{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)?;
        if self.digits > 0 {
            let fraction = ms % 1000 / 10u64.pow(3 - self.digits as u32);
            write!(f, "{}{fraction:0width$}", self.separator, width = self.digits)?;
        }
        Ok(())
    }
}

/// Why a text is not a time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a time or a length; write e.g. 90s, 2m, 1h30m, 500ms, 1.5 or 1:02:03")]
pub struct TimeError {
    /// What was typed.
    pub(crate) text: String,
}

/// One grammar for every time and length verbatim reads:
/// - a clock, `H:MM:SS` or `M:SS`, the last part with an optional fraction (`1:15.5`);
/// - numbers with units `h`, `m` (or `min`), `s`, `ms`, in any combination (`1h30m`, `2m 30s`, `1.5s`);
/// - a bare number, which is seconds (`90`, `0.5`).
impl FromStr for Ms {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<Ms, TimeError> {
        let bad = || TimeError { text: text.to_string() };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(bad());
        }
        let ms = if trimmed.contains(':') { parse_clock(trimmed) } else { parse_units(trimmed) };
        ms.map(Ms).ok_or_else(bad)
    }
}

/// Milliseconds in `digits[.fraction]` of a unit of `unit_ms`, rounded to the nearest ms.
fn decimal(number: &str, unit_ms: u128) -> Option<u128> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) || fraction.len() > 9 {
        return None;
    }
    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let scale = 10u128.pow(fraction.len() as u32);
    let fraction: u128 = if fraction.is_empty() { 0 } else { fraction.parse().ok()? };
    whole.checked_mul(unit_ms)?.checked_add((fraction * unit_ms * 2 + scale) / (2 * scale))
}

fn parse_clock(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    let (h, m, s) = match parts[..] {
        [h, m, s] => (h, m, s),
        [m, s] => ("0", m, s),
        _ => return None,
    };
    let whole =
        |p: &str| (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse::<u128>().ok()).flatten();
    let total = whole(h)?
        .checked_mul(3_600_000)?
        .checked_add(whole(m)?.checked_mul(60_000)?)?
        .checked_add(decimal(s, 1000)?)?;
    u64::try_from(total).ok()
}

fn parse_units(text: &str) -> Option<u64> {
    let mut total: u128 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let after = after.trim_start();
        let unit_len = after.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let unit_ms = match unit {
            // A bare number is seconds, but only alone: `1h30` is a typo, not 1h 30s.
            "" if total == 0 && after.trim().is_empty() => 1000,
            "h" => 3_600_000,
            "m" | "min" => 60_000,
            "s" => 1000,
            "ms" => 1,
            _ => return None,
        };
        total = total.checked_add(decimal(number, unit_ms)?)?;
        rest = after.trim_start();
    }
    u64::try_from(total).ok()
}

/// A stretch of the recording: from `start` (inclusive) to `end` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Span {
    /// Where it starts.
    #[serde(rename = "start_ms")]
    pub start: Ms,
    /// Where it ends.
    #[serde(rename = "end_ms")]
    pub end: Ms,
}

impl Span {
    /// The stretch from `start` to `end`.
    pub(crate) const fn new(start: Ms, end: Ms) -> Span {
        Span { start, end }
    }

    /// From milliseconds, for tests and tables.
    pub const fn ms(start: u64, end: u64) -> Span {
        Span { start: Ms(start), end: Ms(end) }
    }

    /// How long it lasts (zero if it ends before it starts).
    pub fn len(self) -> Ms {
        self.end.saturating_sub(self.start)
    }

    /// True if it lasts no time at all.
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// Whether `at` lies inside (the end is outside).
    pub(crate) fn contains(self, at: Ms) -> bool {
        self.start <= at && at < self.end
    }

    /// Whether `other` lies wholly inside (ends may touch).
    pub fn covers(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<u64> {
        text.parse::<Ms>().ok().map(|ms| ms.0)
    }

    #[test]
    fn one_clock_prints_every_stamp() {
        let t = Ms(3_723_456);
        assert_eq!(t.to_string(), "01:02:03");
        assert_eq!(format!("{t:.1}"), "01:02:03.4");
        assert_eq!(format!("{t:.3}"), "01:02:03.456");
        assert_eq!(t.stamp('-', 1).to_string(), "01:02:03-4");
        assert_eq!(t.stamp(',', 3).to_string(), "01:02:03,456");
        assert_eq!(Ms(999).to_string(), "00:00:00", "cut, never rounded up");
        assert_eq!(Ms(360_000_000).to_string(), "100:00:00");
        assert_eq!(format!("[{:>10}|{:<9}]", Ms(1_000), Ms(2_000)), "[  00:00:01|00:00:02 ]");
        assert_eq!(Ms(u64::MAX).stamp('-', 1).to_string(), "5124095576030:25:51-6");
    }

    #[test]
    fn one_grammar_reads_what_people_type() {
        assert_eq!(parse("90s"), Some(90_000));
        assert_eq!(parse("2m"), Some(120_000));
        assert_eq!(parse("1h30m"), Some(5_400_000));
        assert_eq!(parse("2m 30s"), Some(150_000));
        assert_eq!(parse("5 s"), Some(5_000));
        assert_eq!(parse("1.5s"), Some(1_500));
        assert_eq!(parse("500ms"), Some(500));
        assert_eq!(parse("10min"), Some(600_000));
        assert_eq!(parse("12"), Some(12_000));
        assert_eq!(parse(" 3 "), Some(3_000));
        assert_eq!(parse("0"), Some(0));
        assert_eq!(parse(".5"), Some(500));
        assert_eq!(parse("1:02:03"), Some(3_723_000));
        assert_eq!(parse("12:30"), Some(750_000));
        assert_eq!(parse("1:15.5"), Some(75_500));
        assert_eq!(parse("0.0004"), Some(0), "rounded to the nearest ms");
        assert_eq!(parse("0.0005s"), Some(1));
        for bad in ["", "soon", "-1", "1h30", "inf", "NaN", "1e3", "1.2.3", "::", "1:2:3:4", "1:-2", "5 s s", "h"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        let err = "soon".parse::<Ms>().unwrap_err().to_string();
        assert!(err.contains("\"soon\"") && err.contains("1h30m"), "{err}");
    }

    #[test]
    fn huge_times_are_refused_not_wrapped() {
        assert_eq!(parse("5124095576030:25:51"), Some(u64::MAX - 615));
        assert_eq!(parse("5124095576030:25:52"), None);
        assert_eq!(parse("99999999999999999999999h"), None);
        assert_eq!(Ms(u64::MAX).saturating_add(Ms(1)), Ms(u64::MAX));
        assert_eq!(Ms(5).saturating_sub(Ms(9)), Ms::ZERO);
        assert_eq!(Ms(5).offset(-9), Ms::ZERO);
        assert_eq!(Ms(u64::MAX).offset(9), Ms(u64::MAX));
    }

    #[test]
    fn frames_and_spans() {
        assert_eq!(Ms::of_frames(72_000, 48_000), Ms(1_500));
        assert_eq!(Ms::of_frames(u64::MAX, 1), Ms(u64::MAX));
        assert_eq!((Ms(1_500).frame_floor(44_100), Ms(1_500).frame_ceil(44_100)), (66_150, 66_150));
        assert_eq!((Ms(1).frame_floor(44_100), Ms(1).frame_ceil(44_100)), (44, 45));
        let s = Span::ms(1_000, 2_500);
        assert_eq!(s.len(), Ms(1_500));
        assert!(s.contains(Ms(1_000)) && !s.contains(Ms(2_500)));
        assert!(s.covers(Span::ms(1_000, 2_500)) && !s.covers(Span::ms(900, 2_000)));
        assert_eq!(Span::ms(5, 1).len(), Ms::ZERO);
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"start_ms":1000,"end_ms":2500}"#);
    }
}
