//! Participants' consent, the retention date and `verbatim status` through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod common;

use std::path::Path;

use common::*;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/demo/interview.wav");

fn status(s: &Scratch) -> String {
    String::from_utf8(ok(verbatim().arg("status").arg(s.project())).stdout).unwrap()
}

#[test]
fn status_shows_consent_progress_days_left_and_warnings() {
    let s = Scratch::new();
    let in_ten_days = (chrono::Local::now().date_naive() + chrono::Days::new(10)).to_string();
    ok(verbatim().arg("retention").arg(s.project()).arg(&in_ten_days));
    ok(verbatim().args(["participant", "add"]).arg(s.project()).args([
        "P02",
        "--consent",
        "given",
        "--date",
        "2026-11-01",
        "--note",
        "skjema versjon 2",
    ]));
    let id = s.import(Path::new(DEMO));
    let exports = s.path("out");
    ok(verbatim()
        .arg("export")
        .arg(s.project())
        .arg(&id)
        .args(["--format", "txt", "--plaintext", "-o"])
        .arg(format!("{}/", exports.display())));

    let report = status(&s);
    assert!(report.contains(&format!("Retention: until {in_ten_days}, 10 days left")), "{report}");
    assert!(report.contains("P02  consent given 2026-11-01  0 session(s)"), "{report}");
    assert!(report.contains("P01  consent pending"), "{report}");
    assert!(report.contains(&format!("  {id}  00:01:04.0  complete    not transcribed")), "{report}");
    assert!(report.contains("10 days left before every copy must be deleted"), "{report}");
    assert!(report.contains("P01 has recordings but consent is pending"), "{report}");
    assert!(report.contains("1 unencrypted exported file(s) still exist"), "{report}");

    ok(verbatim().args(["participant", "consent"]).arg(s.project()).args(["P01", "withdrawn", "--date", "2026-11-21"]));
    let report = status(&s);
    assert!(report.contains("P01  consent withdrawn 2026-11-21"), "{report}");
    assert!(
        report.contains(&format!(
            "P01 withdrew consent: delete everything about them with `verbatim forget {} P01`",
            s.project().display()
        )),
        "{report}"
    );
    let list = String::from_utf8(ok(verbatim().args(["participant", "list"]).arg(s.project())).stdout).unwrap();
    assert_eq!(
        list.lines().collect::<Vec<_>>(),
        [
            "P01      consent withdrawn 2026-11-21   1 session(s)",
            "P02      consent given 2026-11-01       0 session(s)"
        ]
    );

    // The consent record is encrypted to the participant: the note is not readable on disk.
    let raw = std::fs::read(s.project().join("participants/P02/consent.json.age")).unwrap();
    assert!(raw.starts_with(b"age-encryption.org/v1") && !raw.windows(6).any(|w| w == b"skjema"));

    let verified = String::from_utf8(ok(verbatim().arg("verify").arg(s.project())).stdout).unwrap();
    assert!(
        verified.contains("P02/consent.json.age  (consent record")
            && verified.contains("exports.json.age  (export manifest"),
        "{verified}"
    );
    ok(verbatim().arg("retention").arg(s.project()).arg("2020-01-31"));
    let report = status(&s);
    assert!(
        report.contains("the retention date 2020-01-31 has passed") && report.contains("verbatim shred"),
        "{report}"
    );
}

#[test]
fn personal_data_as_a_code_and_bad_dates_are_refused_with_nothing_changed() {
    let s = Scratch::new();
    let config = std::fs::read(s.project().join("verbatim.toml")).unwrap();
    for (id, why) in
        [("kari@uio.no", "email"), ("+4791234567", "letters"), ("91234567", "phone"), ("Kari Nordmann", "letters")]
    {
        let err = fails(verbatim().args(["participant", "add"]).arg(s.project()).arg(id));
        assert!(err.contains(why) && err.contains("P01"), "{id}: {err}");
    }
    let err = fails(verbatim().arg("retention").arg(s.project()).arg("30.06.2027"));
    assert!(err.contains("YYYY-MM-DD") && err.contains("nothing was changed"), "{err}");
    assert_eq!(std::fs::read(s.project().join("verbatim.toml")).unwrap(), config);
    let list = String::from_utf8(ok(verbatim().args(["participant", "list"]).arg(s.project())).stdout).unwrap();
    assert_eq!(list.lines().count(), 1, "{list}");
}

#[test]
fn renaming_a_code_moves_sessions_speakers_consent_and_exports() {
    use verbatim::model::transcript::tokens_from_text;
    use verbatim::model::{Segment, Span, Speaker, Transcript};
    use verbatim::project::Project;
    use verbatim::session::transcript::TranscriptSaver;
    let s = Scratch::new();
    ok(verbatim().args(["participant", "add"]).arg(s.project()).arg("P02"));
    ok(verbatim().args(["participant", "consent"]).arg(s.project()).args(["P01", "given", "--date", "2026-11-02"]));
    let id = s.import(Path::new(DEMO));
    let project = Project::open(&s.project()).unwrap();
    let mut keyring = project.unlock(&PASS.to_string().into()).unwrap();
    let identity = keyring.participant(&code("P01")).unwrap().clone();
    let mut transcript = Transcript::default();
    let mut segment = Segment::empty(Span::ms(1_000, 4_000), Some(Speaker::Participant));
    segment.tokens = tokens_from_text("ja");
    transcript.segments = vec![segment, Segment::empty(Span::ms(5_000, 8_000), Some(Speaker::Interviewer))];
    let saver = TranscriptSaver::spawn(s.session_dir(&id), identity.to_public()).unwrap();
    saver.save(&transcript);
    saver.finish();
    let out = s.path("out");
    ok(verbatim()
        .arg("export")
        .arg(s.project())
        .arg(&id)
        .args(["--format", "json", "-o"])
        .arg(format!("{}/", out.display())));

    for (new, why) in [("P02", "already exists"), ("kari@uio.no", "email")] {
        let err = fails(verbatim().args(["participant", "rename"]).arg(s.project()).args(["P01", new]));
        assert!(err.contains(why), "{err}");
    }
    let err = fails(verbatim().args(["participant", "rename"]).arg(s.project()).args(["P09", "P10"]));
    assert!(err.contains("no participant \"P09\""), "{err}");
    let said = ok(verbatim().args(["participant", "rename"]).arg(s.project()).args(["P01", "P07"]));
    let new_id = id.replace("-P01", "-P07");
    assert!(String::from_utf8_lossy(&said.stdout).contains(&format!("{id} -> {new_id}")));

    let sessions = s.sessions();
    let session = sessions.iter().find(|r| r["id"] == new_id.as_str()).expect("the renamed session");
    assert_eq!(session["participant"], "P07");
    assert!(!s.project().join("participants/P01").exists());
    let json = s.path("after.json");
    ok(verbatim()
        .arg("export")
        .arg(s.project())
        .arg(&new_id)
        .args(["--format", "json", "--plaintext", "-o"])
        .arg(&json));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(
        (doc["session"]["id"].as_str(), doc["session"]["participant"].as_str()),
        (Some(new_id.as_str()), Some("P07"))
    );
    assert_eq!(doc["segments"][0]["speaker"], "P07");
    assert_eq!(doc["segments"][1]["speaker"], "I");
    let list = String::from_utf8(ok(verbatim().args(["participant", "list"]).arg(s.project())).stdout).unwrap();
    assert!(list.contains("P07      consent given 2026-11-02       1 session(s)"), "{list}");
    // The export made under the old code is still found by forget under the new one.
    let exported = out.join(format!("{id}.json.age"));
    assert!(exported.exists());
    ok(verbatim().arg("forget").arg(s.project()).args(["P07", "--yes"]));
    assert!(!exported.exists());
}
