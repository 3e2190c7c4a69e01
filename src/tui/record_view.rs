//! Drawing the recording screen: `impl Widget for &RecordApp`.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::common::{popup, truncate};
use super::meter::{MeterBar, format_db};
use super::record::{Overlay, RecordApp, Recorder, clock};
use crate::guide::Guide;
use crate::keymap::{Action, Mode};
use crate::session::markers::{Marker, MarkerKind};

/// Actions whose keys the hint bar shows, with short labels.
const HINTS: &[(Action, &str)] = &[
    (Action::MarkLaughter, "laugh"),
    (Action::MarkSigh, "sigh"),
    (Action::MarkLongPause, "pause"),
    (Action::MarkQuote, "quote"),
    (Action::MarkIdentifying, "identifying"),
    (Action::MarkFollowUp, "follow up"),
    (Action::MarkNote, "note"),
    (Action::UndoMarker, "undo"),
    (Action::GuideAsked, "asked"),
    (Action::TogglePause, "pause/resume"),
    (Action::StopRecording, "stop"),
    (Action::Help, "help"),
];

impl<R: Recorder> Widget for &RecordApp<R> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let message = self.status.as_deref().unwrap_or("");
        // A long message (a lost input, a failed save) gets a second row rather than being cut.
        let status_rows = if message.chars().count() + 1 > area.width as usize { 2 } else { 1 };
        let [title, meter, facts, main, status, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(4),
            Constraint::Length(status_rows),
            Constraint::Length(2),
        ])
        .areas(area);
        self.render_title(title, buf);
        let [label, bar] = Layout::horizontal([Constraint::Length(7), Constraint::Min(10)]).areas(meter);
        Span::raw(" Level ").render(label, buf);
        MeterBar { meter: &self.meter, clipping: self.meter.clipping(self.now) }.render(bar, buf);
        self.render_facts(facts, buf);
        let [guide, markers] = Layout::horizontal([Constraint::Percentage(64), Constraint::Percentage(36)]).areas(main);
        self.render_guide(guide, buf);
        self.render_markers(markers, buf);
        let style = if ["INPUT LOST", "MARKERS NOT SAVED", "NO AUDIO"].iter().any(|alarm| message.starts_with(alarm)) {
            Style::new().white().on_red().bold()
        } else {
            Style::new().italic()
        };
        Paragraph::new(Line::styled(format!(" {message}"), style)).wrap(Wrap { trim: false }).render(status, buf);
        self.render_hints(hints, buf);
        match &self.overlay {
            Overlay::None => {}
            Overlay::Help => self.render_help(area, buf),
            Overlay::Note { at_frame, text } => {
                let at = at_frame * 1000 / u64::from(self.recorder.sample_rate().max(1));
                let body =
                    Text::from(vec![Line::from(format!("{text}▏")), Line::from("Enter saves · Esc discards").dim()]);
                popup(area, buf, &format!(" Note at {} ", clock(at)), body, 60, 4);
            }
            Overlay::ConfirmStop => {
                let body = Text::from(vec![
                    Line::from("Stop recording and save the session?"),
                    Line::from("y stops · any other key keeps recording").dim(),
                ]);
                popup(area, buf, " Stop? ", body, 46, 4);
            }
        }
    }
}

impl<R: Recorder> RecordApp<R> {
    fn render_title(&self, area: Rect, buf: &mut Buffer) {
        let elapsed = clock(self.position_ms());
        let state = if self.recorder.input_lost().is_some() {
            Span::styled(format!(" ✖ INPUT LOST {elapsed} "), Style::new().white().on_red().bold())
        } else if self.idle {
            Span::styled(
                " ○ READY · press space to start recording ".to_string(),
                Style::new().black().on_yellow().bold(),
            )
        } else if self.recorder.is_paused() {
            Span::styled(format!(" ❚❚ PAUSED {elapsed} "), Style::new().black().on_yellow().bold())
        } else {
            Span::styled(format!(" ● REC {elapsed} "), Style::new().white().on_red().bold())
        };
        let [left, right] =
            Layout::horizontal([Constraint::Min(10), Constraint::Length(state.width() as u16)]).areas(area);
        Line::from(vec![
            Span::styled(" verbatim ", Style::new().bold().reversed()),
            Span::raw(format!(" {} · {}", self.participant, self.session_id)),
        ])
        .render(left, buf);
        Line::from(state).render(right, buf);
    }

    fn render_facts(&self, area: Rect, buf: &mut Buffer) {
        let dropped = self.recorder.dropped_frames();
        let dropped_style = if dropped > 0 { Style::new().red().bold() } else { Style::new() };
        let disk = match self.recorder.disk_seconds_left() {
            Some(s) if s < 30 * 60 => Span::styled(format!("disk {} left", span_text(s)), Style::new().red().bold()),
            Some(s) => Span::raw(format!("disk {} left", span_text(s))),
            None => Span::raw("disk ?"),
        };
        Line::from(vec![
            Span::raw(format!(
                " peak {} dBFS  rms {} dBFS │ ",
                format_db(self.meter.peak_db),
                format_db(self.meter.rms_db)
            )),
            Span::styled(format!("dropped {dropped} frames"), dropped_style),
            Span::raw(" │ "),
            disk,
            Span::raw(format!(" │ {}", self.input_label)).dim(),
        ])
        .render(area, buf);
    }

    fn render_guide(&self, area: Rect, buf: &mut Buffer) {
        let Some(guide) = &self.guide else {
            Paragraph::new("No interview guide. Start with --guide FILE.md to see it here and tick off questions.")
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(" Guide "))
                .render(area, buf);
            return;
        };
        let asked = self.asked.len();
        let title = format!(" {} · {asked}/{} asked ", guide.title, guide.question_count());
        let block = Block::bordered().title(title);
        let inner = block.inner(area);
        block.render(area, buf);
        let selected_text = self.selected.and_then(|at| guide.question(at));
        let detail_height = selected_text.map_or(0, |q| (q.probes.len() as u16 + 3).min(inner.height / 2));
        let [list, detail] = Layout::vertical([Constraint::Min(1), Constraint::Length(detail_height)]).areas(inner);
        let (lines, selected_line) = self.guide_lines(guide, list.width as usize);
        // Keep the selected question in view, a third of the way down.
        let offset = selected_line.saturating_sub(list.height as usize / 3) as u16;
        Paragraph::new(lines).scroll((offset, 0)).render(list, buf);
        if let Some(question) = selected_text {
            let mut text = vec![Line::from(question.text.clone()).bold()];
            text.extend(question.probes.iter().map(|p| Line::from(format!("  {}", p.text)).italic().dim()));
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .block(Block::new().borders(Borders::TOP).title(" Now "))
                .render(detail, buf);
        }
    }

    fn guide_lines(&self, guide: &Guide, width: usize) -> (Vec<Line<'static>>, usize) {
        let mut lines = Vec::new();
        let mut selected_line = 0;
        for (s, section) in guide.sections.iter().enumerate() {
            let done = self.asked.keys().filter(|q| q.section == s).count();
            lines.push(Line::from(vec![
                Span::styled(section.title.clone(), Style::new().bold()),
                Span::styled(format!("  {done}/{}", section.questions.len()), Style::new().dim()),
            ]));
            for (i, question) in section.questions.iter().enumerate() {
                let at = crate::guide::QuestionRef { section: s, question: i };
                let is_selected = self.selected == Some(at);
                let mark = match self.asked.get(&at) {
                    Some(ms) => format!(" ✓ {} ", clock(*ms)),
                    None => format!(" ·{:10}", ""),
                };
                let pointer = if is_selected { "›" } else { " " };
                let room = width.saturating_sub(mark.chars().count() + 2);
                let text = truncate(&question.text, room);
                let style = if is_selected { Style::new().reversed() } else { Style::new() };
                if is_selected {
                    selected_line = lines.len();
                }
                let mark_style = if self.asked.contains_key(&at) { Style::new().green() } else { Style::new().dim() };
                lines.push(Line::from(vec![
                    Span::raw(pointer.to_string()),
                    Span::styled(mark, mark_style),
                    Span::styled(text, style),
                ]));
            }
        }
        (lines, selected_line)
    }

    fn render_markers(&self, area: Rect, buf: &mut Buffer) {
        let markers = self.recorder.markers();
        let block = Block::bordered().title(format!(" Markers · {} ", markers.len()));
        let inner = block.inner(area);
        block.render(area, buf);
        let room = inner.height as usize;
        let start = markers.len().saturating_sub(room);
        let lines: Vec<Line> = markers[start..]
            .iter()
            .map(|m| {
                let style = match m.kind {
                    MarkerKind::Gap => Style::new().red(),
                    MarkerKind::Identifying => Style::new().magenta(),
                    MarkerKind::Paused => Style::new().yellow(),
                    _ => Style::new(),
                };
                let text = truncate(&marker_text(m), (inner.width as usize).saturating_sub(10));
                Line::from(vec![Span::raw(format!("{} ", clock(m.at_ms))).dim(), Span::styled(text, style)])
            })
            .collect();
        Paragraph::new(lines).render(inner, buf);
    }

    fn render_hints(&self, area: Rect, buf: &mut Buffer) {
        let mut spans = vec![Span::raw(" ")];
        for (action, label) in HINTS {
            let Some(key) = self.keymap.keys_for(Mode::Record, *action).first().map(ToString::to_string) else {
                continue;
            };
            spans.push(Span::styled(key, Style::new().bold().reversed()));
            spans.push(Span::raw(format!(" {label}  ")));
        }
        Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }).render(area, buf);
    }

    fn render_help(&self, area: Rect, buf: &mut Buffer) {
        super::common::key_help(&self.keymap, Mode::Record, area, buf);
    }
}

/// How a marker reads in the list.
pub fn marker_text(marker: &Marker) -> String {
    let label = marker.kind.label();
    match marker.kind {
        MarkerKind::Note | MarkerKind::Question => format!("{label}: {}", marker.note.as_deref().unwrap_or("")),
        MarkerKind::Speaker => format!("speaker {}", marker.speaker.unwrap_or(0)),
        MarkerKind::Paused => match marker.duration_ms {
            Some(ms) => format!("paused {}", span_text(ms / 1000)),
            None => "paused".into(),
        },
        MarkerKind::Gap => {
            format!("gap {} ms: {}", marker.duration_ms.unwrap_or(0), marker.note.as_deref().unwrap_or(""))
        }
        _ => label.into(),
    }
}

/// A length of time in words: `45 s`, `12 min`, `3 h 20 min`.
fn span_text(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {} min", s / 3600, s / 60 % 60),
    }
}
