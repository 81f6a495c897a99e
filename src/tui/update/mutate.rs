//! Terminate and retry: a key opens a confirmation carrying the effect; only confirming
//! emits it, once. A failed mutation is shown, never repeated by itself.

use crate::api::types::{Run, RunGroup, StatusClass};
use crate::api::{ApiError, Created, Priority, Scope};

use super::super::action::Action;
use super::super::effect::{Effect, RetryPlan, RunsQuery, Target};
use super::super::state::items::{Counts, is_nextflow};
use super::super::state::list::Item;
use super::super::state::popup::{Choice, Confirm, Level as MsgLevel, Message, Popup};
use super::super::state::{Goto, Level, State};
use crate::sanitize;

fn read_only(state: &mut State) -> bool {
    if state.settings.read_only {
        state.flash(MsgLevel::Warn, "read-only: changes are disabled");
    }
    state.settings.read_only
}

pub fn mark(state: &mut State) {
    if state.level != Level::Runs {
        return;
    }
    if let Some(id) = state.runs.selected_id()
        && !state.marks.remove(&id)
    {
        state.marks.insert(id);
    }
    let n = state.runs.shown.len();
    state.runs.selected = (state.runs.selected + 1).min(n.saturating_sub(1));
}

pub fn mark_all(state: &mut State) {
    if state.level != Level::Runs {
        return;
    }
    if state.marks.is_empty() {
        let ids: Vec<String> = state
            .runs
            .shown
            .iter()
            .map(|&i| state.runs.items[i].id())
            .collect();
        state.marks.extend(ids);
    } else {
        state.marks.clear();
    }
}

/// The group an action applies to: the selected one in the groups pane, else the open one.
fn target_group(state: &State) -> Option<RunGroup> {
    match state.level {
        Level::Projects => None,
        Level::Groups => state.groups.selected_item().cloned(),
        _ => state.group.clone(),
    }
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
    let c = Counts::of_group(&g);
    let total = g.total_run.unwrap_or(c.total());
    let name = g.name.clone().unwrap_or_default();
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

pub fn ask_retry(state: &mut State) {
    if read_only(state) {
        return;
    }
    let (Some(g), Some(scope)) = (target_group(state), state.project_scope()) else {
        state.flash(MsgLevel::Warn, "select a run group to retry");
        return;
    };
    let same_group = state.group.as_ref().is_some_and(|o| o.id() == g.id());
    let failed = |state: &State| -> Vec<(String, String)> {
        state
            .runs
            .items
            .iter()
            .filter(|r| StatusClass::of(r.status()) == StatusClass::Failed)
            .map(id_and_sample)
            .collect()
    };
    let runs: Vec<(String, String)> = match state.level {
        Level::Calls => state
            .calls
            .as_ref()
            .map(|t| vec![id_and_sample(&t.run)])
            .unwrap_or_default(),
        Level::Runs if !state.marks.is_empty() => state
            .runs
            .items
            .iter()
            .filter(|r| state.marks.contains(&r.id()))
            .map(id_and_sample)
            .collect(),
        _ if same_group && state.runs.loaded => failed(state),
        _ => Vec::new(),
    };
    let counts = Counts::of_group(&g);
    let n = if runs.is_empty() {
        counts.failed
    } else {
        runs.len() as i64
    };
    if n == 0 {
        state.flash(MsgLevel::Warn, "no failed or marked runs to retry");
        return;
    }
    let nextflow = is_nextflow(&g);
    let uuids: Vec<String> = runs.iter().map(|(u, _)| u.clone()).collect();
    let samples: Vec<String> = runs
        .iter()
        .take(4)
        .map(|(u, s)| sanitize::line(if s.is_empty() { u } else { s }).into_owned())
        .collect();
    let what = if runs.is_empty() {
        format!("the {n} failed runs")
    } else {
        format!(
            "{n} run(s): {}{}",
            samples.join(", "),
            if runs.len() > 4 { ", …" } else { "" }
        )
    };
    let plan = |use_cache| RetryPlan {
        run_group_id: g.id(),
        run_uuids: uuids.clone(),
        use_cache,
        nextflow,
    };
    let effect = |use_cache| Effect::Retry {
        scope: scope.clone(),
        plan: plan(use_cache),
        old_group_id: g.id(),
        old_name: g.name.clone().unwrap_or_default(),
    };
    let resume = if nextflow {
        "Resume (-resume)"
    } else {
        "Resume with call cache"
    };
    state.popup = Some(Popup::Confirm(Confirm {
        title: "Retry runs".into(),
        lines: vec![
            format!("Retry {what}"),
            format!("of {} as a new run group.", group_label(&g)),
            "Rerun starts from scratch; resume reuses finished calls.".into(),
        ],
        choices: vec![
            Choice {
                label: "Rerun".into(),
                effect: effect(false),
            },
            Choice {
                label: resume.into(),
                effect: effect(true),
            },
        ],
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
        state.poller.expire(&Target::Groups(scope.clone()));
        if let Some(g) = state.group.as_ref() {
            state
                .poller
                .expire(&Target::Runs(scope, RunsQuery::Group(g.id())));
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
    // Show the new group in the groups pane of its project.
    let here = state.project_scope().as_ref() == Some(&scope);
    if here {
        state.level = Level::Groups;
        state.group = None;
        state.calls = None;
        state.marks.clear();
        state.focus = super::super::state::Focus::List;
    }
    state.goto = Some(Goto::Group {
        id: new,
        open: false,
        tries: 5,
        run: None,
    });
    let e = Effect::LoadGroups {
        scope,
        prio: Priority::Interactive,
    };
    if let Some(t) = e.target() {
        state.poller.expire(&t);
    }
    state.poller.admit(e, out);
}
