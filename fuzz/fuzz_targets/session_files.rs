//! The decrypted JSON of a session's files, read as the library reads them (version check
//! first), then the transcript's editing operations, and an export document built from what
//! parsed, rendered in one format per input (every format over a run).
//!
//! An input holding 0xFF bytes (never in UTF-8, so never in JSON) is split there into up to
//! four files: `session.json`, `markers.json`, `transcript.json`, `analysis.json`. An input
//! without one is tried as each of them.
#![no_main]

use std::path::Path;

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use verbatim::analysis::ANALYSIS_VERSION;
use verbatim::analysis::segments::fresh_transcript;
use verbatim::export::ExportFormat;
use verbatim::export::convention::Lang;
use verbatim::model::{Ms, Transcript};
use verbatim::pipeline::{self, Pauses};
use verbatim::session::markers::{MARKERS_VERSION, MarkerLog};
use verbatim::session::{META_VERSION, SessionMeta, transcript};
use verbatim::store;
use verbatim_fuzz::{drawn_analysis, fixed_meta, guide_of, plain_convention, render};

/// Separates the files in one input.
const SEPARATOR: u8 = 0xFF;
/// Size of the encrypted audio the analysis is checked against.
const AUDIO_BYTES: u64 = 1 << 30;
/// Transcript operations per input.
const OPERATIONS: usize = 32;

fuzz_target!(|data: &[u8]| {
    let parts: Vec<&[u8]> = data.split(|&b| b == SEPARATOR).collect();
    let part = |i: usize| if parts.len() > 1 { parts.get(i).copied().unwrap_or_default() } else { data };
    let path = Path::new("fuzz.json");

    let meta = store::parse::<SessionMeta>(part(0), path, META_VERSION).ok();
    let markers = store::parse::<MarkerLog>(part(1), path, MARKERS_VERSION).ok();
    let code = meta.as_ref().map_or_else(|| fixed_meta().participant, |m| m.participant.clone());
    // Version 1 and 2 transcripts, as `Opened` reads them (version 1 is migrated on read).
    let transcript = transcript::parse(part(2), path, &code).ok();
    // The analysis cache is read at any layout, and used only at this build's version and only
    // if it fits its audio (here, up to 1 GiB of it).
    let analysis = pipeline::parse::<Pauses>(part(3), path)
        .ok()
        .flatten()
        .map(|(_, analysis)| analysis)
        .filter(|a| a.version == ANALYSIS_VERSION && a.is_plausible(AUDIO_BYTES));

    if let Some(meta) = &meta {
        // What listings and exports compute from it (`SessionDir::summary`, `export::build`).
        let _ = (meta.duration(), meta.audio.validate(), meta.audio.frames_to_ms(meta.dropped_frames));
        let _ = meta.audio.frames_in(u64::from(u32::MAX));
    }
    let mut u = Unstructured::new(data);
    if let Some(transcript) = &transcript {
        edit(transcript.clone(), &mut u);
    }
    // Rendering is slow: a document of fixed pieces only is built (segmenting the drawn
    // analysis), not rendered again and again.
    let parsed = meta.is_some() || markers.is_some() || transcript.is_some() || analysis.is_some();
    let meta = meta.unwrap_or_else(fixed_meta);
    let analysis = analysis.unwrap_or_else(|| drawn_analysis(&mut u));
    let markers = markers.map(|log| log.markers).unwrap_or_default();
    let transcript = transcript.unwrap_or_else(|| fresh_transcript(&analysis, &markers));
    let guide = guide_of(&meta);
    let document = verbatim::export::build(&meta, &analysis, &markers, &transcript, guide.as_ref().map(Option::as_ref));
    if parsed {
        // One format per input, chosen by its length, so the slow ones do not dominate.
        let lang = if data.len() % 2 == 0 { Lang::En } else { Lang::Nb };
        let format = ExportFormat::ALL[data.len() % ExportFormat::ALL.len()];
        render(&document, plain_convention(), lang, &[format]);
    }
});

/// Whether segments are in order and apart, as the transcript editor keeps them.
fn in_order(t: &Transcript) -> bool {
    t.segments.iter().all(|s| s.span.start <= s.span.end) && t.segments.windows(2).all(|w| w[0].span.end <= w[1].span.start)
}

/// Runs splits, merges, nudges and lookups at places drawn from `u`: none may panic, and a
/// transcript in order stays in order.
fn edit(mut t: Transcript, u: &mut Unstructured<'_>) {
    let _ = t.progress();
    let audio = t.segments.last().map_or(Ms::ZERO, |s| s.span.end).saturating_add(Ms(u.arbitrary::<u16>().unwrap_or(0).into()));
    let ordered = in_order(&t);
    for _ in 0..OPERATIONS {
        let index = u.int_in_range(0..=t.segments.len()).unwrap_or(0);
        // Near a boundary of the segment, where the limits are, or anywhere at all.
        let ms = match (u.arbitrary::<bool>().unwrap_or(false), t.segments.get(index)) {
            (true, Some(s)) => {
                let base = if u.arbitrary::<bool>().unwrap_or(false) { s.span.start } else { s.span.end };
                base.offset(u.arbitrary::<i16>().unwrap_or(0).into())
            }
            _ => Ms(u.arbitrary::<u64>().unwrap_or(0)),
        };
        match u.int_in_range(0..=3u8).unwrap_or(0) {
            0 => {
                if let Some(i) = t.index_at(ms) {
                    assert!(i < t.segments.len());
                }
            }
            1 => {
                let _ = t.split(index, ms);
            }
            2 => {
                let _ = t.merge_next(index);
            }
            _ => {
                let start = u.arbitrary::<bool>().unwrap_or(false);
                let delta = if u.arbitrary::<bool>().unwrap_or(false) {
                    u.arbitrary::<i64>().unwrap_or(0)
                } else {
                    u.arbitrary::<i16>().unwrap_or(0).into()
                };
                let _ = t.nudge(index, start, delta, audio);
            }
        }
        if ordered {
            assert!(in_order(&t), "an edit put the transcript out of order");
        }
    }
    let (done, all) = t.progress();
    assert!(done <= all && all == t.segments.len());
}
