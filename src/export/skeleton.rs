//! The verbatim skeleton: a session's turns in a convention's notation, with pauses, laughter,
//! sighs, notes and guide questions at their times. Every text format is laid out from it.
//!
//! Events inside a turn go inline. Where the turn has typed text, they go to the word boundary
//! whose share of the text matches the share of voiced time before the event (a proportional
//! guess, as no word timings exist); where it has none, each stretch of speech between pauses
//! gets a placeholder to fill. Events between turns form a line of their own.

use zeroize::Zeroizing;

use super::convention::{Convention, Lang};
use super::document::{ExportMarker, ExportSegment, SessionDocument};
use crate::session::markers::MarkerKind;

/// A session laid out under a convention.
#[derive(Debug)]
pub struct Skeleton {
    /// The header facts and the legend.
    pub header: Header,
    /// Questions, turns and the pauses between them, in time order.
    pub blocks: Vec<Block>,
}

/// What the header tells, with its labels in the export language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The document title, e.g. `Transkripsjon`.
    pub title: String,
    /// (label, value) rows: project, participant, date, duration, transcriber, convention.
    pub facts: Vec<(String, String)>,
    /// The legend's heading.
    pub legend_title: String,
    /// (notation, meaning) rows.
    pub legend: Vec<(String, String)>,
}

/// A piece of the skeleton.
#[derive(Debug)]
pub enum Block {
    /// A guide question, where it was asked.
    Question {
        /// When it was marked, ms.
        at_ms: u64,
        /// Its text.
        text: String,
    },
    /// Pauses and marks between turns.
    Between {
        /// Time of the first, ms.
        at_ms: u64,
        /// In notation, separated by spaces.
        text: String,
    },
    /// One segment of speech.
    Turn(Turn),
}

/// One segment: who, when and what, in the convention's notation.
#[derive(Debug)]
pub struct Turn {
    /// Start, ms.
    pub start_ms: u64,
    /// End, ms.
    pub end_ms: u64,
    /// The speaker's label under the convention.
    pub speaker: String,
    /// What was said with the marks inline, or placeholders to fill.
    pub text: Zeroizing<String>,
    /// Whether someone typed text here.
    pub filled: bool,
    /// Whether it was replaced as identifying.
    pub anonymised: bool,
}

/// Who transcribed, and other things the session does not know.
#[derive(Debug, Clone, Default)]
pub struct Credits {
    /// The project's name.
    pub project: String,
    /// The transcriber's name or initials, if given.
    pub transcriber: Option<String>,
}

/// Something that happens at a moment of the audio.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Event {
    at_ms: u64,
    /// Silence before this point inside a turn counts against the voiced time.
    pause_ms: u64,
    text: String,
    /// The marker it came from, if any.
    kind: Option<MarkerKind>,
}

/// Lays out `doc` under `convention` in `lang`.
pub fn build(doc: &SessionDocument, convention: &Convention, lang: Lang, credits: &Credits) -> Skeleton {
    let mut events = events(doc, convention, lang);
    events.sort_by_key(|e| e.at_ms);
    let mut questions: Vec<(u64, String)> = doc
        .markers
        .iter()
        .filter(|m| m.kind == MarkerKind::Question)
        .filter_map(|m| Some((m.at_ms, m.question.clone()?)))
        .collect();
    questions.sort_by_key(|q| q.0);

    let mut blocks = Vec::new();
    let mut next_event = events.iter().peekable();
    let mut next_question = questions.into_iter().peekable();
    for segment in &doc.segments {
        let between: Vec<&Event> = std::iter::from_fn(|| next_event.next_if(|e| e.at_ms < segment.start_ms)).collect();
        if let Some(first) = between.first() {
            blocks.push(Block::Between { at_ms: first.at_ms, text: join(&between) });
        }
        // A question marked before this segment ends heads it (the interviewer is asking it).
        while let Some((at_ms, text)) = next_question.next_if(|q| q.0 < segment.end_ms) {
            blocks.push(Block::Question { at_ms, text });
        }
        let inside: Vec<&Event> = std::iter::from_fn(|| next_event.next_if(|e| e.at_ms < segment.end_ms)).collect();
        blocks.push(Block::Turn(turn(segment, &inside, convention, lang, &doc.session.participant)));
    }
    let after: Vec<&Event> = next_event.collect();
    if let Some(first) = after.first() {
        blocks.push(Block::Between { at_ms: first.at_ms, text: join(&after) });
    }
    blocks.extend(next_question.map(|(at_ms, text)| Block::Question { at_ms, text }));
    Skeleton { header: header(doc, convention, lang, credits), blocks }
}

fn join(events: &[&Event]) -> String {
    events.iter().map(|e| e.text.as_str()).collect::<Vec<_>>().join(" ")
}

/// Pauses (and micro-pauses if the convention writes them) and the marks that belong in a
/// transcript; pauses inside anonymised passages are left out with the rest of the passage.
fn events(doc: &SessionDocument, convention: &Convention, lang: Lang) -> Vec<Event> {
    let hidden = |start: u64, end: u64| doc.anonymised.iter().any(|a| start >= a.start_ms && end <= a.end_ms);
    let micro = if convention.micro_pauses { doc.micro_pauses.as_slice() } else { &[] };
    let mut events: Vec<Event> = doc
        .pauses
        .iter()
        .chain(micro)
        .filter(|p| !hidden(p.start_ms, p.end_ms))
        .map(|p| Event {
            at_ms: p.start_ms,
            pause_ms: p.duration_ms,
            text: convention.pause_mark(p.duration_ms, lang),
            kind: None,
        })
        .collect();
    events.extend(doc.markers.iter().filter(|m| !hidden(m.at_ms, m.at_ms)).filter_map(|m| {
        Some(Event { at_ms: m.at_ms, pause_ms: 0, text: mark_text(m, convention, lang)?, kind: Some(m.kind) })
    }));
    events
}

/// A marker in the convention's notation, if it belongs in the transcript text.
fn mark_text(m: &ExportMarker, convention: &Convention, lang: Lang) -> Option<String> {
    let marks = &convention.marks;
    let comment = |text: &str| marks.comment.mark.get(lang).replace("{text}", text);
    let words = |en: &str, nb: &str| if lang == Lang::En { en.to_string() } else { nb.to_string() };
    match m.kind {
        MarkerKind::Laughter => Some(marks.laughter.mark.get(lang).to_string()),
        MarkerKind::Sigh => Some(marks.sigh.mark.get(lang).to_string()),
        MarkerKind::Note => Some(comment(m.note.as_deref().unwrap_or_default())),
        MarkerKind::Paused => {
            let length = clock(m.off_tape_ms.unwrap_or(0));
            Some(comment(&words(&format!("recording paused for {length}"), &format!("opptaket pauset i {length}"))))
        }
        MarkerKind::Gap => {
            let length = format!("{:.1} s", m.off_tape_ms.unwrap_or(0) as f64 / 1000.0);
            Some(comment(&words(&format!("{length} of audio lost"), &format!("{length} lyd tapt"))))
        }
        // Measured pauses are written from the analysis, questions as headings; the rest are
        // the interviewer's bookmarks (clips and the EAF marker tier carry them).
        MarkerKind::LongPause
        | MarkerKind::Quote
        | MarkerKind::Identifying
        | MarkerKind::FollowUp
        | MarkerKind::Speaker
        | MarkerKind::Question => None,
    }
}

fn turn(segment: &ExportSegment, inside: &[&Event], convention: &Convention, lang: Lang, code: &str) -> Turn {
    let speaker = convention.speaker_label(segment.speaker.as_deref(), code, lang);
    let text = if segment.anonymised {
        Zeroizing::new(convention.marks.anonymised.mark.get(lang).to_string())
    } else if segment.text.trim().is_empty() {
        Zeroizing::new(placeholders(inside, convention.layout.placeholder.get(lang)))
    } else {
        // Where the transcriber typed the laughter or sigh, that placement beats the key's.
        let typed = |kind| match kind {
            Some(MarkerKind::Laughter) => segment.text.contains("[laughter]"),
            Some(MarkerKind::Sigh) => segment.text.contains("[sigh]"),
            _ => false,
        };
        let inside: Vec<&Event> = inside.iter().copied().filter(|e| !typed(e.kind)).collect();
        inline(segment, &inside, convention, lang)
    };
    Turn {
        start_ms: segment.start_ms,
        end_ms: segment.end_ms,
        speaker,
        text,
        filled: !segment.anonymised && !segment.text.trim().is_empty(),
        anonymised: segment.anonymised,
    }
}

/// `___ (0.5) ___ ((laughs)) ___`: a placeholder for each stretch of speech, and where a mark
/// falls inside one, before and after it.
fn placeholders(inside: &[&Event], placeholder: &str) -> String {
    let mut out = String::from(placeholder);
    for event in inside {
        out.push(' ');
        out.push_str(&event.text);
        out.push(' ');
        out.push_str(placeholder);
    }
    out
}

/// The typed text in notation, with events at the word boundaries their time share points to.
fn inline(segment: &ExportSegment, inside: &[&Event], convention: &Convention, lang: Lang) -> Zeroizing<String> {
    let words = words(&segment.text);
    let weights: Vec<usize> = words.iter().map(|w| w.chars().count() + 1).collect();
    let total_chars: usize = weights.iter().sum();
    let silent: u64 = inside.iter().map(|e| e.pause_ms).sum();
    let voiced = segment.end_ms.saturating_sub(segment.start_ms).saturating_sub(silent).max(1);
    let mut out = Zeroizing::new(String::with_capacity(segment.text.len() * 2 + 16 * inside.len()));
    let mut pending = inside.iter().peekable();
    let mut silent_before = 0;
    let mut chars_before = 0;
    for (word, weight) in words.iter().zip(&weights) {
        // Events whose voiced share is nearer this boundary than the next one go here.
        let boundary = (chars_before as f64 + *weight as f64 / 2.0) / total_chars as f64;
        while let Some(event) = pending.next_if(|e| {
            let voiced_before = e.at_ms.saturating_sub(segment.start_ms).saturating_sub(silent_before);
            (voiced_before as f64 / voiced as f64) < boundary
        }) {
            push_word(&mut out, &event.text);
            silent_before += event.pause_ms;
        }
        push_word(&mut out, &notation(word, convention, lang));
        chars_before += weight;
    }
    for event in pending {
        push_word(&mut out, &event.text);
    }
    out
}

fn push_word(out: &mut String, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

/// Splits typed text into words, keeping a bracketed tag such as `[inaudible 00:01:02]` whole.
fn words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
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
                words.push(&text[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        words.push(&text[s..]);
    }
    words
}

/// Review's neutral tags (`[laughter]`, `[sigh]`, `[overlap]`, `[inaudible hh:mm:ss]`) in
/// the convention's notation; other words as typed.
fn notation(word: &str, convention: &Convention, lang: Lang) -> String {
    let marks = &convention.marks;
    let Some(start) = word.find('[') else { return word.to_string() };
    let Some(len) = word[start..].find(']') else { return word.to_string() };
    let tag = &word[start + 1..start + len];
    let replaced = match tag {
        "laughter" => marks.laughter.mark.get(lang).to_string(),
        "sigh" => marks.sigh.mark.get(lang).to_string(),
        "overlap" => marks.overlap.mark.get(lang).to_string(),
        _ => match tag.strip_prefix("inaudible").map(str::trim) {
            Some(time) => {
                let f4 = parse_clock(time).map_or_else(|| time.to_string(), f4_time);
                marks.inaudible.mark.get(lang).replace("{time_f4}", &f4).replace("{time}", time)
            }
            None => return word.to_string(),
        },
    };
    format!("{}{replaced}{}", &word[..start], &word[start + len + 1..])
}

fn parse_clock(text: &str) -> Option<u64> {
    let parts: Vec<u64> = text.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let (h, m, s) = match parts[..] {
        [h, m, s] => (h, m, s),
        [m, s] => (0, m, s),
        _ => return None,
    };
    // Typed by the transcriber, so any number: a time past u64 ms is left as typed.
    h.checked_mul(60)?.checked_add(m)?.checked_mul(60)?.checked_add(s)?.checked_mul(1000)
}

/// `hh:mm:ss`.
pub fn clock(ms: u64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// `hh:mm:ss-d`, the f4/MAXQDA time stamp body (tenths, rounded down).
pub fn f4_time(ms: u64) -> String {
    format!("{}-{}", clock(ms), ms % 1000 / 100)
}

fn header(doc: &SessionDocument, convention: &Convention, lang: Lang, credits: &Credits) -> Header {
    let en = lang == Lang::En;
    let label = |en_label: &str, nb_label: &str| if en { en_label } else { nb_label }.to_string();
    let date = chrono::DateTime::parse_from_rfc3339(&doc.session.started)
        .map_or_else(|_| doc.session.started.clone(), |t| t.format("%Y-%m-%d %H:%M").to_string());
    let facts = vec![
        (label("Project", "Prosjekt"), credits.project.clone()),
        (label("Participant", "Deltaker"), doc.session.participant.clone()),
        (label("Session", "Økt"), doc.session.id.clone()),
        (label("Date", "Dato"), date),
        (label("Duration", "Varighet"), clock(doc.session.duration_ms)),
        (label("Transcriber", "Transkribent"), credits.transcriber.clone().unwrap_or_else(|| "________".into())),
        (label("Convention", "Konvensjon"), convention.name.clone()),
    ];
    Header {
        title: label("Transcript", "Transkripsjon"),
        facts,
        legend_title: label("Legend", "Tegnforklaring"),
        legend: convention.legend(lang),
    }
}

#[cfg(test)]
#[path = "skeleton_tests.rs"]
mod tests;
