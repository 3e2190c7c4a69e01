use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const NB: &str = include_str!("../../tests/fixtures/guides/guide-nb.md");
const FOCUS: &str = include_str!("../../tests/fixtures/guides/guide-en-focus-group.md");

fn at(section: usize, question: usize) -> QuestionRef {
    QuestionRef { section, question }
}

fn parse_err(text: &str) -> GuideError {
    match Guide::parse(text, "g.md") {
        Ok(guide) => panic!("expected an error, parsed {guide:?}"),
        Err(e) => e,
    }
}

/// Asserts the error's line and that its message contains `needle`.
#[track_caller]
fn assert_err(text: &str, line: usize, needle: &str) -> GuideError {
    let e = parse_err(text);
    assert_eq!(e.line, line, "{e}");
    assert!(e.message.contains(needle), "{e:?} lacks {needle:?}");
    assert!(!e.hint.is_empty());
    e
}

#[test]
fn norwegian_fixture() {
    let g = Guide::parse(NB, "guide-nb.md").unwrap();
    assert_eq!(g.title, "Intervjuguide: erfaringsmedarbeidere i rus- og psykisk helsetjenester");
    assert_eq!(g.preamble, ["Semistrukturert. Rekkefølgen kan endres; oppfølgingsspørsmål i parentes."]);
    let shape: Vec<_> = g.sections.iter().map(|s| (s.title.as_str(), s.line, s.questions.len())).collect();
    assert_eq!(
        shape,
        [
            ("Innledning", 5, 5),
            ("Rollen og mulighetene i den", 13, 3),
            ("Egen historie i møte med brukere", 20, 3),
            ("Utfordringer", 25, 2),
            ("Avslutning", 30, 2),
        ]
    );
    assert_eq!(g.question_count(), 15);
    let q = g.question(at(0, 2)).unwrap();
    assert_eq!((q.text.as_str(), q.line), ("Hvor lenge har du hatt denne stillingen?", 8));
    assert_eq!(q.probes, [Probe { text: "(Har du hatt en lignende stilling et annet sted før?)".into(), line: 9 }]);
    // A parenthesis at the end of a question does not make it a probe.
    let first = g.question(at(0, 0)).unwrap();
    assert!(first.text.ends_with("(ikke tatt opp)") && first.probes.is_empty());
    let probes: Vec<_> = g.questions().flat_map(|(_, q)| q.probes.iter().map(|p| p.line)).collect();
    assert_eq!(probes, [9, 16, 18, 27]);
    let q = g.question(at(3, 0)).unwrap();
    assert_eq!(q.probes[0].text, "(Hvordan håndterer du skillet mellom jobb og fritid?)");
    assert_eq!(g.question(at(4, 1)).map(|q| (q.text.as_str(), q.line)), Some(("Takk for at du deltok", 32)));
}

#[test]
fn focus_group_fixture() {
    let g = Guide::parse(FOCUS, "focus.md").unwrap();
    assert_eq!(g.title, "Focus group guide: leaders who employ peer workers");
    assert_eq!(g.preamble.len(), 1);
    assert!(g.preamble[0].starts_with("Seven participants (L1-L7)"));
    let counts: Vec<_> = g.sections.iter().map(|s| s.questions.len()).collect();
    assert_eq!(counts, [2, 2, 2, 2, 2]);
    assert_eq!(g.sections[2].title, "Consultant or co-worker?");
    let q = g.question(at(1, 0)).unwrap();
    assert_eq!(q.line, 10);
    assert_eq!(q.probes, [Probe { text: "(Which professional groups were most sceptical?)".into(), line: 11 }]);
    assert_eq!(g.question(at(2, 0)).unwrap().probes[0].line, 16);
    let last = g.questions().last().unwrap();
    assert_eq!((last.0, last.1.text.as_str(), last.1.line), (at(4, 1), "Anything we have not covered?", 25));
}

#[test]
fn load_returns_text_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.md");
    std::fs::write(&path, NB).unwrap();
    let (guide, text) = Guide::load(&path).unwrap();
    assert_eq!(text, NB);
    assert_eq!(guide, Guide::parse(NB, "x").unwrap());

    let missing = Guide::load(&dir.path().join("nope.md")).unwrap_err();
    assert_eq!(missing.line, 0);
    assert!(
        missing.to_string().starts_with(&format!("{}: cannot read the guide", dir.path().join("nope.md").display()))
    );

    std::fs::write(&path, b"# T\n## S\n- ok\n- caf\xe9\n").unwrap();
    let e = Guide::load(&path).unwrap_err();
    assert_eq!((e.line, e.origin.as_str()), (0, path.to_str().unwrap()));
    assert!(e.message.contains("not UTF-8") && e.message.contains("line 4"), "{e}");

    std::fs::write(&path, vec![b'#'; MAX_GUIDE_BYTES + 1]).unwrap();
    let e = Guide::load(&path).unwrap_err();
    assert!(e.line == 0 && e.message.contains("larger than 1 MiB"), "{e}");
}

#[test]
fn display_format() {
    let e = assert_err("# T\n## S\n- q\nloose text\n", 4, "not a list item");
    assert_eq!(
        e.to_string(),
        "g.md, line 4: text that is not a list item in section \"S\". \
         Write questions as `- ` list items and probes as indented `- ` items, each on one line."
    );
    assert!(e.hint.contains("Write questions as `- ` list items"));
    let e = assert_err("# T\n", 0, "no questions");
    assert_eq!(e.to_string(), format!("g.md: the guide has no questions. {}", e.hint));
}

#[test]
fn error_cases() {
    assert_err("", 0, "empty");
    assert_err("\n\n<!-- c -->\n", 0, "empty");
    assert_err("Intro\n# T\n", 1, "does not start with a `# Title`");
    assert_err("\n## S\n- q\n", 2, "does not start with a `# Title`");
    assert_err("#\n## S\n- q\n", 1, "title is empty");
    assert_err("# T\n- q\n## S\n- q\n", 2, "question before any section");
    assert_err("# T\n  - p\n## S\n- q\n", 2, "probe with no question");
    assert_err("# T\n## S\n  - p\n- q\n", 3, "probe with no question");
    assert_err("# T\n## S\n- (p)\n", 3, "probe with no question");
    assert_err("# T\n## S\n- q\n### Sub\n", 4, "`###` headings are not supported");
    assert_err("# T\n## S\n- q\n# Again\n", 4, "second `# ` title (the guide's title is on line 1)");
    assert_err("# T\n\n## S\n- q\nplain\n", 5, "not a list item in section \"S\"");
    assert_err("# T\n## S\n- q\n  continued\n", 4, "not a list item");
    assert_err("# T\n## Empty\n\n## S\n- q\n", 2, "section \"Empty\" has no questions");
    assert_err("# T\n## S\n- q\n## Last\n\n", 4, "section \"Last\" has no questions");
    assert_err("# T\nJust a preamble.\n", 0, "no questions");
    assert_err("# T\n## S\n- \n", 3, "empty question");
    assert_err("# T\n## S\n-\n", 3, "empty question");
    assert_err("# T\n## S\n1.\n", 3, "empty question");
    assert_err("# T\n## S\n- q\n  - \n", 4, "empty probe");
    assert_err("# T\n## S\n- q\n- ( )\n", 4, "empty probe");
    assert_err("# T\n##\n- q\n", 2, "section heading without a name");
    assert_err("# T\n## S\n - q\n", 3, "single space");
    let long = format!("# T\n## S\n- {}\n", "é".repeat(MAX_LINE_CHARS));
    assert_err(&long, 3, "2002 characters long");
    assert_err("# T\n## S\n- q\x1b[2J\n", 3, "U+001B");
    assert_err("# T\r## S\n- q\n", 1, "U+000D");
    assert_err("# T\n<!-- open\n## S\n- q\n", 2, "never closed");
    assert_err("# T\n## S\n<!-- c --> - q\n", 3, "after the end of a comment");
    assert_err("# T\n<!--\nc\n--> - q\n", 4, "after the end of a comment");
    let big = format!("# T\n## S\n- q\n{}", " ".repeat(MAX_GUIDE_BYTES));
    assert_err(&big, 0, "larger than 1 MiB");
}

#[test]
fn dialect_variants() {
    let text = "\u{feff}# Title #\r\n\r\nPara one.\r\n  Para two.  \r\n<!-- note -->\r\n## One ##\r\n\
                * star\r\n\t- tab probe\r\n+ plus\r\n    * deep probe\r\n- (a) or (b)?\r\n\
                <!--\r\n- hidden\r\n-->\r\n## Two\r\n1. first\r\n- (column-0 probe)\r\n12) twelfth\r\n  3. numbered probe\r\n";
    let g = Guide::parse(text, "v.md").unwrap();
    assert_eq!(g.title, "Title");
    assert_eq!(g.preamble, ["Para one.", "Para two."]);
    assert_eq!(g.sections[0].title, "One");
    let all: Vec<_> = g
        .questions()
        .map(|(r, q)| {
            (r, q.text.as_str(), q.line, q.probes.iter().map(|p| (p.text.as_str(), p.line)).collect::<Vec<_>>())
        })
        .collect();
    assert_eq!(
        all,
        [
            (at(0, 0), "star", 7, vec![("tab probe", 8)]),
            (at(0, 1), "plus", 9, vec![("deep probe", 10)]),
            (at(0, 2), "(a) or (b)?", 11, vec![]),
            (at(1, 0), "first", 16, vec![("(column-0 probe)", 17)]),
            (at(1, 1), "twelfth", 18, vec![("numbered probe", 19)]),
        ]
    );
    assert!(parenthesised("(a (b) c)") && !parenthesised("(a) (b)") && !parenthesised("(a"));
}

#[test]
fn navigation() {
    let g = Guide::parse(NB, "nb").unwrap();
    let order: Vec<_> = g.questions().map(|(r, _)| r).collect();
    assert_eq!(order.len(), 15);
    assert_eq!(g.first(), Some(at(0, 0)));
    for pair in order.windows(2) {
        assert_eq!(g.next(pair[0]), Some(pair[1]));
        assert_eq!(g.prev(pair[1]), Some(pair[0]));
    }
    assert_eq!(g.prev(at(0, 0)), None);
    assert_eq!(g.next(at(4, 1)), None);
    assert_eq!(g.next(at(0, 4)), Some(at(1, 0)));
    assert_eq!(g.prev(at(1, 0)), Some(at(0, 4)));

    assert_eq!(g.next_section(at(0, 3)), Some(at(1, 0)));
    assert_eq!(g.next_section(at(3, 0)), Some(at(4, 0)));
    assert_eq!(g.next_section(at(4, 0)), None);
    assert_eq!(g.prev_section(at(2, 2)), Some(at(2, 0)));
    assert_eq!(g.prev_section(at(2, 0)), Some(at(1, 0)));
    assert_eq!(g.prev_section(at(0, 3)), Some(at(0, 0)));
    assert_eq!(g.prev_section(at(0, 0)), None);

    // Refs that point nowhere go nowhere.
    for bad in [at(0, 5), at(5, 0), at(usize::MAX, usize::MAX)] {
        assert_eq!((g.next(bad), g.prev(bad), g.next_section(bad), g.prev_section(bad)), (None, None, None, None));
        assert!(g.question(bad).is_none());
    }

    // Hand-built guides may have empty sections; navigation steps over them.
    let mut h = g.clone();
    h.sections[1].questions.clear();
    h.sections[4].questions.clear();
    assert_eq!(h.next(at(0, 4)), Some(at(2, 0)));
    assert_eq!(h.prev(at(2, 0)), Some(at(0, 4)));
    assert_eq!(h.next_section(at(0, 0)), Some(at(2, 0)));
    assert_eq!(h.prev_section(at(2, 0)), Some(at(0, 0)));
    assert_eq!(h.next(at(3, 1)), None);
    assert_eq!(h.next_section(at(3, 0)), None);
    h.sections[0].questions.clear();
    assert_eq!(h.first(), Some(at(2, 0)));
}

/// Checks what every successful parse promises, so random inputs test more than "no panic".
fn check_invariants(text: &str, result: Result<Guide, GuideError>) {
    let lines = text.split('\n').count();
    match result {
        Ok(g) => {
            assert!(!g.sections.is_empty());
            let mut last = 0;
            for s in &g.sections {
                assert!(!s.questions.is_empty() && s.line > last);
                last = s.line;
                for q in &s.questions {
                    assert!(q.line > last && !q.text.is_empty());
                    last = q.line;
                    for p in &q.probes {
                        assert!(p.line > last && !p.text.is_empty());
                        last = p.line;
                    }
                }
            }
            assert!(last <= lines);
            assert_eq!(g.questions().count(), g.question_count());
        }
        Err(e) => {
            assert!(e.line <= lines, "{e}");
            assert!(!e.message.is_empty() && !e.hint.is_empty());
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    // Half the bytes come from the dialect's syntax so the parser gets past the first line.
    const SYNTAX: &[u8] = b"#-*+ ()\n\t1.<!->x";
    let mut rng = StdRng::seed_from_u64(0x0067_7569_6465);
    for _ in 0..3000 {
        let len = rng.random_range(0..200);
        let bytes: Vec<u8> = (0..len)
            .map(|_| if rng.random_bool(0.5) { SYNTAX[rng.random_range(0..SYNTAX.len())] } else { rng.random() })
            .collect();
        if let Ok((guide, text)) = Guide::from_bytes(bytes.clone(), "r") {
            check_invariants(&text, Ok(guide));
        }
        let text = String::from_utf8_lossy(&bytes);
        check_invariants(&text, Guide::parse(&text, "r"));
    }
}

#[test]
fn random_line_mixes_never_panic() {
    // Well-formed pieces dominate so that many mixes parse and the invariants get exercised;
    // the odd ones then appear now and then in otherwise plausible guides.
    const GOOD: &[&str] = &[
        "## Section",
        "- question",
        "* star",
        "+ plus",
        "1. one",
        "12) twelve",
        "  - probe",
        "\t- tab",
        "- (paren)",
        "",
        "   ",
        "<!-- c -->",
        "- é ü 日本",
        "- ((a)",
    ];
    const ODD: &[&str] = &[
        "# Title",
        "### Deep",
        " - one space",
        "- ( )",
        "- ",
        "-",
        "plain text",
        "  indented",
        "<!--",
        "-->",
        "x --> y",
        "#",
        "##",
        "## ##",
        "\u{feff}",
        "\r",
        "- q\x07",
        "(",
        ")",
        "1.5 hours",
        "**bold**",
    ];
    let mut rng = StdRng::seed_from_u64(42);
    let mut parsed = 0;
    for _ in 0..4000 {
        let n = rng.random_range(0..25);
        let mut lines: Vec<String> = (0..n)
            .map(|_| {
                let pool = if rng.random_bool(0.97) { GOOD } else { ODD };
                pool[rng.random_range(0..pool.len())].to_string()
            })
            .collect();
        // Mostly start with a title so the parser gets past the first line.
        if rng.random_bool(0.8) {
            lines.insert(0, "# T".into());
        }
        let text = lines.join(if rng.random_bool(0.2) { "\r\n" } else { "\n" });
        let result = Guide::parse(&text, "mix");
        parsed += usize::from(result.is_ok());
        check_invariants(&text, result);
    }
    // The mix must produce some valid guides, or the invariants above are never exercised.
    assert!(parsed > 20, "only {parsed} parsed");
}
