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
pub const BLOCK_MS: u32 = 10;

/// Why the virtual device cannot start.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct FileSourceError {
    /// The input file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

/// An input file, opened and checked, ready to be played in real time.
pub struct FileSource {
    path: PathBuf,
    reader: hound::WavReader<std::io::BufReader<std::fs::File>>,
}

impl FileSource {
    /// Opens a WAV file (8/16/24/32-bit integer or 32-bit float).
    pub fn open(path: &Path) -> Result<Self, FileSourceError> {
        let reader = hound::WavReader::open(path).map_err(|e| FileSourceError {
            path: path.into(),
            reason: format!("cannot be used as a virtual microphone ({e}); give a WAV file"),
        })?;
        Ok(Self { path: path.into(), reader })
    }

    /// Frames per second of the file (the virtual device's rate).
    pub fn sample_rate(&self) -> u32 {
        self.reader.spec().sample_rate
    }

    /// Channels of the file.
    pub fn channels(&self) -> u16 {
        self.reader.spec().channels
    }

    /// Starts a thread that delivers the file block by block on a real-time clock.
    ///
    /// The thread ends at the end of the file or when `stop` is set; `ended` is set then.
    pub fn spawn(
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
        let path = self.path;
        let mut samples: Box<dyn Iterator<Item = Result<f32, hound::Error>> + Send> = match spec.sample_format {
            hound::SampleFormat::Float => Box::new(self.reader.into_samples::<f32>()),
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
                Box::new(self.reader.into_samples::<i32>().map(move |r| r.map(|v| v as f32 * scale)))
            }
        };
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
                    None => break,
                }
            }
            let frames = block.len() / channels;
            if frames == 0 {
                return Ok(());
            }
            // Pace by the audio clock: block n is due at start + n·period, so drift cannot build.
            let due = start + Duration::from_secs_f64(delivered as f64 / f64::from(spec.sample_rate));
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            sink.push_f32(&block[..frames * channels]);
            delivered += frames as u64;
        }
        Ok(())
    }
}
