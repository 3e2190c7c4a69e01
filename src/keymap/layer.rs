//! One keymap file parsed and checked on its own, before it is merged over the layers below.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use toml::Spanned;

use super::action::{Action, Mode, NOOP, action_names_for_humans, closest_action_name};
use super::error::{KeymapError, Location};
use super::key::KeyBinding;

/// One file's bindings, checked and ready to apply with [`super::Keymap::apply`].
#[derive(Debug, Clone)]
pub struct KeymapLayer {
    pub(crate) origin: String,
    pub(crate) rows: Vec<LayerRow>,
}

impl KeymapLayer {
    /// The file this layer came from, as error messages name it.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// How many rows (bindings and unbindings) the file has.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the file binds nothing.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// One row: bind `key` in `mode` to `action`, or unbind it when `action` is `None` (`noop`).
#[derive(Debug, Clone)]
pub(crate) struct LayerRow {
    pub(crate) mode: Mode,
    pub(crate) key: KeyBinding,
    pub(crate) action: Option<Action>,
    pub(crate) desc: Option<String>,
    pub(crate) location: Location,
}

/// Whether rows must carry a `desc`: shipped files feed the help screen directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strictness {
    Shipped,
    User,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    key: Spanned<String>,
    action: Spanned<String>,
    desc: Option<Spanned<String>>,
}

// Modes are map keys rather than struct fields so a new mode is one enum variant, and an
// unknown one gets our own error with the list of modes instead of serde's.
type RawFile = BTreeMap<Spanned<String>, Vec<Spanned<RawRow>>>;

pub(crate) fn parse(text: &str, origin: &str, strictness: Strictness) -> Result<KeymapLayer, KeymapError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| KeymapError::Toml {
        origin: origin.to_string(),
        location: e.span().map(|s| Location::of_offset(text, s.start)),
        message: e.message().trim_end().trim_end_matches('.').to_string(),
    })?;
    let at = |span: std::ops::Range<usize>| Location::of_offset(text, span.start);

    // Sort by position so errors come in file order, which is what a reader fixes first.
    let mut tables: Vec<_> = raw.into_iter().collect();
    tables.sort_by_key(|(name, _)| name.span().start);

    let mut rows = Vec::new();
    let mut seen: HashMap<(Mode, KeyBinding), usize> = HashMap::new();
    for (mode_name, raw_rows) in tables {
        let mode = Mode::from_name(mode_name.get_ref()).ok_or_else(|| KeymapError::UnknownMode {
            origin: origin.to_string(),
            location: at(mode_name.span()),
            name: mode_name.get_ref().clone(),
            valid: Mode::ALL.iter().map(|m| m.name()).collect::<Vec<_>>().join(", "),
        })?;
        for raw_row in raw_rows {
            let row_location = at(raw_row.span());
            let raw_row = raw_row.into_inner();
            let key_location = at(raw_row.key.span());
            let key = KeyBinding::parse(raw_row.key.get_ref()).map_err(|reason| KeymapError::BadKey {
                origin: origin.to_string(),
                location: key_location,
                name: raw_row.key.get_ref().clone(),
                reason,
            })?;
            let action = parse_action(&raw_row.action, mode, origin, at(raw_row.action.span()))?;
            let desc = raw_row.desc.map(Spanned::into_inner).filter(|d| !d.trim().is_empty());
            if let (Strictness::Shipped, Some(action), None) = (strictness, action, &desc) {
                return Err(KeymapError::MissingDesc {
                    origin: origin.to_string(),
                    location: row_location,
                    action: action.name(),
                    doc: action.doc(),
                });
            }
            if let Some(first_line) = seen.insert((mode, key), key_location.line) {
                return Err(KeymapError::Conflict {
                    origin: origin.to_string(),
                    location: key_location,
                    key: key.to_string(),
                    mode: mode.name(),
                    first_line,
                });
            }
            rows.push(LayerRow { mode, key, action, desc, location: key_location });
        }
    }
    Ok(KeymapLayer { origin: origin.to_string(), rows })
}

/// The row's action, `None` for `noop`, or why the name cannot be used in `mode`.
fn parse_action(
    name: &Spanned<String>,
    mode: Mode,
    origin: &str,
    location: Location,
) -> Result<Option<Action>, KeymapError> {
    let name = name.get_ref();
    if name == NOOP {
        return Ok(None);
    }
    let action = Action::from_name(name, mode).ok_or_else(|| KeymapError::UnknownAction {
        origin: origin.to_string(),
        location,
        name: name.clone(),
        suggestion: closest_action_name(name),
        valid: action_names_for_humans(),
    })?;
    if !action.is_valid_in(mode) {
        return Err(KeymapError::WrongMode {
            origin: origin.to_string(),
            location,
            action: action.name(),
            mode: mode.name(),
            valid_modes: action.modes().iter().map(|m| m.name()).collect::<Vec<_>>().join(", "),
        });
    }
    Ok(Some(action))
}
