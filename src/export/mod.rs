//! Exports: one [`SessionDocument`] gathered from a session, written in a chosen format.
//!
//! The document is the single source every format reads, so timestamps, pauses and markers
//! agree across formats. Only JSON exists so far (`docs/export-json.md` is its schema).

pub mod clips;
pub mod document;
pub mod json;

pub use document::{SessionDocument, build};

/// The formats `verbatim export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Everything verbatim knows about the session, as JSON.
    Json,
}

impl ExportFormat {
    /// Renders a document in this format.
    pub fn render(self, document: &SessionDocument) -> Result<zeroize::Zeroizing<Vec<u8>>, serde_json::Error> {
        match self {
            Self::Json => json::render(document),
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
        }
    }
}
