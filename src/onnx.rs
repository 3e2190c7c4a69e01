//! The one engine for the small neural models verbatim runs: ONNX Runtime, through `ort`.
//!
//! ONNX Runtime is a shared library that verbatim loads when a model is first needed, not a
//! part of the binary: `ort` would otherwise download it while building, which a machine
//! without network (and a careful build) cannot do. It is the `libonnxruntime.so` that
//! Microsoft ships in the `onnxruntime` package on PyPI; `scripts/onnxruntime` fetches it.
//! It is looked for, in order, at `$VERBATIM_ONNXRUNTIME`, then in verbatim's data folder
//! (`$XDG_DATA_HOME/verbatim/onnxruntime/`, else `~/.local/share/verbatim/onnxruntime/`).
//! Sessions run on one thread: analysis already streams on its own thread beside recording.

use std::path::PathBuf;
use std::sync::OnceLock;

use ort::session::{Session, SessionInputValue};
use ort::value::TensorRef;

/// The ONNX Runtime version verbatim is built against, and the file name it ships as.
pub const RUNTIME_FILE: &str = "libonnxruntime.so.1.32.0";
/// The environment variable that names the runtime library, overriding the data folder.
pub const RUNTIME_VAR: &str = "VERBATIM_ONNXRUNTIME";
/// The environment variable that keeps Microsoft's builds of ONNX Runtime from recording usage
/// telemetry: without it they keep a store under `~/.cache/Microsoft` and a `.ses` file in
/// TMPDIR, meant for sending to Microsoft, even when the API is told not to send any. It is
/// read from the process environment, which safe Rust cannot change once threads may run, so
/// the `verbatim` binary starts itself again with it set, and the runtime is never loaded
/// without it.
pub const NO_TELEMETRY_VAR: &str = "ORT_DISABLE_TELEMETRY";

/// Whether this process's environment turns ONNX Runtime's telemetry off.
pub fn telemetry_off() -> bool {
    std::env::var_os(NO_TELEMETRY_VAR).is_some_and(|v| v == "1")
}

/// Why a model could not be loaded or run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OnnxError {
    /// No runtime library where verbatim looks for one.
    #[error(
        "the neural voice detector needs ONNX Runtime 1.32, which is not installed (looked for {}). Run `scripts/onnxruntime` to fetch it from PyPI, or set {RUNTIME_VAR} to a libonnxruntime.so",
        .0.display()
    )]
    RuntimeMissing(PathBuf),
    /// The runtime library is there but would not load.
    #[error(
        "ONNX Runtime at {} would not load: {reason}. Run `scripts/onnxruntime` to fetch ONNX Runtime 1.32 again, or set {RUNTIME_VAR} to a working libonnxruntime.so",
        path.display()
    )]
    RuntimeLoad {
        /// The library tried.
        path: PathBuf,
        /// What the loader said.
        reason: String,
    },
    /// The model would not load.
    #[error("the model {name} would not load: {reason}")]
    Model {
        /// Which model.
        name: String,
        /// What ONNX Runtime said.
        reason: String,
    },
    /// The process environment would let ONNX Runtime record telemetry.
    #[error(
        "ONNX Runtime is not loaded while it could record usage telemetry: set {NO_TELEMETRY_VAR}=1 in the environment (the verbatim command does this itself)"
    )]
    Telemetry,
    /// The model failed while running.
    #[error("the model {name} failed: {reason}")]
    Run {
        /// Which model.
        name: String,
        /// What ONNX Runtime said.
        reason: String,
    },
}

/// Where the runtime library is expected: `$VERBATIM_ONNXRUNTIME`, else the data folder.
pub fn runtime_path() -> PathBuf {
    if let Some(path) = std::env::var_os(RUNTIME_VAR).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    crate::securefs::user_data_dir().unwrap_or_default().join("onnxruntime").join(RUNTIME_FILE)
}

/// Loads the runtime once per process; later calls return the first outcome.
fn runtime() -> Result<(), OnnxError> {
    static LOADED: OnceLock<Result<(), OnnxError>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            if !telemetry_off() {
                return Err(OnnxError::Telemetry);
            }
            let path = runtime_path();
            if !path.is_file() {
                return Err(OnnxError::RuntimeMissing(path));
            }
            let builder = ort::init_from(&path)
                .map_err(|e| OnnxError::RuntimeLoad { path: path.clone(), reason: e.to_string() })?;
            // Microsoft's builds send usage telemetry unless told not to, and keep a session id
            // file in TMPDIR for it: nothing about a participant's session may leave the
            // machine, or be left behind. A second environment would be ignored; this process
            // has only this one.
            let _first = builder.with_name("verbatim").with_telemetry(false).commit();
            Ok(())
        })
        .clone()
}

/// One input or output of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// Its name.
    pub name: String,
    /// Its shape, `-1` for a dimension of any size.
    pub shape: Vec<i64>,
    /// Whether it is a tensor of 32-bit floats.
    pub is_f32: bool,
}

/// A loaded model, run on one thread.
pub struct Model {
    name: String,
    session: Session,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Model {
    /// Loads a model from its bytes (a model built into verbatim); `name` is for messages.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Self, OnnxError> {
        runtime()?;
        let model_error = |reason: String| OnnxError::Model { name: name.to_owned(), reason };
        let session = Session::builder()
            .map_err(|e| model_error(e.to_string()))?
            .with_intra_threads(1)
            .map_err(|e| model_error(e.to_string()))?
            .with_inter_threads(1)
            .map_err(|e| model_error(e.to_string()))?
            .commit_from_memory(bytes)
            .map_err(|e| model_error(e.to_string()))?;
        Ok(Self { name: name.to_owned(), session })
    }

    /// Its inputs and outputs: name and shape (`-1` for a dimension of any size), tensors only.
    pub fn signature(&self) -> (Vec<Port>, Vec<Port>) {
        let ports = |outlets: &[ort::value::Outlet]| {
            outlets
                .iter()
                .map(|o| Port {
                    name: o.name().to_owned(),
                    shape: o.dtype().tensor_shape().map(|s| s.iter().copied().collect()).unwrap_or_default(),
                    is_f32: o.dtype().tensor_type() == Some(ort::value::TensorElementType::Float32),
                })
                .collect()
        };
        (ports(self.session.inputs()), ports(self.session.outputs()))
    }

    /// The value of a key of the model's own metadata, if it has it.
    pub fn metadata(&self, key: &str) -> Option<String> {
        self.session.metadata().ok()?.custom(key)
    }

    /// Runs the model on `inputs` (name, shape, values) and returns the output named `output`.
    pub fn run_f32(&mut self, inputs: &[(&str, &[usize], &[f32])], output: &str) -> Result<Vec<f32>, OnnxError> {
        let name = &self.name;
        let failed = |reason: String| OnnxError::Run { name: name.clone(), reason };
        let mut values = Vec::with_capacity(inputs.len());
        for &(input, shape, data) in inputs {
            let tensor = TensorRef::from_array_view((shape.to_vec(), data)).map_err(|e| failed(e.to_string()))?;
            values.push((input, SessionInputValue::from(tensor)));
        }
        let outputs = self.session.run(values).map_err(|e| failed(e.to_string()))?;
        let value = outputs.get(output).ok_or_else(|| failed(format!("it has no output {output}")))?;
        let (_, data) = value.try_extract_tensor::<f32>().map_err(|e| failed(e.to_string()))?;
        Ok(data.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_is_looked_for_in_the_variable_then_the_data_folder() {
        let path = runtime_path();
        if std::env::var_os(RUNTIME_VAR).is_none() {
            assert!(
                path.ends_with(std::path::Path::new("verbatim/onnxruntime").join(RUNTIME_FILE)),
                "{}",
                path.display()
            );
        }
        let missing = OnnxError::RuntimeMissing(PathBuf::from("/nowhere/libonnxruntime.so.1.32.0"));
        let message = missing.to_string();
        assert!(message.contains("/nowhere/libonnxruntime.so.1.32.0") && message.contains("scripts/onnxruntime"));
    }
}
