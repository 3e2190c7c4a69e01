//! Exports: one [`SessionDocument`] gathered from a session, written in a chosen format.
//!
//! The document is the single source every format reads, so timestamps, pauses and markers
//! agree across formats. Text formats are laid out from a [`skeleton::Skeleton`] in a
//! [`convention::Convention`]; `docs/export-formats.md` describes them all.

pub mod clips;
pub mod convention;
pub mod document;
pub mod docx;
pub mod eaf;
pub mod json;
pub mod qda;
// Also built for cargo-fuzz (which sets `--cfg fuzzing`), whose targets render the same session.
#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod sample;
pub mod skeleton;
pub mod text;
mod xml;

pub use document::{SessionDocument, build};

use convention::{Convention, Lang};
use skeleton::Credits;
use zeroize::Zeroizing;

/// The formats `verbatim export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Everything verbatim knows about the session, as JSON.
    Json,
    /// The verbatim skeleton as plain text.
    Txt,
    /// The verbatim skeleton as Markdown.
    Md,
    /// WebVTT subtitles with speaker voices (ATLAS.ti, players).
    Vtt,
    /// SRT subtitles.
    Srt,
    /// f4/MAXQDA text: every paragraph ends with its `#hh:mm:ss-d#` time stamp.
    F4,
    /// NVivo transcript rows: timespan, speaker, content (tab-separated).
    Nvivo,
    /// The skeleton as a Word document (NVivo, MAXQDA and ATLAS.ti import it).
    Docx,
    /// ELAN: a tier per speaker, plus guide questions, markers and pauses.
    Eaf,
}

/// How a text export is written.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// The transcription convention.
    pub convention: Convention,
    /// The language of labels.
    pub lang: Lang,
    /// Header facts the session does not hold.
    pub credits: Credits,
}

/// Why an export could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// JSON serialisation failed.
    #[error("could not write JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The Word package could not be built.
    #[error("could not write the Word file: {0}")]
    Docx(#[from] docx::DocxError),
    /// The ELAN file could not be built.
    #[error("could not write the ELAN file: {0}")]
    Eaf(#[from] eaf::EafError),
}

impl ExportFormat {
    /// Every format, in the order `--all-formats` writes them.
    pub const ALL: [Self; 9] =
        [Self::Json, Self::Txt, Self::Md, Self::Docx, Self::Vtt, Self::Srt, Self::Eaf, Self::F4, Self::Nvivo];

    /// Renders a document in this format.
    pub fn render(
        self,
        document: &SessionDocument,
        options: &RenderOptions,
    ) -> Result<Zeroizing<Vec<u8>>, RenderError> {
        if self == Self::Json {
            return Ok(json::render(document)?);
        }
        let RenderOptions { convention, lang, credits } = options;
        let skeleton = skeleton::build(document, convention, *lang, credits);
        let text = match self {
            Self::Docx => return Ok(qda::to_docx(&skeleton, document, convention, *lang)?),
            Self::Eaf => return Ok(qda::to_eaf(&skeleton, document, convention, *lang)?),
            Self::Json | Self::Txt => text::txt(&skeleton, convention, *lang),
            Self::Md => text::md(&skeleton, convention),
            Self::Vtt => text::vtt(&skeleton, &document.session.id),
            Self::Srt => text::srt(&skeleton),
            Self::F4 => text::f4(&skeleton, convention, *lang),
            Self::Nvivo => text::nvivo(&skeleton, *lang),
        };
        Ok(into_bytes(text))
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Txt => "txt",
            Self::Md => "md",
            Self::Vtt => "vtt",
            Self::Srt => "srt",
            Self::F4 => "f4.txt",
            Self::Nvivo => "nvivo.tsv",
            Self::Docx => "docx",
            Self::Eaf => "eaf",
        }
    }
}

/// Moves a wiped string's bytes into a wiped vector without copying them.
fn into_bytes(mut text: Zeroizing<String>) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(std::mem::take(&mut *text).into_bytes())
}

#[cfg(test)]
mod tests;
