//! The projects, run groups and runs panes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::api::types::{Run, RunGroup, StatusClass};

use super::super::state::State;
use super::super::state::items::{Counts, ProjectRow, doomed, is_nextflow, run_label, span};
use super::super::state::list::{Item, ListView};
use super::super::view::{GroupsView, RunsView};
use super::table::{Col, Table};
use super::text::{badge, first_line, fit, short_time, span_duration, status_duration, symbol};
use super::theme::Theme;

/// The title of a list pane: its name, counts, filter, status filter and sort.
pub fn title<T: Item>(name: &str, l: &ListView<T>, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(format!(" {name} "), theme.accent)];
    let count = if l.shown.len() == l.items.len() {
        format!("{}", l.items.len())
    } else {
        format!("{}/{}", l.shown.len(), l.items.len())
    };
    spans.push(Span::raw(format!("({count}) ")));
    if !l.filter.is_empty() {
        spans.push(Span::styled(
            format!("/{} ", fit(&l.filter, 20)),
            theme.warn,
        ));
    }
    if l.status != Default::default() {
        spans.push(Span::styled(format!("[{}] ", l.status.label()), theme.warn));
    }
    // A sample sheet's sort column is its table's header: the service's text.
    spans.push(Span::styled(
        format!("sort: {} ", fit(&l.sort_label(), 24)),
        theme.dim,
    ));
    if l.loading {
        spans.push(Span::styled("loading… ", theme.dim));
    }
    Line::from(spans)
}

/// A list view's shown rows as a table: its title (the name, counts, filter and sort), its
/// selection, and what it says when empty (`noun`: "runs", "environments"...).
pub fn list_table<'a, T: Item>(
    l: &ListView<T>,
    name: &str,
    noun: &str,
    cols: &'a [Col],
    cell: &'a dyn Fn(usize, usize, u16) -> Line<'static>,
    focused: bool,
    theme: &'a Theme,
) -> Table<'a> {
    Table {
        title: title(name, l, theme),
        cols,
        len: l.shown.len(),
        offset: l.offset,
        selected: Some(l.selected),
        focused,
        theme,
        cell,
        row_style: &|_| Style::new(),
        empty: l.empty_text(noun),
    }
}

fn status_cell(status: &str, theme: &Theme) -> Span<'static> {
    let (text, class) = badge(status);
    Span::styled(text, theme.status(class))
}

fn count_cell(n: Option<usize>, style: Style) -> Line<'static> {
    match n {
        Some(0) => Line::from("0"),
        Some(n) => Line::from(Span::styled(n.to_string(), style)),
        None => Line::from("·"),
    }
}

static PROJECT_COLS: [Col; 6] = [
    Col::new("", 1, 0),
    Col::flex("PROJECT", 16, 0),
    Col::new("ID", 30, 3),
    Col::new("REGION", 13, 2),
    Col::new("RUNNING", 7, 0),
    Col::new("FAILED", 6, 0),
];

pub fn projects(
    state: &State,
    l: &ListView<ProjectRow>,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
    focused: bool,
) {
    let row = |i: usize| -> &ProjectRow { &l.items[l.shown[i]] };
    let cell = |i: usize, c: usize, w: u16| -> Line<'static> {
        let p = row(i);
        match c {
            0 => Line::from(if p.is_default { "★" } else { " " }),
            1 => Line::from(fit(p.display_name(), w as usize)),
            2 => Line::from(Span::styled(fit(&p.id, w as usize), theme.dim)),
            3 => Line::from(fit(&p.region, w as usize)),
            4 => count_cell(p.running, theme.running),
            _ => count_cell(p.failed, theme.failed),
        }
    };
    let mut head = title("Projects", l, theme);
    let unloaded = state
        .unloaded_regions()
        .into_iter()
        .filter(|r| state.region_filter.as_deref().is_none_or(|f| f == *r))
        .count();
    if unloaded > 0 && !l.items.is_empty() {
        let what = if unloaded == 1 { "region" } else { "regions" };
        head.spans.push(Span::styled(
            format!("{unloaded} {what} not loaded: trying again "),
            theme.warn,
        ));
    }
    let mut t = list_table(l, "", "projects", &PROJECT_COLS, &cell, focused, theme);
    t.title = head;
    (&t).render(area, buf);
}

static GROUP_COLS: [Col; 7] = [
    Col::flex("RUN GROUP", 18, 0),
    Col::new("APPLICATION", 14, 4),
    Col::new("TYPE", 4, 5),
    Col::new("STATUS", 18, 0),
    Col::new("PROGRESS", 18, 2),
    Col::new("CREATED", 11, 3),
    Col::new("DURATION", 8, 1),
];

/// A bar of `w` cells: succeeded, failed, running, then the rest.
pub fn progress(c: &Counts, total: i64, w: usize, theme: &Theme) -> Line<'static> {
    let total = total.max(c.total()).max(1);
    let label = format!(" {}/{}", c.succeeded + c.failed + c.cancelled, total);
    let bar_w = w.saturating_sub(label.len()).max(1);
    let cells = |n: i64| ((n as f64 / total as f64) * bar_w as f64).round() as usize;
    let (ok, bad, run) = (cells(c.succeeded), cells(c.failed), cells(c.active()));
    let bad = if c.failed > 0 { bad.max(1) } else { 0 };
    let ok = ok.min(bar_w);
    let bad = bad.min(bar_w - ok);
    let run = run.min(bar_w - ok - bad);
    let rest = bar_w - ok - bad - run;
    Line::from(vec![
        Span::styled("█".repeat(ok), theme.succeeded),
        Span::styled("█".repeat(bad), theme.failed),
        Span::styled("▒".repeat(run), theme.running),
        Span::styled("░".repeat(rest), theme.dim),
        Span::raw(label),
    ])
}

pub fn group_status(g: &RunGroup, theme: &Theme) -> Line<'static> {
    let class = StatusClass::of(g.status());
    // The service ends a terminated group COMPLETE_ERROR: its canceled runs tell, so it is
    // drawn as terminated (■), its status still shown as it is.
    let terminated =
        !class.is_live() && class != StatusClass::Cancelled && Counts::of_group(g).cancelled > 0;
    let mut spans = vec![if terminated {
        let text = format!("{} {}", symbol(StatusClass::Cancelled), fit(g.status(), 40));
        Span::styled(text, theme.status(StatusClass::Cancelled))
    } else {
        status_cell(g.status(), theme)
    }];
    if doomed(g) {
        spans.push(Span::styled(
            " doomed",
            theme.failed.add_modifier(Modifier::BOLD),
        ));
    }
    Line::from(spans)
}

pub fn groups(
    state: &State,
    v: &GroupsView,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
    focused: bool,
) {
    let l = &v.list;
    let now = state.now_unix();
    let cell = |i: usize, c: usize, w: u16| -> Line<'static> {
        let g = &l.items[l.shown[i]];
        let w = w as usize;
        match c {
            0 => {
                let mut spans = Vec::new();
                if state.retry_of.contains_key(&g.id()) {
                    spans.push(Span::styled("↻ ", theme.accent));
                }
                spans.push(Span::raw(fit(g.name.as_deref().unwrap_or(&g.id()), w)));
                Line::from(spans)
            }
            1 => Line::from(fit(g.application_name.as_deref().unwrap_or("-"), w)),
            2 => Line::from(if is_nextflow(g) { "NF" } else { "WDL" }),
            3 => group_status(g, theme),
            // A group waiting on its environment says why where its progress would be.
            4 => match state.waiting_on(g) {
                Some(why) => {
                    let text = format!("⚠ env {} {}", why.environment, why.state);
                    Line::from(Span::styled(fit(&text, w), theme.warn))
                }
                None => progress(&Counts::of_group(g), g.total_run.unwrap_or(0), w, theme),
            },
            5 => Line::from(short_time(&g.create_time)),
            _ => {
                let (s, e) = span(&g.execution_time);
                let e = e.or_else(|| {
                    (!StatusClass::of(g.status()).is_live())
                        .then(|| g.update_time.as_ref().and_then(|t| t.unix()))
                        .flatten()
                });
                Line::from(span_duration(s, e, now))
            }
        }
    };
    let name = format!("Run groups · {}", fit(v.project.display_name(), 30));
    let t = list_table(l, &name, "run groups", &GROUP_COLS, &cell, focused, theme);
    (&t).render(area, buf);
}

static RUN_COLS: [Col; 6] = [
    Col::new("", 1, 0),
    Col::new("RUN", 8, 3),
    Col::flex("SAMPLE", 14, 0),
    Col::new("STATUS", 16, 0),
    Col::new("DURATION", 8, 1),
    Col::flex("ERROR", 20, 2),
];

pub fn runs(
    state: &State,
    v: &RunsView,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
    focused: bool,
) {
    let l = &v.list;
    let marks = &v.marks;
    let now = state.now_unix();
    let item = |i: usize| -> &Run { &l.items[l.shown[i]] };
    let cell = |i: usize, c: usize, w: u16| -> Line<'static> {
        let r = item(i);
        let w = w as usize;
        match c {
            0 => Line::from(if marks.contains(&r.id()) { "◆" } else { " " }),
            1 => Line::from(Span::styled(
                fit(&r.id().chars().take(8).collect::<String>(), w),
                theme.dim,
            )),
            2 => Line::from(fit(&run_label(r), w)),
            3 => Line::from(status_cell(r.status(), theme)),
            4 => {
                let (s, e) = span(&r.execution_time);
                Line::from(status_duration(r.status(), s, e, now))
            }
            _ => Line::from(Span::styled(
                fit(&first_line(r.error_message.as_deref().unwrap_or("")), w),
                theme.failed,
            )),
        }
    };
    let marked = |i: usize| {
        if marks.contains(&item(i).id()) {
            theme.accent
        } else {
            Style::new()
        }
    };
    let mut t = title("Runs", l, theme);
    if !marks.is_empty() {
        t.spans.push(Span::styled(
            format!("◆ {} marked ", marks.len()),
            theme.accent,
        ));
    }
    // Runs that do not start: the group's environment says why (details: `e`).
    if let Some(why) = state.waiting_on(&v.group) {
        let text = format!("⚠ env {} {} (e) ", why.environment, why.state);
        t.spans.push(Span::styled(fit(&text, 40), theme.warn));
    }
    let mut table = list_table(l, "", "runs", &RUN_COLS, &cell, focused, theme);
    table.title = t;
    table.row_style = &marked;
    (&table).render(area, buf);
}
