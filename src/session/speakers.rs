//! The speaker layer in the transcript: each segment whose speaker the transcriber did not set
//! takes the speaker who talks most in it, and segments nobody has touched get an `[overlap]`
//! tag where someone else was heard at the same time.
//!
//! A speaker the transcriber set (a key in review, a rename, a merge) is theirs: a new speaker
//! layer (another model, `--count`, `--force`) never changes it.

use super::draft::untouched;
use crate::model::{Ms, ParticipantCode, Segment, Span, Speaker, Tag, TagKind, Token, Transcript};
use crate::pipeline::{SpeakerLayer, SpeakerTurn};

/// Gives every segment of `transcript` whose speaker is not fixed the speaker the layer hears
/// most in it, and marks overlapping speech in untouched segments.
pub(crate) fn apply(transcript: &mut Transcript, layer: &SpeakerLayer) {
    for segment in &mut transcript.segments {
        let turns: Vec<&SpeakerTurn> =
            layer.turns.iter().filter(|t| t.span.start < segment.span.end && segment.span.start < t.span.end).collect();
        if !segment.speaker_fixed
            && let Some(speaker) = most_heard(segment, &turns)
        {
            segment.speaker = Some(speaker);
        }
        let marked = segment.tokens.iter().any(|t| matches!(t, Token::Tag(tag) if tag.kind == TagKind::Overlap));
        if untouched(segment)
            && !marked
            && let Some(turn) = turns.iter().find(|t| t.overlap.is_some())
        {
            mark_overlap(segment, turn.span.start.max(segment.span.start));
        }
    }
}

/// The speaker with the most time in `segment` among `turns`.
fn most_heard(segment: &Segment, turns: &[&SpeakerTurn]) -> Option<Speaker> {
    let mut time: Vec<(&Speaker, u64)> = Vec::new();
    for turn in turns {
        let shared = turn.span.end.min(segment.span.end).0.saturating_sub(turn.span.start.max(segment.span.start).0);
        match time.iter_mut().find(|(s, _)| *s == &turn.speaker) {
            Some((_, t)) => *t += shared,
            None => time.push((&turn.speaker, shared)),
        }
    }
    time.into_iter().filter(|(_, t)| *t > 0).max_by_key(|(_, t)| *t).map(|(s, _)| s.clone())
}

/// Puts an `[overlap]` tag before the first word said from `at` on (at the end if none is).
fn mark_overlap(segment: &mut Segment, at: Ms) {
    let position = segment
        .tokens
        .iter()
        .position(|t| matches!(t, Token::Word(w) if w.span.is_some_and(|s| s.end > at)))
        .unwrap_or(segment.tokens.len());
    segment.tokens.insert(position, Token::Tag(Tag { kind: TagKind::Overlap, at: None, glued: false }));
}

/// One speaker's share of the talk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SpeakingTime {
    /// The label, as segments carry it.
    pub speaker: String,
    /// Voice in their segments (pauses inside them left out).
    #[serde(rename = "speech_ms")]
    pub speech: Ms,
    /// Their segments.
    pub segments: usize,
}

/// Each labelled speaker's voice time and segments in `transcript`, in order of first segment.
pub fn speaking_times(transcript: &Transcript, speech: &[Span], code: &ParticipantCode) -> Vec<SpeakingTime> {
    let mut times: Vec<SpeakingTime> = Vec::new();
    for segment in &transcript.segments {
        let Some(speaker) = &segment.speaker else { continue };
        let label = speaker.short_label(code).into_owned();
        let voiced: u64 = speech
            .iter()
            .map(|s| s.end.min(segment.span.end).0.saturating_sub(s.start.max(segment.span.start).0))
            .sum();
        match times.iter_mut().find(|t| t.speaker == label) {
            Some(time) => {
                time.speech = Ms(time.speech.0 + voiced);
                time.segments += 1;
            }
            None => times.push(SpeakingTime { speaker: label, speech: Ms(voiced), segments: 1 }),
        }
    }
    times
}

/// The voice of `name` in `span` of the session, for enrolling: the pause layer's speech inside
/// the span, embedded; and how much speech that was.
pub fn voiceprint(
    session: &super::Opened,
    embedder: &mut crate::diarize::Embedder,
    span: Span,
) -> Result<(Vec<f32>, Ms), super::SessionError> {
    let analysis = session.analysis(&mut |_, _| {})?;
    let regions: Vec<Span> = analysis
        .speech
        .iter()
        .filter(|s| s.start < span.end && span.start < s.end)
        .map(|s| Span::new(s.start.max(span.start), s.end.min(span.end)))
        .collect();
    let speech = Ms(regions.iter().map(|r| r.len().0).sum());
    let mut audio = session.audio()?;
    let mut reader =
        crate::audio::mono16k::Mono16k::new(audio.spec().sample_rate).map_err(crate::pipeline::StageError::Pcm)?;
    let mut read = |span: Span, out: &mut zeroize::Zeroizing<Vec<f32>>| {
        reader.append_span(&mut audio, span, out).map_err(|e| crate::diarize::DiarizeError::Audio(e.to_string()))
    };
    let embedding =
        crate::diarize::voiceprint(&regions, &mut read, embedder).map_err(crate::pipeline::StageError::from)?;
    Ok((embedding, speech))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Source, Span, Word};
    use crate::pipeline::SpeakerLayer;

    fn turn(start: u64, end: u64, speaker: Speaker, overlap: Option<Speaker>) -> SpeakerTurn {
        SpeakerTurn { span: Span::ms(start, end), speaker, overlap }
    }

    fn recognised(text: &str, start: u64, end: u64) -> Token {
        Token::Word(Word {
            text: text.into(),
            span: Some(Span::ms(start, end)),
            confidence: Some(0.9),
            source: Source::Recognised,
            glued: false,
        })
    }

    #[test]
    fn segments_take_the_speaker_heard_most_unless_the_transcriber_set_one() {
        let layer = SpeakerLayer {
            model: "dvector".into(),
            model_sha256: String::new(),
            count: 2,
            voices: Vec::new(),
            turns: vec![
                turn(0, 1_000, Speaker::Interviewer, None),
                turn(1_000, 4_000, Speaker::Participant, Some(Speaker::Interviewer)),
                turn(5_000, 8_000, Speaker::Interviewer, None),
            ],
            by_words: true,
        };
        let mut transcript = Transcript::from_pieces([
            (Span::ms(0, 4_000), None),
            (Span::ms(5_000, 8_000), Some(Speaker::Numbered(2))),
            (Span::ms(8_500, 9_000), None),
        ]);
        transcript.segments[0].tokens =
            vec![recognised("so", 200, 500), recognised("yes", 1_100, 1_400), recognised("well", 1_500, 1_900)];
        let mut fixed = transcript.clone();
        fixed.segments[1].speaker_fixed = true;
        apply(&mut transcript, &layer);
        let speakers: Vec<Option<Speaker>> = transcript.segments.iter().map(|s| s.speaker.clone()).collect();
        assert_eq!(speakers, [Some(Speaker::Participant), Some(Speaker::Interviewer), None]);
        assert_eq!(crate::model::transcript::display(&transcript.segments[0].tokens), "so [overlap] yes well");
        apply(&mut transcript, &layer);
        assert_eq!(crate::model::transcript::display(&transcript.segments[0].tokens), "so [overlap] yes well", "once");
        apply(&mut fixed, &layer);
        assert_eq!(fixed.segments[1].speaker, Some(Speaker::Numbered(2)), "the transcriber's speaker stays");
    }
}
