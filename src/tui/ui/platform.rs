//! The environments, volumes and sample-sheet panes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::api::types::StatusClass;

use super::super::state::list::Item;
use super::super::view::environments::EnvRow;
use super::super::view::{EnvironmentsView, TableView, VolumesView};
use super::lists::title;
use super::table::{Col, Table};
use super::text::{badge, duration, first_line, fit};
use super::theme::Theme;

const ENV_COLS: [Col; 7] = [
    Col::new("", 1, 0),
    Col::flex("ENVIRONMENT", 14, 0),
    Col::new("TYPE", 10, 3),
    Col::new("STATUS", 22, 0),
    Col::new("LIVE GROUPS", 13, 1),
    Col::new("ID", 14, 4),
    Col::flex("MESSAGE", 20, 2),
];

fn env_status(r: &EnvRow, theme: &Theme) -> Line<'static> {
    let shown = r.shown_status();
    let (text, class) = badge(&shown);
    // Whatever its status says, an environment that takes no work is what a waiting group
    // is waiting on: drawn as a failure.
    let class = if r.env.accepts_work() {
        class
    } else {
        StatusClass::Failed
    };
    Line::from(Span::styled(text, theme.status(class)))
}

pub fn environments(
    v: &EnvironmentsView,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
    focused: bool,
) {
    let l = &v.list;
    let cell = |i: usize, c: usize, w: u16| -> Line<'static> {
        let r = &l.items[l.shown[i]];
        let w = w as usize;
        match c {
            0 => Line::from(if r.env.is_default == Some(true) {
                "★"
            } else {
                " "
            }),
            1 => {
                let mut name = r.name().to_string();
                if r.env.is_managed == Some(true) {
                    name.push_str(" (managed)");
                }
                Line::from(fit(&name, w))
            }
            2 => Line::from(fit(r.env.kind.as_deref().unwrap_or("-"), w)),
            3 => env_status(r, theme),
            4 => {
                let live = r.load.running + r.load.waiting;
                let text = if r.load.waiting > 0 {
                    format!("{live} ({} waiting)", r.load.waiting)
                } else {
                    live.to_string()
                };
                let st = if r.load.waiting > 0 && !r.env.accepts_work() {
                    theme.warn
                } else {
                    Style::new()
                };
                Line::from(Span::styled(fit(&text, w), st))
            }
            5 => Line::from(Span::styled(fit(&r.id(), w), theme.dim)),
            _ => Line::from(fit(&first_line(r.env.message.as_deref().unwrap_or("")), w)),
        }
    };
    let name = format!("Environments · {}", fit(&v.region, 20));
    let t = Table {
        title: title(&name, l, theme),
        cols: &ENV_COLS,
        len: l.shown.len(),
        offset: l.offset,
        selected: Some(l.selected),
        focused,
        theme,
        cell: &cell,
        row_style: &|_| Style::new(),
        empty: l.empty_text("environments"),
    };
    (&t).render(area, buf);
}

const VOLUME_COLS: [Col; 7] = [
    Col::new("", 1, 0),
    Col::flex("VOLUME", 14, 0),
    Col::new("TYPE", 6, 3),
    Col::new("SPEC", 4, 4),
    Col::new("USED", 20, 0),
    Col::new("STATUS", 12, 1),
    Col::flex("MOUNT", 12, 2),
];

/// Bytes in GiB, one decimal.
fn gib(bytes: i64) -> String {
    format!("{:.1}", bytes as f64 / crate::api::resources::GB)
}

pub fn volumes(v: &VolumesView, theme: &Theme, area: Rect, buf: &mut Buffer, focused: bool) {
    let l = &v.list;
    let cell = |i: usize, c: usize, w: u16| -> Line<'static> {
        let vol = &l.items[l.shown[i]];
        let w = w as usize;
        match c {
            0 => Line::from(if vol.is_default == Some(true) {
                "★"
            } else {
                " "
            }),
            1 => Line::from(fit(vol.name.as_deref().unwrap_or(&vol.id()), w)),
            2 => Line::from(fit(vol.kind.as_deref().unwrap_or("-"), w)),
            3 => Line::from(fit(vol.spec.as_deref().unwrap_or("-"), w)),
            4 => {
                let used = vol.usage.map(gib).unwrap_or_else(|| "?".into());
                let cap = vol.capacity.map_or("?".into(), |c| c.to_string());
                let pct = vol
                    .used_fraction()
                    .map(|f| format!(" {:.0}%", f * 100.0))
                    .unwrap_or_default();
                let st = if vol.used_fraction().is_some_and(|f| f >= 0.9) {
                    theme.warn
                } else {
                    Style::new()
                };
                Line::from(Span::styled(fit(&format!("{used}/{cap} GiB{pct}"), w), st))
            }
            5 => {
                let (text, class) = badge(vol.status());
                Line::from(Span::styled(fit(&text, w), theme.status(class)))
            }
            _ => Line::from(Span::styled(
                fit(vol.default_mount_path.as_deref().unwrap_or(""), w),
                theme.dim,
            )),
        }
    };
    let name = format!("Volumes · {}", fit(&v.environment_name, 24));
    let t = Table {
        title: title(&name, l, theme),
        cols: &VOLUME_COLS,
        len: l.shown.len(),
        offset: l.offset,
        selected: Some(l.selected),
        focused,
        theme,
        cell: &cell,
        row_style: &|_| Style::new(),
        empty: l.empty_text("volumes"),
    };
    (&t).render(area, buf);
}

/// The sheet's columns: the table's own (the first always shown, long ones dropped first
/// when narrow), then the joined status, duration and signature.
fn sheet_cols(v: &TableView) -> Vec<Col> {
    let headers = v.list.columns.len().saturating_sub(3);
    let mut cols: Vec<Col> = (0..headers)
        .map(|i| {
            let name = v.list.columns[i].to_uppercase();
            let widest = v
                .list
                .items
                .iter()
                .take(200)
                .map(|r| super::text::width(&r.sample.cells[i]))
                .max()
                .unwrap_or(0);
            let w = widest.max(super::text::width(&name)).clamp(4, 24) as u16;
            Col {
                title: name.into(),
                width: w,
                flex: false,
                // The first column names the row: always shown. Long ones (paths, URIs)
                // go before short ones (coverage, tissue), later before earlier.
                drop: match (i, w) {
                    (0, _) => 0,
                    (_, w) if w >= 20 => (i + 40).min(250) as u8,
                    _ => (i + 3).min(39) as u8,
                },
            }
        })
        .collect();
    cols.push(Col::new("STATUS", 16, 0));
    cols.push(Col::new("DURATION", 8, 1));
    cols.push(Col::flex("SIGNATURE", 12, 2));
    cols
}

pub fn table(v: &TableView, theme: &Theme, area: Rect, buf: &mut Buffer, focused: bool) {
    let l = &v.list;
    let headers = l.columns.len().saturating_sub(3);
    let cols = sheet_cols(v);
    let cell = |i: usize, c: usize, w: u16| -> Line<'static> {
        let r = &l.items[l.shown[i]];
        let w = w as usize;
        match c.checked_sub(headers) {
            None => Line::from(fit(&r.sample.cells[c], w)),
            Some(0) => match r.sample.status() {
                Some(s) => {
                    let (text, class) = badge(s);
                    Line::from(Span::styled(fit(&text, w), theme.status(class)))
                }
                None => Line::from(Span::styled("no run", theme.dim)),
            },
            Some(1) => Line::from(r.duration.map(duration).unwrap_or_default()),
            Some(_) => Line::from(Span::styled(
                fit(r.signature.as_deref().unwrap_or(""), w),
                theme.failed,
            )),
        }
    };
    let name = format!("Sample sheet · {}", fit(&v.title(), 30));
    let empty = if l.loading || v.table.is_none() || v.rows.is_none() {
        "loading the sample sheet…".to_string()
    } else {
        l.empty_text("rows")
    };
    let t = Table {
        title: title(&name, l, theme),
        cols: &cols,
        len: l.shown.len(),
        offset: l.offset,
        selected: Some(l.selected),
        focused,
        theme,
        cell: &cell,
        row_style: &|_| Style::new(),
        empty,
    };
    (&t).render(area, buf);
}
