//! Pieces both screens draw: centred popups, the key help from the live keymap, truncation,
//! the one text input every field uses, the level meter, and the status line.

pub mod meter;
mod status;
mod text_input;

pub(crate) use status::Status;
pub(crate) use text_input::{Edit, TextInput};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use crate::keymap::{Keymap, Mode};
use crate::model::{Lang, Mark, Marker, Ms};

/// Draws a bordered box centred in `area`.
pub(crate) fn popup(area: Rect, buf: &mut Buffer, title: &str, body: Text<'_>, width: u16, height: u16) {
    let width = width.min(area.width);
    let height = height.min(area.height);
    let x = area.x + (area.width - width) / 2;
    let y = area.y + (area.height - height) / 2;
    let rect = Rect { x, y, width, height };
    Clear.render(rect, buf);
    Paragraph::new(body).wrap(Wrap { trim: false }).block(Block::bordered().title(title.to_string())).render(rect, buf);
}

/// The help overlay for `mode`, generated from the live keymap, speakers folded into one row.
pub(crate) fn key_help(keymap: &Keymap, mode: Mode, area: Rect, buf: &mut Buffer) {
    let mut rows = keymap.help(mode);
    // Nine speaker rows would push the rest off a small screen: show them as one.
    let speakers: Vec<String> = rows.iter().filter(|r| r.action.is_speaker()).map(|r| r.keys.clone()).collect();
    if speakers.len() > 1
        && let Some(first) = rows.iter().position(|r| r.action.is_speaker())
    {
        let keys = match mode {
            Mode::Record if speakers.iter().map(String::as_str).eq(["1", "2", "3", "4", "5", "6", "7", "8", "9"]) => {
                "1…9".to_string()
            }
            Mode::Review
                if speakers
                    .iter()
                    .map(String::as_str)
                    .eq(["A-1", "A-2", "A-3", "A-4", "A-5", "A-6", "A-7", "A-8", "A-9"]) =>
            {
                "A-1…9".to_string()
            }
            _ => speakers.join(" "),
        };
        rows[first].keys = keys;
        rows[first].desc = match mode {
            Mode::Record => "Speaker 1…9 starts talking (focus groups)",
            Mode::Review | Mode::ReviewNormal => "Speaker L1…L9 (focus groups)",
        }
        .into();
        let mut seen = false;
        rows.retain(|r| !r.action.is_speaker() || !std::mem::replace(&mut seen, true));
    }
    let key_width = rows.iter().map(|r| r.keys.chars().count()).max().unwrap_or(4).min(18);
    let cell = |r: &crate::keymap::HelpRow, width: usize| {
        let desc = truncate(&r.desc, width.saturating_sub(key_width + 3));
        vec![
            Span::styled(format!(" {:>key_width$} ", truncate(&r.keys, key_width)), Style::new().bold()),
            Span::raw(format!("{desc:<w$}", w = width.saturating_sub(key_width + 2))),
        ]
    };
    // Two columns when one would not fit the terminal (the review screen has ~40 actions).
    let fits = rows.len() + 3 <= usize::from(area.height);
    let (mut lines, width): (Vec<Line>, u16) = if fits || area.width < 60 {
        (rows.iter().map(|r| Line::from(cell(r, 70))).collect(), 72)
    } else {
        let half = rows.len().div_ceil(2);
        let column = usize::from(area.width.saturating_sub(4)) / 2;
        let lines = (0..half)
            .map(|i| {
                let mut spans = cell(&rows[i], column);
                if let Some(right) = rows.get(i + half) {
                    spans.extend(cell(right, column));
                }
                Line::from(spans)
            })
            .collect();
        (lines, area.width)
    };
    lines.push(Line::from(" Any key closes this help.").dim());
    let height = lines.len() as u16 + 2;
    popup(area, buf, " Keys (from the live keymap) ", Text::from(lines), width, height);
}

/// `text` cut to `width` characters, with `…` where it was cut.
pub(crate) fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// How a marker reads in the list.
pub(crate) fn marker_text(marker: &Marker) -> String {
    let label = marker.kind().label(Lang::En);
    match &marker.mark {
        Mark::Note(text) => format!("{label}: {text}"),
        Mark::Question { text, .. } => format!("{label}: {}", text.as_deref().unwrap_or("")),
        Mark::Speaker(0) => "interviewer".into(),
        Mark::Speaker(n) => format!("speaker {n}"),
        Mark::Paused { wall: Some(wall) } => format!("paused {}", span_text(wall.0 / 1000)),
        Mark::Paused { wall: None } => "paused".into(),
        Mark::Gap { lost, cause } => format!("gap {} ms: {cause}", lost.unwrap_or(Ms::ZERO).0),
        // The kinds that carry nothing read as their label, so a new one needs no line here.
        _ => label.into(),
    }
}

/// A length of time in words: `45 s`, `12 min`, `3 h 20 min`.
pub(crate) fn span_text(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {} min", s / 3600, s / 60 % 60),
    }
}
