//! Random key names and random TOML must produce errors, never panics.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::super::*;

const PIECES: &[&str] = &[
    "C-", "A-", "S-", "-", "F", "1", "2", "4", "l", "L", "?", "é", "ß", " ", "\t", "space", "tab", "up", "\u{0}", "x",
];

#[test]
fn random_key_names_never_panic_and_valid_ones_read_back() {
    let mut rng = StdRng::seed_from_u64(0x6b65_796d);
    for _ in 0..20_000 {
        let name: String = if rng.random_bool(0.5) {
            (0..rng.random_range(0..5)).map(|_| PIECES[rng.random_range(0..PIECES.len())]).collect()
        } else {
            (0..rng.random_range(0..6)).map(|_| rng.random::<char>()).collect()
        };
        if let Ok(key) = KeyBinding::parse(&name) {
            let canonical = key.to_string();
            assert_eq!(KeyBinding::parse(&canonical), Ok(key), "{name:?} -> {canonical:?}");
            assert!(
                !key.modifiers.contains(crossterm::event::KeyModifiers::SHIFT)
                    || !matches!(key.code, crossterm::event::KeyCode::Char(_))
            );
        }
    }
}

#[test]
fn random_toml_never_panics() {
    let mut rng = StdRng::seed_from_u64(0x746f_6d6c);
    let seeds = [DEFAULT_KEYMAP, "record = [ { key = \"l\", action = \"noop\", desc = \"x\" } ]"];
    let alphabet: Vec<char> = "[]{}=,\"'#\n .-_abcdeklnoprsy?éC-S-\\".chars().collect();
    for round in 0..3_000 {
        let mut text: Vec<char> = seeds[round % seeds.len()].chars().collect();
        for _ in 0..rng.random_range(1..8) {
            let at = rng.random_range(0..=text.len());
            match rng.random_range(0..3) {
                0 => text.insert(at, alphabet[rng.random_range(0..alphabet.len())]),
                1 if at < text.len() => {
                    text.remove(at);
                }
                _ => text.insert(at, rng.random::<char>()),
            }
        }
        let text: String = text.into_iter().collect();
        match Keymap::parse_layer(&text, "fuzz") {
            Ok(layer) => {
                let mut map = Keymap::defaults().unwrap();
                map.apply(layer);
                let _ = map.validate().map_err(|e| e.to_string());
                let _ = map.help(Mode::Record);
            }
            Err(e) => {
                // However mangled, the error still names the file it is about.
                assert_eq!(e.origin(), Some("fuzz"));
                assert!(!e.to_string().is_empty());
            }
        }
    }
}
