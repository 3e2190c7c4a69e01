//! Keymap tests: shipped files, default bindings, layering, key names. Errors are in `error_tests`.

mod error_tests;
mod fuzz_tests;

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::layer::{self, Strictness};
use super::*;

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
        let shipped = shipped_presets().iter().find(|(n, _)| *n == name);
        let (_, embedded) = shipped.unwrap_or_else(|| panic!("{} is missing from PRESETS", path.display()));
        assert_eq!(*embedded, text, "{name}: the embedded text is stale");
        let parsed = layer::parse(&text, &name, Strictness::Shipped);
        assert!(parsed.is_ok(), "{name}: {}", parsed.unwrap_err());
        files.push(name);
    }
    assert!(files.contains(&"default".to_string()));
    assert_eq!(files.len(), shipped_presets().len(), "PRESETS lists a file that does not exist");
}

#[test]
fn readme_documents_every_action() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("keymaps/README.md")).unwrap();
    for action in Action::ALL.iter().filter(|a| !matches!(a, Action::Speaker(_))) {
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
        (ch('l'), Action::MarkLaughter),
        (ch('s'), Action::MarkSigh),
        (ch('p'), Action::MarkLongPause),
        (ch('q'), Action::MarkQuote),
        (ch('x'), Action::MarkIdentifying),
        (ch('f'), Action::MarkFollowUp),
        (ch('n'), Action::MarkNote),
        (ch('u'), Action::UndoMarker),
        (ev(KeyCode::Down, none), Action::GuideNext),
        (ch('j'), Action::GuideNext),
        (ev(KeyCode::Up, none), Action::GuidePrev),
        (ch('k'), Action::GuidePrev),
        (ev(KeyCode::PageDown, none), Action::GuideNextSection),
        (ch('J'), Action::GuideNextSection),
        // Terminals differ: `J` may come with SHIFT, or even as `j` with SHIFT.
        (ev(KeyCode::Char('J'), shift), Action::GuideNextSection),
        (ev(KeyCode::Char('j'), shift), Action::GuideNextSection),
        (ev(KeyCode::PageUp, none), Action::GuidePrevSection),
        (ev(KeyCode::Char('K'), shift), Action::GuidePrevSection),
        (ev(KeyCode::Enter, none), Action::GuideAsked),
        (ch('a'), Action::GuideAsked),
        (ch(' '), Action::TogglePause),
        (ev(KeyCode::Char('Q'), shift), Action::StopRecording),
        (ev(KeyCode::Char('c'), KeyModifiers::CONTROL), Action::StopRecording),
        (ch('?'), Action::Help),
        (ev(KeyCode::Char('?'), shift), Action::Help),
        (ev(KeyCode::F(1), none), Action::Help),
    ];
    for (event, action) in cases {
        assert_eq!(map.action(Mode::Record, &event), Some(action), "{event:?}");
    }
    for n in 1..=9u8 {
        let digit = char::from(b'0' + n);
        assert_eq!(map.action(Mode::Record, &ch(digit)), Some(Action::Speaker(n)));
    }
}

#[test]
fn unbound_keys_modifiers_and_releases_trigger_nothing() {
    let map = Keymap::defaults().unwrap();
    let unbound = [
        ch('c'),
        ch('0'),
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
    let release = KeyEvent::new_with_kind(KeyCode::Char('l'), KeyModifiers::NONE, KeyEventKind::Release);
    assert_eq!(map.action(Mode::Record, &release), None);
    let repeat = KeyEvent::new_with_kind(KeyCode::Char('j'), KeyModifiers::NONE, KeyEventKind::Repeat);
    assert_eq!(map.action(Mode::Record, &repeat), Some(Action::GuideNext));
}

#[test]
fn defaults_bind_every_action_with_keys_in_file_order() {
    let map = Keymap::defaults().unwrap();
    for &action in Action::ALL.iter().filter(|a| !is_modal(**a)) {
        // `review_normal` is for modal keymaps (vim) only: the default binds nothing there.
        for &mode in action.modes().iter().filter(|m| **m != Mode::ReviewNormal) {
            assert!(!map.keys_for(mode, action).is_empty(), "{action:?} has no default key in {}", mode.name());
        }
    }
    assert_eq!(key_names(&map.keys_for(Mode::Record, Action::GuideNext)), ["down", "j"]);
    assert_eq!(key_names(&map.keys_for(Mode::Record, Action::StopRecording)), ["Q", "C-c"]);
    assert_eq!(key_names(&map.keys_for(Mode::Record, Action::Help)), ["?", "F1"]);
    assert_eq!(key_names(&map.keys_for(Mode::Record, Action::TogglePause)), ["space"]);
    let help = map.help(Mode::Record);
    assert_eq!(help.iter().map(|r| r.action).collect::<Vec<_>>(), record_actions());
    assert_eq!(help[0], HelpRow { keys: "l".into(), action: Action::MarkLaughter, desc: "Mark laughter".into() });
    let speaker3 = help.iter().find(|r| r.action == Action::Speaker(3)).unwrap();
    assert_eq!((speaker3.keys.as_str(), speaker3.desc.as_str()), ("3", "Speaker 3 starts talking"));
    let next = help.iter().find(|r| r.action == Action::GuideNextSection).unwrap();
    assert_eq!(next.keys, "pagedown, J");
    // The review screen: the speakers are focus-group labels there, with their own words.
    let review = map.help(Mode::Review);
    let l3 = review.iter().find(|r| r.action == Action::Speaker(3)).unwrap();
    assert_eq!((l3.keys.as_str(), l3.desc.as_str()), ("A-3", "Speaker L3"));
    let toggle = review.iter().find(|r| r.action == Action::TogglePlay).unwrap();
    assert_eq!(toggle.keys, "esc, tab");
    assert_eq!(key_names(&map.keys_for(Mode::Review, Action::Quit)), ["C-q"]);
    assert!(review.iter().all(|r| r.action.is_valid_in(Mode::Review)));
}

/// Switching between typing and commands, which only modal keymaps bind.
fn is_modal(action: Action) -> bool {
    matches!(action, Action::StartTyping | Action::StopTyping)
}

/// The actions of the recording screen, in help order.
fn record_actions() -> Vec<Action> {
    Action::ALL.iter().copied().filter(|a| a.is_valid_in(Mode::Record)).collect()
}

#[test]
fn action_names_round_trip_and_have_docs() {
    for &action in Action::ALL {
        assert_eq!(Action::from_name(action.name()), Some(action));
        assert!(!action.doc().is_empty());
        assert!(!action.modes().is_empty());
    }
    assert_eq!(Action::Speaker(7).name(), "speaker.7");
    assert_eq!(Action::Speaker(7).doc(), "Speaker 7 starts talking");
    assert_eq!(Action::from_name("speaker.0"), None);
    assert_eq!(Action::from_name(NOOP), None);
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
    assert_eq!(map.action(Mode::Record, &ch('l')), Some(Action::MarkQuote));
    assert_eq!(map.action(Mode::Record, &ch('s')), None);
    assert_eq!(map.action(Mode::Record, &ev(KeyCode::Char('l'), KeyModifiers::CONTROL)), Some(Action::MarkLaughter));
    assert_eq!(key_names(&map.keys_for(Mode::Record, Action::MarkQuote)), ["l", "q"]);
    assert!(map.keys_for(Mode::Record, Action::MarkSigh).is_empty());

    // A higher layer patches the user layer the same way, including re-binding an unbound key.
    let project = "record = [\n  { key = \"s\", action = \"marker.sigh\", desc = \"Sigh\" },\n  { key = \"q\", action = \"noop\" },\n]\n";
    map.apply(Keymap::parse_layer(project, "project").unwrap());
    assert_eq!(map.action(Mode::Record, &ch('s')), Some(Action::MarkSigh));
    assert_eq!(map.action(Mode::Record, &ch('q')), None);
    assert!(map.validate().is_ok());

    let help = map.help(Mode::Record);
    let row = |a: Action| help.iter().find(|r| r.action == a).cloned();
    assert_eq!(
        row(Action::MarkLaughter).unwrap(),
        HelpRow { keys: "C-l".into(), action: Action::MarkLaughter, desc: "Laughs".into() }
    );
    // The user row gave no desc and the default row for `l` is gone: the action's doc it is.
    assert_eq!(
        row(Action::MarkQuote).unwrap(),
        HelpRow { keys: "l".into(), action: Action::MarkQuote, desc: "Mark a key quote".into() }
    );
    assert_eq!(row(Action::MarkSigh).unwrap().desc, "Sigh");
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
    let stop = help.iter().find(|r| r.action == Action::StopRecording).unwrap();
    // No desc in the user row, so the default row's wording stays.
    assert_eq!((stop.keys.as_str(), stop.desc.as_str()), ("Q, C-c, C-q", "Stop and save (asks first)"));
    let help_row = help.iter().find(|r| r.action == Action::Help).unwrap();
    assert_eq!((help_row.keys.as_str(), help_row.desc.as_str()), ("?, F1", "Keys"));
    assert!(help.iter().all(|r| r.action != Action::UndoMarker));
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
    assert_eq!(map.action(Mode::Record, &ch('l')), Some(Action::MarkSigh));
    assert_eq!(map.action(Mode::Record, &ch('m')), Some(Action::MarkQuote));
    assert_eq!(map.action(Mode::Record, &ch('o')), None);
    assert_eq!(map.action(Mode::Record, &ch('n')), Some(Action::MarkNote));

    // Absent user and project files are simply not layers.
    let missing = dir.path().join("nope.toml");
    let map = Keymap::load_with(Some("default"), Some(&dir.path().join("no-project")), Some(&missing)).unwrap();
    assert_eq!(map.action(Mode::Record, &ch('l')), Some(Action::MarkLaughter));
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
                (KeyCode::Esc, none, Action::TogglePlay),
                (KeyCode::F(1), none, Action::SkipBack),
                (KeyCode::F(2), none, Action::SkipForward),
                (KeyCode::F(3), none, Action::Slower),
                (KeyCode::F(4), none, Action::Faster),
                (KeyCode::Char('j'), ctrl, Action::InsertTimestamp),
                (KeyCode::Char('k'), ctrl, Action::JumpToTime),
            ],
        ),
        (
            "maxqda",
            &[
                (KeyCode::F(4), none, Action::TogglePlay),
                (KeyCode::F(5), none, Action::TogglePlay),
                (KeyCode::F(12), none, Action::SkipBackLong),
                (KeyCode::F(12), shift, Action::SkipForwardLong),
            ],
        ),
        ("vim", &[(KeyCode::Esc, none, Action::StopTyping), (KeyCode::Tab, none, Action::TogglePlay)]),
        (
            "express-scribe",
            &[
                (KeyCode::F(4), none, Action::Stop),
                (KeyCode::F(9), none, Action::Play),
                (KeyCode::F(7), none, Action::SkipBack),
                (KeyCode::F(8), none, Action::SkipForward),
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
        assert_eq!(map.action(Mode::Review, &ev(KeyCode::Char('q'), ctrl)), Some(Action::Quit), "{preset}");
        if *preset == "vim" {
            assert_eq!(map.action(Mode::ReviewNormal, &ev(KeyCode::Char('j'), none)), Some(Action::NextSegment));
            assert_eq!(map.action(Mode::ReviewNormal, &ev(KeyCode::Char('i'), none)), Some(Action::StartTyping));
        }
        // Nothing the preset moved was lost: every review action still has a key.
        for &action in Action::ALL.iter().filter(|a| a.is_valid_in(Mode::Review) && !is_modal(**a)) {
            assert!(!map.keys_for(Mode::Review, action).is_empty(), "{preset} leaves {action:?} without a key");
        }
    }
}
