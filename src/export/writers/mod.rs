//! Writers of file formats that need more than text: Word packages and ELAN documents, each a
//! generic document model rendered into one wiped buffer, never a temp file.

pub mod docx;
pub mod eaf;
mod xml;
