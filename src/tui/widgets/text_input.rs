//! The one text input: a note, a time to jump to, a speaker's new name, a segment's words.
//!
//! It holds characters and, in a transcript, tags (`[laughter]`) that the cursor passes and
//! Backspace deletes as one. What it holds is wiped when it is dropped.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui::text::Span;
use zeroize::Zeroize;

use crate::model::transcript::tokens_from_text;
use crate::model::{Tag, Token};

/// One position of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cell {
    /// A typed character.
    Char(char),
    /// A tag, shown as typed and edited as one.
    Tag(Tag),
}

/// What a key did to the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edit {
    /// The text changed.
    Changed,
    /// Only the cursor moved.
    Moved,
    /// The key is not for the input.
    Ignored,
}

/// A line of text being typed, with a cursor.
#[derive(Debug, Clone)]
pub(crate) struct TextInput {
    cells: Vec<Cell>,
    cursor: usize,
    limit: usize,
    accept: fn(char) -> bool,
}

impl PartialEq for TextInput {
    /// The same text with the cursor in the same place.
    fn eq(&self, other: &Self) -> bool {
        self.cells == other.cells && self.cursor == other.cursor
    }
}

impl Eq for TextInput {}

impl Default for TextInput {
    fn default() -> Self {
        TextInput { cells: Vec::new(), cursor: 0, limit: usize::MAX, accept: |c| !c.is_control() }
    }
}

impl TextInput {
    /// An empty input taking any printable character.
    pub(crate) fn new() -> TextInput {
        TextInput::default()
    }

    /// At most `limit` positions.
    pub(crate) fn with_limit(mut self, limit: usize) -> TextInput {
        self.limit = limit;
        self
    }

    /// Only characters `accept` lets through (a time takes digits, `:` and `.`).
    pub(crate) fn accepting(mut self, accept: fn(char) -> bool) -> TextInput {
        self.accept = accept;
        self
    }

    /// An input holding `tokens`, the cursor at the end.
    pub(crate) fn from_tokens(tokens: &[Token]) -> TextInput {
        let mut input = TextInput::new();
        for token in tokens {
            if !input.cells.is_empty() && !token.glued() {
                input.cells.push(Cell::Char(' '));
            }
            match token {
                Token::Word(word) => input.cells.extend(word.text.chars().map(Cell::Char)),
                Token::Tag(tag) => input.cells.push(Cell::Tag(Tag { glued: false, ..*tag })),
            }
        }
        input.cursor = input.cells.len();
        input
    }

    /// The cursor, in positions from the start.
    pub(crate) fn cursor(&self) -> usize {
        self.cursor
    }

    /// The text as shown, tags as typed (`[laughter]`).
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        for cell in &self.cells {
            match cell {
                Cell::Char(c) => out.push(*c),
                Cell::Tag(tag) => out.push_str(&tag.display()),
            }
        }
        out
    }

    /// The text as tokens: words at whitespace, tags where they are (and where typed in full).
    pub(crate) fn tokens(&self) -> Vec<Token> {
        let mut tokens = Vec::new();
        let mut chunk = String::new();
        let mut after_space = true;
        for cell in &self.cells {
            match cell {
                Cell::Char(c) => {
                    chunk.push(*c);
                    after_space = c.is_whitespace();
                }
                Cell::Tag(tag) => {
                    flush(&mut tokens, &mut chunk);
                    tokens.push(Token::Tag(Tag { glued: !tokens.is_empty() && !after_space, ..*tag }));
                    after_space = false;
                }
            }
        }
        flush(&mut tokens, &mut chunk);
        tokens
    }

    /// Takes the text out, leaving the input empty.
    pub(crate) fn take(&mut self) -> String {
        let text = self.text();
        self.clear();
        text
    }

    /// Empties the input.
    pub(crate) fn clear(&mut self) {
        self.wipe();
        self.cells.clear();
        self.cursor = 0;
    }

    /// Inserts text at the cursor.
    pub(crate) fn insert_str(&mut self, text: &str) {
        for c in text.chars() {
            self.insert(Cell::Char(c));
        }
    }

    /// Inserts a tag at the cursor.
    pub(crate) fn insert_tag(&mut self, tag: Tag) {
        self.insert(Cell::Tag(tag));
    }

    fn insert(&mut self, cell: Cell) {
        if self.cells.len() < self.limit {
            self.cells.insert(self.cursor, cell);
            self.cursor += 1;
        }
    }

    /// Applies a key: characters, Backspace, Delete, arrows, Home and End.
    pub(crate) fn handle(&mut self, key: KeyEvent) -> Edit {
        match key.code {
            KeyCode::Char(c) if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                if !(self.accept)(c) || self.cells.len() >= self.limit {
                    return Edit::Ignored;
                }
                self.insert(Cell::Char(c));
                Edit::Changed
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                self.cells.remove(self.cursor);
                Edit::Changed
            }
            KeyCode::Delete if self.cursor < self.cells.len() => {
                self.cells.remove(self.cursor);
                Edit::Changed
            }
            KeyCode::Left => self.move_to(self.cursor.saturating_sub(1)),
            KeyCode::Right => self.move_to((self.cursor + 1).min(self.cells.len())),
            KeyCode::Home => self.move_to(0),
            KeyCode::End => self.move_to(self.cells.len()),
            _ => Edit::Ignored,
        }
    }

    fn move_to(&mut self, cursor: usize) -> Edit {
        self.cursor = cursor;
        Edit::Moved
    }

    /// The text before and after the cursor as spans, tags in `tag_style`, with `caret` between.
    pub(crate) fn spans(&self, caret: Span<'static>, tag_style: Style) -> Vec<Span<'static>> {
        let mut spans = Vec::new();
        let mut plain = String::new();
        for (index, cell) in self.cells.iter().enumerate() {
            if index == self.cursor {
                spans.push(Span::raw(std::mem::take(&mut plain)));
                spans.push(caret.clone());
            }
            match cell {
                Cell::Char(c) => plain.push(*c),
                Cell::Tag(tag) => {
                    spans.push(Span::raw(std::mem::take(&mut plain)));
                    spans.push(Span::styled(tag.display(), tag_style));
                }
            }
        }
        spans.push(Span::raw(plain));
        if self.cursor >= self.cells.len() {
            spans.push(caret);
        }
        spans.retain(|s| !s.content.is_empty());
        spans
    }

    fn wipe(&mut self) {
        for cell in &mut self.cells {
            if let Cell::Char(c) = cell {
                c.zeroize();
            }
        }
    }
}

/// Reads typed characters into tokens; a chunk typed right after a tag is glued to it.
fn flush(tokens: &mut Vec<Token>, chunk: &mut String) {
    let glued = !tokens.is_empty() && chunk.starts_with(|c: char| !c.is_whitespace());
    let mut read = tokens_from_text(chunk);
    if let Some(first) = read.first_mut() {
        match first {
            Token::Word(word) => word.glued = glued,
            Token::Tag(tag) => tag.glued = glued,
        }
    }
    tokens.append(&mut read);
    chunk.zeroize();
    chunk.clear();
}

impl Drop for TextInput {
    fn drop(&mut self) {
        self.wipe();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::transcript::display;
    use crate::model::{Ms, TagKind};

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn tags_are_one_position_and_the_tokens_keep_their_spacing() {
        let mut input = TextInput::from_tokens(&tokens_from_text("Ja. Jeg jobber"));
        input.insert_tag(Tag::new(TagKind::Laughter));
        input.insert_str(" i et team.");
        assert_eq!(input.text(), "Ja. Jeg jobber[laughter] i et team.");
        let tokens = input.tokens();
        assert_eq!(display(&tokens), "Ja. Jeg jobber[laughter] i et team.");
        assert_eq!(tokens, tokens_from_text("Ja. Jeg jobber[laughter] i et team."));
        // Back over " i et team." and the tag goes in one keypress.
        input.handle(key(KeyCode::End));
        for _ in 0..11 {
            input.handle(key(KeyCode::Left));
        }
        assert_eq!(input.handle(key(KeyCode::Backspace)), Edit::Changed);
        assert_eq!(input.text(), "Ja. Jeg jobber i et team.");
        let at = Tag { kind: TagKind::Inaudible, at: Some(Ms(62_500)), glued: false };
        input.handle(key(KeyCode::Home));
        input.insert_tag(at);
        input.insert_str(" ");
        assert_eq!(input.tokens()[0], Token::Tag(at), "the tag keeps its time to the millisecond");
        // Typed in full, a tag is read as one too.
        let mut typed = TextInput::new();
        typed.insert_str("nei [sigh]");
        assert!(matches!(typed.tokens()[1], Token::Tag(Tag { kind: TagKind::Sigh, .. })));
    }

    #[test]
    fn limits_filters_and_modifiers_are_kept() {
        let mut time = TextInput::new().accepting(|c| c.is_ascii_digit() || c == ':').with_limit(5);
        for c in "12:3x0:45".chars() {
            time.handle(key(KeyCode::Char(c)));
        }
        assert_eq!(time.text(), "12:30");
        assert_eq!(time.handle(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Edit::Ignored);
        assert_eq!(time.take(), "12:30");
        assert_eq!(time.text(), "");
        assert_eq!(time.handle(key(KeyCode::Backspace)), Edit::Ignored);
    }
}
