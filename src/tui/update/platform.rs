//! Where runs happen and what they are launched from: a region's environments (why a group
//! is waiting), an environment's cache volumes, and a table batch's sample sheet.

use crate::api::types::{Environment, RunGroup, Table, TableRow, Volume};
use crate::api::{ApiError, Priority, Scope};

use super::super::effect::{Effect, Request, RunsQuery};
use super::super::state::State;
use super::super::state::list::Item;
use super::super::state::popup::Level as MsgLevel;
use super::super::view::{EnvironmentsView, TableView, View, VolumesView};

/// `e`: the environment of the selected (or open) run group; elsewhere, the region's
/// environments.
pub fn open_environment(state: &mut State, out: &mut Vec<Effect>) {
    let group = selected_group(state);
    let select = group
        .as_ref()
        .and_then(|g| g.environment_id.clone())
        .filter(|id| !id.is_empty());
    let Some(region) = state.view().region().map(str::to_string).or_else(|| {
        state
            .projects()
            .selected_item()
            .map(|p| p.region.clone())
            .or_else(|| state.region_filter.clone())
    }) else {
        state.flash(MsgLevel::Info, "choose a region first (:region NAME)");
        return;
    };
    open_environments(state, region, select, out);
}

/// Opens a region's environments, selecting one (by id or name) once they are listed.
pub fn open_environments(
    state: &mut State,
    region: String,
    select: Option<String>,
    out: &mut Vec<Effect>,
) {
    // One environments view at a time: a second `:env` (or `e` from its volumes)
    // replaces the first.
    while matches!(state.view(), View::Environments(_) | View::Volumes(_)) {
        state.pop();
    }
    let mut v = EnvironmentsView::new(region.clone(), select);
    if let Some(envs) = state.environments.get(&region).cloned() {
        v.set(envs, &state.groups_in(&region));
        v.list.loading = true;
    }
    state.push(View::Environments(v));
    let e = Effect::load(Request::Environments { region }, Priority::Interactive);
    state.poller.admit(e, out);
}

/// Opens an environment's cache volumes.
pub fn open_volumes(
    state: &mut State,
    region: String,
    environment_id: String,
    name: String,
    out: &mut Vec<Effect>,
) {
    if environment_id.is_empty() {
        return;
    }
    let req = Request::Volumes {
        region: region.clone(),
        environment_id: environment_id.clone(),
    };
    state.push(View::Volumes(VolumesView::new(
        region,
        environment_id,
        name,
    )));
    state
        .poller
        .admit(Effect::load(req, Priority::Interactive), out);
}

/// `T`: the sample sheet of the selected (or open) run group, when it was launched from a
/// table.
pub fn open_table(state: &mut State, out: &mut Vec<Effect>) {
    let (Some(g), Some(project)) = (selected_group(state), state.project().cloned()) else {
        state.flash(MsgLevel::Info, "select a run group launched from a table");
        return;
    };
    let Some(table_id) = g.table_id.clone().filter(|t| !t.is_empty()) else {
        let name = crate::sanitize::line(g.name.as_deref().unwrap_or("")).into_owned();
        state.flash(
            MsgLevel::Info,
            format!("{name} was not launched from a table: it has no sample sheet"),
        );
        return;
    };
    let scope = project.scope();
    let gid = g.id();
    // The sheet goes above the group's runs (or its groups): what was open above them
    // (a call tree, another sheet) is closed.
    while !matches!(
        state.view(),
        View::Runs(_) | View::Groups(_) | View::Projects(_)
    ) {
        state.pop();
    }
    let mut v = TableView::new(project, g, table_id.clone());
    // The group's runs may be listed already (the runs view below): join them as they are.
    if let Some(l) = crate::tui::view::runs_of(&state.views, &gid) {
        let runs = l.items.clone();
        v.set_runs(&runs, state.now_unix());
    }
    state.push(View::Table(v));
    let loads = [
        Request::Tables {
            scope: scope.clone(),
            table_id: Some(table_id.clone()),
        },
        Request::Rows {
            scope: scope.clone(),
            table_id,
        },
        Request::Runs {
            scope,
            query: RunsQuery::Group(gid),
        },
    ];
    for req in loads {
        state
            .poller
            .admit(Effect::load(req, Priority::Interactive), out);
    }
}

/// The group a key is about: the selected one in the groups list, else the open one.
fn selected_group(state: &State) -> Option<RunGroup> {
    match state.view() {
        View::Groups(v) => v.list.selected_item().cloned(),
        v => v.group().cloned(),
    }
}

pub fn environments(state: &mut State, region: &str, result: Result<Vec<Environment>, ApiError>) {
    let envs = match result {
        Ok(l) => l,
        Err(e) => {
            // Asked in the background for a waiting group's reason, a failure is the
            // user's news only where they asked for the environments.
            let asked = state
                .views
                .iter()
                .any(|v| matches!(v, View::Environments(ev) if ev.region == region));
            if asked {
                state.flash_error(&e);
            }
            for v in &mut state.views {
                if let View::Environments(ev) = v
                    && ev.region == region
                {
                    ev.list.loading = false;
                }
            }
            return;
        }
    };
    state.environments.insert(region.to_string(), envs.clone());
    let groups = state.groups_in(region);
    let mut missing = None;
    for v in &mut state.views {
        if let View::Environments(ev) = v
            && ev.region == region
        {
            ev.set(envs.clone(), &groups);
            // Asked for by name or id, and not there: say so, once.
            missing = missing.or(ev.select.take());
        }
    }
    if let Some(want) = missing {
        state.flash(
            MsgLevel::Warn,
            format!(
                "no environment {} in {}",
                crate::sanitize::line(&want),
                crate::sanitize::line(region)
            ),
        );
    }
}

/// A region's groups changed: the environments' live counts follow.
pub fn recount(state: &mut State, region: &str) {
    if !state
        .views
        .iter()
        .any(|v| matches!(v, View::Environments(e) if e.region == region))
    {
        return;
    }
    let groups = state.groups_in(region);
    for v in &mut state.views {
        if let View::Environments(ev) = v
            && ev.region == region
        {
            ev.recount(&groups);
        }
    }
}

pub fn volumes(
    state: &mut State,
    region: &str,
    environment_id: &str,
    result: Result<Vec<Volume>, ApiError>,
) {
    let result = result.inspect_err(|e| state.flash_error(e));
    for v in &mut state.views {
        if let View::Volumes(vv) = v
            && vv.region == region
            && vv.environment_id == environment_id
        {
            match &result {
                Ok(l) => vv.list.set_items(l.clone()),
                Err(_) => vv.list.loading = false,
            }
        }
    }
}

pub fn tables(
    state: &mut State,
    scope: &Scope,
    table_id: Option<&str>,
    result: Result<Vec<Table>, ApiError>,
) {
    let is_it = |t: &TableView| table_id.is_none_or(|id| id == t.table_id);
    to_sheets(state, scope, is_it, result, |t, l| {
        // A table the service does not list (deleted since) still has rows to show: an
        // empty table stands in, its columns numbered.
        let found = l
            .iter()
            .find(|x| x.table_id.as_deref() == Some(t.table_id.as_str()));
        t.table = Some(found.cloned().unwrap_or_default());
    });
}

pub fn rows(
    state: &mut State,
    scope: &Scope,
    table_id: &str,
    result: Result<Vec<TableRow>, ApiError>,
) {
    let is_it = |t: &TableView| t.table_id == table_id;
    to_sheets(state, scope, is_it, result, |t, l| t.rows = Some(l.clone()));
}

/// An answer about a table, to the sheets of `scope` showing it: applied and joined again,
/// or, failed, their loading ended (the error is flashed once).
fn to_sheets<T>(
    state: &mut State,
    scope: &Scope,
    is_it: impl Fn(&TableView) -> bool,
    result: Result<T, ApiError>,
    apply: impl Fn(&mut TableView, &T),
) {
    let result = result.inspect_err(|e| state.flash_error(e));
    let now = state.now_unix();
    for v in &mut state.views {
        if let View::Table(t) = v
            && t.project.scope() == *scope
            && is_it(t)
        {
            match &result {
                Ok(x) => {
                    apply(t, x);
                    t.join(now);
                }
                Err(_) => t.list.loading = false,
            }
        }
    }
}
