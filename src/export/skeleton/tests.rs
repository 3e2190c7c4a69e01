use super::*;
use crate::export::sample;
use crate::model::transcript::tokens_from_text;

fn jefferson() -> Convention {
    Convention::load("jefferson").unwrap()
}

fn credits() -> Credits {
    Credits { project: "arbeidsliv".into(), transcriber: None }
}

/// The notation of typed text that is one run (no spaces).
fn notation_of(typed: &str, convention: &Convention, lang: Lang) -> String {
    let tokens = tokens_from_text(typed);
    let runs: Vec<&[Token]> = runs(&tokens).collect();
    assert_eq!(runs.len(), 1, "{typed}");
    notation(runs[0], convention, lang).to_string()
}

#[test]
fn review_tags_become_the_conventions_notation() {
    let dp = Convention::load("dresing-pehl").unwrap();
    assert_eq!(notation_of("[inaudible 00:01:02]", &dp, Lang::Nb), "(unv. #00:01:02-0#)");
    assert_eq!(notation_of("sju[laughter],", &jefferson(), Lang::Nb), "sju((laughs)),");
    assert_eq!(notation_of("[overlap]", &jefferson(), Lang::Nb), "[");
    assert_eq!(notation_of("[sic]", &jefferson(), Lang::Nb), "[sic]");
    let plain = Convention::load("plain").unwrap();
    assert_eq!(notation_of("[inaudible 00:01:02]", &plain, Lang::En), "(inaudible 00:01:02)");
}

#[test]
fn a_huge_typed_time_is_left_as_typed() {
    // Found by `cargo fuzz run session_files`: converting this typed time to ms overflowed.
    // It is no time verbatim can hold, so it stays the text that was typed.
    let dp = Convention::load("dresing-pehl").unwrap();
    let huge = "[inaudible 9999999999999999:59:59]";
    assert_eq!(notation_of(huge, &dp, Lang::Nb), huge);
}

#[test]
fn turns_blocks_and_questions_come_in_time_order() {
    let skeleton = build(&sample::document(), &jefferson(), Lang::En, &credits());
    let kinds: Vec<String> = skeleton
        .blocks
        .iter()
        .map(|b| match b {
            Block::Question { at, .. } => format!("Q{}", at.0),
            Block::Between { at, text } => format!("B{} {text}", at.0),
            Block::Turn(t) => format!("T{} {}", t.start.0, t.speaker),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Q900",
            "T1000 I",
            "B4000 (1.2)",
            "T5200 P07",
            "B12000 (0.4)",
            "T12400 P07",
            "B20000 (2.5)",
            "Q22600",
            "T22500 I",
            "B27000 (0.3)",
            "T27300 P07",
            "B35000 (1.0)",
            "T36000 P07",
            "B44000 (6.0) ((recording paused for 00:01:05))",
            "T50000 I",
        ]
    );
}

#[test]
fn events_land_inline_by_time_share_and_placeholders_fill_the_rest() {
    let skeleton = build(&sample::document(), &jefferson(), Lang::En, &credits());
    let texts: Vec<&str> = skeleton
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Turn(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect();
    // 1.2 s of 2.85 s voiced before the micro-pause: after "Hvordan er en" (12 of 33 chars).
    assert_eq!(texts[0], "Hvordan er en (.) vanlig dag for deg?");
    assert_eq!(texts[1], "Jeg begynner klokka sju ((laughs)) (0.6) og så ( ) slag i slag.");
    assert_eq!(texts[2], "___ (0.4) ___ (0.7) ___ ((sighs)) ___");
    assert_eq!(texts[4], "[anonymised]");
    assert_eq!(texts[5], "___ ((spør om nattskift)) ___ (0.3) ___");
    assert_eq!(texts[6], "___ (.) ___");
}

#[test]
fn the_header_has_the_facts_and_legend() {
    let header = build(&sample::document(), &jefferson(), Lang::Nb, &credits()).header;
    assert_eq!(header.title, "Transkripsjon");
    let facts: Vec<(&str, &str)> = header.facts.iter().map(|(l, v)| (l.as_str(), v.as_str())).collect();
    assert_eq!(
        facts,
        [
            ("Prosjekt", "arbeidsliv"),
            ("Deltaker", "P07"),
            ("Økt", "20261120T090000Z-P07"),
            ("Dato", "2026-11-20 10:00"),
            ("Varighet", "00:01:00"),
            ("Transkribent", "________"),
            ("Konvensjon", "Jefferson"),
        ]
    );
    assert_eq!(header.legend[0], ("(.)".to_string(), "mikropause, under 0,2 s".to_string()));
}

#[test]
fn events_go_between_the_words_said_around_them_when_words_have_times() {
    use crate::model::{Source, Span, Word};
    let mut doc = sample::document();
    // The first turn, "Hvordan er en vanlig dag for deg?", drafted with times: its micro-pause
    // falls after "Hvordan", which the time share would put after "en".
    let turn = doc.segments[0].span;
    let pause = doc.micro_pauses.iter().find(|p| turn.covers(p.span)).unwrap().span;
    let texts = ["Hvordan", "er", "en", "vanlig", "dag", "for", "deg?"];
    let mut at = turn.start;
    doc.segments[0].tokens = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            if i == 1 {
                at = pause.end;
            }
            let span = Span { start: at, end: at.saturating_add(Ms(150)) };
            at = span.end;
            Token::Word(Word {
                text: (*text).into(),
                span: Some(span),
                confidence: Some(0.9),
                source: Source::Recognised,
                glued: false,
            })
        })
        .collect();
    let skeleton = build(&doc, &jefferson(), Lang::En, &credits());
    let first =
        skeleton.blocks.iter().find_map(|b| if let Block::Turn(t) = b { Some(t.text.to_string()) } else { None });
    assert_eq!(first.unwrap(), "Hvordan (.) er en vanlig dag for deg?");
}
