//! [`Opened`]: one session opened for reading, the read model every command and both screens
//! use. Each file is decrypted on first use and kept, so no command reads one twice.

use std::cell::OnceCell;

use super::markers::MarkerLog;
use super::transcript::{self, TranscriptSaver};
use super::{SessionDir, SessionError, SessionMeta};
use super::{draft, speakers};
use crate::analysis::Analysis;
use crate::analysis::segments::{self, SpeakerMark};
use crate::audio::store::EncryptedAudioReader;
use crate::crypto::{Identity, Recipient};
use crate::guide::{Guide, GuideError};
use crate::model::{Mark, Marker, ParticipantCode, SessionId, Span, Speaker, Transcript};
use crate::pipeline::{self, Draft, DraftLayer, Pauses, Provenance, SpeakerLayer, Speakers, Workspace};
use crate::project::Keyring;

/// A session with its keys, its files read lazily and once.
pub struct Opened {
    dir: SessionDir,
    identity: Identity,
    recipient: Recipient,
    meta: OnceCell<SessionMeta>,
    markers: OnceCell<Vec<Marker>>,
    guide: OnceCell<Result<Option<Guide>, GuideError>>,
    analysis: OnceCell<Analysis>,
    draft: OnceCell<Option<DraftLayer>>,
    speakers: OnceCell<Option<SpeakerLayer>>,
    transcript: OnceCell<Option<Transcript>>,
}

impl Opened {
    /// Opens the session with id `id` with the participant's key from `keyring`.
    pub fn find(keyring: &mut Keyring, id: &SessionId) -> Result<Opened, SessionError> {
        let dir = SessionDir::find(keyring.project(), id)?;
        Opened::open(keyring, dir)
    }

    /// Opens a session already found.
    pub fn open(keyring: &mut Keyring, dir: SessionDir) -> Result<Opened, SessionError> {
        let identity = keyring.participant(&dir.participant)?.clone();
        let recipient = keyring.project().participant_recipient(&dir.participant)?;
        Ok(Opened::with_keys(dir, identity, recipient))
    }

    /// Opens a session with keys in hand.
    pub(crate) fn with_keys(dir: SessionDir, identity: Identity, recipient: Recipient) -> Opened {
        Opened {
            dir,
            identity,
            recipient,
            meta: OnceCell::new(),
            markers: OnceCell::new(),
            guide: OnceCell::new(),
            analysis: OnceCell::new(),
            draft: OnceCell::new(),
            speakers: OnceCell::new(),
            transcript: OnceCell::new(),
        }
    }

    /// The session folder as the pipeline's stages read and cache into it.
    fn workspace<'a>(&'a self, audio: &'a std::path::Path) -> Workspace<'a> {
        Workspace { dir: &self.dir.path, audio, identity: &self.identity, recipient: &self.recipient }
    }

    /// The session id.
    pub fn id(&self) -> &SessionId {
        &self.dir.id
    }

    /// The participant's code.
    pub fn participant(&self) -> &ParticipantCode {
        &self.dir.participant
    }

    /// The participant's public key, which everything of the session is encrypted to.
    pub fn recipient(&self) -> &Recipient {
        &self.recipient
    }

    /// The metadata.
    pub fn meta(&self) -> Result<&SessionMeta, SessionError> {
        if let Some(meta) = self.meta.get() {
            return Ok(meta);
        }
        let meta = self.dir.read_meta(&self.identity)?;
        Ok(self.meta.get_or_init(|| meta))
    }

    /// The markers, in the order they were made.
    pub fn markers(&self) -> Result<&[Marker], SessionError> {
        if let Some(markers) = self.markers.get() {
            return Ok(markers);
        }
        let markers = MarkerLog::read(&self.dir.path, &self.identity)?.markers;
        Ok(self.markers.get_or_init(|| markers))
    }

    /// The markers in time order, each question marker holding its question's text.
    pub fn markers_in_time(&self) -> Result<Vec<Marker>, SessionError> {
        let mut markers = self.markers()?.to_vec();
        markers.sort_by_key(|m| m.at);
        if let Ok(Some(guide)) = self.guide()? {
            for marker in &mut markers {
                if let Mark::Question { question, text: text @ None } = &mut marker.mark {
                    *text = guide.question(*question).map(|q| q.text.clone());
                }
            }
        }
        Ok(markers)
    }

    /// The guide the session was recorded with, parsed from its snapshot; an error if the
    /// snapshot no longer parses (a guide from another version).
    pub(crate) fn guide(&self) -> Result<Result<Option<&Guide>, &GuideError>, SessionError> {
        if self.guide.get().is_none() {
            let snapshot = self.meta()?.guide.as_ref();
            let parsed = snapshot.map(|g| Guide::parse(&g.text, &g.file_name)).transpose();
            let _ = self.guide.set(parsed);
        }
        Ok(self.guide.get().map_or(Ok(None), |g| g.as_ref().map(Option::as_ref)))
    }

    /// The pause layer, made now (reading all the audio once) unless it is cached.
    pub fn analysis(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<&Analysis, SessionError> {
        Ok(self.analyze(false, progress)?.0)
    }

    /// The pause layer and where it came from; `force` makes it again even if cached.
    pub fn analyze(
        &self,
        force: bool,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(&Analysis, Provenance), SessionError> {
        if let Some(analysis) = self.analysis.get().filter(|_| !force) {
            return Ok((analysis, Provenance::Cached));
        }
        if self.dir.recorder_alive() {
            return Err(SessionError::Busy(self.dir.id.clone()));
        }
        let audio = self.dir.audio_path();
        let space = self.workspace(&audio);
        let (analysis, provenance) = pipeline::run(&Pauses, space, force, progress)?;
        let _ = self.analysis.set(analysis);
        let analysis = self.analysis.get().ok_or_else(|| SessionError::Busy(self.dir.id.clone()))?;
        Ok((analysis, provenance))
    }

    /// The draft layer `stage` makes (reading the pause layer it was given), cached or made now.
    pub fn draft(
        &self,
        stage: &Draft<'_>,
        force: bool,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(DraftLayer, Provenance), SessionError> {
        if self.dir.recorder_alive() {
            return Err(SessionError::Busy(self.dir.id.clone()));
        }
        let audio = self.dir.audio_path();
        let space = self.workspace(&audio);
        let made = pipeline::run(stage, space, force, progress)?;
        if made.1 == Provenance::Computed {
            pipeline::remove_partial(&self.dir.path);
        }
        Ok(made)
    }

    /// The draft made from this session's audio, if `verbatim transcribe` made one.
    pub fn cached_draft(&self) -> Result<Option<&DraftLayer>, SessionError> {
        if let Some(draft) = self.draft.get() {
            return Ok(draft.as_ref());
        }
        let audio = self.dir.audio_path();
        if !audio.exists() {
            return Ok(None);
        }
        let space = self.workspace(&audio);
        let draft = pipeline::cached_for_audio::<Draft<'_>>(space)?;
        Ok(self.draft.get_or_init(|| draft).as_ref())
    }

    /// The speaker layer `stage` makes (reading the pause layer it was given), cached or made now.
    pub fn speakers(
        &self,
        stage: &Speakers<'_>,
        force: bool,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(SpeakerLayer, Provenance), SessionError> {
        if self.dir.recorder_alive() {
            return Err(SessionError::Busy(self.dir.id.clone()));
        }
        let audio = self.dir.audio_path();
        let space = self.workspace(&audio);
        Ok(pipeline::run(stage, space, force, progress)?)
    }

    /// The speaker layer made from this session's audio, if `verbatim speakers` made one.
    pub fn cached_speakers(&self) -> Result<Option<&SpeakerLayer>, SessionError> {
        if let Some(speakers) = self.speakers.get() {
            return Ok(speakers.as_ref());
        }
        let audio = self.dir.audio_path();
        if !audio.exists() {
            return Ok(None);
        }
        let space = self.workspace(&audio);
        let speakers = pipeline::cached_for_audio::<Speakers<'_>>(space)?;
        Ok(self.speakers.get_or_init(|| speakers).as_ref())
    }

    /// The transcript, or `None` if nobody has started one.
    pub(crate) fn transcript(&self) -> Result<Option<&Transcript>, SessionError> {
        if let Some(transcript) = self.transcript.get() {
            return Ok(transcript.as_ref());
        }
        let transcript = transcript::read(&self.dir.path, &self.identity, &self.dir.participant)?;
        Ok(self.transcript.get_or_init(|| transcript).as_ref())
    }

    /// What the transcriber works on: the transcript, or a fresh one cut from the speaker layer
    /// at its changes of speaker and its pauses (without one, from the pause layer, with
    /// speakers from the live speaker keys); segments nobody has touched hold the draft's words,
    /// if there is a draft, and segments whose speaker nobody set hold the speaker layer's.
    pub fn transcript_or_segments(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<Transcript, SessionError> {
        let layer = self.cached_speakers()?;
        let mut transcript = match (self.transcript()?, layer) {
            (Some(transcript), _) => transcript.clone(),
            (None, Some(layer)) => {
                let turns: Vec<(Span, Speaker)> = layer.turns.iter().map(|t| (t.span, t.speaker.clone())).collect();
                Transcript::from_pieces(segments::segments_by_speaker(&turns))
            }
            (None, None) => {
                let speakers = SpeakerMark::from_markers(self.markers()?);
                let analysis = self.analysis(progress)?;
                Transcript::from_pieces(segments::segments(&analysis.speech, &speakers))
            }
        };
        if let Some(draft) = self.cached_draft()? {
            draft::fill(&mut transcript, draft);
        }
        if let Some(layer) = layer {
            speakers::apply(&mut transcript, layer);
        }
        Ok(transcript)
    }

    /// The audio, for reading.
    pub fn audio(&self) -> Result<EncryptedAudioReader, SessionError> {
        Ok(EncryptedAudioReader::open(&self.dir.audio_path(), &self.identity)?)
    }

    /// A worker that saves this session's transcript.
    pub fn transcript_saver(&self) -> std::io::Result<TranscriptSaver> {
        TranscriptSaver::spawn(self.dir.path.clone(), self.recipient.clone())
    }
}
