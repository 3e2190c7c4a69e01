//! Transcription conventions as data: how pauses, laughter, sighs, inaudible passages, overlap,
//! comments and anonymised passages are written, and how speakers and turns are laid out.
//!
//! Four ship in the binary (`src/export/conventions/*.toml`); a user's TOML file can define
//! another, or change one with `extends = "jefferson"` and only the rows it wants different.

use std::path::{Path, PathBuf};

pub use crate::model::Lang;
use crate::model::{Ms, SpeakerNames};

/// The conventions built into the binary, as (name for `--convention`, TOML text).
pub(crate) const SHIPPED: &[(&str, &str)] = &[
    ("plain", include_str!("conventions/plain.toml")),
    ("jefferson", include_str!("conventions/jefferson.toml")),
    ("gat2", include_str!("conventions/gat2.toml")),
    ("dresing-pehl", include_str!("conventions/dresing-pehl.toml")),
];

/// What went wrong reading a convention.
#[derive(Debug, thiserror::Error)]
pub enum ConventionError {
    /// Neither a shipped name nor a file.
    #[error("no convention called \"{name}\"; the shipped ones are {shipped}, or give the path of a .toml file")]
    Unknown {
        /// What was asked for.
        name: String,
        /// The shipped names.
        shipped: String,
    },
    /// The file could not be read.
    #[error("{path}: {source}; check the path")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed or has a field that does not exist.
    #[error("{origin}: {reason}. See docs/export-formats.md for the fields a convention has")]
    Syntax {
        /// File or shipped name.
        origin: String,
        /// With its line.
        reason: String,
    },
    /// The TOML is well-formed but does not describe a usable convention.
    #[error("{origin}: {reason}")]
    Invalid {
        /// File or shipped name.
        origin: String,
        /// What to change.
        reason: String,
    },
}

/// Text that may differ by language: one string for both, or `{ en = "…", nb = "…" }`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum Label {
    /// The same in every language.
    Same(String),
    /// One per language.
    ByLang {
        /// English.
        en: String,
        /// Norwegian Bokmål.
        nb: String,
    },
}

impl Label {
    /// The text in `lang`.
    pub(crate) fn get(&self, lang: Lang) -> &str {
        match (self, lang) {
            (Self::Same(s), _) => s,
            (Self::ByLang { en, .. }, Lang::En) => en,
            (Self::ByLang { nb, .. }, Lang::Nb) => nb,
        }
    }
}

/// One notation and its explanation for the legend.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mark {
    /// The notation; may hold `{text}`, `{time}` or `{time_f4}` where the convention says.
    pub(crate) mark: Label,
    /// What it means, for the legend.
    pub(crate) legend: Label,
}

/// A pause notation for pauses up to `up_to_ms` (the last band has no limit).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseBand {
    /// Longest pause, ms, this band writes; absent on the last band.
    pub up_to_ms: Option<u64>,
    /// The notation; `{tenths}` is the length as `1.2`, `{seconds}` in whole seconds.
    pub(crate) mark: Label,
    /// What it means, for the legend.
    pub(crate) legend: Label,
}

/// Non-speech marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Marks {
    /// For laughter (`((lacht))`, `[laughter]`, `(laughs)`).
    pub(crate) laughter: Mark,
    /// For a sigh, audible breath out.
    pub(crate) sigh: Mark,
    /// An inaudible passage (`{time}` hh:mm:ss, `{time_f4}` hh:mm:ss-d).
    pub(crate) inaudible: Mark,
    /// Overlapping speech begins.
    pub(crate) overlap: Mark,
    /// A note or event that is not speech (`{text}`).
    pub(crate) comment: Mark,
    /// Replaces a passage marked identifying.
    pub(crate) anonymised: Mark,
}

/// Speaker labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Speakers {
    /// The interviewer (review's `I`).
    pub(crate) interviewer: Label,
    /// The participant; `{code}` is their code.
    pub(crate) participant: Label,
}

/// How a turn is laid out in text formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// One turn: `{start}`/`{end}` (hh:mm:ss), `{start_f4}`/`{end_f4}` (hh:mm:ss-d), `{speaker}`, `{text}`.
    pub(crate) turn: String,
    /// Stands for a stretch of speech nobody has typed yet.
    pub(crate) placeholder: Label,
}

/// A convention file as written: every field optional so a file can extend another and
/// change only some rows.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConventionFile {
    extends: Option<String>,
    name: Option<String>,
    micro_pauses: Option<bool>,
    #[serde(default)]
    speakers: SpeakersFile,
    #[serde(default)]
    layout: LayoutFile,
    pauses: Option<Vec<PauseBand>>,
    #[serde(default)]
    marks: MarksFile,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SpeakersFile {
    interviewer: Option<Label>,
    participant: Option<Label>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutFile {
    turn: Option<String>,
    placeholder: Option<Label>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MarksFile {
    laughter: Option<Mark>,
    sigh: Option<Mark>,
    inaudible: Option<Mark>,
    overlap: Option<Mark>,
    comment: Option<Mark>,
    anonymised: Option<Mark>,
}

/// A complete, checked convention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Convention {
    /// Its name, as the header and legend give it.
    pub(crate) name: String,
    /// Whether micro-pauses (0.1-0.19 s) are written too.
    pub micro_pauses: bool,
    /// Speaker labels.
    pub(crate) speakers: Speakers,
    /// Turn layout.
    pub(crate) layout: Layout,
    /// Pause bands, shortest first.
    pub pauses: Vec<PauseBand>,
    /// Non-speech marks.
    pub(crate) marks: Marks,
}

impl Convention {
    /// A shipped convention by name, or a user's TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Self, ConventionError> {
        if let Some((_, text)) = SHIPPED.iter().find(|(name, _)| *name == name_or_path) {
            return Self::parse(text, name_or_path);
        }
        let path = Path::new(name_or_path);
        if !(name_or_path.ends_with(".toml") || name_or_path.contains('/')) {
            return Err(ConventionError::Unknown { name: name_or_path.into(), shipped: shipped_names() });
        }
        let text =
            std::fs::read_to_string(path).map_err(|source| ConventionError::Read { path: path.into(), source })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses a convention's TOML; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConventionError> {
        let file: ConventionFile = toml::from_str(text).map_err(|e| ConventionError::Syntax {
            origin: origin.into(),
            reason: crate::project::toml_error_with_line(text, &e),
        })?;
        let base = match file.extends.as_deref() {
            None => ConventionFile::default(),
            Some(name) => match SHIPPED.iter().find(|(n, _)| *n == name) {
                Some((_, text)) => toml::from_str(text).map_err(|e| ConventionError::Syntax {
                    origin: name.into(),
                    reason: crate::project::toml_error_with_line(text, &e),
                })?,
                None => {
                    return Err(ConventionError::Invalid {
                        origin: origin.into(),
                        reason: format!("`extends = \"{name}\"`, but the shipped conventions are {}", shipped_names()),
                    });
                }
            },
        };
        let missing = |field: &str| ConventionError::Invalid {
            origin: origin.into(),
            reason: format!(
                "`{field}` is missing; add it, or start the file with `extends = \"plain\"` to take the rest \
                 from a shipped convention"
            ),
        };
        fn pick<T>(
            mine: Option<T>,
            base: Option<T>,
            field: &str,
            missing: &dyn Fn(&str) -> ConventionError,
        ) -> Result<T, ConventionError> {
            mine.or(base).ok_or_else(|| missing(field))
        }
        let (s, bs) = (file.speakers, base.speakers);
        let (l, bl) = (file.layout, base.layout);
        let (m, bm) = (file.marks, base.marks);
        let convention = Self {
            name: pick(file.name, base.name, "name", &missing)?,
            micro_pauses: file.micro_pauses.or(base.micro_pauses).unwrap_or(false),
            speakers: Speakers {
                interviewer: pick(s.interviewer, bs.interviewer, "speakers.interviewer", &missing)?,
                participant: pick(s.participant, bs.participant, "speakers.participant", &missing)?,
            },
            layout: Layout {
                turn: pick(l.turn, bl.turn, "layout.turn", &missing)?,
                placeholder: pick(l.placeholder, bl.placeholder, "layout.placeholder", &missing)?,
            },
            pauses: pick(file.pauses, base.pauses, "[[pauses]]", &missing)?,
            marks: Marks {
                laughter: pick(m.laughter, bm.laughter, "marks.laughter", &missing)?,
                sigh: pick(m.sigh, bm.sigh, "marks.sigh", &missing)?,
                inaudible: pick(m.inaudible, bm.inaudible, "marks.inaudible", &missing)?,
                overlap: pick(m.overlap, bm.overlap, "marks.overlap", &missing)?,
                comment: pick(m.comment, bm.comment, "marks.comment", &missing)?,
                anonymised: pick(m.anonymised, bm.anonymised, "marks.anonymised", &missing)?,
            },
        };
        convention.check().map_err(|reason| ConventionError::Invalid { origin: origin.into(), reason })?;
        Ok(convention)
    }

    fn check(&self) -> Result<(), String> {
        let Some((last, bands)) = self.pauses.split_last() else {
            return Err("[[pauses]] needs at least one band".into());
        };
        if last.up_to_ms.is_some() {
            return Err("the last [[pauses]] band must have no `up_to_ms`, so every pause has a notation".into());
        }
        let mut previous = 0;
        for band in bands {
            match band.up_to_ms {
                Some(limit) if limit > previous => previous = limit,
                Some(_) => return Err("[[pauses]] bands must be in order, shortest first".into()),
                None => return Err("only the last [[pauses]] band may leave out `up_to_ms`".into()),
            }
        }
        if !self.layout.turn.contains("{text}") {
            return Err("[layout] turn must contain {text}, or the transcript would be left out".into());
        }
        Ok(())
    }

    /// The notation for a pause of `length`.
    pub fn pause_mark(&self, length: Ms, lang: Lang) -> String {
        let ms = length.0;
        let band = self.pauses.iter().find(|b| b.up_to_ms.is_none_or(|limit| ms <= limit));
        let template = band.map_or("", |b| b.mark.get(lang));
        // Rounded to the nearest tenth, as measured pauses are written; saturating, because a
        // damaged analysis cache can hold any length.
        let tenths = ms.saturating_add(50) / 100;
        template
            .replace("{tenths}", &format!("{}.{}", tenths / 10, tenths % 10))
            .replace("{seconds}", &(ms.saturating_add(500) / 1000).max(1).to_string())
    }

    /// How this convention writes the interviewer and the participant, in `lang`.
    pub fn speaker_names(&self, lang: Lang) -> SpeakerNames<'_> {
        SpeakerNames {
            interviewer: self.speakers.interviewer.get(lang),
            participant: self.speakers.participant.get(lang),
        }
    }

    /// Legend rows (notation, meaning), in the order the convention lists them.
    pub fn legend(&self, lang: Lang) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> =
            self.pauses.iter().map(|b| (example(b.mark.get(lang), lang), b.legend.get(lang).to_string())).collect();
        let m = &self.marks;
        for mark in [&m.laughter, &m.sigh, &m.inaudible, &m.overlap, &m.comment, &m.anonymised] {
            rows.push((example(mark.mark.get(lang), lang), mark.legend.get(lang).to_string()));
        }
        rows
    }
}

/// A template with its placeholders shown as examples, for the legend.
fn example(template: &str, lang: Lang) -> String {
    template
        .replace("{tenths}", "1.5")
        .replace("{seconds}", "3")
        .replace("{time_f4}", "00:12:34-5")
        .replace("{time}", "00:12:34")
        .replace("{text}", if lang == Lang::En { "note" } else { "notat" })
}

fn shipped_names() -> String {
    SHIPPED.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests;
