//! The `:` command line: `:project NAME|ID`, `:region R`, `:group ID`, `:run UUID`, `:q`.

use crate::api::{Priority, Scope};
use crate::sanitize;

use super::super::effect::{Effect, RunsQuery, Target};
use super::super::state::list::Item;
use super::super::state::popup::Level as MsgLevel;
use super::super::state::{Goto, Level, State};
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
        // A test hook, not a feature: the terminal-restore and secrets tests need a real
        // panic inside the running dashboard. Unknown unless OMTOP_TEST_PANIC is set.
        ("panic", _) if std::env::var_os(crate::TEST_PANIC_ENV).is_some() => {
            panic!("forced by :panic ({} is set)", crate::TEST_PANIC_ENV)
        }
        ("", _) => {}
        _ => state.flash(
            MsgLevel::Warn,
            format!(
                "unknown command :{} (try :project, :region, :group, :run, :q)",
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
    state.level = Level::Projects;
    state.project = None;
    state.group = None;
    state.calls = None;
    if r == "all" || r == "*" {
        state.region_filter = None;
    } else {
        state.region_filter = Some(r.to_string());
        if !state.settings.regions.iter().any(|x| x == r) {
            state.settings.regions.push(r.to_string());
        }
        let t = Target::Projects(r.to_string());
        if state.poller.slot(&t).is_none() {
            state.projects.loading = true;
            let e = Effect::LoadProjects {
                region: r.to_string(),
                prio: Priority::Interactive,
            };
            state.poller.admit(e, out);
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
        let e = Effect::LoadGroups {
            scope,
            prio: Priority::Interactive,
        };
        state.poller.admit(e, out);
    }
}

fn run_uuid(state: &mut State, uuid: &str, out: &mut Vec<Effect>) {
    if state.level >= Level::Runs && state.runs.select_id(uuid) {
        if let Some(r) = state.runs.selected_item().cloned() {
            nav::open_run(state, r, out);
        }
        return;
    }
    state.goto = Some(Goto::Run(uuid.to_string()));
    state.flash(
        MsgLevel::Info,
        format!("looking for run {}…", sanitize::line(uuid)),
    );
    for scope in scopes(state) {
        let e = Effect::LoadRuns {
            scope,
            query: RunsQuery::Uuid(uuid.to_string()),
            prio: Priority::Interactive,
        };
        state.poller.admit(e, out);
    }
}
