//! The log pager popup: tabs, the text (or the parsed trace as a table), search highlights.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

use super::super::state::pager::{Pager, Trace};
use super::text::{fit, fit_line, pad, width};
use super::theme::Theme;

pub fn render(p: &Pager, theme: &Theme, screen: Rect, buf: &mut Buffer) {
    // The whole body: nothing of the panes behind peeks out at the edges.
    let area = screen;
    Clear.render(area, buf);
    let mut title = vec![Span::styled(
        format!(" Logs: {} ", fit(&p.title, 30)),
        theme.accent,
    )];
    for (i, t) in p.tabs.iter().enumerate() {
        let st = if i == p.tab {
            theme.selected
        } else {
            theme.dim
        };
        title.push(Span::styled(format!(" {} ", t.source.label()), st));
        title.push(Span::raw(" "));
    }
    if p.follow {
        title.push(Span::styled("● follow ", theme.running));
    }
    if !p.search.is_empty() {
        title.push(Span::styled(
            format!("/{} ", fit(&p.search, 20)),
            theme.warn,
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(fit_line(
            Line::from(title),
            area.width.saturating_sub(2) as usize,
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(tab) = p.current() else { return };
    let rows = inner.height as usize;
    let w = inner.width as usize;
    let say = |buf: &mut Buffer, text: String, st| {
        buf.set_line(
            inner.x,
            inner.y,
            &Line::from(Span::styled(text, st)),
            inner.width,
        );
    };
    if let Some(why) = &tab.absent {
        return say(buf, fit(why, w), theme.dim);
    }
    if let Some(e) = &tab.error {
        return say(buf, fit(e, w), theme.error);
    }
    if !tab.loaded {
        return say(buf, "loading…".into(), theme.dim);
    }
    if tab.is_empty() {
        return say(buf, "(empty)".into(), theme.dim);
    }
    let needle = p.search.to_lowercase();
    if let Some(t) = &tab.trace {
        return trace(t, p.scroll, &needle, theme, inner, buf);
    }
    for (k, line) in tab.lines.iter().skip(p.scroll).take(rows).enumerate() {
        let st = if !needle.is_empty() && line.to_lowercase().contains(&needle) {
            theme.warn.add_modifier(Modifier::BOLD)
        } else {
            ratatui::style::Style::new()
        };
        let l = Line::from(Span::styled(fit(line, w), st));
        buf.set_line(inner.x, inner.y + k as u16, &l, inner.width);
    }
    let pos = format!(" {}/{} ", (p.scroll + rows).min(tab.len()), tab.len());
    let x = area.x + area.width.saturating_sub(width(&pos) as u16 + 1);
    buf.set_line(
        x,
        area.y + area.height - 1,
        &Line::from(Span::styled(pos, theme.dim)),
        area.width,
    );
}

/// The trace as a table with the columns that fit.
fn trace(t: &Trace, scroll: usize, needle: &str, theme: &Theme, inner: Rect, buf: &mut Buffer) {
    let w = inner.width as usize;
    let cols: Vec<usize> = (0..t.header.len()).collect();
    let col_w: Vec<usize> = cols
        .iter()
        .map(|&c| {
            let data = t
                .rows
                .iter()
                .take(200)
                .map(|r| r.get(c).map_or(0, |x| width(x)))
                .max()
                .unwrap_or(0);
            data.max(width(&t.header[c]) + 2).clamp(4, 28)
        })
        .collect();
    let row_line = |cells: Vec<(String, ratatui::style::Style)>| {
        let mut spans = Vec::new();
        for ((text, st), cw) in cells.into_iter().zip(&col_w) {
            spans.push(Span::styled(pad(&text, *cw), st));
            spans.push(Span::raw(" "));
        }
        fit_line(Line::from(spans), w)
    };
    let header = cols
        .iter()
        .map(|&c| {
            let arrow = if c == t.sort {
                if t.reverse { "↓" } else { "↑" }
            } else {
                ""
            };
            (format!("{}{arrow}", t.header[c]), theme.header)
        })
        .collect();
    buf.set_line(inner.x, inner.y, &row_line(header), inner.width);
    let status_col = t.header.iter().position(|h| h == "status");
    for (k, &r) in t
        .order
        .iter()
        .skip(scroll)
        .take(inner.height.saturating_sub(1) as usize)
        .enumerate()
    {
        let row = &t.rows[r];
        let hit = !needle.is_empty() && row.iter().any(|c| c.to_lowercase().contains(needle));
        let cells = cols
            .iter()
            .map(|&c| {
                let text = row.get(c).cloned().unwrap_or_default();
                let st = if Some(c) == status_col {
                    theme.status(crate::api::types::StatusClass::of(&text))
                } else if hit {
                    theme.warn
                } else {
                    ratatui::style::Style::new()
                };
                (text, st)
            })
            .collect();
        buf.set_line(
            inner.x,
            inner.y + 1 + k as u16,
            &row_line(cells),
            inner.width,
        );
    }
}
