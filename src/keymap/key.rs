//! Key names (helix style: `l`, `L`, `?`, `space`, `C-c`, `C-S-F12`) and their normalisation.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with its modifiers, normalised so that a keymap entry and a terminal event compare equal.
///
/// Character keys never carry SHIFT: terminals disagree on whether `?` or `L` arrive with
/// SHIFT set, so the character itself (upper-cased for letters) is what counts. Shift+Tab is
/// always `backtab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyBinding {
    /// The key, e.g. `KeyCode::Char('l')` or `KeyCode::F(12)`.
    pub(crate) code: KeyCode,
    /// Control, Alt and Shift (and, from events only, Super, Hyper, Meta).
    pub(crate) modifiers: KeyModifiers,
}

/// Named keys in the order the help for a bad key name lists them, with their codes.
const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("space", KeyCode::Char(' ')),
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("del", KeyCode::Delete),
    ("ins", KeyCode::Insert),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
];

/// What a key name may look like, for error messages.
const KEY_NAME_HELP: &str = "a key is a single character (`l`, `L`, `?`, `1`, `.`) or one of \
space, enter, esc, tab, backtab, backspace, del, ins, home, end, pageup, pagedown, up, down, left, right, \
F1 … F24, optionally after the modifiers C- (Control), A- (Alt) and S- (Shift), e.g. `C-c` or `C-S-F12`";

impl KeyBinding {
    /// A binding for `code` with `modifiers`, normalised the way events and key names are.
    pub(crate) fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyBinding {
        let shift = modifiers.contains(KeyModifiers::SHIFT);
        match code {
            KeyCode::Char(c) => {
                let c = if shift { upper(c) } else { c };
                KeyBinding { code: KeyCode::Char(c), modifiers: modifiers - KeyModifiers::SHIFT }
            }
            KeyCode::Tab if shift => KeyBinding { code: KeyCode::BackTab, modifiers: modifiers - KeyModifiers::SHIFT },
            KeyCode::BackTab => KeyBinding { code, modifiers: modifiers - KeyModifiers::SHIFT },
            _ => KeyBinding { code, modifiers },
        }
    }

    /// Parses a key name such as `l`, `?`, `space`, `C-c` or `C-S-F12`; the error says what is wrong.
    pub fn parse(name: &str) -> Result<KeyBinding, String> {
        if name.is_empty() {
            return Err(format!("the key name is empty; {KEY_NAME_HELP}"));
        }
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = name;
        while let Some((flag, tail)) = split_modifier(rest) {
            if modifiers.contains(flag) {
                return Err(format!("the modifier `{}` appears twice", &rest[..2]));
            }
            modifiers |= flag;
            rest = tail;
        }
        let code = key_code(rest)?;
        if let KeyCode::Char(c) = code
            && modifiers.contains(KeyModifiers::SHIFT)
            && !c.is_alphabetic()
        {
            // Which symbol Shift+1 types depends on the keyboard layout, and terminals report
            // the symbol, not the digit, so `S-1` could never match anything reliably.
            return Err(format!(
                "S- only combines with letters and named keys; for a symbol, write the character \
                 Shift types on your keyboard instead of `{name}`, e.g. `!` or `?`"
            ));
        }
        Ok(KeyBinding::new(code, modifiers))
    }

    /// The binding a terminal key event stands for, normalised like parsed key names.
    pub(crate) fn from_event(ev: &KeyEvent) -> KeyBinding {
        KeyBinding::new(ev.code, ev.modifiers)
    }
}

/// Splits a leading `C-`, `A-` or `S-` off `name`, unless that would leave no key (`C-` alone).
fn split_modifier(name: &str) -> Option<(KeyModifiers, &str)> {
    let bytes = name.as_bytes();
    if bytes.len() <= 2 || bytes[1] != b'-' {
        return None;
    }
    let flag = match bytes[0] {
        b'C' => KeyModifiers::CONTROL,
        b'A' => KeyModifiers::ALT,
        b'S' => KeyModifiers::SHIFT,
        _ => return None,
    };
    // Both prefix bytes are ASCII, so byte 2 is a char boundary.
    Some((flag, &name[2..]))
}

fn key_code(name: &str) -> Result<KeyCode, String> {
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return match c {
            ' ' => Err("write a space as `space`".to_string()),
            '\t' => Err("write a tab as `tab`".to_string()),
            c if c.is_control() || c.is_whitespace() => {
                Err(format!("U+{:04X} is not a printable character; {KEY_NAME_HELP}", u32::from(c)))
            }
            c => Ok(KeyCode::Char(c)),
        };
    }
    let lower = name.to_ascii_lowercase();
    if let Some((_, code)) = NAMED_KEYS.iter().find(|(n, _)| *n == lower) {
        return Ok(*code);
    }
    if let Some(digits) = lower.strip_prefix('f')
        && !digits.is_empty()
        && digits.len() <= 2
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return match digits.parse::<u8>() {
            Ok(n @ 1..=24) => Ok(KeyCode::F(n)),
            _ => Err(format!("there is no function key `{name}`; use F1 … F24")),
        };
    }
    Err(format!("unknown key name `{name}`; {KEY_NAME_HELP}"))
}

/// The upper-case form of `c` when that is a single char (`ß` stays `ß`).
fn upper(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

impl fmt::Display for KeyBinding {
    /// The canonical key name, as keymap files and the help overlay write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (flag, prefix) in [
            (KeyModifiers::CONTROL, "C-"),
            (KeyModifiers::ALT, "A-"),
            (KeyModifiers::SHIFT, "S-"),
            (KeyModifiers::SUPER, "Super-"),
            (KeyModifiers::HYPER, "Hyper-"),
            (KeyModifiers::META, "Meta-"),
        ] {
            if self.modifiers.contains(flag) {
                f.write_str(prefix)?;
            }
        }
        if let Some((name, _)) = NAMED_KEYS.iter().find(|(_, code)| *code == self.code) {
            return f.write_str(name);
        }
        match self.code {
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Char(c) if c.is_control() || c.is_whitespace() => write!(f, "U+{:04X}", u32::from(c)),
            KeyCode::Char(c) => write!(f, "{c}"),
            // Keys no name exists for only come from events; this is for logs, not for files.
            other => write!(f, "{}", format!("{other:?}").to_lowercase()),
        }
    }
}
