//! Minimal Word (.docx, OOXML) writer: styled paragraphs of plain, bold or italic runs, enough for
//! NVivo, MAXQDA and Word to import a transcript with real headings.
//!
//! The package is built in memory only, never in a temporary file. Every XML part is rendered
//! into a buffer sized once and wiped on drop, and so is the zip output. What cannot be wiped is
//! the deflate compressor's own state (its window and output buffer hold plaintext fragments):
//! the zip crate owns those and frees them without zeroizing.

use std::io::{Cursor, Write};

use chrono::{DateTime, Datelike, FixedOffset, SecondsFormat, Timelike, Utc};
use zeroize::Zeroizing;
use zip::write::SimpleFileOptions;

use super::xml::{self, Sink};

/// Paragraph style; each maps to a style defined in `word/styles.xml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocxStyle {
    /// The document title (Word's built-in "Title").
    Title,
    /// A section heading (Word's built-in "Heading 1", so it shows in the navigation pane).
    Heading,
    /// Body text (Word's "Normal").
    Normal,
    /// Smaller text for legends and header lines (a custom style named "Small").
    Small,
}

impl DocxStyle {
    /// The `w:styleId` this style is written as.
    pub(crate) fn style_id(self) -> &'static str {
        match self {
            Self::Title => "Title",
            Self::Heading => "Heading1",
            Self::Normal => "Normal",
            Self::Small => "Small",
        }
    }
}

/// A stretch of text with one formatting. Tabs become `<w:tab/>` and newlines `<w:br/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocxRun {
    /// What it says (tabs and newlines allowed).
    pub text: String,
    /// Whether it is set in bold type.
    pub bold: bool,
    /// Whether it is set in italics.
    pub italic: bool,
}

impl DocxRun {
    /// A run without bold or italic.
    pub(crate) fn plain(text: impl Into<String>) -> Self {
        Self { text: text.into(), bold: false, italic: false }
    }
}

/// A paragraph: a style and the runs of text in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocxParagraph {
    /// The paragraph style, which maps to a Word heading level or body text.
    pub style: DocxStyle,
    /// Its runs, in order.
    pub runs: Vec<DocxRun>,
}

impl DocxParagraph {
    /// A paragraph of one plain run.
    pub fn plain(style: DocxStyle, text: impl Into<String>) -> Self {
        Self { style, runs: vec![DocxRun::plain(text)] }
    }
}

/// Document properties.
#[derive(Debug, Clone)]
pub struct DocxMeta {
    /// Title shown in the file's properties.
    pub title: String,
    /// BCP 47 language for spelling and hyphenation, e.g. `nb-NO` or `en-GB`.
    pub language: String,
    /// When the document was made.
    pub created: DateTime<FixedOffset>,
}

/// Why a .docx could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    /// The in-memory zip writer refused something (a bug: please report it).
    #[error("could not build the .docx package in memory ({0}); this is a bug, please report it")]
    Zip(#[from] zip::result::ZipError),
    /// Writing into the in-memory zip failed (out of memory or a bug).
    #[error("could not write into the in-memory .docx package ({0}); free some memory and try again")]
    Io(#[from] std::io::Error),
}

/// Renders the paragraphs as a .docx file, in a buffer sized up front and wiped when dropped.
pub fn render(paragraphs: &[DocxParagraph], meta: &DocxMeta) -> Result<Zeroizing<Vec<u8>>, DocxError> {
    let document = xml::render_exact(|out| write_document(out, paragraphs));
    let styles = xml::render_exact(|out| write_styles(out, &meta.language));
    let core = xml::render_exact(|out| write_core(out, meta));
    let parts: [(&str, &[u8]); 7] = [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", PACKAGE_RELS.as_bytes()),
        ("word/document.xml", &document),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.as_bytes()),
        ("word/styles.xml", &styles),
        ("docProps/core.xml", &core),
        ("docProps/app.xml", APP.as_bytes()),
    ];

    let capacity = zip_capacity(&parts);
    let mut out = Zeroizing::new(Vec::with_capacity(capacity));
    {
        // Borrowing the Zeroizing buffer (rather than handing over a Vec) means a failure halfway
        // still leaves the partial output in memory that is wiped on drop.
        let mut zip = zip::ZipWriter::new(Cursor::new(&mut *out));
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip_time(meta.created));
        for (name, data) in parts {
            zip.start_file(name, options)?;
            zip.write_all(data)?;
        }
        zip.finish()?;
    }
    debug_assert_eq!(out.capacity(), capacity, "the zip output outgrew its estimate and left a copy behind");
    Ok(out)
}

/// An upper bound of the zip's size, so its buffer never reallocates. Deflate falls back to
/// stored blocks (5 bytes of overhead per 64 KiB) for incompressible data; an eighth extra is far
/// above that. Each entry's local and central headers are under 128 bytes plus its name twice.
fn zip_capacity(parts: &[(&str, &[u8])]) -> usize {
    let per_part: usize = parts.iter().map(|(name, data)| data.len() + data.len() / 8 + 2 * name.len() + 256).sum();
    per_part + 1024
}

/// The entries' modification time, in the local time of `created` as zip expects; out of the
/// DOS date range it falls back to zip's default (1980-01-01).
fn zip_time(created: DateTime<FixedOffset>) -> zip::DateTime {
    let narrow = |v: u32| u8::try_from(v).unwrap_or(u8::MAX);
    u16::try_from(created.year())
        .ok()
        .and_then(|year| {
            zip::DateTime::from_date_and_time(
                year,
                narrow(created.month()),
                narrow(created.day()),
                narrow(created.hour()),
                narrow(created.minute()),
                narrow(created.second()),
            )
            .ok()
        })
        .unwrap_or_default()
}

const CONTENT_TYPES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
    r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
    r#"<Default Extension="xml" ContentType="application/xml"/>"#,
    r#"<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>"#,
    r#"<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>"#,
    r#"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#,
    r#"<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>"#,
    "</Types>\n"
);

const PACKAGE_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>"#,
    r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#,
    r#"<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>"#,
    "</Relationships>\n"
);

const DOCUMENT_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
    "</Relationships>\n"
);

const APP: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">"#,
    "<Application>verbatim</Application></Properties>\n"
);

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const W_NAMESPACE: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn write_document(out: &mut dyn Sink, paragraphs: &[DocxParagraph]) {
    out.raw(XML_DECLARATION);
    out.raw("<w:document xmlns:w=\"");
    out.raw(W_NAMESPACE);
    out.raw("\"><w:body>");
    for paragraph in paragraphs {
        out.raw("\n<w:p><w:pPr><w:pStyle w:val=\"");
        out.raw(paragraph.style.style_id());
        out.raw("\"/></w:pPr>");
        for run in &paragraph.runs {
            write_run(out, run);
        }
        out.raw("</w:p>");
    }
    // A4 with 2.5 cm margins: the paper size in both Norway and the UK.
    out.raw(
        "\n<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1417\" w:right=\"1417\" \
         w:bottom=\"1417\" w:left=\"1417\" w:header=\"708\" w:footer=\"708\" w:gutter=\"0\"/></w:sectPr>\
         </w:body></w:document>\n",
    );
}

fn write_run(out: &mut dyn Sink, run: &DocxRun) {
    out.raw("<w:r>");
    if run.bold || run.italic {
        out.raw("<w:rPr>");
        if run.bold {
            out.raw("<w:b/>");
        }
        if run.italic {
            out.raw("<w:i/>");
        }
        out.raw("</w:rPr>");
    }
    // Word has no tab or line break characters inside <w:t>: they are elements of their own.
    let text = run.text.as_str();
    let mut segment_from = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let element = match c {
            '\t' => "<w:tab/>",
            '\n' => "<w:br/>",
            '\r' => {
                // CRLF is one break, as is a lone CR.
                if chars.peek().is_some_and(|&(_, next)| next == '\n') {
                    chars.next();
                }
                "<w:br/>"
            }
            _ => continue,
        };
        write_text(out, &text[segment_from..i]);
        out.raw(element);
        segment_from = chars.peek().map_or(text.len(), |&(next, _)| next);
    }
    write_text(out, &text[segment_from..]);
    out.raw("</w:r>");
}

fn write_text(out: &mut dyn Sink, segment: &str) {
    if !segment.is_empty() {
        out.raw("<w:t xml:space=\"preserve\">");
        xml::text(out, segment);
        out.raw("</w:t>");
    }
}

fn write_styles(out: &mut dyn Sink, language: &str) {
    out.raw(XML_DECLARATION);
    out.raw("<w:styles xmlns:w=\"");
    out.raw(W_NAMESPACE);
    out.raw(
        "\"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Calibri\" w:hAnsi=\"Calibri\" \
         w:eastAsia=\"Calibri\" w:cs=\"Calibri\"/><w:sz w:val=\"22\"/><w:szCs w:val=\"22\"/><w:lang w:val=\"",
    );
    xml::attr(out, language);
    out.raw(
        "\"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"160\" w:line=\"259\" \
         w:lineRule=\"auto\"/></w:pPr></w:pPrDefault></w:docDefaults>",
    );
    // Built-in style names are the ones Word, NVivo and python-docx recognise ("heading 1" is
    // Word's internal spelling of "Heading 1").
    out.raw(concat!(
        "\n",
        r#"<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>"#,
        "\n",
        r#"<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/>"#,
        r#"<w:next w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="240"/></w:pPr>"#,
        r#"<w:rPr><w:sz w:val="48"/><w:szCs w:val="48"/></w:rPr></w:style>"#,
        "\n",
        r#"<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>"#,
        r#"<w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/>"#,
        r#"<w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:bCs/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style>"#,
        "\n",
        r#"<w:style w:type="paragraph" w:customStyle="1" w:styleId="Small"><w:name w:val="Small"/>"#,
        r#"<w:basedOn w:val="Normal"/><w:qFormat/><w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>"#,
        "\n</w:styles>\n"
    ));
}

fn write_core(out: &mut dyn Sink, meta: &DocxMeta) {
    let created = meta.created.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Secs, true);
    out.raw(XML_DECLARATION);
    out.raw(concat!(
        r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
        r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
        r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>"#
    ));
    xml::text(out, &meta.title);
    out.raw("</dc:title><dc:language>");
    xml::text(out, &meta.language);
    out.raw("</dc:language><dcterms:created xsi:type=\"dcterms:W3CDTF\">");
    out.raw(&created);
    out.raw("</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">");
    out.raw(&created);
    out.raw("</dcterms:modified></cp:coreProperties>\n");
}

#[cfg(test)]
mod tests;
