//! The draft in the transcript: recognised words go into the segments nobody has touched.
//!
//! A segment is the transcriber's as soon as they accept it (Enter) or type, tag or change
//! anything in it: from then on a new draft (another model, `--force`) never changes it. The
//! others take the draft's words that fall inside them, so a re-run of `transcribe` shows up in
//! review and exports, and a segment split or nudged in review takes the words now inside it.

use crate::asr::words::DraftWord;
use crate::model::{Segment, Source, Tag, TagKind, Token, Transcript, Word};
use crate::pipeline::DraftLayer;

/// Puts the draft's words and tags into every segment of `transcript` nobody has touched.
pub(crate) fn fill(transcript: &mut Transcript, draft: &DraftLayer) {
    let segments = &mut transcript.segments;
    let owners: Vec<Option<usize>> = draft.words.iter().map(|w| owner(segments, w)).collect();
    for (index, segment) in segments.iter_mut().enumerate() {
        if !untouched(segment) {
            continue;
        }
        segment.tokens = draft
            .words
            .iter()
            .zip(&owners)
            .filter(|(_, owner)| **owner == Some(index))
            .map(|(word, _)| token(word))
            .collect();
    }
}

/// Whether only the recogniser has written in `segment`: not accepted, and no typed word (an
/// edit in review makes every word of the segment typed, [`Segment::retype`]).
pub(super) fn untouched(segment: &Segment) -> bool {
    !segment.done
        && segment.tokens.iter().all(|t| match t {
            Token::Word(w) => w.source == Source::Recognised,
            Token::Tag(_) => true,
        })
}

/// The segment a word belongs to: the one holding its middle, else the last that starts
/// before it (a word in a gap between segments goes with what came before it).
fn owner(segments: &[Segment], word: &DraftWord) -> Option<usize> {
    let middle = crate::model::Ms((word.span.start.0 + word.span.end.0) / 2);
    segments
        .iter()
        .position(|s| s.span.start <= middle && middle < s.span.end)
        .or_else(|| segments.iter().rposition(|s| s.span.start <= middle))
        .or(if segments.is_empty() { None } else { Some(0) })
}

fn token(word: &DraftWord) -> Token {
    match word.tag {
        Some(kind) => {
            let at = (kind == TagKind::Inaudible).then_some(word.span.start);
            Token::Tag(Tag { kind, at, glued: false })
        }
        None => Token::Word(Word {
            text: word.text.clone(),
            span: Some(word.span),
            confidence: Some(word.confidence),
            source: Source::Recognised,
            glued: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    fn draft(words: &[(&str, u64, u64)]) -> DraftLayer {
        DraftLayer {
            model: "tiny.en".into(),
            model_sha256: "00".into(),
            model_description: "tiny, English only, f16".into(),
            language: "en".into(),
            words: words
                .iter()
                .map(|&(text, a, b)| DraftWord {
                    text: text.into(),
                    span: Span::ms(a, b),
                    confidence: 0.9,
                    tag: (text == "[laughter]").then_some(TagKind::Laughter),
                })
                .collect(),
            windows: 1,
            redecoded: 0,
            resumed: 0,
        }
    }

    #[test]
    fn untouched_segments_take_the_draft_and_the_transcribers_ones_keep_their_words() {
        let mut transcript = Transcript::from_pieces([
            (Span::ms(0, 2_000), None),
            (Span::ms(2_500, 4_000), None),
            (Span::ms(4_500, 6_000), None),
        ]);
        transcript.segments[1].tokens = vec![Token::Word(Word::typed("typed"))];
        transcript.segments[2].done = true;
        let layer = draft(&[
            ("hello", 100, 500),
            ("there", 600, 1_900),
            ("[laughter]", 2_100, 2_300),
            ("not", 2_600, 3_000),
            ("mine", 4_600, 5_000),
        ]);
        fill(&mut transcript, &layer);
        assert_eq!(transcript.segments[0].text(), "hello there [laughter]");
        assert_eq!(transcript.segments[1].text(), "typed");
        assert!(transcript.segments[2].tokens.is_empty(), "accepted as empty: stays empty");
        let Token::Word(first) = &transcript.segments[0].tokens[0] else { panic!("a word") };
        assert_eq!(
            (first.span, first.source, first.confidence),
            (Some(Span::ms(100, 500)), Source::Recognised, Some(0.9))
        );
        // A second draft replaces the first where nobody has typed.
        fill(&mut transcript, &draft(&[("goodbye", 100, 900)]));
        assert_eq!(transcript.segments[0].text(), "goodbye");
        assert_eq!(transcript.segments[1].text(), "typed");
    }
}
