//! Shared pieces of verbatim's fuzz targets: a fixed session to render, analyses drawn from
//! fuzz input, and rendering in every export format.
//!
//! The targets themselves are in `fuzz_targets/`; `README.md` says how to run them.

use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::Unstructured;
use verbatim::analysis::{ANALYSIS_VERSION, Analysis, Span};
use verbatim::export::convention::{Convention, Lang};
use verbatim::export::skeleton::Credits;
use verbatim::export::{ExportFormat, RenderOptions, SessionDocument};
use verbatim::guide::QuestionRef;
use verbatim::session::SessionMeta;
use verbatim::session::markers::{Marker, MarkerKind};
use verbatim::session::transcript::{Transcript, TranscriptSegment};

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
        speech.push(Span { start_ms: at, end_ms: at + voice });
        at += voice;
        let gap = Span { start_ms: at, end_ms: at + silence };
        match silence {
            0..100 => {}
            100..200 => micro_pauses.push(gap),
            _ => pauses.push(gap),
        }
        at += silence;
    }
    Analysis {
        version: ANALYSIS_VERSION,
        duration_ms: at,
        noise_floor_db: -58.0,
        speech_level_db: -21.0,
        speech,
        pauses,
        micro_pauses,
        vad_ms: 0,
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
    let segments = rows
        .iter()
        .map(|&(start_ms, end_ms, speaker, text, identifying)| TranscriptSegment {
            start_ms,
            end_ms,
            speaker: (!speaker.is_empty()).then(|| speaker.to_string()),
            text: text.into(),
            done: !text.is_empty(),
            identifying,
        })
        .collect();
    Transcript { version: 1, segments }
}

/// Markers of every kind, some pointing at guide questions that do not exist.
fn awkward_markers() -> Vec<Marker> {
    let mut markers: Vec<Marker> = [
        MarkerKind::Laughter,
        MarkerKind::Sigh,
        MarkerKind::LongPause,
        MarkerKind::Quote,
        MarkerKind::Identifying,
        MarkerKind::FollowUp,
        MarkerKind::Note,
        MarkerKind::Speaker,
        MarkerKind::Question,
        MarkerKind::Paused,
        MarkerKind::Gap,
    ]
    .into_iter()
    .enumerate()
    .map(|(i, kind)| Marker::at(kind, (i as u64 * 5_000 + 900) * 48, 48_000))
    .collect();
    for (i, m) in markers.iter_mut().enumerate() {
        m.note = Some(format!("note {i} {{text}} [x] <y>"));
        m.speaker = Some(i as u8);
        m.question = Some(QuestionRef { section: i % 3, question: i });
        m.duration_ms = Some(i as u64 * 1_000);
    }
    markers
}

/// A fixed document with awkward text in it, built once.
pub fn sample_document() -> &'static SessionDocument {
    static DOCUMENT: OnceLock<SessionDocument> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let analysis = drawn_analysis(&mut Unstructured::new(&[0x10; 256]));
        verbatim::export::build(&fixed_meta(), &analysis, &awkward_markers(), Some(&awkward_transcript()))
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
