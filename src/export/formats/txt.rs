//! The verbatim skeleton as plain text and as Markdown: header, legend, questions as headings,
//! one paragraph per turn.

use std::fmt::Write as _;

use zeroize::Zeroizing;

use super::{buffer, layout};
use crate::export::convention::Convention;
use crate::export::skeleton::{Block, Skeleton, question_label};
use crate::model::Lang;

/// The skeleton as plain text: header, legend, then one paragraph per turn.
pub(crate) fn txt(skeleton: &Skeleton, convention: &Convention, lang: Lang) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    let h = &skeleton.header;
    let _ = writeln!(out, "{}", h.title);
    let width = h.facts.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0) + 1;
    for (label, value) in &h.facts {
        let _ = writeln!(out, "{:<width$} {value}", format!("{label}:"), width = width);
    }
    let _ = writeln!(out, "\n{}:", h.legend_title);
    let notation_width = h.legend.iter().map(|(n, _)| n.chars().count()).max().unwrap_or(0);
    for (notation, meaning) in &h.legend {
        let _ = writeln!(out, "  {notation:<notation_width$}  {meaning}");
    }
    for block in &skeleton.blocks {
        out.push('\n');
        match block {
            Block::Question { at, text } => {
                let _ = writeln!(out, "== {}: {text} [{at}] ==", question_label(lang));
            }
            Block::Between { text, .. } => {
                let _ = writeln!(out, "{text}");
            }
            Block::Turn(turn) => {
                let _ = writeln!(out, "{}", *layout(turn, convention));
            }
        }
    }
    out
}

/// Escapes what Markdown would read as formatting (`___` would become a rule or emphasis).
fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The skeleton as Markdown: a facts list, a legend table, questions as headings.
pub(crate) fn md(skeleton: &Skeleton, convention: &Convention) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    let h = &skeleton.header;
    let _ = writeln!(out, "# {}\n", md_escape(&h.title));
    for (label, value) in &h.facts {
        let _ = writeln!(out, "- **{}:** {}", md_escape(label), md_escape(value));
    }
    let _ = writeln!(out, "\n## {}\n", md_escape(&h.legend_title));
    let _ = writeln!(out, "| | |\n|---|---|");
    for (notation, meaning) in &h.legend {
        let _ = writeln!(out, "| `{}` | {} |", notation.replace('`', "'").replace('|', "\\|"), md_escape(meaning));
    }
    for block in &skeleton.blocks {
        out.push('\n');
        match block {
            Block::Question { at, text } => {
                let _ = writeln!(out, "### {} ({at})", md_escape(text));
            }
            Block::Between { text, .. } => {
                let _ = writeln!(out, "{}", md_escape(text));
            }
            Block::Turn(turn) => {
                let _ = writeln!(out, "{}", md_escape(&layout(turn, convention)));
            }
        }
    }
    out
}
