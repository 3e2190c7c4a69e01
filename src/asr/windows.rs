//! Which audio the recogniser hears: the stretches of voice from the pause layer, with a little
//! room around each, packed into windows of up to [`MAX_WINDOW`].
//!
//! Whisper decodes 30 s at a time whatever it is given, so the fewer windows, the faster:
//! pauses longer than [`HEAD`] + [`TAIL`] are cut down to that much room sound, and the pieces
//! are packed end to end. That also keeps Whisper off long silences, where it invents words
//! ("Thank you.") and after which it tends to skip the speech that follows. Cuts fall only in
//! pauses, so no word is cut in two (a stretch of voice longer than a window, with no pause of
//! 0.1 s in it, is the one exception).

use crate::model::{Ms, Span};

/// Room sound kept before a stretch of voice: soft onsets the pause layer may have missed.
pub const HEAD: Ms = Ms(150);
/// Room sound kept after one: trailing consonants and breath.
pub const TAIL: Ms = Ms(250);
/// The longest window: under Whisper's 30 s, so the last word's timestamp fits.
pub const MAX_WINDOW: Ms = Ms(28_000);

/// A stretch of the session's audio copied into a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// The stretch, on the session's clock.
    pub audio: Span,
    /// Where it starts in the window.
    pub at: Ms,
}

/// What one decoding hears: runs of audio end to end, and the voice inside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The runs, in order.
    pub runs: Vec<Run>,
    /// The stretches of voice in them, on the session's clock.
    pub speech: Vec<Span>,
}

impl Window {
    /// How long the window is.
    pub fn len(&self) -> Ms {
        self.runs.last().map_or(Ms(0), |r| r.at.saturating_add(r.audio.len()))
    }

    /// Whether it holds no audio.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Where the session's clock was at `t` into the window (the end of the last run past it).
    pub fn to_session(&self, t: Ms) -> Ms {
        let Some(run) = self.runs.iter().rev().find(|r| r.at <= t).or(self.runs.first()) else { return t };
        let into = t.saturating_sub(run.at).min(run.audio.len());
        run.audio.start.saturating_add(into)
    }

    /// Where `span` (session clock, inside one run) is in the window.
    pub fn to_window(&self, span: Span) -> Span {
        let Some(run) = self.runs.iter().find(|r| r.audio.start <= span.start && span.start < r.audio.end) else {
            return Span::ms(0, 0);
        };
        let start = run.at.saturating_add(span.start.saturating_sub(run.audio.start));
        Span { start, end: start.saturating_add(span.len().min(run.audio.end.saturating_sub(span.start))) }
    }

    /// The session time span it covers, first run's start to last run's end.
    pub fn extent(&self) -> Span {
        match (self.runs.first(), self.runs.last()) {
            (Some(first), Some(last)) => Span { start: first.audio.start, end: last.audio.end },
            _ => Span::ms(0, 0),
        }
    }
}

/// The windows for `speech` (stretches of voice, in order) in audio `duration` long.
pub fn plan(speech: &[Span], duration: Ms) -> Vec<Window> {
    let mut windows: Vec<Window> = Vec::new();
    let mut current = Window { runs: Vec::new(), speech: Vec::new() };
    for piece in pieces(speech, duration) {
        if !current.is_empty() && current.len().saturating_add(piece.audio.len()) > MAX_WINDOW {
            windows.push(std::mem::replace(&mut current, Window { runs: Vec::new(), speech: Vec::new() }));
        }
        current.runs.push(Run { audio: piece.audio, at: current.len() });
        current.speech.extend(piece.speech);
    }
    if !current.is_empty() {
        windows.push(current);
    }
    windows
}

/// A stretch of audio no longer than a window, with the voice in it.
struct Piece {
    audio: Span,
    speech: Vec<Span>,
}

/// The stretches of audio worth hearing: each stretch of voice with [`HEAD`] and [`TAIL`] of
/// room around it, joined where they touch, and cut at pauses to fit a window.
fn pieces(speech: &[Span], duration: Ms) -> Vec<Piece> {
    let mut pieces: Vec<Piece> = Vec::new();
    for &voice in speech.iter().filter(|s| !s.is_empty() && s.start < duration) {
        let voice = Span { start: voice.start, end: voice.end.min(duration) };
        for part in split_long(voice) {
            let wanted =
                Span { start: part.start.saturating_sub(HEAD), end: part.end.saturating_add(TAIL).min(duration) };
            match pieces.last_mut() {
                Some(last) if wanted.start <= last.audio.end => {
                    let joined = Span { start: last.audio.start, end: wanted.end.max(last.audio.end) };
                    if joined.len() <= MAX_WINDOW {
                        last.audio = joined;
                        last.speech.push(part);
                        continue;
                    }
                    // Too long to join: cut in the middle of the pause between them.
                    let prev_end = last.speech.last().map_or(last.audio.start, |s| s.end);
                    let cut = Ms((prev_end.0 + part.start.0) / 2).max(last.audio.start);
                    last.audio.end = cut;
                    pieces.push(Piece {
                        audio: Span { start: cut.max(wanted.start), end: wanted.end },
                        speech: vec![part],
                    });
                }
                _ => pieces.push(Piece { audio: wanted, speech: vec![part] }),
            }
        }
    }
    pieces
}

/// A stretch of voice in parts that fit a window with their room (nearly always just itself).
fn split_long(voice: Span) -> Vec<Span> {
    let most = MAX_WINDOW.0 - HEAD.0 - TAIL.0;
    let mut parts = Vec::new();
    let mut start = voice.start.0;
    while voice.end.0 - start > most {
        parts.push(Span::ms(start, start + most));
        start += most;
    }
    parts.push(Span::ms(start, voice.end.0));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(list: &[(u64, u64)]) -> Vec<Span> {
        list.iter().map(|&(a, b)| Span::ms(a, b)).collect()
    }

    #[test]
    fn long_pauses_are_cut_to_room_around_the_voice_and_short_ones_kept() {
        // Voice 1-4 s, a 0.3 s pause, 4.3-6 s, a 4 s pause, 10-12 s.
        let windows = plan(&spans(&[(1_000, 4_000), (4_300, 6_000), (10_000, 12_000)]), Ms(20_000));
        assert_eq!(windows.len(), 1);
        let w = &windows[0];
        assert_eq!(
            w.runs,
            [Run { audio: Span::ms(850, 6_250), at: Ms(0) }, Run { audio: Span::ms(9_850, 12_250), at: Ms(5_400) }]
        );
        assert_eq!(w.len(), Ms(7_800));
        assert_eq!(w.speech.len(), 3);
        // Window time back to the session's clock, on both sides of the cut.
        assert_eq!(w.to_session(Ms(150)), Ms(1_000));
        assert_eq!(w.to_session(Ms(5_399)), Ms(6_249));
        assert_eq!(w.to_session(Ms(5_550)), Ms(10_000));
        assert_eq!(w.to_session(Ms(99_000)), Ms(12_250), "past the end: the end");
        assert_eq!(w.extent(), Span::ms(850, 12_250));
        assert_eq!(w.to_window(Span::ms(10_000, 12_000)), Span::ms(5_550, 7_550));
        assert_eq!(w.to_window(Span::ms(1_000, 4_000)), Span::ms(150, 3_150));
    }

    #[test]
    fn windows_fill_up_to_the_limit_and_never_cut_inside_a_stretch_of_voice() {
        // 40 stretches of 2 s with 1 s pauses: 2.4 s of audio each once the pauses are cut.
        let speech: Vec<Span> = (0..40).map(|i| Span::ms(i * 3_000 + 500, i * 3_000 + 2_500)).collect();
        let windows = plan(&speech, Ms(121_000));
        assert!(windows.iter().all(|w| w.len() <= MAX_WINDOW));
        assert_eq!(windows.iter().map(|w| w.speech.len()).collect::<Vec<_>>(), [11, 11, 11, 7]);
        let heard: Vec<Span> = windows.iter().flat_map(|w| w.speech.clone()).collect();
        assert_eq!(heard, speech);
        for w in &windows {
            for s in &w.speech {
                assert!(w.runs.iter().any(|r| r.audio.covers(*s)), "{s:?} is whole in one run");
            }
        }
    }

    #[test]
    fn a_monologue_without_pauses_is_split_to_fit_and_edges_are_clipped_to_the_audio() {
        let windows = plan(&spans(&[(50, 61_000)]), Ms(61_100));
        assert_eq!(windows.len(), 3);
        assert!(windows.iter().all(|w| w.len() <= MAX_WINDOW));
        assert_eq!(windows[0].runs[0].audio.start, Ms(0), "clipped at the start");
        assert_eq!(windows[2].runs.last().unwrap().audio.end, Ms(61_100), "clipped at the end");
        let heard: u64 = windows.iter().flat_map(|w| &w.speech).map(|s| s.len().0).sum();
        assert_eq!(heard, 60_950);
        assert!(plan(&[], Ms(5_000)).is_empty());
    }

    #[test]
    fn voice_too_close_to_join_within_the_limit_is_cut_in_the_middle_of_its_pause() {
        // 27.5 s of voice, a 0.2 s pause, 2 s more: cannot be one piece.
        let windows = plan(&spans(&[(0, 27_500), (27_700, 29_700)]), Ms(30_000));
        assert_eq!(windows.len(), 2);
        assert_eq!(windows[0].runs[0].audio, Span::ms(0, 27_600));
        assert_eq!(windows[1].runs[0].audio, Span::ms(27_600, 29_950));
    }
}
