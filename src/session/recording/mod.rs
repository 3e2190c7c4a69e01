//! A live recording: session folder, capture ring, writer thread, input and markers, tied together.
//!
//! The screen (or the headless loop) calls [`RecordingSession::poll`] a few times a second. It
//! turns counters the audio side raised into gap markers, notices a lost input and tries to
//! reconnect it, and reports marker saves. All decisions happen here, off the audio thread.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;

mod reconnect;

pub use reconnect::FlowWatch;

use super::markers::{Marker, MarkerKind, MarkerLog, MarkerSaver, SaverEvent};
use super::{AudioSource, GuideSnapshot, META_VERSION, SessionDir, SessionError, SessionMeta, SessionState};
use crate::audio::capture::{CaptureStats, InputFailure, capture_ring};
use crate::audio::device::{DeviceError, InputDevice, LiveInput};
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
    /// The input file could not be opened.
    #[error(transparent)]
    Input(#[from] FileSourceError),
    /// The input device could not be opened.
    #[error(transparent)]
    Device(#[from] DeviceError),
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

/// What feeds a recording.
pub enum InputChoice {
    /// A WAV played in real time: the virtual microphone.
    File(FileSource),
    /// A live device through cpal.
    Device(Box<InputDevice>),
}

/// Something the interviewer should be told about.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordingNotice {
    /// Audio was lost; a gap marker was added.
    Gap {
        /// Where, in ms of the recording.
        at_ms: u64,
        /// How much audio was lost, in ms.
        lost_ms: u64,
        /// Why.
        cause: &'static str,
    },
    /// The input stopped delivering audio; everything before is kept.
    InputLost {
        /// Where, in ms of the recording.
        at_ms: u64,
        /// Why.
        why: &'static str,
    },
    /// The input is back after being lost.
    InputBack {
        /// How long it was gone.
        after: Duration,
    },
    /// The markers could not be saved (they are kept in memory and retried).
    MarkersNotSaved(String),
    /// The input is connected but has delivered no audio for a while (a cable, a mute switch).
    NoAudio {
        /// For how long, in seconds.
        seconds: u64,
    },
}

enum Input {
    File { stop: Arc<AtomicBool>, ended: Arc<AtomicBool>, thread: JoinHandle<Result<(), FileSourceError>> },
    Device { device: Box<InputDevice>, live: Option<LiveInput>, lost: Option<LostInput> },
}

struct LostInput {
    since: Instant,
    last_try: Instant,
    marker: usize,
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
    input: Input,
    markers: MarkerLog,
    saver: MarkerSaver,
    seen_overflow: u64,
    seen_xrun_frames: u64,
    seen_xruns: u64,
    flow: FlowWatch,
    paused: Option<(Instant, usize)>,
    /// Waiting for the first start: audio is discarded and no pause marker is due.
    idle: bool,
}

impl RecordingSession {
    /// Starts recording `participant` from a WAV file played in real time (a virtual microphone).
    pub fn start_from_file(project: &Project, participant: &str, input: &Path) -> Result<Self, RecordError> {
        Self::start(project, participant, InputChoice::File(FileSource::open(input)?), None, false)
    }

    /// Starts recording `participant` from `input`, keeping a snapshot of the guide if there is one.
    ///
    /// With `held`, the input runs (the meter moves) but nothing is recorded until the first
    /// `set_paused(false)`, so setting up and the consent talk stay off the recording.
    pub fn start(
        project: &Project,
        participant: &str,
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
            participant: participant.into(),
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
        let saver =
            MarkerSaver::spawn(session.path.clone(), recipient.clone()).map_err(|_| RecordError::Thread("marker"))?;
        let input = match input {
            InputChoice::File(source) => {
                let stop = Arc::new(AtomicBool::new(false));
                let ended = Arc::new(AtomicBool::new(false));
                let thread =
                    source.spawn(sink, stop.clone(), ended.clone()).map_err(|_| RecordError::Thread("input"))?;
                Input::File { stop, ended, thread }
            }
            InputChoice::Device(device) => match device.start(sink) {
                Ok(live) => Input::Device { device, live: Some(live), lost: None },
                Err(e) => {
                    // Nothing was recorded: stop the workers and remove the empty session, so
                    // a device that would not start leaves no trace to confuse anyone later.
                    let _ = commands.send(WriterCommand::Finish);
                    let _ = events.recv();
                    let _ = saver.finish();
                    drop(lock);
                    session.discard();
                    return Err(e.into());
                }
            },
        };
        let mut meta = meta;
        // The audio starts now, not when the folder was made: markers are compared with this
        // instant, and creating the files (with fsyncs) can take tens of milliseconds.
        meta.started = Utc::now().with_timezone(&chrono::Local).fixed_offset();
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
            input,
            markers: MarkerLog::new(),
            saver,
            seen_overflow: 0,
            seen_xrun_frames: 0,
            seen_xruns: 0,
            flow: FlowWatch::new(Instant::now()),
            paused: None,
            idle: held,
        })
    }

    /// The session id.
    pub fn id(&self) -> &str {
        &self.session.id
    }

    /// The session folder.
    pub fn dir(&self) -> &Path {
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

    /// The audio clock: frames recorded so far.
    pub fn frames(&self) -> u64 {
        self.stats.frames()
    }

    /// True once the input has no more audio (end of a virtual microphone's file).
    pub fn input_ended(&self) -> bool {
        match &self.input {
            Input::File { ended, .. } => ended.load(Ordering::Acquire),
            Input::Device { .. } => false,
        }
    }

    /// Why the input is not delivering audio now, if it is not.
    pub fn input_lost(&self) -> Option<InputFailure> {
        match &self.input {
            Input::Device { lost: Some(_), .. } => Some(self.stats.input_failure().unwrap_or(InputFailure::DeviceGone)),
            _ => None,
        }
    }

    /// True if the writer thread has stopped early (a write failed); `finish` reports why.
    pub fn writer_stopped(&self) -> bool {
        self.writer.is_finished()
    }

    /// The markers so far, oldest first.
    pub fn markers(&self) -> &[Marker] {
        &self.markers.markers
    }

    /// A marker of `kind` at the current audio position (not yet added).
    pub fn marker_now(&self, kind: MarkerKind) -> Marker {
        Marker::at(kind, self.stats.clock_frames(self.meta.audio.sample_rate), self.meta.audio.sample_rate)
    }

    /// Adds a marker and queues the log to be saved.
    pub fn add_marker(&mut self, marker: Marker) {
        self.markers.markers.push(marker);
        self.saver.save(&self.markers);
    }

    /// Removes the newest marker the interviewer made (pauses and gaps are facts, not choices).
    pub fn undo_marker(&mut self) -> Option<Marker> {
        let index =
            self.markers.markers.iter().rposition(|m| !matches!(m.kind, MarkerKind::Paused | MarkerKind::Gap))?;
        if self.paused.is_some_and(|(_, at)| at > index) {
            self.paused = self.paused.map(|(since, at)| (since, at - 1));
        }
        if let Input::Device { lost: Some(lost), .. } = &mut self.input
            && lost.marker > index
        {
            lost.marker -= 1;
        }
        let removed = self.markers.markers.remove(index);
        self.saver.save(&self.markers);
        Some(removed)
    }

    /// True while paused.
    pub fn is_paused(&self) -> bool {
        self.paused.is_some() || self.idle
    }

    /// Pauses (audio is discarded, not recorded) or resumes, with a marker on the audio timeline.
    pub fn set_paused(&mut self, pause: bool) {
        if self.idle {
            if !pause {
                self.idle = false;
                self.stats.paused.store(false, Ordering::Release);
            }
            return;
        }
        match (pause, self.paused) {
            (true, None) => {
                self.stats.paused.store(true, Ordering::Release);
                self.add_marker(self.marker_now(MarkerKind::Paused));
                self.paused = Some((Instant::now(), self.markers.markers.len() - 1));
            }
            (false, Some((since, index))) => {
                self.stats.paused.store(false, Ordering::Release);
                if let Some(marker) = self.markers.markers.get_mut(index) {
                    marker.duration_ms = Some(since.elapsed().as_millis() as u64);
                }
                self.paused = None;
                self.saver.save(&self.markers);
            }
            _ => {}
        }
    }

    /// Turns what the audio side counted into markers and notices; reconnects a lost input.
    pub fn poll(&mut self) -> Vec<RecordingNotice> {
        let mut notices = Vec::new();
        let rate = u64::from(self.meta.audio.sample_rate.max(1));
        let overflow = self.stats.overflow_frames.load(Ordering::Relaxed);
        if overflow > self.seen_overflow {
            let lost_ms = (overflow - self.seen_overflow) * 1000 / rate;
            self.seen_overflow = overflow;
            notices.push(self.gap(lost_ms, "the disk was too slow and the buffer overflowed"));
        }
        let xrun_frames = self.stats.xrun_frames.load(Ordering::Relaxed);
        let xruns = self.stats.xruns.load(Ordering::Relaxed);
        if xruns > self.seen_xruns || xrun_frames > self.seen_xrun_frames {
            let lost_ms = xrun_frames.saturating_sub(self.seen_xrun_frames) * 1000 / rate;
            (self.seen_xruns, self.seen_xrun_frames) = (xruns, xrun_frames);
            notices.push(self.gap(lost_ms, "the audio device over-ran"));
        }
        self.watch_input(&mut notices);
        self.watch_flow(&mut notices);
        while let Some(event) = self.saver.poll() {
            if let SaverEvent::Failed(why) = event {
                notices.push(RecordingNotice::MarkersNotSaved(why));
            }
        }
        notices
    }

    /// Some devices stop delivering without reporting an error (a loose cable, a USB hub);
    /// the interviewer must hear about it within seconds, not at the end of the interview.
    fn watch_flow(&mut self, notices: &mut Vec<RecordingNotice>) {
        let waiting = self.is_paused() || self.input_lost().is_some() || matches!(self.input, Input::File { .. });
        if let Some(seconds) = self.flow.check(self.frames(), waiting, Instant::now()) {
            notices.push(RecordingNotice::NoAudio { seconds });
        }
    }

    fn gap(&mut self, lost_ms: u64, cause: &'static str) -> RecordingNotice {
        let mut marker = self.marker_now(MarkerKind::Gap);
        marker.duration_ms = Some(lost_ms);
        marker.note = Some(cause.into());
        let at_ms = marker.at_ms;
        self.add_marker(marker);
        RecordingNotice::Gap { at_ms, lost_ms, cause }
    }

    /// Stops the input, drains the ring, finalises the file, the metadata and the markers.
    pub fn finish(mut self) -> Result<RecordingSummary, RecordError> {
        if self.paused.is_some() {
            self.set_paused(false);
        }
        let input_lost = self.input_lost().is_some();
        let input_result = match self.input {
            Input::File { stop, thread, .. } => {
                stop.store(true, Ordering::Release);
                thread.join().map_err(|_| RecordError::Thread("input"))?
            }
            Input::Device { live, .. } => {
                drop(live);
                Ok(())
            }
        };
        let _ = self.commands.send(WriterCommand::Finish);
        let event = self.events.recv().map_err(|_| RecordError::Thread("writer"))?;
        self.writer.join().map_err(|_| RecordError::Thread("writer"))?;
        self.meta.dropped_frames = self.stats.dropped_frames();
        let markers = self.markers.markers.len();
        let saved = self.saver.finish();
        match event {
            WriterEvent::Finished { frames: 0 } if markers == 0 => {
                // Stopped before anything was recorded (still at "ready"): keep no empty session.
                let _lock = self._lock;
                self.session.discard();
                input_result?;
                Ok(RecordingSummary { meta: self.meta, markers, input_lost, discarded: true })
            }
            WriterEvent::Finished { frames } => {
                self.meta.frames = frames;
                self.meta.state = SessionState::Complete;
                self.meta.ended = Some(Utc::now().with_timezone(&chrono::Local).fixed_offset());
                self.session.write_meta(&self.recipient, &self.meta)?;
                if let Some(SaverEvent::Failed(why)) = saved {
                    // One last try on this thread, so the error (disk full…) is reported, not lost.
                    super::write_sealed_json(
                        &self.session.path.join(super::markers::MARKERS_FILE),
                        &self.recipient,
                        &self.markers,
                    )
                    .map_err(|_| SessionError::BadMeta { path: self.session.path.clone(), reason: why })?;
                }
                let _ = std::fs::remove_file(self.session.lock_path());
                input_result?;
                Ok(RecordingSummary { meta: self.meta, markers, input_lost, discarded: false })
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

impl From<FsError> for RecordError {
    fn from(e: FsError) -> Self {
        RecordError::Session(e.into())
    }
}
