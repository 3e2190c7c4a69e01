//! Speech recognition: a draft of what was said, word by word on the audio clock, made on this
//! machine by whisper.cpp with a model the user added ([`models`]).
//!
//! The recogniser hears speech only: [`windows`] packs the stretches of voice the pause layer
//! found into windows of up to 28 s, cutting out the long pauses (Whisper invents words in
//! silence, and skips speech after a long one); [`whisper`] decodes each window; [`words`]
//! turns its tokens into words and tags, puts them back on the session's clock and snaps them
//! to the pause layer's boundaries, so every pause falls between the right words.

pub mod download;
pub mod ggml;
pub mod models;
pub mod score;
pub mod whisper;
pub mod windows;
pub mod words;

use std::path::PathBuf;

pub use models::{InstalledModel, ModelStore};

/// Why a model could not be added, found or run.
#[derive(Debug, thiserror::Error)]
pub enum AsrError {
    /// The file is not a whisper.cpp model whisper.cpp can load.
    #[error(transparent)]
    Ggml(#[from] ggml::GgmlError),
    /// A model could not be downloaded.
    #[error(transparent)]
    Download(#[from] download::DownloadError),
    /// A file of the model store could not be read or written.
    #[error(transparent)]
    Fs(#[from] crate::securefs::FsError),
    /// No model of that name is installed.
    #[error("no model named {name} is installed{}. Add one with `verbatim models add FILE --name {name}`", installed_list(.installed))]
    NoSuchModel {
        /// The name asked for.
        name: String,
        /// The names that are installed.
        installed: Vec<String>,
    },
    /// No model is installed at all, or several and none was chosen.
    #[error("{0}")]
    ChooseModel(String),
    /// A model's name would not make a safe file name.
    #[error(
        "`{0}` cannot name a model: use 1-64 letters, digits, `.`, `-` or `_` (e.g. `nb-whisper-base`), starting with a letter or digit"
    )]
    BadName(String),
    /// A model of that name is installed already.
    #[error(
        "a model named {0} is installed already: remove it first (`verbatim models remove {0}`) or choose another name with --name"
    )]
    Exists(String),
    /// The model file changed since it was added.
    #[error("{}: the model file changed since it was added ({what}). Remove it (`verbatim models remove {name}`) and add it again", path.display())]
    Changed {
        /// The model's name.
        name: String,
        /// Its file.
        path: PathBuf,
        /// What differs.
        what: String,
    },
    /// The model's description file is damaged.
    #[error("{}: {reason}. Remove the model (`verbatim models remove {name}`) and add it again", path.display())]
    BadIndex {
        /// The model's name.
        name: String,
        /// The description file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// whisper.cpp refused the model or failed while running it.
    #[error("{}: whisper.cpp {action}: {reason}", path.display())]
    Whisper {
        /// The model file.
        path: PathBuf,
        /// What it was doing.
        action: &'static str,
        /// What whisper.cpp said.
        reason: String,
    },
    /// The model named is of another kind than the command needs.
    #[error("{name} is a {is} model, where this needs a {wanted} model: see `verbatim models`")]
    WrongKind {
        /// The model's name.
        name: String,
        /// Its kind.
        is: models::ModelKind,
        /// The kind needed.
        wanted: models::ModelKind,
    },
    /// The file is not a speaker model verbatim can use.
    #[error(transparent)]
    Speaker(#[from] crate::diarize::DiarizeError),
    /// There is not enough free memory for the model.
    #[error("{0}")]
    Memory(String),
    /// The model cannot recognise the language asked for.
    #[error("{0}")]
    Language(String),
    /// The user stopped it (Ctrl+C); what was done is kept.
    #[error("stopped; what was recognised so far is kept, and the next run goes on from there")]
    Interrupted,
}

fn installed_list(installed: &[String]) -> String {
    if installed.is_empty() { " (none is)".to_string() } else { format!(" (installed: {})", installed.join(", ")) }
}
