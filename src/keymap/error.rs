//! What can go wrong loading keymaps; every message names the file, the line and the fix.

use std::fmt;
use std::path::PathBuf;

/// A 1-based line and column in a keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Line number, starting at 1.
    pub(crate) line: usize,
    /// Column in characters, starting at 1.
    pub(crate) column: usize,
}

impl Location {
    /// The location of byte `offset` in `text`; offsets past the end or inside a char are clamped.
    pub(crate) fn of_offset(text: &str, offset: usize) -> Location {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location { line: before.matches('\n').count() + 1, column: before[line_start..].chars().count() + 1 }
    }
}

impl fmt::Display for Location {
    /// `line:column`, as compilers print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// How a row looks, quoted by errors about the file's shape.
const ROW_SHAPE: &str = "each binding is one row like `{ key = \"l\", action = \"marker.laughter\", desc = \"Mark laughter\" }` \
inside a mode list such as `record = [ ... ]`";

/// A keymap that cannot be used. Nothing falls back to defaults silently: the caller shows this.
#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    /// The file is not valid TOML, or not shaped like a keymap (e.g. an unknown field in a row).
    #[error("{origin}{}: {message}. Fix the file here; {ROW_SHAPE}", at(location))]
    Toml {
        /// The file, e.g. a path or `built-in keymaps/default.toml`.
        origin: String,
        /// Where the TOML parser stopped, when it said.
        location: Option<Location>,
        /// The parser's description of the problem.
        message: String,
    },
    /// A top-level table that is not a mode.
    #[error("{origin}:{location}: unknown mode `{name}`. The modes are: {valid}; rename or remove this table")]
    UnknownMode {
        /// The file.
        origin: String,
        /// Where the mode's name is.
        location: Location,
        /// The name as written.
        name: String,
        /// The valid mode names, comma-separated.
        valid: String,
    },
    /// A `key` that is not a key name.
    #[error("{origin}:{location}: bad key `{name}`: {reason}")]
    BadKey {
        /// The file.
        origin: String,
        /// Where the key name is.
        location: Location,
        /// The key name as written.
        name: String,
        /// What is wrong with it and what would be right.
        reason: String,
    },
    /// An `action` that does not exist.
    #[error("{origin}:{location}: unknown action `{name}`.{} The actions are: {valid}", did_you_mean(suggestion))]
    UnknownAction {
        /// The file.
        origin: String,
        /// Where the action name is.
        location: Location,
        /// The action name as written.
        name: String,
        /// The closest valid name, if the name looks like a typo of it.
        suggestion: Option<&'static str>,
        /// The valid action names, comma-separated.
        valid: String,
    },
    /// An action bound in a mode it does nothing in.
    #[error("{origin}:{location}: `{action}` does nothing in `{mode}` mode; move this row to: {valid_modes}")]
    WrongMode {
        /// The file.
        origin: String,
        /// Where the action name is.
        location: Location,
        /// The action's name.
        action: &'static str,
        /// The mode the row is in.
        mode: &'static str,
        /// The modes the action can be bound in, comma-separated.
        valid_modes: String,
    },
    /// A row in a shipped keymap without a `desc` (user files may omit it).
    #[error(
        "{origin}:{location}: the row for `{action}` has no `desc`; shipped keymaps describe every binding \
         for the help screen, so add e.g. desc = \"{doc}\""
    )]
    MissingDesc {
        /// The file.
        origin: String,
        /// Where the row starts.
        location: Location,
        /// The row's action name.
        action: &'static str,
        /// The action's own doc, as a suggestion.
        doc: &'static str,
    },
    /// The same key bound twice in one file and mode, so which row wins would be a guess.
    #[error(
        "{origin}:{location}: key `{key}` is bound twice in `{mode}` mode, on lines {first_line} and {}; \
         delete or change one of the rows",
        location.line
    )]
    Conflict {
        /// The file.
        origin: String,
        /// Where the second row's key is.
        location: Location,
        /// The key's canonical name.
        key: String,
        /// The mode both rows are in.
        mode: &'static str,
        /// The line of the first row binding the key.
        first_line: usize,
    },
    /// The file given with `--keymap` could not be read.
    #[error(
        "cannot read the keymap file {} given with --keymap: {source}. Check the path, or give a preset \
         name instead: {presets}",
        path.display()
    )]
    MissingFile {
        /// The path as given.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
        /// The shipped preset names, comma-separated.
        presets: String,
    },
    /// A user or project keymap that exists but could not be read.
    #[error("cannot read the keymap file {}: {source}. Fix its permissions or encoding (UTF-8), or remove it", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// A `--keymap` name that is neither a shipped preset nor a path.
    #[error(
        "unknown keymap preset `{name}`. The shipped presets are: {presets}. To load your own file, give a \
         path containing `/` or ending in `.toml`"
    )]
    UnknownPreset {
        /// The name as given.
        name: String,
        /// The shipped preset names, comma-separated.
        presets: String,
    },
    /// After merging every layer, an action that must stay reachable has no key.
    #[error(
        "no key runs `{action}` in `{mode}` mode any more, so {consequence}. {}; bind it to a key again, \
         e.g. {{ key = \"{example}\", action = \"{action}\" }}",
        removed_by(origin, location)
    )]
    Unbound {
        /// The mode left without the action.
        mode: &'static str,
        /// The action's name.
        action: &'static str,
        /// What the user could not do.
        consequence: &'static str,
        /// The file whose row removed the action's last key, if known.
        origin: Option<String>,
        /// That row's location.
        location: Option<Location>,
        /// A key the built-in keymap uses for the action.
        example: String,
    },
}

impl KeymapError {
    /// The file the error is in, when it is about one.
    pub fn origin(&self) -> Option<&str> {
        match self {
            KeymapError::Toml { origin, .. }
            | KeymapError::UnknownMode { origin, .. }
            | KeymapError::BadKey { origin, .. }
            | KeymapError::UnknownAction { origin, .. }
            | KeymapError::WrongMode { origin, .. }
            | KeymapError::MissingDesc { origin, .. }
            | KeymapError::Conflict { origin, .. } => Some(origin),
            KeymapError::Unbound { origin, .. } => origin.as_deref(),
            KeymapError::MissingFile { .. } | KeymapError::Read { .. } | KeymapError::UnknownPreset { .. } => None,
        }
    }

    /// The 1-based line the error is on, when it is about one.
    pub fn line(&self) -> Option<usize> {
        self.location().map(|l| l.line)
    }

    /// The line and column the error is at, when it is about one.
    pub fn location(&self) -> Option<Location> {
        match self {
            KeymapError::Toml { location, .. } | KeymapError::Unbound { location, .. } => *location,
            KeymapError::UnknownMode { location, .. }
            | KeymapError::BadKey { location, .. }
            | KeymapError::UnknownAction { location, .. }
            | KeymapError::WrongMode { location, .. }
            | KeymapError::MissingDesc { location, .. }
            | KeymapError::Conflict { location, .. } => Some(*location),
            KeymapError::MissingFile { .. } | KeymapError::Read { .. } | KeymapError::UnknownPreset { .. } => None,
        }
    }
}

fn at(location: &Option<Location>) -> String {
    location.map(|l| format!(":{l}")).unwrap_or_default()
}

fn did_you_mean(suggestion: &Option<&'static str>) -> String {
    suggestion.map(|s| format!(" Did you mean `{s}`?")).unwrap_or_default()
}

fn removed_by(origin: &Option<String>, location: &Option<Location>) -> String {
    match (origin, location) {
        (Some(origin), Some(l)) => format!("{origin}:{l} removed its last key"),
        (Some(origin), None) => format!("{origin} removed its last key"),
        _ => "No keymap binds it".to_string(),
    }
}
