//! Subtitles: WebVTT with a `<v Speaker>` voice per cue (ATLAS.ti, players) and SRT.

use std::fmt::Write as _;

use zeroize::Zeroizing;

use super::{buffer, single_line, turns};
use crate::export::skeleton::Skeleton;

/// WebVTT: one cue per turn with a `<v Speaker>` voice span.
pub(crate) fn vtt(skeleton: &Skeleton, session_id: &str) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    let _ = writeln!(out, "WEBVTT - {}\n", single_line(session_id).replace("-->", "->"));
    for (index, turn) in turns(skeleton).enumerate() {
        // A cue's text ends at a blank line and must not hold "-->"; < and & are markup.
        let escape = |s: &str| single_line(s).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let _ = writeln!(
            out,
            "{}\n{:.3} --> {:.3}\n<v {}>{}\n",
            index + 1,
            turn.start,
            turn.end,
            escape(&turn.speaker),
            escape(&turn.text)
        );
    }
    out
}

/// SRT: numbered cues `HH:MM:SS,mmm --> HH:MM:SS,mmm` with `Speaker: text`.
pub(crate) fn srt(skeleton: &Skeleton) -> Zeroizing<String> {
    let mut out = buffer(skeleton);
    for (index, turn) in turns(skeleton).enumerate() {
        let _ = writeln!(
            out,
            "{}\n{} --> {}\n{}: {}\n",
            index + 1,
            turn.start.stamp(',', 3),
            turn.end.stamp(',', 3),
            single_line(&turn.speaker),
            single_line(&turn.text).replace("-->", "->")
        );
    }
    out
}
