//! Drawing the review screen: `impl Widget for &ReviewApp`.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::{Overlay, Playback, ReviewApp, TranscriptSink};
use crate::keymap::{Action, Mode, ReviewAction};
use crate::model::{MarkerKind, Ms, Source, Span as Stretch, Token};
use crate::tui::widgets::{key_help, marker_text, popup, truncate};

/// Actions whose keys the hint bar shows, with short labels.
const HINTS: &[(ReviewAction, &str)] = &[
    (ReviewAction::TogglePlay, "play/pause"),
    (ReviewAction::SkipBack, "back"),
    (ReviewAction::SkipForward, "fwd"),
    (ReviewAction::Commit, "next"),
    (ReviewAction::Help, "keys"),
    (ReviewAction::Quit, "save+quit"),
];

/// One line of the segment list.
enum Row {
    /// A segment, by index.
    Segment(usize),
    /// A pause between segments.
    Pause(Stretch),
    /// An interviewer's marker.
    Marker(usize),
}

impl<P: Playback, S: TranscriptSink> Widget for &ReviewApp<P, S> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = Block::bordered()
            .title(format!(" verbatim review · {} · {} ", self.context.session, self.context.participant));
        let inner = block.inner(area);
        block.render(area, buf);
        let [title, strip, list, edit, status, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(3),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        self.render_title(title, buf);
        self.render_strip(strip, buf);
        self.render_list(list, buf);
        self.render_edit(edit, buf);
        let status_text = self.status.as_ref().map_or("", |s| s.text.as_str());
        let style = self.status.as_ref().map_or(Style::new(), |s| s.review_style());
        Paragraph::new(Line::styled(format!(" {status_text}"), style)).render(status, buf);
        self.render_hints(hints, buf);
        match &self.overlay {
            Overlay::None => {}
            Overlay::Help => key_help(&self.keymap, self.active_mode(), area, buf),
            Overlay::Jump(typed) => {
                let mut line = vec![Span::raw(" Time: ")];
                line.extend(typed.spans(Span::raw("▏"), Style::new()));
                let body = Text::from(vec![Line::from(line), Line::from(" Enter jumps, Esc cancels").dim()]);
                popup(area, buf, " Jump to (e.g. 12:30) ", body, 40, 4);
            }
            Overlay::Rename { from, to } => {
                let mut line = vec![Span::raw(format!(" {from} → "))];
                line.extend(to.spans(Span::raw("▏"), Style::new()));
                let body = Text::from(vec![
                    Line::from(line),
                    Line::from(" Enter renames it in every session, Esc cancels").dim(),
                ]);
                popup(area, buf, " Rename speaker (whole project) ", body, 52, 4);
            }
        }
    }
}

impl<P: Playback, S: TranscriptSink> ReviewApp<P, S> {
    fn render_title(&self, area: Rect, buf: &mut Buffer) {
        let player = &self.transport.player;
        let (state, style) = if player.is_playing() {
            ("▶ PLAYING", Style::new().green().bold())
        } else {
            ("❚❚ PAUSED", Style::new().yellow().bold())
        };
        let (done, total) = self.transcript.progress();
        let mode = match (self.is_modal(), self.typing) {
            (false, _) => "",
            (true, true) => " -- INSERT --",
            (true, false) => " -- NORMAL --",
        };
        let line = Line::from(vec![
            Span::styled(format!(" {state} "), style),
            Span::styled(mode, Style::new().bold()),
            Span::raw(format!(
                " {} / {}   {:.1}x   loop {}   {done}/{total} segments done",
                player.position(),
                player.duration(),
                self.transport.speed(),
                if self.transport.looping() { "on" } else { "off" },
            )),
        ]);
        Paragraph::new(line).render(area, buf);
    }

    /// The whole recording in one line: transcribed stretches, markers, and where you are.
    fn render_strip(&self, area: Rect, buf: &mut Buffer) {
        let width = usize::from(area.width.saturating_sub(2)).max(1);
        let duration = self.transport.player.duration().0.max(1);
        let column = |at: crate::model::Ms| ((at.0 as u128 * width as u128 / duration as u128) as usize).min(width - 1);
        let mut cells = vec![('·', Style::new().dim()); width];
        for seg in &self.transcript.segments {
            let style = if seg.done { Style::new().green() } else { Style::new().dark_gray() };
            for cell in &mut cells[column(seg.span.start)..=column(seg.span.end)] {
                *cell = (if seg.done { '━' } else { '─' }, style);
            }
        }
        for m in &self.context.markers {
            cells[column(m.at)] = ('┃', Style::new().fg(Color::Yellow));
        }
        cells[column(self.transport.player.position())] = ('▼', Style::new().bold().reversed());
        let mut spans = vec![Span::raw(" ")];
        spans.extend(cells.into_iter().map(|(c, s)| Span::styled(c.to_string(), s)));
        Paragraph::new(Line::from(spans)).render(area, buf);
    }

    /// Segments in time order with the pauses and markers between them, around the current one.
    fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut marker = 0;
        let markers = &self.context.markers;
        let segments = &self.transcript.segments;
        for (i, seg) in segments.iter().enumerate() {
            while marker < markers.len() && markers[marker].at < seg.span.start {
                rows.push(Row::Marker(marker));
                marker += 1;
            }
            if i > 0 {
                let gap = Stretch::new(segments[i - 1].span.end, seg.span.start);
                rows.extend(self.context.pauses.iter().filter(|p| gap.covers(**p)).map(|p| Row::Pause(*p)));
            }
            rows.push(Row::Segment(i));
            while marker < markers.len() && markers[marker].at < seg.span.end {
                rows.push(Row::Marker(marker));
                marker += 1;
            }
        }
        rows.extend((marker..markers.len()).map(Row::Marker));
        rows
    }

    fn render_list(&self, area: Rect, buf: &mut Buffer) {
        let rows = self.rows();
        let height = usize::from(area.height);
        let current_row = rows.iter().position(|r| matches!(r, Row::Segment(i) if *i == self.current)).unwrap_or(0);
        let first = current_row.saturating_sub(height / 3).min(rows.len().saturating_sub(height));
        let text_width = usize::from(area.width).saturating_sub(21);
        let lines: Vec<Line> = rows
            .iter()
            .skip(first)
            .take(height)
            .map(|row| match row {
                Row::Segment(i) => {
                    let seg = &self.transcript.segments[*i];
                    let here = *i == self.current;
                    let mark = if here {
                        "▶"
                    } else if seg.done {
                        "✓"
                    } else {
                        " "
                    };
                    let mut style = if here { Style::new().bold().reversed() } else { Style::new() };
                    if seg.identifying {
                        // Red as the identifying marker: this text will be withheld from exports.
                        style = style.red();
                    }
                    let speaker = seg.speaker.as_ref().map_or("?".into(), |s| s.short_label(&self.context.participant));
                    let mut line = vec![
                        Span::styled(format!("{mark}{} ", seg.span.start), style),
                        Span::styled(format!("{:<6} ", truncate(&speaker, 6)), Style::new().cyan()),
                    ];
                    if seg.is_blank() && !here {
                        line.push(Span::styled("…", style));
                    } else {
                        let playhead =
                            (here && self.transport.player.is_playing()).then(|| self.transport.player.position());
                        line.extend(word_spans(&seg.tokens, style, playhead, text_width));
                    }
                    Line::from(line)
                }
                Row::Pause(pause) => {
                    let secs = pause.len().as_secs_f64();
                    Line::from(format!("             (pause {secs:.1} s)")).dim()
                }
                Row::Marker(m) => {
                    let marker = &self.context.markers[*m];
                    let style = match marker.kind() {
                        MarkerKind::Identifying => Style::new().red(),
                        MarkerKind::Question => Style::new().magenta(),
                        _ => Style::new().fg(Color::Yellow),
                    };
                    Line::styled(
                        format!("             ● {} {}", marker.at, truncate(&marker_text(marker), text_width)),
                        style,
                    )
                }
            })
            .collect();
        if lines.is_empty() {
            Paragraph::new(" No speech was found in this recording, so there is nothing to transcribe.")
                .render(area, buf);
            return;
        }
        Paragraph::new(lines).render(area, buf);
    }

    /// The current segment's whole text, with the cursor.
    fn render_edit(&self, area: Rect, buf: &mut Buffer) {
        let Some(seg) = self.transcript.segments.get(self.current) else { return };
        let drafted =
            !seg.done && seg.tokens.iter().any(|t| matches!(t, Token::Word(w) if w.source == Source::Recognised));
        let title = if drafted {
            format!(" {} – {} · draft: Enter accepts it, typing corrects it ", seg.span.start, seg.span.end)
        } else {
            format!(" {} – {} ", seg.span.start, seg.span.end)
        };
        let line = Line::from(self.editor.spans(Span::styled("▏", Style::new().bold()), Style::new().cyan()));
        Paragraph::new(line).wrap(Wrap { trim: false }).block(Block::bordered().title(title)).render(area, buf);
    }

    fn render_hints(&self, area: Rect, buf: &mut Buffer) {
        let mut spans = vec![Span::raw(" ")];
        for (action, label) in HINTS {
            let action = Action::Review(*action);
            let keys = self.keymap.keys_for(self.active_mode(), action);
            let keys = if keys.is_empty() { self.keymap.keys_for(Mode::Review, action) } else { keys };
            let Some(key) = keys.first().map(ToString::to_string) else {
                continue;
            };
            spans.push(Span::styled(key, Style::new().bold().reversed()));
            spans.push(Span::raw(format!(" {label}  ")));
        }
        Paragraph::new(Line::from(spans)).render(area, buf);
    }
}

/// A segment's words as the list shows them, cut to `width` characters: the recogniser's
/// words dimmed (the transcriber has not confirmed them), the unsure ones underlined, and the
/// word under the playhead highlighted while the segment plays.
fn word_spans(tokens: &[Token], base: Style, playhead: Option<Ms>, width: usize) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut used = 0;
    for (i, token) in tokens.iter().enumerate() {
        let text = match token {
            Token::Word(w) => w.text.clone(),
            Token::Tag(tag) => tag.display(),
        };
        let gap = if i == 0 || token.glued() { "" } else { " " };
        let length = gap.chars().count() + text.chars().count();
        if used + length > width {
            spans.push(Span::styled("…", base));
            break;
        }
        used += length;
        let mut style = base;
        if let Token::Word(w) = token {
            if w.source == Source::Recognised {
                style = style.dim();
            }
            if w.is_unsure() {
                style = style.underlined();
            }
            if playhead.is_some_and(|at| w.span.is_some_and(|s| s.start <= at && at < s.end)) {
                style = style.not_dim().fg(Color::Yellow).bold();
            }
        }
        spans.push(Span::styled(gap, base));
        spans.push(Span::styled(text, style));
    }
    spans
}
