//! Key bindings as data: actions with docs, TOML keymaps merged over the embedded defaults.
//!
//! Layers, lowest first: the built-in `keymaps/default.toml`, a `--keymap` preset or file,
//! the user's `keymap.toml` in the config directory, the project's `keymap.toml`. Each layer
//! patches the one below key by key (`noop` unbinds), and any error stops loading: a keymap
//! that half-applies would leave the interviewer pressing keys that do something else.

mod action;
mod error;
mod key;
mod layer;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyEvent, KeyEventKind};

pub use action::{Action, MarkKey, Mode, NOOP, NOOP_DOC, RecordAction, ReviewAction, SpeakerKey};
pub use error::{KeymapError, Location};
pub use key::KeyBinding;
pub use layer::KeymapLayer;

use layer::{LayerRow, Strictness};

/// The built-in keymap every other layer patches.
pub(crate) const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");

/// How error messages name the built-in keymap.
const DEFAULT_ORIGIN: &str = "built-in keymaps/default.toml";

/// The keymap file name in the user's config directory and in a project directory.
pub(crate) const KEYMAP_FILE: &str = "keymap.toml";

// Every `keymaps/*.toml` must be listed here; a test checks the directory against this table.
static PRESETS: &[(&str, &str)] = &[
    ("default", DEFAULT_KEYMAP),
    ("otranscribe", include_str!("../../keymaps/otranscribe.toml")),
    ("maxqda", include_str!("../../keymaps/maxqda.toml")),
    ("express-scribe", include_str!("../../keymaps/express-scribe.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

/// One line of the help overlay: the keys bound to an action and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRow {
    /// The action's keys in canonical form, comma-separated, e.g. `down, j`.
    pub(crate) keys: String,
    pub(crate) action: Action,
    /// The description from the highest layer that gave one, else the action's doc.
    pub(crate) desc: String,
}

/// The live key bindings of every mode, merged from all layers.
#[derive(Debug, Clone)]
pub struct Keymap {
    modes: HashMap<Mode, Vec<Entry>>,
    layers_applied: usize,
    losses: Vec<Loss>,
}

/// One bound key. Entries keep file order so `keys_for` lists keys as the files do.
#[derive(Debug, Clone)]
struct Entry {
    key: KeyBinding,
    action: Action,
    desc: Option<String>,
    /// Which layer bound it (1 = lowest), so help can prefer the most specific description.
    layer: usize,
}

/// The row that removed the last key of an action that must stay reachable.
#[derive(Debug, Clone)]
struct Loss {
    mode: Mode,
    action: Action,
    origin: String,
    location: Location,
}

impl Keymap {
    // Private: an empty keymap fails validation, and `Keymap::default()` next to
    // `Keymap::defaults()` would invite picking the wrong one.
    fn empty() -> Keymap {
        Keymap { modes: HashMap::new(), layers_applied: 0, losses: Vec::new() }
    }

    /// The built-in keymap alone, checked like any other.
    pub fn defaults() -> Result<Keymap, KeymapError> {
        let mut map = Keymap::empty();
        map.apply(layer::parse(DEFAULT_KEYMAP, DEFAULT_ORIGIN, Strictness::Shipped)?);
        map.validate()?;
        Ok(map)
    }

    /// Parses and checks one keymap file's text; `origin` is how errors name the file.
    ///
    /// Rows may omit `desc` (help then shows the action's doc); everything else is an error.
    pub fn parse_layer(text: &str, origin: &str) -> Result<KeymapLayer, KeymapError> {
        layer::parse(text, origin, Strictness::User)
    }

    /// Merges `layer` over the current bindings: each row replaces its key's binding or, for
    /// `noop`, removes it. Call [`Keymap::validate`] after the last layer.
    pub fn apply(&mut self, layer: KeymapLayer) {
        self.layers_applied += 1;
        let rank = self.layers_applied;
        for LayerRow { mode, key, action, desc, location } in layer.rows {
            let entries = self.modes.entry(mode).or_default();
            let old = entries.iter().position(|e| e.key == key);
            let removed = match (old, action) {
                (Some(i), Some(action)) => {
                    let new = Entry { key, action, desc, layer: rank };
                    Some(std::mem::replace(&mut entries[i], new).action)
                }
                (Some(i), None) => Some(entries.remove(i).action),
                (None, Some(action)) => {
                    entries.push(Entry { key, action, desc, layer: rank });
                    None
                }
                (None, None) => None,
            };
            let Some(removed) = removed else { continue };
            let required = mode.required().iter().any(|(a, _)| *a == removed);
            if required && !entries.iter().any(|e| e.action == removed) {
                // Remember who did it: by validation time the row is long gone.
                self.losses.retain(|l| (l.mode, l.action) != (mode, removed));
                self.losses.push(Loss { mode, action: removed, origin: layer.origin.clone(), location });
            }
        }
    }

    /// Checks that every mode can still reach the actions it must keep (stop, help).
    pub fn validate(&self) -> Result<(), KeymapError> {
        for &mode in Mode::ALL {
            for &(action, consequence) in mode.required() {
                if !self.keys_for(mode, action).is_empty() {
                    continue;
                }
                let loss = self.losses.iter().rev().find(|l| (l.mode, l.action) == (mode, action));
                let example = default_key_for(mode, action).unwrap_or_else(|| "C-c".to_string());
                return Err(KeymapError::Unbound {
                    mode: mode.name(),
                    action: action.name(),
                    consequence,
                    origin: loss.map(|l| l.origin.clone()),
                    location: loss.map(|l| l.location),
                    example,
                });
            }
        }
        Ok(())
    }

    /// All layers for a run, with the user file looked up in the real config directory.
    ///
    /// `preset_or_path` is the `--keymap` value: a shipped preset name, or a file when it
    /// contains `/` or ends in `.toml`. `project_dir` adds `PROJECTDIR/keymap.toml` if present.
    pub fn load(preset_or_path: Option<&str>, project_dir: Option<&Path>) -> Result<Keymap, KeymapError> {
        Keymap::load_with(preset_or_path, project_dir, user_keymap_path().as_deref())
    }

    /// Like [`Keymap::load`], with the user keymap file given (or `None` for none), for tests.
    pub(crate) fn load_with(
        preset_or_path: Option<&str>,
        project_dir: Option<&Path>,
        user_file: Option<&Path>,
    ) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::empty();
        map.apply(layer::parse(DEFAULT_KEYMAP, DEFAULT_ORIGIN, Strictness::Shipped)?);
        if let Some(preset) = preset_or_path {
            map.apply(load_preset(preset)?);
        }
        let optional_files = [user_file.map(Path::to_path_buf), project_dir.map(|d| d.join(KEYMAP_FILE))];
        for path in optional_files.into_iter().flatten() {
            if let Some(text) = read_if_present(&path)? {
                map.apply(Keymap::parse_layer(&text, &path.display().to_string())?);
            }
        }
        map.validate()?;
        Ok(map)
    }

    /// The action `event` triggers in `mode`; key releases trigger nothing.
    pub(crate) fn action(&self, mode: Mode, event: &KeyEvent) -> Option<Action> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let key = KeyBinding::from_event(event);
        self.entries(mode).iter().find(|e| e.key == key).map(|e| e.action)
    }

    /// The recording screen's action for `event`.
    pub(crate) fn record_action(&self, event: &KeyEvent) -> Option<RecordAction> {
        match self.action(Mode::Record, event)? {
            Action::Record(action) => Some(action),
            // Layers refuse review actions in the record mode, so this never matches.
            Action::Review(_) => None,
        }
    }

    /// The review screen's action for `event` in `mode` (typing, or normal).
    pub(crate) fn review_action(&self, mode: Mode, event: &KeyEvent) -> Option<ReviewAction> {
        match self.action(mode, event)? {
            Action::Review(action) => Some(action),
            // Layers refuse record actions in the review modes, so this never matches.
            Action::Record(_) => None,
        }
    }

    /// The keys bound to `action` in `mode`, in the order the keymap files list them.
    pub fn keys_for(&self, mode: Mode, action: Action) -> Vec<KeyBinding> {
        self.entries(mode).iter().filter(|e| e.action == action).map(|e| e.key).collect()
    }

    /// The help overlay for `mode`: bound actions in [`Action::all`] order.
    pub fn help(&self, mode: Mode) -> Vec<HelpRow> {
        let entries = self.entries(mode);
        let mut rows = Vec::new();
        for action in Action::all() {
            let bound: Vec<&Entry> = entries.iter().filter(|e| e.action == action).collect();
            if bound.is_empty() {
                continue;
            }
            let keys = bound.iter().map(|e| e.key.to_string()).collect::<Vec<_>>().join(", ");
            // Strictly greater, so within one layer the first row's desc wins.
            let best = bound.iter().filter(|e| e.desc.is_some()).fold(None::<&&Entry>, |best, e| match best {
                Some(b) if b.layer >= e.layer => Some(b),
                _ => Some(e),
            });
            let desc = best.and_then(|e| e.desc.clone()).unwrap_or_else(|| action.doc().to_string());
            rows.push(HelpRow { keys, action, desc });
        }
        rows
    }

    fn entries(&self, mode: Mode) -> &[Entry] {
        self.modes.get(&mode).map_or(&[], Vec::as_slice)
    }
}

/// Where the user's keymap lives: `$XDG_CONFIG_HOME/verbatim/keymap.toml`, else under `~/.config`.
pub(crate) fn user_keymap_path() -> Option<PathBuf> {
    // The XDG spec says to ignore a relative XDG_CONFIG_HOME.
    let xdg = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).filter(|p| p.is_absolute());
    let base =
        xdg.or_else(|| std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("verbatim").join(KEYMAP_FILE))
}

/// The `--keymap` layer: a shipped preset by name, or a file by path.
fn load_preset(preset: &str) -> Result<KeymapLayer, KeymapError> {
    let names = || PRESETS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    if preset.contains('/') || preset.contains('\\') || preset.ends_with(".toml") {
        let path = PathBuf::from(preset);
        let text = std::fs::read_to_string(&path).map_err(|source| KeymapError::MissingFile {
            path: path.clone(),
            source,
            presets: names(),
        })?;
        return Keymap::parse_layer(&text, &path.display().to_string());
    }
    let (name, text) = PRESETS
        .iter()
        .find(|(n, _)| *n == preset)
        .ok_or_else(|| KeymapError::UnknownPreset { name: preset.to_string(), presets: names() })?;
    layer::parse(text, &format!("built-in keymaps/{name}.toml"), Strictness::Shipped)
}

/// The file's text, `None` if it does not exist; any other failure is an error, never a default.
fn read_if_present(path: &Path) -> Result<Option<String>, KeymapError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KeymapError::Read { path: path.to_path_buf(), source }),
    }
}

/// The first key the built-in keymap binds to `action`, for "bind it again" suggestions.
fn default_key_for(mode: Mode, action: Action) -> Option<String> {
    let layer = layer::parse(DEFAULT_KEYMAP, DEFAULT_ORIGIN, Strictness::Shipped).ok()?;
    layer.rows.iter().find(|r| r.mode == mode && r.action == Some(action)).map(|r| r.key.to_string())
}
