//! Bad input gets a clear message naming the file and what to do, a non-zero exit, and
//! leaves the project exactly as it was.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

/// Every file under `dir` with its bytes, to prove nothing changed.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.insert(format!("{}/", p.display()), Vec::new());
                stack.push(p);
            } else {
                out.insert(p.display().to_string(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn each_bad_input_is_refused_clearly_and_changes_nothing() {
    let s = Scratch::new();
    let wav = s.path("ok.wav");
    tool("sox", &["-n", "-r", "16000", "-b", "16", "-c", "1", wav.to_str().unwrap(), "synth", "0.5", "sine", "200"]);
    let id = s.import(&wav);
    let before = snapshot(&s.project());

    // Wrong passphrase.
    let err = fails(verbatim().env("VERBATIM_PASSPHRASE", "not the passphrase").arg("sessions").arg(s.project()));
    assert!(err.contains("identity.age: wrong passphrase"), "{err}");

    // Unknown participant: names it and lists the known ones.
    let err = fails(verbatim().arg("import").arg(s.project()).arg(&wav).args(["--participant", "P99"]));
    assert!(
        err.contains("no participant \"P99\"") && err.contains("known: P01") && err.contains("participant add"),
        "{err}"
    );

    // A participant code that is personal data.
    let err = fails(verbatim().args(["participant", "add"]).arg(s.project()).arg("kari@example.org"));
    assert!(err.contains("looks like an email address"), "{err}");

    // A missing import file.
    let err = fails(verbatim().arg("import").arg(s.project()).arg(s.path("nope.wav")).args(["--participant", "P01"]));
    assert!(err.contains("nope.wav") && err.contains("No such file"), "{err}");

    // A non-audio import.
    let text = s.path("notes.txt");
    std::fs::write(&text, "Interview notes, not audio.\n".repeat(100)).unwrap();
    let err = fails(verbatim().arg("import").arg(s.project()).arg(&text).args(["--participant", "P01"]));
    assert!(err.contains("notes.txt: not an audio file") && err.contains("ffmpeg -i"), "{err}");

    // A WAV whose header is cut off.
    let cut = s.path("cut.wav");
    std::fs::write(&cut, &std::fs::read(&wav).unwrap()[..30]).unwrap();
    let err = fails(verbatim().arg("import").arg(s.project()).arg(&cut).args(["--participant", "P01"]));
    assert!(err.contains("cut.wav") && err.contains("cut off at byte"), "{err}");

    // Crafted WAV headers: a zero sample rate, plain and as ADPCM (which a decoder would panic on).
    for (name, tag, align, bits) in [("rate0.wav", 1u16, 2u16, 16u16), ("adpcm0.wav", 2, 256, 4)] {
        let mut w = b"RIFF\x00\x00\x00\x00WAVEfmt \x14\x00\x00\x00".to_vec();
        for v in [tag, 1] {
            w.extend_from_slice(&v.to_le_bytes());
        }
        w.extend_from_slice(&[0u8; 8]); // sample rate 0, byte rate 0
        for v in [align, bits, 2, 500] {
            w.extend_from_slice(&v.to_le_bytes());
        }
        w.extend_from_slice(b"data\x00\x01\x00\x00");
        w.extend_from_slice(&[0x11; 256]);
        let crafted = s.path(name);
        std::fs::write(&crafted, &w).unwrap();
        let out =
            verbatim().arg("import").arg(s.project()).arg(&crafted).args(["--participant", "P01"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(name) && !err.contains("panicked"), "{name}: {err}");
    }

    // An unknown session.
    let err =
        fails(verbatim().arg("decrypt").arg(s.project()).arg("20990101T000000Z-P01").arg("-o").arg(s.path("x.wav")));
    assert!(err.contains("no session") && err.contains(&id), "{err}");
    assert!(!s.path("x.wav").exists());

    // decrypt never overwrites.
    std::fs::write(s.path("exists.wav"), b"mine").unwrap();
    let err = fails(verbatim().arg("decrypt").arg(s.project()).arg(&id).arg("-o").arg(s.path("exists.wav")));
    assert!(err.contains("exists.wav: already exists"), "{err}");
    assert_eq!(std::fs::read(s.path("exists.wav")).unwrap(), b"mine");

    // init on an existing project or a non-empty folder.
    let err = fails(verbatim().arg("init").arg(s.project()));
    assert!(err.contains("already exists") && err.contains("is a verbatim project"), "{err}");

    // Not a project at all.
    let err = fails(verbatim().arg("sessions").arg(s.path("elsewhere")));
    assert!(err.contains("not a verbatim project") && err.contains("verbatim init"), "{err}");

    assert!(snapshot(&s.project()) == before, "a refused command changed the project");
}

/// Inputs the audio_import fuzz target found, each of which made symphonia 0.5 abort the whole
/// process on a huge allocation; each must now be refused like any damaged file.
#[test]
fn fuzzer_found_audio_files_are_refused_as_damaged_and_store_nothing() {
    let s = Scratch::new();
    let before = snapshot(&s.project());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/known-crashes/audio_import");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 5, "the known crashes are missing from {}", dir.display());
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        // 3 GB of address space, as under the fuzzer's limits: a length taken from the file and
        // allocated before reading then aborts here instead of succeeding lazily.
        let out = std::process::Command::new("sh")
            .args(["-c", "ulimit -v 3000000 && exec \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_verbatim"))
            .env("VERBATIM_PASSPHRASE", PASS)
            .arg("import")
            .arg(s.project())
            .arg(file)
            .args(["--participant", "P01"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
        assert!(err.contains("not an audio file") || err.contains("the file is damaged"), "{name}: {err}");
        assert!(!err.contains("panicked") && !err.contains("memory allocation"), "{name}: {err}");
    }
    assert!(snapshot(&s.project()) == before, "a refused import changed the project");
}

#[test]
fn damaged_files_are_named_by_verify_and_by_the_command_that_meets_them() {
    let s = Scratch::new();
    let wav = s.path("ok.wav");
    tool("sox", &["-n", "-r", "48000", "-b", "16", "-c", "1", wav.to_str().unwrap(), "synth", "2", "sine", "200"]);
    let id = s.import(&wav);
    let meta = s.session_dir(&id).join("session.json.age");
    let audio = s.session_dir(&id).join("audio.wav.age");

    // Flip one byte in the middle of the audio.
    let mut bytes = std::fs::read(&audio).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&audio, &bytes).unwrap();
    let out = verbatim().arg("verify").arg(s.project()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        stdout.contains("FAILED")
            && stdout.contains("audio.wav.age: damaged at byte")
            && stdout.contains("authentication failed"),
        "{stdout}"
    );
    assert!(stdout.contains("verbatim recover"), "{stdout}");
    let err = fails(verbatim().arg("decrypt").arg(s.project()).arg(&id).arg("-o").arg(s.path("x.wav")));
    assert!(err.contains("audio.wav.age") && err.contains("at byte"), "{err}");
    assert!(!s.path("x.wav").exists(), "a failed decrypt must not leave a partial WAV");

    // recover turns the damaged chunk into silence and keeps the length.
    let out = String::from_utf8(ok(verbatim().arg("recover").arg(s.project()).arg(&id)).stdout).unwrap();
    assert!(out.contains("replaced by silence"), "{out}");
    ok(verbatim().arg("decrypt").arg(s.project()).arg(&id).arg("-o").arg(s.path("x.wav")));
    assert_eq!(wav_data(&s.path("x.wav")).len(), wav_data(&wav).len());

    // A missing metadata file.
    std::fs::remove_file(&meta).unwrap();
    let err = fails(verbatim().arg("sessions").arg(s.project()));
    assert!(err.contains("session.json.age: missing"), "{err}");

    // A metadata file that is not age at all.
    std::fs::write(&meta, b"{\"id\": \"plaintext\"}").unwrap();
    let err = fails(verbatim().arg("sessions").arg(s.project()));
    assert!(err.contains("session.json.age: not a readable age file"), "{err}");
}

#[test]
fn every_file_is_private_and_no_audio_is_stored_in_plaintext() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    let wav = s.path("ok.wav");
    tool("sox", &["-n", "-r", "48000", "-b", "16", "-c", "1", wav.to_str().unwrap(), "synth", "1", "sine", "200"]);
    s.import(&wav);
    ok(verbatim()
        .arg("record")
        .arg(s.project())
        .args(["--participant", "P01", "--headless", "--for", "0.6s", "--input-file"])
        .arg(&wav));
    let files = snapshot(&s.project());
    assert!(files.len() > 10);
    for (path, bytes) in &files {
        let mode = std::fs::metadata(path.trim_end_matches('/')).unwrap().permissions().mode() & 0o777;
        if path.ends_with('/') {
            assert_eq!(mode, 0o700, "{path}");
        } else {
            assert_eq!(mode, 0o600, "{path}");
            let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
            assert!(!has(b"RIFF") && !has(b"WAVE"), "{path} holds plaintext audio");
            assert!(!has(b"\"participant\""), "{path} holds plaintext metadata");
        }
    }
}
