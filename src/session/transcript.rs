//! The transcript: a session's segments with their speakers and typed text, saved encrypted to
//! the participant in `transcript.json.age`, atomically, by a [`SealedSaver`] off the UI thread.
//!
//! It starts as the analysis' segments; from then on it is the transcriber's, so a later
//! re-analysis never rewrites typed work. Text is wiped from memory when a segment is dropped.

use std::path::{Path, PathBuf};

use zeroize::Zeroize;

use super::SessionError;
use super::saver::SealedSaver;
use super::store::read_sealed_json;
use crate::analysis::segments::Segment;
use crate::crypto::{Identity, Recipient};

/// File name of the encrypted transcript in a session folder.
pub const TRANSCRIPT_FILE: &str = "transcript.json.age";
/// Version of the transcript this build writes.
pub const TRANSCRIPT_VERSION: u32 = 1;
/// No segment gets shorter than this by splitting or nudging, ms.
pub const MIN_SEGMENT_MS: u64 = 100;

/// One piece of the transcript.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TranscriptSegment {
    /// Start, ms of audio.
    pub start_ms: u64,
    /// End, ms of audio.
    pub end_ms: u64,
    /// Who speaks (a label such as `I`, `P01`, `L3`, or `S2` from a live key), if known.
    #[serde(default)]
    pub speaker: Option<String>,
    /// What was said, as typed.
    #[serde(default)]
    pub text: String,
    /// Committed (Enter) at least once.
    #[serde(default)]
    pub done: bool,
    /// The transcriber marked it identifying: exports withhold its text, clips silence it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identifying: bool,
}

impl TranscriptSegment {
    /// A segment with no text yet.
    pub fn empty(start_ms: u64, end_ms: u64, speaker: Option<String>) -> Self {
        Self { start_ms, end_ms, speaker, text: String::new(), done: false, identifying: false }
    }
}

impl Drop for TranscriptSegment {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

/// Every segment of a session, in time order, never overlapping.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Transcript {
    /// Layout version.
    pub version: u32,
    /// The segments.
    pub segments: Vec<TranscriptSegment>,
}

impl Transcript {
    /// A fresh transcript with the analysis' segments and no text.
    pub fn from_segments(segments: &[Segment]) -> Self {
        let segments =
            segments.iter().map(|s| TranscriptSegment::empty(s.start_ms, s.end_ms, s.speaker.clone())).collect();
        Self { version: TRANSCRIPT_VERSION, segments }
    }

    /// The session's transcript, or `None` if nobody has started one.
    pub fn read(session_dir: &Path, identity: &Identity) -> Result<Option<Self>, SessionError> {
        match read_sealed_json(&session_dir.join(TRANSCRIPT_FILE), identity, TRANSCRIPT_VERSION) {
            Ok(transcript) => Ok(Some(transcript)),
            Err(SessionError::Missing(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The segment playing at `ms`: the one containing it, else the last one before it.
    pub fn index_at(&self, ms: u64) -> Option<usize> {
        let after = self.segments.partition_point(|s| s.start_ms <= ms);
        after.checked_sub(1).or((!self.segments.is_empty()).then_some(0))
    }

    /// Segments committed, and segments in all.
    pub fn progress(&self) -> (usize, usize) {
        (self.segments.iter().filter(|s| s.done).count(), self.segments.len())
    }

    /// Splits segment `index` at `at_ms`; the text stays with the first part. False if the
    /// cut would leave a part shorter than [`MIN_SEGMENT_MS`].
    pub fn split(&mut self, index: usize, at_ms: u64) -> bool {
        let Some(seg) = self.segments.get(index) else { return false };
        // Differences, not sums: a transcript read from disk may hold any time up to u64::MAX.
        if at_ms.saturating_sub(seg.start_ms) < MIN_SEGMENT_MS || seg.end_ms.saturating_sub(at_ms) < MIN_SEGMENT_MS {
            return false;
        }
        // Both halves of an identifying passage stay identifying.
        let mut second = TranscriptSegment::empty(at_ms, seg.end_ms, seg.speaker.clone());
        second.identifying = seg.identifying;
        self.segments[index].end_ms = at_ms;
        self.segments.insert(index + 1, second);
        true
    }

    /// Joins segment `index` with the next; texts are joined with a space, the first speaker
    /// stays. False if there is no next segment.
    pub fn merge_next(&mut self, index: usize) -> bool {
        if index + 1 >= self.segments.len() {
            return false;
        }
        let next = self.segments.remove(index + 1);
        let seg = &mut self.segments[index];
        seg.end_ms = next.end_ms;
        if !next.text.is_empty() {
            if !seg.text.is_empty() {
                seg.text.push(' ');
            }
            seg.text.push_str(&next.text);
        }
        seg.done = seg.done && next.done;
        seg.identifying |= next.identifying;
        true
    }

    /// Moves the start (`start == true`) or end of segment `index` by `delta_ms`, kept clear of
    /// its neighbours and the audio's end and never below [`MIN_SEGMENT_MS`]; returns the new
    /// boundary.
    pub fn nudge(&mut self, index: usize, start: bool, delta_ms: i64, audio_ms: u64) -> Option<u64> {
        let prev_end = index.checked_sub(1).and_then(|i| self.segments.get(i)).map_or(0, |s| s.end_ms);
        let next_start = self.segments.get(index + 1).map_or(audio_ms, |s| s.start_ms);
        let seg = self.segments.get_mut(index)?;
        let moved = |at: u64| {
            if delta_ms < 0 { at.saturating_sub(delta_ms.unsigned_abs()) } else { at.saturating_add(delta_ms as u64) }
        };
        if start {
            seg.start_ms = moved(seg.start_ms).clamp(prev_end, seg.end_ms.saturating_sub(MIN_SEGMENT_MS).max(prev_end));
            Some(seg.start_ms)
        } else {
            let shortest = seg.start_ms.saturating_add(MIN_SEGMENT_MS).min(next_start);
            seg.end_ms = moved(seg.end_ms).clamp(shortest, next_start);
            Some(seg.end_ms)
        }
    }
}

/// Saves transcript snapshots, always the newest, encrypted and atomically.
pub struct TranscriptSaver(SealedSaver<Transcript>);

impl TranscriptSaver {
    /// Starts the worker for the session folder `dir`.
    pub fn spawn(dir: PathBuf, recipient: Recipient) -> std::io::Result<Self> {
        let path = dir.join(TRANSCRIPT_FILE);
        Ok(Self(SealedSaver::spawn(path, recipient, "verbatim-transcript", |t: &Transcript| t.segments.len())?))
    }

    /// Queues a snapshot to be saved.
    pub fn save(&self, transcript: &Transcript) {
        self.0.save(transcript.clone());
    }

    /// The next report from the worker, if any.
    pub fn poll(&self) -> Option<super::saver::SaverEvent> {
        self.0.poll()
    }

    /// Waits until every queued snapshot is written and returns the last report.
    pub fn finish(self) -> Option<super::saver::SaverEvent> {
        self.0.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::generate_identity;
    use crate::session::saver::SaverEvent;

    fn transcript(bounds: &[(u64, u64)]) -> Transcript {
        let segments: Vec<Segment> =
            bounds.iter().map(|&(start_ms, end_ms)| Segment { start_ms, end_ms, speaker: Some("S1".into()) }).collect();
        Transcript::from_segments(&segments)
    }

    fn bounds(t: &Transcript) -> Vec<(u64, u64)> {
        t.segments.iter().map(|s| (s.start_ms, s.end_ms)).collect()
    }

    #[test]
    fn split_merge_and_nudge_keep_segments_in_order_and_apart() {
        let mut t = transcript(&[(0, 4_000), (5_000, 9_000)]);
        t.segments[0].text = "ja, det var".into();
        assert!(t.split(0, 2_500));
        assert_eq!(bounds(&t), [(0, 2_500), (2_500, 4_000), (5_000, 9_000)]);
        assert_eq!((t.segments[0].text.as_str(), t.segments[1].text.as_str()), ("ja, det var", ""));
        assert!(!t.split(1, 3_950), "a part under 100 ms");
        t.segments[1].text = "sånn".into();
        assert!(t.merge_next(0));
        assert_eq!(t.segments[0].text, "ja, det var sånn");
        assert!(!t.merge_next(1));
        // Nudges stop at the neighbours and the audio's end.
        assert_eq!(t.nudge(1, true, -2_000, 10_000), Some(4_000));
        assert_eq!(t.nudge(0, false, 500, 10_000), Some(4_000));
        assert_eq!(t.nudge(1, false, 5_000, 10_000), Some(10_000));
        assert_eq!(t.nudge(1, true, 9_000, 10_000), Some(9_900));
        assert_eq!(t.index_at(0), Some(0));
        assert_eq!(t.index_at(4_500), Some(0));
        assert_eq!(t.index_at(9_950), Some(1));
        assert_eq!(Transcript::from_segments(&[]).index_at(5), None);
    }

    #[test]
    fn edits_at_the_end_of_time_do_not_overflow() {
        // Found by `cargo fuzz run session_files`: a transcript read from disk with times near
        // u64::MAX made nudge (and split) add with overflow.
        let end = u64::MAX;
        let mut t = transcript(&[(0, end - 100), (end - 100, end)]);
        assert_eq!(t.nudge(1, false, 5, end), Some(end));
        assert_eq!(t.nudge(1, false, -500, end), Some(end));
        assert!(!t.split(1, end - 50), "a part under 100 ms");
        assert!(!t.split(1, end));
        assert!(t.split(0, end - 250));
        assert_eq!(bounds(&t), [(0, end - 250), (end - 250, end - 100), (end - 100, end)]);
    }

    #[test]
    fn the_saver_writes_text_encrypted_and_it_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let identity = generate_identity();
        assert_eq!(Transcript::read(dir.path(), &identity).unwrap(), None);
        let saver = TranscriptSaver::spawn(dir.path().into(), identity.to_public()).unwrap();
        let mut t = transcript(&[(0, 4_000), (5_000, 9_000)]);
        for word in ["Jeg", "jobber", "nattevakt"] {
            t.segments[1].text.push_str(word);
            saver.save(&t);
        }
        t.segments[1].done = true;
        saver.save(&t);
        assert!(matches!(saver.finish(), Some(SaverEvent::Saved(2))));
        let raw = std::fs::read(dir.path().join(TRANSCRIPT_FILE)).unwrap();
        assert!(raw.starts_with(b"age-encryption.org/v1") && !raw.windows(9).any(|w| w == b"nattevakt"));
        let back = Transcript::read(dir.path(), &identity).unwrap().unwrap();
        assert_eq!(back, t);
        assert_eq!(back.progress(), (1, 2));
    }
}
