//! Answers of API calls arriving: into the caches and panes they belong to. An answer for
//! a pane the user has left (another group, another run) is dropped.

use crate::api::types::{Project, Run, RunGroup, RunMetadata, StatusClass};
use crate::api::{ApiError, Priority, Scope};

use super::super::action::ApiResult;
use super::super::effect::{Effect, RunsQuery, Target};
use super::super::state::items::ProjectRow;
use super::super::state::list::Item;
use super::super::state::{Goto, Level, State};
use super::{logs, mutate, nav, poll, triage};

pub fn apply(state: &mut State, r: ApiResult, out: &mut Vec<Effect>) {
    let now = state.now_unix();
    let finish = |state: &mut State, t: Target, ok: bool| {
        let iv = poll::interval(state, &t);
        state.poller.done(&t, ok, now, iv);
        if ok {
            state.read_succeeded(now);
            state.cached.remove(&t);
        }
    };
    match r {
        ApiResult::Cached { fetched_at, answer } => cached(state, fetched_at, *answer, out),
        ApiResult::Projects { region, result } => {
            finish(state, Target::Projects(region.clone()), result.is_ok());
            projects(state, &region, result, out);
        }
        ApiResult::Groups { scope, result } => {
            finish(state, Target::Groups(scope.clone()), result.is_ok());
            groups(state, scope, result, out);
        }
        ApiResult::Runs {
            scope,
            query,
            result,
        } => {
            finish(
                state,
                Target::Runs(scope.clone(), query.clone()),
                result.is_ok(),
            );
            runs(state, scope, query, result, out);
        }
        ApiResult::Calls {
            scope: _,
            run_uuid,
            path,
            result,
        } => {
            finish(
                state,
                Target::Calls(run_uuid.clone(), path.clone()),
                result.is_ok(),
            );
            calls(state, &run_uuid, &path, result, out);
        }
        ApiResult::Attempts { samples, result } => {
            finish(
                state,
                Target::Attempts(samples.join("\u{1f}")),
                result.is_ok(),
            );
            super::signatures::attempts_listed(state, &samples, result);
        }
        ApiResult::Triage {
            group_id,
            run_uuid,
            result,
        } => {
            finish(state, Target::Triage(run_uuid.clone()), result.is_ok());
            super::signatures::walked(state, &group_id, &run_uuid, result);
        }
        ApiResult::Status {
            scope: _,
            run_uuid,
            result,
        } => {
            finish(state, Target::Status(run_uuid.clone()), result.is_ok());
            status(state, &run_uuid, result, out);
        }
        ApiResult::Log {
            run_uuid,
            source,
            result,
        } => {
            finish(
                state,
                Target::Log(run_uuid.clone(), source.clone()),
                result.is_ok(),
            );
            logs::loaded(state, &run_uuid, &source, result);
        }
        ApiResult::Terminated {
            group_id,
            name,
            result,
        } => mutate::terminated(state, &group_id, &name, result),
        ApiResult::Retried {
            scope,
            old_group_id,
            old_name,
            result,
        } => mutate::retried(state, scope, &old_group_id, &old_name, result, out),
    }
}

/// A list from the cache: shown with its age, unless this session has fetched it already.
/// Its request is still pending; the poller hears of it when the answer comes.
fn cached(state: &mut State, fetched_at: i64, answer: ApiResult, out: &mut Vec<Effect>) {
    let target = match &answer {
        ApiResult::Projects { region, .. } => Target::Projects(region.clone()),
        ApiResult::Groups { scope, .. } => Target::Groups(scope.clone()),
        ApiResult::Runs { scope, query, .. } => Target::Runs(scope.clone(), query.clone()),
        _ => return,
    };
    if state
        .poller
        .slot(&target)
        .is_some_and(|s| s.last_ok.is_some())
    {
        return;
    }
    state.cached.insert(target, fetched_at);
    match answer {
        ApiResult::Projects { region, result } => projects(state, &region, result, out),
        ApiResult::Groups { scope, result } => groups(state, scope, result, out),
        ApiResult::Runs {
            scope,
            query,
            result,
        } => runs(state, scope, query, result, out),
        _ => {}
    }
}

fn projects(
    state: &mut State,
    region: &str,
    result: Result<Vec<Project>, ApiError>,
    out: &mut Vec<Effect>,
) {
    let extra: Vec<ProjectRow> = state
        .settings
        .extra_projects
        .iter()
        .filter(|(_, r, _)| r == region)
        .map(|(id, r, alias)| ProjectRow {
            region: r.clone(),
            id: id.clone(),
            alias: Some(alias.clone()).filter(|a| !a.is_empty()),
            ..ProjectRow::default()
        })
        .collect();
    match result {
        Ok(list) => {
            for p in list {
                let mut row = ProjectRow::from_project(region, p);
                if let Some(x) = extra.iter().find(|x| x.id == row.id) {
                    row.alias = x.alias.clone();
                }
                state.upsert_project(row);
            }
        }
        Err(e) if crate::api::projects::means_unavailable(&e) => {
            state.fallback_regions.insert(region.to_string());
            // The region's default project is there whether or not it has groups to learn
            // its id from.
            if !state
                .all_projects
                .iter()
                .any(|p| p.region == region && p.is_default)
            {
                state.upsert_project(ProjectRow::unknown_default(region));
            }
            let e = Effect::LoadGroups {
                scope: Scope::new(region, None),
                prio: Priority::Interactive,
            };
            state.poller.admit(e, out);
        }
        Err(e) => state.flash_error(&e),
    }
    for x in extra {
        if !state
            .all_projects
            .iter()
            .any(|p| p.region == x.region && p.id == x.id)
        {
            state.upsert_project(x);
        }
    }
    state.projects.loading = state
        .settings
        .regions
        .iter()
        .any(|r| state.poller.is_pending(&Target::Projects(r.clone())));
    state.rebuild_projects();
}

fn groups(
    state: &mut State,
    scope: Scope,
    result: Result<Vec<RunGroup>, ApiError>,
    out: &mut Vec<Effect>,
) {
    let list = match result {
        Ok(l) => l,
        Err(e) => {
            state.flash_error(&e);
            if state.project_scope() == Some(scope) {
                state.groups.loading = false;
            }
            return;
        }
    };
    let project_id = match &scope.project_id {
        Some(id) => id.clone(),
        // The region's default project: learned from its groups, or still unknown (its
        // row has an empty id then).
        None => learn_default(state, &scope.region, &list).unwrap_or_default(),
    };
    let key = (scope.region.clone(), project_id.clone());
    state.groups_cache.insert(key, list.clone());
    state.rebuild_projects();
    let open = state
        .project
        .as_ref()
        .is_some_and(|p| p.region == scope.region && p.id == project_id);
    if open {
        state.groups.set_items(list.clone());
        if let Some(g) = state.group.as_ref().map(Item::id)
            && let Some(fresh) = list.iter().find(|x| x.id() == g)
        {
            state.group = Some(fresh.clone());
        }
    }
    goto_group(state, &scope.region, &project_id, &list, out);
}

/// Learns a region's default project from groups listed without a ProjectId (every group
/// names its project): its row replaces the one standing in for it. `None` when no group
/// names it.
fn learn_default(state: &mut State, region: &str, list: &[RunGroup]) -> Option<String> {
    let g = list.iter().find(|g| g.project_id.is_some())?;
    let id = g.project_id.clone().unwrap_or_default();
    let row = ProjectRow {
        region: region.to_string(),
        id: id.clone(),
        name: g.project_name.clone().unwrap_or_default(),
        is_default: true,
        ..ProjectRow::default()
    };
    let stand_in = |p: &ProjectRow| p.region == region && p.id.is_empty();
    state.all_projects.retain(|p| !stand_in(p));
    if state.project.as_ref().is_some_and(stand_in) {
        state.project = Some(row.clone());
    }
    if !state
        .all_projects
        .iter()
        .any(|p| p.region == region && p.id == id)
    {
        state.upsert_project(row);
    }
    let done = Target::Groups(Scope::new(region, Some(id.clone())));
    let now = state.now_unix();
    let iv = poll::interval(state, &done);
    state.poller.done(&done, true, now, iv);
    Some(id)
}

/// Carries out a pending `Goto::Group` once its group is known.
pub(super) fn goto_group(
    state: &mut State,
    region: &str,
    project_id: &str,
    list: &[RunGroup],
    out: &mut Vec<Effect>,
) {
    let Some(Goto::Group {
        id,
        open,
        tries,
        run,
    }) = state.goto.clone()
    else {
        return;
    };
    let Some(g) = list.iter().find(|g| g.id() == id).cloned() else {
        // A retry's new group may not be listed yet: ask again a few times.
        let here = state
            .project
            .as_ref()
            .is_some_and(|p| p.region == region && p.id == project_id);
        if here && tries > 0 {
            state.goto = Some(Goto::Group {
                id,
                open,
                tries: tries - 1,
                run,
            });
            let e = Effect::LoadGroups {
                scope: Scope::new(
                    region,
                    Some(project_id.to_string()).filter(|p| !p.is_empty()),
                ),
                prio: Priority::Interactive,
            };
            state.poller.admit(e, out);
        }
        return;
    };
    state.goto = None;
    let here = state
        .project
        .as_ref()
        .is_some_and(|p| p.region == region && p.id == project_id);
    if !here {
        let row = state
            .all_projects
            .iter()
            .find(|p| p.region == region && p.id == project_id)
            .cloned()
            .unwrap_or_else(|| ProjectRow {
                region: region.to_string(),
                id: project_id.to_string(),
                ..ProjectRow::default()
            });
        nav::open_project(state, row, out);
        state.groups.set_items(list.to_vec());
    }
    state.level = Level::Groups;
    state.group = None;
    state.calls = None;
    state.groups.select_id(&id);
    if open {
        nav::open_group(state, g, out);
        state.goto = run.map(Goto::Run);
    }
}

/// Times a `:run` lookup is asked before its error is left on screen.
const LOOKUP_TRIES: u32 = 3;

fn runs(
    state: &mut State,
    scope: Scope,
    query: RunsQuery,
    result: Result<Vec<Run>, ApiError>,
    out: &mut Vec<Effect>,
) {
    let list = match result {
        Ok(l) => l,
        Err(e) => {
            state.flash_error(&e);
            match &query {
                RunsQuery::Group(gid) => {
                    if state.group.as_ref().is_some_and(|g| g.id() == *gid) {
                        state.runs.loading = false;
                    }
                }
                // The user typed `:run` once: a lookup that failed (after the client's
                // own retries) is asked again, up to LOOKUP_TRIES in all.
                RunsQuery::Uuid(uuid) => {
                    let t = Target::Runs(scope.clone(), query.clone());
                    let failures = state.poller.slot(&t).map_or(0, |s| s.failures);
                    if state.goto == Some(Goto::Run(uuid.clone())) && failures < LOOKUP_TRIES {
                        let e = Effect::LoadRuns {
                            scope,
                            query,
                            prio: Priority::Interactive,
                        };
                        state.poller.admit(e, out);
                    }
                }
            }
            return;
        }
    };
    match query {
        RunsQuery::Group(gid) => {
            let current = state.project_scope() == Some(scope)
                && state.group.as_ref().is_some_and(|g| g.id() == gid);
            if current {
                state.marks.retain(|m| list.iter().any(|r| r.id() == *m));
                state.runs.set_items(list);
                state.failure_summary =
                    crate::tui::state::FailureSummary::of(gid.clone(), &state.runs.items);
                super::signatures::runs_listed(state, out);
                if let Some(Goto::Run(u)) = state.goto.clone()
                    && state.runs.select_id(&u)
                {
                    state.goto = None;
                    // Found: the "looking for run" notice has said its piece.
                    state.notice = None;
                    if let Some(r) = state.runs.selected_item().cloned() {
                        nav::open_run(state, r, out);
                    }
                }
            }
        }
        RunsQuery::Uuid(uuid) => {
            if state.goto != Some(Goto::Run(uuid.clone())) {
                return;
            }
            let Some(run) = list.into_iter().find(|r| r.id() == uuid) else {
                return;
            };
            let gid = run.run_group_id.as_deref().unwrap_or_default().to_string();
            let pid = run
                .project_id
                .as_deref()
                .map(String::from)
                .or(scope.project_id.clone())
                .unwrap_or_default();
            // Open the group (loading it), then the run once the runs arrive.
            state.goto = Some(Goto::Group {
                id: gid,
                open: true,
                tries: 3,
                run: Some(uuid),
            });
            let cached = state
                .groups_cache
                .get(&(scope.region.clone(), pid.clone()))
                .cloned()
                .unwrap_or_default();
            goto_group(state, &scope.region, &pid, &cached, out);
            if matches!(state.goto, Some(Goto::Group { .. })) {
                let e = Effect::LoadGroups {
                    scope: Scope::new(scope.region.clone(), Some(pid)),
                    prio: Priority::Interactive,
                };
                state
                    .poller
                    .expire(&e.target().unwrap_or(Target::Status(String::new())));
                state.poller.admit(e, out);
            }
        }
    }
}

fn calls(
    state: &mut State,
    run_uuid: &str,
    path: &str,
    result: Result<Vec<RunMetadata>, ApiError>,
    out: &mut Vec<Effect>,
) {
    let Some(t) = state.calls.as_mut().filter(|t| t.run_uuid() == run_uuid) else {
        return;
    };
    match result {
        Ok(list) => {
            t.apply(path, list);
        }
        Err(e) => {
            t.set_failed(path, e.to_string());
            state.flash_error(&e);
        }
    }
    triage::resume(state, out);
}

fn status(
    state: &mut State,
    run_uuid: &str,
    result: Result<RunMetadata, ApiError>,
    out: &mut Vec<Effect>,
) {
    let meta = match result {
        Ok(m) => m,
        Err(e) => {
            state.flash_error(&e);
            return;
        }
    };
    let new_status = meta.status.clone();
    let mut changed = false;
    if let Some(r) = state.runs.items.iter_mut().find(|r| r.id() == run_uuid)
        && new_status.is_some()
        && r.status != new_status
    {
        r.status = new_status.clone();
        changed = true;
    }
    if changed {
        let keep = state.runs.selected_id();
        state.runs.refresh(keep.as_deref());
    }
    if let Some(t) = state.calls.as_mut().filter(|t| t.run_uuid() == run_uuid) {
        let was_live = t.is_live();
        t.run_status = Some(meta);
        changed |= was_live && !t.is_live();
    }
    let finished = new_status
        .as_deref()
        .is_some_and(|s| !StatusClass::of(s).is_live());
    if changed && finished {
        // The run ended: refresh the lists that show it.
        if let Some(scope) = state.project_scope() {
            state.poller.expire(&Target::Groups(scope.clone()));
            if let Some(g) = state.group.as_ref() {
                state
                    .poller
                    .expire(&Target::Runs(scope, RunsQuery::Group(g.id())));
            }
        }
        // A finished run's tree is no longer polled: read its open paths once more, so its
        // calls show how it ended.
        if let Some(t) = state.calls.as_ref().filter(|t| t.run_uuid() == run_uuid) {
            for path in t.live_open_paths() {
                let e = Effect::load_calls(t, path, Priority::Background);
                if let Some(target) = e.target() {
                    state.poller.expire(&target);
                }
                state.poller.admit(e, out);
            }
        }
    }
}
