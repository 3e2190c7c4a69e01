//! The EAF and .docx writers checked by real external tools, not by our own reading of the specs:
//! `xmllint` validates EAF output against MPI's EAF 3.0 schema (and is shown to reject broken
//! documents), and python-docx opens the .docx and reads the paragraphs back.
//!
//! The tools come from Debian packages listed in scripts/system-packages; a missing tool fails the
//! test with the package to install, never skips it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::Path;
use std::process::{Command, Output};

use chrono::DateTime;
use verbatim::export::writers::docx::{self, DocxMeta, DocxParagraph, DocxRun, DocxStyle};
use verbatim::export::writers::eaf::{self, EafAnnotation, EafDocument, EafMedia, EafTier, EafTierKind};

const XSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/export/EAFv3.0.xsd");

/// Debian's interpreter, not whatever `python3` is first on PATH: python3-docx installs into
/// Debian's dist-packages, which a pyenv or venv python does not see.
const DEBIAN_PYTHON: &str = "/usr/bin/python3";

fn run(program: &str, args: &[&str], package: &str) -> Output {
    Command::new(program).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {program} ({e}): install the Debian package {package} (see scripts/system-packages)")
    })
}

fn xmllint(file: &Path) -> Output {
    let file = file.to_str().expect("temp path is UTF-8");
    run("xmllint", &["--noout", "--nonet", "--schema", XSD, file], "libxml2-utils")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ann(start_ms: u64, end_ms: u64, value: &str) -> EafAnnotation {
    EafAnnotation { start_ms, end_ms, value: value.to_owned() }
}

fn tier(id: &str, participant: Option<&str>, kind: EafTierKind, annotations: Vec<EafAnnotation>) -> EafTier {
    EafTier { id: id.to_owned(), participant: participant.map(str::to_owned), kind, annotations }
}

/// An interview with every feature the writer has: several tiers of each kind, a point marker,
/// colliding and empty tier names, and text that needs escaping or cleaning.
fn interview() -> EafDocument {
    EafDocument {
        date: DateTime::parse_from_rfc3339("2024-05-02T13:45:00+02:00").unwrap(),
        author: "verbatim & co <test>".to_owned(),
        media: Some(EafMedia {
            url: "file:///home/forsker/intervju%203.wav".to_owned(),
            mime_type: "audio/x-wav".to_owned(),
            relative_url: Some("./intervju%203.wav".to_owned()),
        }),
        tiers: vec![
            tier(
                "I",
                Some("Intervjuer"),
                EafTierKind::Speech,
                vec![ann(0, 2400, "Hvordan opplevde du «det»?"), ann(9000, 9600, "Mm.")],
            ),
            tier(
                "B",
                Some("Bjørn"),
                EafTierKind::Speech,
                vec![ann(2600, 8800, "Tja… <pause> & \"sånn\" 'da'\u{0}\u{1b}[0m\nny linje\tmed tab")],
            ),
            tier("B", Some("Bjørn (2)"), EafTierKind::Speech, vec![ann(5000, 5200, "overlapp")]),
            tier("Spørsmål", None, EafTierKind::Question, vec![ann(0, 2400, "1. Opplevelse")]),
            tier("Markører", None, EafTierKind::Marker, vec![ann(4000, 4000, "sitat?")]),
            tier("", None, EafTierKind::Pause, vec![ann(2400, 2600, "(0.2)"), ann(8800, 9000, "(.)")]),
            tier("Tom", None, EafTierKind::Speech, vec![]),
        ],
    }
}

fn write_eaf(dir: &Path, name: &str, xml: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, xml).unwrap();
    path
}

#[test]
fn eaf_output_validates_against_the_eaf_3_0_schema() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = eaf::render(&interview()).unwrap();
    let path = dir.path().join("interview.eaf");
    std::fs::write(&path, &*bytes).unwrap();
    let out = xmllint(&path);
    assert!(out.status.success(), "xmllint rejected our EAF:\n{}", stderr(&out));
    assert!(stderr(&out).contains("interview.eaf validates"), "{}", stderr(&out));

    let empty = EafDocument { media: None, tiers: vec![], ..interview() };
    let path = dir.path().join("empty.eaf");
    std::fs::write(&path, &*eaf::render(&empty).unwrap()).unwrap();
    let out = xmllint(&path);
    assert!(out.status.success(), "xmllint rejected an empty EAF:\n{}", stderr(&out));
}

#[test]
fn eaf_schema_rejects_broken_documents() {
    let dir = tempfile::tempdir().unwrap();
    let good = String::from_utf8(eaf::render(&interview()).unwrap().to_vec()).unwrap();

    let time_order_start = good.find("    <TIME_ORDER>").unwrap();
    let time_order_end = good.find("    </TIME_ORDER>\n").unwrap() + "    </TIME_ORDER>\n".len();
    let last_tier_end = good.rfind("    </TIER>\n").unwrap() + "    </TIER>\n".len();
    let tier_before_time_order = format!(
        "{}{}{}{}",
        &good[..time_order_start],
        &good[time_order_end..last_tier_end],
        &good[time_order_start..time_order_end],
        &good[last_tier_end..]
    );

    let broken: [(&str, String, &str); 5] = [
        (
            "duplicate-annotation-id",
            good.replacen("ANNOTATION_ID=\"a2\"", "ANNOTATION_ID=\"a1\"", 1),
            "'a1' is not a valid value of the atomic type 'xs:ID'",
        ),
        (
            "tier-before-time-order",
            tier_before_time_order,
            "Element 'TIER': This element is not expected. Expected is ( TIME_ORDER )",
        ),
        (
            "id-starting-with-digit",
            good.replace("\"ts1\"", "\"1ts\""),
            "'1ts' is not a valid value of the atomic type 'xs:ID'",
        ),
        (
            "undefined-linguistic-type",
            good.replacen("LINGUISTIC_TYPE_REF=\"marker\"", "LINGUISTIC_TYPE_REF=\"nonesuch\"", 1),
            "No match found for key-sequence ['nonesuch'] of keyref 'linTypeNameRef'",
        ),
        (
            "missing-time-slot",
            good.replacen("TIME_SLOT_REF2=\"ts3\"", "TIME_SLOT_REF2=\"ts999\"", 1),
            "No match found for key-sequence ['ts999'] of keyref 'timeSlotRef2'",
        ),
    ];
    for (name, xml, expected) in broken {
        assert!(xml != good, "{name}: the edit must change the document");
        let out = xmllint(&write_eaf(dir.path(), &format!("{name}.eaf"), &xml));
        let err = stderr(&out);
        assert!(!out.status.success(), "{name}: xmllint accepted a broken EAF:\n{err}");
        assert!(err.contains("fails to validate") && err.contains(expected), "{name}: unexpected complaint:\n{err}");
    }
}

/// Reads a .docx with python-docx and prints what it sees as JSON.
const READ_DOCX: &str = r#"
import docx, json, sys
d = docx.Document(sys.argv[1])
print(json.dumps({
    "paragraphs": [
        [p.style.name, p.text, [[r.text, bool(r.bold), bool(r.italic)] for r in p.runs]]
        for p in d.paragraphs
    ],
    "title": d.core_properties.title,
    "language": d.core_properties.language,
    "created": d.core_properties.created.isoformat(),
}, ensure_ascii=False))
"#;

#[test]
fn docx_reads_back_in_python_docx() {
    let paragraphs = vec![
        DocxParagraph::plain(DocxStyle::Title, "Intervju 3: Bjørn"),
        DocxParagraph::plain(DocxStyle::Small, "(.) pause under 0,2 s · ((ler)) latter"),
        DocxParagraph::plain(DocxStyle::Heading, "Del 1 – Opplevelse"),
        DocxParagraph {
            style: DocxStyle::Normal,
            runs: vec![
                DocxRun { text: "00:00:02\t".to_owned(), bold: false, italic: false },
                DocxRun { text: "I:".to_owned(), bold: true, italic: false },
                DocxRun { text: " Hvordan <var> det & \"sånn\"?".to_owned(), bold: false, italic: false },
            ],
        },
        DocxParagraph {
            style: DocxStyle::Normal,
            runs: vec![
                DocxRun { text: "B:".to_owned(), bold: true, italic: false },
                DocxRun { text: " Tja\u{0}\u{7}…\r\nærlig talt".to_owned(), bold: false, italic: true },
            ],
        },
    ];
    let meta = DocxMeta {
        title: "Intervju 3 – Bjørn".to_owned(),
        language: "nb-NO".to_owned(),
        created: DateTime::parse_from_rfc3339("2024-05-02T13:45:07+02:00").unwrap(),
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("intervju.docx");
    std::fs::write(&path, &*docx::render(&paragraphs, &meta).unwrap()).unwrap();

    let out = run(DEBIAN_PYTHON, &["-c", READ_DOCX, path.to_str().unwrap()], "python3");
    let err = stderr(&out);
    assert!(!err.contains("No module named 'docx'"), "python-docx is missing: install the Debian package python3-docx");
    assert!(out.status.success(), "python-docx could not read our .docx:\n{err}");
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let expected = serde_json::json!({
        "paragraphs": [
            ["Title", "Intervju 3: Bjørn", [["Intervju 3: Bjørn", false, false]]],
            ["Small", "(.) pause under 0,2 s · ((ler)) latter", [["(.) pause under 0,2 s · ((ler)) latter", false, false]]],
            ["Heading 1", "Del 1 – Opplevelse", [["Del 1 – Opplevelse", false, false]]],
            ["Normal", "00:00:02\tI: Hvordan <var> det & \"sånn\"?", [
                ["00:00:02\t", false, false], ["I:", true, false], [" Hvordan <var> det & \"sånn\"?", false, false]
            ]],
            ["Normal", "B: Tja…\nærlig talt", [["B:", true, false], [" Tja…\nærlig talt", false, true]]],
        ],
        "title": "Intervju 3 – Bjørn",
        "language": "nb-NO",
        "created": "2024-05-02T11:45:07",
    });
    assert_eq!(seen, expected);
}
