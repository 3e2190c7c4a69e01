//! The transcript on disk: `transcript.json.age`, encrypted to the participant, saved
//! atomically by a worker off the UI thread.
//!
//! It starts as the analysis' segments; from then on it is the transcriber's, so a later
//! re-analysis never rewrites typed work. Version 1 (verbatim 0.1) held each segment's text as
//! one string and speakers as labels; it is read into tokens and typed speakers once, and the
//! next save writes version 2.

use std::path::{Path, PathBuf};

use crate::crypto::{Identity, Recipient};
use crate::model::transcript::SegmentV1;
use crate::model::{ParticipantCode, Segment, Transcript};
use crate::store::{self, SaverEvent, SealedError, SealedSaver};

/// File name of the encrypted transcript in a session folder.
pub(crate) const TRANSCRIPT_FILE: &str = "transcript.json.age";
/// Version of the transcript this build writes.
pub(crate) const TRANSCRIPT_VERSION: u32 = 2;

/// The file's layout.
#[derive(serde::Serialize, serde::Deserialize)]
struct TranscriptFile<S> {
    version: u32,
    segments: Vec<S>,
}

/// The session's transcript, or `None` if nobody has started one. `participant` reads the
/// labels of a version 1 file.
pub(crate) fn read(
    session_dir: &Path,
    identity: &Identity,
    participant: &ParticipantCode,
) -> Result<Option<Transcript>, SealedError> {
    let path = session_dir.join(TRANSCRIPT_FILE);
    match store::open(&path, identity) {
        Ok(plain) => parse(&plain, &path, participant).map(Some),
        Err(SealedError::Missing(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Parses a transcript's decrypted bytes of any version this build reads; `path` names it in
/// errors.
pub fn parse(plain: &[u8], path: &Path, participant: &ParticipantCode) -> Result<Transcript, SealedError> {
    Ok(match store::version(plain, path, TRANSCRIPT_VERSION)? {
        1 => Transcript::from_v1(store::decode::<TranscriptFile<SegmentV1>>(plain, path)?.segments, participant),
        _ => Transcript { segments: store::decode::<TranscriptFile<Segment>>(plain, path)?.segments },
    })
}

/// Encrypts `transcript` to `recipient` and atomically replaces the session's file.
pub fn write(session_dir: &Path, recipient: &Recipient, transcript: &Transcript) -> Result<(), SealedError> {
    store::write(&session_dir.join(TRANSCRIPT_FILE), recipient, &file(transcript))
}

fn file(transcript: &Transcript) -> TranscriptFile<&Segment> {
    TranscriptFile { version: TRANSCRIPT_VERSION, segments: transcript.segments.iter().collect() }
}

/// Saves transcript snapshots, always the newest, encrypted and atomically.
pub struct TranscriptSaver(SealedSaver<Transcript>);

impl TranscriptSaver {
    /// Starts the worker for the session folder `dir`.
    pub fn spawn(dir: PathBuf, recipient: Recipient) -> std::io::Result<Self> {
        let saver = SealedSaver::spawn(
            "verbatim-transcript",
            |t: &Transcript| t.segments.len(),
            move |t| write(&dir, &recipient, t),
        )?;
        Ok(Self(saver))
    }

    /// Queues a snapshot to be saved.
    pub fn save(&self, transcript: &Transcript) {
        self.0.save(transcript.clone());
    }

    /// The next report from the worker, if any.
    pub(crate) fn poll(&self) -> Option<SaverEvent> {
        self.0.poll()
    }

    /// Waits until every queued snapshot is written and returns the last report.
    pub fn finish(self) -> Option<SaverEvent> {
        self.0.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::generate_identity;
    use crate::model::transcript::tokens_from_text;
    use crate::model::{Span, Speaker, TagKind};

    fn p01() -> ParticipantCode {
        "P01".parse().unwrap()
    }

    #[test]
    fn the_saver_writes_text_encrypted_and_it_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let identity = generate_identity();
        assert_eq!(read(dir.path(), &identity, &p01()).unwrap(), None);
        let saver = TranscriptSaver::spawn(dir.path().into(), identity.to_public()).unwrap();
        let mut t =
            Transcript::from_pieces([(Span::ms(0, 4_000), None), (Span::ms(5_000, 9_000), Some(Speaker::Participant))]);
        let mut typed = String::new();
        for word in ["Jeg", " jobber", " nattevakt"] {
            typed.push_str(word);
            t.segments[1].retype(tokens_from_text(&typed));
            saver.save(&t);
        }
        t.segments[1].done = true;
        saver.save(&t);
        assert!(matches!(saver.finish(), Some(SaverEvent::Saved(2))));
        let raw = std::fs::read(dir.path().join(TRANSCRIPT_FILE)).unwrap();
        assert!(raw.starts_with(b"age-encryption.org/v1") && !raw.windows(9).any(|w| w == b"nattevakt"));
        let back = read(dir.path(), &identity, &p01()).unwrap().unwrap();
        assert_eq!(back, t);
        assert_eq!(back.progress(), (1, 2));
    }

    #[test]
    fn a_version_1_file_is_migrated_on_read_and_saved_as_version_2() {
        let dir = tempfile::tempdir().unwrap();
        let identity = generate_identity();
        let v1 = serde_json::json!({"version": 1, "segments": [
            {"start_ms": 0, "end_ms": 4000, "speaker": "P01", "text": "Ja [laughter] det var", "done": true}
        ]});
        store::write(&dir.path().join(TRANSCRIPT_FILE), &identity.to_public(), &v1).unwrap();
        let t = read(dir.path(), &identity, &p01()).unwrap().unwrap();
        assert_eq!(t.segments[0].speaker, Some(Speaker::Participant));
        assert!(t.segments[0].has_tag(TagKind::Laughter));
        write(dir.path(), &identity.to_public(), &t).unwrap();
        let plain = store::open(&dir.path().join(TRANSCRIPT_FILE), &identity).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&plain).unwrap();
        assert_eq!(json["version"], 2);
        assert_eq!(json["segments"][0]["tokens"][1]["tag"], "laughter");
        assert_eq!(read(dir.path(), &identity, &p01()).unwrap().unwrap(), t);
    }
}
