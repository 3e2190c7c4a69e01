//! The session as exports see it: metadata, guide progress, markers, pauses and segments, all
//! typed; the JSON export is this value serialised (docs/export-json.md).

pub use super::speaking::{SpeakersInfo, SpeakingTime};
use crate::analysis::Analysis;
use crate::guide::{Guide, GuideError};
use crate::model::transcript::display;
use crate::model::{
    Mark, Marker, MarkerKind, Ms, ParticipantCode, SessionId, Source, Span, Speaker, Token, Transcript, Word,
};
use crate::pipeline::DraftLayer;
use crate::session::{Opened, SessionError, SessionMeta, SessionState};

/// Version of the JSON layout ([`SessionDocument`]); bumped on incompatible change.
pub(crate) const DOCUMENT_VERSION: u32 = 1;

/// Everything an export needs, in one serialisable value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionDocument {
    /// Always `"verbatim-session"`, so a reader can tell what the file is.
    pub(crate) format: &'static str,
    /// [`DOCUMENT_VERSION`].
    pub(crate) format_version: u32,
    /// The program that wrote it.
    pub(crate) generator: String,
    /// Session metadata.
    pub(crate) session: SessionInfo,
    /// How the pauses were found.
    pub(crate) analysis: AnalysisInfo,
    /// Silences of 200 ms or more between stretches of voice.
    pub pauses: Vec<Pause>,
    /// Silences of 100-199 ms between stretches of voice.
    pub(crate) micro_pauses: Vec<Pause>,
    /// Pieces for transcription, in time order.
    pub segments: Vec<ExportSegment>,
    /// The interviewer's markers, in time order.
    pub markers: Vec<ExportMarker>,
    /// Progress through the interview guide, if one was used.
    pub guide: Option<GuideProgress>,
    /// Stretches of audio marked identifying (whole segments), merged and in time order.
    pub anonymised: Vec<Pause>,
    /// Which model drafted the words and how many a person typed or corrected, if a model did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft: Option<DraftInfo>,
    /// Which model told the speakers apart, and each speaker's speaking time, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speakers: Option<SpeakersInfo>,
    /// What could not be included, in words (left out of the JSON when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Where the words came from, for the methods section: the model and the human share.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DraftInfo {
    /// The model's name in `verbatim models`.
    pub(crate) model: String,
    /// Its file's SHA-256.
    pub(crate) model_sha256: String,
    /// Size, languages and weights, e.g. "tiny, English only, f16".
    pub(crate) model_description: String,
    /// The language it was run in (Whisper's code).
    pub(crate) language: String,
    /// Words in the transcript as the model drafted them.
    pub(crate) words_drafted: usize,
    /// Words typed or corrected by a person.
    pub(crate) words_typed: usize,
}

impl DraftInfo {
    /// What `draft` and `transcript` say about who wrote the words.
    fn of(draft: &DraftLayer, transcript: &Transcript) -> DraftInfo {
        let words = transcript.segments.iter().flat_map(|s| &s.tokens).filter_map(|t| match t {
            Token::Word(w) => Some(w.source),
            Token::Tag(_) => None,
        });
        let (drafted, typed) =
            words.fold((0, 0), |(d, t), source| if source == Source::Recognised { (d + 1, t) } else { (d, t + 1) });
        DraftInfo {
            model: draft.model.clone(),
            model_sha256: draft.model_sha256.clone(),
            model_description: draft.model_description.clone(),
            language: draft.language.clone(),
            words_drafted: drafted,
            words_typed: typed,
        }
    }
}

/// Session metadata for exports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct SessionInfo {
    /// Session id.
    pub(crate) id: SessionId,
    /// Participant code.
    pub(crate) participant: ParticipantCode,
    /// Start of the audio, RFC 3339 with the recorder's offset.
    pub(crate) started: String,
    /// End of recording, if it ended normally.
    pub(crate) ended: Option<String>,
    /// Length of the audio.
    #[serde(rename = "duration_ms")]
    pub(crate) duration: Ms,
    /// `recording`, `complete` or `recovered`.
    pub(crate) state: SessionState,
    /// `recording` or `import`.
    pub(crate) source: &'static str,
    /// Sample rate of the stored audio.
    pub(crate) sample_rate: u32,
    /// Channels of the stored audio.
    pub(crate) channels: u16,
    /// Audio lost while recording.
    #[serde(rename = "dropped_ms")]
    pub(crate) dropped: Ms,
}

/// How the analysis saw the recording.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct AnalysisInfo {
    /// Analysis version.
    pub(crate) version: u32,
    /// Median noise floor (speech-band energy, dB relative to full scale).
    pub(crate) noise_floor_db: f32,
    /// Median speech level on the same scale.
    pub(crate) speech_level_db: f32,
    /// Total voice found.
    #[serde(rename = "speech_ms")]
    pub(crate) speech: Ms,
}

/// A stretch of silence (or of withheld audio), with its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pause {
    /// Where.
    #[serde(flatten)]
    pub span: Span,
    /// How long.
    #[serde(rename = "duration_ms")]
    pub(crate) duration: Ms,
}

impl From<Span> for Pause {
    fn from(span: Span) -> Pause {
        Pause { span, duration: span.len() }
    }
}

/// A segment with its speaker and text; written as `start_ms`, `end_ms`, `speaker`, `text`,
/// `anonymised` and, when it has words on the clock, `words` (docs/export-json.md).
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSegment {
    /// Where.
    pub(crate) span: Span,
    /// Who speaks, if known.
    pub(crate) speaker: Option<Speaker>,
    /// The same as the review screen labels it (`I`, `P01`, `L2`), or null.
    pub speaker_label: Option<String>,
    /// The text as typed (or drafted); empty until there is some, and empty when anonymised.
    pub(crate) tokens: Vec<Token>,
    /// The segment holds an identifying passage: its text is withheld from every export and
    /// its audio silenced in every clip.
    pub(crate) anonymised: bool,
}

impl ExportSegment {
    /// Whether nothing has been typed (or it is withheld).
    pub(crate) fn is_blank(&self) -> bool {
        self.tokens.is_empty()
    }
}

impl serde::Serialize for ExportSegment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let timed = self.tokens.iter().any(|t| matches!(t, Token::Word(w) if w.span.is_some()));
        let mut map = s.serialize_map(Some(5 + usize::from(timed)))?;
        map.serialize_entry("start_ms", &self.span.start)?;
        map.serialize_entry("end_ms", &self.span.end)?;
        map.serialize_entry("speaker", &self.speaker_label)?;
        map.serialize_entry("text", zeroize::Zeroizing::new(display(&self.tokens)).as_str())?;
        map.serialize_entry("anonymised", &self.anonymised)?;
        // Only where there are: exports of sessions without a draft stay as they were.
        if timed {
            map.serialize_entry("words", &TimedWords(&self.tokens, self.speaker_label.as_deref()))?;
        }
        map.end()
    }
}

/// The words of a segment that are on the audio clock, as `{start_ms, end_ms, text, source,
/// confidence?, speaker?}`; `source` is `asr` for recognised words, `typed` for the
/// transcriber's; `speaker` is the segment's, when it has one.
struct TimedWords<'a>(&'a [Token], Option<&'a str>);

impl serde::Serialize for TimedWords<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        struct One<'a>(&'a Word, Span, Option<&'a str>);
        impl serde::Serialize for One<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(None)?;
                map.serialize_entry("start_ms", &self.1.start)?;
                map.serialize_entry("end_ms", &self.1.end)?;
                map.serialize_entry("text", &self.0.text)?;
                map.serialize_entry("source", if self.0.source == Source::Recognised { "asr" } else { "typed" })?;
                if let Some(confidence) = self.0.confidence {
                    map.serialize_entry("confidence", &((confidence * 1000.0).round() / 1000.0))?;
                }
                if let Some(speaker) = self.2 {
                    map.serialize_entry("speaker", speaker)?;
                }
                map.end()
            }
        }
        let mut seq = s.serialize_seq(None)?;
        for token in self.0 {
            if let Token::Word(word) = token
                && let Some(span) = word.span
            {
                seq.serialize_element(&One(word, span, self.1))?;
            }
        }
        seq.end()
    }
}

/// A marker as exports write it: kind and time, its payload in optional fields.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportMarker {
    /// What it marks (`laughter`, `quote`, `note`…).
    pub(crate) kind: MarkerKind,
    /// Where.
    #[serde(rename = "at_ms")]
    pub(crate) at: Ms,
    /// End, for markers that span audio (none made live do yet).
    #[serde(rename = "end_ms", skip_serializing_if = "Option::is_none")]
    pub(crate) end: Option<Ms>,
    /// A typed note, the cause of a gap, or the question as asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
    /// Speaker number, for `speaker`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) speaker: Option<u8>,
    /// The question's text in the guide, for `question`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) question: Option<String>,
    /// Wall-clock length of a pause in recording, or audio lost in a gap (not in the audio).
    #[serde(rename = "off_tape_ms", skip_serializing_if = "Option::is_none")]
    pub(crate) off_tape: Option<Ms>,
}

/// How far the interview got through its guide.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GuideProgress {
    /// The guide's file name.
    pub(crate) file_name: String,
    /// The title the guide file gives.
    pub(crate) title: String,
    /// Questions marked as asked at least once.
    pub asked: usize,
    /// Questions in the guide.
    pub total: usize,
    /// Sections in order.
    pub(crate) sections: Vec<GuideSection>,
}

/// A guide section with when each of its questions was asked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct GuideSection {
    /// Section title.
    pub(crate) title: String,
    /// Its questions in order.
    pub(crate) questions: Vec<GuideQuestion>,
}

/// One question and when it was asked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct GuideQuestion {
    /// The question.
    pub(crate) text: String,
    /// Every time it was marked as asked.
    #[serde(rename = "asked_at_ms")]
    pub(crate) asked_at: Vec<Ms>,
}

impl SessionDocument {
    /// The document of an opened session: its transcript, or fresh segments if it has none
    /// (analysing it first if need be, with `progress`).
    pub fn of(session: &Opened, progress: &mut dyn FnMut(u64, u64)) -> Result<SessionDocument, SessionError> {
        let transcript = session.transcript_or_segments(progress)?;
        let analysis = session.analysis(progress)?;
        let mut document = build(session.meta()?, analysis, session.markers()?, &transcript, session.guide()?);
        document.draft = session.cached_draft()?.map(|draft| DraftInfo::of(draft, &transcript));
        document.speakers = session
            .cached_speakers()?
            .map(|layer| SpeakersInfo::of(layer, &transcript, &analysis.speech, session.participant()));
        Ok(document)
    }
}

/// Gathers a session's document from its metadata, pause layer, markers, transcript and guide
/// (or why the guide snapshot could not be read).
pub fn build(
    meta: &SessionMeta,
    analysis: &Analysis,
    markers: &[Marker],
    transcript: &Transcript,
    guide: Result<Option<&Guide>, &GuideError>,
) -> SessionDocument {
    let mut markers: Vec<&Marker> = markers.iter().collect();
    markers.sort_by_key(|m| m.at);
    let mut warnings = Vec::new();
    let guide = match guide {
        Ok(guide) => guide.map(|g| (meta.guide.as_ref().map_or("", |s| s.file_name.as_str()), g)),
        Err(e) => {
            // Guides are checked when recording starts; this is a snapshot from another version.
            warnings.push(format!("the session's guide could not be read, so guide progress is left out: {e}"));
            None
        }
    };
    let code = &meta.participant;
    let mut segments: Vec<ExportSegment> = transcript
        .segments
        .iter()
        .map(|s| ExportSegment {
            span: s.span,
            speaker: s.speaker.clone(),
            speaker_label: s.speaker.as_ref().map(|speaker| speaker.short_label(code).into_owned()),
            tokens: s.tokens.clone(),
            anonymised: s.identifying,
        })
        .collect();
    let identifying: Vec<Ms> = markers.iter().filter(|m| m.kind() == MarkerKind::Identifying).map(|m| m.at).collect();
    let anonymised = anonymise(&mut segments, &identifying).into_iter().map(Pause::from).collect();
    SessionDocument {
        format: "verbatim-session",
        format_version: DOCUMENT_VERSION,
        generator: format!("verbatim {}", env!("CARGO_PKG_VERSION")),
        session: SessionInfo {
            id: meta.id.clone(),
            participant: meta.participant.clone(),
            started: meta.started.to_rfc3339(),
            ended: meta.ended.map(|t| t.to_rfc3339()),
            duration: meta.duration(),
            state: meta.state,
            source: meta.source.name(),
            sample_rate: meta.audio.sample_rate,
            channels: meta.audio.channels,
            dropped: meta.audio.frames_to_ms(meta.dropped_frames),
        },
        analysis: AnalysisInfo {
            version: analysis.version,
            noise_floor_db: analysis.noise_floor_db,
            speech_level_db: analysis.speech_level_db,
            speech: analysis.speech.iter().fold(Ms::ZERO, |sum, s| sum.saturating_add(s.len())),
        },
        pauses: analysis.pauses.iter().copied().map(Pause::from).collect(),
        micro_pauses: analysis.micro_pauses.iter().copied().map(Pause::from).collect(),
        segments,
        markers: markers.iter().map(|m| export_marker(m, guide.map(|(_, g)| g))).collect(),
        guide: guide.map(|(file_name, guide)| progress(file_name, guide, &markers)),
        anonymised,
        draft: None,
        speakers: None,
        warnings,
    }
}

/// An interviewer presses a key just after hearing what it marks, so a key marks the segment it
/// falls in, and the one before when pressed this soon after that one ended.
pub(crate) const REACTION: Ms = Ms(2_000);

/// The segments a marker at `at` points into: the one it falls in, or the one before the pause
/// it falls in (the first, if it comes before all), plus the one before that when the key came
/// within [`REACTION`] of its end.
pub(crate) fn pointed_segments(segments: &[ExportSegment], at: Ms) -> Option<std::ops::RangeInclusive<usize>> {
    let index = segments.partition_point(|s| s.span.start <= at).saturating_sub(1);
    let segment = segments.get(index)?;
    let first = match index.checked_sub(1).and_then(|i| segments.get(i)) {
        Some(before) if at >= segment.span.start && at.saturating_sub(before.span.end) < REACTION => index - 1,
        _ => index,
    };
    Some(first..=index)
}

/// Withholds the text of every segment an identifying marker at `marks` points into, and
/// returns their audio as merged spans.
fn anonymise(segments: &mut [ExportSegment], marks: &[Ms]) -> Vec<Span> {
    // Segments the transcriber marked arrive already flagged.
    let mut hit: Vec<bool> = segments.iter().map(|s| s.anonymised).collect();
    for range in marks.iter().filter_map(|&at| pointed_segments(segments, at)) {
        hit[range].fill(true);
    }
    let mut spans: Vec<Span> = Vec::new();
    for (segment, _) in segments.iter_mut().zip(&hit).filter(|(_, hit)| **hit) {
        segment.anonymised = true;
        // Dropping the words wipes their text.
        segment.tokens.clear();
        match spans.last_mut() {
            Some(last) if last.end >= segment.span.start => last.end = last.end.max(segment.span.end),
            _ => spans.push(segment.span),
        }
    }
    spans
}

fn export_marker(m: &Marker, guide: Option<&Guide>) -> ExportMarker {
    let (speaker, question) = match &m.mark {
        Mark::Speaker(n) => (Some(*n), None),
        Mark::Question { question, .. } => (None, guide.and_then(|g| g.question(*question)).map(|q| q.text.clone())),
        _ => (None, None),
    };
    ExportMarker {
        kind: m.kind(),
        at: m.at,
        end: None,
        note: m.mark.text().map(str::to_string),
        speaker,
        question,
        off_tape: m.mark.off_tape(),
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
                    asked_at: markers
                        .iter()
                        .filter(|m| {
                            matches!(&m.mark, Mark::Question { question, .. } if question.section == si && question.question == qi)
                        })
                        .map(|m| m.at)
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let asked = sections.iter().flat_map(|s| &s.questions).filter(|q| !q.asked_at.is_empty()).count();
    GuideProgress {
        file_name: file_name.to_string(),
        title: guide.title.clone(),
        asked,
        total: guide.question_count(),
        sections,
    }
}

#[cfg(test)]
mod tests;
