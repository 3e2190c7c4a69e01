//! From Whisper's tokens to the draft's words, on the session's clock.
//!
//! - Tokens join into words at the leading space Whisper's vocabulary marks them with;
//!   punctuation stays on its word.
//! - Bracketed annotations (`[laughter]`, `(laughs)`, NB-Whisper's `(ler)`) become tags, not
//!   text; the ones verbatim has no tag for (`[BLANK_AUDIO]`, `(music)`) are dropped.
//! - Times go from the window back to the session ([`super::windows::Window::to_session`]),
//!   then are snapped to the stretch of voice each word falls in: its first word starts where
//!   the voice starts and its last ends where it ends. Whisper's own start for the first word
//!   after a pause is early by up to the pause (it absorbs the silence); the pause layer's
//!   boundary is within about 15 ms. So every pause falls between the right words.

use zeroize::Zeroize;

use super::whisper::RawToken;
use super::windows::Window;
use crate::model::{Ms, Span, TagKind};

/// A word or tag of the draft.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DraftWord {
    /// The text as recognised, punctuation attached; empty for a tag.
    pub text: String,
    /// When it was said.
    #[serde(flatten)]
    pub span: Span,
    /// The recogniser's mean token probability, 0-1.
    pub confidence: f32,
    /// The annotation, for a tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<TagKind>,
}

impl Drop for DraftWord {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

/// The draft words of one decoded window, on the session's clock and snapped to its voice.
pub fn words(tokens: &[RawToken], window: &Window) -> Vec<DraftWord> {
    let mut words = annotate(join(tokens, window.len()));
    // Which stretch of voice each word was said in is judged on the window's clock, where
    // Whisper's times are: on the session's, a pause cut down to 0.4 s is seconds long again.
    let voice_in_window: Vec<Span> = window.speech.iter().map(|s| window.to_window(*s)).collect();
    let homes = homes(&words, &voice_in_window);
    for word in &mut words {
        word.span = Span { start: window.to_session(word.span.start), end: window.to_session(word.span.end) };
    }
    snap(&mut words, &homes, &window.speech);
    words
}

/// Whether the words run in a loop, Whisper's known failure on hard audio ("the the the the",
/// or a phrase over and over): a word five times running, or a phrase of two to four words
/// three times.
pub fn loops(words: &[DraftWord]) -> bool {
    let texts: Vec<String> = words.iter().map(|w| normalised(&w.text)).collect();
    (1..=4).any(|n| {
        let needed = if n == 1 { 5 } else { 3 };
        (0..texts.len()).any(|start| {
            let phrase = &texts[start..(start + n).min(texts.len())];
            phrase.len() == n && (1..needed).all(|k| texts.get(start + k * n..start + (k + 1) * n) == Some(phrase))
        })
    })
}

fn normalised(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Tokens joined into words, times in the window; tokens past the window's end are dropped
/// (Whisper sometimes decodes on into the padding).
fn join(tokens: &[RawToken], length: Ms) -> Vec<DraftWord> {
    let mut words: Vec<(Vec<u8>, Span, Vec<f32>)> = Vec::new();
    for token in tokens.iter().filter(|t| t.start < length && !t.bytes.is_empty()) {
        let starts_word = token.bytes.first() == Some(&b' ');
        match words.last_mut() {
            Some((bytes, span, probabilities)) if !starts_word => {
                bytes.extend_from_slice(&token.bytes);
                // Punctuation is timed to the end of Whisper's segment, often well into the
                // pause after the word: only letters and digits say where the word ends.
                if token.bytes.iter().any(u8::is_ascii_alphanumeric) || token.bytes.iter().any(|b| *b >= 0x80) {
                    span.end = span.end.max(token.end);
                }
                probabilities.push(token.probability);
            }
            _ => words.push((
                token.bytes.to_vec(),
                Span { start: token.start, end: token.end.max(token.start) },
                vec![token.probability],
            )),
        }
    }
    words
        .into_iter()
        .filter_map(|(mut bytes, span, probabilities)| {
            let text = String::from_utf8_lossy(&bytes).trim().to_string();
            bytes.zeroize();
            let confidence = probabilities.iter().sum::<f32>() / probabilities.len().max(1) as f32;
            (!text.is_empty()).then_some(DraftWord { text, span, confidence, tag: None })
        })
        .collect()
}

/// Bracketed annotations as tags (or dropped); everything else as it was.
fn annotate(words: Vec<DraftWord>) -> Vec<DraftWord> {
    let mut out: Vec<DraftWord> = Vec::with_capacity(words.len());
    let mut index = 0;
    while index < words.len() {
        let word = &words[index];
        let close = match word.text.chars().next() {
            Some('[') => Some(']'),
            Some('(') => Some(')'),
            Some('*') => Some('*'),
            _ => None,
        };
        // An annotation is at most six words, closed by the matching bracket.
        let end = close.and_then(|close| {
            (index..words.len().min(index + 6)).find(|&i| {
                let text = words[i].text.trim_end_matches(['.', ',', '!', '?']);
                text.ends_with(close) && (i > index || text.chars().count() > 1)
            })
        });
        let Some(end) = end else {
            out.push(word.clone());
            index += 1;
            continue;
        };
        let inside: String = words[index..=end].iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
        if let Some(kind) = tag_for(&inside) {
            out.push(DraftWord {
                text: String::new(),
                span: Span { start: words[index].span.start, end: words[end].span.end },
                confidence: words[index].confidence,
                tag: Some(kind),
            });
        }
        index = end + 1;
    }
    out
}

/// The tag an annotation stands for, in English or Norwegian; `None` for the rest (music,
/// blank audio, applause), which verbatim has no tag for.
fn tag_for(annotation: &str) -> Option<TagKind> {
    let said = annotation.to_lowercase();
    let has = |stems: &[&str]| stems.iter().any(|stem| said.contains(stem));
    if has(&["laugh", "chuckl", "giggl", "ler", "latter", "fnis"]) {
        Some(TagKind::Laughter)
    } else if has(&["sigh", "sukk", "exhal"]) {
        Some(TagKind::Sigh)
    } else if has(&["inaudible", "unintelligible", "uhørbar", "uforståelig", "utydelig"]) {
        Some(TagKind::Inaudible)
    } else if has(&["crosstalk", "overlap", "overlapping"]) {
        Some(TagKind::Overlap)
    } else {
        None
    }
}

/// The stretch of voice each word was said in: in the order said, as near as can be to where
/// Whisper put the word's middle (its word ends run on into the next pause, its starts after
/// a pause begin early; its middles are where the words are). Chosen for all words at once,
/// so one word with a wild time costs itself, not the words after it.
fn homes(words: &[DraftWord], voice: &[Span]) -> Vec<usize> {
    if voice.is_empty() {
        return vec![0; words.len()];
    }
    let distance = |word: &DraftWord, s: &Span| {
        let middle = (word.span.start.0 + word.span.end.0) / 2;
        if middle < s.start.0 { s.start.0 - middle } else { middle.saturating_sub(s.end.0) }
    };
    // best[i][j]: least total distance of words ..=i with word i in stretch j; from[i][j]: the
    // stretch of word i-1 on that path (never later than j).
    let k = voice.len();
    let mut best: Vec<Vec<u64>> = Vec::with_capacity(words.len());
    let mut from: Vec<Vec<usize>> = Vec::with_capacity(words.len());
    for (i, word) in words.iter().enumerate() {
        let mut row = vec![0u64; k];
        let mut back = vec![0usize; k];
        let (mut least, mut at) = (u64::MAX, 0);
        for j in 0..k {
            if i > 0 && best[i - 1][j] < least {
                (least, at) = (best[i - 1][j], j);
            }
            row[j] = distance(word, &voice[j]).saturating_add(if i == 0 { 0 } else { least });
            back[j] = at;
        }
        best.push(row);
        from.push(back);
    }
    let mut homes = vec![0usize; words.len()];
    if let Some(last) = best.last() {
        let mut j = (0..k).min_by_key(|&j| last[j]).unwrap_or(0);
        for i in (0..words.len()).rev() {
            homes[i] = j;
            j = from[i][j];
        }
    }
    homes
}

/// Puts each word inside its stretch of voice (`speech[homes[i]]`, session clock): the first
/// word of each stretch at its start, the last at its end, in order.
fn snap(words: &mut [DraftWord], homes: &[usize], speech: &[Span]) {
    if speech.is_empty() {
        return;
    }
    let mut previous_end = Ms(0);
    for (i, word) in words.iter_mut().enumerate() {
        let voice = speech[homes[i].min(speech.len() - 1)];
        let first = i == 0 || homes[i - 1] != homes[i];
        let last = homes.get(i + 1) != Some(&homes[i]);
        let mut start = if first { voice.start } else { word.span.start.clamp(voice.start, voice.end) };
        start = start.max(previous_end.min(voice.end));
        let mut end = if last { voice.end } else { word.span.end.clamp(start, voice.end) };
        end = end.max(start);
        word.span = Span { start, end };
        previous_end = if word.tag.is_some() { start } else { end };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asr::windows::Run;

    fn token(text: &str, start: u64, end: u64, p: f32) -> RawToken {
        RawToken {
            bytes: zeroize::Zeroizing::new(text.as_bytes().to_vec()),
            start: Ms(start),
            end: Ms(end),
            probability: p,
        }
    }

    fn said(words: &[DraftWord]) -> Vec<(String, u64, u64)> {
        words
            .iter()
            .map(|w| (w.tag.map_or(w.text.clone(), |t| format!("[{}]", t.name())), w.span.start.0, w.span.end.0))
            .collect()
    }

    #[test]
    fn tokens_join_into_words_on_the_session_clock_snapped_to_the_voice() {
        // Two runs: session 850-6250 at 0, and 9850-12250 at 5400; voice 1000-6000, 10000-12000.
        let window = Window {
            runs: vec![
                Run { audio: Span::ms(850, 6_250), at: Ms(0) },
                Run { audio: Span::ms(9_850, 12_250), at: Ms(5_400) },
            ],
            speech: vec![Span::ms(1_000, 6_000), Span::ms(10_000, 12_000)],
        };
        let tokens = [
            token(" The", 0, 300, 0.9),
            token(" interview", 300, 900, 0.8),
            token("s", 900, 1_000, 0.4),
            token(" started", 1_000, 1_600, 0.9),
            token(".", 1_600, 1_600, 1.0),
            // Whisper puts the first word after the cut early, in the room sound before it.
            token(" I", 5_420, 5_700, 0.9),
            token(" have", 5_700, 6_100, 0.9),
            token(" worked", 6_100, 7_700, 0.9),
            token(" past", 29_000, 29_500, 0.9),
        ];
        let words = words(&tokens, &window);
        assert_eq!(
            said(&words),
            [
                ("The".into(), 1_000, 1_150),
                ("interviews".into(), 1_150, 1_850),
                ("started.".into(), 1_850, 6_000),
                ("I".into(), 10_000, 10_150),
                ("have".into(), 10_150, 10_550),
                ("worked".into(), 10_550, 12_000),
            ]
        );
        assert!((words[1].confidence - 0.6).abs() < 1e-6);
    }

    #[test]
    fn annotations_become_tags_or_are_dropped_and_split_utf8_joins_up() {
        let window =
            Window { runs: vec![Run { audio: Span::ms(0, 10_000), at: Ms(0) }], speech: vec![Span::ms(0, 10_000)] };
        let ae = "æ".as_bytes();
        let tokens = [
            token(" [", 0, 100, 0.9),
            token("la", 100, 200, 0.9),
            token("ughter", 200, 400, 0.9),
            token("]", 400, 500, 0.9),
            token(" (ler)", 600, 900, 0.9),
            token(" [BLANK_AUDIO]", 1_000, 2_000, 0.9),
            RawToken {
                bytes: zeroize::Zeroizing::new(vec![b' ', b'v', ae[0]]),
                start: Ms(2_000),
                end: Ms(2_100),
                probability: 0.5,
            },
            RawToken {
                bytes: zeroize::Zeroizing::new(vec![ae[1], b'r']),
                start: Ms(2_100),
                end: Ms(2_300),
                probability: 0.5,
            },
            token(" (sighs", 2_400, 2_600, 0.9),
            token(" heavily)", 2_600, 2_900, 0.9),
            token(" (well", 3_000, 3_200, 0.9),
        ];
        let got = said(&words(&tokens, &window));
        let texts: Vec<&str> = got.iter().map(|(t, _, _)| t.as_str()).collect();
        assert_eq!(texts, ["[laughter]", "[laughter]", "vær", "[sigh]", "(well"]);
    }

    #[test]
    fn loops_are_told_from_real_repetition() {
        let from = |text: &str| -> Vec<DraftWord> {
            text.split(' ')
                .map(|t| DraftWord { text: t.into(), span: Span::ms(0, 0), confidence: 1.0, tag: None })
                .collect()
        };
        assert!(!loops(&from("no no no no, I said")));
        assert!(loops(&from("no no no no no")));
        assert!(loops(&from("and I think that I think that I think that")));
        assert!(!loops(&from("I think that, I think that it was hard")));
        assert!(loops(&from("Thank you. Thank you. Thank you.")));
    }
}
