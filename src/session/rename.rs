//! Renaming a participant code (a typo, or a code scheme changed): their folder, every session
//! id and metadata, and transcript speaker labels follow. The key stays the same.
//!
//! Each step is safe to repeat, so running the same rename again after a crash finishes it.

use std::fs;

use super::transcript::{TRANSCRIPT_FILE, TRANSCRIPT_VERSION, Transcript};
use super::{SessionDir, SessionError, write_sealed_json};
use crate::project::{Keyring, ParticipantError, SESSIONS_DIR, validate_participant_id};
use crate::securefs::{self, IoContext};

/// The session id with its participant part renamed: `20261120T090000Z-P01.2` → `…-P07.2`.
fn renamed_id(id: &str, old: &str, new: &str) -> Option<String> {
    let (time, rest) = id.split_once("Z-")?;
    let (code, suffix) = rest.split_once('.').map_or((rest, None), |(c, s)| (c, Some(s)));
    (code == old).then(|| match suffix {
        Some(suffix) => format!("{time}Z-{new}.{suffix}"),
        None => format!("{time}Z-{new}"),
    })
}

/// Renames participant `old` to `new`; returns the sessions renamed (old id, new id).
pub fn rename_participant(keyring: &mut Keyring, old: &str, new: &str) -> Result<Vec<(String, String)>, SessionError> {
    validate_participant_id(new).map_err(crate::project::ProjectError::from)?;
    let project = keyring.project().clone();
    let known = project.participants()?;
    let (old_dir, new_dir) = (project.participant_dir(old), project.participant_dir(new));
    let resuming = !old_dir.exists() && new_dir.exists();
    if !resuming {
        project.require_participant(old)?;
        if known.iter().any(|k| k.eq_ignore_ascii_case(new)) {
            return Err(crate::project::ProjectError::from(ParticipantError::Exists(new.into())).into());
        }
        for session in SessionDir::list(&project)?.iter().filter(|s| s.participant == old) {
            if session.recorder_alive() {
                return Err(SessionError::BadMeta {
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
    let mut entries: Vec<String> = fs::read_dir(&sessions_dir)
        .at(&sessions_dir, "listing sessions")?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    entries.sort();
    for id in entries {
        let Some(new_id) = renamed_id(&id, old, new) else { continue };
        let session = SessionDir { id: id.clone(), participant: new.to_string(), path: sessions_dir.join(&id) };
        let mut meta = session.read_meta(&identity)?;
        meta.id = new_id.clone();
        meta.participant = new.to_string();
        session.write_meta(&recipient, &meta)?;
        if let Some(mut transcript) = Transcript::read(&session.path, &identity)? {
            for segment in &mut transcript.segments {
                if segment.speaker.as_deref() == Some(old) {
                    segment.speaker = Some(new.to_string());
                }
            }
            transcript.version = TRANSCRIPT_VERSION;
            write_sealed_json(&session.path.join(TRANSCRIPT_FILE), &recipient, &transcript)?;
        }
        securefs::rename_durable(&session.path, &sessions_dir.join(&new_id))?;
        renamed.push((id, new_id));
    }
    keyring.rename_in_exports(old, new, &renamed)?;
    Ok(renamed)
}

#[cfg(test)]
mod tests {
    use super::renamed_id;

    #[test]
    fn only_the_participant_part_of_an_id_changes() {
        assert_eq!(renamed_id("20261120T090000Z-P01", "P01", "P07").as_deref(), Some("20261120T090000Z-P07"));
        assert_eq!(renamed_id("20261120T090000Z-P01.2", "P01", "P07").as_deref(), Some("20261120T090000Z-P07.2"));
        assert_eq!(renamed_id("20261120T090000Z-P011", "P01", "P07"), None);
        assert_eq!(renamed_id("20261120T090000Z-P02", "P01", "P07"), None);
    }
}
