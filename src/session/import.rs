//! Import: an existing recording encrypted into a new session.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};

use super::{AUDIO_FILE, AudioSource, META_VERSION, SessionDir, SessionError, SessionMeta, SessionState};
use crate::audio::import::{ImportError, ImportReport, ImportSource};
use crate::audio::store::EncryptedAudioWriter;
use crate::model::ParticipantCode;
use crate::project::Project;

/// Either side of an import can fail: the source file or the project.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The source file is unusable.
    #[error(transparent)]
    Source(#[from] ImportError),
    /// The project refused.
    #[error(transparent)]
    Session(#[from] SessionError),
}

/// Encrypts an existing recording into a new session of `participant`.
///
/// The source is probed before anything is written, and the session is built in a hidden
/// staging folder that only appears once complete, so a failure leaves the project unchanged.
/// `started` is when the interview took place; without it, the time of the import is used.
pub fn import_file(
    project: &Project,
    participant: &ParticipantCode,
    source_path: &Path,
    started: Option<DateTime<FixedOffset>>,
) -> Result<(SessionMeta, ImportReport), ImportFailure> {
    let recipient = project.participant_recipient(participant).map_err(SessionError::from)?;
    let source = ImportSource::open(source_path)?;
    let started = started.unwrap_or_else(|| Utc::now().with_timezone(&chrono::Local).fixed_offset());
    let staged = SessionDir::stage(project, participant, started.with_timezone(&Utc))?;
    let result = (|| {
        let spec = source.spec();
        let codec = source.codec().to_string();
        let mut writer = EncryptedAudioWriter::create(&staged.path.join(AUDIO_FILE), &recipient, spec)
            .map_err(SessionError::from)?;
        let report = source.copy_into(&mut writer)?;
        let frames = writer.finish().map_err(SessionError::from)?;
        let meta = SessionMeta {
            version: META_VERSION,
            id: staged.id.clone(),
            participant: participant.clone(),
            started,
            ended: None,
            state: SessionState::Complete,
            source: AudioSource::Import {
                file_name: source_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                codec,
            },
            audio: spec,
            frames,
            dropped_frames: 0,
            guide: None,
            recovery: None,
        };
        staged.write_meta(&recipient, &meta)?;
        Ok::<_, ImportFailure>((meta, report))
    })();
    match result {
        Ok(done) => {
            staged.publish()?;
            Ok(done)
        }
        Err(e) => {
            staged.discard();
            Err(e)
        }
    }
}
