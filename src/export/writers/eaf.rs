//! ELAN Annotation Format (EAF 3.0) writer: a generic document of tiers and time-aligned
//! annotations, written to validate against MPI's `EAFv3.0.xsd`.
//!
//! Decisions a caller should know:
//! - Every annotation gets its own two time slots (no sharing between annotations), so moving
//!   a boundary in ELAN never drags an unrelated tier along. Slots are listed in time order.
//! - An annotation with `end_ms == start_ms` (a point event) is widened to 1 ms, because ELAN
//!   needs `end > start`. One that ends *before* it starts is refused with
//!   [`EafError::EndsBeforeStart`]: that is a caller bug, and guessing would hide it.
//! - Tier IDs that collide (after dropping characters XML cannot carry) get ` (2)`, ` (3)`...
//!   appended; an empty one becomes `tier`.
//! - Only the linguistic types that some tier uses are written.

use chrono::{DateTime, Datelike, FixedOffset, SecondsFormat};
use zeroize::Zeroizing;

use super::xml::{self, Sink};

/// A whole EAF file.
#[derive(Debug, Clone)]
pub struct EafDocument {
    /// When the document was made (the root's `DATE`).
    pub date: DateTime<FixedOffset>,
    /// Who made it (the root's `AUTHOR`).
    pub author: String,
    /// The audio or video the annotations are aligned to, if any.
    pub media: Option<EafMedia>,
    /// The tiers, in the order ELAN should show them.
    pub tiers: Vec<EafTier>,
}

/// The media file an EAF document is aligned to (its `MEDIA_DESCRIPTOR`).
#[derive(Debug, Clone)]
pub struct EafMedia {
    /// Absolute URL of the media, e.g. `file:///home/me/interview.wav`.
    pub url: String,
    /// MIME type, e.g. `audio/x-wav`.
    pub mime_type: String,
    /// URL relative to the EAF file, e.g. `./interview.wav`, which ELAN tries first.
    pub relative_url: Option<String>,
}

/// One tier: a row of annotations in ELAN.
#[derive(Debug, Clone)]
pub struct EafTier {
    /// The tier's name, shown in ELAN; made unique if it collides with another.
    pub id: String,
    /// Whose speech the tier holds, if it is one person's.
    pub participant: Option<String>,
    /// What the tier holds, which decides its linguistic type.
    pub kind: EafTierKind,
    /// The annotations, in any order.
    pub annotations: Vec<EafAnnotation>,
}

/// What a tier holds; each kind is written as its own `LINGUISTIC_TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EafTierKind {
    /// A speaker's transcribed speech.
    Speech,
    /// Questions from the interview guide.
    Question,
    /// Markers set during recording or review.
    Marker,
    /// Detected pauses.
    Pause,
    /// Words on the audio clock (a speech recognition draft and what was typed over it).
    Word,
}

impl EafTierKind {
    const ALL: [Self; 5] = [Self::Speech, Self::Word, Self::Question, Self::Marker, Self::Pause];

    /// The `LINGUISTIC_TYPE_ID` this kind is written as.
    pub(crate) fn linguistic_type(self) -> &'static str {
        match self {
            Self::Speech => "speech",
            Self::Question => "guide-question",
            Self::Marker => "marker",
            Self::Pause => "pause",
            Self::Word => "word",
        }
    }
}

/// One time-aligned annotation.
#[derive(Debug, Clone)]
pub struct EafAnnotation {
    /// Start, in milliseconds from the start of the media.
    pub start_ms: u64,
    /// End, in milliseconds; equal to `start_ms` for a point event (widened to 1 ms).
    pub end_ms: u64,
    /// The annotation's text.
    pub value: String,
}

/// Why an EAF document could not be written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EafError {
    /// A time is past what EAF's `xsd:unsignedInt` milliseconds can hold.
    #[error("a time of {ms} ms is past EAF's limit of {} ms (about 49 days); split the recording", u32::MAX)]
    TimeOutOfRange {
        /// The offending time.
        ms: u64,
    },
    /// An annotation ends before it starts.
    #[error(
        "annotation {annotation} on tier {tier} (counting from 0) ends at {end_ms} ms, before it starts at \
         {start_ms} ms; fix its times before exporting"
    )]
    EndsBeforeStart {
        /// Index of the tier in [`EafDocument::tiers`].
        tier: usize,
        /// Index of the annotation in [`EafTier::annotations`].
        annotation: usize,
        /// The start it has, in milliseconds.
        start_ms: u64,
        /// The end it has, before that start.
        end_ms: u64,
    },
    /// The document date cannot be written as an `xsd:dateTime` with a four-digit year.
    #[error("the document date {0} is outside the years 1 to 9999; pass the real export time")]
    DateOutOfRange(String),
}

/// Time slots of one annotation: the 1-based numbers behind `ts{n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slots {
    start: usize,
    end: usize,
}

/// Everything computed before writing: checked times, slot numbering and unique tier IDs.
struct Plan {
    date: String,
    tier_ids: Vec<Zeroizing<String>>,
    /// Per tier, per annotation: its slots and its (widened) times.
    slots: Vec<Vec<(Slots, u32, u32)>>,
    /// Time value of each slot, in slot order (`ts1` first).
    slot_times: Vec<u32>,
    annotation_count: usize,
}

/// Renders the document as EAF 3.0 XML into a buffer that is sized once and wiped when dropped.
pub fn render(doc: &EafDocument) -> Result<Zeroizing<Vec<u8>>, EafError> {
    let plan = plan(doc)?;
    Ok(xml::render_exact(|out| write(out, doc, &plan)))
}

fn plan(doc: &EafDocument) -> Result<Plan, EafError> {
    if !(1..=9999).contains(&doc.date.year()) {
        return Err(EafError::DateOutOfRange(doc.date.to_rfc3339()));
    }
    let date = doc.date.to_rfc3339_opts(SecondsFormat::AutoSi, true);

    // Check and widen times, and list every boundary so slots can be numbered in time order.
    let mut times: Vec<Vec<(u32, u32)>> = Vec::with_capacity(doc.tiers.len());
    let mut boundaries: Vec<(u32, usize, usize, bool)> = Vec::new();
    for (t, tier) in doc.tiers.iter().enumerate() {
        let mut tier_times = Vec::with_capacity(tier.annotations.len());
        for (a, ann) in tier.annotations.iter().enumerate() {
            if ann.end_ms < ann.start_ms {
                return Err(EafError::EndsBeforeStart {
                    tier: t,
                    annotation: a,
                    start_ms: ann.start_ms,
                    end_ms: ann.end_ms,
                });
            }
            let start = ms(ann.start_ms)?;
            let end = ms(ann.end_ms.max(ann.start_ms.saturating_add(1)))?;
            tier_times.push((start, end));
            boundaries.push((start, t, a, false));
            boundaries.push((end, t, a, true));
        }
        times.push(tier_times);
    }
    // Stable: equal times keep document order, and a start sorts before its own end anyway.
    boundaries.sort_by_key(|&(time, ..)| time);

    let mut slots: Vec<Vec<(Slots, u32, u32)>> =
        times.iter().map(|t| t.iter().map(|&(s, e)| (Slots { start: 0, end: 0 }, s, e)).collect()).collect();
    let mut slot_times = Vec::with_capacity(boundaries.len());
    for (number, &(time, t, a, is_end)) in boundaries.iter().enumerate() {
        slot_times.push(time);
        let entry = &mut slots[t][a].0;
        if is_end {
            entry.end = number + 1;
        } else {
            entry.start = number + 1;
        }
    }

    Ok(Plan {
        date,
        tier_ids: unique_tier_ids(doc.tiers.iter().map(|t| t.id.as_str())),
        slots,
        slot_times,
        annotation_count: boundaries.len() / 2,
    })
}

fn ms(value: u64) -> Result<u32, EafError> {
    u32::try_from(value).map_err(|_| EafError::TimeOutOfRange { ms: value })
}

/// Tier IDs after cleaning, with collisions resolved by a ` (n)` suffix.
fn unique_tier_ids<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<Zeroizing<String>> {
    let mut unique: Vec<Zeroizing<String>> = Vec::new();
    for id in ids {
        let mut base = xml::clean(id);
        if base.trim().is_empty() {
            base = Zeroizing::new("tier".to_owned());
        }
        let mut candidate = base.clone();
        let mut n = 2;
        while unique.iter().any(|u| u.as_str() == candidate.as_str()) {
            candidate = Zeroizing::new(format!("{} ({n})", base.as_str()));
            n += 1;
        }
        unique.push(candidate);
    }
    unique
}

fn write(out: &mut dyn Sink, doc: &EafDocument, plan: &Plan) {
    out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ANNOTATION_DOCUMENT AUTHOR=\"");
    xml::attr(out, &doc.author);
    out.raw("\" DATE=\"");
    xml::attr(out, &plan.date);
    out.raw(
        "\" FORMAT=\"3.0\" VERSION=\"3.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:noNamespaceSchemaLocation=\"http://www.mpi.nl/tools/elan/EAFv3.0.xsd\">\n",
    );

    out.raw("    <HEADER MEDIA_FILE=\"\" TIME_UNITS=\"milliseconds\">\n");
    if let Some(media) = &doc.media {
        out.raw("        <MEDIA_DESCRIPTOR MEDIA_URL=\"");
        xml::attr(out, &media.url);
        out.raw("\" MIME_TYPE=\"");
        xml::attr(out, &media.mime_type);
        if let Some(relative) = &media.relative_url {
            out.raw("\" RELATIVE_MEDIA_URL=\"");
            xml::attr(out, relative);
        }
        out.raw("\"/>\n");
    }
    out.raw("        <PROPERTY NAME=\"lastUsedAnnotationId\">");
    out.raw(&plan.annotation_count.to_string());
    out.raw("</PROPERTY>\n    </HEADER>\n");

    out.raw("    <TIME_ORDER>\n");
    for (i, time) in plan.slot_times.iter().enumerate() {
        out.raw(&format!("        <TIME_SLOT TIME_SLOT_ID=\"ts{}\" TIME_VALUE=\"{time}\"/>\n", i + 1));
    }
    out.raw("    </TIME_ORDER>\n");

    let mut annotation_number = 0;
    for ((tier, id), slots) in doc.tiers.iter().zip(&plan.tier_ids).zip(&plan.slots) {
        out.raw("    <TIER LINGUISTIC_TYPE_REF=\"");
        out.raw(tier.kind.linguistic_type());
        if let Some(participant) = &tier.participant {
            out.raw("\" PARTICIPANT=\"");
            xml::attr(out, participant);
        }
        out.raw("\" TIER_ID=\"");
        xml::attr(out, id);
        if tier.annotations.is_empty() {
            out.raw("\"/>\n");
            continue;
        }
        out.raw("\">\n");
        // ELAN shows annotations in time order; IDs follow that order within the tier.
        let mut order: Vec<usize> = (0..tier.annotations.len()).collect();
        order.sort_by_key(|&a| (slots[a].1, slots[a].2));
        for a in order {
            annotation_number += 1;
            let (slot, ..) = slots[a];
            out.raw(&format!(
                "        <ANNOTATION>\n            <ALIGNABLE_ANNOTATION ANNOTATION_ID=\"a{annotation_number}\" \
                 TIME_SLOT_REF1=\"ts{}\" TIME_SLOT_REF2=\"ts{}\">\n                <ANNOTATION_VALUE>",
                slot.start, slot.end
            ));
            xml::text(out, &tier.annotations[a].value);
            out.raw("</ANNOTATION_VALUE>\n            </ALIGNABLE_ANNOTATION>\n        </ANNOTATION>\n");
        }
        out.raw("    </TIER>\n");
    }

    for kind in EafTierKind::ALL {
        if doc.tiers.iter().any(|t| t.kind == kind) {
            out.raw("    <LINGUISTIC_TYPE GRAPHIC_REFERENCES=\"false\" LINGUISTIC_TYPE_ID=\"");
            out.raw(kind.linguistic_type());
            out.raw("\" TIME_ALIGNABLE=\"true\"/>\n");
        }
    }
    out.raw("</ANNOTATION_DOCUMENT>\n");
}

#[cfg(test)]
mod tests;
