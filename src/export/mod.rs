//! Exports: one [`SessionDocument`] gathered from a session, written in a chosen format.
//!
//! The document is the single source every format reads, so timestamps, pauses and markers
//! agree across formats. Text formats are laid out from a [`skeleton::Skeleton`] in a
//! [`convention::Convention`]; `docs/export-formats.md` describes them all. Adding a format:
//! a variant in [`ExportFormat`] with its row, a file in `formats/`, and a golden test.

pub mod clips;
pub mod convention;
pub mod document;
pub mod formats;
// Also built for cargo-fuzz (which sets `--cfg fuzzing`), whose targets render the same session.
#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod sample;
pub mod skeleton;
pub mod speaking;
pub mod writers;

pub use document::{SessionDocument, build};

use std::fmt;
use std::str::FromStr;

use convention::{Convention, Lang};
use skeleton::Credits;
use zeroize::Zeroizing;

/// The formats `verbatim export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    Docx(#[from] writers::docx::DocxError),
    /// The ELAN file could not be built.
    #[error("could not write the ELAN file: {0}")]
    Eaf(#[from] writers::eaf::EafError),
}

impl ExportFormat {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Self; 9] =
        [Self::Json, Self::Txt, Self::Md, Self::Docx, Self::Vtt, Self::Srt, Self::Eaf, Self::F4, Self::Nvivo];

    /// The format's row: its name for `--format` and its file extension.
    pub(crate) const fn row(self) -> (&'static str, &'static str) {
        match self {
            Self::Json => ("json", "json"),
            Self::Txt => ("txt", "txt"),
            Self::Md => ("md", "md"),
            Self::Vtt => ("vtt", "vtt"),
            Self::Srt => ("srt", "srt"),
            Self::F4 => ("f4", "f4.txt"),
            Self::Nvivo => ("nvivo", "nvivo.tsv"),
            Self::Docx => ("docx", "docx"),
            Self::Eaf => ("eaf", "eaf"),
        }
    }

    /// The name `--format` takes.
    pub(crate) fn name(self) -> &'static str {
        self.row().0
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        self.row().1
    }

    /// Renders a document in this format.
    pub fn render(
        self,
        document: &SessionDocument,
        options: &RenderOptions,
    ) -> Result<Zeroizing<Vec<u8>>, RenderError> {
        if self == Self::Json {
            return Ok(formats::json::render(document)?);
        }
        let RenderOptions { convention, lang, credits } = options;
        let skeleton = skeleton::build(document, convention, *lang, credits);
        let text = match self {
            Self::Docx => return Ok(formats::docx::render(&skeleton, document, convention, *lang)?),
            Self::Eaf => return Ok(formats::eaf::render(&skeleton, document, convention, *lang)?),
            Self::Json | Self::Txt => formats::txt::txt(&skeleton, convention, *lang),
            Self::Md => formats::txt::md(&skeleton, convention),
            Self::Vtt => formats::subtitles::vtt(&skeleton, document.session.id.as_str()),
            Self::Srt => formats::subtitles::srt(&skeleton),
            Self::F4 => formats::f4::f4(&skeleton, convention, *lang),
            Self::Nvivo => formats::f4::nvivo(&skeleton, *lang),
        };
        Ok(into_bytes(text))
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a text names no export format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no export format {given:?}; choose from {}", ExportFormat::ALL.map(ExportFormat::name).join(", "))]
pub struct FormatError {
    /// What was given.
    pub(crate) given: String,
}

impl FromStr for ExportFormat {
    type Err = FormatError;

    fn from_str(text: &str) -> Result<Self, FormatError> {
        let name = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|f| f.name() == name).ok_or_else(|| FormatError { given: text.into() })
    }
}

/// Moves a wiped string's bytes into a wiped vector without copying them.
fn into_bytes(mut text: Zeroizing<String>) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(std::mem::take(&mut *text).into_bytes())
}

#[cfg(test)]
mod tests;
