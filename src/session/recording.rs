//! A live recording: session folder, capture ring, writer thread and input, tied together.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use chrono::Utc;

use super::{AudioSource, META_VERSION, SessionDir, SessionError, SessionMeta, SessionState};
use crate::audio::capture::{CaptureStats, capture_ring};
use crate::audio::file_source::{FileSource, FileSourceError};
use crate::audio::store::EncryptedAudioWriter;
use crate::audio::wav::{AudioSpec, SampleFormat};
use crate::audio::writer::{WriterCommand, WriterEvent, spawn_writer};
use crate::crypto::Recipient;
use crate::project::Project;
use crate::securefs::FsError;

/// Failures starting or ending a recording.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The session could not be created or updated.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The input could not be opened.
    #[error(transparent)]
    Input(#[from] FileSourceError),
    /// Writing the audio failed; what was written is kept for `recover`.
    #[error(
        "recording stopped after {seconds:.1} s: {source}. The audio so far is kept; run `verbatim recover {} {session}` once the problem is fixed.",
        project.display()
    )]
    WriteFailed {
        /// The project folder.
        project: std::path::PathBuf,
        /// The session id.
        session: String,
        /// Seconds written before the failure.
        seconds: f64,
        /// The underlying failure.
        source: crate::audio::store::AudioStoreError,
    },
    /// A worker thread could not be started or ended abnormally.
    #[error("internal error: the {0} thread failed")]
    Thread(&'static str),
}

/// The input feeding a recording.
struct FileInput {
    stop: Arc<AtomicBool>,
    ended: Arc<AtomicBool>,
    thread: JoinHandle<Result<(), FileSourceError>>,
}

/// A recording in progress.
pub struct RecordingSession {
    project_root: std::path::PathBuf,
    /// Held (flock) for the whole recording; the kernel releases it if we die.
    _lock: std::fs::File,
    session: SessionDir,
    meta: SessionMeta,
    recipient: Recipient,
    stats: Arc<CaptureStats>,
    commands: Sender<WriterCommand>,
    events: Receiver<WriterEvent>,
    writer: JoinHandle<()>,
    input: FileInput,
}

impl RecordingSession {
    /// Starts recording `participant` from a WAV file played in real time (a virtual microphone).
    pub fn start_from_file(project: &Project, participant: &str, input: &Path) -> Result<Self, RecordError> {
        let recipient = project.participant_recipient(participant).map_err(SessionError::from)?;
        let source = FileSource::open(input)?;
        let spec = AudioSpec {
            sample_rate: source.sample_rate(),
            channels: source.channels(),
            bits_per_sample: 16,
            sample_format: SampleFormat::Int,
        };
        spec.validate().map_err(|e| FileSourceError { path: input.into(), reason: e.to_string() })?;
        let started = Utc::now();
        // Built in a staging folder and published before the first sample arrives: a session
        // is never visible without its metadata, its lock and an audio header.
        let staged = SessionDir::stage(project, participant, started)?;
        let meta = SessionMeta {
            version: META_VERSION,
            id: staged.id.clone(),
            participant: participant.into(),
            started: started.with_timezone(&chrono::Local).fixed_offset(),
            ended: None,
            state: SessionState::Recording,
            source: AudioSource::Recording { device: format!("virtual microphone: {}", file_name(input)) },
            audio: spec,
            frames: 0,
            dropped_frames: 0,
            guide: None,
            recovery: None,
        };
        let prepared = (|| {
            staged.write_meta(&recipient, &meta)?;
            let lock = staged.hold_recording_lock()?;
            let writer = EncryptedAudioWriter::create(&staged.audio_path(), &recipient, spec)?;
            Ok::<_, SessionError>((lock, writer))
        })();
        let (lock, mut writer) = match prepared {
            Ok(parts) => parts,
            Err(e) => {
                staged.discard();
                return Err(e.into());
            }
        };
        let session = staged.publish()?;
        // The open file follows the rename; only the name used in messages must follow too.
        writer.set_path(&session.audio_path());
        let stats = Arc::new(CaptureStats::default());
        let (sink, ring) = capture_ring(spec.sample_rate, spec.channels, stats.clone());
        let (commands, command_rx) = mpsc::channel();
        let (event_tx, events) = mpsc::channel();
        let writer = spawn_writer(ring, writer, command_rx, event_tx).map_err(|_| RecordError::Thread("writer"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let ended = Arc::new(AtomicBool::new(false));
        let thread = source.spawn(sink, stop.clone(), ended.clone()).map_err(|_| RecordError::Thread("input"))?;
        Ok(Self {
            project_root: project.root().to_path_buf(),
            _lock: lock,
            session,
            meta,
            recipient,
            stats,
            commands,
            events,
            writer,
            input: FileInput { stop, ended, thread },
        })
    }

    /// The session id.
    pub fn id(&self) -> &str {
        &self.session.id
    }

    /// The stored audio layout.
    pub fn spec(&self) -> AudioSpec {
        self.meta.audio
    }

    /// Live counters (frames, peak, drops).
    pub fn stats(&self) -> &CaptureStats {
        &self.stats
    }

    /// True once the input has no more audio (end of a virtual microphone's file).
    pub fn input_ended(&self) -> bool {
        self.input.ended.load(Ordering::Acquire)
    }

    /// True if the writer thread has stopped early (a write failed); `finish` reports why.
    pub fn writer_stopped(&self) -> bool {
        self.writer.is_finished()
    }

    /// Stops the input, drains the ring, finalises the file and the metadata.
    pub fn finish(mut self) -> Result<SessionMeta, RecordError> {
        self.input.stop.store(true, Ordering::Release);
        let input_result = self.input.thread.join().map_err(|_| RecordError::Thread("input"))?;
        let _ = self.commands.send(WriterCommand::Finish);
        let event = self.events.recv().map_err(|_| RecordError::Thread("writer"))?;
        self.writer.join().map_err(|_| RecordError::Thread("writer"))?;
        self.meta.dropped_frames = self.stats.dropped_frames();
        match event {
            WriterEvent::Finished { frames } => {
                self.meta.frames = frames;
                self.meta.state = SessionState::Complete;
                self.meta.ended = Some(Utc::now().with_timezone(&chrono::Local).fixed_offset());
                self.session.write_meta(&self.recipient, &self.meta)?;
                let _ = std::fs::remove_file(self.session.lock_path());
                input_result?;
                Ok(self.meta)
            }
            WriterEvent::Failed { frames, error } => Err(RecordError::WriteFailed {
                project: self.project_root.clone(),
                session: self.session.id.clone(),
                seconds: frames as f64 / f64::from(self.meta.audio.sample_rate),
                source: error,
            }),
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

impl From<FsError> for RecordError {
    fn from(e: FsError) -> Self {
        RecordError::Session(e.into())
    }
}
