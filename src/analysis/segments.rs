//! Transcription segments: voice cut into pieces of about 2-15 s at the best pauses, with a
//! speaker guess from the interviewer's live speaker markers.
//!
//! Cuts are chosen by dynamic programming over the silences between stretches of voice: each
//! cut earns more the longer its silence, and pieces outside 2-15 s are penalised. A silence
//! of 2 s or more is always a cut, and a change of speaker key pulls the cut to the last
//! silence before the press.

use crate::model::{Mark, Marker, Ms, Span, Speaker, Transcript};

/// Pieces shorter than this are discouraged, ms.
const MIN_SEGMENT_MS: u64 = 2_000;
/// Pieces longer than this are strongly discouraged, ms.
const MAX_SEGMENT_MS: u64 = 15_000;
/// A silence this long always ends a piece, ms.
const ALWAYS_CUT_MS: u64 = 2_000;
/// What a cut costs before its silence pays for it (a silence of 400 ms breaks even).
const CUT_COST: f64 = 4.0;
/// Speaker keys are pressed after the new voice starts: a change of speaker pulls the cut to
/// the last silence before the press if the voice after it began at most this long before, ms.
const SPEAKER_LAG_MS: u64 = 3_000;
/// Voice running on longer than this without a silence is split evenly, ms.
const MAX_SPLIT_MS: u64 = 10_000;

/// One piece for the transcriber: from the first voice in it to the end of the last, and the
/// focus-group member the live speaker keys say is talking, if any were pressed.
pub(crate) type Piece = (Span, Option<Speaker>);

/// A speaker key pressed during recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpeakerMark {
    /// When the key was pressed.
    pub(crate) at: Ms,
    /// The speaker number, 1-9.
    pub(crate) speaker: u8,
}

impl SpeakerMark {
    /// The speaker keys among a session's markers.
    pub fn from_markers<'a>(markers: impl IntoIterator<Item = &'a Marker>) -> Vec<SpeakerMark> {
        markers
            .into_iter()
            .filter_map(|m| match m.mark {
                Mark::Speaker(speaker) => Some(SpeakerMark { at: m.at, speaker }),
                _ => None,
            })
            .collect()
    }
}

/// A transcript with no text yet: the pause layer's speech cut into pieces, each with the
/// speaker the live keys name. The review screen starts from it, and exports use it until
/// someone starts a transcript.
pub fn fresh_transcript(analysis: &super::Analysis, markers: &[Marker]) -> Transcript {
    Transcript::from_pieces(segments(&analysis.speech, &SpeakerMark::from_markers(markers)))
}

/// Cuts speech whose speakers are known (`turns`: sorted, non-overlapping stretches, each with
/// its speaker) into pieces of one speaker each: a change of speaker always cuts, and each run
/// of one speaker is cut as [`segments`] cuts speech.
pub fn segments_by_speaker(turns: &[(Span, Speaker)]) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = turns;
    while let Some((_, speaker)) = rest.first() {
        let run = rest.iter().take_while(|(_, s)| s == speaker).count();
        let spans: Vec<Span> = rest[..run].iter().map(|(span, _)| *span).collect();
        pieces.extend(segments(&spans, &[]).into_iter().map(|(span, _)| (span, Some(speaker.clone()))));
        rest = &rest[run..];
    }
    pieces
}

/// Cuts `speech` (sorted, non-overlapping) into pieces.
pub fn segments(speech: &[Span], speakers: &[SpeakerMark]) -> Vec<Piece> {
    let speech = split_long(speech);
    if speech.is_empty() {
        return Vec::new();
    }
    let n = speech.len();
    let cut_costs = cut_costs(&speech, speakers);
    // best[i]: lowest cost of cutting speech[..i] into pieces that end at speech[i - 1].
    let mut best = vec![f64::INFINITY; n + 1];
    let mut from = vec![0usize; n + 1];
    best[0] = 0.0;
    for end in 1..=n {
        for start in (0..end).rev() {
            // Widening the piece to begin at `start` takes in the silence after speech[start]:
            // never one of ALWAYS_CUT_MS, and never far beyond the maximum length.
            if start + 1 < end && gap(&speech, start) >= ALWAYS_CUT_MS {
                break;
            }
            let len = (speech[end - 1].end.0).saturating_sub(speech[start].start.0);
            if len > 2 * MAX_SEGMENT_MS && start + 1 < end {
                break;
            }
            let cost = best[start] + length_cost(len) + cut_costs[start];
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
            let span = Span::new(speech[start].start, speech[end - 1].end);
            (span, speaker_at(speakers, span))
        })
        .collect()
}

/// Splits voice that runs on without any silence (overlapping talk, a television) into equal
/// pieces of at most [`MAX_SPLIT_MS`], so no segment outgrows the maximum. The cut falls
/// mid-sound; the transcriber can move it.
fn split_long(speech: &[Span]) -> Vec<Span> {
    let mut out = Vec::with_capacity(speech.len());
    for span in speech {
        let pieces = span.len().0.div_ceil(MAX_SPLIT_MS).max(1);
        let step = span.len().0 / pieces;
        for k in 0..pieces {
            let start = span.start.0 + k * step;
            let end = if k + 1 == pieces { span.end.0 } else { start + step };
            out.push(Span::ms(start, end));
        }
    }
    out
}

/// The silence after `speech[i]`, ms.
fn gap(speech: &[Span], i: usize) -> u64 {
    speech.get(i + 1).map_or(u64::MAX, |next| next.start.0.saturating_sub(speech[i].end.0))
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

/// For each `start`, the cost of beginning a piece at `speech[start]`, i.e. of cutting in the
/// silence before it: longer silences pay more, and a change of speaker pays for the cut at
/// the last silence before the key was pressed.
fn cut_costs(speech: &[Span], speakers: &[SpeakerMark]) -> Vec<f64> {
    let mut costs: Vec<f64> = (0..speech.len())
        .map(|start| {
            if start == 0 {
                return 0.0;
            }
            let silence = speech[start].start.0.saturating_sub(speech[start - 1].end.0);
            let mut cost = CUT_COST - silence.min(2_000) as f64 / 100.0;
            if silence >= ALWAYS_CUT_MS {
                cost -= 1_000.0;
            }
            cost
        })
        .collect();
    let mut marks: Vec<&SpeakerMark> = speakers.iter().collect();
    marks.sort_by_key(|m| m.at);
    let mut current = None;
    for mark in marks {
        if current.replace(mark.speaker) == Some(mark.speaker) {
            continue;
        }
        // The new voice started before the press (within the lag, or just after it). Saturating:
        // markers read from disk may hold any time.
        let started = speech.partition_point(|s| s.start.0 <= mark.at.0.saturating_add(500));
        if started >= 2 {
            let start = started - 1;
            if speech[start].start.0.saturating_add(SPEAKER_LAG_MS) >= mark.at.0 {
                costs[start] -= 30.0;
            }
        }
    }
    costs
}

/// The speaker whose key was pressed last before the piece, allowing for a late press.
fn speaker_at(speakers: &[SpeakerMark], span: Span) -> Option<Speaker> {
    let lag = SPEAKER_LAG_MS.min(span.len().0);
    speakers
        .iter()
        .filter(|m| m.at.0 <= span.start.0.saturating_add(lag))
        .max_by_key(|m| m.at)
        .map(|m| Speaker::of_key(m.speaker))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(v: &[(u64, u64)]) -> Vec<Span> {
        v.iter().map(|&(start, end)| Span::ms(start, end)).collect()
    }

    fn bounds(s: &[Piece]) -> Vec<(u64, u64)> {
        s.iter().map(|(span, _)| (span.start.0, span.end.0)).collect()
    }

    fn mark(at: u64, speaker: u8) -> SpeakerMark {
        SpeakerMark { at: Ms(at), speaker }
    }

    #[test]
    fn the_interviewers_key_names_the_interviewer() {
        let pieces = segments(&spans(&[(0, 3_000), (6_000, 9_000)]), &[mark(500, 0), mark(6_500, 2)]);
        let speakers: Vec<Option<Speaker>> = pieces.into_iter().map(|(_, s)| s).collect();
        assert_eq!(speakers, [Some(Speaker::Interviewer), Some(Speaker::Numbered(2))]);
    }

    #[test]
    fn cuts_at_the_longest_silence_within_the_limits() {
        // 0-20 s of talk with short silences, and one of 900 ms at 9 s.
        let speech =
            spans(&[(0, 3_000), (3_250, 6_000), (6_300, 9_000), (9_900, 13_000), (13_250, 16_000), (16_300, 20_000)]);
        let got = segments(&speech, &[]);
        assert_eq!(bounds(&got), [(0, 9_000), (9_900, 20_000)]);
        assert!(got.iter().all(|(_, speaker)| speaker.is_none()));
    }

    #[test]
    fn long_silences_always_cut_and_short_answers_stand_alone() {
        let speech = spans(&[(0, 5_000), (8_000, 8_400), (11_000, 15_000)]);
        assert_eq!(bounds(&segments(&speech, &[])), [(0, 5_000), (8_000, 8_400), (11_000, 15_000)]);
    }

    #[test]
    fn a_monologue_is_split_below_fifteen_seconds() {
        let speech: Vec<Span> = (0..40).map(|i| Span::ms(i * 1_000, i * 1_000 + 850)).collect();
        let got = segments(&speech, &[]);
        assert!(got.iter().all(|(s, _)| (MIN_SEGMENT_MS..=MAX_SEGMENT_MS).contains(&s.len().0)), "{got:?}");
        assert_eq!(got.first().map(|(s, _)| s.start.0), Some(0));
        assert_eq!(got.last().map(|(s, _)| s.end.0), Some(39_850));
    }

    #[test]
    fn speaker_keys_pull_the_cut_and_name_the_speaker() {
        // Speaker 2 starts at 6.3 s after a short silence; the key is pressed at 7.1 s.
        let speech = spans(&[(0, 3_000), (3_250, 6_000), (6_300, 9_000), (9_200, 12_000)]);
        assert_eq!(bounds(&segments(&speech, &[])), [(0, 12_000)]);
        let marks = [mark(100, 1), mark(7_100, 2)];
        let got = segments(&speech, &marks);
        assert_eq!(bounds(&got), [(0, 6_000), (6_300, 12_000)]);
        assert_eq!(got[0].1, Some(Speaker::Numbered(1)));
        assert_eq!(got[1].1, Some(Speaker::Numbered(2)));
        assert!(segments(&[], &marks).is_empty());
    }

    #[test]
    fn one_key_press_makes_one_cut_and_a_repeated_key_none() {
        let speech = spans(&[(0, 5_000), (5_200, 6_000), (6_200, 7_000), (7_200, 12_000)]);
        let marks = [mark(100, 1), mark(7_500, 2)];
        let got = segments(&speech, &marks);
        assert_eq!(bounds(&got), [(0, 7_000), (7_200, 12_000)]);
        assert_eq!(got[1].1, Some(Speaker::Numbered(2)));
        // Pressing 1 again while 1 talks changes nothing.
        let again = [mark(100, 1), mark(7_500, 1)];
        assert_eq!(bounds(&segments(&speech, &again)), [(0, 12_000)]);
        // Thousands of presses on a long recording still give pieces of sensible length.
        let long: Vec<Span> = (0..9_000).map(|i| Span::ms(i * 400, i * 400 + 300)).collect();
        let presses: Vec<_> = (0..660).map(|i| mark(i * 5_400 + 50, (i % 2 + 1) as u8)).collect();
        let got = segments(&long, &presses);
        assert!(got.len() < 1_000, "{} segments", got.len());
        assert!(got.iter().all(|(s, _)| s.len().0 <= MAX_SEGMENT_MS));
    }

    #[test]
    fn key_presses_at_the_end_of_time_are_harmless() {
        // Found by `cargo fuzz run session_files`: a marker log read from disk with a speaker
        // key at u64::MAX ms made the cut costs add with overflow.
        let speech = spans(&[(0, 3_000), (3_250, 6_000), (u64::MAX - 1_000, u64::MAX)]);
        let marks = [mark(100, 1), mark(u64::MAX, 2)];
        let got = segments(&speech, &marks);
        assert_eq!(got.last().map(|(s, _)| s.end.0), Some(u64::MAX));
        assert_eq!(got[0].1, Some(Speaker::Numbered(1)));
    }

    #[test]
    fn sound_without_silence_is_split_below_the_maximum() {
        let got = segments(&spans(&[(1_000, 61_000)]), &[]);
        assert_eq!(got.len(), 6);
        assert_eq!((got[0].0.start.0, got[5].0.end.0), (1_000, 61_000));
        assert!(got.iter().all(|(s, _)| s.len().0 == 10_000), "{got:?}");
    }
}
