//! Who speaks: one type for every source of speaker knowledge, and one rule for its label.

use std::borrow::Cow;

use super::ids::ParticipantCode;
use super::lang::{Lang, Text};

/// Who speaks in a stretch of the recording.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// Whoever runs the interview (one per session).
    Interviewer,
    /// The session's participant, labelled by their code (so a renamed code follows).
    Participant,
    /// Member 1-9 of a focus group, from a live speaker key or the review screen's: `L1`…`L9`.
    Numbered(u8),
    /// A voice that speaker detection told apart but nobody has named yet: `S1`, `S2`…
    Diarized(u16),
    /// A label the transcriber typed.
    Named(String),
}

/// A voice enrolled in the project (`verbatim voices enrol`): every session told apart with the
/// same speaker model labels that voice by its name.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VoiceProfile {
    /// Who: `interviewer` (or `I`) names the interviewer, a participant's code that participant,
    /// anything else is a label.
    pub name: String,
    /// The participant whose session it was taken from and whose data it is (deleted with
    /// them by `forget`), or none for the interviewer's.
    pub owner: Option<ParticipantCode>,
    /// The speaker model that made it (SHA-256): other models' embeddings do not compare.
    pub model_sha256: String,
    /// Seconds of voice it was made from.
    pub seconds: f32,
    /// The normalised embedding.
    pub embedding: Vec<f32>,
}

impl VoiceProfile {
    /// Whether the name stands for the interviewer.
    pub fn is_interviewer(&self) -> bool {
        is_interviewer_name(&self.name)
    }
}

/// Whether an enrolled voice's name stands for the interviewer: `interviewer` or `I`.
pub fn is_interviewer_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("interviewer") || name == "I"
}

/// How a convention writes the two speakers of an interview.
#[derive(Debug, Clone, Copy)]
pub struct SpeakerNames<'a> {
    /// The interviewer's label, e.g. `I`.
    pub(crate) interviewer: &'a str,
    /// The participant's label; `{code}` stands for their code, e.g. `{code}` or `B`.
    pub(crate) participant: &'a str,
}

impl SpeakerNames<'static> {
    /// The short labels the review screen and messages use: `I` and the participant's code.
    pub const SHORT: SpeakerNames<'static> = SpeakerNames { interviewer: "I", participant: "{code}" };
}

/// A segment nobody attributed.
const UNKNOWN: Text = Text::new("unknown speaker", "ukjent taler");

impl Speaker {
    /// The speaker a live speaker key names: the interviewer's key
    /// ([`super::marker::INTERVIEWER_KEY`]) the interviewer, key `n` focus-group member `Ln`.
    pub fn of_key(key: u8) -> Speaker {
        if key == super::marker::INTERVIEWER_KEY { Speaker::Interviewer } else { Speaker::Numbered(key) }
    }

    /// The label the review screen shows: `I`, the participant's code, `L2`, `S1` or the name.
    pub(crate) fn short_label<'a>(&'a self, participant: &'a ParticipantCode) -> Cow<'a, str> {
        match self {
            Speaker::Interviewer => Cow::Borrowed("I"),
            Speaker::Participant => Cow::Borrowed(participant.as_str()),
            Speaker::Numbered(n) => Cow::Owned(format!("L{n}")),
            Speaker::Diarized(k) => Cow::Owned(format!("S{k}")),
            Speaker::Named(name) => Cow::Borrowed(name),
        }
    }

    /// The label an export writes, under a convention's `names`.
    pub fn label(&self, participant: &ParticipantCode, names: SpeakerNames<'_>) -> String {
        match self {
            Speaker::Interviewer => names.interviewer.to_string(),
            Speaker::Participant => names.participant.replace("{code}", participant.as_str()),
            other => other.short_label(participant).into_owned(),
        }
    }

    /// What a transcriber's typed label means: `I` the interviewer, the participant's code the
    /// participant, `L1`…`L9` a focus-group member, anything else a name.
    pub fn from_label(text: &str, participant: &ParticipantCode) -> Speaker {
        let text = text.trim();
        if text == "I" {
            Speaker::Interviewer
        } else if text == participant.as_str() {
            Speaker::Participant
        } else if let Some(n) = member(text, 'L') {
            Speaker::Numbered(n)
        } else {
            Speaker::Named(text.to_string())
        }
    }

    /// The speaker an enrolled voice's name stands for in a session of `participant`:
    /// `interviewer` or `I` the interviewer, else as [`Speaker::from_label`] reads it.
    pub fn from_profile_name(name: &str, participant: &ParticipantCode) -> Speaker {
        if is_interviewer_name(name) { Speaker::Interviewer } else { Speaker::from_label(name, participant) }
    }

    /// Reads a label written by verbatim before speakers had a type: as [`Speaker::from_label`],
    /// and also `S1`…`S9`, which the analysis minted from live speaker keys.
    pub fn from_v1_label(text: &str, participant: &ParticipantCode) -> Speaker {
        match member(text.trim(), 'S') {
            Some(n) => Speaker::Numbered(n),
            None => Speaker::from_label(text, participant),
        }
    }
}

/// `L3` → 3, for prefix `L` and numbers 1-9.
fn member(text: &str, prefix: char) -> Option<u8> {
    let digits = text.strip_prefix(prefix)?;
    let n: u8 = (digits.len() == 1).then(|| digits.parse().ok()).flatten()?;
    (1..=9).contains(&n).then_some(n)
}

/// The label of a segment that may have no speaker: its speaker's, or for an unattributed one
/// `unknown` (see [`unknown_speaker`]).
pub(crate) fn label_or(
    speaker: Option<&Speaker>,
    participant: &ParticipantCode,
    names: SpeakerNames<'_>,
    unknown: &str,
) -> String {
    match speaker {
        Some(speaker) => speaker.label(participant, names),
        None => unknown.to_string(),
    }
}

/// What an export calls a segment nobody attributed. In a one-to-one interview whose
/// interviewer is known (some segments are the interviewer's and every attributed one is the
/// interviewer's or the participant's), everything else is the participant's; otherwise it is
/// "unknown speaker" in words, never a `?` a reader might take for notation.
pub(crate) fn unknown_speaker<'a>(
    speakers: impl IntoIterator<Item = Option<&'a Speaker>>,
    participant: &ParticipantCode,
    names: SpeakerNames<'_>,
    lang: Lang,
) -> String {
    let mut interviewer_known = false;
    for speaker in speakers.into_iter().flatten() {
        match speaker {
            Speaker::Interviewer => interviewer_known = true,
            Speaker::Participant => {}
            _ => return UNKNOWN.get(lang).to_string(),
        }
    }
    if interviewer_known { Speaker::Participant.label(participant, names) } else { UNKNOWN.get(lang).to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: SpeakerNames<'static> = SpeakerNames { interviewer: "I", participant: "{code}" };
    const DP: SpeakerNames<'static> = SpeakerNames { interviewer: "I", participant: "B" };

    #[test]
    fn one_rule_labels_every_speaker() {
        let p = "P07".parse::<ParticipantCode>().unwrap();
        assert_eq!(Speaker::Interviewer.label(&p, NAMES), "I");
        assert_eq!(Speaker::Participant.label(&p, NAMES), "P07");
        assert_eq!(Speaker::Participant.label(&p, DP), "B");
        assert_eq!(Speaker::Numbered(2).label(&p, DP), "L2");
        assert_eq!(Speaker::Diarized(3).label(&p, DP), "S3");
        assert_eq!(Speaker::Named("Kari".into()).label(&p, DP), "Kari");
        assert_eq!(Speaker::Participant.short_label(&p), "P07");
    }

    #[test]
    fn typed_and_old_labels_are_read_once() {
        let p = "P01".parse::<ParticipantCode>().unwrap();
        assert_eq!(Speaker::from_label("I", &p), Speaker::Interviewer);
        assert_eq!(Speaker::from_label("P01", &p), Speaker::Participant);
        assert_eq!(Speaker::from_label("L3", &p), Speaker::Numbered(3));
        assert_eq!(Speaker::from_label("L10", &p), Speaker::Named("L10".into()));
        assert_eq!(Speaker::from_label("S3", &p), Speaker::Named("S3".into()));
        assert_eq!(Speaker::from_v1_label("S3", &p), Speaker::Numbered(3));
        assert_eq!(Speaker::from_v1_label("L3", &p), Speaker::Numbered(3));
        assert_eq!(Speaker::from_v1_label("P02", &p), Speaker::Named("P02".into()));
        assert_eq!(serde_json::to_string(&Speaker::Numbered(2)).unwrap(), r#"{"numbered":2}"#);
        assert_eq!(serde_json::to_string(&Speaker::Interviewer).unwrap(), r#""interviewer""#);
    }

    #[test]
    fn an_unattributed_segment_is_named_in_words() {
        let p = "P01".parse::<ParticipantCode>().unwrap();
        let (i, part, l2) = (Speaker::Interviewer, Speaker::Participant, Speaker::Numbered(2));
        let unknown = |speakers: &[Option<&Speaker>], lang| unknown_speaker(speakers.iter().copied(), &p, NAMES, lang);
        assert_eq!(unknown(&[None, None], Lang::Nb), "ukjent taler");
        assert_eq!(unknown(&[None, Some(&part)], Lang::En), "unknown speaker");
        assert_eq!(unknown(&[Some(&i), None, Some(&part)], Lang::Nb), "P01", "one-to-one, interviewer known");
        assert_eq!(unknown(&[Some(&i), None, Some(&l2)], Lang::En), "unknown speaker", "a focus group");
        assert_eq!(label_or(None, &p, NAMES, "ukjent taler"), "ukjent taler");
    }
}
