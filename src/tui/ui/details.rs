//! The details pane: every field of the selected item, JSON fields pretty-printed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};
use serde::Serialize;
use serde_json::Value;

use crate::sanitize;

use super::super::state::items::{Counts, doomed, span};
use crate::api::types::{Run, RunGroup};

use super::super::state::list::Item;
use super::super::state::{FailureSummary, State};
use super::super::view::View;
use super::text::{badge, span_duration};
use super::theme::Theme;

/// Fields whose text is often JSON.
const JSON_FIELDS: [&str; 7] = [
    "Input",
    "Output",
    "Runtime",
    "Meta",
    "ErrorMessage",
    "Option",
    "NFOption",
];

fn pretty(key: &str, v: &Value) -> String {
    match v {
        Value::String(s) if JSON_FIELDS.contains(&key) => match serde_json::from_str::<Value>(s) {
            Ok(j @ (Value::Object(_) | Value::Array(_))) => {
                serde_json::to_string_pretty(&j).unwrap_or_else(|_| s.clone())
            }
            _ => s.clone(),
        },
        Value::String(s) => s.clone(),
        Value::Object(_) | Value::Array(_) => serde_json::to_string_pretty(v).unwrap_or_default(),
        other => other.to_string(),
    }
}

pub(super) fn field_lines(lines: &mut Vec<Line<'static>>, key: &str, value: &str, theme: &Theme) {
    // Keys are omtop's own or a table's column names: the latter come from the service.
    let key = sanitize::line(key);
    let clean = sanitize::text(value);
    let mut it = clean.lines();
    let first = it.next().unwrap_or("");
    let rest: Vec<&str> = it.collect();
    if rest.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(format!("{key}: "), theme.accent),
            Span::raw(first.to_string()),
        ]));
    } else {
        lines.push(Line::from(Span::styled(format!("{key}:"), theme.accent)));
        for l in std::iter::once(first).chain(rest) {
            lines.push(Line::from(format!("  {l}")));
        }
    }
}

/// Fields that come, go or change length as an item runs, shown after all the others and
/// in this order: moving the selection between items at different stages then rewrites
/// only the end of the pane (fewer bytes to the terminal), not every line below.
const CHANGING: [&str; 6] = [
    "ExecutionTime",
    "SubmitTime",
    "StartTime",
    "EndTime",
    "UpdateTime",
    "Output",
];

/// Where a field goes: the error first (it is what triage looks for), then the fields by
/// name, then those that change as the item runs.
fn rank(key: &str) -> usize {
    match CHANGING.iter().position(|c| *c == key) {
        _ if key == "ErrorMessage" => 0,
        Some(i) => 2 + i,
        None => 1,
    }
}

/// Every serialized field of a model, in the order of [`rank`].
pub(super) fn all_fields<T: Serialize>(item: &T, lines: &mut Vec<Line<'static>>, theme: &Theme) {
    let Ok(Value::Object(map)) = serde_json::to_value(item) else {
        return;
    };
    let mut fields: Vec<(&String, &Value)> = map.iter().collect();
    fields.sort_by_key(|(k, _)| rank(k));
    for (k, v) in fields {
        let text = pretty(k, v);
        if text.is_empty() {
            continue;
        }
        field_lines(lines, k, &text, theme);
    }
}

pub(super) fn status_line(status: &str, theme: &Theme) -> Line<'static> {
    let (text, class) = badge(status);
    Line::from(vec![
        Span::styled("Status: ", theme.accent),
        Span::styled(text, theme.status(class)),
    ])
}

/// The details of a run group: its status, why it waits, its failures, every field.
pub(super) fn group_lines(
    state: &State,
    g: &RunGroup,
    summary: Option<&FailureSummary>,
    l: &mut Vec<Line<'static>>,
    theme: &Theme,
) {
    let now = state.now_unix();
    let mut st = status_line(g.status(), theme);
    if doomed(g) {
        st.spans.push(Span::styled(
            match Counts::of_group(g).failed {
                1 => "  doomed: 1 run failed already".to_string(),
                n => format!("  doomed: {n} runs failed already"),
            },
            theme.failed,
        ));
    }
    l.push(st);
    if let Some(why) = state.waiting_reason(g) {
        let why = sanitize::line(&why).into_owned();
        l.push(Line::from(vec![
            Span::styled(format!("⚠ {why}"), theme.warn),
            Span::styled("  (e: environment)", theme.dim),
        ]));
    }
    let (s, e) = span(&g.execution_time);
    field_lines(l, "Duration", &span_duration(s, e, now), theme);
    if let Some((old, name)) = state.retry_of.get(&g.id()) {
        field_lines(l, "Retry of", &format!("{name} ({old})"), theme);
    }
    if g.table_id.as_deref().is_some_and(|t| !t.is_empty()) {
        field_lines(
            l,
            "Sample sheet",
            "T: its table's rows and their runs",
            theme,
        );
    }
    if let Some(f) = summary.filter(|f| f.group_id == g.id()) {
        field_lines(l, "Failures", &format!("{} (F: signatures)", f.text), theme);
        if let Some(t) = f.soonest_cache_clear {
            field_lines(
                l,
                "Call cache",
                &format!(
                    "soonest among the failed runs: {}",
                    super::signatures::cache_countdown(Some(t), false, now)
                ),
                theme,
            );
        }
    }
    all_fields(g, l, theme);
}

pub(super) fn run_lines(state: &State, r: &Run, l: &mut Vec<Line<'static>>, theme: &Theme) {
    let now = state.now_unix();
    l.push(status_line(r.status(), theme));
    let (s, e) = span(&r.execution_time);
    field_lines(l, "Duration", &span_duration(s, e, now), theme);
    if let Some(c) = &r.cache {
        let at = c.cache_clear_time.as_ref().and_then(|t| t.unix());
        let cleared = c.cache_cleared.unwrap_or(false);
        if at.is_some() || cleared {
            field_lines(
                l,
                "Call cache",
                &super::signatures::cache_countdown(at, cleared, now),
                theme,
            );
        }
    }
    all_fields(r, l, theme);
}

/// The lines of the details of the selected item, and the pane's title.
pub fn lines(state: &State, theme: &Theme) -> (String, Vec<Line<'static>>) {
    let mut l = Vec::new();
    let now = state.now_unix();
    let title = match state.view() {
        View::Projects(list) => {
            let Some(p) = list.selected_item() else {
                return ("Details".into(), l);
            };
            if let Some(a) = &p.alias {
                field_lines(&mut l, "Alias", a, theme);
            }
            field_lines(&mut l, "Region", &p.region, theme);
            field_lines(
                &mut l,
                "Default",
                if p.is_default { "yes" } else { "no" },
                theme,
            );
            if let (Some(r), Some(f)) = (p.running, p.failed) {
                field_lines(&mut l, "Groups", &format!("{r} running, {f} failed"), theme);
            }
            all_fields(&p.project, &mut l, theme);
            if p.project.project_id.is_none() {
                field_lines(&mut l, "ProjectId", &p.id, theme);
            }
            "Project"
        }
        View::Groups(v) => {
            let Some(g) = v.list.selected_item() else {
                return ("Details".into(), l);
            };
            let summary = state.failure_summaries.get(&g.id());
            group_lines(state, g, summary, &mut l, theme);
            "Run group"
        }
        View::Runs(v) => match v.list.selected_item() {
            Some(r) => {
                run_lines(state, r, &mut l, theme);
                "Run"
            }
            None => {
                let summary = state.failure_summaries.get(&v.group.id());
                group_lines(state, &v.group, summary, &mut l, theme);
                "Run group"
            }
        },
        View::Calls(v) => {
            let t = &v.tree;
            match t.selected_node() {
                Some(id) => {
                    let n = t.node(id);
                    l.push(status_line(n.meta.status.as_deref().unwrap_or(""), theme));
                    field_lines(
                        &mut l,
                        "Duration",
                        &span_duration(n.start, n.end, now),
                        theme,
                    );
                    field_lines(&mut l, "Path", &n.path, theme);
                    if let Some(c) = &n.counts {
                        field_lines(
                            &mut l,
                            "Children",
                            &format!(
                                "{} ({} ok, {} failed, {} running)",
                                c.total(),
                                c.succeeded,
                                c.failed,
                                c.active()
                            ),
                            theme,
                        );
                    }
                    all_fields(&n.meta, &mut l, theme);
                    "Call"
                }
                None => {
                    l.push(status_line(t.status(), theme));
                    all_fields(&t.run, &mut l, theme);
                    "Run"
                }
            }
        }
        View::Environments(v) => super::environments::details(v, &mut l, theme),
        View::Volumes(v) => super::volumes::details(v, &mut l, theme),
        View::Table(v) => super::sheet::details(state, v, &mut l, theme),
    };
    (title.to_string(), l)
}

pub fn render(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer, focused: bool) {
    let (title, lines) = lines(state, theme);
    let border = if focused {
        theme.border_focused
    } else {
        theme.border
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Line::from(Span::styled(format!(" {title} "), theme.accent)));
    let scroll = u16::try_from(state.details_scroll).unwrap_or(u16::MAX);
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .render(area, buf);
}
