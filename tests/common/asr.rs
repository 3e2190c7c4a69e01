//! Speech recognition fixtures and a scratch project with its own model store, for the tests
//! that run the real binary with a real model (tests/asr.rs, tests/draft_exports.rs).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;
use verbatim::asr::score::{TimedWord, TrueUtterance};
use verbatim::model::Ms;

/// The fixtures, and the folder of ggml models: `$VERBATIM_ASR` and `$VERBATIM_WHISPER`
/// (scripts/test sets them), else made by scripts/asr-fixtures.
pub fn fixtures() -> (PathBuf, PathBuf) {
    if let (Some(fixtures), Some(models)) = (std::env::var_os("VERBATIM_ASR"), std::env::var_os("VERBATIM_WHISPER")) {
        return (fixtures.into(), models.into());
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/asr-fixtures");
    let out = Command::new("bash").arg(script).output().expect("run scripts/asr-fixtures");
    assert!(out.status.success(), "scripts/asr-fixtures failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    (lines.next().unwrap().into(), lines.next().unwrap().into())
}

/// A scratch project whose model store is its own (XDG_DATA_HOME), with tiny.en added.
pub struct Asr {
    pub s: Scratch,
}

impl Asr {
    pub fn new(models: &Path) -> Asr {
        let asr = Asr { s: Scratch::new() };
        let out = ok(asr.cmd().args(["models", "add"]).arg(models.join("ggml-tiny.en.bin")));
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("Added tiny.en: whisper, tiny, English only, f16"), "{said}");
        asr
    }

    pub fn cmd(&self) -> Command {
        let mut cmd = verbatim();
        cmd.env("XDG_DATA_HOME", self.s.path("data"));
        if let Some(onnx) = onnx_runtime() {
            cmd.env("VERBATIM_ONNXRUNTIME", onnx);
        }
        cmd
    }

    /// The session's JSON export, read (the plaintext file is removed again).
    pub fn export_json(&self, id: &str) -> serde_json::Value {
        let out = self.s.path(&format!("{id}.json"));
        let _ = std::fs::remove_file(&out);
        ok(self
            .cmd()
            .arg("export")
            .arg(self.s.project())
            .arg(id)
            .args(["--format", "json", "--plaintext", "-o"])
            .arg(&out));
        let doc = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        std::fs::remove_file(&out).unwrap();
        doc
    }

    /// The words of the session's JSON export, with their sources.
    pub fn words(&self, id: &str) -> Vec<(TimedWord, String, Ms)> {
        let doc = self.export_json(id);
        let segments = doc["segments"].as_array().unwrap();
        segments
            .iter()
            .flat_map(|s| s["words"].as_array().cloned().unwrap_or_default())
            .map(|w| {
                let word =
                    TimedWord { text: w["text"].as_str().unwrap().into(), start: Ms(w["start_ms"].as_u64().unwrap()) };
                (word, w["source"].as_str().unwrap().to_string(), Ms(w["end_ms"].as_u64().unwrap()))
            })
            .collect()
    }
}

/// The ONNX Runtime the voice detector needs, where scripts/onnxruntime put it for this user
/// (the scratch XDG_DATA_HOME would hide it).
pub fn onnx_runtime() -> Option<PathBuf> {
    std::env::var_os(verbatim::onnx::RUNTIME_VAR).map(PathBuf::from).or_else(|| {
        let path = verbatim::onnx::runtime_path();
        path.is_file().then_some(path)
    })
}

pub fn truth(fixture: &Path) -> Vec<TrueUtterance> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture.with_extension("truth.json")).unwrap()).unwrap();
    json["utterances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| TrueUtterance { start: Ms(u["start_ms"].as_u64().unwrap()), text: u["text"].as_str().unwrap().into() })
        .collect()
}

/// whisper.cpp run directly (pywhispercpp, one thread, word timestamps) on the 16 kHz copy.
pub fn peer(models: &Path, fixture: &Path) -> (Vec<TimedWord>, f64) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/asr-peer");
    let wav16 = fixture.with_extension("16k.wav");
    let out =
        Command::new(script).arg(models.join("ggml-tiny.en.bin")).arg(&wav16).output().expect("run scripts/asr-peer");
    assert!(out.status.success(), "scripts/asr-peer failed: {}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let words = json["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| TimedWord { text: w["text"].as_str().unwrap().into(), start: Ms(w["start_ms"].as_u64().unwrap()) })
        .collect();
    (words, json["seconds_total"].as_f64().unwrap())
}
