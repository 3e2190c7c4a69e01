//! The languages of export labels, and the one way labels are given in both.

use std::fmt;
use std::str::FromStr;

/// The language of export labels (the screens are in English).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Norwegian Bokmål.
    Nb,
    /// English.
    En,
}

impl Lang {
    /// Every language, in the order `--help` lists them.
    pub(crate) const ALL: [Lang; 2] = [Lang::Nb, Lang::En];

    /// The code `--lang` takes.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::En => "en",
        }
    }

    /// The BCP 47 tag documents carry, e.g. in a Word file's language.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Lang::Nb => "nb-NO",
            Lang::En => "en-GB",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a language code is not one verbatim writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no labels in language {0:?}; use nb (Norwegian Bokmål) or en (English)")]
pub struct LangError(pub(crate) String);

impl FromStr for Lang {
    type Err = LangError;

    fn from_str(text: &str) -> Result<Lang, LangError> {
        Lang::ALL.into_iter().find(|l| l.code().eq_ignore_ascii_case(text.trim())).ok_or_else(|| LangError(text.into()))
    }
}

/// A label in both languages; every export label is one of these, in a table beside its use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    /// English.
    pub(crate) en: &'static str,
    /// Norwegian Bokmål.
    pub(crate) nb: &'static str,
}

impl Text {
    /// A label that reads `en` in English and `nb` in Norwegian.
    pub(crate) const fn new(en: &'static str, nb: &'static str) -> Text {
        Text { en, nb }
    }

    /// The label in `lang`.
    pub(crate) fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Nb => self.nb,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_labels_pick_their_language() {
        for lang in Lang::ALL {
            assert_eq!(lang.code().parse::<Lang>(), Ok(lang));
        }
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        assert!("de".parse::<Lang>().unwrap_err().to_string().contains("nb (Norwegian Bokmål) or en"));
        let t = Text::new("laughter", "latter");
        assert_eq!((t.get(Lang::En), t.get(Lang::Nb)), ("laughter", "latter"));
    }
}
