//! The session's vocabulary as pure types, with no I/O: time on the audio clock, ids,
//! speakers, markers and transcripts. Every other layer speaks in these.

pub(crate) mod ids;
pub(crate) mod lang;
pub(crate) mod marker;
pub mod speaker;
pub mod time;
pub mod transcript;

pub use ids::{CodeError, ParticipantCode, SessionId, SessionIdError};
pub use lang::{Lang, LangError, Text};
pub use marker::{Mark, Marker, MarkerKind, QuestionRef};
pub use speaker::{Speaker, SpeakerNames, VoiceProfile};
pub use time::{Ms, Span, TimeError};
pub use transcript::{Segment, Source, Tag, TagKind, Token, Transcript, Word};
