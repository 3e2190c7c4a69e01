//! The interview guide: a small Markdown dialect parsed into sections, questions and probes.
//!
//! ```text
//! # Title                      exactly one, the first non-blank line
//! Free text.                   preamble, up to the first section
//! ## Section
//! - Question                   also `* `, `+ `, `1. `, `1) `
//!   - Probe                    indented by two or more spaces or a tab
//! - (Probe)                    a column-0 item wholly in parentheses is a probe too
//! <!-- comment -->             ignored, may span lines
//! ```
//!
//! Anything else is an error naming the file, the line and the fix: a guide is read aloud
//! from during an interview, so a question silently dropped by the parser would be missed.

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// Largest guide accepted, in bytes; a guide is a page or two, anything bigger is the wrong file.
pub(crate) const MAX_GUIDE_BYTES: usize = 1024 * 1024;
/// Longest line accepted, in characters; longer lines cannot be shown usefully on a terminal.
pub(crate) const MAX_LINE_CHARS: usize = 2000;

/// A parsed interview guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guide {
    /// The `# Title` text.
    pub(crate) title: String,
    /// Non-blank text lines between the title and the first section, trimmed.
    pub(crate) preamble: Vec<String>,
    /// The `## ` sections in order; each has at least one question.
    pub sections: Vec<Section>,
}

/// A `## ` section of the guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// The heading text.
    pub(crate) title: String,
    /// 1-based line of the heading.
    pub(crate) line: usize,
    /// The section's questions in order.
    pub questions: Vec<Question>,
}

/// A question: a column-0 list item inside a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// The item's text, without the list marker.
    pub(crate) text: String,
    /// 1-based line of the item.
    pub(crate) line: usize,
    /// Follow-up probes written under the question.
    pub(crate) probes: Vec<Probe>,
}

/// A probe: an indented or parenthesised list item under a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Probe {
    /// The item's text as written (parentheses included), without the list marker.
    pub(crate) text: String,
    /// 1-based line of the item.
    pub(crate) line: usize,
}

pub use crate::model::QuestionRef;

/// Why a guide could not be read or parsed, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {message}. {hint}", at_line(.line))]
pub struct GuideError {
    /// The file (or other source) the guide came from.
    pub(crate) origin: String,
    /// 1-based line of the problem; 0 when it concerns the whole file.
    pub(crate) line: usize,
    /// What is wrong, without a final full stop.
    pub(crate) message: String,
    /// What to do about it, as a sentence.
    pub(crate) hint: String,
}

fn at_line(line: &usize) -> String {
    if *line == 0 { String::new() } else { format!(", line {line}") }
}

impl Guide {
    /// Parses guide text; `origin` names its source in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Guide, GuideError> {
        if text.len() > MAX_GUIDE_BYTES {
            return Err(too_large(origin, text.len()));
        }
        // Editors on Windows like to start UTF-8 files with a byte order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut parser = Parser { origin, title: None, preamble: Vec::new(), sections: Vec::new(), comment: None };
        for (index, raw) in text.split('\n').enumerate() {
            parser.line(index + 1, raw)?;
        }
        parser.finish()
    }

    /// Reads and parses a file; returns the guide and its text (the text gets stored in the session).
    pub fn load(path: &Path) -> Result<(Guide, String), GuideError> {
        let origin = path.display().to_string();
        let io_error = |e: std::io::Error| GuideError {
            origin: origin.clone(),
            line: 0,
            message: format!("cannot read the guide: {e}"),
            hint: "Check the path and the file's permissions.".into(),
        };
        let file = std::fs::File::open(path).map_err(io_error)?;
        // Read at most one byte past the limit: metadata lies for pipes and devices.
        let mut bytes = Vec::new();
        file.take(MAX_GUIDE_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(io_error)?;
        Self::from_bytes(bytes, &origin)
    }

    fn from_bytes(bytes: Vec<u8>, origin: &str) -> Result<(Guide, String), GuideError> {
        if bytes.len() > MAX_GUIDE_BYTES {
            return Err(too_large(origin, bytes.len()));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            GuideError {
                origin: origin.into(),
                line: 0,
                message: format!("the file is not UTF-8 text (the first invalid byte is on line {line})"),
                hint: "Save the guide as UTF-8 plain text.".into(),
            }
        })?;
        let guide = Self::parse(&text, origin)?;
        Ok((guide, text))
    }

    /// Number of questions in all sections.
    pub fn question_count(&self) -> usize {
        self.sections.iter().map(|s| s.questions.len()).sum()
    }

    /// The question at `at`, if there is one.
    pub fn question(&self, at: QuestionRef) -> Option<&Question> {
        self.sections.get(at.section)?.questions.get(at.question)
    }

    /// All questions in order with their refs.
    pub fn questions(&self) -> impl Iterator<Item = (QuestionRef, &Question)> + '_ {
        self.sections.iter().enumerate().flat_map(|(section, s)| {
            s.questions.iter().enumerate().map(move |(question, q)| (QuestionRef { section, question }, q))
        })
    }

    /// The first question of the guide (None only for a guide built by hand without questions).
    pub fn first(&self) -> Option<QuestionRef> {
        self.first_from(0)
    }

    /// The ref after `at` in reading order (None at the end, or if `at` is not a question).
    pub fn next(&self, at: QuestionRef) -> Option<QuestionRef> {
        let section = self.sections.get(at.section)?;
        self.question(at)?;
        if at.question + 1 < section.questions.len() {
            Some(QuestionRef { section: at.section, question: at.question + 1 })
        } else {
            self.first_from(at.section + 1)
        }
    }

    /// The ref before `at` in reading order (None at the start, or if `at` is not a question).
    pub fn prev(&self, at: QuestionRef) -> Option<QuestionRef> {
        self.question(at)?;
        match at.question.checked_sub(1) {
            Some(question) => Some(QuestionRef { section: at.section, question }),
            None => self.sections.get(..at.section)?.iter().enumerate().rev().find_map(|(section, s)| {
                s.questions.len().checked_sub(1).map(|question| QuestionRef { section, question })
            }),
        }
    }

    /// First question of the next section (None in the last section, or if `at` is not a question).
    pub fn next_section(&self, at: QuestionRef) -> Option<QuestionRef> {
        self.question(at)?;
        self.first_from(at.section + 1)
    }

    /// First question of the previous section: the start of the current section if not already
    /// there, else the previous section's first (None at the guide's first question).
    pub fn prev_section(&self, at: QuestionRef) -> Option<QuestionRef> {
        self.question(at)?;
        if at.question > 0 {
            return Some(QuestionRef { section: at.section, question: 0 });
        }
        let before = self.sections.get(..at.section)?;
        let section = before.iter().rposition(|s| !s.questions.is_empty())?;
        Some(QuestionRef { section, question: 0 })
    }

    /// First question of the first section at or after `section` that has any; sections are
    /// public, so a hand-built guide may have empty ones and navigation must step over them.
    fn first_from(&self, section: usize) -> Option<QuestionRef> {
        let offset = self.sections.get(section..)?.iter().position(|s| !s.questions.is_empty())?;
        Some(QuestionRef { section: section + offset, question: 0 })
    }
}

fn too_large(origin: &str, len: usize) -> GuideError {
    GuideError {
        origin: origin.into(),
        line: 0,
        message: format!("the file is larger than 1 MiB ({len} bytes or more)"),
        hint: "An interview guide is a short text; check that this is the right file.".into(),
    }
}

/// What a line is, before its place in the guide is considered.
enum Kind<'a> {
    /// `#`…: heading level and text.
    Heading(usize, &'a str),
    /// A list item: how it is indented, and its text without the marker.
    Item(Indent, &'a str),
    /// Anything else.
    Text(&'a str),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Indent {
    None,
    /// One space: neither a question nor a probe, and easy to type by accident.
    One,
    Deep,
}

struct Parser<'a> {
    origin: &'a str,
    /// Text and line of the `# ` title once seen.
    title: Option<(String, usize)>,
    preamble: Vec<String>,
    sections: Vec<Section>,
    /// Line where an unclosed `<!--` comment began.
    comment: Option<usize>,
}

impl Parser<'_> {
    fn error(&self, line: usize, message: impl Into<String>, hint: impl Into<String>) -> GuideError {
        GuideError { origin: self.origin.into(), line, message: message.into(), hint: hint.into() }
    }

    fn line(&mut self, n: usize, raw: &str) -> Result<(), GuideError> {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.len() > MAX_LINE_CHARS {
            let chars = raw.chars().count();
            if chars > MAX_LINE_CHARS {
                let message = format!("the line is {chars} characters long, more than the {MAX_LINE_CHARS} allowed");
                return Err(self.error(n, message, "Shorten it or split it into several items."));
            }
        }
        // The guide is drawn on a terminal, where control characters would garble the screen.
        if let Some(c) = raw.chars().find(|&c| c.is_control() && c != '\t') {
            let hint = if c == '\r' {
                "Save the file with Unix (LF) or Windows (CRLF) line endings."
            } else {
                "Remove it; control characters cannot be shown on a terminal."
            };
            return Err(self.error(n, format!("the line contains the control character U+{:04X}", c as u32), hint));
        }
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if self.comment.is_some() {
            if let Some(end) = line.find("-->") {
                self.comment = None;
                self.after_comment(n, &line[end + 3..])?;
            }
            return Ok(());
        }
        if trimmed.is_empty() {
            return Ok(());
        }
        if let Some(body) = trimmed.strip_prefix("<!--") {
            match body.find("-->") {
                Some(end) => self.after_comment(n, &body[end + 3..])?,
                None => self.comment = Some(n),
            }
            return Ok(());
        }
        let indent = match &line[..line.len() - trimmed.len()] {
            "" => Indent::None,
            " " => Indent::One,
            _ => Indent::Deep,
        };
        let kind = if trimmed.starts_with('#') {
            Kind::Heading(trimmed.len() - trimmed.trim_start_matches('#').len(), heading_text(trimmed))
        } else if let Some(text) = list_item(trimmed) {
            Kind::Item(indent, text)
        } else {
            Kind::Text(trimmed)
        };
        self.classified(n, kind)
    }

    /// Rejects text after `-->`: it would otherwise be a guide line hidden inside a comment line.
    fn after_comment(&self, n: usize, rest: &str) -> Result<(), GuideError> {
        if rest.trim().is_empty() {
            Ok(())
        } else {
            Err(self.error(n, "text after the end of a comment", "Put the comment on a line of its own."))
        }
    }

    fn classified(&mut self, n: usize, kind: Kind<'_>) -> Result<(), GuideError> {
        let Some((_, title_line)) = self.title else {
            return match kind {
                Kind::Heading(1, "") => Err(self.error(n, "the title is empty", "Write the guide's title after `# `.")),
                Kind::Heading(1, text) => {
                    self.title = Some((text.into(), n));
                    Ok(())
                }
                _ => Err(self.error(
                    n,
                    "the guide does not start with a `# Title` line",
                    "Make the first line the guide's title, written as `# Title`.",
                )),
            };
        };
        match kind {
            Kind::Heading(1, _) => Err(self.error(
                n,
                format!("a second `# ` title (the guide's title is on line {title_line})"),
                "Use `## ` for sections; a guide has one title.",
            )),
            Kind::Heading(2, "") => {
                Err(self.error(n, "a section heading without a name", "Write the section's name after `## `."))
            }
            Kind::Heading(2, text) => {
                self.check_last_section()?;
                self.sections.push(Section { title: text.into(), line: n, questions: Vec::new() });
                Ok(())
            }
            Kind::Heading(level, _) => Err(self.error(
                n,
                format!("`{}` headings are not supported", "#".repeat(level)),
                "Use `## ` for sections and `- ` list items for questions.",
            )),
            Kind::Item(Indent::One, _) => Err(self.error(
                n,
                "a list item indented by a single space",
                "Start questions at the beginning of the line and indent probes by two spaces or a tab.",
            )),
            Kind::Item(indent, text) => self.item(n, indent == Indent::Deep || parenthesised(text), text),
            Kind::Text(text) => match self.sections.last() {
                None => {
                    self.preamble.push(text.into());
                    Ok(())
                }
                Some(section) => Err(self.error(
                    n,
                    format!("text that is not a list item in section \"{}\"", section.title),
                    "Write questions as `- ` list items and probes as indented `- ` items, each on one line.",
                )),
            },
        }
    }

    fn item(&mut self, n: usize, probe: bool, text: &str) -> Result<(), GuideError> {
        let origin = self.origin;
        let error = |message: &str, hint: &str| GuideError {
            origin: origin.into(),
            line: n,
            message: message.into(),
            hint: hint.into(),
        };
        let Some(section) = self.sections.last_mut() else {
            return Err(if probe {
                error("a probe with no question before it", "Add a `## Section` heading and a `- question` above it.")
            } else {
                error("a question before any section", "Add a `## Section` heading above it.")
            });
        };
        if probe {
            if text.trim_start_matches('(').trim_end_matches(')').trim().is_empty() {
                return Err(error("an empty probe", "Write the probe after the list marker, or delete the line."));
            }
            let Some(question) = section.questions.last_mut() else {
                return Err(error(
                    "a probe with no question before it",
                    "Write its question above it as a `- ` item, or remove the indentation or parentheses to make it a question.",
                ));
            };
            question.probes.push(Probe { text: text.into(), line: n });
        } else {
            if text.is_empty() {
                return Err(error(
                    "an empty question",
                    "Write the question after the list marker, or delete the line.",
                ));
            }
            section.questions.push(Question { text: text.into(), line: n, probes: Vec::new() });
        }
        Ok(())
    }

    /// A heading with nothing under it is most likely an unfinished edit, so it is an error.
    fn check_last_section(&self) -> Result<(), GuideError> {
        match self.sections.last() {
            Some(s) if s.questions.is_empty() => Err(self.error(
                s.line,
                format!("section \"{}\" has no questions", s.title),
                "Add `- question` items below its heading, or remove the heading.",
            )),
            _ => Ok(()),
        }
    }

    fn finish(mut self) -> Result<Guide, GuideError> {
        if let Some(line) = self.comment {
            return Err(self.error(line, "a comment that is never closed", "End it with `-->`."));
        }
        self.check_last_section()?;
        let Some((title, _)) = self.title.take() else {
            return Err(self.error(
                0,
                "the guide is empty",
                "Start it with a `# Title` line, then `## Section` headings with `- question` items.",
            ));
        };
        if self.sections.is_empty() {
            return Err(self.error(
                0,
                "the guide has no questions",
                "Add a `## Section` heading with `- question` items under it.",
            ));
        }
        Ok(Guide { title, preamble: self.preamble, sections: self.sections })
    }
}

/// The text of a heading line: hashes, surrounding blanks and an optional closing `#` run removed.
fn heading_text(line: &str) -> &str {
    let text = line.trim_start_matches('#').trim();
    let unclosed = text.trim_end_matches('#');
    if unclosed.is_empty() || unclosed.ends_with([' ', '\t']) { unclosed.trim_end() } else { text }
}

/// The text of a list item (`- `, `* `, `+ `, `1. `, `1) `) without its marker, or None if `line`
/// (already trimmed at the start) is not one. A marker alone is an item with empty text.
fn list_item(line: &str) -> Option<&str> {
    let rest = match line.strip_prefix(['-', '*', '+']) {
        Some(rest) => rest,
        None => {
            // CommonMark caps ordered-list numbers at nine digits; longer runs are plain text.
            let digits = line.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            line[digits..].strip_prefix(['.', ')'])?
        }
    };
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then(|| rest.trim())
}

/// Whether the whole text is one parenthesised group: `(a) and (b)` is not, `(a (b))` is.
fn parenthesised(text: &str) -> bool {
    if !text.starts_with('(') || !text.ends_with(')') {
        return false;
    }
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1 == text.len();
                }
            }
            _ => {}
        }
    }
    false
}
