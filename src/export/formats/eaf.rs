//! The session as an ELAN file: one tier per speaker, plus words (when a draft gave them
//! times), guide questions, markers and pauses.

use zeroize::Zeroizing;

use crate::export::convention::Convention;
use crate::export::document::SessionDocument;
use crate::export::skeleton::{Block, Skeleton};
use crate::export::writers::eaf::{self, EafAnnotation, EafDocument, EafMedia, EafTier, EafTierKind};
use crate::model::{Lang, MarkerKind, Ms, Text, Token};

/// Tier names, in both languages.
const QUESTIONS: Text = Text::new("Guide questions", "Intervjuguide");
const MARKERS: Text = Text::new("Markers", "Markører");
const PAUSES: Text = Text::new("Pauses", "Pauser");
const WORDS: Text = Text::new("Words", "Ord");

/// How long a point marker shows in ELAN, so it can be seen and clicked.
const MARKER: Ms = Ms(1_000);

/// The session as an ELAN file. The media is the session's audio, decrypted next to the file
/// under `<session>.wav` (`verbatim decrypt`); ELAN asks for it if it is elsewhere.
pub(crate) fn render(
    skeleton: &Skeleton,
    document: &SessionDocument,
    convention: &Convention,
    lang: Lang,
) -> Result<Zeroizing<Vec<u8>>, eaf::EafError> {
    // Saturating: markers read from disk may hold any time.
    let end_of = |at: Ms| at.saturating_add(MARKER).min(document.session.duration.max(at.saturating_add(Ms(1)))).0;
    let mut speakers: Vec<EafTier> = Vec::new();
    let mut questions = Vec::new();
    for block in &skeleton.blocks {
        match block {
            Block::Turn(turn) => {
                let annotation =
                    EafAnnotation { start_ms: turn.start.0, end_ms: turn.end.0, value: turn.text.to_string() };
                match speakers.iter_mut().find(|t| t.id == turn.speaker) {
                    Some(tier) => tier.annotations.push(annotation),
                    None => speakers.push(EafTier {
                        id: turn.speaker.clone(),
                        participant: Some(turn.speaker.clone()),
                        kind: EafTierKind::Speech,
                        annotations: vec![annotation],
                    }),
                }
            }
            Block::Question { at, text } => {
                questions.push(EafAnnotation { start_ms: at.0, end_ms: end_of(*at), value: text.clone() });
            }
            Block::Between { .. } => {}
        }
    }
    let hidden = |at: Ms| document.anonymised.iter().any(|a| a.span.contains(at));
    let markers = document
        .markers
        .iter()
        .filter(|m| m.kind != MarkerKind::Question)
        .map(|m| {
            let label = m.kind.label(lang);
            let value = match (&m.note, hidden(m.at)) {
                (Some(note), false) => format!("{label}: {note}"),
                _ => label.to_string(),
            };
            EafAnnotation { start_ms: m.at.0, end_ms: end_of(m.at), value }
        })
        .collect();
    let micro = if convention.micro_pauses { document.micro_pauses.as_slice() } else { &[] };
    let pauses = document
        .pauses
        .iter()
        .chain(micro)
        .map(|p| EafAnnotation {
            start_ms: p.span.start.0,
            end_ms: p.span.end.0,
            value: convention.pause_mark(p.duration, lang),
        })
        .collect();
    // Word by word, where words have times: withheld passages have none left to write.
    let words: Vec<EafAnnotation> = document
        .segments
        .iter()
        .filter(|s| !s.anonymised)
        .flat_map(|s| &s.tokens)
        .filter_map(|t| match t {
            Token::Word(w) => w.span.map(|span| EafAnnotation {
                start_ms: span.start.0,
                end_ms: span.end.0.max(span.start.0 + 1),
                value: w.text.clone(),
            }),
            Token::Tag(_) => None,
        })
        .collect();
    let tier = |id: &str, kind, annotations| EafTier { id: id.into(), participant: None, kind, annotations };
    let mut tiers = speakers;
    if !words.is_empty() {
        tiers.push(tier(WORDS.get(lang), EafTierKind::Word, words));
    }
    tiers.push(tier(QUESTIONS.get(lang), EafTierKind::Question, questions));
    tiers.push(tier(MARKERS.get(lang), EafTierKind::Marker, markers));
    tiers.push(tier(PAUSES.get(lang), EafTierKind::Pause, pauses));
    let date = chrono::DateTime::parse_from_rfc3339(&document.session.started)
        .unwrap_or_else(|_| chrono::Utc::now().fixed_offset());
    let audio = format!("{}.wav", document.session.id);
    let doc = EafDocument {
        date,
        author: String::new(),
        media: Some(EafMedia {
            url: format!("file:///{audio}"),
            mime_type: "audio/x-wav".into(),
            relative_url: Some(format!("./{audio}")),
        }),
        tiers,
    };
    let bytes = eaf::render(&doc);
    let mut doc = doc;
    for tier in &mut doc.tiers {
        for annotation in &mut tier.annotations {
            zeroize::Zeroize::zeroize(&mut annotation.value);
        }
    }
    bytes
}
