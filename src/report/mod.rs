//! Project-wide reports over every session: `status` (the promises made to participants, and
//! what needs doing) and `verify` (every encrypted file authenticated, anything that should
//! not be there flagged). Each returns typed findings; the command line words them.

mod status;
mod verify;

pub use status::{ParticipantStatus, Retention, SessionLine, StatusReport, Transcription, Warning, status};
pub use verify::{Check, Finding, VerifyReport, verify};
