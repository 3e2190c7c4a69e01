//! Subtitles: WebVTT with a `<v Speaker>` voice per cue (ATLAS.ti, players) and SRT. A turn
//! is one cue, or, where its words have times, cues of about five seconds cut between words.

use std::fmt::Write as _;

use zeroize::Zeroizing;

use super::{buffer, single_line, turns};
use crate::export::skeleton::{Skeleton, Turn};
use crate::model::Ms;

/// A cue runs until the first word that starts this long after it began: about two lines.
const CUE: Ms = Ms(5_000);
/// ...unless less than this is left of the turn, which then stays in the cue.
const LAST: Ms = Ms(1_500);

/// A turn as cues no longer than about [`CUE`], cut between words where the words have times
/// (a draft); typed text without times stays one cue.
fn cues(turn: &Turn) -> Vec<(Ms, Ms, &str)> {
    let mut cues = Vec::new();
    let (mut start, mut from) = (turn.start, 0);
    for &(offset, at) in &turn.cuts {
        if offset > from && at >= start.saturating_add(CUE) && turn.end.saturating_sub(at) >= LAST {
            cues.push((start, at, turn.text[from..offset].trim()));
            (start, from) = (at, offset);
        }
    }
    cues.push((start, turn.end, turn.text[from..].trim()));
    cues
}

/// WebVTT: one cue per turn with a `<v Speaker>` voice span.
pub(crate) fn vtt(skeleton: &Skeleton, session_id: &str) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    let _ = writeln!(out, "WEBVTT - {}\n", single_line(session_id).replace("-->", "->"));
    let all = turns(skeleton).flat_map(|turn| cues(turn).into_iter().map(move |cue| (turn, cue)));
    for (index, (turn, (start, end, text))) in all.enumerate() {
        // A cue's text ends at a blank line and must not hold "-->"; < and & are markup.
        let escape = |s: &str| single_line(s).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let _ = writeln!(
            out,
            "{}\n{:.3} --> {:.3}\n<v {}>{}\n",
            index + 1,
            start,
            end,
            escape(&turn.speaker),
            escape(text)
        );
    }
    out
}

/// SRT: numbered cues `HH:MM:SS,mmm --> HH:MM:SS,mmm` with `Speaker: text`.
pub(crate) fn srt(skeleton: &Skeleton) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    let all = turns(skeleton).flat_map(|turn| cues(turn).into_iter().map(move |cue| (turn, cue)));
    for (index, (turn, (start, end, text))) in all.enumerate() {
        let _ = writeln!(
            out,
            "{}\n{} --> {}\n{}: {}\n",
            index + 1,
            start.stamp(',', 3),
            end.stamp(',', 3),
            single_line(&turn.speaker),
            single_line(text).replace("-->", "->")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    #[test]
    fn turns_with_word_times_become_cues_of_about_five_seconds_cut_between_words() {
        let turn = |cuts: Vec<(usize, Ms)>| Turn {
            start: Ms(0),
            end: Ms(10_000),
            speaker: "P01".into(),
            text: Zeroizing::new("Jeg jobber (0.5) om natta og sover om dagen".into()),
            filled: true,
            cuts,
        };
        // Words start at 0, 1.5, (the pause at 3.0, before "om"), 4.5, 6.0, 7.0, 8.0, 9.0 s.
        let timed = turn(vec![
            (0, Ms(0)),
            (4, Ms(1_500)),
            (11, Ms(3_000)),
            (20, Ms(4_500)),
            (26, Ms(6_000)),
            (29, Ms(7_000)),
            (35, Ms(8_000)),
            (38, Ms(9_000)),
        ]);
        assert_eq!(
            cues(&timed),
            [(Ms(0), Ms(6_000), "Jeg jobber (0.5) om natta"), (Ms(6_000), Ms(10_000), "og sover om dagen")]
        );
        assert_eq!(cues(&turn(Vec::new())), [(Ms(0), Ms(10_000), "Jeg jobber (0.5) om natta og sover om dagen")]);
    }
}
