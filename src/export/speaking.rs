//! Who speaks how long: each speaker's voice time in a transcript, for `status` and the JSON
//! export (a focus group's balance, and the methods section's account of speaker detection).

use crate::model::{ParticipantCode, Span, Transcript};
use crate::pipeline::SpeakerLayer;
pub use crate::session::{SpeakingTime, speaking_times};

/// Who speaks how long, for the methods section and for reading a focus group's balance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SpeakersInfo {
    /// The speaker model's name in `verbatim models`.
    pub(crate) model: String,
    /// Its file's SHA-256.
    pub(crate) model_sha256: String,
    /// Each speaker in the transcript (as the transcriber left it), in order of first turn.
    pub voices: Vec<SpeakingTime>,
}

impl SpeakersInfo {
    /// Each speaker's time in `transcript`, counting only `speech` (the pause layer's voice).
    pub(crate) fn of(layer: &SpeakerLayer, transcript: &Transcript, speech: &[Span], code: &ParticipantCode) -> Self {
        Self {
            model: layer.model.clone(),
            model_sha256: layer.model_sha256.clone(),
            voices: speaking_times(transcript, speech, code),
        }
    }
}
