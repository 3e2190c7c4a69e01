//! The skeleton as a Word document, which NVivo, MAXQDA and ATLAS.ti import with its headings.

use zeroize::Zeroizing;

use super::layout_parts;
use crate::export::convention::Convention;
use crate::export::document::SessionDocument;
use crate::export::skeleton::{Block, Skeleton};
use crate::export::writers::docx::{self, DocxMeta, DocxParagraph, DocxRun, DocxStyle};
use crate::model::Lang;

/// The skeleton as a Word document: title, facts, legend, questions as headings, and one
/// paragraph per turn with its time and speaker in bold.
pub(crate) fn render(
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
            Block::Question { at, text } => DocxParagraph::plain(DocxStyle::Heading, format!("{text} ({at})")),
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
    let meta =
        DocxMeta { title: format!("{}: {}", h.title, document.session.id), language: lang.tag().into(), created };
    let bytes = docx::render(&paragraphs, &meta);
    // The runs held transcript text; wipe them before they are freed.
    for paragraph in &mut paragraphs {
        for run in &mut paragraph.runs {
            zeroize::Zeroize::zeroize(&mut run.text);
        }
    }
    bytes
}
