//! Speaker fixtures (scripts/speaker-fixtures), the speaker model (scripts/speaker-models), the
//! peer (scripts/speaker-peer) and scoring against the fixtures' truth, for tests/speakers.rs.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::asr::Asr;
use super::*;
use verbatim::diarize::score::Labelled;
use verbatim::model::{Mark, Marker, Ms, Span};
use verbatim::session::markers::{MarkerLog, MarkerSaver};

/// The output of a script in scripts/, first line: a path it prepared.
fn script_path(var: &str, script: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(var) {
        return path.into();
    }
    let path = format!("{}/scripts/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash").arg(&path).output().unwrap_or_else(|e| panic!("run {path}: {e}"));
    assert!(out.status.success(), "{path} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().next().unwrap().into()
}

/// The fixtures folder: `$VERBATIM_SPEAKERS`, else made by scripts/speaker-fixtures.
pub fn fixtures() -> PathBuf {
    script_path("VERBATIM_SPEAKERS", "speaker-fixtures")
}

/// The d-vector model: `$VERBATIM_SPEAKER_MODEL`, else fetched by scripts/speaker-models.
pub fn model() -> PathBuf {
    script_path("VERBATIM_SPEAKER_MODEL", "speaker-models")
}

/// A fixture's truth: speaker ids in order of first turn, their turns, and the live keys.
pub struct Truth {
    pub speakers: Vec<String>,
    pub turns: Vec<Labelled>,
    pub keys: Vec<(Ms, u8)>,
}

impl Truth {
    pub fn read(fixtures: &Path, name: &str) -> Truth {
        let json = |file: String| -> serde_json::Value {
            serde_json::from_slice(&std::fs::read(fixtures.join(file)).unwrap()).unwrap()
        };
        let truth = json(format!("{name}.truth.json"));
        let mut speakers: Vec<String> = Vec::new();
        let mut turns = Vec::new();
        for t in truth["turns"].as_array().unwrap() {
            let id = t["speaker"].as_str().unwrap().to_string();
            if !speakers.contains(&id) {
                speakers.push(id.clone());
            }
            let speaker = speakers.iter().position(|s| *s == id).unwrap() as u32;
            let span = Span::ms(t["start_ms"].as_u64().unwrap(), t["end_ms"].as_u64().unwrap());
            turns.push(Labelled { span, speaker });
        }
        let keys = json(format!("{name}.keys.json"))
            .as_array()
            .unwrap()
            .iter()
            .map(|k| (Ms(k["at_ms"].as_u64().unwrap()), k["key"].as_u64().unwrap() as u8))
            .collect();
        Truth { speakers, turns, keys }
    }

    /// The true speakers of a word: whoever talks at its middle (none if nobody does).
    pub fn speakers_at(&self, span: Span) -> Vec<u32> {
        let middle = Ms((span.start.0 + span.end.0) / 2);
        self.turns.iter().filter(|t| t.span.start <= middle && middle < t.span.end).map(|t| t.speaker).collect()
    }
}

/// Writes live speaker keys into a session's marker log, as the recording screen would have.
pub fn press_keys(asr: &Asr, id: &str, keys: &[(Ms, u8)]) {
    let dir = asr.s.session_dir(id);
    let project = verbatim::project::Project::open(&asr.s.project()).unwrap();
    let recipient = project.participant_recipient(&code("P01")).unwrap();
    let mut log = MarkerLog::new();
    log.markers = keys.iter().map(|&(at, key)| Marker::at(Mark::Speaker(key), at.0 * 48, 48_000)).collect();
    let saver = MarkerSaver::spawn(dir, recipient).unwrap();
    saver.save(&log);
    saver.finish();
}

/// What verbatim's JSON export says: turns (segments less their pauses) labelled by speaker
/// label, and words with their speaker label.
pub struct Found {
    pub labels: Vec<String>,
    pub turns: Vec<Labelled>,
    pub words: Vec<(Span, Option<String>)>,
    pub document: serde_json::Value,
}

impl Found {
    pub fn export(asr: &Asr, id: &str) -> Found {
        let out = asr.s.path(&format!("{id}.json"));
        let _ = std::fs::remove_file(&out);
        ok(asr.cmd().arg("export").arg(asr.s.project()).arg(id).args(["--format", "json", "--plaintext", "-o"]).arg(&out));
        let document: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        std::fs::remove_file(&out).unwrap();
        let span = |v: &serde_json::Value| Span::ms(v["start_ms"].as_u64().unwrap(), v["end_ms"].as_u64().unwrap());
        let silences: Vec<Span> = ["pauses", "micro_pauses"]
            .iter()
            .flat_map(|k| document[*k].as_array().unwrap().iter().map(span).collect::<Vec<_>>())
            .collect();
        let (mut labels, mut turns, mut words) = (Vec::new(), Vec::new(), Vec::new());
        for segment in document["segments"].as_array().unwrap() {
            let label = segment["speaker"].as_str().map(str::to_string);
            for word in segment["words"].as_array().cloned().unwrap_or_default() {
                words.push((span(&word), word["speaker"].as_str().map(str::to_string)));
            }
            let Some(label) = label else { continue };
            if !labels.contains(&label) {
                labels.push(label.clone());
            }
            let speaker = labels.iter().position(|l| *l == label).unwrap() as u32;
            for piece in without(span(segment), &silences) {
                turns.push(Labelled { span: piece, speaker });
            }
        }
        Found { labels, turns, words, document }
    }
}

/// `span` less the parts of it in `silences`.
pub fn without(span: Span, silences: &[Span]) -> Vec<Span> {
    let mut pieces = vec![span];
    for silence in silences {
        pieces = pieces
            .into_iter()
            .flat_map(|p| {
                if silence.end <= p.start || p.end <= silence.start {
                    return vec![p];
                }
                let mut left = Vec::new();
                if silence.start > p.start {
                    left.push(Span::ms(p.start.0, silence.start.0));
                }
                if silence.end < p.end {
                    left.push(Span::ms(silence.end.0, p.end.0));
                }
                left
            })
            .collect();
    }
    pieces
}

/// The share of `words` (with a true speaker) whose label is paired with a true speaker there.
pub fn words_right(truth: &Truth, words: &[(Span, Option<String>)], labels: &[String], pairing: &[(u32, u32)]) -> f64 {
    let judged: Vec<bool> = words
        .iter()
        .filter_map(|(span, label)| {
            let truly = truth.speakers_at(*span);
            if truly.is_empty() {
                return None;
            }
            let found = label.as_ref().and_then(|l| labels.iter().position(|x| x == l)).map(|i| i as u32);
            let paired = found.and_then(|f| pairing.iter().find(|(h, _)| *h == f).map(|(_, t)| *t));
            Some(paired.is_some_and(|t| truly.contains(&t)))
        })
        .collect();
    judged.iter().filter(|r| **r).count() as f64 / judged.len().max(1) as f64
}
