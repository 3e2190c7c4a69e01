//! The verbatim skeleton: a session's turns in a convention's notation, with pauses, laughter,
//! sighs, notes and guide questions at their times. Every text format is laid out from it.
//!
//! Events inside a turn go inline. Where the turn has typed text, they go to the word boundary
//! whose share of the text matches the share of voiced time before the event (a proportional
//! guess where words have no times); where it has none, each stretch of speech between pauses
//! gets a placeholder to fill. Events between turns form a line of their own.

use zeroize::Zeroizing;

use super::convention::Convention;
use super::document::{DraftInfo, ExportMarker, ExportSegment, SessionDocument};
use crate::model::speaker::{label_or, unknown_speaker};
use crate::model::transcript::runs;
use crate::model::{Lang, MarkerKind, Ms, Tag, TagKind, Text, Token};

/// A session laid out under a convention.
#[derive(Debug)]
pub struct Skeleton {
    /// The header facts and the legend.
    pub(crate) header: Header,
    /// Questions, turns and the pauses between them, in time order.
    pub(crate) blocks: Vec<Block>,
}

/// What the header tells, with its labels in the export language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// The document title, e.g. `Transkripsjon`.
    pub(crate) title: String,
    /// (label, value) rows: project, participant, date, duration, transcriber, convention.
    pub(crate) facts: Vec<(String, String)>,
    /// The legend's heading.
    pub(crate) legend_title: String,
    /// (notation, meaning) rows.
    pub(crate) legend: Vec<(String, String)>,
}

/// A piece of the skeleton.
#[derive(Debug)]
pub(crate) enum Block {
    /// A guide question, where it was asked.
    Question {
        /// When it was marked.
        at: Ms,
        /// What was marked, in notation.
        text: String,
    },
    /// Pauses and marks between turns.
    Between {
        /// Time of the first (formats lay blocks out in order; the tests check that order).
        #[cfg_attr(not(test), expect(dead_code, reason = "read by the tests of the block order"))]
        at: Ms,
        /// In notation, separated by spaces.
        text: String,
    },
    /// One segment of speech.
    Turn(Turn),
}

/// One segment: who, when and what, in the convention's notation.
#[derive(Debug)]
pub(crate) struct Turn {
    pub(crate) start: Ms,
    pub(crate) end: Ms,
    /// The speaker's label under the convention.
    pub(crate) speaker: String,
    /// What was said with the marks inline, or placeholders to fill.
    pub(crate) text: Zeroizing<String>,
    /// Whether someone typed text here.
    pub(crate) filled: bool,
    /// Where `text` may be cut for a shorter subtitle cue: the byte a word starts at, and when
    /// it was said (words with times only).
    pub(crate) cuts: Vec<(usize, Ms)>,
}

/// Who transcribed, and other things the session does not know.
#[derive(Debug, Clone, Default)]
pub struct Credits {
    /// The project's name.
    pub project: String,
    /// The transcriber's name or initials, if given.
    pub transcriber: Option<String>,
}

/// Header and question labels, in both languages (clip text files share some).
pub(crate) mod labels {
    use crate::model::Text;
    pub(crate) const TITLE: Text = Text::new("Transcript", "Transkripsjon");
    pub(crate) const PROJECT: Text = Text::new("Project", "Prosjekt");
    pub(crate) const PARTICIPANT: Text = Text::new("Participant", "Deltaker");
    pub(crate) const SESSION: Text = Text::new("Session", "Økt");
    pub(crate) const DATE: Text = Text::new("Date", "Dato");
    pub(crate) const DURATION: Text = Text::new("Duration", "Varighet");
    pub(crate) const TRANSCRIBER: Text = Text::new("Transcriber", "Transkribent");
    pub(crate) const CONVENTION: Text = Text::new("Convention", "Konvensjon");
    pub(crate) const DRAFT: Text = Text::new("Draft", "Utkast");
    pub(crate) const LEGEND: Text = Text::new("Legend", "Tegnforklaring");
    pub(crate) const QUESTION: Text = Text::new("Question", "Spørsmål");
}

/// `Question` / `Spørsmål`, for formats that name guide questions.
pub(crate) fn question_label(lang: Lang) -> &'static str {
    labels::QUESTION.get(lang)
}

/// Something that happens at a moment of the audio.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Event {
    at: Ms,
    /// Silence before this point inside a turn counts against the voiced time.
    pause: Ms,
    text: String,
    /// The marker it came from, if any.
    kind: Option<MarkerKind>,
}

/// Lays out `doc` under `convention` in `lang`.
pub fn build(doc: &SessionDocument, convention: &Convention, lang: Lang, credits: &Credits) -> Skeleton {
    let mut events = events(doc, convention, lang);
    events.sort_by_key(|e| e.at);
    let mut questions: Vec<(Ms, String)> = doc
        .markers
        .iter()
        .filter(|m| m.kind == MarkerKind::Question)
        .filter_map(|m| Some((m.at, m.question.clone()?)))
        .collect();
    questions.sort_by_key(|q| q.0);
    let code = &doc.session.participant;
    let names = convention.speaker_names(lang);
    let unknown = unknown_speaker(doc.segments.iter().map(|s| s.speaker.as_ref()), code, names, lang);
    let speaker = |segment: &ExportSegment| label_or(segment.speaker.as_ref(), code, names, &unknown);

    let mut blocks = Vec::new();
    let mut next_event = events.iter().peekable();
    let mut next_question = questions.into_iter().peekable();
    for segment in &doc.segments {
        let between: Vec<&Event> = std::iter::from_fn(|| next_event.next_if(|e| e.at < segment.span.start)).collect();
        if let Some(first) = between.first() {
            blocks.push(Block::Between { at: first.at, text: join(&between) });
        }
        // A question marked before this segment ends heads it (the interviewer is asking it).
        while let Some((at, text)) = next_question.next_if(|q| q.0 < segment.span.end) {
            blocks.push(Block::Question { at, text });
        }
        let inside: Vec<&Event> = std::iter::from_fn(|| next_event.next_if(|e| e.at < segment.span.end)).collect();
        blocks.push(Block::Turn(turn(segment, speaker(segment), &inside, convention, lang)));
    }
    let after: Vec<&Event> = next_event.collect();
    if let Some(first) = after.first() {
        blocks.push(Block::Between { at: first.at, text: join(&after) });
    }
    blocks.extend(next_question.map(|(at, text)| Block::Question { at, text }));
    Skeleton { header: header(doc, convention, lang, credits), blocks }
}

fn join(events: &[&Event]) -> String {
    events.iter().map(|e| e.text.as_str()).collect::<Vec<_>>().join(" ")
}

/// Pauses (and micro-pauses if the convention writes them) and the marks that belong in a
/// transcript; pauses inside anonymised passages are left out with the rest of the passage.
fn events(doc: &SessionDocument, convention: &Convention, lang: Lang) -> Vec<Event> {
    let hidden = |start: Ms, end: Ms| doc.anonymised.iter().any(|a| start >= a.span.start && end <= a.span.end);
    let micro = if convention.micro_pauses { doc.micro_pauses.as_slice() } else { &[] };
    let mut events: Vec<Event> = doc
        .pauses
        .iter()
        .chain(micro)
        .filter(|p| !hidden(p.span.start, p.span.end))
        .map(|p| Event {
            at: p.span.start,
            pause: p.duration,
            text: convention.pause_mark(p.duration, lang),
            kind: None,
        })
        .collect();
    events.extend(doc.markers.iter().filter(|m| !hidden(m.at, m.at)).filter_map(|m| {
        Some(Event { at: m.at, pause: Ms::ZERO, text: mark_text(m, convention, lang)?, kind: Some(m.kind) })
    }));
    events
}

/// How the recorder's own notes read in a transcript.
const PAUSED: Text = Text::new("recording paused for", "opptaket pauset i");
const LOST: Text = Text::new("of audio lost", "lyd tapt");

/// A marker in the convention's notation, if it belongs in the transcript text.
fn mark_text(m: &ExportMarker, convention: &Convention, lang: Lang) -> Option<String> {
    let marks = &convention.marks;
    let comment = |text: &str| marks.comment.mark.get(lang).replace("{text}", text);
    let off_tape = m.off_tape.unwrap_or(Ms::ZERO);
    match m.kind {
        MarkerKind::Laughter => Some(marks.laughter.mark.get(lang).to_string()),
        MarkerKind::Sigh => Some(marks.sigh.mark.get(lang).to_string()),
        MarkerKind::Note => Some(comment(m.note.as_deref().unwrap_or_default())),
        MarkerKind::Paused => Some(comment(&format!("{} {off_tape}", PAUSED.get(lang)))),
        MarkerKind::Gap => Some(comment(&format!("{:.1} s {}", off_tape.as_secs_f64(), LOST.get(lang)))),
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

fn turn(segment: &ExportSegment, speaker: String, inside: &[&Event], convention: &Convention, lang: Lang) -> Turn {
    let (text, cuts) = if segment.anonymised {
        (Zeroizing::new(convention.marks.anonymised.mark.get(lang).to_string()), Vec::new())
    } else if segment.is_blank() {
        (Zeroizing::new(placeholders(inside, convention.layout.placeholder.get(lang))), Vec::new())
    } else {
        // Where the transcriber typed the laughter or sigh, that placement beats the key's.
        let typed = |kind| {
            let tag = match kind {
                Some(MarkerKind::Laughter) => TagKind::Laughter,
                Some(MarkerKind::Sigh) => TagKind::Sigh,
                _ => return false,
            };
            segment.tokens.iter().any(|t| matches!(t, Token::Tag(Tag { kind, .. }) if *kind == tag))
        };
        let inside: Vec<&Event> = inside.iter().copied().filter(|e| !typed(e.kind)).collect();
        inline(segment, &inside, convention, lang)
    };
    Turn {
        start: segment.span.start,
        end: segment.span.end,
        speaker,
        text,
        filled: !segment.anonymised && !segment.is_blank(),
        cuts,
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

/// The text in notation, with each event before the first word said after it when the words
/// have times (a draft), else at the word boundary its time share points to. A boundary is
/// between runs of tokens typed without spaces; a run weighs as many characters as the
/// transcriber sees, plus one for its space.
fn inline(
    segment: &ExportSegment,
    inside: &[&Event],
    convention: &Convention,
    lang: Lang,
) -> (Zeroizing<String>, Vec<(usize, Ms)>) {
    let runs: Vec<&[Token]> = runs(&segment.tokens).collect();
    let starts: Vec<Option<Ms>> = runs
        .iter()
        .map(|run| {
            run.iter().find_map(|t| match t {
                Token::Word(w) => w.span.map(|s| s.start),
                Token::Tag(_) => None,
            })
        })
        .collect();
    if starts.iter().any(Option::is_some) {
        return inline_by_time(&runs, &starts, inside, convention, lang);
    }
    let weights: Vec<usize> =
        runs.iter().map(|run| run.iter().map(|t| t.display().chars().count()).sum::<usize>() + 1).collect();
    let total_chars: usize = weights.iter().sum();
    let silent = inside.iter().fold(Ms::ZERO, |sum, e| sum.saturating_add(e.pause));
    let voiced = segment.span.len().saturating_sub(silent).0.max(1);
    let mut out = Zeroizing::new(String::with_capacity(total_chars * 2 + 16 * inside.len()));
    let mut pending = inside.iter().peekable();
    let mut silent_before = Ms::ZERO;
    let mut chars_before = 0;
    for (run, weight) in runs.iter().zip(&weights) {
        // Events whose voiced share is nearer this boundary than the next one go here.
        let boundary = (chars_before as f64 + *weight as f64 / 2.0) / total_chars as f64;
        while let Some(event) = pending.next_if(|e| {
            let voiced_before = e.at.saturating_sub(segment.span.start).saturating_sub(silent_before);
            (voiced_before.0 as f64 / voiced as f64) < boundary
        }) {
            push_word(&mut out, &event.text);
            silent_before = silent_before.saturating_add(event.pause);
        }
        push_word(&mut out, &notation(run, convention, lang));
        chars_before += weight;
    }
    for event in pending {
        push_word(&mut out, &event.text);
    }
    (out, Vec::new())
}

/// [`inline`] for words on the clock: an event goes before the first word that starts after
/// it (a word typed without a time goes with the word before it).
fn inline_by_time(
    runs: &[&[Token]],
    starts: &[Option<Ms>],
    inside: &[&Event],
    convention: &Convention,
    lang: Lang,
) -> (Zeroizing<String>, Vec<(usize, Ms)>) {
    let mut out = Zeroizing::new(String::new());
    let mut cuts = Vec::new();
    let mut pending = inside.iter().peekable();
    for (run, start) in runs.iter().zip(starts) {
        if let Some(start) = start {
            let mut marked = false;
            while let Some(event) = pending.next_if(|e| e.at < *start) {
                // A cue may begin with the pause or mark before the word.
                if !marked {
                    cuts.push((out.len() + usize::from(!out.is_empty()), event.at));
                    marked = true;
                }
                push_word(&mut out, &event.text);
            }
            if !marked {
                cuts.push((out.len() + usize::from(!out.is_empty()), *start));
            }
        }
        push_word(&mut out, &notation(run, convention, lang));
    }
    for event in pending {
        push_word(&mut out, &event.text);
    }
    (out, cuts)
}

fn push_word(out: &mut String, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

/// A run of tokens in the convention's notation: words as typed, tags as the convention writes
/// laughter, sighs, overlap and inaudible speech.
fn notation(run: &[Token], convention: &Convention, lang: Lang) -> Zeroizing<String> {
    let marks = &convention.marks;
    let mut out = Zeroizing::new(String::new());
    for token in run {
        match token {
            Token::Word(word) => out.push_str(&word.text),
            Token::Tag(tag) => out.push_str(&match tag.kind {
                TagKind::Laughter => marks.laughter.mark.get(lang).to_string(),
                TagKind::Sigh => marks.sigh.mark.get(lang).to_string(),
                TagKind::Overlap => marks.overlap.mark.get(lang).to_string(),
                TagKind::Inaudible => {
                    let (time, f4) = tag
                        .at
                        .map_or((String::new(), String::new()), |at| (at.to_string(), at.stamp('-', 1).to_string()));
                    marks.inaudible.mark.get(lang).replace("{time_f4}", &f4).replace("{time}", &time)
                }
            }),
        }
    }
    out
}

fn header(doc: &SessionDocument, convention: &Convention, lang: Lang, credits: &Credits) -> Header {
    let label = |text: Text| text.get(lang).to_string();
    let date = chrono::DateTime::parse_from_rfc3339(&doc.session.started)
        .map_or_else(|_| doc.session.started.clone(), |t| t.format("%Y-%m-%d %H:%M").to_string());
    let mut facts = vec![
        (label(labels::PROJECT), credits.project.clone()),
        (label(labels::PARTICIPANT), doc.session.participant.to_string()),
        (label(labels::SESSION), doc.session.id.to_string()),
        (label(labels::DATE), date),
        (label(labels::DURATION), doc.session.duration.to_string()),
        (label(labels::TRANSCRIBER), credits.transcriber.clone().unwrap_or_else(|| "________".into())),
        (label(labels::CONVENTION), convention.name.clone()),
    ];
    if let Some(draft) = &doc.draft {
        facts.push((label(labels::DRAFT), drafted_by(draft, lang)));
    }
    Header { title: label(labels::TITLE), facts, legend_title: label(labels::LEGEND), legend: convention.legend(lang) }
}

/// For the methods section: which model drafted the words on this computer, and how many of
/// them a person typed or corrected.
fn drafted_by(draft: &DraftInfo, lang: Lang) -> String {
    let words = draft.words_drafted + draft.words_typed;
    let sha = &draft.model_sha256[..draft.model_sha256.len().min(12)];
    match lang {
        Lang::En => format!(
            "Whisper model {} ({}; SHA-256 {sha}…), run on this computer by verbatim; {} of {words} words typed or corrected by hand",
            draft.model, draft.model_description, draft.words_typed
        ),
        Lang::Nb => format!(
            "Whisper-modellen {} ({}; SHA-256 {sha}…), kjørt på denne maskinen av verbatim; {} av {words} ord skrevet eller rettet for hånd",
            draft.model, draft.model_description, draft.words_typed
        ),
    }
}

#[cfg(test)]
mod tests;
