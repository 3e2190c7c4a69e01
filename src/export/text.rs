//! The text formats laid out from a [`Skeleton`]: plain text, Markdown, f4/MAXQDA, NVivo's
//! TSV, WebVTT and SRT. Each renders into one wiped buffer, never a temp file.

use std::fmt::Write as _;

use zeroize::Zeroizing;

use super::convention::{Convention, Lang};
use super::skeleton::{Block, Skeleton, Turn, clock, f4_time};

/// Marks the file as UTF-8 for Windows tools (MAXQDA, NVivo) that otherwise guess a code page
/// and garble æ, ø and å.
const BOM: &str = "\u{feff}";

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
pub fn layout_parts(turn: &Turn, convention: &Convention) -> (String, String) {
    let fill = |part: &str| {
        part.replace("{start_f4}", &f4_time(turn.start_ms))
            .replace("{end_f4}", &f4_time(turn.end_ms))
            .replace("{start}", &clock(turn.start_ms))
            .replace("{end}", &clock(turn.end_ms))
            .replace("{speaker}", &turn.speaker)
    };
    let template = &convention.layout.turn;
    match template.split_once("{text}") {
        Some((before, after)) => (fill(before), fill(after)),
        None => (fill(template), String::new()),
    }
}

fn question_label(lang: Lang) -> &'static str {
    if lang == Lang::En { "Question" } else { "Spørsmål" }
}

/// The skeleton as plain text: header, legend, then one paragraph per turn.
pub fn txt(skeleton: &Skeleton, convention: &Convention, lang: Lang) -> Zeroizing<String> {
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
            Block::Question { at_ms, text } => {
                let _ = writeln!(out, "== {}: {text} [{}] ==", question_label(lang), clock(*at_ms));
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
pub fn md(skeleton: &Skeleton, convention: &Convention) -> Zeroizing<String> {
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
            Block::Question { at_ms, text } => {
                let _ = writeln!(out, "### {} ({})", md_escape(text), clock(*at_ms));
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

/// Pauses and marks between turns, carried to the start of the next turn's text (formats
/// whose every line must be a timed turn).
fn carried_turns(skeleton: &Skeleton) -> Vec<(&Turn, Zeroizing<String>)> {
    let mut carried = String::new();
    let mut turns = Vec::new();
    for block in &skeleton.blocks {
        match block {
            Block::Between { text, .. } => {
                carried.push_str(text);
                carried.push(' ');
            }
            Block::Turn(turn) => {
                let mut text = Zeroizing::new(std::mem::take(&mut carried));
                text.push_str(&turn.text);
                turns.push((turn, text));
            }
            Block::Question { .. } => {}
        }
    }
    turns
}

/// f4/MAXQDA/f4analyse: `Speaker: text #hh:mm:ss-d#`, each paragraph closed by its end time;
/// guide questions as comments stamped with the time they were asked.
pub fn f4(skeleton: &Skeleton, convention: &Convention, lang: Lang) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    out.push_str(BOM);
    let mut carried = String::new();
    for block in &skeleton.blocks {
        match block {
            Block::Question { at_ms, text } => {
                let comment = convention.marks.comment.mark.get(lang);
                let _ = writeln!(
                    out,
                    "{} #{}#\n",
                    comment.replace("{text}", &format!("{}: {text}", question_label(lang))),
                    f4_time(*at_ms)
                );
            }
            Block::Between { text, .. } => {
                carried.push_str(text);
                carried.push(' ');
            }
            Block::Turn(turn) => {
                let _ = writeln!(
                    out,
                    "{}: {carried}{} #{}#\n",
                    turn.speaker,
                    single_line(&turn.text),
                    f4_time(turn.end_ms)
                );
                carried.clear();
            }
        }
    }
    out
}

fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `hh:mm:ss.d`, as NVivo's transcript import reads a timespan end.
fn tenths_clock(ms: u64) -> String {
    format!("{}.{}", clock(ms), ms % 1000 / 100)
}

/// NVivo transcript rows: `Timespan<TAB>Speaker<TAB>Content`, with a heading row.
pub fn nvivo(skeleton: &Skeleton, lang: Lang) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    out.push_str(BOM);
    let (speaker, content) = if lang == Lang::En { ("Speaker", "Content") } else { ("Taler", "Innhold") };
    let _ = writeln!(out, "Timespan\t{speaker}\t{content}");
    for (turn, text) in carried_turns(skeleton) {
        let _ = writeln!(
            out,
            "{} - {}\t{}\t{}",
            tenths_clock(turn.start_ms),
            tenths_clock(turn.end_ms),
            single_line(&turn.speaker),
            single_line(text.trim())
        );
    }
    out
}

fn cue_time(ms: u64, separator: char) -> String {
    format!("{}{separator}{:03}", clock(ms), ms % 1000)
}

/// WebVTT: one cue per turn with a `<v Speaker>` voice span.
pub fn vtt(skeleton: &Skeleton, session_id: &str) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    let _ = writeln!(out, "WEBVTT - {}\n", single_line(session_id).replace("-->", "->"));
    for (index, block) in skeleton.blocks.iter().filter_map(turn_of).enumerate() {
        // A cue's text ends at a blank line and must not hold "-->"; < and & are markup.
        let escape = |s: &str| single_line(s).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let _ = writeln!(
            out,
            "{}\n{} --> {}\n<v {}>{}\n",
            index + 1,
            cue_time(block.start_ms, '.'),
            cue_time(block.end_ms, '.'),
            escape(&block.speaker),
            escape(&block.text)
        );
    }
    out
}

fn turn_of(block: &Block) -> Option<&Turn> {
    match block {
        Block::Turn(turn) => Some(turn),
        _ => None,
    }
}

/// SRT: numbered cues `HH:MM:SS,mmm --> HH:MM:SS,mmm` with `Speaker: text`.
pub fn srt(skeleton: &Skeleton) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    for (index, turn) in skeleton.blocks.iter().filter_map(turn_of).enumerate() {
        let _ = writeln!(
            out,
            "{}\n{} --> {}\n{}: {}\n",
            index + 1,
            cue_time(turn.start_ms, ','),
            cue_time(turn.end_ms, ','),
            single_line(&turn.speaker),
            single_line(&turn.text).replace("-->", "->")
        );
    }
    out
}

/// The turns overlapping `start_ms..end_ms`, one line each as the convention lays them out
/// (a clip's transcript excerpt).
pub fn excerpt(skeleton: &Skeleton, convention: &Convention, start_ms: u64, end_ms: u64) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    for turn in skeleton.blocks.iter().filter_map(turn_of) {
        if turn.start_ms < end_ms && turn.end_ms > start_ms {
            out.push_str(&layout(turn, convention));
            out.push('\n');
        }
    }
    out
}
