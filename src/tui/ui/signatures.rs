//! A run group's failure signatures: the list, the deep pass's progress, the selected
//! signature's example; or one signature's runs.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::popups::frame;
use super::text::{duration, fit, fit_line, pad};
use super::theme::Theme;
use crate::api::triage::Signature;
use crate::api::types::StatusClass;
use crate::tui::state::State;
use crate::tui::state::list::Item;
use crate::tui::state::signatures::SignaturesView;

/// A bar of `w` cells for `done` of `total`.
fn bar(done: usize, total: usize, w: usize) -> String {
    let full = (done * w).checked_div(total).unwrap_or(w);
    format!("{}{}", "█".repeat(full), "░".repeat(w.saturating_sub(full)))
}

fn progress(v: &SignaturesView, now: i64) -> String {
    if v.deep_running() {
        let eta = v
            .eta_secs(now)
            .map(|s| format!(", about {} left", duration(s)))
            .unwrap_or_default();
        format!(
            "deep pass {} {}/{} runs followed to their failing task{eta}",
            bar(v.deep_done, v.deep_total, 16),
            v.deep_done,
            v.deep_total
        )
    } else {
        let failed = if v.deep_failed > 0 {
            format!(
                " ({} could not be read: first-pass signatures)",
                v.deep_failed
            )
        } else {
            String::new()
        };
        format!(
            "deep pass done: {} runs followed to their failing task{failed}",
            v.deep_total
        )
    }
}

/// A countdown to a run's call cache being cleared.
pub fn cache_countdown(clear_at: Option<i64>, cleared: bool, now: i64) -> String {
    match (cleared, clear_at) {
        (true, _) => "cache cleared".into(),
        (false, Some(t)) if t > now => format!("cache clears in {}", duration(t - now)),
        (false, Some(_)) => "cache clearing now".into(),
        (false, None) => "cache kept".into(),
    }
}

/// The widths of the class and task columns for a list `w` cells wide: a wide screen has
/// room for a class's whole name ("missing or unreadable input").
fn columns(w: usize) -> (usize, usize) {
    let class_w = if w >= 120 { 27 } else { 16 };
    (class_w, (w / 4).clamp(10, 36))
}

fn signature_row(s: &Signature, w: usize) -> Line<'static> {
    let (class_w, task_w) = columns(w);
    Line::from(vec![
        Span::raw(format!("{:>3} ", s.number)),
        Span::raw(format!("{:>5} ", s.runs.len())),
        Span::raw(format!("{} ", pad(s.class.label(), class_w))),
        Span::raw(format!(
            "{} ",
            pad(super::text::fit(&s.task, task_w).as_str(), task_w)
        )),
        Span::raw(fit(&s.message, w)),
    ])
}

pub fn render(v: &SignaturesView, state: &State, theme: &Theme, screen: Rect, buf: &mut Buffer) {
    let area = super::layout::big_popup(state, screen);
    let failed: usize = v.sigs.iter().map(|s| s.runs.len()).sum();
    let title = Line::from(vec![
        Span::styled(
            " Failure signatures ",
            theme.failed.add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!("· {} ", fit(&v.group_name, 40))),
        Span::styled(format!("({failed} failed) "), theme.dim),
    ]);
    let inner = frame(area, buf, title, theme.failed);
    let w = inner.width as usize;
    let now = state.now_unix();
    let mut lines: Vec<Line<'static>> = vec![
        Line::from(Span::styled(
            fit(&crate::api::triage::summary(&v.sigs), w),
            theme.header,
        )),
        Line::from(Span::styled(fit(&progress(v, now), w), theme.dim)),
    ];
    let height = inner.height as usize;
    if let Some(s) = v.opened() {
        lines.push(Line::from(Span::styled(
            fit(
                &format!(
                    "#{} {} in {}: {} run(s)",
                    s.number,
                    s.class.label(),
                    s.task,
                    s.runs.len()
                ),
                w,
            ),
            theme.accent,
        )));
        let rows = height.saturating_sub(lines.len() + 1);
        let first = v.run_selected.saturating_sub(rows.saturating_sub(1));
        let top = lines.len();
        for uuid in s.runs.iter().skip(first).take(rows) {
            // Its first block (by characters: the text is the service's, not checked).
            let short: String = uuid.chars().take(8).collect();
            let run = state
                .runs()
                .and_then(|r| r.list.items.iter().find(|r| r.id() == *uuid));
            let sample = run
                .and_then(|r| r.user_defined_id.as_deref())
                .filter(|x| !x.is_empty())
                .unwrap_or(&short);
            let status = run.map(|r| r.status().to_string()).unwrap_or_default();
            let class = StatusClass::of(&status);
            let f = v.failures.iter().find(|f| f.run_uuid == *uuid);
            let cache = f.map_or(String::new(), |f| {
                cache_countdown(f.cache_clear_at, f.cache_cleared, now)
            });
            let line = Line::from(vec![
                Span::raw(format!("  {} ", pad(sample, 18))),
                Span::styled(format!("{} ", pad(&status, 16)), theme.status(class)),
                // The whole RunUuid where there is room, else its first block.
                Span::raw(if w >= 110 {
                    format!("{} ", pad(uuid, 37))
                } else {
                    format!("{} ", pad(&short, 9))
                }),
                Span::styled(cache, theme.dim),
            ]);
            lines.push(fit_line(line, w));
        }
        draw(lines, inner, buf);
        // The selection is styled once the rows are on screen.
        let y = inner.y + (top + v.run_selected - first) as u16;
        if !s.runs.is_empty() && y < inner.y + inner.height.saturating_sub(1) {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), theme.selected);
        }
        hints(
            "⏎ open the run   r retry these runs   esc back to the signatures",
            inner,
            buf,
            theme,
        );
        return;
    }
    lines.push(Line::from(Span::styled(
        fit(
            &format!(
                "  #  RUNS {} {} CAUSE",
                pad("CLASS", columns(w).0),
                pad("TASK", columns(w).1)
            ),
            w,
        ),
        theme.header,
    )));
    let detail_rows = 6.min(height / 3);
    let rows = height.saturating_sub(lines.len() + detail_rows + 1);
    let first = v.selected.saturating_sub(rows.saturating_sub(1));
    let top = lines.len();
    for s in v.sigs.iter().skip(first).take(rows) {
        lines.push(fit_line(signature_row(s, w), w));
    }
    while lines.len() < top + rows {
        lines.push(Line::default());
    }
    if let Some(s) = v.sigs.get(v.selected) {
        let samples = if s.samples.is_empty() {
            "-".to_string()
        } else {
            s.samples.join(", ")
        };
        let reason = s.reason.map(|r| format!(" (\"{r}\")")).unwrap_or_default();
        // The telling line of the example's error (`omtop triage` prints the whole of it).
        let example = crate::api::triage::cause_line(&s.example.error);
        for l in [
            format!(
                "{}{reason}: {} run(s), {}",
                s.class.label(),
                s.runs.len(),
                s.task
            ),
            format!("samples: {samples}"),
            format!("example ({}): {example}", s.example.sample),
            format!(
                "first seen {} ago, last {} ago",
                s.first_seen.map_or("-".into(), |t| duration(now - t)),
                s.last_seen.map_or("-".into(), |t| duration(now - t))
            ),
        ]
        .into_iter()
        .take(detail_rows)
        {
            lines.push(Line::from(Span::styled(fit(&l, w), theme.dim)));
        }
    }
    draw(lines, inner, buf);
    let y = inner.y + (top + v.selected - first) as u16;
    if !v.sigs.is_empty() && y < inner.y + inner.height.saturating_sub(1) {
        buf.set_style(Rect::new(inner.x, y, inner.width, 1), theme.selected);
    }
    hints(
        "⏎ list its runs   r retry its runs   j/k move   esc close",
        inner,
        buf,
        theme,
    );
}

fn draw(lines: Vec<Line<'static>>, inner: Rect, buf: &mut Buffer) {
    for (k, l) in lines
        .into_iter()
        .take(inner.height.saturating_sub(1) as usize)
        .enumerate()
    {
        buf.set_line(inner.x, inner.y + k as u16, &l, inner.width);
    }
}

fn hints(text: &str, inner: Rect, buf: &mut Buffer, theme: &Theme) {
    if inner.height == 0 {
        return;
    }
    let y = inner.y + inner.height - 1;
    buf.set_line(
        inner.x,
        y,
        &Line::from(Span::styled(fit(text, inner.width as usize), theme.dim)),
        inner.width,
    );
}

/// Samples' attempts: sample, when, which group, status, and the cause of a failure.
pub fn attempts(
    v: &crate::tui::state::signatures::AttemptsView,
    state: &State,
    theme: &Theme,
    screen: Rect,
    buf: &mut Buffer,
) {
    let area = super::layout::big_popup(state, screen);
    let title = Line::from(vec![
        Span::styled(format!(" {} ", fit(&v.title, 60)), theme.accent),
        Span::styled(format!("({}) ", v.rows.len()), theme.dim),
    ]);
    let inner = frame(area, buf, title, theme.border_focused);
    let w = inner.width as usize;
    let group_w = (w / 4).clamp(12, 40);
    let mut lines = vec![Line::from(Span::styled(
        fit(
            &format!(
                "{} {} {} {} CAUSE",
                pad("SAMPLE", 14),
                pad("CREATED", 11),
                pad("RUN GROUP", group_w),
                pad("STATUS", 16)
            ),
            w,
        ),
        theme.header,
    ))];
    if v.loading {
        lines.push(Line::from(Span::styled(
            "looking through the project's runs…",
            theme.dim,
        )));
    } else if v.rows.is_empty() {
        let none = if v.still_failing {
            "none: every failed sample succeeded on a later attempt"
        } else {
            "no runs of this sample"
        };
        lines.push(Line::from(Span::styled(none, theme.dim)));
    }
    let rows = (inner.height as usize).saturating_sub(2);
    let first = v.selected.saturating_sub(rows.saturating_sub(1));
    for (sample, r) in v.rows.iter().skip(first).take(rows) {
        let gid = r.run_group_id.as_deref().unwrap_or_default();
        let group = state
            .groups()
            .into_iter()
            .flat_map(|l| l.items.iter())
            .find(|g| g.id() == gid)
            .and_then(|g| g.name.clone())
            .unwrap_or_else(|| gid.to_string());
        let status = r.status().to_string();
        let class = StatusClass::of(&status);
        let cause = if class == StatusClass::Failed {
            let e = crate::api::types::error_message(r.error_message.as_deref().unwrap_or(""));
            crate::api::triage::cause_line(&e).to_string()
        } else {
            String::new()
        };
        let line = Line::from(vec![
            Span::raw(format!("{} ", pad(sample, 14))),
            Span::raw(format!(
                "{} ",
                pad(&super::text::short_time(&r.create_time), 11)
            )),
            Span::raw(format!("{} ", super::text::pad_middle(&group, group_w))),
            Span::styled(format!("{} ", pad(&status, 16)), theme.status(class)),
            Span::styled(fit(&cause, w), theme.failed),
        ]);
        lines.push(fit_line(line, w));
    }
    draw(lines, inner, buf);
    let y = inner.y + 1 + (v.selected - first) as u16;
    if !v.rows.is_empty() && y < inner.y + inner.height.saturating_sub(1) {
        buf.set_style(Rect::new(inner.x, y, inner.width, 1), theme.selected);
    }
    hints(
        "newest first   ⏎ open the run   j/k move   esc close",
        inner,
        buf,
        theme,
    );
}
