//! Shared pieces of verbatim's fuzz targets: a fixed session to render, analyses drawn from
//! fuzz input, and rendering in every export format.
//!
//! The targets themselves are in `fuzz_targets/`; `README.md` says how to run them.

use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::Unstructured;
use verbatim::analysis::{ANALYSIS_VERSION, Analysis};
use verbatim::export::convention::{Convention, Lang};
use verbatim::export::skeleton::Credits;
use verbatim::export::{ExportFormat, RenderOptions, SessionDocument};
use verbatim::guide::{Guide, GuideError};
use verbatim::model::transcript::tokens_from_text;
use verbatim::model::{Mark, Marker, Ms, ParticipantCode, QuestionRef, Segment, Span, Speaker, Transcript};
use verbatim::session::SessionMeta;

/// Longest recording the drawn analyses describe: a day, far beyond any interview.
const MAX_DRAWN_MS: u64 = 24 * 60 * 60 * 1000;

/// Session metadata that passes every check: the export tests' P07, 60 s at 48 kHz, with a
/// two-section guide.
pub fn fixed_meta() -> SessionMeta {
    verbatim::export::sample::meta()
}

/// An analysis as the analyser would make one (sorted, non-overlapping spans within a day),
/// with its lengths and gaps drawn from `u`.
pub fn drawn_analysis(u: &mut Unstructured<'_>) -> Analysis {
    let mut speech = Vec::new();
    let mut pauses = Vec::new();
    let mut micro_pauses = Vec::new();
    let mut at = u64::from(u.arbitrary::<u16>().unwrap_or(0));
    let count = u.int_in_range(0..=64u8).unwrap_or(0);
    for _ in 0..count {
        let voice = 1 + u64::from(u.arbitrary::<u16>().unwrap_or(0)) * 4;
        let silence = u64::from(u.arbitrary::<u16>().unwrap_or(0));
        if at + voice + silence > MAX_DRAWN_MS {
            break;
        }
        speech.push(Span::ms(at, at + voice));
        at += voice;
        let gap = Span::ms(at, at + silence);
        match silence {
            0..100 => {}
            100..200 => micro_pauses.push(gap),
            _ => pauses.push(gap),
        }
        at += silence;
    }
    Analysis {
        version: ANALYSIS_VERSION,
        duration: Ms(at),
        noise_floor_db: -58.0,
        speech_level_db: -21.0,
        speech,
        pauses,
        micro_pauses,
        vad: Ms::ZERO,
    }
}

/// A transcript with the text export code finds hardest: brackets, templates, control
/// characters, XML and Markdown specials, right-to-left and combining characters.
fn awkward_transcript() -> Transcript {
    let rows: [(u64, u64, &str, &str, bool); 6] = [
        (1_000, 4_000, "I", "Hvordan er en {text} vanlig dag? [laughter] <b>&amp;</b>", false),
        (5_200, 12_000, "P07", "Jeg\tbegynner\u{7}klokka\u{0}sju\r\n[inaudible 00:00:10]\u{202e}slag", false),
        (12_400, 20_000, "P07", "", false),
        (22_500, 27_000, "S3", "# Hva er *vanskelig*? ]]> --> \"'", false),
        (27_300, 35_000, "P07", "Kari Nordmann på Ullevål", true),
        (36_000, 58_000, "", "e\u{301} \u{fffd} {start} {end_f4} {speaker}", false),
    ];
    let code: ParticipantCode = "P07".parse().expect("a valid code");
    let segments = rows
        .iter()
        .map(|&(start, end, speaker, text, identifying)| Segment {
            span: Span::ms(start, end),
            speaker: (!speaker.is_empty()).then(|| Speaker::from_v1_label(speaker, &code)),
            speaker_fixed: false,
            tokens: tokens_from_text(text),
            done: !text.is_empty(),
            identifying,
        })
        .collect();
    Transcript { segments }
}

/// Markers of every kind, some pointing at guide questions that do not exist.
fn awkward_markers() -> Vec<Marker> {
    let note = |i: usize| format!("note {i} {{text}} [x] <y>");
    let marks = [
        Mark::Laughter,
        Mark::Sigh,
        Mark::LongPause,
        Mark::Quote,
        Mark::Identifying,
        Mark::FollowUp,
        Mark::Note(note(6)),
        Mark::Speaker(7),
        Mark::Question { question: QuestionRef { section: 8 % 3, question: 8 }, text: Some(note(8)) },
        Mark::Paused { wall: Some(Ms(9_000)) },
        Mark::Gap { lost: Some(Ms(10_000)), cause: note(10) },
    ];
    marks.into_iter().enumerate().map(|(i, mark)| Marker::at(mark, (i as u64 * 5_000 + 900) * 48, 48_000)).collect()
}

/// The guide of a session's metadata, parsed as the read model parses it.
pub fn guide_of(meta: &SessionMeta) -> Result<Option<Guide>, GuideError> {
    meta.guide.as_ref().map(|g| Guide::parse(&g.text, &g.file_name)).transpose()
}

/// A fixed document with awkward text in it, built once.
pub fn sample_document() -> &'static SessionDocument {
    static DOCUMENT: OnceLock<SessionDocument> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let analysis = drawn_analysis(&mut Unstructured::new(&[0x10; 256]));
        let meta = fixed_meta();
        let guide = guide_of(&meta);
        let guide = guide.as_ref().map(Option::as_ref);
        verbatim::export::build(&meta, &analysis, &awkward_markers(), &awkward_transcript(), guide)
    })
}

/// The shipped `plain` convention, parsed once.
pub fn plain_convention() -> &'static Convention {
    static PLAIN: OnceLock<Convention> = OnceLock::new();
    PLAIN.get_or_init(|| Convention::load("plain").expect("the shipped plain convention parses"))
}

/// Renders `document` in each of `formats`; rendering may fail with an error but never panic,
/// and the JSON export must be JSON.
pub fn render(document: &SessionDocument, convention: &Convention, lang: Lang, formats: &[ExportFormat]) {
    let options = RenderOptions {
        convention: convention.clone(),
        lang,
        credits: Credits { project: "Fuzz [project] {text}".into(), transcriber: Some("<T&A>".into()) },
    };
    for &format in formats {
        if let Ok(bytes) = format.render(document, &options)
            && format == ExportFormat::Json
        {
            assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(), "the JSON export is not JSON");
        }
    }
}
