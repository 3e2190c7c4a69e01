//! What a draft leaves behind and what it gives exports: no plaintext anywhere, gone with
//! `forget`, a word tier ELAN accepts, subtitles cut between words, the model named in the
//! header; and models added from an address.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::asr::*;
use common::*;
use sha2::Digest;

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
