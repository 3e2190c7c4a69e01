//! One file per format family, each laid out from the [`Skeleton`] (or, for JSON, the document):
//! plain text and Markdown, f4/MAXQDA and NVivo, subtitles, Word and ELAN.

pub(crate) mod docx;
pub(crate) mod eaf;
pub(crate) mod f4;
pub(crate) mod json;
pub(crate) mod subtitles;
pub(crate) mod txt;

use zeroize::Zeroizing;

use super::convention::Convention;
use super::skeleton::{Block, Skeleton, Turn};

/// Marks the file as UTF-8 for Windows tools (MAXQDA, NVivo) that otherwise guess a code page
/// and garble æ, ø and å.
const BOM: &str = "\u{feff}";

/// A buffer sized for the skeleton's text, wiped when dropped.
fn buffer(skeleton: &Skeleton) -> Zeroizing<String> {
    let text: usize = skeleton.blocks.iter().map(|b| if let Block::Turn(t) = b { t.text.len() + 64 } else { 64 }).sum();
    Zeroizing::new(String::with_capacity(text * 2 + 4096))
}

/// A turn laid out by the convention's template.
fn layout(turn: &Turn, convention: &Convention) -> Zeroizing<String> {
    let (before, after) = layout_parts(turn, convention);
    let mut out = Zeroizing::new(String::with_capacity(before.len() + turn.text.len() + after.len()));
    out.push_str(&before);
    out.push_str(&turn.text);
    out.push_str(&after);
    out
}

/// What the convention's turn template puts before and after the text (time, speaker, stamp).
pub(crate) fn layout_parts(turn: &Turn, convention: &Convention) -> (String, String) {
    let fill = |part: &str| {
        part.replace("{start_f4}", &turn.start.stamp('-', 1).to_string())
            .replace("{end_f4}", &turn.end.stamp('-', 1).to_string())
            .replace("{start}", &turn.start.to_string())
            .replace("{end}", &turn.end.to_string())
            .replace("{speaker}", &turn.speaker)
    };
    let template = &convention.layout.turn;
    match template.split_once("{text}") {
        Some((before, after)) => (fill(before), fill(after)),
        None => (fill(template), String::new()),
    }
}

/// The text on one line, runs of whitespace as one space.
fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The turns of the skeleton, in order.
fn turns(skeleton: &Skeleton) -> impl Iterator<Item = &Turn> {
    skeleton.blocks.iter().filter_map(|block| match block {
        Block::Turn(turn) => Some(turn),
        _ => None,
    })
}

/// The turns overlapping `start..end`, one line each as the convention lays them out (a clip's
/// transcript excerpt).
pub fn excerpt(skeleton: &Skeleton, convention: &Convention, span: crate::model::Span) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    for turn in turns(skeleton) {
        if turn.start < span.end && turn.end > span.start {
            out.push_str(&layout(turn, convention));
            out.push('\n');
        }
    }
    out
}
