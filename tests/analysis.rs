//! Pause analysis through the real binary: accuracy on the espeak fixtures over a quiet and a
//! noisy floor (scored like the benchmark, next to ffmpeg's silencedetect), the encrypted cache,
//! the JSON export, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::*;
use verbatim::analysis::score::score;
use verbatim::model::Span;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/analysis");
/// Both boundaries of a detected pause must lie this close to the true ones.
const TOLERANCE_MS: u64 = 150;

fn spans(value: &serde_json::Value) -> Vec<Span> {
    value
        .as_array()
        .expect("an array of spans")
        .iter()
        .map(|p| Span::ms(p["start_ms"].as_u64().unwrap(), p["end_ms"].as_u64().unwrap()))
        .collect()
}

fn truth() -> Vec<Span> {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("truth.json")).unwrap();
    spans(&serde_json::from_str::<serde_json::Value>(&text).unwrap()["pauses"])
}

/// Exports a session as plaintext JSON and parses it.
fn export_json(s: &Scratch, id: &str) -> serde_json::Value {
    let out = s.path(&format!("{id}.json"));
    let _ = std::fs::remove_file(&out);
    ok(verbatim().arg("export").arg(s.project()).arg(id).args(["--format", "json", "--plaintext", "-o"]).arg(&out));
    serde_json::from_slice(&std::fs::read(&out).unwrap()).expect("the export is JSON")
}

/// ffmpeg's silencedetect pauses (d = 0.2 s) at a noise threshold in dB.
fn silencedetect(file: &Path, threshold_db: i32) -> Vec<Span> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-i"])
        .arg(file)
        .args(["-af", &format!("silencedetect=n={threshold_db}dB:d=0.2"), "-f", "null", "-"])
        .output()
        .expect("ffmpeg must be installed (see .ci/run)");
    let log = String::from_utf8_lossy(&out.stderr);
    let times = |key: &str| -> Vec<u64> {
        log.split(key)
            .skip(1)
            .filter_map(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
            .map(|s| (s.max(0.0) * 1000.0).round() as u64)
            .collect()
    };
    times("silence_start: ")
        .into_iter()
        .zip(times("silence_end: "))
        .map(|(start_ms, end_ms)| Span::ms(start_ms, end_ms))
        .collect()
}

#[test]
fn pauses_are_found_within_150_ms_on_quiet_and_noisy_floors_where_one_energy_threshold_fails() {
    let s = Scratch::new();
    let truth = truth();
    let quiet = Path::new(FIXTURES).join("quiet.flac");
    let office = Path::new(FIXTURES).join("office.flac");
    // The office floor again at 48 kHz, so the resampling path is measured too.
    let office48 = s.path("office48.wav");
    tool("sox", &[office.to_str().unwrap(), "-r", "48000", "-b", "16", office48.to_str().unwrap()]);
    let mut f1 = Vec::new();
    for (name, file) in [("quiet", &quiet), ("office", &office), ("office 48 kHz", &office48)] {
        let id = s.import(file);
        ok(verbatim().arg("analyze").arg(s.project()).arg(&id));
        let found = spans(&export_json(&s, &id)["pauses"]);
        let got = score(&found, &truth, TOLERANCE_MS);
        eprintln!("{name}: F1 {:.3} ({} of {} found, {} detected)", got.f1(), got.matched, got.truth, got.detected);
        assert!(got.f1() >= 0.95, "{name}: F1 {:.3} below the 0.95 goal: {found:?}", got.f1());
        f1.push(got.f1());
    }
    // The peer: one silencedetect threshold for both rooms, the best there is.
    let (best_threshold, best_pair) = (-70..=-20)
        .step_by(2)
        .map(|t| {
            let q = score(&silencedetect(&quiet, t), &truth, TOLERANCE_MS).f1();
            let o = score(&silencedetect(&office, t), &truth, TOLERANCE_MS).f1();
            (t, (q, o))
        })
        .max_by(|a, b| (a.1.0 + a.1.1).total_cmp(&(b.1.0 + b.1.1)))
        .unwrap();
    eprintln!(
        "silencedetect at its best common threshold {best_threshold} dB: F1 quiet {:.3}, office {:.3}",
        best_pair.0, best_pair.1
    );
    assert!(best_pair.1 < 0.95 && best_pair.1 < f1[1], "an energy threshold should fail in the office: {best_pair:?}");
}

#[test]
fn a_knock_or_a_noise_burst_alone_in_a_pause_does_not_split_it() {
    let s = Scratch::new();
    let quiet = Path::new(FIXTURES).join("quiet.flac");
    // Inside the 6 s pause (14.08-20.08 s), at 17 s, far above the floor: a knock (120 ms of
    // decaying brown noise), a double knock (60 ms, 120 ms apart) and a burst of hiss (250 ms).
    let knock = ["synth", "0.12", "brownnoise", "gain", "-6", "fade", "q", "0.002", "0.12", "0.1"];
    let double = [
        "synth",
        "0.06",
        "brownnoise",
        "gain",
        "-6",
        "fade",
        "q",
        "0.002",
        "0.06",
        "0.05",
        "pad",
        "0",
        "0.12",
        "repeat",
        "1",
    ];
    let hiss = ["synth", "0.25", "whitenoise", "gain", "-20", "fade", "q", "0.005", "0.25", "0.15"];
    for (name, effects) in [("knock", &knock[..]), ("double-knock", &double[..]), ("hiss", &hiss[..])] {
        let burst = s.path(&format!("{name}.wav"));
        let mut args = vec!["-R", "-n", "-r", "16000", "-c", "1", "-b", "16", burst.to_str().unwrap()];
        args.extend_from_slice(effects);
        args.extend_from_slice(&["pad", "17", "0"]);
        tool("sox", &args);
        let mixed = s.path(&format!("quiet-{name}.wav"));
        tool(
            "sox",
            &[
                "-m",
                "-v",
                "1",
                quiet.to_str().unwrap(),
                "-v",
                "1",
                burst.to_str().unwrap(),
                "-b",
                "16",
                mixed.to_str().unwrap(),
            ],
        );
        let id = s.import(&mixed);
        let found = spans(&export_json(&s, &id)["pauses"]);
        let long = Span::ms(14_083, 20_083);
        assert!(score(&found, &[long], TOLERANCE_MS).matched == 1, "{name} split the pause: {found:?}");
        assert!(score(&found, &truth(), TOLERANCE_MS).f1() >= 0.95, "{name}: {found:?}");
    }
}

#[test]
fn the_cache_is_encrypted_reused_and_redone_when_the_audio_changes() {
    let s = Scratch::new();
    let id = s.import(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.wav"));
    let first = String::from_utf8(ok(verbatim().arg("analyze").arg(s.project()).arg(&id)).stdout).unwrap();
    assert!(first.contains("analysed in") && first.contains("pauses"), "{first}");
    let cache = s.session_dir(&id).join("analysis.json.age");
    let sealed = std::fs::read(&cache).unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1\n"), "the cache must be an age file");
    assert!(!sealed.windows(8).any(|w| w == b"start_ms"), "no plaintext in the cache");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777, 0o600);

    let again = String::from_utf8(ok(verbatim().arg("analyze").arg(s.project()).arg(&id)).stdout).unwrap();
    assert!(again.contains("already analysed"), "{again}");
    let demo_pauses = spans(&export_json(&s, &id)["pauses"]);

    // Swap in other audio (another session of the same participant): the cache must not be
    // trusted, and the pauses must be the new audio's.
    let other = s.import(&Path::new(FIXTURES).join("quiet.flac"));
    std::fs::copy(s.session_dir(&other).join("audio.wav.age"), s.session_dir(&id).join("audio.wav.age")).unwrap();
    let redone = String::from_utf8(ok(verbatim().arg("analyze").arg(s.project()).arg(&id)).stdout).unwrap();
    assert!(redone.contains("analysed in"), "changed audio must be analysed again: {redone}");
    let new_pauses = spans(&export_json(&s, &id)["pauses"]);
    assert_ne!(new_pauses, demo_pauses);
    assert!(score(&new_pauses, &truth(), TOLERANCE_MS).f1() >= 0.95);

    // --force redoes a current analysis; --all covers every session.
    let forced =
        String::from_utf8(ok(verbatim().arg("analyze").arg(s.project()).arg(&id).arg("--force")).stdout).unwrap();
    assert!(forced.contains("analysed in"), "{forced}");
    let all = String::from_utf8(ok(verbatim().arg("analyze").arg(s.project()).arg("--all")).stdout).unwrap();
    assert!(all.contains(&format!("{id}: ")) && all.contains(&format!("{other}: ")), "{all}");
    assert_eq!(all.lines().filter(|l| l.contains("already analysed")).count(), 1, "{all}");
}

#[test]
fn the_json_export_holds_session_pauses_segments_and_markers() {
    let s = Scratch::new();
    let id = s.import(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.wav"));
    // Export analyses on demand.
    let doc = export_json(&s, &id);
    assert_eq!(doc["format"], "verbatim-session");
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["session"]["id"], id.as_str());
    assert_eq!(doc["session"]["participant"], "P01");
    assert_eq!(doc["session"]["sample_rate"], 16000);
    assert!(doc["session"]["duration_ms"].as_u64().unwrap().abs_diff(64_067) <= 1);
    // The demo's truth, without its lead-in and tail (silence before the first and after the
    // last word is not a pause).
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.truth.json")).unwrap();
    let mut truth = spans(&serde_json::from_str::<serde_json::Value>(&text).unwrap()["pauses"]);
    truth.remove(0);
    truth.pop();
    let pauses = spans(&doc["pauses"]);
    assert!(score(&pauses, &truth, TOLERANCE_MS).f1() >= 0.95, "{pauses:?}");
    for (p, json) in pauses.iter().zip(doc["pauses"].as_array().unwrap()) {
        assert_eq!(json["duration_ms"].as_u64().unwrap(), p.end.0 - p.start.0);
        assert!(p.len().0 >= 200 && p.start.0 % 10 == 0 && p.end.0 % 10 == 0);
    }
    // Segments cover the speech in order, between the pauses, with empty text so far.
    let segments = doc["segments"].as_array().unwrap();
    assert!(segments.len() >= 8, "{segments:?}");
    let mut last_end = 0;
    for seg in segments {
        let (start, end) = (seg["start_ms"].as_u64().unwrap(), seg["end_ms"].as_u64().unwrap());
        assert!(start >= last_end && end > start && end - start <= 15_000, "{seg}");
        assert!(
            !pauses.iter().any(|p| p.start.0 > start && p.end.0 < end && p.len().0 >= 2_000),
            "{seg} spans a long pause"
        );
        assert_eq!(seg["text"], "");
        assert!(seg["speaker"].is_null(), "no speaker keys were pressed");
        last_end = end;
    }
    assert!(doc["markers"].as_array().unwrap().is_empty());
    assert!(doc["guide"].is_null());
}

#[test]
fn exports_are_encrypted_unless_plaintext_is_asked_for() {
    let s = Scratch::new();
    let id = s.import(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.wav"));
    let plain = s.path("out.json");
    let err = fails(verbatim().arg("export").arg(s.project()).arg(&id).args(["--format", "json", "-o"]).arg(&plain));
    assert!(err.contains("out.json") && err.contains("--plaintext") && err.contains("out.json.age"), "{err}");
    assert!(!plain.exists());

    let sealed = s.path("out.json.age");
    ok(verbatim().arg("export").arg(s.project()).arg(&id).args(["--format", "json", "-o"]).arg(&sealed));
    let key = s.path("p01.key");
    ok(verbatim().args(["key", "export"]).arg(s.project()).args(["--participant", "P01", "-o"]).arg(&key));
    let json = tool("age", &["-d", "-i", key.to_str().unwrap(), sealed.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(doc["session"]["id"], id.as_str());
    let err = fails(verbatim().arg("export").arg(s.project()).arg(&id).args(["--format", "json", "-o"]).arg(&sealed));
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn silence_missing_and_cut_audio_get_clear_answers() {
    let s = Scratch::new();
    // Pure digital silence and steady room noise: no speech, no pauses, no segments.
    let silent = s.path("silent.wav");
    tool("sox", &["-n", "-r", "48000", "-b", "16", "-c", "1", silent.to_str().unwrap(), "trim", "0", "20"]);
    let noise = s.path("noise.wav");
    tool(
        "sox",
        &[
            "-R",
            "-n",
            "-r",
            "16000",
            "-b",
            "16",
            "-c",
            "1",
            noise.to_str().unwrap(),
            "synth",
            "20",
            "pinknoise",
            "gain",
            "-40",
        ],
    );
    for file in [&silent, &noise] {
        let id = s.import(file);
        let out = String::from_utf8(ok(verbatim().arg("analyze").arg(s.project()).arg(&id)).stdout).unwrap();
        assert!(out.contains("no speech found"), "{out}");
        let doc = export_json(&s, &id);
        assert_eq!(doc["pauses"].as_array().unwrap().len(), 0);
        assert_eq!(doc["segments"].as_array().unwrap().len(), 0);
        assert_eq!(doc["analysis"]["speech_ms"], 0);
    }

    // A recording cut off mid-write: it names recover.
    let id = s.import(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/demo/interview.wav"));
    let audio = s.session_dir(&id).join("audio.wav.age");
    let sealed = std::fs::read(&audio).unwrap();
    std::fs::write(&audio, &sealed[..sealed.len() / 2]).unwrap();
    let err = fails(verbatim().arg("analyze").arg(s.project()).arg(&id));
    assert!(err.contains("audio.wav.age") && err.contains("verbatim recover"), "{err}");
    assert!(!s.session_dir(&id).join("analysis.json.age").exists());

    // No audio at all.
    std::fs::remove_file(&audio).unwrap();
    let err = fails(verbatim().arg("analyze").arg(s.project()).arg(&id));
    assert!(err.contains("audio.wav.age: missing") && err.contains("backup"), "{err}");

    // --all goes on past a broken session and says how many failed.
    let out = verbatim().arg("analyze").arg(s.project()).arg("--all").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1 of 3 sessions could not be analysed"), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.contains("no speech found")).count(), 2);

    // Neither a session nor --all.
    let err = fails(verbatim().arg("analyze").arg(s.project()));
    assert!(err.contains("--all") || err.contains("SESSION"), "{err}");
    // A wrong passphrase.
    let err = fails(verbatim().env("VERBATIM_PASSPHRASE", "wrong").arg("analyze").arg(s.project()).arg("--all"));
    assert!(err.contains("wrong passphrase"), "{err}");
    // A rate too low for speech.
    let low = s.path("low.wav");
    tool("sox", &["-n", "-r", "2000", "-b", "16", "-c", "1", low.to_str().unwrap(), "synth", "2", "sine", "300"]);
    let id = s.import(&low);
    let err = fails(verbatim().arg("analyze").arg(s.project()).arg(&id));
    assert!(err.contains("2000 Hz") && err.contains("too low"), "{err}");
}

#[test]
fn a_missing_or_broken_onnx_runtime_is_named_with_what_to_do_and_nothing_is_written() {
    let s = Scratch::new();
    let id = s.import(&Path::new(FIXTURES).join("quiet.flac"));
    let cache = s.session_dir(&id).join("analysis.json.age");
    let missing = s.path("nowhere/libonnxruntime.so.1.32.0");
    let err = fails(verbatim().env("VERBATIM_ONNXRUNTIME", &missing).arg("analyze").arg(s.project()).arg(&id));
    assert!(err.contains(missing.to_str().unwrap()) && err.contains("scripts/onnxruntime"), "{err}");
    assert!(!cache.exists());
    // A file that is no library: named, with the same way out.
    let broken = s.path("libonnxruntime.so.1.32.0");
    std::fs::write(&broken, b"not a shared library").unwrap();
    let err = fails(verbatim().env("VERBATIM_ONNXRUNTIME", &broken).arg("analyze").arg(s.project()).arg(&id));
    assert!(err.contains(broken.to_str().unwrap()) && err.contains("would not load"), "{err}");
    assert!(err.contains("scripts/onnxruntime"), "{err}");
    assert!(!cache.exists());
    // With the runtime in place the same session is analysed.
    ok(verbatim().arg("analyze").arg(s.project()).arg(&id));
    assert!(cache.exists());
}

#[test]
fn onnx_runtime_records_no_telemetry_and_leaves_nothing_behind() {
    let s = Scratch::new();
    let id = s.import(&Path::new(FIXTURES).join("quiet.flac"));
    // Microsoft's build keeps a telemetry store under the cache folder and a session file in
    // TMPDIR unless ORT_DISABLE_TELEMETRY=1 is set; the binary sets it for itself.
    let (tmp, cache) = (s.path("tmp"), s.path("cache"));
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::create_dir_all(&cache).unwrap();
    let mut analyze = verbatim();
    analyze.env_remove("ORT_DISABLE_TELEMETRY").env("TMPDIR", &tmp).env("XDG_CACHE_HOME", &cache);
    ok(analyze.arg("analyze").arg(s.project()).arg(&id).arg("--force"));
    assert_eq!(files(&tmp), Vec::<PathBuf>::new(), "left in TMPDIR");
    assert_eq!(files(&cache), Vec::<PathBuf>::new(), "left in the cache folder");
}
