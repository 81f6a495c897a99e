//! The `:` command line: `:project NAME|ID`, `:region R`, `:group ID`, `:run UUID`,
//! `:env [NAME|ID]`, `:sheet`, `:sort COLUMN [desc]`, `:q`.

use crate::api::{Priority, Scope};
use crate::sanitize;

use super::super::effect::{Effect, Request, RunsQuery};
use super::super::state::list::Item;
use super::super::state::popup::Level as MsgLevel;
use super::super::state::{Goto, State};
use super::super::view::View;
use super::nav;

pub fn run(state: &mut State, line: &str, out: &mut Vec<Effect>) {
    let mut words = line.split_whitespace();
    let cmd = words.next().unwrap_or("");
    let arg = words.collect::<Vec<_>>().join(" ");
    match (cmd, arg.as_str()) {
        ("q" | "quit" | "q!", _) => {
            state.quit = true;
            out.push(Effect::Quit);
        }
        ("project" | "p", a) if !a.is_empty() => project(state, a, out),
        ("region" | "r", a) if !a.is_empty() => region(state, a, out),
        ("group" | "g", a) if !a.is_empty() => group(state, a, out),
        ("run", a) if !a.is_empty() => run_uuid(state, a, out),
        ("env" | "envs" | "environment" | "environments", a) => env(state, a, out),
        ("sheet" | "table", _) => super::platform::open_table(state, out),
        ("sort", a) if !a.is_empty() => sort(state, a),
        // A test hook, not a feature: the terminal-restore and secrets tests need a real
        // panic inside the running dashboard. Unknown unless OMTOP_TEST_PANIC is set.
        ("panic", _) if std::env::var_os(crate::TEST_PANIC_ENV).is_some() => {
            panic!("forced by :panic ({} is set)", crate::TEST_PANIC_ENV)
        }
        ("", _) => {}
        _ => state.flash(
            MsgLevel::Warn,
            format!(
                "unknown command :{} (try :project, :region, :group, :run, :env, :sheet, :sort, :q)",
                sanitize::line(line)
            ),
        ),
    }
}

fn project(state: &mut State, q: &str, out: &mut Vec<Effect>) {
    let ql = q.to_lowercase();
    let found = state
        .all_projects
        .iter()
        .find(|p| p.id == q)
        .or_else(|| {
            state
                .all_projects
                .iter()
                .find(|p| p.display_name().to_lowercase() == ql || p.name.to_lowercase() == ql)
        })
        .or_else(|| {
            state
                .all_projects
                .iter()
                .find(|p| p.display_name().to_lowercase().contains(&ql))
        })
        .cloned();
    match found {
        Some(p) => nav::open_project(state, p, out),
        None => state.flash(MsgLevel::Warn, format!("no project {}", sanitize::line(q))),
    }
}

fn region(state: &mut State, r: &str, out: &mut Vec<Effect>) {
    state.pop_to_projects();
    if r == "all" || r == "*" {
        state.region_filter = None;
    } else {
        state.region_filter = Some(r.to_string());
        if !state.settings.regions.iter().any(|x| x == r) {
            state.settings.regions.push(r.to_string());
        }
        let t = Request::Projects {
            region: r.to_string(),
        };
        if state.poller.slot(&t).is_none() {
            state.projects_mut().loading = true;
            state
                .poller
                .admit(Effect::load(t, Priority::Interactive), out);
        }
    }
    state.rebuild_projects();
}

/// Every known project scope, the open one first.
fn scopes(state: &State) -> Vec<Scope> {
    let mut v: Vec<Scope> = state.project_scope().into_iter().collect();
    for p in &state.all_projects {
        let s = p.scope();
        if !v.contains(&s) {
            v.push(s);
        }
    }
    v
}

fn group(state: &mut State, id: &str, out: &mut Vec<Effect>) {
    state.goto = Some(Goto::Group {
        id: id.to_string(),
        open: true,
        tries: 0,
        run: None,
    });
    let hit = state
        .groups_cache
        .iter()
        .find(|(_, gs)| gs.iter().any(|g| g.id() == id))
        .map(|(k, _)| k.clone());
    if let Some((region, pid)) = hit {
        let list = state
            .groups_cache
            .get(&(region.clone(), pid.clone()))
            .cloned()
            .unwrap_or_default();
        super::loaded::goto_group(state, &region, &pid, &list, out);
        return;
    }
    state.flash(
        MsgLevel::Info,
        format!("looking for group {}…", sanitize::line(id)),
    );
    for scope in scopes(state) {
        let e = Effect::load(Request::Groups { scope }, Priority::Interactive);
        state.poller.admit(e, out);
    }
}

pub(super) fn run_uuid(state: &mut State, uuid: &str, out: &mut Vec<Effect>) {
    let listed = state
        .runs()
        .and_then(|v| v.list.items.iter().find(|r| r.id() == uuid).cloned());
    if let Some(r) = listed {
        while !matches!(state.view(), View::Runs(_)) {
            state.pop();
        }
        if let Some(v) = state.runs_mut() {
            v.list.select_id(uuid);
        }
        nav::open_run(state, r, out);
        return;
    }
    state.goto = Some(Goto::Run(uuid.to_string()));
    state.flash(
        MsgLevel::Info,
        format!("looking for run {}…", sanitize::line(uuid)),
    );
    for scope in scopes(state) {
        let query = RunsQuery::Uuid(uuid.to_string());
        let e = Effect::load(Request::Runs { scope, query }, Priority::Interactive);
        state.poller.admit(e, out);
    }
}

/// `:env NAME|ID`: that environment among its region's (the view's region, else the
/// region filter, else the first configured); `:env` alone lists them.
fn env(state: &mut State, q: &str, out: &mut Vec<Effect>) {
    let q = q.trim();
    let here = state
        .view()
        .region()
        .map(str::to_string)
        .or_else(|| state.project().map(|p| p.region.clone()))
        .or_else(|| state.region_filter.clone());
    let has = |region: &str| {
        state.environments.get(region).is_some_and(|envs| {
            envs.iter().any(|e| {
                e.environment_id.as_deref() == Some(q)
                    || e.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(q))
            })
        })
    };
    // The region shown first; else any region whose environments are known to have it
    // (in the order configured, so the same name in two regions is found the same way).
    let known = here
        .clone()
        .filter(|r| !q.is_empty() && has(r))
        .or_else(|| {
            let mut regions: Vec<&String> = state.environments.keys().collect();
            regions.sort_by_key(|r| state.settings.regions.iter().position(|c| c == *r));
            regions
                .into_iter()
                .find(|r| !q.is_empty() && has(r))
                .cloned()
        });
    let region = known
        .or(here)
        .or_else(|| state.settings.regions.first().cloned());
    let Some(region) = region else {
        return state.flash(MsgLevel::Warn, "no region to look in: :region NAME first");
    };
    let select = Some(q.to_string()).filter(|q| !q.is_empty());
    super::platform::open_environments(state, region, select, out);
}

/// `:sort COLUMN [desc]`: the list on top sorted by a column named (a sample sheet's by its
/// table's own headers).
fn sort(state: &mut State, arg: &str) {
    let (name, desc) = match arg.rsplit_once(' ') {
        Some((n, d)) if d.eq_ignore_ascii_case("desc") => (n, true),
        Some((n, d)) if d.eq_ignore_ascii_case("asc") => (n, false),
        _ => (arg, false),
    };
    match state.view_mut().rows_mut().sort_by(name, desc) {
        Ok(()) => {}
        Err(names) if names.is_empty() => {
            state.flash(MsgLevel::Info, "calls keep the workflow's order");
        }
        Err(names) => state.flash(
            MsgLevel::Warn,
            format!(
                "no column {:?} here; its columns: {}",
                sanitize::line(name),
                sanitize::line(&names.join(", "))
            ),
        ),
    }
}
