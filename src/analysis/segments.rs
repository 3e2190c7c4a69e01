//! Transcription segments: voice cut into pieces of about 2-15 s at the best pauses, with a
//! speaker guess from the interviewer's live speaker markers.
//!
//! Cuts are chosen by dynamic programming over the silences between stretches of voice: each
//! cut earns more the longer its silence, and pieces outside 2-15 s are penalised. A silence
//! of 2 s or more is always a cut, and a speaker key pressed near a silence pulls the cut there.

use super::Span;

/// Pieces shorter than this are discouraged, ms.
const MIN_SEGMENT_MS: u64 = 2_000;
/// Pieces longer than this are strongly discouraged, ms.
const MAX_SEGMENT_MS: u64 = 15_000;
/// A silence this long always ends a piece, ms.
const ALWAYS_CUT_MS: u64 = 2_000;
/// What a cut costs before its silence pays for it (a silence of 400 ms breaks even).
const CUT_COST: f64 = 4.0;
/// Speaker keys are pressed after the new voice starts: a change pulls a cut in the silences
/// up to this long before the press, ms.
const SPEAKER_LAG_MS: u64 = 3_000;

/// One piece for the transcriber.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Segment {
    /// Start of the first voice in it, ms.
    pub start_ms: u64,
    /// End of the last voice in it, ms.
    pub end_ms: u64,
    /// The speaker guessed from live markers (`S1` … `S9`), if any were made.
    pub speaker: Option<String>,
}

/// A speaker key pressed during recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpeakerMark {
    /// When the key was pressed, ms.
    pub at_ms: u64,
    /// The speaker number, 1-9.
    pub speaker: u8,
}

/// Cuts `speech` (sorted, non-overlapping) into segments.
pub fn segments(speech: &[Span], speakers: &[SpeakerMark]) -> Vec<Segment> {
    if speech.is_empty() {
        return Vec::new();
    }
    // best[i]: lowest cost of cutting speech[..i] into pieces that end at speech[i - 1].
    let n = speech.len();
    let mut best = vec![f64::INFINITY; n + 1];
    let mut from = vec![0usize; n + 1];
    best[0] = 0.0;
    for end in 1..=n {
        for start in (0..end).rev() {
            let len = speech[end - 1].end_ms - speech[start].start_ms;
            // A piece may not swallow a long silence, nor grow far beyond the maximum.
            if end - start > 1 && gap(speech, end - 2) >= ALWAYS_CUT_MS {
                break;
            }
            if len > 2 * MAX_SEGMENT_MS && end - start > 1 {
                break;
            }
            let cost = best[start] + length_cost(len) + cut_cost(speech, start, speakers);
            if cost < best[end] {
                best[end] = cost;
                from[end] = start;
            }
        }
    }
    let mut bounds = Vec::new();
    let mut end = n;
    while end > 0 {
        bounds.push((from[end], end));
        end = from[end];
    }
    bounds.reverse();
    bounds
        .into_iter()
        .map(|(start, end)| {
            let span = Span { start_ms: speech[start].start_ms, end_ms: speech[end - 1].end_ms };
            Segment { start_ms: span.start_ms, end_ms: span.end_ms, speaker: speaker_at(speakers, span) }
        })
        .collect()
}

/// The silence after `speech[i]`, ms.
fn gap(speech: &[Span], i: usize) -> u64 {
    speech.get(i + 1).map_or(u64::MAX, |next| next.start_ms.saturating_sub(speech[i].end_ms))
}

fn length_cost(len_ms: u64) -> f64 {
    let secs = len_ms as f64 / 1000.0;
    if len_ms < MIN_SEGMENT_MS {
        (MIN_SEGMENT_MS as f64 / 1000.0 - secs) * 3.0
    } else if len_ms > MAX_SEGMENT_MS {
        (secs - MAX_SEGMENT_MS as f64 / 1000.0) * 50.0
    } else {
        0.0
    }
}

/// The cost of starting a piece at `speech[start]`, i.e. of cutting in the silence before it.
fn cut_cost(speech: &[Span], start: usize, speakers: &[SpeakerMark]) -> f64 {
    if start == 0 {
        return 0.0;
    }
    let before = speech[start - 1].end_ms;
    let after = speech[start].start_ms;
    let silence = after.saturating_sub(before);
    let mut cost = CUT_COST - silence.min(2_000) as f64 / 100.0;
    if silence >= ALWAYS_CUT_MS {
        cost -= 1_000.0;
    }
    let pressed_soon_after = speakers.iter().any(|m| m.at_ms + 500 >= before && m.at_ms <= after + SPEAKER_LAG_MS);
    if pressed_soon_after {
        cost -= 30.0;
    }
    cost
}

/// The speaker whose key was pressed last before the piece, allowing for a late press.
fn speaker_at(speakers: &[SpeakerMark], span: Span) -> Option<String> {
    let lag = SPEAKER_LAG_MS.min(span.len_ms());
    speakers
        .iter()
        .filter(|m| m.at_ms <= span.start_ms + lag)
        .max_by_key(|m| m.at_ms)
        .map(|m| format!("S{}", m.speaker))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(v: &[(u64, u64)]) -> Vec<Span> {
        v.iter().map(|&(start_ms, end_ms)| Span { start_ms, end_ms }).collect()
    }

    fn bounds(s: &[Segment]) -> Vec<(u64, u64)> {
        s.iter().map(|s| (s.start_ms, s.end_ms)).collect()
    }

    #[test]
    fn cuts_at_the_longest_silence_within_the_limits() {
        // 0-20 s of talk with short silences, and one of 900 ms at 9 s.
        let speech =
            spans(&[(0, 3_000), (3_250, 6_000), (6_300, 9_000), (9_900, 13_000), (13_250, 16_000), (16_300, 20_000)]);
        let got = segments(&speech, &[]);
        assert_eq!(bounds(&got), [(0, 9_000), (9_900, 20_000)]);
        assert!(got.iter().all(|s| s.speaker.is_none()));
    }

    #[test]
    fn long_silences_always_cut_and_short_answers_stand_alone() {
        let speech = spans(&[(0, 5_000), (8_000, 8_400), (11_000, 15_000)]);
        assert_eq!(bounds(&segments(&speech, &[])), [(0, 5_000), (8_000, 8_400), (11_000, 15_000)]);
    }

    #[test]
    fn a_monologue_is_split_below_fifteen_seconds() {
        let speech: Vec<Span> = (0..40).map(|i| Span { start_ms: i * 1_000, end_ms: i * 1_000 + 850 }).collect();
        let got = segments(&speech, &[]);
        assert!(got.iter().all(|s| (MIN_SEGMENT_MS..=MAX_SEGMENT_MS).contains(&(s.end_ms - s.start_ms))), "{got:?}");
        assert_eq!(got.first().map(|s| s.start_ms), Some(0));
        assert_eq!(got.last().map(|s| s.end_ms), Some(39_850));
    }

    #[test]
    fn speaker_keys_pull_the_cut_and_name_the_speaker() {
        // Speaker 2 starts at 6.3 s after a short silence; the key is pressed at 7.1 s.
        let speech = spans(&[(0, 3_000), (3_250, 6_000), (6_300, 9_000), (9_200, 12_000)]);
        assert_eq!(bounds(&segments(&speech, &[])), [(0, 12_000)]);
        let marks = [SpeakerMark { at_ms: 100, speaker: 1 }, SpeakerMark { at_ms: 7_100, speaker: 2 }];
        let got = segments(&speech, &marks);
        assert_eq!(bounds(&got), [(0, 6_000), (6_300, 12_000)]);
        assert_eq!(got[0].speaker.as_deref(), Some("S1"));
        assert_eq!(got[1].speaker.as_deref(), Some("S2"));
        assert!(segments(&[], &marks).is_empty());
    }
}
