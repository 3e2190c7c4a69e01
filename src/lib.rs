//! verbatim: record, review and export qualitative research interviews, encrypted end to end.
//!
//! The binary (`src/main.rs`) is a thin command layer over these modules.

pub mod analysis;
pub mod audio;
pub mod crypto;
pub mod export;
pub mod guide;
pub mod keymap;
pub mod project;
pub mod securefs;
pub mod session;
pub mod tui;
