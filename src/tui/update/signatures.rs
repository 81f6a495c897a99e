//! `F` on a run group: its failure signatures, from its runs' errors at once, then refined
//! by a background deep pass (one walk down each failed run's failed calls). Enter lists a
//! signature's runs; `r` retries exactly those runs.

use crate::api::triage::DeepFailure;
use crate::api::types::{RunGroup, StatusClass};
use crate::api::{ApiError, Priority};

use super::super::action::Action;
use super::super::effect::{Effect, Request};
use super::super::state::list::{Item, moved};
use super::super::state::popup::{Level as MsgLevel, Popup};
use super::super::state::signatures::{AttemptsView, SignaturesView};
use super::super::state::{Jump, State};
use super::super::view::{View, ViewKind};
use super::{mutate, nav};
use crate::sanitize;

/// Opens the signatures of the selected group: at once when its runs are listed, else once
/// they are (the group is opened to list them).
pub fn open(state: &mut State, out: &mut Vec<Effect>) {
    let Some(g) = state.groups().and_then(|l| l.selected_item()).cloned() else {
        state.flash(
            MsgLevel::Info,
            "select a run group to see its failure signatures",
        );
        return;
    };
    let listed = state
        .runs()
        .is_some_and(|r| r.group.id() == g.id() && r.list.loaded);
    if listed {
        show(state, &g, out);
        return;
    }
    state.signatures_for = Some(g.id());
    nav::open_group(state, g, out);
    state.flash(
        MsgLevel::Info,
        "listing the group's runs for its failure signatures…",
    );
}

/// The group's runs have arrived: show its signatures if they were asked for.
pub fn runs_listed(state: &mut State, out: &mut Vec<Effect>) {
    let Some(g) = state.runs().map(|r| r.group.clone()) else {
        return;
    };
    if state.signatures_for.as_deref() == Some(g.id().as_str()) {
        state.signatures_for = None;
        show(state, &g, out);
    }
}

fn show(state: &mut State, g: &RunGroup, out: &mut Vec<Effect>) {
    let Some(r) = state.runs().filter(|r| r.group.id() == g.id()) else {
        return;
    };
    let scope = r.project.scope();
    let view = SignaturesView::new(
        scope.clone(),
        g.id(),
        g.name.clone().unwrap_or_default(),
        &r.list.items,
        state.now_unix(),
    );
    if view.failures.is_empty() {
        state.flash(
            MsgLevel::Info,
            format!(
                "no failed runs in {}",
                sanitize::line(g.name.as_deref().unwrap_or(""))
            ),
        );
        return;
    }
    for f in &view.failures {
        let req = Request::Triage {
            scope: scope.clone(),
            group_id: g.id(),
            run_uuid: f.run_uuid.clone(),
        };
        state
            .poller
            .admit(Effect::load(req, Priority::Background), out);
    }
    state.popup = Some(Popup::Signatures(Box::new(view)));
}

/// A walk's answer. Kept only while that group's signatures are on screen, or wait under
/// a run opened from them.
pub fn walked(
    state: &mut State,
    group_id: &str,
    run_uuid: &str,
    result: Result<Option<DeepFailure>, ApiError>,
) {
    // On screen, or waiting under a run opened from them, or under the attempts opened
    // from them.
    let shown = state
        .popup
        .iter_mut()
        .chain(state.parked.as_mut().map(|p| &mut p.popup));
    for popup in shown {
        let v = match popup {
            Popup::Signatures(v) => v,
            Popup::Attempts(a) => match a.from.as_mut() {
                Some(v) => v,
                None => continue,
            },
            _ => continue,
        };
        if v.group_id == group_id {
            v.refine(run_uuid, result.map_err(|_| ()));
            return;
        }
    }
}

pub fn key(state: &mut State, action: Action, out: &mut Vec<Effect>) {
    let rows = super::super::ui::layout::popup_rows(state) as isize;
    let Some(Popup::Signatures(v)) = state.popup.as_mut() else {
        return;
    };
    let opened_len = v.opened().map(|s| s.runs.len());
    let step = match action {
        Action::Up => Some(-1),
        Action::Down => Some(1),
        Action::PageUp => Some(-rows),
        Action::PageDown => Some(rows),
        _ => None,
    };
    if let Some(step) = step {
        match opened_len {
            Some(n) => v.run_selected = moved(v.run_selected, n, step),
            None => v.selected = moved(v.selected, v.sigs.len(), step),
        }
        return;
    }
    match (action, opened_len) {
        (Action::Enter | Action::Right, None) => {
            if let Some(s) = v.sigs.get(v.selected) {
                v.open = Some((s.task.clone(), s.message.clone()));
                v.run_selected = 0;
            }
        }
        // In a signature's runs, Enter opens the run's call tree.
        (Action::Enter | Action::Right, Some(_)) => {
            let uuid = v.opened().and_then(|s| s.runs.get(v.run_selected)).cloned();
            let run = uuid.and_then(|u| {
                let l = &state.runs()?.list;
                l.items.iter().find(|r| r.id() == u).cloned()
            });
            if let Some(r) = run {
                let Some(popup) = state.popup.take() else {
                    return;
                };
                // Where the deep pass found it failing, when it has.
                let to = match &popup {
                    Popup::Signatures(v) => v
                        .failures
                        .iter()
                        .find(|f| f.run_uuid == r.id())
                        .and_then(|f| f.job.clone()),
                    _ => None,
                };
                // The runs view is below the tree: its selection is the run opened.
                while !matches!(state.view(), View::Runs(_) | View::Projects(_)) {
                    state.pop();
                }
                if let Some(v) = state.runs_mut() {
                    v.list.select_id(&r.id());
                }
                let name = match r.user_defined_id.as_deref() {
                    Some(s) if !s.is_empty() => sanitize::line(s).into_owned(),
                    _ => "the run".to_string(),
                };
                nav::open_run(state, r, out);
                let View::Calls(c) = state.view_mut() else {
                    return;
                };
                // It lands on the run's first failed call once the tree has loaded (the
                // levels on the way are loaded as the search needs them)...
                c.jump = Some(Jump {
                    to,
                    ..Jump::first_failure()
                });
                // ...and going back returns to this signature's runs, as they were left.
                state.park(popup);
                state.flash(
                    MsgLevel::Info,
                    format!("{name}: where it failed; esc returns to the signature"),
                );
            }
        }
        (Action::Back | Action::Left, Some(_)) => v.open = None,
        (Action::Retry, _) => retry(state),
        (Action::Attempts, _) => open_attempts(state, out),
        (Action::Cancel | Action::Back | Action::Left | Action::Failures, _) => {
            state.popup = None;
        }
        _ => {}
    }
}

/// `r`: one RetryRuns with exactly the signature's runs, behind the usual confirmation.
fn retry(state: &mut State) {
    if state.settings.read_only {
        state.flash(MsgLevel::Warn, "read-only: changes are disabled");
        return;
    }
    let Some(Popup::Signatures(v)) = state.popup.as_ref() else {
        return;
    };
    let g = state.runs().map(|r| r.group.clone());
    let (Some(s), Some(g), scope) = (v.selected_sig(), g, v.scope.clone()) else {
        return;
    };
    if g.id() != v.group_id {
        return;
    }
    let runs = s.runs.clone();
    let mut lines = vec![format!(
        "Retry the {} run(s) of signature {}: {} in {}",
        runs.len(),
        s.number,
        s.class.label(),
        sanitize::line(&s.task)
    )];
    if !s.class.retry_may_help() {
        lines.push(format!(
            "It is {}: with the same inputs and resources it will probably fail again.",
            s.class.label()
        ));
    }
    // A failure that already failed on a retry of the same sample is flagged too.
    let repeats = repeated(state, &s.samples);
    if repeats > 0 {
        lines.push(format!(
            "{repeats} of its samples already failed on an earlier attempt: a plain retry is unlikely to succeed."
        ));
    }
    lines.push(format!(
        "of {} as a new run group.",
        sanitize::line(g.name.as_deref().unwrap_or(""))
    ));
    mutate::confirm_retry(state, &g, &scope, lines, &runs, &[]);
}

/// How many of `samples` have an earlier failed attempt among the groups the dashboard
/// knows were retried into this one.
fn repeated(state: &State, samples: &[String]) -> usize {
    let Some(r) = state.runs() else {
        return 0;
    };
    let g = &r.group;
    if !state.retry_of.contains_key(&g.id()) && !g.name.as_deref().unwrap_or("").contains("-retry-")
    {
        return 0;
    }
    // The group itself is a retry: every failed sample in it failed before too.
    samples
        .iter()
        .filter(|s| {
            r.list.items.iter().any(|r| {
                r.user_defined_id.as_deref() == Some(s.as_str())
                    && StatusClass::of(r.status()) == StatusClass::Failed
            })
        })
        .count()
}

/// `A`: on a run, every attempt of its sample across the project; in the signatures, the
/// group's failed samples whose latest attempt failed too.
pub fn open_attempts(state: &mut State, out: &mut Vec<Effect>) {
    let Some(scope) = state.project_scope() else {
        return;
    };
    let view = match state.popup.as_ref() {
        // In a signature's runs: the selected run's sample.
        Some(Popup::Signatures(v)) if v.opened().is_some() => {
            let Some(sample) = v
                .opened()
                .and_then(|s| s.runs.get(v.run_selected))
                .and_then(|u| v.failures.iter().find(|f| &f.run_uuid == u))
                .map(|f| f.sample.clone())
                .filter(|x| !x.is_empty())
            else {
                state.flash(MsgLevel::Info, "this run has no sample id (UserDefinedId)");
                return;
            };
            AttemptsView::new(
                format!("Attempts of sample {}", sanitize::line(&sample)),
                vec![sample],
                false,
            )
        }
        Some(Popup::Signatures(v)) => {
            let mut samples: Vec<String> = v
                .failures
                .iter()
                .map(|f| f.sample.clone())
                .filter(|s| !s.is_empty())
                .collect();
            samples.sort();
            samples.dedup();
            if samples.is_empty() {
                state.flash(
                    MsgLevel::Info,
                    "the failed runs have no sample ids (UserDefinedId)",
                );
                return;
            }
            AttemptsView::new(
                format!(
                    "Samples of {} still failing after their latest attempt",
                    sanitize::line(&v.group_name)
                ),
                samples,
                true,
            )
        }
        None if state.kind() == ViewKind::Runs => {
            let Some(r) = state.runs().and_then(|v| v.list.selected_item()) else {
                return;
            };
            let sample = r.user_defined_id.as_deref().unwrap_or_default().to_string();
            if sample.is_empty() {
                state.flash(MsgLevel::Info, "this run has no sample id (UserDefinedId)");
                return;
            }
            AttemptsView::new(
                format!("Attempts of sample {}", sanitize::line(&sample)),
                vec![sample],
                false,
            )
        }
        _ => {
            state.flash(
                MsgLevel::Info,
                "select a run (its sample's attempts) or open a group's failure signatures (F)",
            );
            return;
        }
    };
    let req = Request::Attempts {
        scope,
        samples: view.samples.clone(),
    };
    state
        .poller
        .admit(Effect::load(req, Priority::Interactive), out);
    let mut view = view;
    if let Some(Popup::Signatures(from)) = state.popup.take() {
        view.from = Some(from);
    }
    state.popup = Some(Popup::Attempts(Box::new(view)));
}

pub fn attempts_listed(
    state: &mut State,
    samples: &[String],
    result: Result<std::collections::HashMap<String, Vec<crate::api::types::Run>>, ApiError>,
) {
    let Some(Popup::Attempts(v)) = state.popup.as_mut() else {
        return;
    };
    if v.samples != samples {
        return;
    }
    match result {
        Ok(attempts) => v.fill(&attempts),
        Err(e) => {
            v.loading = false;
            state.flash_error(&e);
        }
    }
}

pub fn attempts_key(state: &mut State, action: Action, out: &mut Vec<Effect>) {
    let rows = super::super::ui::layout::popup_rows(state) as isize;
    let Some(Popup::Attempts(v)) = state.popup.as_mut() else {
        return;
    };
    let n = v.rows.len();
    match action {
        Action::Up => v.selected = moved(v.selected, n, -1),
        Action::Down => v.selected = moved(v.selected, n, 1),
        Action::PageUp => v.selected = moved(v.selected, n, -rows),
        Action::PageDown => v.selected = moved(v.selected, n, rows),
        Action::Enter | Action::Right => open_attempt(state, out),
        // Back to the signatures they were opened from, if they were.
        Action::Cancel | Action::Back | Action::Attempts => {
            state.popup = v.from.take().map(Popup::Signatures);
        }
        _ => {}
    }
}

/// Enter on an attempt: its call tree, over the view the attempts were opened on; esc
/// comes back to the attempts. An attempt in another group of the project is opened with
/// that group as its context (its retry, its logs), found among the groups listed; one
/// not listed yet is looked up like `:run`, and the attempts are closed.
fn open_attempt(state: &mut State, out: &mut Vec<Effect>) {
    let Some(Popup::Attempts(v)) = state.popup.as_ref() else {
        return;
    };
    let Some((_, run)) = v
        .rows
        .get(v.selected)
        .cloned()
        .filter(|(_, r)| !r.id().is_empty())
    else {
        return;
    };
    let Some(project) = state.project().cloned() else {
        return;
    };
    let group_id = run.run_group_id.as_deref().unwrap_or_default().to_string();
    let group = state
        .group()
        .filter(|g| g.id() == group_id)
        .or_else(|| {
            let listed = state
                .groups_cache
                .get(&(project.region.clone(), project.id.clone()))?;
            listed.iter().find(|g| g.id() == group_id)
        })
        .cloned();
    let Some(popup) = state.popup.take() else {
        return;
    };
    match group {
        Some(group) => {
            let failed = StatusClass::of(run.status()) == StatusClass::Failed;
            nav::open_run_of(state, project, group, run, out);
            if let View::Calls(c) = state.view_mut() {
                // A failed attempt is opened to see why: on its first failed call.
                if failed {
                    c.jump = Some(Jump::first_failure());
                }
                state.park(popup);
            }
        }
        None => super::command::run_uuid(state, &run.id(), out),
    }
}
