//! The transcript: segments on the audio clock, each a list of tokens with its speaker.
//!
//! A token is a word (what was said, with where it was said when known, and whether someone
//! typed it or a recogniser heard it) or a tag (laughter, a sigh, overlapping or inaudible
//! speech). Tags are inserted as tags and exported from them; the one place typed notation
//! such as `[laughter]` becomes a tag is [`tokens_from_text`], used by the editor and when an
//! old transcript is read.

use zeroize::Zeroize;

use super::ids::ParticipantCode;
use super::speaker::Speaker;
use super::time::{Ms, Span};

/// No segment gets shorter than this by splitting or nudging.
pub(crate) const MIN_SEGMENT: Ms = Ms(100);

/// Where a word came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Typed (or corrected) by the transcriber: a re-run of speech recognition never changes it.
    #[default]
    Typed,
    /// Heard by speech recognition, not yet confirmed.
    Recognised,
    /// Typed, then placed on the audio clock by alignment.
    Aligned,
}

/// A word as said.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// The text, punctuation attached as typed.
    pub(crate) text: String,
    /// Where it was said, when known.
    pub(crate) span: Option<Span>,
    /// How sure the recogniser was (0-1), for recognised words.
    pub(crate) confidence: Option<f32>,
    /// Who wrote it.
    pub(crate) source: Source,
    /// Written without a space before it (`word` `,` or `word` `[laughter]`).
    pub(crate) glued: bool,
}

/// Confidence under which a recognised word is worth a second look.
pub const UNSURE: f32 = 0.5;

impl Word {
    /// Whether the recogniser heard it and was unsure of it.
    pub fn is_unsure(&self) -> bool {
        self.source == Source::Recognised && self.confidence.is_some_and(|c| c < UNSURE)
    }

    /// A typed word.
    pub(crate) fn typed(text: impl Into<String>) -> Word {
        Word { text: text.into(), span: None, confidence: None, source: Source::Typed, glued: false }
    }
}

impl Drop for Word {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

/// A non-speech annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagKind {
    /// Someone laughed.
    Laughter,
    /// Someone sighed or breathed out audibly.
    Sigh,
    /// Overlapping speech begins.
    Overlap,
    /// Speech that cannot be made out.
    Inaudible,
}

impl TagKind {
    /// Every tag kind.
    pub(crate) const ALL: [TagKind; 4] = [TagKind::Laughter, TagKind::Sigh, TagKind::Overlap, TagKind::Inaudible];

    /// The name in notation and files: `laughter`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            TagKind::Laughter => "laughter",
            TagKind::Sigh => "sigh",
            TagKind::Overlap => "overlap",
            TagKind::Inaudible => "inaudible",
        }
    }
}

/// A tag in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    /// What it marks.
    pub(crate) kind: TagKind,
    /// When, if known (inaudible speech carries the time it was marked at).
    pub(crate) at: Option<Ms>,
    /// Written without a space before it.
    pub(crate) glued: bool,
}

impl Tag {
    /// A tag of `kind` with no time.
    pub(crate) fn new(kind: TagKind) -> Tag {
        Tag { kind, at: None, glued: false }
    }

    /// Reads the inside of `[…]` as a tag: `laughter`, `sigh`, `overlap`, `inaudible` or
    /// `inaudible 00:01:02`; anything else is not a tag.
    pub(crate) fn parse(inside: &str) -> Option<Tag> {
        let kind = TagKind::ALL.into_iter().find(|k| inside.starts_with(k.name()))?;
        let rest = &inside[kind.name().len()..];
        if rest.is_empty() {
            return Some(Tag::new(kind));
        }
        if kind != TagKind::Inaudible || !rest.starts_with(char::is_whitespace) {
            return None;
        }
        let at: Ms = rest.trim().parse().ok()?;
        Some(Tag { kind, at: Some(at), glued: false })
    }

    /// How it is shown while typing: `[laughter]`, `[inaudible 00:01:02]`.
    pub(crate) fn display(&self) -> String {
        match self.at {
            Some(at) => format!("[{} {at}]", self.kind.name()),
            None => format!("[{}]", self.kind.name()),
        }
    }
}

/// One piece of a segment's text.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// Something said.
    Word(Word),
    /// A mark in the text.
    Tag(Tag),
}

impl Token {
    /// Written without a space before it.
    pub(crate) fn glued(&self) -> bool {
        match self {
            Token::Word(w) => w.glued,
            Token::Tag(t) => t.glued,
        }
    }

    /// How it is shown while typing.
    pub(crate) fn display(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Token::Word(w) => std::borrow::Cow::Borrowed(&w.text),
            Token::Tag(t) => std::borrow::Cow::Owned(t.display()),
        }
    }

    fn set_glued(&mut self, glued: bool) {
        match self {
            Token::Word(w) => w.glued = glued,
            Token::Tag(t) => t.glued = glued,
        }
    }
}

/// Reads typed text into tokens: words at whitespace (a bracketed `[…]` stays whole), and the
/// tags `[laughter]`, `[sigh]`, `[overlap]`, `[inaudible hh:mm:ss]` wherever they are typed.
pub fn tokens_from_text(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    for group in groups(text) {
        let first = tokens.len();
        let mut plain = String::new();
        let mut rest = group;
        while let Some(open) = rest.find('[') {
            let Some(len) = rest[open..].find(']') else { break };
            match Tag::parse(&rest[open + 1..open + len]) {
                Some(tag) => {
                    plain.push_str(&rest[..open]);
                    if !plain.is_empty() {
                        tokens.push(Token::Word(Word::typed(std::mem::take(&mut plain))));
                    }
                    tokens.push(Token::Tag(tag));
                }
                None => plain.push_str(&rest[..open + len + 1]),
            }
            rest = &rest[open + len + 1..];
        }
        plain.push_str(rest);
        if !plain.is_empty() {
            tokens.push(Token::Word(Word::typed(plain)));
        }
        for (i, token) in tokens[first..].iter_mut().enumerate() {
            token.set_glued(i > 0);
        }
    }
    tokens
}

/// Splits at whitespace outside brackets, so `[inaudible 00:01:02]` stays one piece.
fn groups(text: &str) -> Vec<&str> {
    let mut groups = Vec::new();
    let mut start = None;
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if c.is_whitespace() && depth == 0 {
            if let Some(s) = start.take() {
                groups.push(&text[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        groups.push(&text[s..]);
    }
    groups
}

/// The tokens as one line of text, the way the transcriber sees and types them.
pub(crate) fn display(tokens: &[Token]) -> String {
    let mut out = String::new();
    for token in tokens {
        if !out.is_empty() && !token.glued() {
            out.push(' ');
        }
        out.push_str(&token.display());
    }
    out
}

/// The tokens in runs written without spaces between them (`word[laughter].` is one run).
pub(crate) fn runs(tokens: &[Token]) -> impl Iterator<Item = &[Token]> {
    let mut rest = tokens;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let len = 1 + rest[1..].iter().take_while(|t| t.glued()).count();
        let (run, next) = rest.split_at(len);
        rest = next;
        Some(run)
    })
}

/// One piece of the transcript.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Segment {
    /// Where it is.
    #[serde(flatten)]
    pub span: Span,
    /// Who speaks, if known.
    #[serde(default)]
    pub speaker: Option<Speaker>,
    /// The transcriber set the speaker: speaker detection never changes it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub speaker_fixed: bool,
    /// What was said.
    #[serde(default)]
    pub tokens: Vec<Token>,
    /// Committed (Enter) at least once.
    #[serde(default)]
    pub done: bool,
    /// Marked identifying: exports withhold its text, clips silence it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identifying: bool,
}

impl Segment {
    /// A segment with no text yet.
    pub fn empty(span: Span, speaker: Option<Speaker>) -> Segment {
        Segment { span, speaker, speaker_fixed: false, tokens: Vec::new(), done: false, identifying: false }
    }

    /// The text as the transcriber sees it.
    #[cfg(test)]
    pub(crate) fn text(&self) -> String {
        display(&self.tokens)
    }

    /// Whether nothing has been written in it.
    pub(crate) fn is_blank(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Whether one of its tags is of `kind`.
    #[cfg(test)]
    pub(crate) fn has_tag(&self, kind: TagKind) -> bool {
        self.tokens.iter().any(|t| matches!(t, Token::Tag(tag) if tag.kind == kind))
    }

    /// Replaces the tokens with an edited version. Words the edit left as they were keep
    /// their time and confidence; new or changed ones are the transcriber's. Any change makes
    /// the whole segment the transcriber's: its recognised words become typed ones, which a
    /// new draft never replaces.
    pub(crate) fn retype(&mut self, mut tokens: Vec<Token>) {
        let changed = display(&tokens) != display(&self.tokens);
        let old: Vec<&Word> =
            self.tokens.iter().filter_map(|t| if let Token::Word(w) = t { Some(w) } else { None }).collect();
        let new_words: Vec<usize> =
            tokens.iter().enumerate().filter_map(|(i, t)| matches!(t, Token::Word(_)).then_some(i)).collect();
        let text_of = |i: usize| match &tokens[i] {
            Token::Word(w) => w.text.clone(),
            Token::Tag(_) => String::new(),
        };
        let new_texts: Vec<String> = new_words.iter().map(|&i| text_of(i)).collect();
        let kept = common_words(&old.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), &new_texts);
        let carried: Vec<(usize, Option<Span>, Option<f32>, Source)> =
            kept.into_iter().map(|(o, n)| (new_words[n], old[o].span, old[o].confidence, old[o].source)).collect();
        for (index, span, confidence, source) in carried {
            if let Token::Word(w) = &mut tokens[index] {
                let source = if changed && source == Source::Recognised { Source::Typed } else { source };
                (w.span, w.confidence, w.source) = (span, confidence, source);
            }
        }
        self.tokens = tokens;
    }
}

/// Pairs (old index, new index) of words in a longest common subsequence of the two texts.
fn common_words(old: &[&str], new: &[String]) -> Vec<(usize, usize)> {
    let (n, m) = (old.len(), new.len());
    let mut lcs = vec![vec![0u16; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] =
                if old[i] == new[j] { lcs[i + 1][j + 1].saturating_add(1) } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < n && j < m {
        if old[i] == new[j] {
            pairs.push((i, j));
            (i, j) = (i + 1, j + 1);
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

/// Every segment of a session, in time order, never overlapping.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transcript {
    /// In time order, never overlapping.
    pub segments: Vec<Segment>,
}

impl Transcript {
    /// A fresh transcript of `pieces` (where voice was found, and who the live keys say spoke).
    pub(crate) fn from_pieces(pieces: impl IntoIterator<Item = (Span, Option<Speaker>)>) -> Transcript {
        Transcript { segments: pieces.into_iter().map(|(span, speaker)| Segment::empty(span, speaker)).collect() }
    }

    /// The segment playing at `at`: the one containing it, else the last one before it.
    pub fn index_at(&self, at: Ms) -> Option<usize> {
        let after = self.segments.partition_point(|s| s.span.start <= at);
        after.checked_sub(1).or((!self.segments.is_empty()).then_some(0))
    }

    /// Segments committed, and segments in all.
    pub fn progress(&self) -> (usize, usize) {
        (self.segments.iter().filter(|s| s.done).count(), self.segments.len())
    }

    /// Splits segment `index` at `at`; the text stays with the first part. False if the cut
    /// would leave a part shorter than [`MIN_SEGMENT`].
    pub fn split(&mut self, index: usize, at: Ms) -> bool {
        let Some(seg) = self.segments.get(index) else { return false };
        if at.saturating_sub(seg.span.start) < MIN_SEGMENT || seg.span.end.saturating_sub(at) < MIN_SEGMENT {
            return false;
        }
        // Both halves of an identifying passage stay identifying.
        let mut second = Segment::empty(Span::new(at, seg.span.end), seg.speaker.clone());
        second.identifying = seg.identifying;
        second.speaker_fixed = seg.speaker_fixed;
        self.segments[index].span.end = at;
        self.segments.insert(index + 1, second);
        true
    }

    /// Joins segment `index` with the next; the first speaker stays. False if there is no next.
    pub fn merge_next(&mut self, index: usize) -> bool {
        if index + 1 >= self.segments.len() {
            return false;
        }
        let mut next = self.segments.remove(index + 1);
        let seg = &mut self.segments[index];
        seg.span.end = next.span.end;
        let mut tokens = std::mem::take(&mut next.tokens);
        if let Some(first) = tokens.first_mut() {
            first.set_glued(false);
        }
        seg.tokens.append(&mut tokens);
        seg.done = seg.done && next.done;
        seg.identifying |= next.identifying;
        true
    }

    /// Moves the start (`start == true`) or end of segment `index` by `delta_ms`, kept clear of
    /// its neighbours and the audio's end and never below [`MIN_SEGMENT`]; returns the new
    /// boundary.
    pub fn nudge(&mut self, index: usize, start: bool, delta_ms: i64, audio: Ms) -> Option<Ms> {
        let prev_end = index.checked_sub(1).and_then(|i| self.segments.get(i)).map_or(Ms::ZERO, |s| s.span.end);
        let next_start = self.segments.get(index + 1).map_or(audio, |s| s.span.start);
        let span = &mut self.segments.get_mut(index)?.span;
        if start {
            let latest = span.end.saturating_sub(MIN_SEGMENT).max(prev_end);
            span.start = span.start.offset(delta_ms).clamp(prev_end, latest);
            Some(span.start)
        } else {
            let shortest = span.start.saturating_add(MIN_SEGMENT).min(next_start);
            span.end = span.end.offset(delta_ms).clamp(shortest, next_start);
            Some(span.end)
        }
    }

    /// The segments as verbatim 0.1 wrote them: one string per segment, speakers as labels.
    pub(crate) fn from_v1(segments: Vec<SegmentV1>, participant: &ParticipantCode) -> Transcript {
        let segments = segments
            .into_iter()
            .map(|old| Segment {
                span: Span::ms(old.start_ms, old.end_ms),
                speaker: old.speaker.as_deref().map(|label| Speaker::from_v1_label(label, participant)),
                speaker_fixed: false,
                tokens: tokens_from_text(&old.text),
                done: old.done,
                identifying: old.identifying,
            })
            .collect();
        Transcript { segments }
    }
}

/// A segment of a version 1 transcript (`text` a plain string, `speaker` a label).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct SegmentV1 {
    start_ms: u64,
    end_ms: u64,
    #[serde(default)]
    speaker: Option<String>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    done: bool,
    #[serde(default)]
    identifying: bool,
}

impl Drop for SegmentV1 {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

mod wire;

#[cfg(test)]
mod tests;
