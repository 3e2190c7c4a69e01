//! A virtual input device that plays a WAV file into the capture sink in real time.
//!
//! It exists for the demo and for tests on machines without a microphone: the audio takes the
//! same path as live capture (callback sink → ring → writer thread), at the same pace.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::capture::CaptureSink;

/// Frames per virtual callback: 10 ms at 48 kHz, a typical device period.
pub(crate) const BLOCK_MS: u32 = 10;

/// Why the virtual device cannot start.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct FileSourceError {
    /// The input file.
    pub(crate) path: PathBuf,
    /// What is wrong with it.
    pub(crate) reason: String,
}

/// Where the virtual microphone's WAV comes from.
#[derive(Clone)]
enum Origin {
    File(PathBuf),
    /// Built into the binary (the demo interview).
    Bytes(&'static [u8]),
}

type Reader = hound::WavReader<Box<dyn std::io::Read + Send>>;

impl Origin {
    fn open(&self) -> Result<Reader, FileSourceError> {
        let (input, path): (Box<dyn std::io::Read + Send>, PathBuf) = match self {
            Origin::File(path) => {
                let file = std::fs::File::open(path)
                    .map_err(|e| FileSourceError { path: path.clone(), reason: format!("cannot be opened ({e})") })?;
                (Box::new(std::io::BufReader::new(file)), path.clone())
            }
            Origin::Bytes(bytes) => (Box::new(std::io::Cursor::new(*bytes)), PathBuf::from("(built-in audio)")),
        };
        hound::WavReader::new(input).map_err(|e| FileSourceError {
            path,
            reason: format!("cannot be used as a virtual microphone ({e}); give a WAV file"),
        })
    }
}

/// An input file, opened and checked, ready to be played in real time.
pub struct FileSource {
    origin: Origin,
    path: PathBuf,
    reader: Reader,
    speed: f64,
    repeat: bool,
}

impl FileSource {
    /// Opens a WAV file (8/16/24/32-bit integer or 32-bit float).
    pub fn open(path: &Path) -> Result<Self, FileSourceError> {
        let origin = Origin::File(path.into());
        Ok(Self { reader: origin.open()?, origin, path: path.into(), speed: 1.0, repeat: false })
    }

    /// Uses a WAV built into the binary.
    pub fn from_static(name: &str, bytes: &'static [u8]) -> Result<Self, FileSourceError> {
        let origin = Origin::Bytes(bytes);
        Ok(Self { reader: origin.open()?, origin, path: name.into(), speed: 1.0, repeat: false })
    }

    /// Plays `speed` times faster than real time (for load tests; 1.0 is a real microphone's pace).
    pub fn with_speed(mut self, speed: f64) -> Self {
        self.speed = if speed.is_finite() && speed > 0.0 { speed } else { 1.0 };
        self
    }

    /// Starts again from the top at the end, until stopped (for long-running load tests).
    pub fn repeating(mut self, repeat: bool) -> Self {
        self.repeat = repeat;
        self
    }

    /// The file's name for messages and metadata.
    pub(crate) fn name(&self) -> String {
        self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    }

    /// Frames per second of the file (the virtual device's rate).
    pub(crate) fn sample_rate(&self) -> u32 {
        self.reader.spec().sample_rate
    }

    /// Channels of the file.
    pub(crate) fn channels(&self) -> u16 {
        self.reader.spec().channels
    }

    /// Starts a thread that delivers the file block by block on a real-time clock.
    ///
    /// The thread ends at the end of the file or when `stop` is set; `ended` is set then.
    pub(crate) fn spawn(
        self,
        mut sink: CaptureSink,
        stop: Arc<AtomicBool>,
        ended: Arc<AtomicBool>,
    ) -> std::io::Result<JoinHandle<Result<(), FileSourceError>>> {
        std::thread::Builder::new().name("verbatim-virtual-mic".into()).spawn(move || {
            let result = self.play(&mut sink, &stop);
            ended.store(true, Ordering::Release);
            result
        })
    }

    fn play(self, sink: &mut CaptureSink, stop: &AtomicBool) -> Result<(), FileSourceError> {
        let spec = self.reader.spec();
        let channels = usize::from(spec.channels);
        let block_frames = (spec.sample_rate * BLOCK_MS / 1000).max(1) as usize;
        let (path, origin, speed, repeat) = (self.path, self.origin, self.speed, self.repeat);
        let mut samples = samples_of(self.reader);
        let mut block = Vec::with_capacity(block_frames * channels);
        let start = Instant::now();
        let mut delivered: u64 = 0;
        while !stop.load(Ordering::Acquire) {
            block.clear();
            while block.len() < block_frames * channels {
                match samples.next() {
                    Some(Ok(v)) => block.push(v),
                    Some(Err(e)) => {
                        return Err(FileSourceError {
                            path,
                            reason: format!("unreadable after {delivered} frames ({e})"),
                        });
                    }
                    None if repeat && delivered > 0 => samples = samples_of(origin.open()?),
                    None => break,
                }
            }
            let frames = block.len() / channels;
            if frames == 0 {
                return Ok(());
            }
            // Pace by the audio clock, and deliver a block when its last frame is due, as a
            // device does once it has captured it: block n arrives at start + (n+1)·period.
            let due_frames = (delivered + frames as u64) as f64;
            let due = start + Duration::from_secs_f64(due_frames / f64::from(spec.sample_rate) / speed);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            sink.push_f32(&block[..frames * channels]);
            delivered += frames as u64;
        }
        Ok(())
    }
}

fn samples_of(reader: Reader) -> Box<dyn Iterator<Item = Result<f32, hound::Error>> + Send> {
    let spec = reader.spec();
    match spec.sample_format {
        hound::SampleFormat::Float => Box::new(reader.into_samples::<f32>()),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            Box::new(reader.into_samples::<i32>().map(move |r| r.map(|v| v as f32 * scale)))
        }
    }
}
