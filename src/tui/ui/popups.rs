//! Popups: confirmation, message, help, failures view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::super::keymap::{Keymap, Mode};
use super::super::state::State;
use super::super::state::popup::{Confirm, Failures, Level as MsgLevel, Message};
use super::calls::short_name;
use super::layout::centered;
use super::text::{badge, first_line, fit, fit_line, pad};
use super::theme::Theme;

/// Blanks a wide character cut in half by the left edge of a popup, which would otherwise
/// spill over the popup's border.
pub fn clear_wide_edge(area: Rect, buf: &mut Buffer) {
    if area.x == 0 {
        return;
    }
    for y in area.y..area.y + area.height {
        if let Some(c) = buf.cell_mut((area.x - 1, y))
            && super::text::width(c.symbol()) > 1
        {
            c.set_symbol(" ");
        }
    }
}

pub fn frame(
    area: Rect,
    buf: &mut Buffer,
    title: Line<'static>,
    style: ratatui::style::Style,
) -> Rect {
    clear_wide_edge(area, buf);
    Clear.render(area, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(title);
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

pub fn confirm(c: &Confirm, theme: &Theme, screen: Rect, buf: &mut Buffer) {
    let w = 66.min(screen.width.saturating_sub(2));
    let inner_w = usize::from(w.saturating_sub(2).max(1));
    // Every line is broken into rows here, so the popup's height is exact: prose at spaces,
    // a request's parameters (`  "Name": value`) anywhere.
    let rows = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .flat_map(|l| {
                if l.starts_with("  \"") {
                    super::text::hard_wrap(l, inner_w)
                } else {
                    super::text::word_wrap(l, inner_w)
                }
            })
            .collect()
    };
    let text = rows(&c.lines);
    let mut preview = c
        .choices
        .get(c.selected)
        .map(|ch| rows(&ch.preview))
        .unwrap_or_default();
    // Below: a blank row, the buttons, the keys; above them, a blank row and the request.
    let fixed = text.len() + 3;
    let room = usize::from(screen.height.saturating_sub(2)).saturating_sub(fixed);
    if preview.len() + 1 > room {
        // On a short screen the request's parameters give way, never the buttons.
        preview.truncate(room.saturating_sub(2));
        if !preview.is_empty() {
            preview.push("…".into());
        }
    }
    let gap = usize::from(!preview.is_empty());
    let h = (fixed + gap + preview.len() + 2).min(usize::from(screen.height)) as u16;
    let area = centered(screen, w, h);
    let title = Line::from(Span::styled(
        format!(" {} ", c.title),
        theme.warn.add_modifier(Modifier::BOLD),
    ));
    let inner = frame(area, buf, title, theme.warn);
    let mut lines: Vec<Line<'static>> = text.into_iter().map(Line::from).collect();
    if !preview.is_empty() {
        lines.push(Line::default());
        lines.extend(
            preview
                .into_iter()
                .map(|l| Line::from(Span::styled(l, theme.dim))),
        );
    }
    lines.push(Line::default());
    let mut buttons = vec![Span::raw(" ")];
    for (i, ch) in c.choices.iter().enumerate() {
        let st = if i == c.selected {
            theme.selected
        } else {
            theme.dim
        };
        buttons.push(Span::styled(format!("[ {} ]", ch.label), st));
        buttons.push(Span::raw("  "));
    }
    buttons.push(Span::styled("[ Cancel: esc ]", theme.dim));
    lines.push(Line::from(buttons));
    lines.push(Line::from(Span::styled(
        " ⏎ confirm   tab/←→ choose   esc cancel",
        theme.dim,
    )));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}

pub fn message(m: &Message, theme: &Theme, screen: Rect, buf: &mut Buffer) {
    let w = 72.min(screen.width.saturating_sub(2));
    let inner_w = w.saturating_sub(2).max(1) as usize;
    let wrapped: usize = m
        .lines
        .iter()
        .map(|l| super::text::width(l) / inner_w + 1)
        .sum();
    let h = (wrapped as u16 + 4).min(screen.height);
    let area = centered(screen, w, h);
    let st = match m.level {
        MsgLevel::Info => theme.info,
        MsgLevel::Warn => theme.warn,
        MsgLevel::Error => theme.error,
    };
    let inner = frame(
        area,
        buf,
        Line::from(Span::styled(format!(" {} ", m.title), st)),
        st,
    );
    let mut lines: Vec<Line<'static>> = m.lines.iter().map(|l| Line::from(l.clone())).collect();
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("⏎/esc close", theme.dim)));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}

/// The help screen, generated from the keymap the event loop uses.
pub fn help(scroll: usize, keymap: &Keymap, theme: &Theme, screen: Rect, buf: &mut Buffer) {
    let area = centered(
        screen,
        76.min(screen.width),
        screen.height.saturating_sub(2),
    );
    let title = Line::from(vec![
        Span::styled(" Keys ", theme.accent),
        Span::styled("(j/k scroll, esc close) ", theme.dim),
    ]);
    let inner = frame(area, buf, title, theme.border_focused);
    let mut lines = Vec::new();
    let mut last: Option<Mode> = None;
    for (mode, keys, desc) in keymap.help() {
        if last != Some(mode) {
            if last.is_some() {
                lines.push(Line::default());
            }
            lines.push(Line::from(Span::styled(mode.title(), theme.header)));
            last = Some(mode);
        }
        lines.push(Line::from(vec![
            Span::styled(format!("  {}", pad(&keys, 18)), theme.key),
            Span::raw(desc),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Mouse: click selects a row, the wheel scrolls.",
        theme.dim,
    )));
    lines.push(Line::from(Span::styled(
        "Input line: type to edit; :project NAME|ID  :region R|all  :group ID  :run UUID  :q",
        theme.dim,
    )));
    for (k, l) in lines
        .into_iter()
        .skip(scroll)
        .take(inner.height as usize)
        .enumerate()
    {
        let l = fit_line(l, inner.width as usize);
        buf.set_line(inner.x, inner.y + k as u16, &l, inner.width);
    }
}

pub fn failures(f: &Failures, state: &State, theme: &Theme, screen: Rect, buf: &mut Buffer) {
    let Some(t) = state.calls().map(|c| &c.tree) else {
        return;
    };
    let area = super::layout::big_popup(state, screen);
    let mut title = vec![
        Span::styled(" Failed calls ", theme.failed.add_modifier(Modifier::BOLD)),
        Span::raw(format!("({}) ", f.items.len())),
    ];
    if f.loading > 0 {
        title.push(Span::styled(
            format!("loading {} more… ", f.loading),
            theme.dim,
        ));
    }
    let inner = frame(area, buf, Line::from(title), theme.failed);
    let help = Line::from(Span::styled(
        "⏎ show in tree   j/k move   esc close",
        theme.dim,
    ));
    buf.set_line(inner.x, inner.y, &help, inner.width);
    if f.items.is_empty() {
        let msg = if f.loading > 0 {
            "looking…"
        } else {
            "no failed calls"
        };
        buf.set_line(
            inner.x,
            inner.y + 1,
            &Line::from(Span::styled(msg, theme.dim)),
            inner.width,
        );
        return;
    }
    let rows = inner.height.saturating_sub(1) as usize;
    let w = inner.width as usize;
    for (k, i) in (f.offset..f.items.len()).take(rows).enumerate() {
        let id = f.items[i];
        let n = t.node(id);
        let trail: Vec<String> = t
            .trail(id)
            .iter()
            .map(|&x| short_name(t, t.node(x)))
            .collect();
        let (b, class) = badge(n.meta.status.as_deref().unwrap_or(""));
        let err = first_line(n.meta.error_message.as_deref().unwrap_or(""));
        let path_w = (w * 2 / 5).max(10);
        let line = Line::from(vec![
            Span::styled(format!("{} ", fit(&b, 16)), theme.status(class)),
            Span::raw(format!("{} ", pad(&trail.join(" › "), path_w))),
            Span::styled(err, theme.failed),
        ]);
        let y = inner.y + 1 + k as u16;
        buf.set_line(inner.x, y, &fit_line(line, w), inner.width);
        if i == f.selected {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), theme.selected);
        }
    }
}
