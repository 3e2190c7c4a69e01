//! The JSON export: the [`SessionDocument`] as pretty-printed JSON (schema: docs/export-json.md).

use crate::export::SessionDocument;

/// Renders the document into a buffer of exact size that is wiped when dropped.
pub(crate) fn render(document: &SessionDocument) -> Result<zeroize::Zeroizing<Vec<u8>>, serde_json::Error> {
    crate::store::zeroizing_json(document)
}
