//! How a token is written in `transcript.json.age` (version 2): one flat object, fields only
//! when they say something, e.g. `{"word":"hei"}`, `{"tag":"laughter","glued":true}`,
//! `{"word":"jobb","start_ms":1200,"end_ms":1480,"confidence":0.91,"source":"recognised"}`.

use zeroize::Zeroize;

use super::{Source, Tag, TagKind, Token, Word};
use crate::model::time::{Ms, Span};

#[derive(Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    word: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tag: Option<TagName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    confidence: Option<f32>,
    #[serde(default, skip_serializing_if = "is_typed")]
    source: Source,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    glued: bool,
}

impl Drop for TokenRecord {
    fn drop(&mut self) {
        if let Some(word) = &mut self.word {
            word.zeroize();
        }
    }
}

fn is_typed(source: &Source) -> bool {
    *source == Source::Typed
}

#[derive(Clone, Copy, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum TagName {
    Laughter,
    Sigh,
    Overlap,
    Inaudible,
}

impl From<TagKind> for TagName {
    fn from(kind: TagKind) -> TagName {
        match kind {
            TagKind::Laughter => TagName::Laughter,
            TagKind::Sigh => TagName::Sigh,
            TagKind::Overlap => TagName::Overlap,
            TagKind::Inaudible => TagName::Inaudible,
        }
    }
}

impl From<TagName> for TagKind {
    fn from(name: TagName) -> TagKind {
        match name {
            TagName::Laughter => TagKind::Laughter,
            TagName::Sigh => TagKind::Sigh,
            TagName::Overlap => TagKind::Overlap,
            TagName::Inaudible => TagKind::Inaudible,
        }
    }
}

impl serde::Serialize for Token {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = match self {
            Token::Word(w) => {
                let mut record = TokenRecord::default();
                record.word = Some(w.text.clone());
                record.start_ms = w.span.map(|s| s.start.0);
                record.end_ms = w.span.map(|s| s.end.0);
                record.confidence = w.confidence;
                record.source = w.source;
                record.glued = w.glued;
                record
            }
            Token::Tag(t) => {
                let mut record = TokenRecord::default();
                record.tag = Some(t.kind.into());
                record.at_ms = t.at.map(|a| a.0);
                record.glued = t.glued;
                record
            }
        };
        record.serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Token {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut r = TokenRecord::deserialize(deserializer)?;
        let span = match (r.start_ms, r.end_ms) {
            (Some(start), Some(end)) if start <= end => Some(Span::ms(start, end)),
            (None, None) => None,
            _ => return Err(D::Error::custom("a word needs both start_ms and end_ms, start first")),
        };
        match (r.word.take(), r.tag) {
            (Some(text), None) if r.at_ms.is_none() => {
                Ok(Token::Word(Word { text, span, confidence: r.confidence, source: r.source, glued: r.glued }))
            }
            (None, Some(tag)) if span.is_none() && r.confidence.is_none() => {
                Ok(Token::Tag(Tag { kind: tag.into(), at: r.at_ms.map(Ms), glued: r.glued }))
            }
            _ => Err(D::Error::custom("a token is either a word or a tag, with the fields that kind has")),
        }
    }
}
