use super::*;

fn transcript(bounds: &[(u64, u64)]) -> Transcript {
    Transcript::from_pieces(bounds.iter().map(|&(start, end)| (Span::ms(start, end), Some(Speaker::Numbered(1)))))
}

fn bounds(t: &Transcript) -> Vec<(u64, u64)> {
    t.segments.iter().map(|s| (s.span.start.0, s.span.end.0)).collect()
}

fn set_text(segment: &mut Segment, text: &str) {
    segment.retype(tokens_from_text(text));
}

#[test]
fn split_merge_and_nudge_keep_segments_in_order_and_apart() {
    let mut t = transcript(&[(0, 4_000), (5_000, 9_000)]);
    set_text(&mut t.segments[0], "ja, det var");
    assert!(t.split(0, Ms(2_500)));
    assert_eq!(bounds(&t), [(0, 2_500), (2_500, 4_000), (5_000, 9_000)]);
    assert_eq!((t.segments[0].text().as_str(), t.segments[1].text().as_str()), ("ja, det var", ""));
    assert!(!t.split(1, Ms(3_950)), "a part under 100 ms");
    set_text(&mut t.segments[1], "sånn");
    assert!(t.merge_next(0));
    assert_eq!(t.segments[0].text(), "ja, det var sånn");
    assert!(!t.merge_next(1));
    // Nudges stop at the neighbours and the audio's end.
    assert_eq!(t.nudge(1, true, -2_000, Ms(10_000)), Some(Ms(4_000)));
    assert_eq!(t.nudge(0, false, 500, Ms(10_000)), Some(Ms(4_000)));
    assert_eq!(t.nudge(1, false, 5_000, Ms(10_000)), Some(Ms(10_000)));
    assert_eq!(t.nudge(1, true, 9_000, Ms(10_000)), Some(Ms(9_900)));
    assert_eq!(t.index_at(Ms(0)), Some(0));
    assert_eq!(t.index_at(Ms(4_500)), Some(0));
    assert_eq!(t.index_at(Ms(9_950)), Some(1));
    assert_eq!(Transcript::default().index_at(Ms(5)), None);
}

#[test]
fn edits_at_the_end_of_time_do_not_overflow() {
    // Found by `cargo fuzz run session_files`: a transcript read from disk with times near
    // u64::MAX made nudge (and split) add with overflow.
    let end = u64::MAX;
    let mut t = transcript(&[(0, end - 100), (end - 100, end)]);
    assert_eq!(t.nudge(1, false, 5, Ms(end)), Some(Ms(end)));
    assert_eq!(t.nudge(1, false, -500, Ms(end)), Some(Ms(end)));
    assert!(!t.split(1, Ms(end - 50)), "a part under 100 ms");
    assert!(!t.split(1, Ms(end)));
    assert!(t.split(0, Ms(end - 250)));
    assert_eq!(bounds(&t), [(0, end - 250), (end - 250, end - 100), (end - 100, end)]);
}

#[test]
fn typed_notation_becomes_tags_once_and_shows_as_typed() {
    let text = "Ja. Jeg jobber[laughter] i et team. [inaudible 00:01:02] [overlap] ja [sigh]";
    let tokens = tokens_from_text(text);
    assert_eq!(display(&tokens), text);
    let tags: Vec<(TagKind, Option<Ms>, bool)> = tokens
        .iter()
        .filter_map(|t| if let Token::Tag(tag) = t { Some((tag.kind, tag.at, tag.glued)) } else { None })
        .collect();
    assert_eq!(
        tags,
        [
            (TagKind::Laughter, None, true),
            (TagKind::Inaudible, Some(Ms(62_000)), false),
            (TagKind::Overlap, None, false),
            (TagKind::Sigh, None, false)
        ]
    );
    let words: Vec<&str> =
        tokens.iter().filter_map(|t| if let Token::Word(w) = t { Some(w.text.as_str()) } else { None }).collect();
    assert_eq!(words, ["Ja.", "Jeg", "jobber", "i", "et", "team.", "ja"]);
    // Brackets that are not tags stay text, whole: a timestamp, a comment, an unclosed one.
    for kept in ["[00:01:02]", "[tenker seg om]", "[laughter", "[inaudible soon]", "[laughterx]"] {
        let tokens = tokens_from_text(kept);
        assert_eq!(tokens.len(), 1, "{kept}");
        assert!(matches!(&tokens[0], Token::Word(w) if w.text == kept), "{kept}");
    }
    // Glued pieces form one run, as they were typed.
    let tokens = tokens_from_text("wo[laughter]rd, ok");
    let runs: Vec<String> = runs(&tokens).map(display).collect();
    assert_eq!(runs, ["wo[laughter]rd,", "ok"]);
    assert_eq!(display(&tokens_from_text("  two   spaces \n")), "two spaces");
}

#[test]
fn retyping_keeps_when_words_were_heard_and_makes_them_all_the_transcribers() {
    let mut segment = Segment::empty(Span::ms(0, 3_000), None);
    segment.tokens = ["jeg", "jobber", "natt"]
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let start = i as u64 * 1_000;
            Token::Word(Word {
                text: (*w).into(),
                span: Some(Span::ms(start, start + 800)),
                confidence: Some(0.5),
                source: Source::Recognised,
                glued: false,
            })
        })
        .collect();
    set_text(&mut segment, "jeg jobber nattevakt [laughter]");
    let words: Vec<(&str, Option<Span>, Source)> = segment
        .tokens
        .iter()
        .filter_map(|t| if let Token::Word(w) = t { Some((w.text.as_str(), w.span, w.source)) } else { None })
        .collect();
    assert_eq!(
        words,
        [
            // Left alone: still on the clock, but an edited segment is the transcriber's, so a
            // new draft never replaces these words.
            ("jeg", Some(Span::ms(0, 800)), Source::Typed),
            ("jobber", Some(Span::ms(1_000, 1_800)), Source::Typed),
            ("nattevakt", None, Source::Typed)
        ]
    );
    assert!(segment.has_tag(TagKind::Laughter) && !segment.has_tag(TagKind::Sigh));
}

#[test]
fn a_version_1_transcript_is_read_once_into_tokens_and_speakers() {
    let json = r#"[
        {"start_ms":0,"end_ms":4000,"speaker":"I","text":"Takk for at du ville være med.","done":true},
        {"start_ms":4500,"end_ms":9000,"speaker":"P01","text":"Ja. Jeg jobber [laughter] i et team.","done":true},
        {"start_ms":9500,"end_ms":12000,"speaker":"S2","text":""},
        {"start_ms":12500,"end_ms":14000,"speaker":"Kari","text":"[inaudible 00:00:13]","identifying":true},
        {"start_ms":14500,"end_ms":15000}
    ]"#;
    let v1: Vec<SegmentV1> = serde_json::from_str(json).unwrap();
    let t = Transcript::from_v1(v1, &"P01".parse().unwrap());
    let speakers: Vec<Option<Speaker>> = t.segments.iter().map(|s| s.speaker.clone()).collect();
    assert_eq!(
        speakers,
        [
            Some(Speaker::Interviewer),
            Some(Speaker::Participant),
            Some(Speaker::Numbered(2)),
            Some(Speaker::Named("Kari".into())),
            None
        ]
    );
    assert!(t.segments[1].has_tag(TagKind::Laughter));
    assert_eq!(t.segments[1].text(), "Ja. Jeg jobber [laughter] i et team.");
    assert!(t.segments[2].is_blank() && t.segments[3].identifying && t.segments[0].done);
    assert_eq!(
        t.segments[3].tokens,
        [Token::Tag(Tag { kind: TagKind::Inaudible, at: Some(Ms(13_000)), glued: false })]
    );
}

#[test]
fn tokens_round_trip_in_their_file_shape() {
    let mut tokens = tokens_from_text("hei[laughter] [inaudible 00:00:02]");
    tokens.push(Token::Word(Word {
        text: "jobb".into(),
        span: Some(Span::ms(1_200, 1_480)),
        confidence: Some(0.5),
        source: Source::Recognised,
        glued: false,
    }));
    let json = serde_json::to_string(&tokens).unwrap();
    assert_eq!(
        json,
        r#"[{"word":"hei"},{"tag":"laughter","glued":true},{"tag":"inaudible","at_ms":2000},{"word":"jobb","start_ms":1200,"end_ms":1480,"confidence":0.5,"source":"recognised"}]"#
    );
    assert_eq!(serde_json::from_str::<Vec<Token>>(&json).unwrap(), tokens);
    for bad in [
        r#"{"word":"a","tag":"sigh"}"#,
        r#"{"tag":"sigh","start_ms":1,"end_ms":2}"#,
        r#"{"word":"a","start_ms":5,"end_ms":2}"#,
        r#"{"colour":"red"}"#,
    ] {
        assert!(serde_json::from_str::<Token>(bad).is_err(), "{bad}");
    }
    let segment = Segment { tokens, ..Segment::empty(Span::ms(0, 3_000), Some(Speaker::Participant)) };
    let json = serde_json::to_value(&segment).unwrap();
    assert_eq!((json["start_ms"].as_u64(), json["speaker"].as_str()), (Some(0), Some("participant")));
    assert_eq!(serde_json::from_value::<Segment>(json).unwrap(), segment);
}
