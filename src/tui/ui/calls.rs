//! The call tree pane: indented names, scatter summaries, status, duration, cache, and a
//! timeline bar placing each call within the run. Only the rows on screen are built.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::super::state::State;
use super::super::state::items::Counts;
use super::super::state::tree::{CallKind, CallNode, CallTree, Children};
use super::super::view::CallsView;
use super::table::{Col, Table};
use super::text::{badge, first_line, fit, status_duration, symbol};
use super::theme::Theme;
use crate::api::types::StatusClass;

const COLS: [Col; 4] = [
    Col::flex("CALL", 24, 0),
    Col::new("STATUS", 16, 0),
    Col::new("DURATION", 8, 1),
    Col::flex("TIMELINE", 16, 2),
];

/// The short name of a call: the part after the last '.', or "[i]" for a shard.
pub fn short_name(t: &CallTree, n: &CallNode) -> String {
    let name = n.meta.call_name.as_deref().unwrap_or("");
    let short = name.rsplit('.').next().unwrap_or(name);
    let shard = n
        .parent
        .is_some_and(|p| t.node(p).kind == CallKind::Scatter);
    let idx = n
        .meta
        .scatter_index
        .as_deref()
        .unwrap_or("")
        .trim_start_matches('-');
    if shard && !idx.is_empty() {
        format!("[{idx}] {short}")
    } else if short.is_empty() {
        n.run_id().to_string()
    } else {
        short.to_string()
    }
}

/// "×1000 ✔990 ✖2 ●8": a scatter's shard summary.
pub fn counts_spans(c: &Counts, theme: &Theme) -> Vec<Span<'static>> {
    let mut v = vec![Span::styled(format!(" ×{}", c.total()), theme.dim)];
    let mut add = |n: i64, class: StatusClass| {
        if n > 0 {
            v.push(Span::styled(
                format!(" {}{n}", symbol(class)),
                theme.status(class),
            ));
        }
    };
    add(c.succeeded, StatusClass::Succeeded);
    add(c.failed, StatusClass::Failed);
    add(c.running, StatusClass::Running);
    add(c.pending, StatusClass::Pending);
    add(c.cancelled, StatusClass::Cancelled);
    v
}

fn name_cell(t: &CallTree, n: &CallNode, theme: &Theme) -> Line<'static> {
    let indent = "  ".repeat(n.depth as usize);
    let glyph = match (n.kind.is_container(), n.expanded) {
        (false, _) => "  ",
        (true, true) => "▾ ",
        (true, false) => "▸ ",
    };
    let mut spans = vec![Span::raw(indent), Span::styled(glyph, theme.dim)];
    let name = fit(&short_name(t, n), 200);
    spans.push(Span::raw(name));
    // In the name, not a column of its own, so no width drops it.
    if n.meta.call_cached == Some(true) {
        spans.push(Span::styled(" ↺ cached", theme.dim));
    }
    if n.kind == CallKind::Scatter {
        match (&n.counts, &n.children) {
            (Some(c), _) => spans.extend(counts_spans(c, theme)),
            (None, Children::Loading) => spans.push(Span::styled(" loading…", theme.dim)),
            (None, Children::Failed(_)) => spans.push(Span::styled(" load failed", theme.error)),
            _ => spans.push(Span::styled(" scatter", theme.dim)),
        }
    } else if n.kind == CallKind::Workflow && n.expanded && matches!(n.children, Children::Loading)
    {
        spans.push(Span::styled(" loading…", theme.dim));
    }
    Line::from(spans)
}

/// A bar of `w` cells from the call's start to its end, within the run's span.
pub fn timeline(
    span: (Option<i64>, Option<i64>),
    n: &CallNode,
    now: i64,
    w: usize,
    theme: &Theme,
) -> Line<'static> {
    let waiting = n.class == StatusClass::Pending && n.end.is_none();
    let (Some(rs), Some(s), false) = (span.0, n.start, waiting) else {
        return Line::from(Span::styled("·".repeat(w), theme.dim));
    };
    let re = span.1.unwrap_or(now).max(rs + 1);
    let e = n.end.unwrap_or(now).clamp(s, re.max(s));
    let pos = |t: i64| (((t - rs).clamp(0, re - rs) as f64 / (re - rs) as f64) * w as f64) as usize;
    let a = pos(s).min(w.saturating_sub(1));
    let b = pos(e).max(a + 1).min(w);
    Line::from(vec![
        Span::styled("·".repeat(a), theme.dim),
        Span::styled("━".repeat(b - a), theme.status(n.class)),
        Span::styled("·".repeat(w - b), theme.dim),
    ])
}

/// Why a run lists no calls: not yet, or (finished) never, and how it ended instead.
fn no_calls(t: &CallTree) -> String {
    let class = StatusClass::of(t.status());
    let why = match class {
        _ if class.is_live() || class == StatusClass::Unknown => return "no calls yet".into(),
        StatusClass::Failed => "the run failed before any call started",
        StatusClass::Cancelled => "the run was canceled before any call started",
        _ => "the run finished without any",
    };
    let error = t
        .run_status
        .as_ref()
        .and_then(|m| m.error_message.as_deref())
        .or(t.run.error_message.as_deref())
        .map(first_line)
        .filter(|e| !e.is_empty());
    match error {
        Some(e) => format!("no calls: {why}: {e}"),
        None => format!("no calls: {why}"),
    }
}

pub fn render(
    state: &State,
    v: &CallsView,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
    focused: bool,
) {
    let t = &v.tree;
    let now = state.now_unix();
    let span = t.span();
    let rows = t.rows();
    let cell = |i: usize, c: usize, w: u16| -> Line<'static> {
        let n = t.node(rows[i]);
        match c {
            0 => name_cell(t, n, theme),
            1 => {
                let (text, class) = badge(n.meta.status.as_deref().unwrap_or(""));
                Line::from(Span::styled(text, theme.status(class)))
            }
            2 => Line::from(status_duration(
                n.meta.status.as_deref().unwrap_or(""),
                n.start,
                n.end,
                now,
            )),
            _ => timeline(span, n, now, w as usize, theme),
        }
    };
    let (text, class) = badge(t.status());
    let mut title = vec![
        Span::styled(" Calls ", theme.accent),
        Span::raw(format!("({}) ", t.rows().len())),
        Span::styled(format!("{text} "), theme.status(class)),
    ];
    if !t.filter.is_empty() {
        title.push(Span::styled(
            format!("/{} ", fit(&t.filter, 20)),
            theme.warn,
        ));
    }
    if t.status != Default::default() {
        title.push(Span::styled(format!("[{}] ", t.status.label()), theme.warn));
    }
    if v.jump.is_some() {
        title.push(Span::styled("searching… ", theme.warn));
    }
    let empty = match &t.roots {
        Children::Failed(e) => format!(
            "calls not loaded yet: trying again (R: now): {}",
            fit(e, 200)
        ),
        Children::Loaded(_) if t.shown.is_some() => "no calls match the filter".into(),
        Children::Loaded(_) => no_calls(t),
        _ => "loading calls…".into(),
    };
    let table = Table {
        title: Line::from(title),
        cols: &COLS,
        len: rows.len(),
        offset: t.offset,
        selected: Some(t.selected),
        focused,
        theme,
        cell: &cell,
        row_style: &|_| Style::new(),
        empty,
    };
    (&table).render(area, buf);
}
