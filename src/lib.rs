//! verbatim: record, review and export qualitative research interviews, encrypted end to end.
//!
//! The binary (`src/main.rs`, `src/cli/`) is a thin command layer over these modules.
//! `docs/architecture.md` maps the layers and which way they point.

// The docs are a map for the people working on verbatim, built with `--document-private-items`
// (scripts/test), where a public item's link to a private one resolves.
#![allow(rustdoc::private_intra_doc_links)]

pub mod analysis;
pub mod asr;
pub mod audio;
pub mod crypto;
pub mod diarize;
pub mod export;
pub mod guide;
pub mod keymap;
pub mod model;
pub mod onnx;
pub mod pipeline;
pub mod project;
pub mod report;
pub mod securefs;
pub mod session;
pub mod store;
pub mod tui;
