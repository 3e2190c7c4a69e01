//! whisper.cpp, through whisper-rs: a model loaded once, decoding one window of 16 kHz audio at a
//! time into tokens with times.
//!
//! Settings, and why:
//! - greedy decoding without the temperature fallback: the fallback re-decodes hard windows up
//!   to five times (about 35 % more time on real speech); a window that loops is decoded again
//!   with it instead ([`super::words::loops`]);
//! - token timestamps on, for every token's start and end;
//! - no prompt: noScribe prompts with fillers ("Um, well, …") so Whisper keeps hesitations,
//!   but whisper.cpp given a prompt decodes the window as one segment without timestamps, and
//!   its word times become a guess spread over 30 s (measured: first words seconds off, and
//!   WER 14.1 % against 10.0 % without on the espeak interview). tiny.en keeps most "um"s
//!   unprompted; the hesitations it drops are the transcriber's to add;
//! - no context carried between windows: a mistake in one window cannot spread to the next.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState};
use zeroize::Zeroizing;

use super::AsrError;
use super::ggml::{self, GgmlModel};
use crate::model::Ms;

/// One token as whisper.cpp decoded it, times relative to the window's start.
#[derive(Debug, Clone, PartialEq)]
pub struct RawToken {
    /// Its bytes: a token can be part of a UTF-8 character, so text is made per word.
    pub bytes: Zeroizing<Vec<u8>>,
    /// When it starts in the window.
    pub start: Ms,
    /// When it ends in the window.
    pub end: Ms,
    /// The decoder's probability for it.
    pub probability: f32,
}

/// How to decode: the language and the threads.
#[derive(Debug, Clone)]
pub struct Decoding {
    /// Whisper's code for the language (`en`, `no`, `nn`), or `auto` to detect it.
    pub language: String,
    /// CPU threads.
    pub threads: usize,
    /// Whether to fall back to sampling at higher temperatures when decoding fails.
    pub fallback: bool,
}

/// A loaded whisper.cpp model, with its working memory.
pub struct Recogniser {
    path: PathBuf,
    model: GgmlModel,
    // The context is kept alive for the state, which points into it.
    _context: WhisperContext,
    state: WhisperState,
}

impl std::fmt::Debug for Recogniser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recogniser").field("path", &self.path).field("model", &self.model).finish_non_exhaustive()
    }
}

impl Recogniser {
    /// Loads the model at `path`, after checking the whole file (whisper.cpp would end the
    /// process on some damaged files instead of saying so).
    pub fn load(path: &Path) -> Result<Recogniser, AsrError> {
        let model = ggml::inspect(path)?;
        if let Some(available) = available_memory() {
            enough_memory(&model, available).map_err(AsrError::Memory)?;
        }
        quiet_whisper();
        let refused = |action, e: whisper_rs::WhisperError| AsrError::Whisper {
            path: path.into(),
            action,
            reason: e.to_string(),
        };
        let text_path = path.to_str().ok_or_else(|| AsrError::Whisper {
            path: path.into(),
            action: "cannot open it",
            reason: "its path is not valid UTF-8; move it to a folder whose name is".into(),
        })?;
        let mut params = WhisperContextParameters::default();
        params.use_gpu(false);

        let context =
            WhisperContext::new_with_params(text_path, params).map_err(|e| refused("would not load it", e))?;
        let state = context.create_state().map_err(|e| refused("could not make room to run it", e))?;
        Ok(Recogniser { path: path.into(), model, _context: context, state })
    }

    /// What the file holds.
    pub fn model(&self) -> &GgmlModel {
        &self.model
    }

    /// Checks that the model can recognise `language` (Whisper's code, or `auto`; see
    /// [`whisper_language`]).
    pub fn check_language(&self, language: &str) -> Result<(), AsrError> {
        if language == "auto" {
            return Ok(());
        }
        if !language.chars().all(|c| c.is_ascii_lowercase()) || whisper_rs::get_lang_id(language).is_none() {
            return Err(AsrError::Language(format!(
                "`{language}` is not a language Whisper knows: use a code such as en, no (Norwegian), nn, sv, da, de, or `auto`"
            )));
        }
        if !self.model.multilingual && language != "en" {
            return Err(AsrError::Language(format!(
                "{} is an English-only model ({}), so it cannot recognise `{language}`: add a multilingual model (for Norwegian, NB-Whisper) with `verbatim models add FILE`",
                self.path.display(),
                self.model.describe()
            )));
        }
        Ok(())
    }

    /// Decodes `audio` (16 kHz mono); `stop` ends it early with [`AsrError::Interrupted`].
    /// Returns the tokens and the language decoded.
    pub fn recognise(
        &mut self,
        audio: &[f32],
        decoding: &Decoding,
        stop: &Arc<AtomicBool>,
    ) -> Result<(Vec<RawToken>, String), AsrError> {
        if audio.is_empty() {
            return Ok((Vec::new(), decoding.language.clone()));
        }
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(i32::try_from(decoding.threads.max(1)).unwrap_or(1));
        params.set_language(Some(&decoding.language));
        params.set_token_timestamps(true);
        params.set_no_context(true);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_special(false);
        params.set_print_timestamps(false);
        if !decoding.fallback {
            params.set_temperature_inc(0.0);
        }
        let flag = Arc::clone(stop);
        // whisper-rs 0.16 boxes the closure as `Box<dyn FnMut>` but calls it back as the
        // closure's own type, which for a plain closure reads garbage (and aborts at random).
        // Given a `Box<dyn FnMut>` as the closure type, the two agree.
        let abort: Box<dyn FnMut() -> bool> = Box::new(move || flag.load(Ordering::Relaxed));
        params.set_abort_callback_safe::<_, Box<dyn FnMut() -> bool>>(abort);
        let result = self.state.full(params, audio);
        if stop.load(Ordering::Relaxed) {
            return Err(AsrError::Interrupted);
        }
        result.map_err(|e| AsrError::Whisper { path: self.path.clone(), action: "failed", reason: e.to_string() })?;
        let language =
            whisper_rs::get_lang_str(self.state.full_lang_id_from_state()).unwrap_or(&decoding.language).to_string();
        let eot = self._context.token_eot();
        let mut tokens = Vec::new();
        for segment in self.state.as_iter() {
            for index in 0..segment.n_tokens() {
                let Some(token) = segment.get_token(index) else { continue };
                // Ids from end-of-text on are control tokens: timestamps, language, task.
                if token.token_id() >= eot {
                    continue;
                }
                let data = token.token_data();
                let bytes = Zeroizing::new(token.to_bytes().map(<[u8]>::to_vec).unwrap_or_default());
                tokens.push(RawToken {
                    bytes,
                    start: centiseconds(data.t0),
                    end: centiseconds(data.t1),
                    probability: data.p,
                });
            }
        }
        Ok((tokens, language))
    }
}

/// Whisper's code for a language as users write it: Bokmål (`nb`, what Norwegian projects
/// call their language) is `no` to Whisper and to NB-Whisper; other codes are Whisper's own.
pub fn whisper_language(code: &str) -> String {
    match code.trim().to_lowercase().as_str() {
        "nb" | "nob" | "no-nb" | "nb-no" => "no".into(),
        "nn" | "nno" | "nn-no" => "nn".into(),
        other => other.into(),
    }
}

/// What the system says is free for a new program (`MemAvailable`), in bytes.
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Refuses a model that will not fit in `available` bytes, before whisper.cpp tries and the
/// system kills verbatim half way: the weights, plus its working memory (measured: tiny.en
/// needs about 120 MB besides its 78 MB of weights; the larger models' buffers grow with them).
fn enough_memory(model: &GgmlModel, available: u64) -> Result<(), String> {
    let need = model.bytes + model.bytes / 2 + 150 * 1024 * 1024;
    if need <= available {
        return Ok(());
    }
    let mb = |b: u64| b / (1024 * 1024);
    Err(format!(
        "the model ({}) needs about {} MB of memory and {} MB are free: close other programs, or add a smaller model (e.g. base instead of large)",
        model.describe(),
        mb(need),
        mb(available)
    ))
}

/// whisper.cpp's time unit (10 ms) as milliseconds.
fn centiseconds(t: i64) -> Ms {
    Ms(u64::try_from(t).unwrap_or(0) * 10)
}

/// Sends whisper.cpp's and ggml's log lines nowhere: they would land on the terminal under the
/// progress bar, and say nothing a user can act on.
fn quiet_whisper() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(whisper_rs::install_logging_hooks);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_that_will_not_fit_is_refused_before_it_loads() {
        let model = GgmlModel {
            n_vocab: 51865,
            n_audio_ctx: 1500,
            n_audio_state: 1280,
            n_audio_head: 20,
            n_audio_layer: 32,
            n_text_ctx: 448,
            n_text_state: 1280,
            n_text_head: 20,
            n_text_layer: 32,
            n_mels: 128,
            ftype: 1,
            qnt_version: 0,
            multilingual: true,
            size: "large",
            tensors: 1259,
            bytes: 3_095_033_483,
        };
        let e = enough_memory(&model, 2_000_000_000).unwrap_err();
        assert_eq!(
            e,
            "the model (large, multilingual, f16) needs about 4577 MB of memory and 1907 MB are free: close other programs, or add a smaller model (e.g. base instead of large)"
        );
        assert!(enough_memory(&model, 8_000_000_000).is_ok());
        assert_eq!(whisper_language("nb"), "no", "Norwegian projects say nb; Whisper and NB-Whisper say no");
    }
}
