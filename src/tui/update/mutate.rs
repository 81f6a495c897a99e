//! Terminate and retry: a key opens a confirmation carrying the effect; only confirming
//! emits it, once. A failed mutation is shown, never repeated by itself.

use serde_json::Value;

use crate::api::actions::body;
use crate::api::group::{StatusCounts, is_live, is_nextflow};
use crate::api::types::{Run, RunGroup, StatusClass};
use crate::api::{ApiError, Created, Priority, Scope, retry};

use super::super::action::Action;
use super::super::effect::{Effect, Request, RunsQuery};
use super::super::state::list::Item;
use super::super::state::popup::{Choice, Confirm, Level as MsgLevel, Message, Popup};
use super::super::state::{Goto, State};
use super::super::view::{RunsView, View};
use crate::sanitize;

fn read_only(state: &mut State) -> bool {
    if state.settings.read_only {
        state.flash(MsgLevel::Warn, "read-only: changes are disabled");
    }
    state.settings.read_only
}

pub fn mark(state: &mut State) {
    let View::Runs(v) = state.view_mut() else {
        return;
    };
    if let Some(id) = v.list.selected_id()
        && !v.marks.remove(&id)
    {
        v.marks.insert(id);
    }
    let n = v.list.shown.len();
    v.list.selected = (v.list.selected + 1).min(n.saturating_sub(1));
}

pub fn mark_all(state: &mut State) {
    let View::Runs(v) = state.view_mut() else {
        return;
    };
    if v.marks.is_empty() {
        let ids: Vec<String> = v.list.shown.iter().map(|&i| v.list.items[i].id()).collect();
        v.marks.extend(ids);
    } else {
        v.marks.clear();
    }
}

/// The group an action applies to: the selected one in the groups pane, else the open one.
fn target_group(state: &State) -> Option<RunGroup> {
    match state.view() {
        View::Groups(v) => v.list.selected_item().cloned(),
        v => v.group().cloned(),
    }
}

/// The listed runs of group `id`, once its runs view has them.
fn listed_runs<'a>(state: &'a State, id: &str) -> Option<&'a RunsView> {
    state.runs().filter(|r| r.group.id() == id && r.list.loaded)
}

fn group_label(g: &RunGroup) -> String {
    let name = sanitize::line(g.name.as_deref().unwrap_or("")).into_owned();
    format!("{name} ({})", sanitize::line(&g.id()))
}

pub fn ask_terminate(state: &mut State) {
    if read_only(state) {
        return;
    }
    let (Some(g), Some(scope)) = (target_group(state), state.project_scope()) else {
        state.flash(MsgLevel::Warn, "select a run group to terminate");
        return;
    };
    if !StatusClass::of(g.status()).is_live() {
        state.flash(
            MsgLevel::Warn,
            format!("{} is not running", group_label(&g)),
        );
        return;
    }
    let c = StatusCounts::of_group(&g);
    let total = g.total_run.unwrap_or(c.total());
    let name = g.name.clone().unwrap_or_default();
    let preview = preview("TerminateRunGroup", &body::terminate(&scope, &g.id()));
    state.popup = Some(Popup::Confirm(Confirm {
        title: "Terminate run group".into(),
        lines: vec![
            group_label(&g),
            format!(
                "{} of {total} runs are still active and will be stopped.",
                c.active()
            ),
            "This cannot be undone.".into(),
        ],
        choices: vec![Choice {
            label: "Terminate".into(),
            effect: Effect::Terminate {
                scope,
                group_id: g.id(),
                name,
            },
            preview,
        }],
        selected: 0,
    }));
}

/// A run's id and its sample name (empty when it has none).
fn id_and_sample(r: &Run) -> (String, String) {
    (
        r.id(),
        r.user_defined_id.as_deref().unwrap_or_default().to_string(),
    )
}

/// How a request is shown in a confirmation: the action, then each parameter as
/// `"Name": value` in compact JSON. A list longer than a screen can hold is shortened on
/// screen only; the request sent is the one built here, whole.
pub fn preview(action: &str, body: &Value) -> Vec<String> {
    const SHOWN: usize = 3;
    let mut lines = vec![format!("Sends {action}:")];
    if let Value::Object(m) = body {
        for (k, v) in m {
            let value = match v {
                Value::Array(items) if items.len() > SHOWN + 1 => {
                    let head: Vec<String> = items[..SHOWN].iter().map(Value::to_string).collect();
                    format!("[{}, … {} more]", head.join(", "), items.len() - SHOWN)
                }
                _ => v.to_string(),
            };
            lines.push(sanitize::line(&format!("  \"{k}\": {value}")).into_owned());
        }
    }
    lines
}

/// Runs, named for a confirmation by sample where they have one.
fn named(runs: &[(String, String)]) -> String {
    let names: Vec<String> = runs
        .iter()
        .take(4)
        .map(|(u, s)| sanitize::line(if s.is_empty() { u } else { s }).into_owned())
        .collect();
    format!(
        "{}{}",
        names.join(", "),
        if runs.len() > 4 { ", …" } else { "" }
    )
}

/// "the 1 failed and 7 canceled runs": what a retry by RunGroupId takes.
fn by_group(c: &StatusCounts) -> String {
    match (c.failed, c.cancelled) {
        (f, 0) => format!("the {f} failed run(s)"),
        (0, k) => format!("the {k} canceled run(s)"),
        (f, k) => format!("the {f} failed and {k} canceled run(s)"),
    }
}

pub fn ask_retry(state: &mut State) {
    if read_only(state) {
        return;
    }
    let (Some(g), Some(scope)) = (target_group(state), state.project_scope()) else {
        state.flash(MsgLevel::Warn, "select a run group to retry");
        return;
    };
    let chosen: Vec<(String, String)> = match state.view() {
        View::Calls(c) => vec![id_and_sample(&c.tree.run)],
        View::Runs(v) if !v.marks.is_empty() => v
            .list
            .items
            .iter()
            .filter(|r| v.marks.contains(&r.id()))
            .map(id_and_sample)
            .collect(),
        _ => Vec::new(),
    };
    let live = is_live(&g);
    // A running group cannot be retried by RunGroupId: its failed runs are named instead,
    // so they must be known.
    let failed_now: Vec<(String, String)> = if chosen.is_empty() && live {
        let Some(v) = listed_runs(state, &g.id()) else {
            state.flash(
                MsgLevel::Warn,
                format!(
                    "still running: open it to retry the runs failed so far ({})",
                    group_label(&g)
                ),
            );
            return;
        };
        v.list
            .items
            .iter()
            .filter(|r| StatusClass::of(r.status()) == StatusClass::Failed)
            .map(id_and_sample)
            .collect()
    } else {
        Vec::new()
    };
    let counts = StatusCounts::of_group(&g);
    let mut lines = if !chosen.is_empty() {
        vec![format!("Retry {} run(s): {}", chosen.len(), named(&chosen))]
    } else if live {
        if failed_now.is_empty() {
            state.flash(MsgLevel::Warn, "no failed or marked runs to retry yet");
            return;
        }
        vec![
            format!(
                "Retry the {} run(s) failed so far: {}",
                failed_now.len(),
                named(&failed_now)
            ),
            "(the group is still running, so they are named one by one)".into(),
        ]
    } else {
        if counts.retryable() == 0 {
            state.flash(
                MsgLevel::Warn,
                "no failed, canceled or marked runs to retry",
            );
            return;
        }
        vec![format!("Retry {}", by_group(&counts))]
    };
    lines.push(format!("of {} as a new run group.", group_label(&g)));
    let runs: Vec<String> = chosen.iter().map(|(u, _)| u.clone()).collect();
    let failed: Vec<String> = failed_now.iter().map(|(u, _)| u.clone()).collect();
    confirm_retry(state, &g, &scope, lines, &runs, &failed);
}

/// What the call cache will do for the runs retried: how many resume from their cache, how
/// many recompute (cache cleared), and which clear within the hour. Known for the runs the
/// dashboard has listed; `None` when it has none of them.
fn cache_line(state: &State, g: &RunGroup, ids: &[String]) -> Option<String> {
    let retried: Vec<&Run> = listed_runs(state, &g.id())?
        .list
        .items
        .iter()
        .filter(|r| {
            if ids.is_empty() {
                matches!(
                    StatusClass::of(r.status()),
                    StatusClass::Failed | StatusClass::Cancelled
                )
            } else {
                ids.contains(&r.id())
            }
        })
        .collect();
    // Only what the service said of each run's cache is counted.
    let retried: Vec<&Run> = retried.into_iter().filter(|r| r.cache.is_some()).collect();
    if retried.is_empty() {
        return None;
    }
    let now = state.now_unix();
    let (mut cleared, mut soon) = (0, 0);
    for r in &retried {
        let c = r.cache.as_ref();
        if c.and_then(|c| c.cache_cleared).unwrap_or(false) {
            cleared += 1;
        } else if c
            .and_then(|c| c.cache_clear_time.as_ref())
            .and_then(|t| t.unix())
            .is_some_and(|t| t - now < 3600)
        {
            soon += 1;
        }
    }
    let keep = retried.len() - cleared;
    let mut line = format!(
        "Call cache: {keep} run(s) can resume from theirs, {cleared} recompute from scratch (cache cleared)."
    );
    if soon > 0 {
        line.push_str(&format!(" Warning: {soon} clear within the hour."));
    }
    Some(line)
}

/// The confirmation of a retry of `runs` (none: the whole group; or, while it runs,
/// `failed`): a plain rerun or a resume, each showing the exact request it sends.
pub fn confirm_retry(
    state: &mut State,
    g: &RunGroup,
    scope: &Scope,
    mut lines: Vec<String>,
    runs: &[String],
    failed: &[String],
) {
    let targets: Vec<String> = if runs.is_empty() {
        failed.to_vec()
    } else {
        runs.to_vec()
    };
    if let Some(l) = cache_line(state, g, &targets) {
        lines.push(l);
    }
    let choice = |label: &str, use_cache: bool| {
        let plan = retry::plan(g, runs, failed, use_cache);
        let mut preview = preview("RetryRuns", &body::retry(scope, &plan.request));
        preview.extend(
            plan.notes
                .iter()
                .map(|n| sanitize::line(&format!("note: {n}")).into_owned()),
        );
        Choice {
            label: label.into(),
            effect: Effect::Retry {
                scope: scope.clone(),
                request: plan.request,
                old_group_id: g.id(),
                old_name: g.name.clone().unwrap_or_default(),
            },
            preview,
        }
    };
    let resume = if is_nextflow(g) {
        "Resume (-resume)"
    } else {
        "Resume with call cache"
    };
    lines.push("Rerun starts from scratch; resume reuses finished calls.".into());
    state.popup = Some(Popup::Confirm(Confirm {
        title: "Retry runs".into(),
        lines,
        choices: vec![choice("Rerun", false), choice(resume, true)],
        selected: 0,
    }));
}

pub fn confirm_key(state: &mut State, action: Action, out: &mut Vec<Effect>) {
    let Some(Popup::Confirm(c)) = state.popup.as_mut() else {
        return;
    };
    let n = c.choices.len().max(1);
    match action {
        Action::NextChoice | Action::Right | Action::Down => c.selected = (c.selected + 1) % n,
        Action::PrevChoice | Action::Left | Action::Up => c.selected = (c.selected + n - 1) % n,
        Action::Confirm | Action::Enter => {
            let chosen = c.choices.get(c.selected).map(|ch| ch.effect.clone());
            state.popup = None;
            if let Some(e) = chosen {
                let what = match &e {
                    Effect::Terminate { .. } => "terminating…",
                    _ => "retrying…",
                };
                state.flash(MsgLevel::Info, what);
                out.push(e);
            }
        }
        Action::Cancel | Action::Back => {
            state.popup = None;
            state.flash(MsgLevel::Info, "cancelled");
        }
        _ => {}
    }
}

/// Shows a failed mutation; one that may have been carried out is titled so (`what` is
/// "Terminate" or "Retry").
fn show_error(state: &mut State, what: &str, e: &ApiError) {
    state.flash_error(e);
    let title = if e.outcome_unknown() {
        format!("{what}: outcome unknown")
    } else {
        format!("{what} failed")
    };
    let mut lines = vec![sanitize::line(&e.to_string()).into_owned()];
    if let Some(id) = e.request_id() {
        lines.push(format!("RequestId: {}", sanitize::line(id)));
    }
    // An unknown outcome's text already says it was not resent and what to do.
    state.popup = Some(Popup::Message(Message {
        title,
        lines,
        level: MsgLevel::Error,
    }));
}

fn expire_lists(state: &mut State) {
    if let Some(scope) = state.project_scope() {
        state.poller.expire(&Request::Groups {
            scope: scope.clone(),
        });
        if let Some(g) = state.group() {
            let query = RunsQuery::Group(g.id());
            state.poller.expire(&Request::Runs { scope, query });
        }
    }
}

pub fn terminated(state: &mut State, group_id: &str, name: &str, result: Result<String, ApiError>) {
    match result {
        Ok(request_id) => {
            let text = format!(
                "terminating {} ({}), RequestId {}",
                sanitize::line(name),
                sanitize::line(group_id),
                sanitize::line(&request_id)
            );
            state.flash(MsgLevel::Info, text);
            expire_lists(state);
        }
        Err(e) => show_error(state, "Terminate", &e),
    }
}

pub fn retried(
    state: &mut State,
    scope: Scope,
    old_id: &str,
    old_name: &str,
    result: Result<Created, ApiError>,
    out: &mut Vec<Effect>,
) {
    let created = match result {
        Ok(c) => c,
        Err(e) => return show_error(state, "Retry", &e),
    };
    let new = created.run_group_id.clone();
    state
        .retry_of
        .insert(new.clone(), (old_id.to_string(), old_name.to_string()));
    state.flash(
        MsgLevel::Info,
        format!(
            "new run group {} (retry of {}), RequestId {}",
            sanitize::line(&new),
            sanitize::line(if old_name.is_empty() {
                old_id
            } else {
                old_name
            }),
            sanitize::line(&created.request_id)
        ),
    );
    // Show the new group in the groups pane of its project, unless the user has gone
    // somewhere else meanwhile (a `:run` or `:group` under way): the notice says where it is.
    let here = state.project_scope().as_ref() == Some(&scope);
    if state.goto.is_none() {
        if here {
            while !matches!(state.view(), View::Groups(_) | View::Projects(_)) {
                state.pop();
            }
            state.focus = super::super::state::Focus::List;
        }
        state.goto = Some(Goto::Group {
            id: new,
            open: false,
            tries: 5,
            run: None,
        });
    }
    let req = Request::Groups { scope };
    state.poller.expire(&req);
    state
        .poller
        .admit(Effect::load(req, Priority::Interactive), out);
}
