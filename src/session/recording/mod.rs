//! A live recording: the session folder and its lock, the capture ring and writer thread, the
//! supervised input ([`input`]) and the marker timeline ([`timeline`]), tied together.
//!
//! The screen (or the headless loop) calls [`RecordingSession::poll`] a few times a second:
//! what the input reported becomes gap markers and notices, and marker saves are checked.
//! All decisions happen here, off the audio thread.

mod input;
mod timeline;

pub use input::InputChoice;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::{AudioSource, GuideSnapshot, META_VERSION, SessionDir, SessionError, SessionMeta, SessionState};
use crate::audio::capture::{CaptureStats, InputFailure, capture_ring};
use crate::audio::device::DeviceError;
use crate::audio::file_source::FileSourceError;
use crate::audio::store::EncryptedAudioWriter;
use crate::audio::wav::{AudioSpec, SampleFormat};
use crate::audio::writer::{WriterCommand, WriterEvent, spawn_writer};
use crate::crypto::Recipient;
use crate::model::{Mark, Marker, Ms, ParticipantCode, SessionId};
use crate::project::Project;
use crate::securefs::FsError;
use crate::store::{SaverEvent, SealedError};
use input::{InputEvent, InputSupervisor, StartError};
use timeline::{MarkerId, MarkerTimeline};

/// Failures starting or ending a recording.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The session could not be created or updated.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The input file could not be opened.
    #[error(transparent)]
    Input(#[from] FileSourceError),
    /// The input device could not be opened.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// Writing the audio failed; what was written is kept for `recover`.
    #[error("recording stopped after {seconds:.1} s: {source}. The audio so far is kept in session {session}")]
    WriteFailed {
        /// The session id.
        session: SessionId,
        /// Seconds written before the failure.
        seconds: f64,
        /// The underlying failure.
        source: crate::audio::store::AudioStoreError,
    },
    /// A worker thread could not be started or ended abnormally.
    #[error("internal error: the {0} thread failed")]
    Thread(&'static str),
}

impl From<FsError> for RecordError {
    fn from(e: FsError) -> Self {
        RecordError::Session(e.into())
    }
}

/// Something the interviewer should be told about.
#[derive(Debug, Clone)]
pub enum RecordingNotice {
    /// Audio was lost; a gap marker was added.
    Gap {
        /// Where, on the audio clock.
        at: Ms,
        /// How much audio was lost.
        lost: Ms,
        /// Why.
        cause: &'static str,
    },
    /// The input stopped delivering audio; everything before is kept.
    InputLost {
        /// Where, on the audio clock.
        at: Ms,
        /// What the input supervisor saw, in words.
        why: &'static str,
    },
    /// The input is back after being lost.
    InputBack {
        /// How long it was gone.
        after: Duration,
    },
    /// The markers could not be saved (they are kept in memory and retried).
    MarkersNotSaved(Arc<SealedError>),
    /// The input is connected but has delivered no audio for a while (a cable, a mute switch).
    NoAudio {
        /// For how long, in seconds.
        seconds: u64,
    },
}

/// How a recording ended.
#[derive(Debug)]
pub struct RecordingSummary {
    /// The final metadata.
    pub meta: SessionMeta,
    /// Markers saved with it.
    pub markers: usize,
    /// True if the input was lost and had not come back when recording stopped.
    pub input_lost: bool,
    /// True if nothing was recorded and the empty session was removed.
    pub discarded: bool,
}

/// Where the recording is between start and stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the first start: audio is discarded and no pause marker is due.
    Ready,
    /// Recording.
    Running,
    /// Paused since then, with its marker.
    Paused(Instant, MarkerId),
}

/// A recording in progress.
pub struct RecordingSession {
    /// Held (flock) for the whole recording; the kernel releases it if we die.
    lock: std::fs::File,
    session: SessionDir,
    meta: SessionMeta,
    recipient: Recipient,
    stats: Arc<CaptureStats>,
    commands: Sender<WriterCommand>,
    events: Receiver<WriterEvent>,
    writer: JoinHandle<()>,
    input: InputSupervisor,
    timeline: MarkerTimeline,
    phase: Phase,
    /// The gap marker of an input that is lost now.
    lost_gap: Option<MarkerId>,
}

impl RecordingSession {
    /// Starts recording `participant` from `input`, keeping a snapshot of the guide if there is one.
    ///
    /// With `held`, the input runs (the meter moves) but nothing is recorded until the first
    /// `set_paused(false)`, so setting up and the consent talk stay off the recording.
    pub fn start(
        project: &Project,
        participant: &ParticipantCode,
        input: InputChoice,
        guide: Option<GuideSnapshot>,
        held: bool,
    ) -> Result<Self, RecordError> {
        let recipient = project.participant_recipient(participant).map_err(SessionError::from)?;
        let (spec, device_label) = match &input {
            InputChoice::File(source) => {
                let spec = AudioSpec {
                    sample_rate: source.sample_rate(),
                    channels: source.channels(),
                    bits_per_sample: 16,
                    sample_format: SampleFormat::Int,
                };
                spec.validate().map_err(|e| FileSourceError { path: source.name().into(), reason: e.to_string() })?;
                (spec, format!("virtual microphone: {}", source.name()))
            }
            InputChoice::Device(device) => (device.spec(), format!("{}: {}", device.host(), device.name())),
        };
        let started = Utc::now();
        // Built in a staging folder and published before the first sample arrives: a session
        // is never visible without its metadata, its lock and an audio header.
        let staged = SessionDir::stage(project, participant, started)?;
        let meta = SessionMeta {
            version: META_VERSION,
            id: staged.id.clone(),
            participant: participant.clone(),
            started: started.with_timezone(&chrono::Local).fixed_offset(),
            ended: None,
            state: SessionState::Recording,
            source: AudioSource::Recording { device: device_label },
            audio: spec,
            frames: 0,
            dropped_frames: 0,
            guide,
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
        // Held before the input starts, so not a single frame slips in before the first start.
        stats.paused.store(held, Ordering::Release);
        let (sink, ring) = capture_ring(spec.sample_rate, spec.channels, stats.clone());
        let (commands, command_rx) = mpsc::channel();
        let (event_tx, events) = mpsc::channel();
        let writer = spawn_writer(ring, writer, command_rx, event_tx).map_err(|_| RecordError::Thread("writer"))?;
        let timeline = MarkerTimeline::start(session.path.clone(), recipient.clone())
            .map_err(|_| RecordError::Thread("marker"))?;
        let input = match InputSupervisor::start(input, sink, stats.clone(), spec, commands.clone()) {
            Ok(input) => input,
            Err(e) => {
                // Nothing was recorded: stop the workers and remove the empty session, so an
                // input that would not start leaves no trace to confuse anyone later.
                let _ = commands.send(WriterCommand::Finish);
                let _ = events.recv();
                let _ = timeline.finish();
                drop(lock);
                session.discard();
                return Err(match e {
                    StartError::Device(e) => e.into(),
                    StartError::Thread => RecordError::Thread("input"),
                });
            }
        };
        let mut meta = meta;
        // The audio starts now, not when the folder was made: markers are compared with this
        // instant, and creating the files (with fsyncs) can take tens of milliseconds.
        meta.started = Utc::now().with_timezone(&chrono::Local).fixed_offset();
        Ok(Self {
            lock,
            session,
            meta,
            recipient,
            stats,
            commands,
            events,
            writer,
            input,
            timeline,
            phase: if held { Phase::Ready } else { Phase::Running },
            lost_gap: None,
        })
    }

    /// The session id.
    pub fn id(&self) -> &SessionId {
        &self.session.id
    }

    /// The participant's code.
    pub fn participant(&self) -> &ParticipantCode {
        &self.meta.participant
    }

    /// The session folder.
    pub(crate) fn dir(&self) -> &std::path::Path {
        &self.session.path
    }

    /// The stored audio layout.
    pub fn spec(&self) -> AudioSpec {
        self.meta.audio
    }

    /// Where the input comes from, as stored in the metadata.
    pub fn source_label(&self) -> &str {
        match &self.meta.source {
            AudioSource::Recording { device } => device,
            AudioSource::Import { file_name, .. } => file_name,
        }
    }

    /// Live counters (frames, peak, drops).
    pub fn stats(&self) -> &CaptureStats {
        &self.stats
    }

    /// The audio clock: frames recorded so far, interpolated since the last block.
    pub(crate) fn clock_frames(&self) -> u64 {
        self.stats.clock_frames(self.meta.audio.sample_rate)
    }

    /// True once the input has no more audio (end of a virtual microphone's file).
    pub fn input_ended(&self) -> bool {
        self.input.ended()
    }

    /// Why the input is not delivering audio now, if it is not.
    pub(crate) fn input_lost(&self) -> Option<InputFailure> {
        self.input.lost()
    }

    /// True if the writer thread has stopped early (a write failed); `finish` reports why.
    pub fn writer_stopped(&self) -> bool {
        self.writer.is_finished()
    }

    /// The markers so far, oldest first.
    pub(crate) fn markers(&self) -> &[Marker] {
        self.timeline.markers()
    }

    /// A marker of `mark` at the current audio position (not yet added).
    pub(crate) fn marker_now(&self, mark: Mark) -> Marker {
        Marker::at(mark, self.clock_frames(), self.meta.audio.sample_rate)
    }

    /// Adds a marker and queues the log to be saved.
    pub(crate) fn add_marker(&mut self, marker: Marker) {
        self.timeline.add(marker);
    }

    /// Removes the newest marker the interviewer made (pauses and gaps are facts, not choices).
    pub(crate) fn undo_marker(&mut self) -> Option<Marker> {
        self.timeline.undo()
    }

    /// True while waiting for the first start (nothing is being recorded yet).
    pub(crate) fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// True while paused, or waiting for the first start.
    pub(crate) fn is_paused(&self) -> bool {
        self.phase != Phase::Running
    }

    /// Pauses (audio is discarded, not recorded) or resumes, with a marker on the audio timeline.
    pub(crate) fn set_paused(&mut self, pause: bool) {
        match (pause, self.phase) {
            (false, Phase::Ready) => {
                self.phase = Phase::Running;
                self.stats.paused.store(false, Ordering::Release);
            }
            (true, Phase::Running) => {
                self.stats.paused.store(true, Ordering::Release);
                let id = self.timeline.add(self.marker_now(Mark::Paused { wall: None }));
                self.phase = Phase::Paused(Instant::now(), id);
            }
            (false, Phase::Paused(since, id)) => {
                self.stats.paused.store(false, Ordering::Release);
                self.timeline.close(id, Ms::from_duration(since.elapsed()));
                self.phase = Phase::Running;
            }
            _ => {}
        }
    }

    /// Turns what the input reported into markers and notices.
    pub fn poll(&mut self) -> Vec<RecordingNotice> {
        let mut notices = Vec::new();
        for event in self.input.poll(self.is_paused()) {
            match event {
                InputEvent::Dropped { lost, cause } => {
                    let marker = self.marker_now(Mark::Gap { lost: Some(lost), cause: cause.into() });
                    notices.push(RecordingNotice::Gap { at: marker.at, lost, cause });
                    self.timeline.add(marker);
                }
                InputEvent::Lost { why } => {
                    let rate = self.meta.audio.sample_rate;
                    let marker = Marker::at(
                        Mark::Gap { lost: None, cause: format!("input lost: {why}") },
                        self.stats.frames(),
                        rate,
                    );
                    notices.push(RecordingNotice::InputLost { at: marker.at, why });
                    self.lost_gap = Some(self.timeline.add(marker));
                }
                InputEvent::Back { after } => {
                    if let Some(id) = self.lost_gap.take() {
                        self.timeline.close(id, Ms::from_duration(after));
                    }
                    notices.push(RecordingNotice::InputBack { after });
                }
                InputEvent::Silent { seconds } => notices.push(RecordingNotice::NoAudio { seconds }),
            }
        }
        while let Some(event) = self.timeline.poll() {
            if let SaverEvent::Failed(why) = event {
                notices.push(RecordingNotice::MarkersNotSaved(why));
            }
        }
        notices
    }

    /// Stops the input, drains the ring, finalises the file, the metadata and the markers.
    pub fn finish(mut self) -> Result<RecordingSummary, RecordError> {
        // An open pause is closed on the timeline, but the input stays held: unpausing here let
        // the last milliseconds of a pause (or of the talk before the first start) into the
        // recording before the input stopped.
        if let Phase::Paused(since, id) = self.phase {
            self.timeline.close(id, Ms::from_duration(since.elapsed()));
        }
        let input_lost = self.input_lost().is_some();
        let input_result = self.input.stop().map_err(|_| RecordError::Thread("input"))?;
        let _ = self.commands.send(WriterCommand::Finish);
        let event = self.events.recv().map_err(|_| RecordError::Thread("writer"))?;
        self.writer.join().map_err(|_| RecordError::Thread("writer"))?;
        self.meta.dropped_frames = self.stats.dropped_frames();
        let (log, saved) = self.timeline.finish();
        let markers = log.markers.len();
        match event {
            WriterEvent::Finished { frames: 0 } if markers == 0 => {
                // Stopped before anything was recorded (still at "ready"): keep no empty session.
                drop(self.lock);
                self.session.discard();
                input_result?;
                Ok(RecordingSummary { meta: self.meta, markers, input_lost, discarded: true })
            }
            WriterEvent::Finished { frames } => {
                self.meta.frames = frames;
                self.meta.state = SessionState::Complete;
                self.meta.ended = Some(Utc::now().with_timezone(&chrono::Local).fixed_offset());
                self.session.write_meta(&self.recipient, &self.meta)?;
                if let Some(SaverEvent::Failed(_)) = saved {
                    // One last try on this thread, so the error (disk full…) is reported, not lost.
                    let path = self.session.path.join(super::markers::MARKERS_FILE);
                    crate::store::write(&path, &self.recipient, &log).map_err(SessionError::from)?;
                }
                let _ = std::fs::remove_file(self.session.lock_path());
                input_result?;
                Ok(RecordingSummary { meta: self.meta, markers, input_lost, discarded: false })
            }
            WriterEvent::Failed { frames, error } => Err(RecordError::WriteFailed {
                session: self.session.id.clone(),
                seconds: frames as f64 / f64::from(self.meta.audio.sample_rate),
                source: error,
            }),
        }
    }
}
