//! Drawing the recording screen: `impl Widget for &RecordApp`.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::{Overlay, RecordApp, Recorder};
use crate::guide::Guide;
use crate::keymap::{Action, MarkKey, Mode, RecordAction};
use crate::model::{MarkerKind, Ms};
use crate::tui::widgets::meter::{MeterBar, format_db};
use crate::tui::widgets::{marker_text, popup, span_text, truncate};

/// Actions whose keys the hint bar shows, with short labels.
const HINTS: &[(RecordAction, &str)] = &[
    (RecordAction::Mark(MarkKey(MarkerKind::Laughter)), "laugh"),
    (RecordAction::Mark(MarkKey(MarkerKind::Sigh)), "sigh"),
    (RecordAction::Mark(MarkKey(MarkerKind::LongPause)), "pause"),
    (RecordAction::Mark(MarkKey(MarkerKind::Quote)), "quote"),
    (RecordAction::Mark(MarkKey(MarkerKind::Identifying)), "identifying"),
    (RecordAction::Mark(MarkKey(MarkerKind::FollowUp)), "follow up"),
    (RecordAction::Mark(MarkKey(MarkerKind::Note)), "note"),
    (RecordAction::UndoMarker, "undo"),
    (RecordAction::GuideAsked, "asked"),
    (RecordAction::TogglePause, "pause/resume"),
    (RecordAction::StopRecording, "stop"),
    (RecordAction::Help, "help"),
];

impl<R: Recorder> Widget for &RecordApp<R> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let message = self.status.as_ref().map_or("", |s| s.text.as_str());
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
        let style = self.status.as_ref().map_or(Style::new().italic(), |s| s.record_style());
        Paragraph::new(Line::styled(format!(" {message}"), style)).wrap(Wrap { trim: false }).render(status, buf);
        self.render_hints(hints, buf);
        match &self.overlay {
            Overlay::None => {}
            Overlay::Help => self.render_help(area, buf),
            Overlay::Note { at_frame, text } => {
                let at = Ms::of_frames(*at_frame, self.recorder.sample_rate());
                let typed = Line::from(text.spans(Span::raw("▏"), Style::new()));
                let body = Text::from(vec![typed, Line::from("Enter saves · Esc discards").dim()]);
                popup(area, buf, &format!(" Note at {at} "), body, 60, 4);
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
        let elapsed = self.position();
        let state = if self.recorder.input_lost().is_some() {
            Span::styled(format!(" ✖ INPUT LOST {elapsed} "), Style::new().white().on_red().bold())
        } else if self.recorder.is_ready() {
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
            Span::raw(format!(" {} · {}", self.heading.participant, self.heading.session)),
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
            Span::raw(format!(" │ {}", self.heading.input)).dim(),
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
                    Some(at) => format!(" ✓ {at} "),
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
                let style = match m.kind() {
                    MarkerKind::Gap => Style::new().red(),
                    MarkerKind::Identifying => Style::new().magenta(),
                    MarkerKind::Paused => Style::new().yellow(),
                    _ => Style::new(),
                };
                let text = truncate(&marker_text(m), (inner.width as usize).saturating_sub(10));
                Line::from(vec![Span::raw(format!("{} ", m.at)).dim(), Span::styled(text, style)])
            })
            .collect();
        Paragraph::new(lines).render(inner, buf);
    }

    fn render_hints(&self, area: Rect, buf: &mut Buffer) {
        let mut spans = vec![Span::raw(" ")];
        for (action, label) in HINTS {
            let keys = self.keymap.keys_for(Mode::Record, Action::Record(*action));
            let Some(key) = keys.first().map(ToString::to_string) else {
                continue;
            };
            spans.push(Span::styled(key, Style::new().bold().reversed()));
            spans.push(Span::raw(format!(" {label}  ")));
        }
        Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }).render(area, buf);
    }

    fn render_help(&self, area: Rect, buf: &mut Buffer) {
        crate::tui::widgets::key_help(&self.keymap, Mode::Record, area, buf);
    }
}
