//! The second stage: a draft of what was said, word by word, from the pause layer's stretches of
//! voice and a whisper.cpp model ([`crate::asr`]).
//!
//! It is slow (minutes for an hour), so it saves what it has after every window, sealed to the
//! participant like the layer itself (`draft.partial.json.age`): Ctrl+C, a crash or a killed
//! process loses at most the window being decoded, and the next run with the same key goes on
//! from there. Decrypted audio exists only in memory, one window at a time.

use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use zeroize::Zeroizing;

use super::{AudioFingerprint, CacheKey, Pauses, Stage, StageError, Workspace};
use crate::analysis::Analysis;
use crate::asr::whisper::{Decoding, Recogniser};
use crate::asr::windows::{self, Window};
use crate::asr::words::{self, DraftWord};
use crate::asr::{AsrError, InstalledModel};
use crate::audio::mono16k::{MODEL_RATE, Mono16k};
use crate::audio::pcm::PcmSource;
use crate::audio::store::EncryptedAudioReader;
use crate::store;

/// What the draft's words were recognised with, and the words.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DraftLayer {
    /// The model's name when it ran.
    pub model: String,
    /// The model file's SHA-256.
    pub model_sha256: String,
    /// The model, described: size, languages, weights.
    pub model_description: String,
    /// The language decoded (Whisper's code).
    pub language: String,
    /// The words and tags, in order.
    pub words: Vec<DraftWord>,
    /// Windows decoded.
    pub windows: usize,
    /// Windows decoded a second time because the first decoding looped.
    pub redecoded: usize,
    /// Windows taken from an interrupted run that this one went on from.
    #[serde(default)]
    pub resumed: usize,
}

/// What is saved after each window, to go on from after an interruption.
#[derive(serde::Serialize, serde::Deserialize)]
struct Partial {
    key: CacheKey,
    windows_done: usize,
    layer: DraftLayer,
}

/// Recognises the words of the speech the pause layer found.
pub struct Draft<'a> {
    /// The model.
    pub model: &'a InstalledModel,
    /// Its loaded form, shared by every session of a run.
    pub recogniser: &'a RefCell<Recogniser>,
    /// Whisper's code for the language, or `auto` (detected on the first window, then kept).
    pub language: String,
    /// CPU threads (do not change the words, so not part of the key).
    pub threads: usize,
    /// The pause layer it reads.
    pub pauses: &'a Analysis,
    /// Set by Ctrl+C: stops within the window being decoded.
    pub stop: Arc<AtomicBool>,
}

/// The sealed file holding a draft made so far.
pub const PARTIAL_FILE: &str = "draft.partial.json.age";

impl Stage for Draft<'_> {
    const NAME: &'static str = "draft";
    const FILE: &'static str = "draft.json.age";
    const VERSION: u32 = 1;
    type Output = DraftLayer;

    fn params(&self) -> serde_json::Value {
        serde_json::json!({
            "model_sha256": self.model.info.sha256,
            "language": self.language,
            "head_ms": windows::HEAD.0, "tail_ms": windows::TAIL.0, "window_ms": windows::MAX_WINDOW.0,
        })
    }

    fn inputs(&self, audio: &AudioFingerprint) -> Vec<CacheKey> {
        vec![CacheKey::of(&Pauses, audio)]
    }

    fn run(
        &self,
        audio: &mut EncryptedAudioReader,
        space: Workspace<'_>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<DraftLayer, StageError> {
        let key = CacheKey::of(self, &AudioFingerprint::of(space.audio)?);
        let partial_path = space.dir.join(PARTIAL_FILE);
        let plan = windows::plan(&self.pauses.speech, self.pauses.duration);
        let (mut done, mut layer) = match resume(&partial_path, space, &key) {
            Some(partial) if partial.windows_done <= plan.len() => {
                (partial.windows_done, DraftLayer { resumed: partial.windows_done, ..partial.layer })
            }
            _ => (0, self.empty_layer()),
        };
        let total: u64 = plan.iter().map(|w| w.len().0).sum();
        let mut heard: u64 = plan[..done].iter().map(|w| w.len().0).sum();
        progress(heard, total);
        let mut reader = Mono16k::wide(audio.spec().sample_rate)?;
        // One buffer for every window's audio: decrypted speech, wiped when dropped.
        let mut samples = Zeroizing::new(Vec::new());
        let mut recogniser = self.recogniser.borrow_mut();
        for window in &plan[done..] {
            window_audio(window, audio, &mut reader, &mut samples)?;
            let (words, language, redecoded) = self.decode(&mut recogniser, &samples, window, &layer.language)?;
            layer.language = language;
            layer.words.extend(words);
            layer.windows += 1;
            layer.redecoded += usize::from(redecoded);
            done += 1;
            heard += window.len().0;
            if done < plan.len() {
                let partial = Partial { key: key.clone(), windows_done: done, layer };
                store::write(&partial_path, space.recipient, &partial)?;
                layer = partial.layer;
            }
            progress(heard, total);
        }
        // The finished layer is written by the pipeline; the partial one goes after it.
        Ok(layer)
    }
}

impl Draft<'_> {
    fn empty_layer(&self) -> DraftLayer {
        DraftLayer {
            model: self.model.name.clone(),
            model_sha256: self.model.info.sha256.clone(),
            model_description: self.model.info.description.clone(),
            language: self.language.clone(),
            words: Vec::new(),
            windows: 0,
            redecoded: 0,
            resumed: 0,
        }
    }

    /// Decodes one window; a window that loops is decoded again with the temperature fallback.
    fn decode(
        &self,
        recogniser: &mut Recogniser,
        samples: &[f32],
        window: &Window,
        language: &str,
    ) -> Result<(Vec<DraftWord>, String, bool), AsrError> {
        let mut decoding = Decoding { language: language.to_string(), threads: self.threads, fallback: false };
        let (tokens, decoded_language) = recogniser.recognise(samples, &decoding, &self.stop)?;
        let found = words::words(&tokens, window);
        if !words::loops(&found) {
            return Ok((found, decoded_language, false));
        }
        decoding.fallback = true;
        let (tokens, decoded_language) = recogniser.recognise(samples, &decoding, &self.stop)?;
        Ok((words::words(&tokens, window), decoded_language, true))
    }
}

/// The window's audio at 16 kHz: each run read and resampled, and made exactly as long as the
/// window says, so times in the window map back to the session to the sample.
fn window_audio(
    window: &Window,
    audio: &mut EncryptedAudioReader,
    reader: &mut Mono16k,
    samples: &mut Zeroizing<Vec<f32>>,
) -> Result<(), StageError> {
    let rate = audio.spec().sample_rate;
    let per_ms = u64::from(MODEL_RATE) / 1000;
    samples.clear();
    crate::audio::pcm::reserve_wiped(samples, (windows::MAX_WINDOW.0 * per_ms) as usize);
    for run in &window.runs {
        let from = run.audio.start.frame_floor(rate);
        let to = run.audio.end.frame_floor(rate).min(PcmSource::frames(audio));
        let read = reader.read(audio, from, to)?;
        let wanted = (run.audio.len().0 * per_ms) as usize;
        samples.extend(read.iter().take(wanted).copied());
        samples.extend(std::iter::repeat_n(0.0, wanted.saturating_sub(read.len())));
    }
    Ok(())
}

/// The draft saved by an interrupted run with the same key, if any (a damaged one is ignored:
/// the windows are decoded again).
fn resume(path: &Path, space: Workspace<'_>, key: &CacheKey) -> Option<Partial> {
    let plain = store::open(path, space.identity).ok()?;
    let partial: Partial = store::decode(&plain, path).ok()?;
    (partial.key == *key).then_some(partial)
}

/// Removes a partial draft once the whole layer is written.
pub(crate) fn remove_partial(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(PARTIAL_FILE));
}
