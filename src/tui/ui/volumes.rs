//! The volumes view: an environment's cache volumes and how full each is.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::super::state::list::Item;
use super::super::view::VolumesView;
use super::details::{all_fields, field_lines, status_line};
use super::lists::list_table;
use super::table::Col;
use super::text::{badge, fit};
use super::theme::Theme;

static VOLUME_COLS: [Col; 7] = [
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

pub fn render(v: &VolumesView, theme: &Theme, area: Rect, buf: &mut Buffer, focused: bool) {
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
    let t = list_table(l, &name, "volumes", &VOLUME_COLS, &cell, focused, theme);
    (&t).render(area, buf);
}

/// The details of the selected volume; the pane's title.
pub fn details(v: &VolumesView, l: &mut Vec<Line<'static>>, theme: &Theme) -> &'static str {
    let Some(vol) = v.list.selected_item() else {
        return "Details";
    };
    l.push(status_line(vol.status(), theme));
    if let Some(f) = vol.used_fraction() {
        field_lines(l, "Used", &format!("{:.1}%", f * 100.0), theme);
    }
    all_fields(vol, l, theme);
    "Volume"
}
