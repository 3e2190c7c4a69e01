//! A fixed, invented session for the export tests: two speakers, guide questions, pauses and
//! micro-pauses, laughter, a sigh, a note, a recording pause, an identifying passage, and text
//! typed into half of the segments.

// Built only for tests and fuzzing (`cfg(any(test, fuzzing))`), where a broken fixture should stop the run.
#![allow(clippy::unwrap_used)]

use super::document::{SessionDocument, build};
use crate::analysis::Analysis;
use crate::audio::wav::{AudioSpec, SampleFormat};
use crate::guide::Guide;
use crate::model::transcript::tokens_from_text;
use crate::model::{Mark, Marker, Ms, QuestionRef, Segment, Span, Speaker, Transcript};
use crate::session::{AudioSource, GuideSnapshot, SessionMeta, SessionState};

/// Session metadata: P07, 60 s at 48 kHz, with a three-question guide.
pub fn meta() -> SessionMeta {
    let started = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00+01:00").unwrap();
    SessionMeta {
        version: 1,
        id: "20261120T090000Z-P07".parse().unwrap(),
        participant: "P07".parse().unwrap(),
        started,
        ended: Some(started + chrono::Duration::seconds(60)),
        state: SessionState::Complete,
        source: AudioSource::Recording { device: "USB mic".into() },
        audio: AudioSpec { sample_rate: 48_000, channels: 1, bits_per_sample: 16, sample_format: SampleFormat::Int },
        frames: 48_000 * 60,
        dropped_frames: 4_800,
        guide: Some(GuideSnapshot {
            file_name: "guide.md".into(),
            text: "# Arbeid\n## Hverdagen\n- Hvordan er en vanlig dag?\n- Hva er vanskelig?\n## Slutt\n- Noe mer?\n"
                .into(),
        }),
        recovery: None,
    }
}

/// A marker of `mark` at `at_ms`.
pub fn marker(mark: Mark, at_ms: u64) -> Marker {
    Marker::at(mark, at_ms * 48, 48_000)
}

const fn span(start_ms: u64, end_ms: u64) -> Span {
    Span::ms(start_ms, end_ms)
}

/// (start, end, speaker, text) of each segment.
const SEGMENTS: [(u64, u64, &str, &str); 7] = [
    (1_000, 4_000, "I", "Hvordan er en vanlig dag for deg?"),
    (5_200, 12_000, "P07", "Jeg begynner klokka sju [laughter] og så [inaudible 00:00:10] slag i slag."),
    (12_400, 20_000, "P07", ""),
    (22_500, 27_000, "I", "Hva er vanskelig? [overlap]"),
    (27_300, 35_000, "P07", "Jeg jobber på Ullevål hos Kari Nordmann."),
    (36_000, 44_000, "P07", ""),
    (50_000, 58_000, "I", ""),
];
/// Pauses of 0.2 s or more; the one in 27.3-35 s is inside the identifying passage.
const PAUSES: [Span; 11] = [
    span(4_000, 5_200),
    span(8_000, 8_600),
    span(12_000, 12_400),
    span(14_000, 14_350),
    span(17_000, 17_700),
    span(20_000, 22_500),
    span(27_000, 27_300),
    span(30_000, 30_500),
    span(35_000, 36_000),
    span(41_000, 41_300),
    span(44_000, 50_000),
];
const MICRO_PAUSES: [Span; 2] = [span(2_200, 2_350), span(52_000, 52_150)];

/// The analysis behind [`SEGMENTS`]: speech is everything inside them but the pauses.
pub fn analysis() -> Analysis {
    let mut silences: Vec<Span> = PAUSES.iter().chain(&MICRO_PAUSES).copied().collect();
    silences.sort_by_key(|s| s.start);
    let mut speech = Vec::new();
    let mut at = Ms(SEGMENTS[0].0);
    for s in silences.iter().chain(std::iter::once(&span(58_000, 58_000))) {
        speech.push(Span::new(at, s.start));
        at = s.end;
    }
    Analysis {
        version: 1,
        duration: Ms(60_000),
        noise_floor_db: -58.0,
        speech_level_db: -21.0,
        speech,
        pauses: PAUSES.to_vec(),
        micro_pauses: MICRO_PAUSES.to_vec(),
        vad: Ms::ZERO,
    }
}

/// The markers, in the order they were made.
pub fn markers() -> Vec<Marker> {
    let question =
        |at_ms, q| marker(Mark::Question { question: QuestionRef { section: 0, question: q }, text: None }, at_ms);
    vec![
        question(900, 0),
        marker(Mark::Laughter, 9_000),
        marker(Mark::Sigh, 18_000),
        question(22_600, 1),
        marker(Mark::Quote, 24_000),
        marker(Mark::Identifying, 31_000),
        marker(Mark::Note("spør om nattskift".into()), 40_000),
        marker(Mark::Paused { wall: Some(Ms(65_000)) }, 46_000),
    ]
}

/// The transcript: [`SEGMENTS`] with their speakers and text.
pub fn transcript() -> Transcript {
    let code = meta().participant;
    let segments = SEGMENTS
        .iter()
        .map(|&(start, end, speaker, text)| Segment {
            span: span(start, end),
            speaker: Some(Speaker::from_label(speaker, &code)),
            speaker_fixed: false,
            tokens: tokens_from_text(text),
            done: !text.is_empty(),
            identifying: false,
        })
        .collect();
    Transcript { segments }
}

/// The sample's guide, parsed from its snapshot.
pub fn guide() -> Guide {
    let snapshot = meta().guide.unwrap();
    Guide::parse(&snapshot.text, &snapshot.file_name).unwrap()
}

/// The whole document.
pub fn document() -> SessionDocument {
    build(&meta(), &analysis(), &markers(), &transcript(), Ok(Some(&guide())))
}
