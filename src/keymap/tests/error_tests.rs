//! Every error names the file and the exact line, and says what would be right.

use super::super::layer::{self, Strictness};
use super::super::*;

/// Parses `text` as a user file called `mine.toml` and returns the error it must give.
fn user_error(text: &str) -> KeymapError {
    match Keymap::parse_layer(text, "mine.toml") {
        Ok(layer) => panic!("expected an error, got {layer:?}"),
        Err(e) => e,
    }
}

fn assert_error(err: &KeymapError, origin: &str, line: usize, needles: &[&str]) {
    let message = err.to_string();
    assert_eq!(err.origin(), Some(origin), "{message}");
    assert_eq!(err.line(), Some(line), "{message}");
    assert!(message.starts_with(&format!("{origin}:{line}:")), "{message}");
    for needle in needles {
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
}

#[test]
fn toml_syntax_error_names_its_line() {
    let text = "# mine\nrecord = [\n  { key = \"l\" action = \"marker.sigh\" },\n]\n";
    let err = user_error(text);
    assert!(matches!(err, KeymapError::Toml { .. }), "{err:?}");
    assert_error(&err, "mine.toml", 3, &["each binding is one row like"]);
}

#[test]
fn unknown_field_names_its_line_and_the_fields() {
    let text = "record = [\n  { key = \"l\", action = \"marker.sigh\" },\n  { key = \"s\", action = \"marker.sigh\", dsc = \"x\" },\n]\n";
    let err = user_error(text);
    assert_error(&err, "mine.toml", 3, &["unknown field `dsc`", "`desc`"]);
}

#[test]
fn missing_field_and_wrong_shape_name_their_lines() {
    let err = user_error("\n\nrecord = [\n  { action = \"marker.sigh\" },\n]\n");
    assert_error(&err, "mine.toml", 4, &["missing field `key`"]);
    let err = user_error("[record]\nl = \"marker.laughter\"\n");
    assert!(matches!(err, KeymapError::Toml { .. }), "{err:?}");
    assert_eq!(err.origin(), Some("mine.toml"));
    assert!(err.line().is_some());
}

#[test]
fn unknown_action_suggests_the_near_name() {
    let text = "record = [\n  { key = \"l\", action = \"marker.laughter\" },\n\n  { key = \"m\", action = \"marker.laugh\" },\n]\n";
    let err = user_error(text);
    assert!(matches!(err, KeymapError::UnknownAction { .. }), "{err:?}");
    assert_error(&err, "mine.toml", 4, &["`marker.laugh`", "Did you mean `marker.laughter`?", "guide.next_section"]);
    // Column of the action's value: `  { key = "m", action = ` is 24 chars.
    assert_eq!(err.location().map(|l| l.column), Some(25));

    let err = user_error("record = [ { key = \"m\", action = \"dance\" } ]");
    assert_error(&err, "mine.toml", 1, &["unknown action `dance`. The actions are: marker.laughter", "noop"]);
    assert!(!err.to_string().contains("Did you mean"));
}

#[test]
fn bad_key_lists_the_valid_names() {
    let text = "record = [\n  { key = \"l\", action = \"marker.sigh\" },\n  { key = \"ctrl+x\", action = \"marker.sigh\" },\n]\n";
    let err = user_error(text);
    assert!(matches!(err, KeymapError::BadKey { .. }), "{err:?}");
    assert_error(&err, "mine.toml", 3, &["bad key `ctrl+x`", "pagedown", "C-S-F12"]);
    // Columns count characters, not bytes: `é` is two bytes but one column.
    let err = user_error("record = [\n  { desc = \"é\", key = \"S-1\", action = \"marker.sigh\" },\n]");
    assert_eq!(err.location(), Some(Location { line: 2, column: 23 }));
}

#[test]
fn unknown_mode_lists_the_modes() {
    let text = "record = [\n  { key = \"l\", action = \"marker.sigh\" },\n]\n\nreveiw = [\n  { key = \"l\", action = \"marker.sigh\" },\n]\n";
    let err = user_error(text);
    assert!(matches!(err, KeymapError::UnknownMode { .. }), "{err:?}");
    assert_error(&err, "mine.toml", 5, &["unknown mode `reveiw`", "The modes are: record"]);
}

#[test]
fn a_key_bound_twice_in_one_file_names_both_lines() {
    let text = "record = [\n  { key = \"L\", action = \"marker.sigh\" },\n  { key = \"m\", action = \"marker.quote\" },\n  { key = \"S-l\", action = \"noop\" },\n]\n";
    let err = user_error(text);
    assert!(matches!(err, KeymapError::Conflict { first_line: 2, .. }), "{err:?}");
    assert_error(&err, "mine.toml", 4, &["key `L` is bound twice in `record` mode, on lines 2 and 4"]);
}

#[test]
fn shipped_files_need_a_desc_user_files_do_not() {
    let text = "record = [\n  { key = \"l\", action = \"marker.sigh\", desc = \"Sigh\" },\n  { key = \"m\", action = \"marker.quote\", desc = \" \" },\n]\n";
    assert!(Keymap::parse_layer(text, "mine.toml").is_ok());
    let err = layer::parse(text, "built-in keymaps/x.toml", Strictness::Shipped).unwrap_err();
    assert_error(&err, "built-in keymaps/x.toml", 3, &["no `desc`", "desc = \"Mark a key quote\""]);
    // `noop` rows describe nothing, so they need no desc even in shipped files.
    assert!(layer::parse("record = [ { key = \"l\", action = \"noop\" } ]", "x", Strictness::Shipped).is_ok());
}

#[test]
fn unbinding_the_last_stop_key_names_the_layer_that_did_it() {
    let dir = tempfile::tempdir().unwrap();
    let user = dir.path().join("keymap.toml");
    std::fs::write(
        &user,
        "record = [\n  { key = \"Q\", action = \"noop\" },\n  { key = \"C-c\", action = \"marker.quote\" },\n]\n",
    )
    .unwrap();
    let err = Keymap::load_with(None, None, Some(&user)).unwrap_err();
    let origin = user.display().to_string();
    assert!(matches!(err, KeymapError::Unbound { .. }), "{err:?}");
    assert_eq!(err.origin(), Some(origin.as_str()));
    assert_eq!(err.line(), Some(3));
    let message = err.to_string();
    assert!(message.contains("the recording could not be stopped"), "{message}");
    assert!(message.contains(&format!("{origin}:3:")), "{message}");
    assert!(message.contains(r#"{ key = "Q", action = "recording.stop" }"#), "{message}");

    // A higher layer that binds it again makes the whole stack valid.
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("keymap.toml"), "record = [ { key = \"C-q\", action = \"recording.stop\" } ]").unwrap();
    let map = Keymap::load_with(None, Some(&project), Some(&user)).unwrap();
    assert_eq!(
        map.keys_for(Mode::Record, Action::Record(RecordAction::StopRecording)),
        [KeyBinding::parse("C-q").unwrap()]
    );
}

#[test]
fn unbinding_help_is_refused_too() {
    let mut map = Keymap::defaults().unwrap();
    map.apply(
        Keymap::parse_layer(
            "record = [\n{ key = \"?\", action = \"noop\" },\n{ key = \"F1\", action = \"noop\" },\n]",
            "p.toml",
        )
        .unwrap(),
    );
    let err = map.validate().unwrap_err();
    assert_eq!((err.origin(), err.line()), (Some("p.toml"), Some(3)));
    assert!(err.to_string().contains("the key help could not be opened"), "{err}");
}

#[test]
fn keymap_argument_errors_name_the_path_or_the_presets() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone.toml");
    let err = Keymap::load_with(Some(missing.to_str().unwrap()), None, None).unwrap_err();
    assert!(matches!(err, KeymapError::MissingFile { .. }), "{err:?}");
    assert!(err.to_string().contains(&missing.display().to_string()), "{err}");
    assert!(err.to_string().contains("default"), "{err}");

    let err = Keymap::load_with(Some("vimm"), None, None).unwrap_err();
    assert!(matches!(err, KeymapError::UnknownPreset { .. }), "{err:?}");
    assert!(err.to_string().contains("The shipped presets are: default"), "{err}");
    assert!(Keymap::load_with(Some(""), None, None).is_err());

    // A bad preset file reports its own path and line.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "record = [\n  { key = \"l\", action = \"nope\" },\n]").unwrap();
    let err = Keymap::load_with(Some(bad.to_str().unwrap()), None, None).unwrap_err();
    assert_error(&err, &bad.display().to_string(), 2, &["unknown action `nope`"]);
}

#[test]
fn unreadable_optional_files_are_errors_not_defaults() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the user file should be cannot be read: say so, do not skip it.
    let err = Keymap::load_with(None, None, Some(dir.path())).unwrap_err();
    assert!(matches!(err, KeymapError::Read { .. }), "{err:?}");
    assert!(err.to_string().contains(&dir.path().display().to_string()));

    let project = dir.path().join("p");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("keymap.toml"), b"record = [\xff]").unwrap();
    let err = Keymap::load_with(None, Some(&project), None).unwrap_err();
    assert!(matches!(err, KeymapError::Read { .. }), "{err:?}");
    assert!(err.to_string().contains("UTF-8"), "{err}");

    std::fs::write(project.join("keymap.toml"), "record = [\n  { key = \"F99\", action = \"help\" },\n]").unwrap();
    let err = Keymap::load_with(None, Some(&project), None).unwrap_err();
    assert_error(&err, &project.join("keymap.toml").display().to_string(), 2, &["F1 … F24"]);
}

#[test]
fn locations_clamp_instead_of_panicking() {
    assert_eq!(Location::of_offset("", 10), Location { line: 1, column: 1 });
    assert_eq!(Location::of_offset("a\nbé\n", 5), Location { line: 2, column: 3 });
    // Offset 3 is inside `é`: clamp back to its start.
    assert_eq!(Location::of_offset("a\nbé", 4), Location { line: 2, column: 2 });
}
