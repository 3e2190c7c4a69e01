//! Audio clips of marked passages: one WAV per marker, cut from the encrypted session audio,
//! with every identifying passage silenced, each with a small text file of its transcript.
//!
//! Privacy rules this module keeps:
//! - a clip never holds identifying audio: [`SessionDocument::anonymised`] spans become
//!   digital silence, rounded outward to whole frames so no partial frame survives;
//! - decrypted PCM lives only in a caller-owned, fixed-size, zeroized buffer;
//! - files are created new (0600, never replacing one), encrypted unless asked otherwise, and a
//!   file that fails half-way is removed.

use std::fs::File;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

pub(crate) use super::document::pointed_segments;
use super::document::{ExportSegment, Pause, SessionDocument};
use crate::audio::store::{AudioStoreError, EncryptedAudioReader};
use crate::audio::wav::{self, AudioSpec, SampleFormat, WavError};
use crate::crypto::{self, CryptoError, Recipient};
use crate::model::{Lang, MarkerKind, Ms, Span, Text};
use crate::securefs::{self, FsError, IoContext};

/// The longest padding accepted (10 minutes); more is surely a typo.
const MAX_PAD: Ms = Ms(600_000);

/// Failures while planning or writing clips.
#[derive(Debug, thiserror::Error)]
pub enum ClipError {
    /// `--kind` named no marker kind that clips are made of.
    #[error("unknown marker kind {given:?}; choose one of: {}", kind_list())]
    UnknownKind {
        /// What was typed.
        given: String,
    },
    /// Clips of identifying passages were asked for.
    #[error(
        "no clips are made of identifying passages: their audio is silenced in every clip, so the clip would hold \
         nothing but silence. Choose one of: {}",
        kind_list()
    )]
    IdentifyingKind,
    /// `--pad` could not be read.
    #[error("{0:?} is not a padding; write e.g. 2s, 1.5s, 500ms or 0 (at most 10 minutes)")]
    BadPad(String),
    /// The encrypted audio could not be read.
    #[error(transparent)]
    Audio(#[from] AudioStoreError),
    /// Encrypting a clip failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Creating or writing a file failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// The clip is too long for a WAV header.
    #[error("{}: {source}", path.display())]
    Wav {
        /// The clip being written.
        path: PathBuf,
        /// The header problem.
        source: WavError,
    },
    /// The audio ended before the clip did (it changed while being read).
    #[error("{}: the session audio ended at frame {at} before the clip did; run `verbatim verify` on the project", path.display())]
    ShortAudio {
        /// The clip being written.
        path: PathBuf,
        /// The frame where reading stopped.
        at: u64,
    },
}

fn kind_list() -> String {
    MarkerKind::CLIPPED.map(MarkerKind::name).join(", ")
}

/// Reads a marker kind as typed: `quote`, `follow_up` or `follow-up`, any case.
pub fn parse_kind(text: &str) -> Result<MarkerKind, ClipError> {
    match MarkerKind::from_name(text) {
        Some(MarkerKind::Identifying) => Err(ClipError::IdentifyingKind),
        Some(kind) if MarkerKind::CLIPPED.contains(&kind) => Ok(kind),
        _ => Err(ClipError::UnknownKind { given: text.to_string() }),
    }
}

/// Reads a padding: `2s`, `1.5s`, `500ms`, `0` (a bare number is seconds), at most 10 minutes.
pub fn parse_pad(text: &str) -> Result<Ms, ClipError> {
    text.parse::<Ms>().ok().filter(|pad| *pad <= MAX_PAD).ok_or_else(|| ClipError::BadPad(text.to_string()))
}

/// The stretch a marker's clip covers before padding: its segments, or the marker instant
/// itself when there are no segments (silent audio).
pub(crate) fn marker_span(segments: &[ExportSegment], at: Ms) -> Span {
    match pointed_segments(segments, at) {
        Some(range) => Span::new(segments[*range.start()].span.start, segments[*range.end()].span.end),
        None => Span::new(at, at),
    }
}

/// The frames of a clip to silence: each anonymised span overlapping `clip` (absolute frames),
/// rounded outward and cut to the clip.
pub(crate) fn redaction(anonymised: &[Pause], clip: Range<u64>, sample_rate: u32) -> Vec<Range<u64>> {
    anonymised
        .iter()
        .filter_map(|p| {
            let start = p.span.start.frame_floor(sample_rate).max(clip.start);
            let end = p.span.end.frame_ceil(sample_rate).min(clip.end);
            (start < end).then_some(start..end)
        })
        .collect()
}

/// The byte that encodes silence: 128 for 8-bit PCM (unsigned in WAV), 0 for the rest.
pub(crate) fn silence_byte(spec: &AudioSpec) -> u8 {
    if spec.sample_format == SampleFormat::Int && spec.bits_per_sample == 8 { 128 } else { 0 }
}

/// Overwrites with silence the frames of `pcm` (starting at absolute frame `first`) that fall in `ranges`.
pub(crate) fn apply_silence(pcm: &mut [u8], first: u64, ranges: &[Range<u64>], spec: &AudioSpec) {
    let align = u64::from(spec.block_align());
    let end = first + pcm.len() as u64 / align.max(1);
    for range in ranges {
        let (from, to) = (range.start.max(first), range.end.min(end));
        if from < to {
            pcm[((from - first) * align) as usize..((to - first) * align) as usize].fill(silence_byte(spec));
        }
    }
}

/// One clip to cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clip {
    /// 1-based, among this session's markers of the kind, in time order.
    pub number: usize,
    /// Where the marker is.
    pub(crate) marker: Ms,
    /// The marker's typed note.
    pub(crate) note: Option<String>,
    /// What it covers (padded and clamped).
    pub span: Span,
    /// Frames of the session audio: `start..end`.
    pub(crate) frames: Range<u64>,
    /// Frames to silence, absolute, within `frames`.
    pub(crate) silence: Vec<Range<u64>>,
}

impl Clip {
    /// Frames replaced by silence.
    pub fn silenced_frames(&self) -> u64 {
        self.silence.iter().map(|r| r.end - r.start).sum()
    }

    /// `<session>-<kind>-<nn>-<hh>h<mm>m<ss>s`, named by where the clip starts.
    pub fn file_stem(&self, session_id: &str, kind: MarkerKind) -> String {
        let s = self.span.start.0 / 1000;
        format!("{session_id}-{}-{:02}-{:02}h{:02}m{:02}s", kind.name(), self.number, s / 3600, s / 60 % 60, s % 60)
    }
}

/// One clip per marker of `kind` in `doc`, in time order, over audio of `total_frames`.
pub fn plan(doc: &SessionDocument, kind: MarkerKind, pad: Ms, sample_rate: u32, total_frames: u64) -> Vec<Clip> {
    let audio = Ms((total_frames.saturating_mul(1000)).div_ceil(u64::from(sample_rate.max(1))));
    doc.markers
        .iter()
        .filter(|m| m.kind == kind)
        .enumerate()
        .map(|(i, m)| {
            let around = marker_span(&doc.segments, m.at);
            let start_ms = around.start.saturating_sub(pad).min(audio);
            let end_ms = around.end.saturating_add(pad).min(audio).max(start_ms);
            let start = start_ms.frame_floor(sample_rate).min(total_frames);
            let end = end_ms.frame_ceil(sample_rate).min(total_frames).max(start);
            Clip {
                number: i + 1,
                marker: m.at,
                note: m.note.clone(),
                span: Span::new(start_ms, end_ms),
                silence: redaction(&doc.anonymised, start..end, sample_rate),
                frames: start..end,
            }
        })
        .collect()
}

/// The clip text file's labels, in both languages; those a transcript header has too come from it.
mod labels {
    pub(crate) use crate::export::skeleton::labels::{PARTICIPANT, SESSION};
    use crate::model::Text;
    pub(crate) const KIND: Text = Text::new("Kind", "Type");
    pub(crate) const MARKER: Text = Text::new("Marker at", "Markør ved");
    pub(crate) const CLIP: Text = Text::new("Clip", "Klipp");
    pub(crate) const NOTE: Text = Text::new("Note: ", "Notat: ");
    pub(crate) const SILENCED: Text = Text::new(
        "Identifying passages in this span are silenced in the audio.\n",
        "Identifiserende passasjer i dette tidsrommet er gjort stille i lyden.\n",
    );
    pub(crate) const TRANSCRIPT: Text = Text::new("\nTranscript:\n", "\nTranskripsjon:\n");
}

/// The text file next to a clip: session, participant, kind, span, note, and `excerpt` (the
/// transcript of the clip's span, see [`super::formats::excerpt`]), labelled in `lang`.
pub fn clip_text(doc: &SessionDocument, kind: MarkerKind, clip: &Clip, excerpt: &str, lang: Lang) -> Zeroizing<String> {
    let label = |text: Text| text.get(lang);
    let note = clip.note.as_deref().unwrap_or("");
    let capacity =
        640 + doc.session.id.as_str().len() + doc.session.participant.as_str().len() + note.len() + excerpt.len();
    let mut out = Zeroizing::new(String::with_capacity(capacity));
    out.push_str(&format!("{}: {}\n", label(labels::SESSION), doc.session.id));
    out.push_str(&format!("{}: {}\n", label(labels::PARTICIPANT), doc.session.participant));
    out.push_str(&format!("{}: {}\n", label(labels::KIND), kind.label(lang)));
    out.push_str(&format!("{}: {:.1}\n", label(labels::MARKER), clip.marker));
    out.push_str(&format!("{}: {:.1}–{:.1}\n", label(labels::CLIP), clip.span.start, clip.span.end));
    if !note.is_empty() {
        out.push_str(label(labels::NOTE));
        out.push_str(note);
        out.push('\n');
    }
    if clip.silenced_frames() > 0 {
        out.push_str(label(labels::SILENCED));
    }
    out.push_str(label(labels::TRANSCRIPT));
    out.push_str(excerpt);
    out
}

/// How clip files are stored.
#[derive(Debug, Clone, Copy)]
pub enum Sealing<'a> {
    /// age-encrypted to this recipient (the participant).
    Encrypted(&'a Recipient),
    /// Unencrypted, at the user's explicit request.
    Plaintext,
}

impl Sealing<'_> {
    /// `.wav.age` / `.wav` for audio, `.txt.age` / `.txt` for text.
    pub fn file_name(self, stem: &str, extension: &str) -> String {
        match self {
            Sealing::Encrypted(_) => format!("{stem}.{extension}.age"),
            Sealing::Plaintext => format!("{stem}.{extension}"),
        }
    }
}

/// Creates `path` (it must not exist), lets `body` write the plaintext, and seals and syncs
/// it; on any failure the partial file is removed.
fn write_file(
    path: &Path,
    sealing: Sealing<'_>,
    body: impl FnOnce(&mut dyn Write) -> Result<(), ClipError>,
) -> Result<(), ClipError> {
    let file = securefs::create_new(path)?;
    let result = match sealing {
        Sealing::Encrypted(recipient) => (|| {
            let mut stream = crypto::recipients_writer(&[recipient], file, path)?;
            body(&mut stream)?;
            let file: File = stream.finish().at(path, "finishing the encrypted file")?;
            Ok(file.sync_all().at(path, "syncing")?)
        })(),
        Sealing::Plaintext => (|| {
            let mut file = file;
            body(&mut file)?;
            Ok(file.sync_all().at(path, "syncing")?)
        })(),
    };
    if result.is_err() {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// Writes a clip's text file.
pub fn write_text(path: &Path, sealing: Sealing<'_>, text: &str) -> Result<(), ClipError> {
    write_file(path, sealing, |w| Ok(w.write_all(text.as_bytes()).at(path, "writing")?))
}

/// A zeroized PCM buffer for [`write_clip`]: 16,384 frames of `spec`, allocated once.
pub fn pcm_buffer(spec: &AudioSpec) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(vec![0u8; usize::from(spec.block_align().max(1)) * 16_384])
}

/// Writes `clip` as a complete WAV (exact sizes) in the audio's own format, silencing its
/// redaction ranges. `buf` is the caller's zeroized PCM buffer, reused from clip to clip.
pub fn write_clip(
    reader: &mut EncryptedAudioReader,
    clip: &Clip,
    path: &Path,
    sealing: Sealing<'_>,
    buf: &mut Zeroizing<Vec<u8>>,
) -> Result<(), ClipError> {
    let spec = reader.spec();
    let align = usize::from(spec.block_align());
    let data_len = (clip.frames.end - clip.frames.start) * align as u64;
    let header =
        wav::header_bytes(&spec, Some(data_len)).map_err(|source| ClipError::Wav { path: path.into(), source })?;
    if buf.len() < align {
        // Replaced, not grown: growing would leave an unzeroized copy behind.
        *buf = pcm_buffer(&spec);
    }
    let per_read = buf.len() / align;
    write_file(path, sealing, |w| {
        w.write_all(&header).at(path, "writing")?;
        reader.seek_frame(clip.frames.start)?;
        let mut at = clip.frames.start;
        while at < clip.frames.end {
            let want = per_read.min(usize::try_from(clip.frames.end - at).unwrap_or(usize::MAX));
            let got = reader.read_pcm(&mut buf[..want * align])?;
            if got == 0 {
                return Err(ClipError::ShortAudio { path: path.into(), at });
            }
            let pcm = &mut buf[..got * align];
            apply_silence(pcm, at, &clip.silence, &spec);
            w.write_all(pcm).at(path, "writing")?;
            at += got as u64;
        }
        if data_len % 2 == 1 {
            // RIFF chunks are word-aligned: an odd data chunk gets one pad byte.
            w.write_all(&[0]).at(path, "writing")?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests;
