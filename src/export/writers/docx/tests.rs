use std::io::Read;

use super::*;

fn meta() -> DocxMeta {
    DocxMeta {
        title: "Intervju 3 – Bjørn".to_owned(),
        language: "nb-NO".to_owned(),
        created: DateTime::parse_from_rfc3339("2024-05-02T13:45:07+02:00").unwrap(),
    }
}

fn run(text: &str, bold: bool, italic: bool) -> DocxRun {
    DocxRun { text: text.to_owned(), bold, italic }
}

/// Unzips one part of a rendered package.
fn part(docx: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut file = archive.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    text
}

fn names(docx: &[u8]) -> Vec<String> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    archive.file_names().map(str::to_owned).collect()
}

/// The `<w:p>` elements of `word/document.xml`, one string each.
fn paragraphs_of(document: &str) -> Vec<&str> {
    document.match_indices("<w:p>").map(|(i, _)| &document[i..i + document[i..].find("</w:p>").unwrap() + 6]).collect()
}

#[test]
fn package_has_the_parts_word_needs() {
    let docx = render(&[DocxParagraph::plain(DocxStyle::Normal, "Hei")], &meta()).unwrap();
    let mut listed = names(&docx);
    listed.sort();
    assert_eq!(
        listed,
        [
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/app.xml",
            "docProps/core.xml",
            "word/_rels/document.xml.rels",
            "word/document.xml",
            "word/styles.xml"
        ]
    );
    let types = part(&docx, "[Content_Types].xml");
    assert!(types.contains(
        r#"<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>"#
    ));
    assert!(part(&docx, "_rels/.rels").contains(r#"Target="word/document.xml""#));
    assert!(part(&docx, "word/_rels/document.xml.rels").contains(r#"Target="styles.xml""#));
}

#[test]
fn paragraphs_carry_their_styles_and_runs() {
    let docx = render(
        &[
            DocxParagraph::plain(DocxStyle::Title, "Intervju"),
            DocxParagraph::plain(DocxStyle::Heading, "Del 1"),
            DocxParagraph { style: DocxStyle::Normal, runs: vec![run("I: ", true, false), run("Hei.", false, true)] },
            DocxParagraph::plain(DocxStyle::Small, "(.) kort pause"),
        ],
        &meta(),
    )
    .unwrap();
    let document = part(&docx, "word/document.xml");
    assert_eq!(
        paragraphs_of(&document),
        [
            r#"<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t xml:space="preserve">Intervju</w:t></w:r></w:p>"#,
            r#"<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t xml:space="preserve">Del 1</w:t></w:r></w:p>"#,
            concat!(
                r#"<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr>"#,
                r#"<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">I: </w:t></w:r>"#,
                r#"<w:r><w:rPr><w:i/></w:rPr><w:t xml:space="preserve">Hei.</w:t></w:r></w:p>"#
            ),
            r#"<w:p><w:pPr><w:pStyle w:val="Small"/></w:pPr><w:r><w:t xml:space="preserve">(.) kort pause</w:t></w:r></w:p>"#,
        ]
    );
}

#[test]
fn every_style_used_is_defined() {
    let docx = render(&[], &meta()).unwrap();
    let styles = part(&docx, "word/styles.xml");
    for style in [DocxStyle::Title, DocxStyle::Heading, DocxStyle::Normal, DocxStyle::Small] {
        assert!(styles.contains(&format!("w:styleId=\"{}\"", style.style_id())), "{style:?}");
    }
    assert!(styles.contains(r#"<w:name w:val="heading 1"/>"#));
    assert!(styles.contains(r#"<w:outlineLvl w:val="0"/>"#), "headings must reach the navigation pane");
    assert!(styles.contains(r#"<w:lang w:val="nb-NO"/>"#));
}

#[test]
fn tabs_and_newlines_become_elements() {
    let docx = render(&[DocxParagraph::plain(DocxStyle::Normal, "00:01\tI: a\nb\r\nc\rd\t")], &meta()).unwrap();
    let document = part(&docx, "word/document.xml");
    assert!(document.contains(concat!(
        r#"<w:r><w:t xml:space="preserve">00:01</w:t><w:tab/><w:t xml:space="preserve">I: a</w:t><w:br/>"#,
        r#"<w:t xml:space="preserve">b</w:t><w:br/><w:t xml:space="preserve">c</w:t><w:br/>"#,
        r#"<w:t xml:space="preserve">d</w:t><w:tab/></w:r>"#
    )));
}

#[test]
fn text_is_escaped_and_control_characters_dropped() {
    let docx = render(
        &[DocxParagraph::plain(DocxStyle::Normal, "a < b & \"c\" 'd' >\u{0}\u{b}\u{1b}e")],
        &DocxMeta { title: "R&D <1>".to_owned(), ..meta() },
    )
    .unwrap();
    let document = part(&docx, "word/document.xml");
    assert!(document.contains(r#"<w:t xml:space="preserve">a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt;e</w:t>"#));
    assert!(part(&docx, "docProps/core.xml").contains("<dc:title>R&amp;D &lt;1&gt;</dc:title>"));
}

#[test]
fn norwegian_letters_survive() {
    let docx = render(&[DocxParagraph::plain(DocxStyle::Heading, "Æ, ø og å – «sånn»")], &meta()).unwrap();
    assert!(part(&docx, "word/document.xml").contains(">Æ, ø og å – «sånn»</w:t>"));
    assert!(part(&docx, "docProps/core.xml").contains("<dc:title>Intervju 3 – Bjørn</dc:title>"));
}

#[test]
fn core_properties_hold_title_language_and_utc_creation_time() {
    let docx = render(&[], &DocxMeta { language: "en-GB".to_owned(), ..meta() }).unwrap();
    let core = part(&docx, "docProps/core.xml");
    assert!(core.contains("<dc:language>en-GB</dc:language>"));
    assert!(core.contains(r#"<dcterms:created xsi:type="dcterms:W3CDTF">2024-05-02T11:45:07Z</dcterms:created>"#));
}

#[test]
fn zip_entries_are_dated_in_the_documents_local_time() {
    let docx = render(&[], &meta()).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&docx[..])).unwrap();
    let modified = archive.by_name("word/document.xml").unwrap().last_modified().unwrap();
    assert_eq!(
        (modified.year(), modified.month(), modified.day(), modified.hour(), modified.minute()),
        (2024, 5, 2, 13, 45)
    );
    // DOS time has two-second resolution.
    assert_eq!(modified.second(), 6);
}

#[test]
fn output_buffer_never_outgrows_its_estimate_even_for_incompressible_text() {
    // Pseudo-random letters from all over Unicode compress badly, which is the worst case.
    let mut state: u32 = 12345;
    let noise: String = (0..200_000)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            char::from_u32(0x21 + (state >> 8) % 0x2F00).filter(|&c| xml::is_xml_char(c)).unwrap_or('x')
        })
        .collect();
    let paragraphs = [DocxParagraph::plain(DocxStyle::Normal, noise.clone())];
    let docx = render(&paragraphs, &meta()).unwrap();
    // render() debug-asserts that the capacity never changed; check the estimate had room to spare.
    assert!(docx.capacity() >= docx.len());
    let document = part(&docx, "word/document.xml");
    let escaped = String::from_utf8(xml::render_exact(|o| xml::text(o, &noise)).to_vec()).unwrap();
    assert!(document.contains(&escaped), "the noise must come back intact");
}

#[test]
fn rendering_is_deterministic() {
    let paragraphs = [DocxParagraph::plain(DocxStyle::Normal, "samme")];
    assert_eq!(*render(&paragraphs, &meta()).unwrap(), *render(&paragraphs, &meta()).unwrap());
}
