use super::*;
use crate::analysis::segments::fresh_transcript;
use crate::export::sample::{guide, marker, meta};
use crate::model::QuestionRef;
use crate::model::transcript::tokens_from_text;

#[test]
fn builds_guide_progress_markers_and_speaker_segments() {
    let analysis = Analysis {
        version: 1,
        duration: Ms(30_000),
        noise_floor_db: -58.0,
        speech_level_db: -21.0,
        speech: vec![Span::ms(500, 3_000), Span::ms(3_250, 6_000), Span::ms(6_300, 9_000), Span::ms(9_200, 12_000)],
        pauses: vec![Span::ms(6_000, 6_300), Span::ms(9_000, 9_200)],
        micro_pauses: vec![Span::ms(3_000, 3_250)],
        vad: Ms::ZERO,
    };
    let asked = marker(Mark::Question { question: QuestionRef { section: 0, question: 1 }, text: None }, 400);
    let s1 = marker(Mark::Speaker(1), 100);
    let s2 = marker(Mark::Speaker(2), 7_100);
    let note = marker(Mark::Note("ask about the night shifts".into()), 8_000);
    let paused = marker(Mark::Paused { wall: Some(Ms(65_000)) }, 12_500);
    // Saved in the order they were made, not in time order.
    let markers = [note, s2, asked, s1, paused];
    let guide = guide();
    let doc = build(&meta(), &analysis, &markers, &fresh_transcript(&analysis, &markers), Ok(Some(&guide)));

    assert_eq!(doc.session.dropped, Ms(100));
    assert_eq!(doc.session.source, "recording");
    assert_eq!(doc.analysis.speech, Ms(2_500 + 2_750 + 2_700 + 2_800));
    assert_eq!(doc.pauses, [Pause::from(Span::ms(6_000, 6_300)), Pause::from(Span::ms(9_000, 9_200))]);
    assert_eq!(doc.pauses[0].duration, Ms(300));
    let segs: Vec<_> = doc.segments.iter().map(|s| (s.span, s.speaker.clone())).collect();
    assert_eq!(
        segs,
        [(Span::ms(500, 6_000), Some(Speaker::Numbered(1))), (Span::ms(6_300, 12_000), Some(Speaker::Numbered(2)))]
    );
    let kinds: Vec<_> = doc.markers.iter().map(|m| (m.kind, m.at.0)).collect();
    assert_eq!(
        kinds,
        [
            (MarkerKind::Speaker, 100),
            (MarkerKind::Question, 400),
            (MarkerKind::Speaker, 7_100),
            (MarkerKind::Note, 8_000),
            (MarkerKind::Paused, 12_500)
        ]
    );
    assert_eq!(doc.markers[1].question.as_deref(), Some("Hva er vanskelig?"));
    assert_eq!(doc.markers[4].off_tape, Some(Ms(65_000)));
    let guide = doc.guide.as_ref().unwrap();
    assert_eq!((guide.title.as_str(), guide.asked, guide.total), ("Arbeid", 1, 3));
    assert_eq!(guide.sections[0].questions[1].asked_at, [Ms(400)]);
    assert!(guide.sections[1].questions[0].asked_at.is_empty());

    let json: serde_json::Value = serde_json::from_slice(&crate::export::formats::json::render(&doc).unwrap()).unwrap();
    assert_eq!(json["markers"][3]["note"], "ask about the night shifts");
    assert!(json["markers"][0].get("note").is_none(), "absent fields are left out");
    assert_eq!(json["segments"][1]["speaker"], "L2");
    assert_eq!(json["segments"][1]["start_ms"], 6_300);
    assert_eq!(json["pauses"][0], serde_json::json!({"start_ms": 6_000, "end_ms": 6_300, "duration_ms": 300}));
    assert_eq!(json["session"]["started"], "2026-11-20T10:00:00+01:00");

    // Once there is a transcript, its segments and text are what is exported.
    let mut transcript = fresh_transcript(&analysis, &[]);
    transcript.segments[0].tokens = tokens_from_text("Vi begynner klokka sju.");
    transcript.segments[0].speaker = Some(Speaker::Participant);
    let doc = build(&meta(), &analysis, &[], &transcript, Ok(None));
    assert_eq!(doc.segments.len(), 1);
    assert!(!doc.segments[0].anonymised && doc.anonymised.is_empty());
    // The transcriber's identifying flag withholds the text like the interviewer's key.
    let mut flagged = transcript.clone();
    flagged.segments[0].identifying = true;
    let hidden = build(&meta(), &analysis, &[], &flagged, Ok(None));
    assert!(hidden.segments[0].anonymised && hidden.segments[0].is_blank());
    assert_eq!(hidden.anonymised, [Pause::from(Span::ms(500, 12_000))]);
    let json: serde_json::Value = serde_json::from_slice(&crate::export::formats::json::render(&doc).unwrap()).unwrap();
    assert_eq!(
        (json["segments"][0]["text"].as_str(), json["segments"][0]["speaker"].as_str()),
        (Some("Vi begynner klokka sju."), Some("P07"))
    );
}

#[test]
fn a_guide_that_no_longer_parses_is_left_out_with_a_warning() {
    let error = crate::guide::Guide::parse("no title", "guide.md").unwrap_err();
    let doc = build(&meta(), &crate::export::sample::analysis(), &[], &Transcript::default(), Err(&error));
    assert!(doc.guide.is_none());
    assert!(doc.warnings[0].contains("guide progress is left out"), "{:?}", doc.warnings);
}
