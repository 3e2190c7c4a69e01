//! Renames that reach across sessions: a participant's code (a typo, or a new code scheme),
//! and a speaker's label in every transcript of the project.
//!
//! A participant rename moves their folder, every session id and metadata, and the export
//! manifest; each step is safe to repeat, so running the same rename again after a crash
//! finishes it. Transcripts name the participant as [`Speaker::Participant`], so they follow
//! without being rewritten (a version 1 transcript is rewritten once, as version 2).

use std::fs;

use super::transcript::{self, TRANSCRIPT_VERSION};
use super::{SessionDir, SessionError};
use crate::model::{ParticipantCode, SessionId, Speaker};
use crate::project::{Keyring, ParticipantError, ProjectError, SESSIONS_DIR};
use crate::securefs::{self, IoContext};
use crate::store::{self, SealedError};

/// Renames participant `old` to `new`; returns the sessions renamed (old id, new id).
pub fn rename_participant(
    keyring: &mut Keyring,
    old: &ParticipantCode,
    new: &ParticipantCode,
) -> Result<Vec<(SessionId, SessionId)>, SessionError> {
    let project = keyring.project().clone();
    let known = project.participants()?;
    let (old_dir, new_dir) = (project.participant_dir(old), project.participant_dir(new));
    let resuming = !old_dir.exists() && new_dir.exists();
    if !resuming {
        project.require_participant(old)?;
        if known.iter().any(|k| k.clashes_with(new)) {
            return Err(ProjectError::from(ParticipantError::Exists(new.clone())).into());
        }
        for session in SessionDir::list(&project)?.iter().filter(|s| s.participant == *old) {
            if session.recorder_alive() {
                return Err(SessionError::Invalid {
                    path: session.path.clone(),
                    reason:
                        "it is being recorded right now; rename once the recording has stopped (nothing was changed)"
                            .into(),
                });
            }
        }
        securefs::rename_durable(&old_dir, &new_dir)?;
    }
    let identity = keyring.participant(new)?.clone();
    let recipient = identity.to_public();
    let sessions_dir = new_dir.join(SESSIONS_DIR);
    let mut renamed = Vec::new();
    let mut entries: Vec<SessionId> = fs::read_dir(&sessions_dir)
        .at(&sessions_dir, "listing sessions")?
        .filter_map(|e| e.ok()?.file_name().to_string_lossy().parse().ok())
        .collect();
    entries.sort();
    for id in entries {
        let Some(new_id) = id.renamed(old, new) else { continue };
        let session = SessionDir { id: id.clone(), participant: new.clone(), path: sessions_dir.join(id.as_str()) };
        let mut meta = session.read_meta(&identity)?;
        meta.id = new_id.clone();
        meta.participant = new.clone();
        session.write_meta(&recipient, &meta)?;
        // A version 1 transcript names the participant by code: read it with the old code
        // while that is still its meaning, and keep it as version 2, where the participant
        // is a speaker of their own and follows any later rename.
        if transcript_version(&session, &identity)?.is_some_and(|v| v < TRANSCRIPT_VERSION)
            && let Some(t) = transcript::read(&session.path, &identity, old)?
        {
            transcript::write(&session.path, &recipient, &t)?;
        }
        securefs::rename_durable(&session.path, &sessions_dir.join(new_id.as_str()))?;
        renamed.push((id, new_id));
    }
    keyring.rename_in_exports(old, new, &renamed)?;
    Ok(renamed)
}

fn transcript_version(session: &SessionDir, identity: &crate::crypto::Identity) -> Result<Option<u32>, SealedError> {
    let path = session.path.join(transcript::TRANSCRIPT_FILE);
    match store::open(&path, identity) {
        Ok(plain) => Ok(Some(store::version(&plain, &path, TRANSCRIPT_VERSION)?)),
        Err(SealedError::Missing(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Renames the speaker labelled `from` to the label `to` in every transcript of the project
/// except `except`'s, each read and written with its own participant's key. Labels are
/// compared as each session shows them, so `P01` only ever matches in P01's sessions, and the
/// new label means in each session what it would mean typed there. Returns the segments changed.
pub fn rename_speaker(keyring: &mut Keyring, except: &SessionId, from: &str, to: &str) -> Result<usize, SessionError> {
    let project = keyring.project().clone();
    let mut renamed = 0;
    for other in SessionDir::list(&project)?.into_iter().filter(|s| s.id != *except) {
        let identity = keyring.participant(&other.participant)?.clone();
        let Some(mut transcript) = transcript::read(&other.path, &identity, &other.participant)? else { continue };
        let code = &other.participant;
        let target = Speaker::from_label(to, code);
        let mut here = 0;
        for segment in &mut transcript.segments {
            if segment.speaker.as_ref().is_some_and(|s| s.short_label(code) == from) {
                segment.speaker = Some(target.clone());
                segment.speaker_fixed = true;
                here += 1;
            }
        }
        if here > 0 {
            let recipient = project.participant_recipient(code)?;
            transcript::write(&other.path, &recipient, &transcript)?;
            renamed += here;
        }
    }
    Ok(renamed)
}
