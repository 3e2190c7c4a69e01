use super::*;
use crate::model::speaker::{label_or, unknown_speaker};
use crate::model::{ParticipantCode, Speaker};

fn shipped(name: &str) -> Convention {
    Convention::load(name).unwrap()
}

#[test]
fn every_shipped_convention_parses() {
    for (name, _) in SHIPPED {
        let c = shipped(name);
        assert!(!c.legend(Lang::Nb).is_empty(), "{name}");
    }
}

#[test]
fn pause_marks_follow_each_convention() {
    let marks = |name: &str, lang| -> Vec<String> {
        let c = shipped(name);
        [150, 200, 340, 500, 650, 800, 950, 1000, 1049, 1050, 2960, 12_340]
            .iter()
            .map(|&ms| c.pause_mark(Ms(ms), lang))
            .collect()
    };
    assert_eq!(
        marks("jefferson", Lang::En),
        ["(.)", "(0.2)", "(0.3)", "(0.5)", "(0.7)", "(0.8)", "(1.0)", "(1.0)", "(1.0)", "(1.1)", "(3.0)", "(12.3)"]
    );
    assert_eq!(
        marks("gat2", Lang::En),
        ["(.)", "(.)", "(-)", "(-)", "(--)", "(--)", "(---)", "(---)", "(1.0)", "(1.1)", "(3.0)", "(12.3)"]
    );
    assert_eq!(
        marks("plain", Lang::Nb),
        [
            "(pause)",
            "(pause)",
            "(pause)",
            "(pause)",
            "(pause)",
            "(pause)",
            "(pause)",
            "(pause 1 s)",
            "(pause 1 s)",
            "(pause 1 s)",
            "(pause 3 s)",
            "(pause 12 s)"
        ]
    );
    assert!(marks("dresing-pehl", Lang::Nb).iter().all(|m| m == "(…)"));
}

#[test]
fn the_longest_pause_has_a_mark() {
    // Found by `cargo fuzz run convention`: `{seconds}` overflowed rounding u64::MAX ms.
    assert_eq!(shipped("plain").pause_mark(Ms(u64::MAX), Lang::En), "(pause 18446744073709551 s)");
    assert_eq!(shipped("jefferson").pause_mark(Ms(u64::MAX), Lang::En), "(18446744073709551.6)");
}

#[test]
fn labels_change_with_the_language() {
    let plain = shipped("plain");
    assert_eq!(plain.marks.laughter.mark.get(Lang::Nb), "(latter)");
    assert_eq!(plain.marks.laughter.mark.get(Lang::En), "(laughter)");
    assert_eq!(plain.marks.sigh.mark.get(Lang::Nb), "(sukk)");
    assert_eq!(plain.marks.anonymised.mark.get(Lang::Nb), "[anonymisert]");
    assert_eq!(plain.marks.anonymised.mark.get(Lang::En), "[anonymised]");
    assert_eq!(shipped("jefferson").marks.laughter.mark.get(Lang::Nb), "((laughs))");
    assert_eq!(shipped("gat2").marks.laughter.mark.get(Lang::En), "((lacht))");
    assert_eq!(shipped("dresing-pehl").marks.inaudible.mark.get(Lang::En), "(unv. #{time_f4}#)");
}

#[test]
fn speakers_are_relabelled() {
    let dp = shipped("dresing-pehl");
    let p07: ParticipantCode = "P07".parse().unwrap();
    let label = |c: &Convention, speaker: Option<Speaker>, lang| {
        let names = c.speaker_names(lang);
        label_or(speaker.as_ref(), &p07, names, &unknown_speaker([speaker.as_ref()], &p07, names, lang))
    };
    assert_eq!(label(&dp, Some(Speaker::Interviewer), Lang::Nb), "I");
    assert_eq!(label(&dp, Some(Speaker::Participant), Lang::Nb), "B");
    assert_eq!(label(&dp, Some(Speaker::Numbered(2)), Lang::Nb), "L2");
    assert_eq!(label(&shipped("plain"), Some(Speaker::Participant), Lang::En), "P07");
    assert_eq!(label(&shipped("plain"), None, Lang::En), "unknown speaker");
}

#[test]
fn the_legend_lists_pauses_then_marks() {
    let legend = shipped("gat2").legend(Lang::En);
    let notations: Vec<&str> = legend.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        notations,
        ["(.)", "(-)", "(--)", "(---)", "(1.5)", "((lacht))", "((seufzt))", "( )", "[", "((note))", "[anonymised]"]
    );
    assert_eq!(legend[1].1, "short pause, 0.2-0.5 s");
    assert_eq!(shipped("dresing-pehl").legend(Lang::Nb)[3].0, "(unv. #00:12:34-5#)");
}

#[test]
fn a_user_file_extends_a_shipped_one() {
    let text = "extends = \"jefferson\"\nname = \"Jefferson, our lab\"\n\n[marks]\nlaughter = { mark = \"hah\", legend = \"laughs\" }\n";
    let c = Convention::parse(text, "lab.toml").unwrap();
    assert_eq!(c.name, "Jefferson, our lab");
    assert_eq!(c.marks.laughter.mark.get(Lang::En), "hah");
    assert_eq!(c.marks.sigh, shipped("jefferson").marks.sigh);
    assert_eq!(c.pause_mark(Ms(150), Lang::En), "(.)");
}

#[test]
fn bad_files_name_the_line_and_what_to_do() {
    let err = |text: &str| Convention::parse(text, "lab.toml").unwrap_err().to_string();
    let typo = err("extends = \"plain\"\n\n[marks]\nlaugter = { mark = \"x\", legend = \"y\" }\n");
    assert!(typo.starts_with("lab.toml: line 4: unknown field `laugter`"), "{typo}");
    let missing = err("name = \"x\"\n");
    assert!(
        missing.contains("`speakers.interviewer` is missing") && missing.contains("extends = \"plain\""),
        "{missing}"
    );
    let unknown_base = err("extends = \"chicago\"\n");
    assert!(unknown_base.contains("jefferson, gat2, dresing-pehl"), "{unknown_base}");
    let open_band = err("extends = \"plain\"\n[[pauses]]\nup_to_ms = 500\nmark = \"(x)\"\nlegend = \"x\"\n");
    assert!(open_band.contains("last [[pauses]] band must have no `up_to_ms`"), "{open_band}");
    let order = err(
        "extends = \"plain\"\n[[pauses]]\nup_to_ms = 500\nmark = \"a\"\nlegend = \"a\"\n[[pauses]]\nup_to_ms = 300\nmark = \"b\"\nlegend = \"b\"\n[[pauses]]\nmark = \"c\"\nlegend = \"c\"\n",
    );
    assert!(order.contains("in order"), "{order}");
    let no_text = err("extends = \"plain\"\n[layout]\nturn = \"{speaker}:\"\n");
    assert!(no_text.contains("{text}"), "{no_text}");
    let unknown = Convention::load("chicago").unwrap_err().to_string();
    assert!(unknown.contains("plain, jefferson, gat2, dresing-pehl"), "{unknown}");
    let absent = Convention::load("/nonexistent/lab.toml").unwrap_err().to_string();
    assert!(absent.starts_with("/nonexistent/lab.toml: "), "{absent}");
}
