//! The sample-sheet view: a table's rows, each joined to its run (status, duration,
//! signature), with the table's own columns.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::super::state::State;
use super::super::view::TableView;
use super::details::{field_lines, group_lines, run_lines};
use super::lists::list_table;
use super::table::Col;
use super::text::{badge, duration, fit};
use super::theme::Theme;

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
    cols.push(Col::flex("SIGNATURE", 24, 2));
    cols
}

pub fn render(v: &TableView, theme: &Theme, area: Rect, buf: &mut Buffer, focused: bool) {
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
    let mut t = list_table(l, &name, "rows", &cols, &cell, focused, theme);
    if l.loading || v.table.is_none() || v.rows.is_none() {
        t.empty = "loading the sample sheet…".to_string();
    }
    (&t).render(area, buf);
}

/// The details of the selected row: its cells, its signature and its run; the pane's
/// title.
pub fn details(
    state: &State,
    v: &TableView,
    l: &mut Vec<Line<'static>>,
    theme: &Theme,
) -> &'static str {
    let Some(r) = v.list.selected_item() else {
        group_lines(state, &v.group, None, l, theme);
        return "Run group";
    };
    for (i, h) in v.list.columns.iter().take(r.sample.cells.len()).enumerate() {
        field_lines(l, h, &r.sample.cells[i], theme);
    }
    field_lines(l, "TableRowUuid", r.sample.uuid(), theme);
    if let Some(sig) = &r.signature {
        field_lines(l, "Signature", sig, theme);
    }
    match &r.sample.run {
        Some(run) => {
            field_lines(l, "Run", "Enter: its call tree", theme);
            run_lines(state, run, l, theme);
        }
        None => field_lines(l, "Run", "none made of this row in this group", theme),
    }
    "Sample"
}
