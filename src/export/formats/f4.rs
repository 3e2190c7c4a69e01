//! The text formats QDA tools import as timed transcripts: f4/MAXQDA (`#hh:mm:ss-d#` at each
//! paragraph's end) and NVivo's transcript rows (timespan, speaker, content).

use std::fmt::Write as _;

use zeroize::Zeroizing;

use super::{BOM, buffer, single_line};
use crate::export::convention::Convention;
use crate::export::skeleton::{Block, Skeleton, Turn, question_label};
use crate::model::Lang;

/// f4/MAXQDA/f4analyse: `Speaker: text #hh:mm:ss-d#`, each paragraph closed by its end time;
/// guide questions as comments stamped with the time they were asked.
pub(crate) fn f4(skeleton: &Skeleton, convention: &Convention, lang: Lang) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    out.push_str(BOM);
    let mut carried = String::new();
    for block in &skeleton.blocks {
        match block {
            Block::Question { at, text } => {
                let comment = convention.marks.comment.mark.get(lang);
                let _ = writeln!(
                    out,
                    "{} #{}#\n",
                    comment.replace("{text}", &format!("{}: {text}", question_label(lang))),
                    at.stamp('-', 1)
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
                    turn.end.stamp('-', 1)
                );
                carried.clear();
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

/// NVivo transcript rows: `Timespan<TAB>Speaker<TAB>Content`, with a heading row; a timespan
/// is `hh:mm:ss.d - hh:mm:ss.d`, as NVivo's transcript import reads it.
pub(crate) fn nvivo(skeleton: &Skeleton, lang: Lang) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    out.push_str(BOM);
    let (speaker, content) = if lang == Lang::En { ("Speaker", "Content") } else { ("Taler", "Innhold") };
    let _ = writeln!(out, "Timespan\t{speaker}\t{content}");
    for (turn, text) in carried_turns(skeleton) {
        let _ = writeln!(
            out,
            "{:.1} - {:.1}\t{}\t{}",
            turn.start,
            turn.end,
            single_line(&turn.speaker),
            single_line(text.trim())
        );
    }
    out
}
