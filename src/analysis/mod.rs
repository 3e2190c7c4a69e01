//! Pause, speech and segment analysis of a session's audio, streamed from the encrypted file.
//!
//! Three stages, cheapest first (see `docs/analysis.md`):
//! 1. [`energy`]: every sample once, decrypting as it goes: speech-band energy per 10 ms.
//! 2. [`detect`]: regions of sound against an adaptive noise floor, with hysteresis, clear of
//!    the background's spread and of the room's echo ([`decay`]).
//! 3. [`vad`]: Silero's neural voice detector, only on the stretches energy cannot judge: short
//!    bursts alone between silences, and short silences between stretches of voice.
//!
//! Pauses are the silences between stretches of voice; [`segments`] cuts the voice into
//! pieces a transcriber can take one at a time.

pub(crate) mod decay;
pub mod detect;
pub mod energy;
pub mod score;
pub mod segments;
pub(crate) mod vad;

use std::ops::Range;

use crate::audio::pcm::{PcmError, PcmSource};
use crate::model::{Ms, Span};

use energy::{FRAME_MS, FrameEnergy};

/// Version of the analysis this build makes; a cached one from another version is redone.
pub const ANALYSIS_VERSION: u32 = 3;
/// Shortest silence reported as a pause.
pub(crate) const MIN_PAUSE: Ms = Ms(200);
/// Shortest silence reported as a micro-pause (conventions such as Jefferson's `(.)`).
pub(crate) const MIN_MICRO_PAUSE: Ms = Ms(100);
/// Silero's probability from which a window of a short burst is voice: its usual threshold.
/// Knocks, clicks and hiss heard from cold stay under 0.15, and real words reach 0.6-1.0.
const VOICE_SCORE: f32 = 0.5;
/// Bursts of sound shorter than this (ms) are checked by the voice detector.
const CHECK_BURST_MS: u64 = 700;
/// Silences shorter than this (ms) between stretches of voice are checked by the voice
/// detector before they count as pauses: in noise, the soft middle of a sentence sinks under
/// the floor as long as a short pause does.
const CHECK_PAUSE_MS: u64 = 600;
/// Silences this long (ms) are pauses without a doubt: the voice detector is asked about a
/// few of them first, and if it hears voices there, it hears the room (other people talking),
/// not the speakers, and is not asked about the short ones.
const SURE_PAUSE_MS: u64 = 1_500;
/// Sure pauses the voice detector is tried on...
const TRIAL_PAUSES: usize = 12;
/// ...and the fewest that tell whether it hears the room.
const MIN_TRIALS: usize = 3;

/// What the analysis found in one recording: the pause layer of the session's timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Analysis {
    /// Layout and algorithm version ([`ANALYSIS_VERSION`]).
    pub version: u32,
    /// Length of the audio.
    #[serde(rename = "duration_ms")]
    pub duration: Ms,
    /// Median noise floor, dB of speech-band energy relative to full scale.
    pub noise_floor_db: f32,
    /// Median speech level on the same scale.
    pub speech_level_db: f32,
    /// Stretches of voice.
    pub speech: Vec<Span>,
    /// Silences of at least [`MIN_PAUSE`] between stretches of voice.
    pub pauses: Vec<Span>,
    /// Silences from [`MIN_MICRO_PAUSE`] up to [`MIN_PAUSE`] between stretches of voice.
    pub micro_pauses: Vec<Span>,
    /// Audio the neural voice detector listened to.
    #[serde(rename = "vad_ms")]
    pub vad: Ms,
}

/// Why an analysis could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The audio could not be read or decrypted.
    #[error(transparent)]
    Pcm(#[from] PcmError),
    /// The voice detector could not be loaded or run.
    #[error(transparent)]
    Voice(#[from] crate::onnx::OnnxError),
    /// The resampler refused the audio's rate.
    #[error(
        "cannot resample the audio to 16 kHz for the voice detector: {0}. Convert it with ffmpeg (e.g. `ffmpeg -i IN -ar 48000 OUT.wav`) and import it again"
    )]
    Resampler(String),
    /// Too low a sample rate to find speech in.
    #[error("the audio is sampled at {0} Hz, too low to find speech in (at least {MIN_RATE} Hz is needed)")]
    RateTooLow(u32),
}

/// Lowest sample rate analysed (telephone audio is 8 kHz).
pub(crate) const MIN_RATE: u32 = 4_000;

/// Analyses a whole source; `progress(done, total)` is called with frames read.
pub fn analyze(source: &mut dyn PcmSource, progress: &mut dyn FnMut(u64, u64)) -> Result<Analysis, AnalysisError> {
    let spec = source.spec();
    if spec.sample_rate < MIN_RATE {
        return Err(AnalysisError::RateTooLow(spec.sample_rate));
    }
    let total = source.frames();
    let frames_db = measure(source, progress)?;
    let mut detection = detect::detect(&frames_db, detect::Background::Room);
    let mut check = vad::VoiceCheck::new(spec.sample_rate)?;
    let mut speech = keep_voice(source, &mut check, std::mem::take(&mut detection.sound))?;
    let mut room = room_voices(source, &mut check, &speech)?;
    // Where other people talk, the room is judged against the speakers' own level instead.
    // Their voices can fill the first reading's pauses until too few long ones are left to ask
    // about, or leave only their own quiet moments there; so the second reading's pauses are
    // asked about too. Its short bursts are judged only if it is kept: its sure pauses are as
    // sure without.
    let mut voices = detect::detect(&frames_db, detect::Background::Voices);
    if room == RoomVoices::Others || room_voices(source, &mut check, &voices.sound)? == RoomVoices::Others {
        room = RoomVoices::Others;
        speech = keep_voice(source, &mut check, std::mem::take(&mut voices.sound))?;
        detection = voices;
    }
    if room == RoomVoices::OnlySpeakers {
        speech = confirm_short_pauses(source, &mut check, speech)?;
    }
    let to_span = |r: &Range<usize>| Span::ms(r.start as u64 * FRAME_MS, r.end as u64 * FRAME_MS);
    let speech: Vec<Span> = speech.iter().map(to_span).collect();
    let gaps = speech.windows(2).map(|w| Span::new(w[0].end, w[1].start));
    let (pauses, micro_pauses) = gaps.filter(|g| g.len() >= MIN_MICRO_PAUSE).partition(|g| g.len() >= MIN_PAUSE);
    Ok(Analysis {
        version: ANALYSIS_VERSION,
        duration: spec.frames_to_ms(total),
        noise_floor_db: detection.floor_db,
        speech_level_db: detection.level_db,
        speech,
        pauses,
        micro_pauses,
        vad: Ms(check.judged_frames * FRAME_MS),
    })
}

/// Stage 1: reads every frame once and measures its speech-band energy (dB per 10 ms frame).
pub(crate) fn measure(
    source: &mut dyn PcmSource,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<f32>, AnalysisError> {
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
    let gap = usize::try_from(MIN_PAUSE.0 / FRAME_MS).unwrap_or(usize::MAX);
    let mut voice = Vec::with_capacity(sound.len());
    let mut first = 0;
    while first < sound.len() {
        let mut end = first + 1;
        while end < sound.len() && sound[end].start.saturating_sub(sound[end - 1].end) < gap {
            end += 1;
        }
        let cluster = sound[first].start..sound[end - 1].end;
        let is_voice = cluster.len() >= burst || check.scores(source, cluster)?.iter().any(|&p| p >= VOICE_SCORE);
        if is_voice {
            voice.extend(sound[first..end].iter().cloned());
        }
        first = end;
    }
    Ok(voice)
}

/// Whom the voice detector hears in the sure pauses, where nobody in the interview speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoomVoices {
    /// Too few sure pauses to tell.
    Unknown,
    /// Silence there: what it hears elsewhere is the speakers.
    OnlySpeakers,
    /// Voices there in more than a third of them: other people are talking in the room.
    Others,
}

/// Frames in `ms` milliseconds.
fn frames(ms: u64) -> usize {
    usize::try_from(ms / FRAME_MS).unwrap_or(usize::MAX)
}

/// Stage 3, second part: asks the voice detector about the middle second of up to
/// [`TRIAL_PAUSES`] evenly spread sure pauses between stretches of `speech`.
fn room_voices(
    source: &mut dyn PcmSource,
    check: &mut vad::VoiceCheck,
    speech: &[Range<usize>],
) -> Result<RoomVoices, AnalysisError> {
    let sure: Vec<Range<usize>> =
        speech.windows(2).map(|w| w[0].end..w[1].start).filter(|g| g.len() >= frames(SURE_PAUSE_MS)).collect();
    let step = sure.len().div_ceil(TRIAL_PAUSES).max(1);
    let mut heard = 0;
    let mut tried = 0;
    for gap in sure.iter().step_by(step) {
        let middle = gap.start + gap.len() / 2;
        let scores = check.scores(source, middle - frames(500)..middle + frames(500))?;
        tried += 1;
        heard += usize::from(scores.iter().any(|&p| p >= VOICE_SCORE));
    }
    Ok(if tried < MIN_TRIALS {
        RoomVoices::Unknown
    } else if heard * 3 > tried {
        RoomVoices::Others
    } else {
        RoomVoices::OnlySpeakers
    })
}

/// Stage 3, last part: joins stretches of voice across a short silence in which the voice
/// detector hears speech throughout (no window under [`VOICE_SCORE`]); only asked where it was
/// heard to hear only the speakers ([`RoomVoices::OnlySpeakers`]).
fn confirm_short_pauses(
    source: &mut dyn PcmSource,
    check: &mut vad::VoiceCheck,
    speech: Vec<Range<usize>>,
) -> Result<Vec<Range<usize>>, AnalysisError> {
    let mut confirmed: Vec<Range<usize>> = Vec::with_capacity(speech.len());
    for stretch in speech {
        if let Some(last) = confirmed.last_mut() {
            let gap = last.end..stretch.start;
            if (frames(MIN_PAUSE.0)..frames(CHECK_PAUSE_MS)).contains(&gap.len())
                && check.scores(source, gap)?.iter().all(|&p| p >= VOICE_SCORE)
            {
                last.end = stretch.end;
                continue;
            }
        }
        confirmed.push(stretch);
    }
    Ok(confirmed)
}

impl Analysis {
    /// Whether this could have come from [`analyze`] on audio stored in `audio_bytes` bytes:
    /// spans in order, apart, and within what that many bytes can hold (at most one frame per
    /// byte, at no less than [`MIN_RATE`]). Anyone with the public key can write an age file,
    /// so a cached analysis that fails this was damaged or planted; it is redone, never
    /// segmented, since segmenting overlapping or endless spans would panic or run out of memory.
    pub fn is_plausible(&self, audio_bytes: u64) -> bool {
        // Voice is found in whole 10 ms frames, so a span may end inside the last frame.
        let longest = Ms((audio_bytes.saturating_mul(1000) / u64::from(MIN_RATE)).saturating_add(FRAME_MS));
        let ordered = |spans: &[Span]| {
            spans.iter().all(|s| s.start <= s.end && s.end <= longest)
                && spans.windows(2).all(|w| w[0].end <= w[1].start)
        };
        self.duration <= longest && ordered(&self.speech) && ordered(&self.pauses) && ordered(&self.micro_pauses)
    }
}

/// A minute's analysis with `speech` and one pause, for tests of what reads analyses.
#[cfg(test)]
pub(crate) fn test_analysis(speech: Vec<Span>) -> Analysis {
    Analysis {
        version: ANALYSIS_VERSION,
        duration: Ms(60_000),
        noise_floor_db: -58.0,
        speech_level_db: -21.0,
        speech,
        pauses: vec![Span::ms(4_000, 5_200)],
        micro_pauses: Vec::new(),
        vad: Ms::ZERO,
    }
}

#[cfg(test)]
mod plausibility_tests {
    use super::*;

    use test_analysis as analysis;

    #[test]
    fn spans_must_fit_the_audio() {
        let ok = analysis(vec![Span::ms(1_000, 4_000), Span::ms(5_200, 44_000)]);
        assert!(ok.is_plausible(6_000_000));
        // 6 MB hold at most 1500 s at 4 kHz, one byte a frame.
        assert!(!analysis(vec![Span::ms(0, u64::MAX)]).is_plausible(6_000_000));
        assert!(!analysis(vec![Span::ms(5_000, 4_000)]).is_plausible(6_000_000));
        assert!(!Analysis { duration: Ms(1_500_011), ..ok.clone() }.is_plausible(6_000_000));
        assert!(Analysis { duration: Ms(1_500_010), ..ok }.is_plausible(6_000_000));
        let overlapping = vec![Span::ms(1_000, 4_000), Span::ms(5_200, 39_016), Span::ms(12_400, 44_000)];
        assert!(!analysis(overlapping).is_plausible(6_000_000));
    }
}
