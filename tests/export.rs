//! Exports through the real binary on the demo interview with markers and half a transcript:
//! every convention's pause marks against the JSON, real parsers for every format, the
//! identifying passage, encryption by default, `--all`, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::*;
use verbatim::export::convention::{Convention, Lang};
use verbatim::model::transcript::tokens_from_text;
use verbatim::model::{Mark, Marker, Segment, Span, Speaker, Transcript};
use verbatim::project::Project;
use verbatim::session::markers::{MarkerLog, MarkerSaver};
use verbatim::session::transcript::TranscriptSaver;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/demo/interview.wav");
/// Typed into the segment the identifying marker points at; must never leave in an export.
const SECRET: &str = "Ullevål";
const CONVENTIONS: [&str; 4] = ["plain", "jefferson", "gat2", "dresing-pehl"];
/// Debian's Python, which has the python3-* parser packages (a pyenv shim may come first in PATH).
const DEBIAN_PYTHON: &str = "/usr/bin/python3";
const ALL_FORMATS: &str = "json,txt,md,docx,vtt,srt,eaf,f4,nvivo";
const XSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/export/EAFv3.0.xsd");

/// A project with the demo interview as P01's session, markers, and text in every other
/// segment; returns the session id.
fn session(s: &Scratch) -> String {
    let id = s.import(Path::new(DEMO));
    // The analysis gives the segments to type into.
    let json = export(s, &id, "json", "plain", &[]);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(json.join(format!("{id}.json"))).unwrap()).unwrap();
    let segments: Vec<(u64, u64)> = doc["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["start_ms"].as_u64().unwrap(), s["end_ms"].as_u64().unwrap()))
        .collect();
    assert!(segments.len() >= 6, "the demo has enough segments: {segments:?}");

    let project = Project::open(&s.project()).unwrap();
    let mut keyring = project.unlock(&PASS.to_string().into()).unwrap();
    let identity = keyring.participant(&code("P01")).unwrap().clone();
    let dir = s.session_dir(&id);
    let mid = |i: usize| (segments[i].0 + segments[i].1) / 2;
    let at = |mark, ms: u64| Marker::at(mark, ms * 16, 16_000);
    let note = at(Mark::Note("spør om turnus".into()), mid(3));
    let mut log = MarkerLog::new();
    log.markers = vec![at(Mark::Laughter, mid(1)), at(Mark::Identifying, mid(4)), note, at(Mark::Quote, mid(2))];
    let saver = MarkerSaver::spawn(dir.clone(), identity.to_public()).unwrap();
    saver.save(&log);
    saver.finish();

    let mut transcript = Transcript::default();
    for (i, &(start, end)) in segments.iter().enumerate() {
        let mut segment = Segment::empty(Span::ms(start, end), None);
        segment.speaker = Some(if i % 2 == 0 { Speaker::Interviewer } else { Speaker::Participant });
        if i % 2 == 0 || i == 4 {
            segment.tokens = tokens_from_text(&format!("setning nummer {i} [laughter] her"));
        }
        transcript.segments.push(segment);
    }
    transcript.segments[4].tokens = tokens_from_text(&format!("jeg bor ved {SECRET} sykehus"));
    let saver = TranscriptSaver::spawn(dir, identity.to_public()).unwrap();
    saver.save(&transcript);
    saver.finish();
    id
}

/// `verbatim export` into a fresh folder; returns it.
fn export(s: &Scratch, id: &str, formats: &str, convention: &str, extra: &[&str]) -> PathBuf {
    let out = s.path(&format!("out-{formats}-{convention}-{}", extra.join("")).replace(',', "_"));
    // An existing folder is a folder even for one format.
    std::fs::create_dir(&out).unwrap();
    ok(verbatim()
        .arg("export")
        .arg(s.project())
        .arg(id)
        .args(["--format", formats, "--convention", convention, "--plaintext", "-o"])
        .arg(&out)
        .args(extra));
    out
}

fn read(dir: &Path, id: &str, ext: &str) -> String {
    let text = std::fs::read_to_string(dir.join(format!("{id}.{ext}"))).unwrap();
    text.trim_start_matches('\u{feff}').to_string()
}

/// Whether `token` (one bracketed group) is a pause mark of `convention`.
fn is_pause_mark(convention: &str, token: &str) -> bool {
    let Some(inner) = token.strip_prefix('(').and_then(|t| t.strip_suffix(')')) else { return false };
    let tenths = |t: &str| {
        t.split_once('.').is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.len() == 1 && b.parse::<u32>().is_ok())
    };
    match convention {
        "plain" => {
            inner == "pause"
                || inner
                    .strip_prefix("pause ")
                    .and_then(|r| r.strip_suffix(" s"))
                    .is_some_and(|n| n.parse::<u32>().is_ok())
        }
        "jefferson" => inner == "." || tenths(inner),
        "gat2" => matches!(inner, "." | "-" | "--" | "---") || tenths(inner),
        "dresing-pehl" => inner == "…",
        _ => unreachable!(),
    }
}

/// Every pause mark in the transcript body, in order.
fn pause_marks(convention: &str, body: &str) -> Vec<String> {
    let mut marks = Vec::new();
    for (i, _) in body.match_indices('(') {
        if let Some(len) = body[i..].find(')') {
            let token = &body[i..=i + len];
            if is_pause_mark(convention, token) {
                marks.push(token.to_string());
            }
        }
    }
    marks
}

#[test]
fn pause_marks_match_the_json_one_to_one_in_every_convention() {
    let s = Scratch::new();
    let id = session(&s);
    for convention in CONVENTIONS {
        let out = export(&s, &id, "json,txt", convention, &[]);
        let doc: serde_json::Value = serde_json::from_str(&read(&out, &id, "json")).unwrap();
        let c = Convention::load(convention).unwrap();
        let hidden: Vec<(u64, u64)> = doc["anonymised"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["start_ms"].as_u64().unwrap(), a["end_ms"].as_u64().unwrap()))
            .collect();
        assert!(!hidden.is_empty(), "the identifying passage");
        let mut expected: Vec<(u64, String)> = Vec::new();
        let lists: &[&str] = if c.micro_pauses { &["pauses", "micro_pauses"] } else { &["pauses"] };
        for list in lists {
            for p in doc[list].as_array().unwrap() {
                let (start, end) = (p["start_ms"].as_u64().unwrap(), p["end_ms"].as_u64().unwrap());
                if !hidden.iter().any(|&(a, b)| start >= a && end <= b) {
                    expected
                        .push((start, c.pause_mark(verbatim::model::Ms(p["duration_ms"].as_u64().unwrap()), Lang::Nb)));
                }
            }
        }
        expected.sort();
        let expected: Vec<String> = expected.into_iter().map(|(_, m)| m).collect();
        assert!(expected.len() >= 15, "{convention}: the demo has pauses: {expected:?}");
        let txt = read(&out, &id, "txt");
        // The legend shows examples of every mark; the transcript starts after it.
        let body = &txt[txt.find("\n\n== ").or_else(|| txt.find("\n\n[")).or_else(|| txt.find("\n\nI:")).unwrap()..];
        assert_eq!(pause_marks(convention, body), expected, "{convention}\n{txt}");
    }
}

#[test]
fn every_format_opens_in_a_real_parser_and_keeps_the_secret() {
    let s = Scratch::new();
    let id = session(&s);
    let out = export(&s, &id, ALL_FORMATS, "dresing-pehl", &["--lang", "en"]);
    let doc: serde_json::Value = serde_json::from_str(&read(&out, &id, "json")).unwrap();
    let segments = doc["segments"].as_array().unwrap();

    // WebVTT and SRT: Debian's python3-webvtt and python3-srt read every cue with its times.
    let vtt = tool(
        DEBIAN_PYTHON,
        &[
            "-c",
            "import sys, webvtt\nfor c in webvtt.read(sys.argv[1]): print(c.start, c.end, c.raw_text.replace(chr(10), ' '), sep='|')",
            out.join(format!("{id}.vtt")).to_str().unwrap(),
        ],
    );
    let srt = tool(
        DEBIAN_PYTHON,
        &[
            "-c",
            "import sys, srt\nfor c in srt.parse(open(sys.argv[1], encoding='utf-8').read()): print(int(c.start.total_seconds()*1000), int(c.end.total_seconds()*1000), c.content, sep='|')",
            out.join(format!("{id}.srt")).to_str().unwrap(),
        ],
    );
    let vtt = String::from_utf8(vtt).unwrap();
    let srt = String::from_utf8(srt).unwrap();
    assert_eq!(vtt.lines().count(), segments.len(), "{vtt}");
    assert_eq!(srt.lines().count(), segments.len(), "{srt}");
    for ((cue, sub), segment) in vtt.lines().zip(srt.lines()).zip(segments) {
        let (start, end) = (segment["start_ms"].as_u64().unwrap(), segment["end_ms"].as_u64().unwrap());
        let clock =
            |ms: u64| format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        assert!(cue.starts_with(&format!("{}|{}|<v ", clock(start), clock(end))), "{cue}");
        assert!(sub.starts_with(&format!("{start}|{end}|")), "{sub}");
        let speaker = if segment["speaker"] == "I" { "I" } else { "B" };
        assert!(cue.contains(&format!("<v {speaker}>")) && sub.contains(&format!("|{speaker}: ")), "{cue} / {sub}");
    }

    // f4: every paragraph ends with #hh:mm:ss-d#, and the stamps never go back in time.
    let f4 = read(&out, &id, "f4.txt");
    let mut last = 0;
    let paragraphs: Vec<&str> = f4.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(paragraphs.len(), segments.len());
    for paragraph in &paragraphs {
        let stamp = f4_stamp(paragraph).unwrap_or_else(|| panic!("no #hh:mm:ss-d# at the end of {paragraph:?}"));
        assert!(stamp >= last, "{paragraph}");
        last = stamp;
    }
    let last_end = segments.last().unwrap()["end_ms"].as_u64().unwrap();
    assert_eq!(last, last_end / 100 * 100, "the last stamp is the last segment's end, in tenths");

    // NVivo: a heading row and one row per segment, three tab-separated columns.
    let nvivo = read(&out, &id, "nvivo.tsv");
    let rows: Vec<Vec<&str>> = nvivo.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows[0], ["Timespan", "Speaker", "Content"]);
    assert_eq!(rows.len(), segments.len() + 1);
    assert!(rows.iter().all(|r| r.len() == 3), "{nvivo}");

    // ELAN: valid against the EAF 3.0 schema; a tier per speaker plus questions, markers, pauses.
    let eaf = out.join(format!("{id}.eaf"));
    tool("xmllint", &["--noout", "--nonet", "--schema", XSD, eaf.to_str().unwrap()]);
    let xml = std::fs::read_to_string(&eaf).unwrap();
    for tier in
        ["TIER_ID=\"I\"", "TIER_ID=\"B\"", "TIER_ID=\"Guide questions\"", "TIER_ID=\"Markers\"", "TIER_ID=\"Pauses\""]
    {
        assert!(xml.contains(tier), "{tier}");
    }
    assert_eq!(xml.matches("<TIER ").count(), 5);
    assert_eq!(xml.matches("<ANNOTATION>").count(), segments.len() + 4 + doc["pauses"].as_array().unwrap().len());

    // Word: python-docx opens it; the turns are paragraphs with the speaker's label in bold.
    let docx = tool(
        DEBIAN_PYTHON,
        &[
            "-c",
            "import sys, docx\nfor p in docx.Document(sys.argv[1]).paragraphs: print(p.style.name, '|', p.runs[0].bold if p.runs else None, '|', p.text.replace(chr(9), ' '))",
            out.join(format!("{id}.docx")).to_str().unwrap(),
        ],
    );
    let docx = String::from_utf8(docx).unwrap();
    let turns: Vec<&str> = docx.lines().filter(|l| l.starts_with("Normal | True | ")).collect();
    assert_eq!(turns.len(), segments.len(), "{docx}");
    assert!(docx.lines().next().unwrap().starts_with("Title | "), "{docx}");
    assert!(
        turns.iter().any(|l| l.contains("[anonymised]")) && docx.contains("Small | True | Transcriber: "),
        "{docx}"
    );

    // The identifying passage is gone from every file, replaced where text is shown.
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(SECRET), "{}", path.display());
        assert!(!docx.contains(SECRET));
    }
    for ext in ["txt", "md", "vtt", "srt", "f4.txt", "nvivo.tsv"] {
        assert!(read(&out, &id, ext).contains("[anonymised]"), "{ext}");
    }
    let txt = read(&out, &id, "txt");
    assert!(txt.contains("I: setning nummer") && txt.contains("(lachen)") && !txt.contains("[laughter]"), "{txt}");
}

/// `#hh:mm:ss-d#` at the end of a paragraph, in ms.
fn f4_stamp(paragraph: &str) -> Option<u64> {
    let body = paragraph.trim_end().strip_suffix('#')?;
    let (_, stamp) = body.rsplit_once('#')?;
    let (clock, tenths) = stamp.split_once('-')?;
    let parts: Vec<u64> = clock.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, m, s] = parts[..] else { return None };
    if clock.len() != 8 || tenths.len() != 1 {
        return None;
    }
    Some(((h * 60 + m) * 60 + s) * 1000 + tenths.parse::<u64>().ok()? * 100)
}

#[test]
fn all_sessions_are_encrypted_by_default_and_the_age_cli_reads_them() {
    let s = Scratch::new();
    let id = session(&s);
    let second = s.import(Path::new(DEMO));
    let out = s.path("all");
    let log = ok(verbatim().arg("export").arg(s.project()).args(["--all", "--format", "txt,srt", "-o"]).arg(&out));
    let said = String::from_utf8_lossy(&log.stdout);
    assert_eq!(said.matches("encrypted to P01's key").count(), 4, "{said}");
    let key = s.path("P01.key");
    ok(verbatim().args(["key", "export"]).arg(s.project()).args(["--participant", "P01", "-o"]).arg(&key));
    let plain = export(&s, &id, "txt", "plain", &[]);
    for session in [&id, &second] {
        for ext in ["txt", "srt"] {
            let sealed = out.join(format!("{session}.{ext}.age"));
            let raw = std::fs::read(&sealed).unwrap();
            assert!(raw.starts_with(b"age-encryption.org/v1"), "{}", sealed.display());
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&sealed).unwrap().permissions().mode() & 0o777, 0o600);
            let text = tool("age", &["-d", "-i", key.to_str().unwrap(), sealed.to_str().unwrap()]);
            if session == &id && ext == "txt" {
                assert_eq!(String::from_utf8(text).unwrap(), read(&plain, &id, "txt"));
            } else {
                assert!(!text.is_empty());
            }
        }
    }
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o700);
    // Again into the same folder: every clash is found first, and nothing is replaced.
    let before = std::fs::read(out.join(format!("{id}.txt.age"))).unwrap();
    let err = fails(verbatim().arg("export").arg(s.project()).args(["--all", "--format", "txt", "-o"]).arg(&out));
    assert!(err.contains("already exists") && err.contains("nothing was written"), "{err}");
    assert_eq!(std::fs::read(out.join(format!("{id}.txt.age"))).unwrap(), before);
}

#[test]
fn bad_requests_are_refused_before_anything_is_written() {
    let s = Scratch::new();
    let id = s.import(Path::new(DEMO));
    let run = |args: &[&str]| fails(verbatim().arg("export").arg(s.project()).arg(&id).args(args));
    let err = run(&["--format", "txt", "--convention", "chicago", "-o", "x.txt", "--plaintext"]);
    assert!(
        err.contains("no convention called \"chicago\"") && err.contains("plain, jefferson, gat2, dresing-pehl"),
        "{err}"
    );
    let bad = s.path("lab.toml");
    std::fs::write(&bad, "extends = \"jefferson\"\n\n[marks]\nlaugh = { mark = \"hah\", legend = \"x\" }\n").unwrap();
    let err = run(&["--format", "txt", "--convention", bad.to_str().unwrap(), "-o", "x.txt", "--plaintext"]);
    assert!(err.contains("lab.toml: line 4: unknown field `laugh`"), "{err}");
    let target = s.path("t.txt");
    let err = run(&["--format", "txt", "-o", target.to_str().unwrap()]);
    assert!(err.contains("--plaintext") && err.contains("t.txt.age"), "{err}");
    assert!(!target.exists());
    std::fs::write(&target, "mine").unwrap();
    let err = run(&["--format", "txt", "--plaintext", "-o", target.to_str().unwrap()]);
    assert!(err.contains("already exists"), "{err}");
    let err = run(&["--format", "txt,srt", "--plaintext", "-o", target.to_str().unwrap()]);
    assert!(err.contains("needs a folder"), "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine");
    // A user convention that extends a shipped one works.
    std::fs::write(
        &bad,
        "extends = \"jefferson\"\n\n[marks]\nlaughter = { mark = \"((ler))\", legend = \"latter\" }\n",
    )
    .unwrap();
    let out = s.path("lab");
    ok(verbatim()
        .arg("export")
        .arg(s.project())
        .arg(&id)
        .args(["--format", "txt,md", "--plaintext", "--convention"])
        .arg(&bad)
        .arg("-o")
        .arg(&out));
    let txt = read(&out, &id, "txt");
    assert!(txt.contains("((ler))") && txt.contains("Konvensjon:   Jefferson"), "{txt}");
}
