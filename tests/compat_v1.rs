//! A project made by verbatim 0.1 (git 592b31c, `tests/fixtures/v1-project`) opens unchanged:
//! its analysis caches are read, not redone; every export is the bytes 0.1 wrote, apart from
//! three changes made on purpose and undone here before comparing:
//! - the JSON's `generator` line names this version;
//! - a segment nobody attributed is labelled in words ("ukjent taler" / "unknown speaker")
//!   instead of `?`;
//! - a focus-group member from a live speaker key is `L2` everywhere, as on the review screen,
//!   instead of `S2` in exports made before anyone transcribed.
//!
//! The review screen shows the transcript as 0.1 did, and its save writes transcript version 2,
//! which exports the same again.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::pulse::NullSink;
use common::tmux::Tmux;
use common::{copy_dir, files, ok};

const PASSPHRASE: &str = "fixture passphrase: invented content only";
const A: &str = "20261206T104936Z-P01";
const B: &str = "20261121T100000Z-P02";
const C: &str = "20261206T105013Z-P01";
const FORMATS: &str = "json,txt,md,docx,vtt,srt,eaf,f4,nvivo";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1-project")
}

/// A copy of the fixture project, named `studie` as its export headers expect.
fn copy_project(into: &Path) -> PathBuf {
    let project = into.join("studie");
    copy_dir(&fixture().join("studie"), &project);
    project
}

fn verbatim() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_verbatim"));
    cmd.env("VERBATIM_PASSPHRASE", PASSPHRASE);
    cmd
}

/// The unknown speaker's label in an export language.
fn unknown(lang: &str) -> &'static str {
    if lang == "en" { "unknown speaker" } else { "ukjent taler" }
}

/// `S1`…`S9` standing alone (a speaker label) as `L1`…`L9`.
fn live_keys_as_members(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
    let label = |i: usize| {
        chars[i] == 'S'
            && chars.get(i + 1).is_some_and(|d| ('1'..='9').contains(d))
            && !word(chars.get(i + 2))
            && !(i > 0 && word(chars.get(i - 1)))
    };
    (0..chars.len()).map(|i| if label(i) { 'L' } else { chars[i] }).collect()
}

/// What 0.1 wrote, with the three deliberate changes applied (see the module doc).
fn as_now(expected: &str, lang: &str, session: &str) -> String {
    let unknown = unknown(lang);
    let mut text = expected.replace(
        "\"generator\": \"verbatim 0.1.0\"",
        &format!("\"generator\": \"verbatim {}\"", env!("CARGO_PKG_VERSION")),
    );
    // `?` where a speaker label goes: after a turn's time, at a line's start (f4, srt, D&P),
    // as a WebVTT voice, an NVivo column, an ELAN tier, or a Word run.
    for (from, to) in [
        ("] ?: ".to_string(), format!("] {unknown}: ")),
        ("\n?: ".to_string(), format!("\n{unknown}: ")),
        ("<v ?>".to_string(), format!("<v {unknown}>")),
        ("\t?\t".to_string(), format!("\t{unknown}\t")),
        ("TIER_ID=\"?\"".to_string(), format!("TIER_ID=\"{unknown}\"")),
        ("PARTICIPANT=\"?\"".to_string(), format!("PARTICIPANT=\"{unknown}\"")),
        (">?: <".to_string(), format!(">{unknown}: <")),
    ] {
        text = text.replace(&from, &to);
    }
    if text.starts_with("?: ") || text.starts_with("\u{feff}?: ") {
        text = text.replacen("?: ", &format!("{unknown}: "), 1);
    }
    if session == C {
        text = live_keys_as_members(&text);
    }
    text
}

/// The entries of a Word file, by name.
fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            (entry.name().to_string(), text)
        })
        .collect()
}

/// Compares every file 0.1 exported into `expected` with what this build exports into `actual`.
fn compare(expected: &Path, actual: &Path, lang: &str, session: &str) -> usize {
    let mut compared = 0;
    for want in files(expected) {
        let name = want.file_name().unwrap().to_string_lossy().into_owned();
        let got = actual.join(&name);
        let (want_bytes, got_bytes) = (std::fs::read(&want).unwrap(), std::fs::read(&got).unwrap());
        if name.ends_with(".wav") {
            assert!(want_bytes == got_bytes, "{name}: the clip's audio differs");
        } else if name.ends_with(".docx") {
            let got = unzip(&got_bytes);
            let want: Vec<(String, String)> =
                unzip(&want_bytes).into_iter().map(|(n, t)| (n.clone(), as_now(&t, lang, session))).collect();
            assert_eq!(want.len(), got.len(), "{name}: the parts of the Word file");
            // A changed label changes the compressed bytes, so the parts are compared.
            for ((want_name, want_text), (got_name, got_text)) in want.iter().zip(&got) {
                assert_eq!(want_name, got_name, "{name}");
                assert!(
                    want_text == got_text,
                    "{name}/{want_name} differs:\n--- 0.1\n{want_text}\n--- now\n{got_text}"
                );
            }
        } else {
            let want_text = as_now(std::str::from_utf8(&want_bytes).unwrap(), lang, session);
            let got_text = std::str::from_utf8(&got_bytes).unwrap();
            assert!(
                want_text == got_text,
                "{name} ({lang}) differs:\n--- 0.1, as now\n{want_text}\n--- now\n{got_text}"
            );
        }
        compared += 1;
    }
    compared
}

fn export(project: &Path, session: &str, convention: &str, lang: &str, out: &Path) {
    ok(verbatim()
        .arg("export")
        .arg(project)
        .arg(session)
        .args(["--format", FORMATS, "--convention", convention, "--lang", lang, "--plaintext", "-o"])
        .arg(format!("{}/", out.display())));
}

#[test]
fn a_project_made_by_verbatim_0_1_exports_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let project = copy_project(dir.path());

    // Its analysis caches are read from 0.1's layout and kept, not made again: they are what
    // its exports were made from. They came from an older detector, and analyze says so.
    let said = String::from_utf8(ok(verbatim().arg("analyze").arg(&project).arg("--all")).stdout).unwrap();
    assert_eq!(said.matches("already analysed").count(), 3, "{said}");
    assert_eq!(said.matches("analysis version 1; `verbatim analyze --force` redoes it").count(), 3, "{said}");

    let listed: serde_json::Value =
        serde_json::from_slice(&ok(verbatim().arg("sessions").arg(&project).arg("--json")).stdout).unwrap();
    let want: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture().join("expected/sessions.json")).unwrap()).unwrap();
    assert_eq!(listed, want, "sessions --json");

    let mut compared = 0;
    for (session, letter, conventions) in [
        (A, "A", &["plain", "jefferson", "gat2", "dresing-pehl"][..]),
        (B, "B", &["plain"][..]),
        (C, "C", &["plain"][..]),
    ] {
        for convention in conventions {
            for lang in ["nb", "en"] {
                let out = dir.path().join(format!("{letter}/{convention}-{lang}"));
                export(&project, session, convention, lang, &out);
                compared +=
                    compare(&fixture().join(format!("expected/{letter}/{convention}-{lang}")), &out, lang, session);
            }
        }
    }
    for kind in ["quote", "follow_up"] {
        let out = dir.path().join(format!("clips-{kind}"));
        ok(verbatim().arg("clips").arg(&project).arg(A).args(["--kind", kind, "--plaintext", "-o"]).arg(&out));
        compared += compare(&fixture().join(format!("expected/A/clips-{kind}")), &out, "nb", A);
    }
    assert_eq!(compared, (8 + 2 + 2) * 9 + 4, "every expected file was compared");

    // Asked to, it redoes one with this build's detector, which is then the current one.
    let said = String::from_utf8(ok(verbatim().arg("analyze").arg(&project).arg(B).arg("--force")).stdout).unwrap();
    assert!(said.contains("analysed in"), "{said}");
    let said = String::from_utf8(ok(verbatim().arg("analyze").arg(&project).arg(B)).stdout).unwrap();
    assert!(said.contains("(already analysed)"), "{said}");
}

#[test]
fn the_review_screen_shows_it_as_before_and_its_save_writes_version_2() {
    let sink = NullSink::start().expect("PulseAudio must be installed (scripts/system-packages)");
    let dir = tempfile::tempdir().unwrap();
    let project = copy_project(dir.path());
    let unset: String = NullSink::ENV_REMOVE.iter().map(|v| format!("-u {v} ")).collect();
    let set: String = sink.env().iter().map(|(k, v)| format!("{k}={} ", v.to_string_lossy())).collect();
    let bin = env!("CARGO_BIN_EXE_verbatim");
    let review = format!("env {unset}{set}VERBATIM_PASSPHRASE='{PASSPHRASE}' {bin} review {} {A}", project.display());

    let t = Tmux::start(&review, 110, 32);
    let screen = t.wait_for("❚❚ PAUSED");
    let want = std::fs::read_to_string(fixture().join("expected/review-screen.txt")).unwrap();
    let trimmed = |s: &str| s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim_end().to_string();
    assert_eq!(trimmed(&screen), trimmed(&want), "the review screen");
    t.keys(&["C-q"]);
    assert!(t.wait_for("EXIT=").contains("EXIT=0"));
    drop(t);

    // Quitting saved the transcript, now in version 2, tags as tokens.
    let transcript = project.join(format!("participants/P01/sessions/{A}/transcript.json.age"));
    let key = dir.path().join("p01.key");
    ok(verbatim().args(["key", "export"]).arg(&project).args(["--participant", "P01", "-o"]).arg(&key));
    let plain = common::tool("age", &["-d", "-i", key.to_str().unwrap(), transcript.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(json["version"], 2);
    assert_eq!(json["segments"][1]["speaker"], "participant");
    assert_eq!(json["segments"][1]["tokens"][5], serde_json::json!({"tag": "laughter", "glued": true}));
    assert_eq!(json["segments"][2]["tokens"][5], serde_json::json!({"tag": "inaudible", "at_ms": 11_000}));

    // And it exports what 0.1 exported.
    let out = dir.path().join("after");
    export(&project, A, "plain", "nb", &out);
    assert_eq!(compare(&fixture().join("expected/A/plain-nb"), &out, "nb", A), 9);
}
