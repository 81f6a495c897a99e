//! Answers of API calls arriving: into the caches and panes they belong to. An answer for
//! a pane the user has left (another group, another run) is dropped.

use crate::api::types::{Project, Run, RunGroup, RunMetadata, StatusClass};
use crate::api::{ApiError, Priority, Scope};

use super::super::action::ApiResult;
use super::super::effect::{Effect, Request, RunsQuery};
use super::super::request::Answer;
use super::super::state::items::ProjectRow;
use super::super::state::list::Item;
use super::super::state::tree::CallTree;
use super::super::state::{Goto, State};
use super::super::view::View;
use super::{logs, mutate, nav, poll, triage};

pub fn apply(state: &mut State, r: ApiResult, out: &mut Vec<Effect>) {
    let now = state.now_unix();
    match r {
        ApiResult::Cached {
            req,
            fetched_at,
            answer,
        } => cached(state, req, fetched_at, answer, out),
        ApiResult::Loaded { req, result } => {
            let ok = result.is_ok();
            let iv = poll::interval(state, &req);
            state.poller.done(&req, ok, now, iv);
            if ok {
                state.read_succeeded(now);
                state.cached.remove(&req);
            }
            loaded(state, req, result, out);
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

/// A read's answer, to the views it belongs to.
fn loaded(
    state: &mut State,
    req: Request,
    result: Result<Answer, ApiError>,
    out: &mut Vec<Effect>,
) {
    // An error is the request's; an answer of another kind than asked cannot happen (the
    // app makes each answer from its request) and is dropped.
    macro_rules! take {
        ($variant:ident) => {
            match result {
                Ok(Answer::$variant(x)) => Ok(x),
                Ok(_) => return,
                Err(e) => Err(e),
            }
        };
    }
    match req {
        Request::Projects { region } => projects(state, &region, take!(Projects), out),
        Request::Groups { scope } => groups(state, scope, take!(Groups), out),
        Request::Runs { scope, query } => runs(state, scope, query, take!(Runs), out),
        Request::Calls { run_uuid, path, .. } => calls(state, &run_uuid, &path, take!(Calls), out),
        Request::Status { run_uuid, .. } => status(state, &run_uuid, take!(Status), out),
        Request::Log {
            run_uuid, source, ..
        } => logs::loaded(state, &run_uuid, &source, take!(Log)),
        Request::Triage {
            group_id, run_uuid, ..
        } => super::signatures::walked(state, &group_id, &run_uuid, take!(Triage)),
        Request::Attempts { samples, .. } => {
            super::signatures::attempts_listed(state, &samples, take!(Attempts))
        }
        Request::Environments { region } => {
            super::platform::environments(state, &region, take!(Environments))
        }
        Request::Volumes {
            region,
            environment_id,
        } => super::platform::volumes(state, &region, &environment_id, take!(Volumes)),
        Request::Tables { scope, table_id } => {
            super::platform::tables(state, &scope, table_id.as_deref(), take!(Tables))
        }
        Request::Rows { scope, table_id } => {
            super::platform::rows(state, &scope, &table_id, take!(Rows))
        }
    }
}

/// A list from the cache: shown with its age, unless this session has fetched it already.
/// Its request is still pending; the poller hears of it when the answer comes.
fn cached(state: &mut State, req: Request, fetched_at: i64, answer: Answer, out: &mut Vec<Effect>) {
    if !req.is_cached_list() || state.poller.slot(&req).is_some_and(|s| s.last_ok.is_some()) {
        return;
    }
    state.cached.insert(req.clone(), fetched_at);
    loaded(state, req, Ok(answer), out);
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
            let scope = Scope::new(region, None);
            let e = Effect::load(Request::Groups { scope }, Priority::Interactive);
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
    let loading = state.settings.regions.iter().any(|r| {
        let region = r.clone();
        state.poller.is_pending(&Request::Projects { region })
    });
    state.projects_mut().loading = loading;
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
            for v in &mut state.views {
                if let View::Groups(g) = v
                    && g.project.scope() == scope
                {
                    g.list.loading = false;
                }
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
    let region = scope.region.clone();
    let in_project = |p: &ProjectRow| p.region == region && p.id == project_id;
    for v in &mut state.views {
        if v.project().is_some_and(in_project) {
            if let View::Groups(g) = v {
                g.list.set_items(list.clone());
            }
            // Views about one of these groups see it as now listed.
            if let Some(g) = v.group_mut()
                && let Some(fresh) = list.iter().find(|x| x.id() == g.id())
            {
                *g = fresh.clone();
            }
        }
    }
    super::platform::recount(state, &scope.region);
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
    for v in &mut state.views {
        if let Some(p) = v.project_mut().filter(|p| stand_in(p)) {
            *p = row.clone();
        }
    }
    if !state
        .all_projects
        .iter()
        .any(|p| p.region == region && p.id == id)
    {
        state.upsert_project(row);
    }
    let done = Request::Groups {
        scope: Scope::new(region, Some(id.clone())),
    };
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
            .project()
            .is_some_and(|p| p.region == region && p.id == project_id);
        if here && tries > 0 {
            state.goto = Some(Goto::Group {
                id,
                open,
                tries: tries - 1,
                run,
            });
            let scope = Scope::new(
                region,
                Some(project_id.to_string()).filter(|p| !p.is_empty()),
            );
            let e = Effect::load(Request::Groups { scope }, Priority::Interactive);
            state.poller.admit(e, out);
        }
        return;
    };
    state.goto = None;
    let here = state
        .project()
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
    }
    // Back to the project's groups, whatever was open above them.
    while !matches!(state.view(), View::Groups(_) | View::Projects(_)) {
        state.pop();
    }
    if let Some(l) = state.groups_mut() {
        if !here {
            l.set_items(list.to_vec());
        }
        l.select_id(&id);
    }
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
                    for v in &mut state.views {
                        if let View::Runs(r) = v
                            && r.group.id() == *gid
                        {
                            r.list.loading = false;
                        }
                    }
                }
                // The user typed `:run` once: a lookup that failed (after the client's
                // own retries) is asked again, up to LOOKUP_TRIES in all.
                RunsQuery::Uuid(uuid) => {
                    let t = Request::Runs {
                        scope: scope.clone(),
                        query: query.clone(),
                    };
                    let failures = state.poller.slot(&t).map_or(0, |s| s.failures);
                    if state.goto == Some(Goto::Run(uuid.clone())) && failures < LOOKUP_TRIES {
                        state
                            .poller
                            .admit(Effect::load(t, Priority::Interactive), out);
                    }
                }
            }
            return;
        }
    };
    match query {
        RunsQuery::Group(gid) => {
            let now = state.now_unix();
            let mut here = false;
            for v in &mut state.views {
                match v {
                    View::Runs(r) if r.group.id() == gid && r.project.scope() == scope => {
                        r.set_runs(list.clone());
                        here = true;
                    }
                    View::Table(t) if t.group.id() == gid => t.set_runs(&list, now),
                    _ => {}
                }
            }
            match crate::tui::state::FailureSummary::of(gid.clone(), &list) {
                Some(f) => state.failure_summaries.insert(gid.clone(), f),
                None => state.failure_summaries.remove(&gid),
            };
            if !here {
                return;
            }
            super::signatures::runs_listed(state, out);
            if let Some(Goto::Run(u)) = state.goto.clone()
                && matches!(state.view(), View::Runs(_))
                && let Some(r) = state.runs_mut()
                && r.list.select_id(&u)
            {
                let run = r.list.selected_item().cloned();
                state.goto = None;
                // Found: the "looking for run" notice has said its piece.
                state.notice = None;
                if let Some(run) = run {
                    nav::open_run(state, run, out);
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
                let req = Request::Groups {
                    scope: Scope::new(scope.region.clone(), Some(pid)),
                };
                state.poller.expire(&req);
                state
                    .poller
                    .admit(Effect::load(req, Priority::Interactive), out);
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
    // Every tree of that run takes it (a tree left below a sheet is still that run's);
    // the last one takes the answer itself, the others a copy.
    let at: Vec<usize> = (0..state.views.len())
        .filter(|&i| matches!(&state.views[i], View::Calls(c) if c.tree.run_uuid() == run_uuid))
        .collect();
    let Some((&last, others)) = at.split_last() else {
        return;
    };
    match result {
        Ok(list) => {
            for &i in others {
                if let Some(t) = tree_at(state, i) {
                    t.apply(path, list.clone());
                }
            }
            if let Some(t) = tree_at(state, last) {
                t.apply(path, list);
            }
        }
        Err(e) => {
            for &i in at.iter() {
                if let Some(t) = tree_at(state, i) {
                    t.set_failed(path, e.to_string());
                }
            }
            state.flash_error(&e);
        }
    }
    triage::resume(state, out);
}

/// The call tree of the view at `i` of the stack.
fn tree_at(state: &mut State, i: usize) -> Option<&mut CallTree> {
    match state.views.get_mut(i) {
        Some(View::Calls(c)) => Some(&mut c.tree),
        _ => None,
    }
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
    if let Some(l) = state.runs_mut().map(|r| &mut r.list)
        && let Some(r) = l.items.iter_mut().find(|r| r.id() == run_uuid)
        && new_status.is_some()
        && r.status != new_status
    {
        r.status = new_status.clone();
        changed = true;
        let keep = l.selected_id();
        l.refresh(keep.as_deref());
    }
    for v in &mut state.views {
        if let View::Calls(c) = v
            && c.tree.run_uuid() == run_uuid
        {
            let was_live = c.tree.is_live();
            c.tree.run_status = Some(meta.clone());
            changed |= was_live && !c.tree.is_live();
        }
    }
    let finished = new_status
        .as_deref()
        .is_some_and(|s| !StatusClass::of(s).is_live());
    if changed && finished {
        // The run ended: refresh the lists that show it.
        if let Some(scope) = state.project_scope() {
            state.poller.expire(&Request::Groups {
                scope: scope.clone(),
            });
            if let Some(g) = state.group() {
                let query = RunsQuery::Group(g.id());
                state.poller.expire(&Request::Runs { scope, query });
            }
        }
        // A finished run's tree is no longer polled: read its open paths once more, so its
        // calls show how it ended.
        let reread: Vec<Effect> = state
            .calls()
            .map(|c| &c.tree)
            .filter(|t| t.run_uuid() == run_uuid)
            .map(|t| {
                t.live_open_paths()
                    .into_iter()
                    .map(|p| Effect::load_calls(t, p, Priority::Background))
                    .collect()
            })
            .unwrap_or_default();
        for e in reread {
            if let Some(req) = e.request() {
                state.poller.expire(req);
            }
            state.poller.admit(e, out);
        }
    }
}
