//! The formats QDA tools open as documents: Word (NVivo, MAXQDA, ATLAS.ti import it with its
//! headings) and ELAN's EAF (one tier per speaker, plus guide questions, markers and pauses).

use zeroize::Zeroizing;

use super::convention::{Convention, Lang};
use super::document::SessionDocument;
use super::docx::{self, DocxMeta, DocxParagraph, DocxRun, DocxStyle};
use super::eaf::{self, EafAnnotation, EafDocument, EafMedia, EafTier, EafTierKind};
use super::skeleton::{Block, Skeleton, clock};
use super::text::layout_parts;
use crate::session::markers::MarkerKind;

/// The skeleton as a Word document: title, facts, legend, questions as headings, and one
/// paragraph per turn with its time and speaker in bold.
pub fn to_docx(
    skeleton: &Skeleton,
    document: &SessionDocument,
    convention: &Convention,
    lang: Lang,
) -> Result<Zeroizing<Vec<u8>>, docx::DocxError> {
    let h = &skeleton.header;
    let mut paragraphs = vec![DocxParagraph::plain(DocxStyle::Title, format!("{}: {}", h.title, document.session.id))];
    paragraphs.extend(h.facts.iter().map(|(label, value)| DocxParagraph {
        style: DocxStyle::Small,
        runs: vec![DocxRun { text: format!("{label}: "), bold: true, italic: false }, DocxRun::plain(value.clone())],
    }));
    paragraphs.push(DocxParagraph::plain(DocxStyle::Heading, h.legend_title.clone()));
    paragraphs.extend(h.legend.iter().map(|(notation, meaning)| DocxParagraph {
        style: DocxStyle::Small,
        runs: vec![
            DocxRun { text: notation.clone(), bold: true, italic: false },
            DocxRun::plain(format!("\t{meaning}")),
        ],
    }));
    for block in &skeleton.blocks {
        paragraphs.push(match block {
            Block::Question { at_ms, text } => {
                DocxParagraph::plain(DocxStyle::Heading, format!("{text} ({})", clock(*at_ms)))
            }
            Block::Between { text, .. } => DocxParagraph::plain(DocxStyle::Normal, text.clone()),
            Block::Turn(turn) => {
                let (before, after) = layout_parts(turn, convention);
                let mut runs = vec![
                    DocxRun { text: before, bold: true, italic: false },
                    DocxRun { text: turn.text.to_string(), bold: false, italic: !turn.filled },
                ];
                if !after.is_empty() {
                    runs.push(DocxRun::plain(after));
                }
                DocxParagraph { style: DocxStyle::Normal, runs }
            }
        });
    }
    let created = chrono::DateTime::parse_from_rfc3339(&document.session.started)
        .unwrap_or_else(|_| chrono::Utc::now().fixed_offset());
    let meta = DocxMeta {
        title: format!("{}: {}", h.title, document.session.id),
        language: if lang == Lang::En { "en-GB" } else { "nb-NO" }.into(),
        created,
    };
    let bytes = docx::render(&paragraphs, &meta);
    // The runs held transcript text; wipe them before they are freed.
    for paragraph in &mut paragraphs {
        for run in &mut paragraph.runs {
            zeroize::Zeroize::zeroize(&mut run.text);
        }
    }
    bytes
}

/// A marker's name in the export language.
pub fn marker_label(kind: MarkerKind, lang: Lang) -> &'static str {
    if lang == Lang::En {
        return kind.label();
    }
    match kind {
        MarkerKind::Laughter => "latter",
        MarkerKind::Sigh => "sukk",
        MarkerKind::LongPause => "lang pause",
        MarkerKind::Quote => "sitat",
        MarkerKind::Identifying => "identifiserende",
        MarkerKind::FollowUp => "følg opp",
        MarkerKind::Note => "notat",
        MarkerKind::Speaker => "taler",
        MarkerKind::Question => "spørsmål",
        MarkerKind::Paused => "pauset",
        MarkerKind::Gap => "lyd tapt",
    }
}

/// How long a point marker shows in ELAN, so it can be seen and clicked.
const MARKER_MS: u64 = 1_000;

/// The session as an ELAN file. The media is the session's audio, decrypted next to the file
/// under `<session>.wav` (`verbatim decrypt`); ELAN asks for it if it is elsewhere.
pub fn to_eaf(
    skeleton: &Skeleton,
    document: &SessionDocument,
    convention: &Convention,
    lang: Lang,
) -> Result<Zeroizing<Vec<u8>>, eaf::EafError> {
    let en = lang == Lang::En;
    // Saturating: markers read from disk may hold any time.
    let end_of =
        |at_ms: u64| at_ms.saturating_add(MARKER_MS).min(document.session.duration_ms.max(at_ms.saturating_add(1)));
    let mut speakers: Vec<EafTier> = Vec::new();
    let mut questions = Vec::new();
    for block in &skeleton.blocks {
        match block {
            Block::Turn(turn) => {
                let annotation =
                    EafAnnotation { start_ms: turn.start_ms, end_ms: turn.end_ms, value: turn.text.to_string() };
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
            Block::Question { at_ms, text } => {
                questions.push(EafAnnotation { start_ms: *at_ms, end_ms: end_of(*at_ms), value: text.clone() });
            }
            Block::Between { .. } => {}
        }
    }
    let hidden = |ms: u64| document.anonymised.iter().any(|a| ms >= a.start_ms && ms < a.end_ms);
    let markers = document
        .markers
        .iter()
        .filter(|m| m.kind != MarkerKind::Question)
        .map(|m| {
            let label = marker_label(m.kind, lang);
            let value = match (&m.note, hidden(m.at_ms)) {
                (Some(note), false) => format!("{label}: {note}"),
                _ => label.to_string(),
            };
            EafAnnotation { start_ms: m.at_ms, end_ms: end_of(m.at_ms), value }
        })
        .collect();
    let micro = if convention.micro_pauses { document.micro_pauses.as_slice() } else { &[] };
    let pauses = document
        .pauses
        .iter()
        .chain(micro)
        .map(|p| EafAnnotation {
            start_ms: p.start_ms,
            end_ms: p.end_ms,
            value: convention.pause_mark(p.duration_ms, lang),
        })
        .collect();
    let tier = |id: &str, kind, annotations| EafTier { id: id.into(), participant: None, kind, annotations };
    let mut tiers = speakers;
    tiers.push(tier(if en { "Guide questions" } else { "Intervjuguide" }, EafTierKind::Question, questions));
    tiers.push(tier(if en { "Markers" } else { "Markører" }, EafTierKind::Marker, markers));
    tiers.push(tier(if en { "Pauses" } else { "Pauser" }, EafTierKind::Pause, pauses));
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
