//! The environments view: a region's environments, whether each takes work, its live
//! groups; and the details of the selected one.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::api::types::StatusClass;

use super::super::state::list::Item;
use super::super::view::EnvironmentsView;
use super::super::view::environments::EnvRow;
use super::details::{all_fields, field_lines, status_line};
use super::lists::list_table;
use super::table::Col;
use super::text::{badge, first_line, fit};
use super::theme::Theme;

static ENV_COLS: [Col; 7] = [
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

pub fn render(v: &EnvironmentsView, theme: &Theme, area: Rect, buf: &mut Buffer, focused: bool) {
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
    let t = list_table(l, &name, "environments", &ENV_COLS, &cell, focused, theme);
    (&t).render(area, buf);
}

/// The details of the selected environment; the pane's title.
pub fn details(v: &EnvironmentsView, l: &mut Vec<Line<'static>>, theme: &Theme) -> &'static str {
    let Some(r) = v.list.selected_item() else {
        return "Details";
    };
    l.push(status_line(&r.shown_status(), theme));
    let takes = if r.env.accepts_work() {
        "yes"
    } else {
        "no: its run groups wait"
    };
    field_lines(l, "Takes work", takes, theme);
    field_lines(
        l,
        "Live groups",
        &format!(
            "{} running, {} waiting to start, {} runs not finished",
            r.load.running, r.load.waiting, r.load.active_runs
        ),
        theme,
    );
    field_lines(l, "Volumes", "Enter: its cache volumes", theme);
    all_fields(&r.env, l, theme);
    "Environment"
}
