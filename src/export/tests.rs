//! Golden files of every convention and text format on the fixed sample session.

use super::convention::{Convention, Lang};
use super::skeleton::Credits;
use super::{ExportFormat, RenderOptions, sample};

fn render(format: ExportFormat, convention: &str, lang: Lang) -> String {
    let bytes = render_bytes(format, convention, lang);
    if format == ExportFormat::Docx {
        // The text is in the package's main part.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        return std::io::read_to_string(zip.by_name("word/document.xml").unwrap()).unwrap();
    }
    String::from_utf8(bytes).unwrap()
}

fn render_bytes(format: ExportFormat, convention: &str, lang: Lang) -> Vec<u8> {
    let options = RenderOptions {
        convention: Convention::load(convention).unwrap(),
        lang,
        credits: Credits { project: "arbeidsliv".into(), transcriber: Some("AB".into()) },
    };
    format.render(&sample::document(), &options).unwrap().to_vec()
}

#[test]
fn plain_nb() {
    insta::assert_snapshot!(render(ExportFormat::Txt, "plain", Lang::Nb));
}

#[test]
fn plain_en() {
    insta::assert_snapshot!(render(ExportFormat::Txt, "plain", Lang::En));
}

#[test]
fn jefferson_en() {
    insta::assert_snapshot!(render(ExportFormat::Txt, "jefferson", Lang::En));
}

#[test]
fn gat2_nb() {
    insta::assert_snapshot!(render(ExportFormat::Txt, "gat2", Lang::Nb));
}

#[test]
fn dresing_pehl_nb() {
    insta::assert_snapshot!(render(ExportFormat::Txt, "dresing-pehl", Lang::Nb));
}

#[test]
fn markdown_jefferson() {
    insta::assert_snapshot!(render(ExportFormat::Md, "jefferson", Lang::En));
}

#[test]
fn f4_dresing_pehl() {
    insta::assert_snapshot!(render(ExportFormat::F4, "dresing-pehl", Lang::Nb));
}

#[test]
fn nvivo_plain() {
    insta::assert_snapshot!(render(ExportFormat::Nvivo, "plain", Lang::En));
}

#[test]
fn webvtt_plain() {
    insta::assert_snapshot!(render(ExportFormat::Vtt, "plain", Lang::Nb));
}

#[test]
fn srt_gat2() {
    insta::assert_snapshot!(render(ExportFormat::Srt, "gat2", Lang::En));
}

#[test]
fn eaf_tiers_per_speaker_questions_markers_and_pauses() {
    insta::assert_snapshot!(render(ExportFormat::Eaf, "gat2", Lang::Nb));
}

#[test]
fn the_identifying_passage_leaves_no_trace() {
    for format in ExportFormat::ALL {
        for (convention, _) in super::convention::SHIPPED {
            let text = render(format, convention, Lang::Nb);
            assert!(!text.contains("Ullevål") && !text.contains("Kari"), "{format:?} {convention}");
            if format != ExportFormat::Json {
                assert!(text.contains("[anonymisert]"), "{format:?} {convention}");
            }
        }
    }
}
