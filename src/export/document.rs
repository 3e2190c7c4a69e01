//! The session as exports see it: metadata, guide progress, markers, pauses and segments.

use crate::analysis::segments::{self, Segment, SpeakerMark};
use crate::analysis::{Analysis, Span};
use crate::guide::Guide;
use crate::session::SessionMeta;
use crate::session::markers::{Marker, MarkerKind};
use crate::session::transcript::Transcript;

/// Version of the JSON layout ([`SessionDocument`]); bumped on incompatible change.
pub const DOCUMENT_VERSION: u32 = 1;

/// Everything an export needs, in one serialisable value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionDocument {
    /// Always `"verbatim-session"`, so a reader can tell what the file is.
    pub format: &'static str,
    /// [`DOCUMENT_VERSION`].
    pub format_version: u32,
    /// The program that wrote it.
    pub generator: String,
    /// Session metadata.
    pub session: SessionInfo,
    /// How the pauses were found.
    pub analysis: AnalysisInfo,
    /// Silences of 200 ms or more between stretches of voice.
    pub pauses: Vec<Pause>,
    /// Silences of 100-199 ms between stretches of voice.
    pub micro_pauses: Vec<Pause>,
    /// Pieces for transcription, in time order.
    pub segments: Vec<ExportSegment>,
    /// The interviewer's markers, in time order.
    pub markers: Vec<ExportMarker>,
    /// Progress through the interview guide, if one was used.
    pub guide: Option<GuideProgress>,
    /// Stretches of audio marked identifying (whole segments), merged and in time order.
    pub anonymised: Vec<Pause>,
    /// What could not be included, in words (left out of the JSON when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Session metadata for exports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionInfo {
    /// Session id.
    pub id: String,
    /// Participant code.
    pub participant: String,
    /// Start of the audio, RFC 3339 with the recorder's offset.
    pub started: String,
    /// End of recording, if it ended normally.
    pub ended: Option<String>,
    /// Length of the audio.
    pub duration_ms: u64,
    /// `recording`, `complete` or `recovered`.
    pub state: crate::session::SessionState,
    /// `recording` or `import`.
    pub source: &'static str,
    /// Sample rate of the stored audio.
    pub sample_rate: u32,
    /// Channels of the stored audio.
    pub channels: u16,
    /// Audio lost while recording, in ms.
    pub dropped_ms: u64,
}

/// How the analysis saw the recording.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AnalysisInfo {
    /// Analysis version.
    pub version: u32,
    /// Median noise floor (speech-band energy, dB relative to full scale).
    pub noise_floor_db: f32,
    /// Median speech level on the same scale.
    pub speech_level_db: f32,
    /// Total voice found, ms.
    pub speech_ms: u64,
}

/// A silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pause {
    /// Start, ms.
    pub start_ms: u64,
    /// End, ms.
    pub end_ms: u64,
    /// Length, ms.
    pub duration_ms: u64,
}

/// A segment with its (so far empty) text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportSegment {
    /// Start, ms.
    pub start_ms: u64,
    /// End, ms.
    pub end_ms: u64,
    /// `S1` … `S9` from live speaker markers, or null.
    pub speaker: Option<String>,
    /// The transcribed text; empty until someone types it, and empty when anonymised.
    pub text: String,
    /// The segment holds an identifying passage: its text is withheld from every export and
    /// its audio silenced in every clip.
    pub anonymised: bool,
}

impl Drop for ExportSegment {
    fn drop(&mut self) {
        // The transcript's own copy is wiped on drop; so is this one.
        zeroize::Zeroize::zeroize(&mut self.text);
    }
}

/// A marker for exports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportMarker {
    /// `laughter`, `sigh`, `long_pause`, `quote`, `identifying`, `follow_up`, `note`,
    /// `speaker`, `question`, `paused` or `gap`.
    pub kind: MarkerKind,
    /// Where, ms of audio.
    pub at_ms: u64,
    /// End, for markers that span audio (none made live do yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_ms: Option<u64>,
    /// A typed note, or what caused a gap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Speaker number, for `speaker`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speaker: Option<u8>,
    /// The question's text, for `question`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// Wall-clock length of a pause in recording, or audio lost in a gap (not in the audio).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub off_tape_ms: Option<u64>,
}

/// How far the interview got through its guide.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GuideProgress {
    /// The guide's file name.
    pub file_name: String,
    /// Its title.
    pub title: String,
    /// Questions marked as asked at least once.
    pub asked: usize,
    /// Questions in the guide.
    pub total: usize,
    /// Sections in order.
    pub sections: Vec<GuideSection>,
}

/// One section of the guide.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GuideSection {
    /// Section title.
    pub title: String,
    /// Its questions in order.
    pub questions: Vec<GuideQuestion>,
}

/// One question and when it was asked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GuideQuestion {
    /// The question.
    pub text: String,
    /// Every time it was marked as asked, ms.
    pub asked_at_ms: Vec<u64>,
}

/// Gathers a session's document from its metadata, analysis, markers and transcript; without
/// a transcript the segments are the analysis' own, with empty text.
pub fn build(
    meta: &SessionMeta,
    analysis: &Analysis,
    markers: &[Marker],
    transcript: Option<&Transcript>,
) -> SessionDocument {
    let mut markers: Vec<&Marker> = markers.iter().collect();
    markers.sort_by_key(|m| m.at_ms);
    let mut warnings = Vec::new();
    let guide = meta.guide.as_ref().and_then(|g| match Guide::parse(&g.text, &g.file_name) {
        Ok(guide) => Some((g, guide)),
        Err(e) => {
            // Guides are checked when recording starts; this is a snapshot from another version.
            warnings.push(format!("the session's guide could not be read, so guide progress is left out: {e}"));
            None
        }
    });
    let speakers = SpeakerMark::from_markers(markers.iter().copied());
    let pause = |s: &Span| Pause { start_ms: s.start_ms, end_ms: s.end_ms, duration_ms: s.len_ms() };
    let mut segments: Vec<ExportSegment> = match transcript {
        Some(t) => t
            .segments
            .iter()
            .map(|s| ExportSegment {
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                speaker: s.speaker.clone(),
                text: s.text.clone(),
                anonymised: s.identifying,
            })
            .collect(),
        None => segments::segments(&analysis.speech, &speakers).into_iter().map(export_segment).collect(),
    };
    let identifying: Vec<u64> = markers.iter().filter(|m| m.kind == MarkerKind::Identifying).map(|m| m.at_ms).collect();
    let anonymised = anonymise(&mut segments, &identifying).iter().map(pause).collect();
    SessionDocument {
        format: "verbatim-session",
        format_version: DOCUMENT_VERSION,
        generator: format!("verbatim {}", env!("CARGO_PKG_VERSION")),
        session: SessionInfo {
            id: meta.id.clone(),
            participant: meta.participant.clone(),
            started: meta.started.to_rfc3339(),
            ended: meta.ended.map(|t| t.to_rfc3339()),
            duration_ms: meta.duration_ms(),
            state: meta.state,
            source: match meta.source {
                crate::session::AudioSource::Recording { .. } => "recording",
                crate::session::AudioSource::Import { .. } => "import",
            },
            sample_rate: meta.audio.sample_rate,
            channels: meta.audio.channels,
            dropped_ms: meta.audio.frames_to_ms(meta.dropped_frames),
        },
        analysis: AnalysisInfo {
            version: analysis.version,
            noise_floor_db: analysis.noise_floor_db,
            speech_level_db: analysis.speech_level_db,
            speech_ms: analysis.speech.iter().map(Span::len_ms).sum(),
        },
        pauses: analysis.pauses.iter().map(pause).collect(),
        micro_pauses: analysis.micro_pauses.iter().map(pause).collect(),
        segments,
        markers: markers.iter().map(|m| export_marker(m, guide.as_ref().map(|(_, g)| g))).collect(),
        guide: guide.map(|(snapshot, guide)| progress(&snapshot.file_name, &guide, &markers)),
        anonymised,
        warnings,
    }
}

fn export_segment(s: Segment) -> ExportSegment {
    ExportSegment { start_ms: s.start_ms, end_ms: s.end_ms, speaker: s.speaker, text: String::new(), anonymised: false }
}

/// An interviewer presses a key just after hearing what it marks, so a key marks the segment it
/// falls in, and the one before when pressed this soon after that one ended.
pub const REACTION_MS: u64 = 2_000;

/// The segments a marker at `at_ms` points into: the one it falls in, or the one before the
/// pause it falls in (the first, if it comes before all), plus the one before that when the
/// key came within [`REACTION_MS`] of its end.
pub fn pointed_segments(segments: &[ExportSegment], at_ms: u64) -> Option<std::ops::RangeInclusive<usize>> {
    let index = segments.partition_point(|s| s.start_ms <= at_ms).saturating_sub(1);
    let segment = segments.get(index)?;
    let first = match index.checked_sub(1).and_then(|i| segments.get(i)) {
        Some(before) if at_ms >= segment.start_ms && at_ms.saturating_sub(before.end_ms) < REACTION_MS => index - 1,
        _ => index,
    };
    Some(first..=index)
}

/// Withholds the text of every segment an identifying marker at `marks` points into, and
/// returns their audio as merged spans.
fn anonymise(segments: &mut [ExportSegment], marks: &[u64]) -> Vec<Span> {
    // Segments the transcriber marked arrive already flagged.
    let mut hit: Vec<bool> = segments.iter().map(|s| s.anonymised).collect();
    for range in marks.iter().filter_map(|&at| pointed_segments(segments, at)) {
        hit[range].fill(true);
    }
    let mut spans: Vec<Span> = Vec::new();
    for (segment, _) in segments.iter_mut().zip(&hit).filter(|(_, hit)| **hit) {
        segment.anonymised = true;
        zeroize::Zeroize::zeroize(&mut segment.text);
        match spans.last_mut() {
            Some(last) if last.end_ms >= segment.start_ms => last.end_ms = last.end_ms.max(segment.end_ms),
            _ => spans.push(Span { start_ms: segment.start_ms, end_ms: segment.end_ms }),
        }
    }
    spans
}

fn export_marker(m: &Marker, guide: Option<&Guide>) -> ExportMarker {
    ExportMarker {
        kind: m.kind,
        at_ms: m.at_ms,
        end_ms: None,
        note: m.note.clone(),
        speaker: m.speaker,
        question: m.question.and_then(|q| guide?.question(q)).map(|q| q.text.clone()),
        off_tape_ms: m.duration_ms,
    }
}

fn progress(file_name: &str, guide: &Guide, markers: &[&Marker]) -> GuideProgress {
    let sections: Vec<GuideSection> = guide
        .sections
        .iter()
        .enumerate()
        .map(|(si, section)| GuideSection {
            title: section.title.clone(),
            questions: section
                .questions
                .iter()
                .enumerate()
                .map(|(qi, q)| GuideQuestion {
                    text: q.text.clone(),
                    asked_at_ms: markers
                        .iter()
                        .filter(|m| {
                            m.kind == MarkerKind::Question
                                && m.question.is_some_and(|r| r.section == si && r.question == qi)
                        })
                        .map(|m| m.at_ms)
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let asked = sections.iter().flat_map(|s| &s.questions).filter(|q| !q.asked_at_ms.is_empty()).count();
    GuideProgress {
        file_name: file_name.to_string(),
        title: guide.title.clone(),
        asked,
        total: guide.question_count(),
        sections,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guide::QuestionRef;

    use crate::export::sample::meta;

    fn marker(kind: MarkerKind, at_ms: u64) -> Marker {
        Marker::at(kind, at_ms * 48, 48_000)
    }

    #[test]
    fn builds_guide_progress_markers_and_speaker_segments() {
        let span = |start_ms, end_ms| Span { start_ms, end_ms };
        let analysis = Analysis {
            version: 1,
            duration_ms: 30_000,
            noise_floor_db: -58.0,
            speech_level_db: -21.0,
            speech: vec![span(500, 3_000), span(3_250, 6_000), span(6_300, 9_000), span(9_200, 12_000)],
            pauses: vec![span(6_000, 6_300), span(9_000, 9_200)],
            micro_pauses: vec![span(3_000, 3_250)],
            vad_ms: 0,
        };
        let mut asked = marker(MarkerKind::Question, 400);
        asked.question = Some(QuestionRef { section: 0, question: 1 });
        let mut s1 = marker(MarkerKind::Speaker, 100);
        s1.speaker = Some(1);
        let mut s2 = marker(MarkerKind::Speaker, 7_100);
        s2.speaker = Some(2);
        let mut note = marker(MarkerKind::Note, 8_000);
        note.note = Some("ask about the night shifts".into());
        let mut paused = marker(MarkerKind::Paused, 12_500);
        paused.duration_ms = Some(65_000);
        // Saved in the order they were made, not in time order.
        let doc = build(&meta(), &analysis, &[note, s2, asked, s1, paused], None);

        assert_eq!(doc.session.dropped_ms, 100);
        assert_eq!(doc.session.source, "recording");
        assert_eq!(doc.analysis.speech_ms, 2_500 + 2_750 + 2_700 + 2_800);
        assert_eq!(
            doc.pauses,
            [
                Pause { start_ms: 6_000, end_ms: 6_300, duration_ms: 300 },
                Pause { start_ms: 9_000, end_ms: 9_200, duration_ms: 200 }
            ]
        );
        let segs: Vec<_> = doc.segments.iter().map(|s| (s.start_ms, s.end_ms, s.speaker.as_deref())).collect();
        assert_eq!(segs, [(500, 6_000, Some("S1")), (6_300, 12_000, Some("S2"))]);
        let kinds: Vec<_> = doc.markers.iter().map(|m| (m.kind, m.at_ms)).collect();
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
        assert_eq!(doc.markers[4].off_tape_ms, Some(65_000));
        let guide = doc.guide.as_ref().unwrap();
        assert_eq!((guide.title.as_str(), guide.asked, guide.total), ("Arbeid", 1, 3));
        assert_eq!(guide.sections[0].questions[1].asked_at_ms, [400]);
        assert!(guide.sections[1].questions[0].asked_at_ms.is_empty());

        let json: serde_json::Value = serde_json::from_slice(&crate::export::json::render(&doc).unwrap()).unwrap();
        assert_eq!(json["markers"][3]["note"], "ask about the night shifts");
        assert!(json["markers"][0].get("note").is_none(), "absent fields are left out");
        assert_eq!(json["segments"][1]["speaker"], "S2");
        assert_eq!(json["session"]["started"], "2026-11-20T10:00:00+01:00");

        // Once there is a transcript, its segments and text are what is exported.
        let mut transcript = Transcript::from_segments(&crate::analysis::segments::segments(&analysis.speech, &[]));
        transcript.segments[0].text = "Vi begynner klokka sju.".into();
        transcript.segments[0].speaker = Some("P07".into());
        let doc = build(&meta(), &analysis, &[], Some(&transcript));
        assert_eq!(doc.segments.len(), 1);
        assert!(!doc.segments[0].anonymised && doc.anonymised.is_empty());
        // The transcriber's identifying flag withholds the text like the interviewer's key.
        let mut flagged = transcript.clone();
        flagged.segments[0].identifying = true;
        let hidden = build(&meta(), &analysis, &[], Some(&flagged));
        assert!(hidden.segments[0].anonymised && hidden.segments[0].text.is_empty());
        assert_eq!(hidden.anonymised, [Pause { start_ms: 500, end_ms: 12_000, duration_ms: 11_500 }]);
        assert_eq!(
            (doc.segments[0].text.as_str(), doc.segments[0].speaker.as_deref()),
            ("Vi begynner klokka sju.", Some("P07"))
        );
    }
}
