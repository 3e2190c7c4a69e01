//! Keymap tests: shipped files, default bindings, layering, key names. Errors are in `error_tests`.

mod error_tests;
mod fuzz_tests;

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::layer::{self, Strictness};
use super::*;
use crate::model::MarkerKind;

use RecordAction as R;
use ReviewAction as V;

pub(super) fn rec(action: RecordAction) -> Action {
    Action::Record(action)
}

pub(super) fn rev(action: ReviewAction) -> Action {
    Action::Review(action)
}

pub(super) fn mark(kind: MarkerKind) -> Action {
    rec(R::Mark(MarkKey(kind)))
}

pub(super) fn ev(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

pub(super) fn ch(c: char) -> KeyEvent {
    ev(KeyCode::Char(c), KeyModifiers::NONE)
}

pub(super) fn key_names(keys: &[KeyBinding]) -> Vec<String> {
    keys.iter().map(KeyBinding::to_string).collect()
}

#[test]
fn every_keymap_file_is_shipped_and_parses_strictly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("keymaps");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let shipped = PRESETS.iter().find(|(n, _)| *n == name);
        let (_, embedded) = shipped.unwrap_or_else(|| panic!("{} is missing from PRESETS", path.display()));
        assert_eq!(*embedded, text, "{name}: the embedded text is stale");
        let parsed = layer::parse(&text, &name, Strictness::Shipped);
        assert!(parsed.is_ok(), "{name}: {}", parsed.unwrap_err());
        files.push(name);
    }
    assert!(files.contains(&"default".to_string()));
    assert_eq!(files.len(), PRESETS.len(), "PRESETS lists a file that does not exist");
}

#[test]
fn readme_documents_every_action() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("keymaps/README.md")).unwrap();
    for action in Action::all().into_iter().filter(|a| !a.is_speaker()) {
        assert!(readme.contains(&format!("`{}`", action.name())), "README lacks {}", action.name());
    }
    assert!(readme.contains("`speaker.1`") && readme.contains("`noop`"));
}

#[test]
fn default_keys_trigger_their_actions() {
    let map = Keymap::defaults().unwrap();
    let none = KeyModifiers::NONE;
    let shift = KeyModifiers::SHIFT;
    let cases = [
        (ch('l'), mark(MarkerKind::Laughter)),
        (ch('s'), mark(MarkerKind::Sigh)),
        (ch('p'), mark(MarkerKind::LongPause)),
        (ch('q'), mark(MarkerKind::Quote)),
        (ch('x'), mark(MarkerKind::Identifying)),
        (ch('f'), mark(MarkerKind::FollowUp)),
        (ch('n'), mark(MarkerKind::Note)),
        (ch('u'), rec(R::UndoMarker)),
        (ev(KeyCode::Down, none), rec(R::GuideNext)),
        (ch('j'), rec(R::GuideNext)),
        (ev(KeyCode::Up, none), rec(R::GuidePrev)),
        (ch('k'), rec(R::GuidePrev)),
        (ev(KeyCode::PageDown, none), rec(R::GuideNextSection)),
        (ch('J'), rec(R::GuideNextSection)),
        // Terminals differ: `J` may come with SHIFT, or even as `j` with SHIFT.
        (ev(KeyCode::Char('J'), shift), rec(R::GuideNextSection)),
        (ev(KeyCode::Char('j'), shift), rec(R::GuideNextSection)),
        (ev(KeyCode::PageUp, none), rec(R::GuidePrevSection)),
        (ev(KeyCode::Char('K'), shift), rec(R::GuidePrevSection)),
        (ev(KeyCode::Enter, none), rec(R::GuideAsked)),
        (ch('a'), rec(R::GuideAsked)),
        (ch(' '), rec(R::TogglePause)),
        (ev(KeyCode::Char('Q'), shift), rec(R::StopRecording)),
        (ev(KeyCode::Char('c'), KeyModifiers::CONTROL), rec(R::StopRecording)),
        (ch('?'), rec(R::Help)),
        (ev(KeyCode::Char('?'), shift), rec(R::Help)),
        (ev(KeyCode::F(1), none), rec(R::Help)),
    ];
    for (event, action) in cases {
        assert_eq!(map.action(Mode::Record, &event), Some(action), "{event:?}");
    }
    for n in 1..=9u8 {
        let digit = char::from(b'0' + n);
        assert_eq!(map.action(Mode::Record, &ch(digit)), Some(rec(R::Speaker(SpeakerKey(n)))));
    }
}

#[test]
fn unbound_keys_modifiers_and_releases_trigger_nothing() {
    let map = Keymap::defaults().unwrap();
    let unbound = [
        ch('c'),
        ch('L'),
        ev(KeyCode::Char('l'), KeyModifiers::ALT),
        ev(KeyCode::Char('l'), KeyModifiers::CONTROL),
        ev(KeyCode::Char('c'), KeyModifiers::CONTROL | KeyModifiers::ALT),
        ev(KeyCode::Char('c'), KeyModifiers::CONTROL | KeyModifiers::SUPER),
        ev(KeyCode::F(2), KeyModifiers::NONE),
        ev(KeyCode::Esc, KeyModifiers::NONE),
    ];
    for event in unbound {
        assert_eq!(map.action(Mode::Record, &event), None, "{event:?}");
    }
    // 0 is the interviewer's own key, beside the members' 1-9.
    assert_eq!(map.action(Mode::Record, &ch('0')), Some(rec(R::SpeakerInterviewer)));
    let release = KeyEvent::new_with_kind(KeyCode::Char('l'), KeyModifiers::NONE, KeyEventKind::Release);
    assert_eq!(map.action(Mode::Record, &release), None);
    let repeat = KeyEvent::new_with_kind(KeyCode::Char('j'), KeyModifiers::NONE, KeyEventKind::Repeat);
    assert_eq!(map.action(Mode::Record, &repeat), Some(rec(R::GuideNext)));
}

#[test]
fn defaults_bind_every_action_with_keys_in_file_order() {
    let map = Keymap::defaults().unwrap();
    for action in Action::all().into_iter().filter(|a| !is_modal(*a)) {
        // `review_normal` is for modal keymaps (vim) only: the default binds nothing there.
        for &mode in action.modes().iter().filter(|m| **m != Mode::ReviewNormal) {
            assert!(!map.keys_for(mode, action).is_empty(), "{action:?} has no default key in {}", mode.name());
        }
    }
    assert_eq!(key_names(&map.keys_for(Mode::Record, rec(R::GuideNext))), ["down", "j"]);
    assert_eq!(key_names(&map.keys_for(Mode::Record, rec(R::StopRecording))), ["Q", "C-c"]);
    assert_eq!(key_names(&map.keys_for(Mode::Record, rec(R::Help))), ["?", "F1"]);
    assert_eq!(key_names(&map.keys_for(Mode::Record, rec(R::TogglePause))), ["space"]);
    let help = map.help(Mode::Record);
    assert_eq!(help.iter().map(|r| r.action).collect::<Vec<_>>(), record_actions());
    assert_eq!(help[0], HelpRow { keys: "l".into(), action: mark(MarkerKind::Laughter), desc: "Mark laughter".into() });
    let speaker3 = help.iter().find(|r| r.action == rec(R::Speaker(SpeakerKey(3)))).unwrap();
    assert_eq!((speaker3.keys.as_str(), speaker3.desc.as_str()), ("3", "Speaker 3 starts talking"));
    let next = help.iter().find(|r| r.action == rec(R::GuideNextSection)).unwrap();
    assert_eq!(next.keys, "pagedown, J");
    // The review screen: the speakers are focus-group labels there, with their own words.
    let review = map.help(Mode::Review);
    let l3 = review.iter().find(|r| r.action == rev(V::Speaker(SpeakerKey(3)))).unwrap();
    assert_eq!((l3.keys.as_str(), l3.desc.as_str()), ("A-3", "Speaker L3"));
    let toggle = review.iter().find(|r| r.action == rev(V::TogglePlay)).unwrap();
    assert_eq!(toggle.keys, "esc, tab");
    assert_eq!(key_names(&map.keys_for(Mode::Review, rev(V::Quit))), ["C-q"]);
    assert!(review.iter().all(|r| r.action.is_valid_in(Mode::Review)));
}

/// Switching between typing and commands, which only modal keymaps bind.
fn is_modal(action: Action) -> bool {
    matches!(action, Action::Review(V::StartTyping | V::StopTyping))
}

/// The actions of the recording screen, in help order.
fn record_actions() -> Vec<Action> {
    Action::all().into_iter().filter(|a| a.is_valid_in(Mode::Record)).collect()
}

#[test]
fn action_names_round_trip_and_have_docs() {
    for action in Action::all() {
        assert_eq!(Action::from_name(action.name(), action.modes()[0]), Some(action));
        assert!(!action.doc().is_empty());
        assert!(!action.modes().is_empty());
    }
    let speaker7 = rec(R::Speaker(SpeakerKey(7)));
    assert_eq!(speaker7.name(), "speaker.7");
    assert_eq!(speaker7.doc(), "Speaker 7 starts talking");
    assert_eq!(Action::from_name("speaker.7", Mode::Review), Some(rev(V::Speaker(SpeakerKey(7)))));
    assert_eq!(Action::from_name("speaker.0", Mode::Record), None);
    assert_eq!(Action::from_name(NOOP, Mode::Record), None);
    assert_eq!(mark(MarkerKind::FollowUp).name(), "marker.follow_up");
    assert_eq!(Mode::from_name("record"), Some(Mode::Record));
    assert_eq!(Mode::from_name("Record"), None);
}

#[test]
fn key_names_parse_to_canonical_bindings() {
    let cases = [
        ("l", "l"),
        ("L", "L"),
        ("S-l", "L"),
        ("S-L", "L"),
        ("?", "?"),
        ("1", "1"),
        (".", "."),
        ("-", "-"),
        ("C--", "C--"),
        ("space", "space"),
        ("Space", "space"),
        ("C-q", "C-q"),
        ("C-S-l", "C-L"),
        ("A-C-x", "C-A-x"),
        ("F12", "F12"),
        ("f12", "F12"),
        ("C-S-F12", "C-S-F12"),
        ("S-tab", "backtab"),
        ("S-backtab", "backtab"),
        ("S-up", "S-up"),
        ("C", "C"),
        ("C-A", "C-A"),
        ("é", "é"),
        ("S-é", "É"),
    ];
    for (name, canonical) in cases {
        let key = KeyBinding::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(key.to_string(), canonical, "{name}");
        assert_eq!(KeyBinding::parse(canonical), Ok(key), "{canonical} does not read back");
    }
    assert_eq!(KeyBinding::parse("C-c"), Ok(KeyBinding { code: KeyCode::Char('c'), modifiers: KeyModifiers::CONTROL }));
    assert_eq!(KeyBinding::parse("space"), Ok(KeyBinding { code: KeyCode::Char(' '), modifiers: KeyModifiers::NONE }));
}

#[test]
fn bad_key_names_say_what_is_wrong() {
    let cases = [
        ("", "empty"),
        ("ctrl-x", "space, enter"),
        ("C-C-x", "`C-` appears twice"),
        ("S-1", "`!`"),
        ("S-?", "write the character"),
        ("F0", "F1 … F24"),
        ("F25", "F1 … F24"),
        ("F123", "unknown key name"),
        ("C-", "unknown key name"),
        (" ", "`space`"),
        ("\t", "`tab`"),
        ("\u{7}", "U+0007"),
        ("ll", "unknown key name `ll`"),
    ];
    for (name, needle) in cases {
        let err = KeyBinding::parse(name).unwrap_err();
        assert!(err.contains(needle), "{name:?}: {err}");
    }
}

#[test]
fn events_normalise_like_key_names() {
    let from = |code, mods| KeyBinding::from_event(&ev(code, mods));
    assert_eq!(from(KeyCode::Char('?'), KeyModifiers::SHIFT), KeyBinding::parse("?").unwrap());
    assert_eq!(from(KeyCode::Char('l'), KeyModifiers::SHIFT), KeyBinding::parse("L").unwrap());
    assert_eq!(from(KeyCode::BackTab, KeyModifiers::SHIFT), KeyBinding::parse("backtab").unwrap());
    assert_eq!(from(KeyCode::Tab, KeyModifiers::SHIFT), KeyBinding::parse("backtab").unwrap());
    assert_eq!(from(KeyCode::Up, KeyModifiers::SHIFT), KeyBinding::parse("S-up").unwrap());
    assert_eq!(from(KeyCode::Char('c'), KeyModifiers::SUPER).to_string(), "Super-c");
    assert_eq!(from(KeyCode::CapsLock, KeyModifiers::NONE).to_string(), "capslock");
}

#[test]
fn layers_override_and_unbind_per_key() {
    let mut map = Keymap::defaults().unwrap();
    let user = r#"
record = [
  { key = "l", action = "marker.quote" },
  { key = "s", action = "noop" },
  { key = "C-l", action = "marker.laughter", desc = "Laughs" },
  { key = "zz", action = "noop" },
]
"#;
    // "zz" is not a key: the whole layer is refused, nothing of it applies.
    assert!(Keymap::parse_layer(user, "user").is_err());
    map.apply(Keymap::parse_layer(&user.replace(r#"{ key = "zz", action = "noop" },"#, ""), "user").unwrap());
    assert_eq!(map.action(Mode::Record, &ch('l')), Some(mark(MarkerKind::Quote)));
    assert_eq!(map.action(Mode::Record, &ch('s')), None);
    assert_eq!(
        map.action(Mode::Record, &ev(KeyCode::Char('l'), KeyModifiers::CONTROL)),
        Some(mark(MarkerKind::Laughter))
    );
    assert_eq!(key_names(&map.keys_for(Mode::Record, mark(MarkerKind::Quote))), ["l", "q"]);
    assert!(map.keys_for(Mode::Record, mark(MarkerKind::Sigh)).is_empty());

    // A higher layer patches the user layer the same way, including re-binding an unbound key.
    let project = "record = [\n  { key = \"s\", action = \"marker.sigh\", desc = \"Sigh\" },\n  { key = \"q\", action = \"noop\" },\n]\n";
    map.apply(Keymap::parse_layer(project, "project").unwrap());
    assert_eq!(map.action(Mode::Record, &ch('s')), Some(mark(MarkerKind::Sigh)));
    assert_eq!(map.action(Mode::Record, &ch('q')), None);
    assert!(map.validate().is_ok());

    let help = map.help(Mode::Record);
    let row = |a: Action| help.iter().find(|r| r.action == a).cloned();
    assert_eq!(
        row(mark(MarkerKind::Laughter)).unwrap(),
        HelpRow { keys: "C-l".into(), action: mark(MarkerKind::Laughter), desc: "Laughs".into() }
    );
    // The user row gave no desc and the default row for `l` is gone: the action's doc it is.
    assert_eq!(
        row(mark(MarkerKind::Quote)).unwrap(),
        HelpRow { keys: "l".into(), action: mark(MarkerKind::Quote), desc: "Mark a key quote".into() }
    );
    assert_eq!(row(mark(MarkerKind::Sigh)).unwrap().desc, "Sigh");
    assert_eq!(help.len(), record_actions().len());
}

#[test]
fn help_keeps_the_highest_description_and_drops_unbound_actions() {
    let mut map = Keymap::defaults().unwrap();
    let user = r#"record = [
  { key = "C-q", action = "recording.stop" },
  { key = "F1",  action = "help", desc = "Keys" },
  { key = "u",   action = "noop" },
]"#;
    map.apply(Keymap::parse_layer(user, "user").unwrap());
    let help = map.help(Mode::Record);
    let stop = help.iter().find(|r| r.action == rec(R::StopRecording)).unwrap();
    // No desc in the user row, so the default row's wording stays.
    assert_eq!((stop.keys.as_str(), stop.desc.as_str()), ("Q, C-c, C-q", "Stop and save (asks first)"));
    let help_row = help.iter().find(|r| r.action == rec(R::Help)).unwrap();
    assert_eq!((help_row.keys.as_str(), help_row.desc.as_str()), ("?, F1", "Keys"));
    assert!(help.iter().all(|r| r.action != rec(R::UndoMarker)));
    assert_eq!(help.len(), record_actions().len() - 1);
}

#[test]
fn load_with_stacks_preset_user_and_project_files() {
    let dir = tempfile::tempdir().unwrap();
    let preset = dir.path().join("mine.toml");
    std::fs::write(
        &preset,
        "record = [ { key = \"l\", action = \"marker.sigh\" }, { key = \"m\", action = \"marker.sigh\" } ]",
    )
    .unwrap();
    let user = dir.path().join("user.toml");
    std::fs::write(
        &user,
        "record = [ { key = \"m\", action = \"marker.quote\" }, { key = \"o\", action = \"marker.note\" } ]",
    )
    .unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("keymap.toml"), "record = [ { key = \"o\", action = \"noop\" } ]").unwrap();

    let preset_arg = preset.to_str().unwrap();
    let map = Keymap::load_with(Some(preset_arg), Some(&project), Some(&user)).unwrap();
    assert_eq!(map.action(Mode::Record, &ch('l')), Some(mark(MarkerKind::Sigh)));
    assert_eq!(map.action(Mode::Record, &ch('m')), Some(mark(MarkerKind::Quote)));
    assert_eq!(map.action(Mode::Record, &ch('o')), None);
    assert_eq!(map.action(Mode::Record, &ch('n')), Some(mark(MarkerKind::Note)));

    // Absent user and project files are simply not layers.
    let missing = dir.path().join("nope.toml");
    let map = Keymap::load_with(Some("default"), Some(&dir.path().join("no-project")), Some(&missing)).unwrap();
    assert_eq!(map.action(Mode::Record, &ch('l')), Some(mark(MarkerKind::Laughter)));
    let map = Keymap::load_with(None, None, None).unwrap();
    assert_eq!(map.help(Mode::Record), Keymap::defaults().unwrap().help(Mode::Record));
}

#[test]
fn presets_bind_their_tools_keys_and_ctrl_q_always_saves_and_quits() {
    let none = KeyModifiers::NONE;
    let shift = KeyModifiers::SHIFT;
    let ctrl = KeyModifiers::CONTROL;
    type Expected<'a> = &'a [(KeyCode, KeyModifiers, Action)];
    let cases: &[(&str, Expected)] = &[
        (
            "otranscribe",
            &[
                (KeyCode::Esc, none, rev(V::TogglePlay)),
                (KeyCode::F(1), none, rev(V::SkipBack)),
                (KeyCode::F(2), none, rev(V::SkipForward)),
                (KeyCode::F(3), none, rev(V::Slower)),
                (KeyCode::F(4), none, rev(V::Faster)),
                (KeyCode::Char('j'), ctrl, rev(V::InsertTimestamp)),
                (KeyCode::Char('k'), ctrl, rev(V::JumpToTime)),
            ],
        ),
        (
            "maxqda",
            &[
                (KeyCode::F(4), none, rev(V::TogglePlay)),
                (KeyCode::F(5), none, rev(V::TogglePlay)),
                (KeyCode::F(12), none, rev(V::SkipBackLong)),
                (KeyCode::F(12), shift, rev(V::SkipForwardLong)),
            ],
        ),
        ("vim", &[(KeyCode::Esc, none, rev(V::StopTyping)), (KeyCode::Tab, none, rev(V::TogglePlay))]),
        (
            "express-scribe",
            &[
                (KeyCode::F(4), none, rev(V::Stop)),
                (KeyCode::F(9), none, rev(V::Play)),
                (KeyCode::F(7), none, rev(V::SkipBack)),
                (KeyCode::F(8), none, rev(V::SkipForward)),
            ],
        ),
    ];
    for (preset, keys) in cases {
        let map = Keymap::load_with(Some(preset), None, None).unwrap();
        for &(code, modifiers, action) in *keys {
            assert_eq!(
                map.action(Mode::Review, &ev(code, modifiers)),
                Some(action),
                "{preset}: {code:?} {modifiers:?}"
            );
        }
        assert_eq!(map.action(Mode::Review, &ev(KeyCode::Char('q'), ctrl)), Some(rev(V::Quit)), "{preset}");
        if *preset == "vim" {
            assert_eq!(map.action(Mode::ReviewNormal, &ev(KeyCode::Char('j'), none)), Some(rev(V::NextSegment)));
            assert_eq!(map.action(Mode::ReviewNormal, &ev(KeyCode::Char('i'), none)), Some(rev(V::StartTyping)));
        }
        // Nothing the preset moved was lost: every review action still has a key.
        for action in Action::all().into_iter().filter(|a| a.is_valid_in(Mode::Review) && !is_modal(*a)) {
            assert!(!map.keys_for(Mode::Review, action).is_empty(), "{preset} leaves {action:?} without a key");
        }
    }
}
