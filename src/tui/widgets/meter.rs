//! The level meter: peak and RMS in dBFS with a falling peak hold and a clipping warning.

use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// The quietest level the bar shows.
pub(crate) const FLOOR_DB: f32 = -60.0;
/// A peak at or above this is treated as clipping (the top 16-bit code).
pub(crate) const CLIP_DB: f32 = -0.01;
/// How long the clipping warning stays up after the last clipped sample.
const CLIP_HOLD: Duration = Duration::from_secs(3);
/// How fast the peak-hold mark falls, in dB per second (like a PPM).
const FALL_DB_PER_S: f32 = 20.0;

/// Converts a linear level (1.0 = full scale) to dBFS, with silence at `-inf`.
pub fn to_db(level: f32) -> f32 {
    if level > 0.0 { 20.0 * level.log10() } else { f32::NEG_INFINITY }
}

/// Meter state updated once per tick.
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    /// Peak of the last tick, dBFS.
    pub(crate) peak_db: f32,
    /// RMS of the last tick, dBFS.
    pub(crate) rms_db: f32,
    /// The falling peak-hold mark, dBFS.
    pub(crate) hold_db: f32,
    /// When a clipped sample was last seen.
    pub(crate) clipped_at: Option<Instant>,
    last_update: Option<Instant>,
}

impl Default for Meter {
    fn default() -> Self {
        Self {
            peak_db: f32::NEG_INFINITY,
            rms_db: f32::NEG_INFINITY,
            hold_db: f32::NEG_INFINITY,
            clipped_at: None,
            last_update: None,
        }
    }
}

impl Meter {
    /// Feeds the linear peak and RMS measured since the last tick.
    pub(crate) fn update(&mut self, peak: f32, rms: f32, now: Instant) {
        self.peak_db = to_db(peak);
        self.rms_db = to_db(rms);
        let fallen = match self.last_update {
            Some(then) => self.hold_db - FALL_DB_PER_S * now.saturating_duration_since(then).as_secs_f32(),
            None => f32::NEG_INFINITY,
        };
        self.hold_db = self.peak_db.max(fallen);
        if self.peak_db >= CLIP_DB {
            self.clipped_at = Some(now);
        }
        self.last_update = Some(now);
    }

    /// True while the clipping warning should show.
    pub(crate) fn clipping(&self, now: Instant) -> bool {
        self.clipped_at.is_some_and(|t| now.saturating_duration_since(t) < CLIP_HOLD)
    }
}

/// Formats a dBFS value for the screen.
pub(crate) fn format_db(db: f32) -> String {
    if db.is_finite() && db > FLOOR_DB - 30.0 { format!("{db:>5.1}") } else { "  -∞ ".into() }
}

/// The bar: RMS filled, peak lighter, the hold mark as a line; green, yellow above −12, red above −3.
pub(crate) struct MeterBar<'a> {
    /// The meter to draw.
    pub(crate) meter: &'a Meter,
    /// True while the clipping warning shows.
    pub(crate) clipping: bool,
}

fn fraction(db: f32) -> f32 {
    if !db.is_finite() { 0.0 } else { ((db - FLOOR_DB) / -FLOOR_DB).clamp(0.0, 1.0) }
}

fn zone_color(db: f32) -> Color {
    if db >= -3.0 {
        Color::Red
    } else if db >= -12.0 {
        Color::Yellow
    } else {
        Color::Green
    }
}

impl Widget for MeterBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < 10 || area.height == 0 {
            return;
        }
        let warning = if self.clipping { " CLIPPING " } else { "" };
        let width = area.width.saturating_sub(warning.len() as u16) as usize;
        let cells = |db: f32| (fraction(db) * width as f32).round() as usize;
        let (rms, peak, hold) = (cells(self.meter.rms_db), cells(self.meter.peak_db), cells(self.meter.hold_db));
        let mut spans = Vec::with_capacity(width + 1);
        for i in 0..width {
            let db_here = FLOOR_DB * (1.0 - (i as f32 + 0.5) / width as f32);
            let color = zone_color(db_here);
            let span = if i < rms {
                Span::styled("█", Style::new().fg(color))
            } else if i < peak {
                Span::styled("▒", Style::new().fg(color))
            } else if hold > 0 && i == hold - 1 {
                Span::styled("│", Style::new().fg(color))
            } else {
                Span::styled("·", Style::new().dark_gray())
            };
            spans.push(span);
        }
        if self.clipping {
            spans.push(Span::styled(warning, Style::new().white().on_red().bold()));
        }
        Line::from(spans).render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decibels_and_clipping() {
        assert_eq!(to_db(1.0), 0.0);
        assert!((to_db(0.5) + 6.0206).abs() < 1e-3);
        let t0 = Instant::now();
        let mut m = Meter::default();
        m.update(0.1, 0.05, t0);
        assert!(!m.clipping(t0));
        m.update(32767.0 / 32768.0, 0.5, t0 + Duration::from_millis(50));
        assert!(m.clipping(t0 + Duration::from_secs(1)));
        assert!(!m.clipping(t0 + Duration::from_secs(4)));
    }

    #[test]
    fn peak_hold_falls_at_twenty_db_a_second() {
        let t0 = Instant::now();
        let mut m = Meter::default();
        m.update(1.0, 0.5, t0);
        m.update(0.0, 0.0, t0 + Duration::from_millis(500));
        assert!((m.hold_db + 10.0).abs() < 0.01, "{}", m.hold_db);
    }
}
