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

/// The peer's turns on a fixture (scripts/speaker-peer: pyannote segmentation-3.0 and CAM++ in
/// sherpa-onnx, one thread), its speakers numbered as it numbers them.
pub fn peer(fixtures: &Path, name: &str, count: usize) -> Vec<Labelled> {
    let script = format!("{}/scripts/speaker-peer", env!("CARGO_MANIFEST_DIR"));
    let wav = fixtures.join(format!("{name}.16k.wav"));
    let out = Command::new("bash").arg(&script).arg("run").arg(&wav).arg(count.to_string()).output().unwrap();
    assert!(out.status.success(), "{script} failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut labels: Vec<String> = Vec::new();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let ms = |t: &str| Ms((t.parse::<f64>().unwrap() * 1000.0).round() as u64);
            if !labels.iter().any(|l| l == parts[2]) {
                labels.push(parts[2].to_string());
            }
            let speaker = labels.iter().position(|l| l == parts[2]).unwrap() as u32;
            Labelled { span: Span { start: ms(parts[0]), end: ms(parts[1]) }, speaker }
        })
        .collect()
}

/// The share of `words` (with a true speaker) whose middle falls in a found turn of a speaker
/// paired with a true speaker there: how the peer, which has no words, would attribute ours.
pub fn words_right_by_turns(
    truth: &Truth,
    words: &[(Span, Option<String>)],
    found: &[Labelled],
    pairing: &[(u32, u32)],
) -> f64 {
    let judged: Vec<bool> = words
        .iter()
        .filter_map(|(span, _)| {
            let truly = truth.speakers_at(*span);
            if truly.is_empty() {
                return None;
            }
            let middle = Ms((span.start.0 + span.end.0) / 2);
            let heard = found.iter().filter(|l| l.span.start <= middle && middle < l.span.end);
            Some(heard.filter_map(|l| pairing.iter().find(|(h, _)| *h == l.speaker)).any(|(_, t)| truly.contains(t)))
        })
        .collect();
    judged.iter().filter(|r| **r).count() as f64 / judged.len().max(1) as f64
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

/// What verbatim's JSON export says: turns (its segments) labelled by speaker label, and words
/// with their speaker label.
pub struct Found {
    pub labels: Vec<String>,
    pub turns: Vec<Labelled>,
    pub words: Vec<(Span, Option<String>)>,
    pub document: serde_json::Value,
}

impl Found {
    pub fn export(asr: &Asr, id: &str) -> Found {
        let document = asr.export_json(id);
        let span = |v: &serde_json::Value| Span::ms(v["start_ms"].as_u64().unwrap(), v["end_ms"].as_u64().unwrap());
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
            // A segment as exported: pauses inside it belong to its turn, as they do in the
            // truth (a turn runs from its first sample to its last) and in the peer's turns.
            turns.push(Labelled { span: span(segment), speaker });
        }
        Found { labels, turns, words, document }
    }
}

/// How the `[overlap]` marks in verbatim's export meet the truth's overlaps (two speakers at
/// once): (true overlaps with a marked segment over them, true overlaps, marked segments over a
/// true overlap, marked segments).
pub fn overlap_marks(truth: &Truth, document: &serde_json::Value) -> (usize, usize, usize, usize) {
    let mut overlaps = Vec::new();
    for (i, a) in truth.turns.iter().enumerate() {
        for b in &truth.turns[i + 1..] {
            let (start, end) = (a.span.start.max(b.span.start), a.span.end.min(b.span.end));
            if end > start && a.speaker != b.speaker {
                overlaps.push(Span { start, end });
            }
        }
    }
    let marked: Vec<Span> = document["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["text"].as_str().unwrap_or("").contains("[overlap]"))
        .map(|s| Span::ms(s["start_ms"].as_u64().unwrap(), s["end_ms"].as_u64().unwrap()))
        .collect();
    let meet = |a: &Span, b: &Span| a.start < b.end && b.start < a.end;
    let found = overlaps.iter().filter(|o| marked.iter().any(|m| meet(o, m))).count();
    let right = marked.iter().filter(|m| overlaps.iter().any(|o| meet(o, m))).count();
    (found, overlaps.len(), right, marked.len())
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
