//! Pause, speech and segment analysis of a session's audio, streamed from the encrypted file.
//!
//! Three stages, cheapest first (see `docs/analysis.md`):
//! 1. [`energy`]: every sample once, decrypting as it goes: speech-band energy per 10 ms.
//! 2. [`detect`]: regions of sound against an adaptive noise floor, with hysteresis.
//! 3. [`vad`]: earshot's neural voice detector, only on the stretches energy cannot judge.
//!
//! Pauses are the silences between stretches of voice; [`segments`] cuts the voice into
//! pieces a transcriber can take one at a time.

pub mod cache;
pub mod detect;
pub mod energy;
pub mod pcm;
pub mod score;
pub mod segments;
pub mod vad;

use std::ops::Range;

use crate::audio::store::{AudioStoreError, EncryptedAudioReader};
use crate::audio::wav::AudioSpec;

use energy::{FRAME_MS, FrameEnergy};

/// Version of the analysis this build writes; a cache from another version is redone.
pub const ANALYSIS_VERSION: u32 = 1;
/// Shortest silence reported as a pause, in ms.
pub const MIN_PAUSE_MS: u64 = 200;
/// Shortest silence reported as a micro-pause, in ms (conventions such as Jefferson's `(.)`).
pub const MIN_MICRO_PAUSE_MS: u64 = 100;
/// earshot's score from which a frame of a short burst counts as voice. Higher than its usual
/// 0.5: on a burst heard from cold, earshot gives white noise up to 0.7, while words and laughs
/// reach 0.8-1.0 within a few frames.
const VOICE_SCORE: f32 = 0.75;
/// Frames (10 ms) at or above [`VOICE_SCORE`] that make a burst voice.
const VOICE_FRAMES: usize = 3;
/// Bursts of sound shorter than this (ms) are checked by the voice detector.
const CHECK_BURST_MS: u64 = 700;

/// A stretch of time in the recording, in milliseconds from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    /// Start, inclusive.
    pub start_ms: u64,
    /// End, exclusive.
    pub end_ms: u64,
}

impl Span {
    /// Length in milliseconds.
    pub fn len_ms(&self) -> u64 {
        self.end_ms.saturating_sub(self.start_ms)
    }
}

/// What the analysis found in one recording. Cached, encrypted, in the session folder.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Analysis {
    /// Layout and algorithm version ([`ANALYSIS_VERSION`]).
    pub version: u32,
    /// Length of the audio in ms.
    pub duration_ms: u64,
    /// Median noise floor, dB of speech-band energy relative to full scale.
    pub noise_floor_db: f32,
    /// Median speech level on the same scale.
    pub speech_level_db: f32,
    /// Stretches of voice.
    pub speech: Vec<Span>,
    /// Silences of at least [`MIN_PAUSE_MS`] between stretches of voice.
    pub pauses: Vec<Span>,
    /// Silences from [`MIN_MICRO_PAUSE_MS`] up to [`MIN_PAUSE_MS`] between stretches of voice.
    pub micro_pauses: Vec<Span>,
    /// Milliseconds of audio the neural voice detector listened to.
    pub vad_ms: u64,
}

/// Why an analysis could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The audio could not be read or decrypted.
    #[error(transparent)]
    Audio(#[from] AudioStoreError),
    /// The resampler refused the audio's rate.
    #[error(
        "cannot resample the audio to 16 kHz for the voice detector: {0}. Convert it with ffmpeg (e.g. `ffmpeg -i IN -ar 48000 OUT.wav`) and import it again"
    )]
    Resampler(String),
    /// Too low a sample rate to find speech in.
    #[error("the audio is sampled at {0} Hz, too low to find speech in (at least {MIN_RATE} Hz is needed)")]
    RateTooLow(u32),
    /// The session folder has no audio file.
    #[error("{}: missing, so there is nothing to analyse; restore it from a backup", .0.display())]
    NoAudio(std::path::PathBuf),
    /// A recorder is writing the session now.
    #[error("session {0} is being recorded now; analyse it once the recording has stopped")]
    Recording(String),
    /// The session's metadata or cache could not be read or written.
    #[error(transparent)]
    Session(#[from] crate::session::SessionError),
    /// A filesystem operation failed.
    #[error(transparent)]
    Fs(#[from] crate::securefs::FsError),
}

/// Random-access PCM: the encrypted store, or memory in tests.
pub trait PcmSource {
    /// The sample layout.
    fn spec(&self) -> AudioSpec;
    /// Total frames.
    fn frames(&self) -> u64;
    /// Moves to `frame`.
    fn seek_frame(&mut self, frame: u64) -> Result<(), AnalysisError>;
    /// Fills `buf` with whole frames; returns frames read, 0 at the end.
    fn read_pcm(&mut self, buf: &mut [u8]) -> Result<usize, AnalysisError>;
}

impl PcmSource for EncryptedAudioReader {
    fn spec(&self) -> AudioSpec {
        EncryptedAudioReader::spec(self)
    }
    fn frames(&self) -> u64 {
        EncryptedAudioReader::frames(self)
    }
    fn seek_frame(&mut self, frame: u64) -> Result<(), AnalysisError> {
        Ok(EncryptedAudioReader::seek_frame(self, frame)?)
    }
    fn read_pcm(&mut self, buf: &mut [u8]) -> Result<usize, AnalysisError> {
        Ok(EncryptedAudioReader::read_pcm(self, buf)?)
    }
}

/// Lowest sample rate analysed (telephone audio is 8 kHz).
pub const MIN_RATE: u32 = 4_000;

/// Analyses a whole source; `progress(done, total)` is called with frames read.
pub fn analyze(source: &mut dyn PcmSource, progress: &mut dyn FnMut(u64, u64)) -> Result<Analysis, AnalysisError> {
    let spec = source.spec();
    if spec.sample_rate < MIN_RATE {
        return Err(AnalysisError::RateTooLow(spec.sample_rate));
    }
    let total = source.frames();
    let frames_db = measure(source, progress)?;
    let detection = detect::detect(&frames_db);
    let mut check = vad::VoiceCheck::new(spec.sample_rate)?;
    let speech = keep_voice(source, &mut check, detection.sound)?;
    let to_span = |r: &Range<usize>| Span { start_ms: r.start as u64 * FRAME_MS, end_ms: r.end as u64 * FRAME_MS };
    let speech: Vec<Span> = speech.iter().map(to_span).collect();
    let gaps = speech.windows(2).map(|w| Span { start_ms: w[0].end_ms, end_ms: w[1].start_ms });
    let (pauses, micro_pauses) =
        gaps.filter(|g| g.len_ms() >= MIN_MICRO_PAUSE_MS).partition(|g| g.len_ms() >= MIN_PAUSE_MS);
    Ok(Analysis {
        version: ANALYSIS_VERSION,
        duration_ms: spec.frames_to_ms(total),
        noise_floor_db: detection.floor_db,
        speech_level_db: detection.level_db,
        speech,
        pauses,
        micro_pauses,
        vad_ms: check.judged_frames * FRAME_MS,
    })
}

/// Stage 1: reads every frame once and measures its speech-band energy (dB per 10 ms frame).
pub fn measure(source: &mut dyn PcmSource, progress: &mut dyn FnMut(u64, u64)) -> Result<Vec<f32>, AnalysisError> {
    let spec = source.spec();
    let total = source.frames();
    let align = usize::from(spec.block_align()).max(1);
    // A quarter second per read: large enough to be cheap, small enough to stay in cache.
    let block_frames = (spec.sample_rate as usize / 4).max(1);
    let mut bytes = zeroize::Zeroizing::new(vec![0u8; block_frames * align]);
    let mut meter = FrameEnergy::new(spec.sample_rate);
    source.seek_frame(0)?;
    let mut done = 0u64;
    loop {
        let got = source.read_pcm(&mut bytes)?;
        if got == 0 {
            break;
        }
        meter.push_pcm(spec, &bytes[..got * align]);
        done += got as u64;
        progress(done, total);
    }
    Ok(meter.finish())
}

/// Stage 3: drops short bursts of sound, standing alone between silences, that are not voice.
///
/// Sound is taken in clusters: regions closer than a pause to each other (a double knock is
/// one cluster). Only a cluster shorter than [`CHECK_BURST_MS`] can be a click, a bump or a
/// cough; longer ones are taken as voice unheard, since the detector costs more than all the
/// rest (a door or a chair scrape of 0.7 s or more is therefore kept as sound).
fn keep_voice(
    source: &mut dyn PcmSource,
    check: &mut vad::VoiceCheck,
    sound: Vec<Range<usize>>,
) -> Result<Vec<Range<usize>>, AnalysisError> {
    let burst = usize::try_from(CHECK_BURST_MS / FRAME_MS).unwrap_or(usize::MAX);
    let gap = usize::try_from(MIN_PAUSE_MS / FRAME_MS).unwrap_or(usize::MAX);
    let mut voice = Vec::with_capacity(sound.len());
    let mut first = 0;
    while first < sound.len() {
        let mut end = first + 1;
        while end < sound.len() && sound[end].start.saturating_sub(sound[end - 1].end) < gap {
            end += 1;
        }
        let cluster = sound[first].start..sound[end - 1].end;
        let is_voice = cluster.len() >= burst || {
            let scores = check.scores(source, cluster)?;
            scores.iter().filter(|&&s| s >= VOICE_SCORE).count() >= VOICE_FRAMES
        };
        if is_voice {
            voice.extend(sound[first..end].iter().cloned());
        }
        first = end;
    }
    Ok(voice)
}
