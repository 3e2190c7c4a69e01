//! XML text helpers shared by the XML-based export writers (EAF, docx).
//!
//! Writers render twice through a [`Sink`]: once into a [`Counter`] to learn the exact size, then
//! into a buffer allocated once at that size. A growing `Vec` would leave unwiped copies of
//! interview text behind in freed memory every time it reallocated.

use zeroize::Zeroizing;

/// Where rendered XML goes: a byte counter or the real buffer.
pub(crate) trait Sink {
    /// Appends text that is already valid XML.
    fn raw(&mut self, s: &str);
}

/// A sink that only counts bytes, for the sizing pass.
pub(crate) struct Counter(pub(crate) usize);

impl Sink for Counter {
    fn raw(&mut self, s: &str) {
        self.0 += s.len();
    }
}

impl Sink for Vec<u8> {
    fn raw(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
}

/// Runs `write` twice, first to size the buffer and then to fill it, so the returned buffer never
/// reallocated. `write` must be deterministic.
pub(crate) fn render_exact(write: impl Fn(&mut dyn Sink)) -> Zeroizing<Vec<u8>> {
    let mut counter = Counter(0);
    write(&mut counter);
    let mut buf = Zeroizing::new(Vec::with_capacity(counter.0));
    write(&mut *buf);
    debug_assert_eq!(buf.len(), counter.0, "the sizing pass and the writing pass must agree");
    buf
}

/// Whether XML 1.0 allows this character at all (its `Char` production). Rust's `char` already
/// excludes surrogates, so what is left to refuse is C0 controls other than tab, LF and CR, and
/// the two non-characters U+FFFE and U+FFFF.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Writes `s` as element content: escapes `& < > " '`, keeps CR as a character reference (a
/// parser would otherwise turn it into LF), and drops characters XML 1.0 cannot carry.
pub(crate) fn text(out: &mut dyn Sink, s: &str) {
    escape(out, s, false);
}

/// Writes `s` as an attribute value (inside double quotes): like [`text`], but tab and newline
/// become character references too, because parsers turn literal ones into spaces.
pub(crate) fn attr(out: &mut dyn Sink, s: &str) {
    escape(out, s, true);
}

fn escape(out: &mut dyn Sink, s: &str, in_attribute: bool) {
    // Copy maximal runs of plain characters in one call; only special ones are replaced.
    let mut plain_from = 0;
    for (i, c) in s.char_indices() {
        let replacement = match c {
            '&' => Some("&amp;"),
            '<' => Some("&lt;"),
            '>' => Some("&gt;"),
            '"' => Some("&quot;"),
            '\'' => Some("&apos;"),
            '\r' => Some("&#13;"),
            '\n' if in_attribute => Some("&#10;"),
            '\t' if in_attribute => Some("&#9;"),
            c if !is_xml_char(c) => Some(""),
            _ => None,
        };
        if let Some(replacement) = replacement {
            out.raw(&s[plain_from..i]);
            out.raw(replacement);
            plain_from = i + c.len_utf8();
        }
    }
    out.raw(&s[plain_from..]);
}

/// `s` without the characters XML 1.0 cannot carry (used where a value must be compared after
/// cleaning, such as tier IDs that must stay unique).
pub(crate) fn clean(s: &str) -> Zeroizing<String> {
    let mut cleaned = Zeroizing::new(String::with_capacity(s.len()));
    cleaned.extend(s.chars().filter(|&c| is_xml_char(c)));
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str, attribute: bool) -> String {
        let bytes = render_exact(|out| if attribute { attr(out, s) } else { text(out, s) });
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn escapes_the_five_specials() {
        assert_eq!(escaped(r#"a<b>&"c"'d'"#, false), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
    }

    #[test]
    fn drops_control_characters_but_keeps_tab_and_newline_in_text() {
        assert_eq!(escaped("a\u{0}b\u{7}c\u{1b}d\u{FFFE}e\tf\ng", false), "abcde\tf\ng");
        assert_eq!(escaped("a\r\nb", false), "a&#13;\nb");
    }

    #[test]
    fn attributes_keep_whitespace_as_references() {
        assert_eq!(escaped("a\tb\nc\rd", true), "a&#9;b&#10;c&#13;d");
    }

    #[test]
    fn non_ascii_is_kept_as_is() {
        assert_eq!(escaped("Blåbærsyltetøy ÆØÅ 🎙", false), "Blåbærsyltetøy ÆØÅ 🎙");
    }

    #[test]
    fn render_exact_allocates_exactly_once() {
        let bytes = render_exact(|out| {
            for _ in 0..1000 {
                text(out, "æ<ø>&å");
            }
        });
        assert_eq!(bytes.len(), bytes.capacity());
        assert_eq!(bytes.len(), 1000 * "æ&lt;ø&gt;&amp;å".len());
    }

    #[test]
    fn clean_drops_only_invalid_characters() {
        assert_eq!(clean("Ola\u{0} Nordmann\u{1f}").as_str(), "Ola Nordmann");
    }
}
