//! Keymap files: `Keymap::parse_layer` on any UTF-8 text, applied over the built-in keymap and
//! validated; every bound key's canonical name must parse back to the same key.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use verbatim::keymap::{Action, KeyBinding, Keymap, Mode};

fn defaults() -> &'static Keymap {
    static DEFAULTS: OnceLock<Keymap> = OnceLock::new();
    DEFAULTS.get_or_init(|| Keymap::defaults().expect("the built-in keymap is valid"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let layer = match Keymap::parse_layer(text, "fuzz.toml") {
        Ok(layer) => layer,
        Err(e) => {
            let _ = (e.to_string(), e.origin(), e.line(), e.location());
            return;
        }
    };
    assert_eq!(layer.origin(), "fuzz.toml");
    assert_eq!(layer.is_empty(), layer.len() == 0);
    let mut map = defaults().clone();
    map.apply(layer);
    if let Err(e) = map.validate() {
        let _ = (e.to_string(), e.origin(), e.line(), e.location());
        return;
    }
    for &mode in Mode::ALL {
        let _ = map.help(mode);
        for action in Action::all() {
            for key in map.keys_for(mode, action) {
                let name = key.to_string();
                assert_eq!(KeyBinding::parse(&name), Ok(key), "the key name {name:?} does not parse back");
            }
        }
    }
});
