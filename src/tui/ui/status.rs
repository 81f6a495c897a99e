//! The breadcrumb line, the status bar and the key-hint / input line.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::super::action::Action;
use super::super::keymap::{Keymap, Mode};
use super::super::state::items::run_label;
use super::super::state::popup::Level as MsgLevel;
use super::super::state::{InputPurpose, State};
use super::super::update::data_age;
use super::super::view::View;
use super::calls::short_name;
use super::text::{duration, fit, fit_line, fit_middle, width};
use super::theme::Theme;

/// Seconds without an answer after which the status bar says the service is slow.
pub const SLOW_SECS: i64 = 5;

/// `ap-guangzhou › Population WGS › wgs-germline-… › NA12878 › call-A`
pub fn crumbs(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    // The stack read from the bottom: each view adds what it is about.
    let mut parts: Vec<String> = vec![state.region()];
    // The group the trail is in so far: a run of another group (an earlier attempt) names
    // its own.
    let mut in_group: Option<&str> = None;
    for v in &state.views {
        match v {
            View::Projects(_) => {}
            View::Groups(g) => parts.push(fit(g.project.display_name(), 24)),
            View::Runs(r) => {
                in_group = r.group.run_group_id.as_deref();
                parts.push(fit_middle(r.group.name.as_deref().unwrap_or(""), 24));
            }
            View::Calls(c) => {
                if in_group != c.group.run_group_id.as_deref() {
                    in_group = c.group.run_group_id.as_deref();
                    parts.push(fit_middle(c.group.name.as_deref().unwrap_or(""), 24));
                }
                let t = &c.tree;
                parts.push(fit(&run_label(&t.run), 20));
                if let Some(id) = t.selected_node() {
                    let trail = t.trail(id);
                    for &n in &trail[..trail.len().saturating_sub(1)] {
                        parts.push(fit(&short_name(t, t.node(n)), 20));
                    }
                }
            }
            View::Environments(_) => parts.push("environments".into()),
            View::Volumes(vol) => {
                parts.push(format!("volumes of {}", fit(&vol.environment_name, 20)))
            }
            View::Table(t) => {
                in_group = t.group.run_group_id.as_deref();
                parts.push(format!("sheet {}", fit(&t.title(), 20)));
            }
        }
    }
    let sep = " › ";
    let mut spans = vec![
        Span::styled(" omtop ", theme.accent.add_modifier(Modifier::REVERSED)),
        Span::raw(" "),
    ];
    let room = (area.width as usize).saturating_sub(9);
    // Drop from the left (keeping the region) when the trail is too long.
    let mut shown = parts.clone();
    while shown.len() > 3 && width(&shown.join(sep)) > room {
        if shown[1] == "…" {
            shown.remove(2);
        } else {
            shown[1] = "…".into();
        }
    }
    let last = shown.len().saturating_sub(1);
    for (i, p) in shown.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(sep, theme.dim));
        }
        let st = if i == last {
            theme.accent
        } else {
            ratatui::style::Style::new()
        };
        spans.push(Span::styled(p, st));
    }
    let line = fit_line(Line::from(spans), area.width as usize);
    buf.set_line(area.x, area.y, &line, area.width);
}

pub fn status_bar(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let sep = || Span::styled(" │ ", theme.dim);
    // A notice is newer than the error beside it (an error clears notices); once it fades,
    // the error shows again.
    let flash = state.notice.as_ref().or(state.error.as_ref());
    // Narrow, with a message to show: the project is in the breadcrumb already.
    let compact = flash.is_some() && area.width < super::layout::WIDE;
    let mut spans = vec![Span::styled(format!(" {}", state.region()), theme.accent)];
    if let Some(p) = state.project().filter(|_| !compact) {
        spans.push(sep());
        spans.push(Span::raw(fit(p.display_name(), 20)));
    }
    let s = &state.stats;
    spans.push(sep());
    let busiest = s.busiest.as_ref().map_or(0, |b| b.2);
    let rate = if s.rate_limit > 0 {
        s.rate_limit
    } else {
        crate::api::SERVICE_RATE_LIMIT
    };
    let load_style = if busiest * 10 >= rate * 8 {
        theme.warn
    } else {
        ratatui::style::Style::new()
    };
    spans.push(Span::styled(format!("{busiest}/{rate} req/s"), load_style));
    if s.in_flight > 0 || s.queued > 0 {
        spans.push(Span::raw(format!(" {} in flight", s.in_flight + s.queued)));
    }
    // A request can wait minutes (5 tries of up to 30 s): say so well before it gives up.
    if let Some(secs) = state.waiting_secs().filter(|s| *s >= SLOW_SECS) {
        spans.push(sep());
        spans.push(Span::styled(
            format!("⚠ service slow: no answer for {}", duration(secs)),
            theme.warn,
        ));
    }
    if let Some(age) = data_age(state) {
        spans.push(sep());
        let old = age.secs > 3 * state.settings.poll_list.as_secs().max(1) as i64;
        let st = if age.failed || age.cached || old {
            theme.warn
        } else {
            theme.dim
        };
        let word = if compact { "" } else { "updated " };
        let text = if age.cached {
            format!("{word}{} ago (cached)", ago(age.secs))
        } else {
            format!("{word}{}s ago", age.secs.max(0))
        };
        spans.push(Span::styled(text, st));
    }
    if let Some(f) = flash {
        spans.push(sep());
        let (sym, st) = match f.level {
            MsgLevel::Info => ("ℹ ", theme.info),
            MsgLevel::Warn => ("⚠ ", theme.warn),
            MsgLevel::Error => ("✖ ", theme.error),
        };
        spans.push(Span::styled(format!("{sym}{}", fit(&f.text, 400)), st));
    }
    let line = fit_line(Line::from(spans), area.width as usize);
    buf.set_line(area.x, area.y, &line, area.width);
}

/// An age in its largest whole unit: 42s, 5m, 3h, 2d.
fn ago(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Short words for the hint line.
fn short(a: &Action) -> &'static str {
    match a {
        Action::Help => "help",
        Action::Enter => "open",
        Action::Back => "back",
        Action::Filter => "filter",
        Action::StatusFilter => "status",
        Action::NextFailure => "next fail",
        Action::Failures => "failures",
        Action::Logs => "logs",
        Action::Retry => "retry",
        Action::Terminate => "terminate",
        Action::Command => "cmd",
        Action::Quit => "quit",
        Action::Confirm => "confirm",
        Action::NextChoice => "option",
        Action::Cancel => "cancel",
        Action::Search => "search",
        Action::SearchNext => "next",
        Action::Follow => "follow",
        Action::Mark => "mark",
        Action::Copy => "copy",
        Action::Sort => "sort",
        Action::Environment => "environment",
        Action::SampleSheet => "sheet",
        Action::Attempts => "attempts",
        _ => "",
    }
}

pub fn hints(state: &State, keymap: &Keymap, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if let Some(input) = &state.input {
        let prompt = match input.purpose {
            InputPurpose::Filter => "/",
            InputPurpose::Command => ":",
            InputPurpose::Search => "search /",
        };
        let line = Line::from(vec![
            Span::styled(prompt, theme.key),
            Span::raw(fit(&input.text, area.width as usize)),
            Span::styled("█", theme.accent),
            Span::styled("   ⏎ apply  esc cancel", theme.dim),
        ]);
        buf.set_line(
            area.x,
            area.y,
            &fit_line(line, area.width as usize),
            area.width,
        );
        return;
    }
    let mode = Mode::of(state);
    let wanted: &[Action] = match mode {
        Mode::Normal => state.view().hints(),
        Mode::Confirm => &[Action::Confirm, Action::NextChoice, Action::Cancel],
        Mode::Pager => &[
            Action::NextChoice,
            Action::Search,
            Action::SearchNext,
            Action::Follow,
            Action::Cancel,
        ],
        Mode::Signatures => &[Action::Enter, Action::Back, Action::Retry, Action::Attempts],
        _ => &[Action::Enter, Action::Cancel],
    };
    let mut spans = vec![Span::raw(" ")];
    for a in wanted {
        if let Some(k) = keymap.key_for(mode, a) {
            spans.push(Span::styled(k, theme.key));
            spans.push(Span::styled(format!(" {}  ", short(a)), theme.dim));
        }
    }
    buf.set_line(
        area.x,
        area.y,
        &fit_line(Line::from(spans), area.width as usize),
        area.width,
    );
}
