//! Markers: what the interviewer marked on the audio clock, each kind declared once here with
//! its names in both languages.
//!
//! Adding a kind: a variant in [`MarkerKind`] and its row in [`MarkerKind::row`] (and in
//! [`Mark`] if it carries something, with its two arms in the wire conversion below), then a
//! decision in `export/skeleton.rs` on how transcripts write it (the compiler asks for it).
//! A kind with a `key` row gets its keymap action `marker.NAME` from here; bind it in
//! `keymaps/default.toml`.

use super::lang::{Lang, Text};
use super::time::Ms;

/// Where a guide question is: indexes into the guide's sections and their questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct QuestionRef {
    /// Index of the section.
    pub section: usize,
    /// Index of the question within the section.
    pub question: usize,
}

/// What a marker marks, without what it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarkerKind {
    /// Someone laughed.
    Laughter,
    /// Someone sighed or breathed out audibly.
    Sigh,
    /// A long pause the interviewer noticed.
    LongPause,
    /// A key quote to find again.
    Quote,
    /// Something that identifies someone: redact it later.
    Identifying,
    /// Something to follow up.
    FollowUp,
    /// A typed note.
    Note,
    /// A speaker started talking (focus groups).
    Speaker,
    /// A guide question was asked.
    Question,
    /// Recording was paused here; the paused time is not in the audio.
    Paused,
    /// Audio was lost here (buffer overflow, device over-run or a lost input).
    Gap,
}

/// A kind's row: its names and, for kinds made with one key, its keymap action.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KindRow {
    /// The name in files and on the command line (`follow_up`).
    pub(crate) name: &'static str,
    /// The label in exports and, in English, on the screens.
    pub(crate) label: Text,
    /// The keymap action (`marker.follow_up`) and its help line, if one key makes it.
    pub(crate) key: Option<(&'static str, &'static str)>,
}

impl MarkerKind {
    /// Every kind, in the order help and lists show them.
    pub(crate) const ALL: [MarkerKind; 11] = [
        MarkerKind::Laughter,
        MarkerKind::Sigh,
        MarkerKind::LongPause,
        MarkerKind::Quote,
        MarkerKind::Identifying,
        MarkerKind::FollowUp,
        MarkerKind::Note,
        MarkerKind::Speaker,
        MarkerKind::Question,
        MarkerKind::Paused,
        MarkerKind::Gap,
    ];

    /// The kinds `verbatim clips --kind` cuts, in the order its help lists them. Identifying
    /// passages are never clipped: their audio is silenced in every clip.
    pub(crate) const CLIPPED: [MarkerKind; 7] = [
        MarkerKind::Quote,
        MarkerKind::FollowUp,
        MarkerKind::Note,
        MarkerKind::Laughter,
        MarkerKind::Sigh,
        MarkerKind::LongPause,
        MarkerKind::Question,
    ];

    /// The kind's row: one line per kind, the single place its names live.
    pub(crate) const fn row(self) -> KindRow {
        const fn row(name: &'static str, en: &'static str, nb: &'static str) -> KindRow {
            KindRow { name, label: Text::new(en, nb), key: None }
        }
        const fn keyed(
            name: &'static str,
            en: &'static str,
            nb: &'static str,
            action: &'static str,
            doc: &'static str,
        ) -> KindRow {
            KindRow { name, label: Text::new(en, nb), key: Some((action, doc)) }
        }
        match self {
            MarkerKind::Laughter => keyed("laughter", "laughter", "latter", "marker.laughter", "Mark laughter"),
            MarkerKind::Sigh => keyed("sigh", "sigh", "sukk", "marker.sigh", "Mark a sigh"),
            MarkerKind::LongPause => {
                keyed("long_pause", "long pause", "lang pause", "marker.long_pause", "Mark a long pause")
            }
            MarkerKind::Quote => keyed("quote", "key quote", "sitat", "marker.quote", "Mark a key quote"),
            MarkerKind::Identifying => keyed(
                "identifying",
                "identifying",
                "identifiserende",
                "marker.identifying",
                "Mark: identifying, redact later",
            ),
            MarkerKind::FollowUp => {
                keyed("follow_up", "follow up", "følg opp", "marker.follow_up", "Mark: follow up later")
            }
            MarkerKind::Note => keyed("note", "note", "notat", "marker.note", "Type a note (Enter saves, Esc cancels)"),
            MarkerKind::Speaker => row("speaker", "speaker", "taler"),
            MarkerKind::Question => row("question", "question", "spørsmål"),
            MarkerKind::Paused => row("paused", "paused", "pauset"),
            MarkerKind::Gap => row("gap", "gap", "lyd tapt"),
        }
    }

    /// The name in files and on the command line.
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// The label in `lang`.
    pub(crate) fn label(self, lang: Lang) -> &'static str {
        self.row().label.get(lang)
    }

    /// The kind named `name` in files and on the command line (`follow-up` reads too).
    pub(crate) fn from_name(name: &str) -> Option<MarkerKind> {
        let name = name.trim().to_ascii_lowercase().replace('-', "_");
        MarkerKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the interviewer made it (pauses and gaps are facts the recorder noted).
    pub(crate) fn is_made_by_hand(self) -> bool {
        !matches!(self, MarkerKind::Paused | MarkerKind::Gap)
    }
}

impl serde::Serialize for MarkerKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for MarkerKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        MarkerKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| serde::de::Error::unknown_variant(&name, &["laughter", "sigh", "long_pause", "quote", "…"]))
    }
}

/// The speaker key number the interviewer's own key records: speakers 1-9 are the others.
pub const INTERVIEWER_KEY: u8 = 0;

/// What a marker marks, with what that kind carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// Someone laughed.
    Laughter,
    /// Someone sighed or breathed out audibly.
    Sigh,
    /// A silence the interviewer noticed as long.
    LongPause,
    /// A key quote.
    Quote,
    /// Identifying: redact later.
    Identifying,
    /// Something to come back to later in the interview.
    FollowUp,
    /// A typed note.
    Note(String),
    /// Speaker key 1-9 was pressed, or the interviewer's ([`INTERVIEWER_KEY`]).
    Speaker(u8),
    /// A guide question was asked.
    Question {
        /// Which one.
        question: QuestionRef,
        /// Its text when it was asked, for lists (the guide snapshot is the reference).
        text: Option<String>,
    },
    /// Recording was paused here.
    Paused {
        /// How long, by the wall clock, once it resumed.
        wall: Option<Ms>,
    },
    /// Audio was lost here.
    Gap {
        /// How much audio, once known.
        lost: Option<Ms>,
        /// Why, in words.
        cause: String,
    },
}

impl Mark {
    /// The kind, without the payload.
    pub(crate) fn kind(&self) -> MarkerKind {
        match self {
            Mark::Laughter => MarkerKind::Laughter,
            Mark::Sigh => MarkerKind::Sigh,
            Mark::LongPause => MarkerKind::LongPause,
            Mark::Quote => MarkerKind::Quote,
            Mark::Identifying => MarkerKind::Identifying,
            Mark::FollowUp => MarkerKind::FollowUp,
            Mark::Note(_) => MarkerKind::Note,
            Mark::Speaker(_) => MarkerKind::Speaker,
            Mark::Question { .. } => MarkerKind::Question,
            Mark::Paused { .. } => MarkerKind::Paused,
            Mark::Gap { .. } => MarkerKind::Gap,
        }
    }

    /// The mark of a kind that carries nothing; `None` for kinds that need a payload.
    pub(crate) fn plain(kind: MarkerKind) -> Option<Mark> {
        Some(match kind {
            MarkerKind::Laughter => Mark::Laughter,
            MarkerKind::Sigh => Mark::Sigh,
            MarkerKind::LongPause => Mark::LongPause,
            MarkerKind::Quote => Mark::Quote,
            MarkerKind::Identifying => Mark::Identifying,
            MarkerKind::FollowUp => Mark::FollowUp,
            MarkerKind::Note | MarkerKind::Speaker | MarkerKind::Question | MarkerKind::Paused | MarkerKind::Gap => {
                return None;
            }
        })
    }

    /// The text it carries: a note, a question's text, or a gap's cause.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Mark::Note(text) | Mark::Gap { cause: text, .. } => Some(text),
            Mark::Question { text, .. } => text.as_deref(),
            _ => None,
        }
    }

    /// Time that is not in the audio: a pause's wall-clock length, or the audio lost in a gap.
    pub(crate) fn off_tape(&self) -> Option<Ms> {
        match self {
            Mark::Paused { wall } => *wall,
            Mark::Gap { lost, .. } => *lost,
            _ => None,
        }
    }
}

/// One marker on the audio clock.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "MarkerRecord", into = "MarkerRecord")]
pub struct Marker {
    /// The audio frame it was made at: the clock's own reading.
    pub(crate) frame: u64,
    /// The same moment in milliseconds.
    pub at: Ms,
    /// What it marks.
    pub mark: Mark,
}

impl Marker {
    /// A marker at audio frame `frame` of audio recorded at `sample_rate`.
    pub fn at(mark: Mark, frame: u64, sample_rate: u32) -> Marker {
        Marker { frame, at: Ms::of_frames(frame, sample_rate), mark }
    }

    /// What it marks, without the payload.
    pub fn kind(&self) -> MarkerKind {
        self.mark.kind()
    }
}

/// A marker as `markers.json.age` stores it (version 1: a kind and optional fields). Kept as
/// it was, so files written by older and newer versions read in both.
#[derive(serde::Serialize, serde::Deserialize)]
struct MarkerRecord {
    kind: MarkerKind,
    at_frame: u64,
    at_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    speaker: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    question: Option<QuestionRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    duration_ms: Option<u64>,
}

impl TryFrom<MarkerRecord> for Marker {
    type Error = String;

    fn try_from(r: MarkerRecord) -> Result<Marker, String> {
        let mark = match r.kind {
            MarkerKind::Note => Mark::Note(r.note.unwrap_or_default()),
            MarkerKind::Speaker => Mark::Speaker(r.speaker.ok_or("a speaker marker without its number")?),
            MarkerKind::Question => {
                Mark::Question { question: r.question.ok_or("a question marker without its question")?, text: r.note }
            }
            MarkerKind::Paused => Mark::Paused { wall: r.duration_ms.map(Ms) },
            MarkerKind::Gap => Mark::Gap { lost: r.duration_ms.map(Ms), cause: r.note.unwrap_or_default() },
            plain => Mark::plain(plain).ok_or("a marker kind with a payload")?,
        };
        Ok(Marker { frame: r.at_frame, at: Ms(r.at_ms), mark })
    }
}

impl From<Marker> for MarkerRecord {
    fn from(m: Marker) -> MarkerRecord {
        let mut r = MarkerRecord {
            kind: m.kind(),
            at_frame: m.frame,
            at_ms: m.at.0,
            note: None,
            speaker: None,
            question: None,
            duration_ms: None,
        };
        match m.mark {
            Mark::Note(text) => r.note = Some(text),
            Mark::Speaker(n) => r.speaker = Some(n),
            Mark::Question { question, text } => (r.question, r.note) = (Some(question), text),
            Mark::Paused { wall } => r.duration_ms = wall.map(|w| w.0),
            Mark::Gap { lost, cause } => (r.duration_ms, r.note) = (lost.map(|l| l.0), Some(cause)),
            Mark::Laughter | Mark::Sigh | Mark::LongPause | Mark::Quote | Mark::Identifying | Mark::FollowUp => {}
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_times_come_from_frames_and_the_file_keeps_its_shape() {
        let m = Marker::at(Mark::Quote, 72_000, 48_000);
        assert_eq!((m.frame, m.at), (72_000, Ms(1500)));
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"kind":"quote","at_frame":72000,"at_ms":1500}"#);
        let gap = Marker::at(Mark::Gap { lost: Some(Ms(40)), cause: "the audio device over-ran".into() }, 480, 48_000);
        let json = serde_json::to_string(&gap).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"gap","at_frame":480,"at_ms":10,"note":"the audio device over-ran","duration_ms":40}"#
        );
        assert_eq!(serde_json::from_str::<Marker>(&json).unwrap(), gap);
    }

    #[test]
    fn every_kind_has_one_row_and_round_trips() {
        for kind in MarkerKind::ALL {
            assert_eq!(MarkerKind::from_name(kind.name()), Some(kind));
            assert_eq!(serde_json::from_value::<MarkerKind>(serde_json::to_value(kind).unwrap()).unwrap(), kind);
            if let Some(mark) = Mark::plain(kind) {
                assert_eq!(mark.kind(), kind);
            }
        }
        assert_eq!(MarkerKind::from_name("Follow-Up"), Some(MarkerKind::FollowUp));
        assert_eq!((MarkerKind::Gap.label(Lang::En), MarkerKind::Gap.label(Lang::Nb)), ("gap", "lyd tapt"));
        let actions: Vec<&str> = MarkerKind::ALL.iter().filter_map(|k| k.row().key).map(|(a, _)| a).collect();
        assert_eq!(actions.len(), 7);
        assert!(actions.iter().all(|a| a.starts_with("marker.")));
    }

    #[test]
    fn a_payload_kind_without_its_payload_is_refused() {
        let bad = r#"{"kind":"speaker","at_frame":0,"at_ms":0}"#;
        assert!(serde_json::from_str::<Marker>(bad).unwrap_err().to_string().contains("without its number"));
        let note = r#"{"kind":"laughter","at_frame":0,"at_ms":0,"note":"ignored"}"#;
        assert_eq!(serde_json::from_str::<Marker>(note).unwrap().mark, Mark::Laughter);
    }
}
