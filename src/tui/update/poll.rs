//! What to load at start, and what to poll on each tick: only what is on screen and live.

use crate::api::types::StatusClass;
use crate::api::{Priority, Scope};

use super::super::effect::{Effect, LogSource, Request, RunsQuery};
use super::super::state::State;
use super::super::state::list::Item;
use super::super::state::popup::Popup;
use super::super::ui::layout;
use super::super::view::View;

/// Seconds between re-fetches of a followed log.
pub const FOLLOW_SECS: i64 = 3;

/// The first loads: the projects of every configured region.
pub fn init(state: &mut State) -> Vec<Effect> {
    let mut out = Vec::new();
    state.poller.clock = state.now_unix();
    state.projects_mut().loading = true;
    for region in state.settings.regions.clone() {
        let e = Effect::load(Request::Projects { region }, Priority::Interactive);
        state.poller.admit(e, &mut out);
    }
    out
}

/// The polling interval of a target, in seconds.
pub fn interval(state: &State, t: &Request) -> i64 {
    let secs = match t {
        Request::Status { .. } | Request::Log { .. } => state.settings.poll_status.as_secs(),
        _ => state.settings.poll_list.as_secs(),
    };
    i64::try_from(secs.max(1)).unwrap_or(10)
}

fn groups_of(scope: Scope) -> Effect {
    Effect::load(Request::Groups { scope }, Priority::Background)
}

fn runs_of(scope: Scope, group_id: String, prio: Priority) -> Effect {
    Effect::load(
        Request::Runs {
            scope,
            query: RunsQuery::Group(group_id),
        },
        prio,
    )
}

/// The region's environments, where a group shown is waiting: they say why.
fn environments_for<'a>(
    region: &str,
    mut groups: impl Iterator<Item = &'a crate::api::types::RunGroup>,
) -> Option<Effect> {
    let waiting = groups.any(|g| {
        let class = StatusClass::of(g.status());
        class == StatusClass::Pending
            || (class.is_live() && crate::api::group::StatusCounts::of_group(g).pending > 0)
    });
    waiting.then(|| {
        Effect::load(
            Request::Environments {
                region: region.to_string(),
            },
            Priority::Background,
        )
    })
}

/// The loads that keep the view on top fresh, most important first.
fn wanted(state: &State) -> Vec<Effect> {
    let mut w = Vec::new();
    let rows = layout::list_rows(state);
    match state.view() {
        View::Projects(l) => {
            // A region whose projects never loaded is asked again (after 2, 4, 8… s): a
            // failed first load must not leave an empty list for good.
            for region in state.unloaded_regions() {
                let region = region.to_string();
                w.push(Effect::load(
                    Request::Projects { region },
                    Priority::Background,
                ));
            }
            for &i in l.shown.iter().skip(l.offset).take(rows) {
                w.push(groups_of(l.items[i].scope()));
            }
        }
        View::Groups(v) => {
            w.push(groups_of(v.project.scope()));
            let l = &v.list;
            let shown = l
                .shown
                .iter()
                .skip(l.offset)
                .take(rows)
                .map(|&i| &l.items[i]);
            w.extend(environments_for(&v.project.region, shown));
        }
        View::Runs(v) => {
            let scope = v.project.scope();
            let g = &v.group;
            if StatusClass::of(g.status()).is_live() || !v.list.loaded {
                w.push(runs_of(scope.clone(), g.id(), Priority::Background));
            }
            w.push(groups_of(scope.clone()));
            w.extend(environments_for(&v.project.region, std::iter::once(g)));
            let l = &v.list;
            for &i in l.shown.iter().skip(l.offset).take(rows) {
                let r = &l.items[i];
                if StatusClass::of(r.status()).is_live() {
                    let run_uuid = r.id();
                    let scope = scope.clone();
                    w.push(Effect::load(
                        Request::Status { scope, run_uuid },
                        Priority::Background,
                    ));
                }
            }
        }
        View::Calls(v) => {
            let t = &v.tree;
            if t.is_live() {
                let req = Request::Status {
                    scope: t.scope.clone(),
                    run_uuid: t.run_uuid().to_string(),
                };
                w.push(Effect::load(req, Priority::Background));
                for path in t.live_open_paths() {
                    w.push(Effect::load_calls(t, path, Priority::Background));
                }
            }
            for path in t.failed_paths() {
                w.push(Effect::load_calls(t, path, Priority::Background));
            }
        }
        View::Environments(v) => {
            let region = v.region.clone();
            w.push(Effect::load(
                Request::Environments { region },
                Priority::Background,
            ));
        }
        View::Volumes(v) => {
            let req = Request::Volumes {
                region: v.region.clone(),
                environment_id: v.environment_id.clone(),
            };
            w.push(Effect::load(req, Priority::Background));
        }
        View::Table(v) => {
            let scope = v.project.scope();
            let table_id = v.table_id.clone();
            // A table's rows change only when someone edits the table: asked once, and
            // again on `R`.
            if v.table.is_none() {
                let req = Request::Tables {
                    scope: scope.clone(),
                    table_id: Some(table_id.clone()),
                };
                w.push(Effect::load(req, Priority::Background));
            }
            if v.rows.is_none() {
                let req = Request::Rows {
                    scope: scope.clone(),
                    table_id,
                };
                w.push(Effect::load(req, Priority::Background));
            }
            let runs = crate::tui::view::runs_of(&state.views, &v.group.id());
            if StatusClass::of(v.group.status()).is_live() || runs.is_none_or(|l| !l.loaded) {
                w.push(runs_of(scope, v.group.id(), Priority::Background));
            }
        }
    }
    w
}

pub fn tick(state: &mut State, out: &mut Vec<Effect>) {
    let now = state.now_unix();
    let w = wanted(state);
    state.poller.schedule(now, w, out);
    follow(state, now, out);
    // Notices fade after a while; errors stay until replaced.
    if state.notice.as_ref().is_some_and(|n| now - n.at > 8) {
        state.notice = None;
    }
}

/// Re-fetches a followed log every few seconds while what writes it is live. Once it has
/// finished, the log is fetched once more (for its last lines) and following stops.
fn follow(state: &mut State, now: i64, out: &mut Vec<Effect>) {
    let live = match &state.popup {
        Some(Popup::Pager(p)) => p
            .current()
            .and_then(|t| source_live(state, &p.run_uuid, &t.source)),
        _ => return,
    };
    let Some(Popup::Pager(p)) = state.popup.as_mut() else {
        return;
    };
    let ended = p.live && live == Some(false);
    if ended {
        p.live = false;
    }
    if !p.follow || !(p.live || ended) || (!ended && now - p.fetched_at < FOLLOW_SECS) {
        return;
    }
    let Some(tab) = p.current().filter(|t| t.absent.is_none()) else {
        return;
    };
    let task = matches!(tab.source, LogSource::Job { .. });
    let req = Request::Log {
        scope: p.scope.clone(),
        run_uuid: p.run_uuid.clone(),
        source: tab.source.clone(),
    };
    let e = Effect::load(req, Priority::Background);
    if state.poller.admit(e, out) {
        p.fetched_at = now;
    }
    if ended {
        p.follow = false;
        let what = if task { "task" } else { "run" };
        state.flash(
            super::super::state::popup::Level::Info,
            format!("the {what} has finished: its log was fetched once more and follow stopped"),
        );
    }
}

/// Whether a log can still grow: its task is live (and so its run), or for a run's file,
/// the run is. `None` when omtop cannot tell (the task or run is no longer on screen).
fn source_live(state: &State, run_uuid: &str, source: &LogSource) -> Option<bool> {
    let tree = state
        .calls()
        .map(|c| &c.tree)
        .filter(|t| t.run_uuid() == run_uuid);
    let run_live = tree.map(|t| t.is_live()).or_else(|| {
        state
            .runs()?
            .list
            .items
            .iter()
            .find(|r| r.id() == run_uuid)
            .map(|r| StatusClass::of(r.status()).is_live())
    });
    match source {
        LogSource::File(_) => run_live,
        LogSource::Job { job_id, .. } => {
            let task = tree.and_then(|t| {
                t.nodes
                    .iter()
                    .find(|n| n.meta.job_id.as_deref() == Some(job_id.as_str()))
            });
            match (run_live, task) {
                (Some(false), _) => Some(false),
                (_, Some(n)) => Some(n.class.is_live()),
                (run, None) => run,
            }
        }
    }
}

/// Reloads the view on top now (the user asked).
pub fn refresh(state: &mut State, out: &mut Vec<Effect>) {
    let mut w = wanted(state);
    match state.view() {
        View::Projects(_) => {
            w.extend(state.settings.regions.iter().map(|r| {
                let region = r.clone();
                Effect::load(Request::Projects { region }, Priority::Interactive)
            }));
        }
        View::Calls(v) => w.push(Effect::load_calls(&v.tree, "/", Priority::Interactive)),
        // Polling skips a finished group's runs; asking to refresh does not.
        View::Runs(v) => w.push(runs_of(
            v.project.scope(),
            v.group.id(),
            Priority::Interactive,
        )),
        View::Table(v) => {
            let scope = v.project.scope();
            w.push(runs_of(scope.clone(), v.group.id(), Priority::Interactive));
            let table_id = v.table_id.clone();
            w.push(Effect::load(
                Request::Tables {
                    scope: scope.clone(),
                    table_id: Some(table_id.clone()),
                },
                Priority::Interactive,
            ));
            w.push(Effect::load(
                Request::Rows { scope, table_id },
                Priority::Interactive,
            ));
        }
        View::Groups(v) => w.push(Effect::load(
            Request::Environments {
                region: v.project.region.clone(),
            },
            Priority::Interactive,
        )),
        _ => {}
    }
    let mut seen = std::collections::HashSet::new();
    for e in w {
        let Effect::Load { req, .. } = e else {
            continue;
        };
        if !seen.insert(req.clone()) {
            continue;
        }
        // Status stays a background poll: it is what keeps the rows' colours current.
        let prio = if matches!(req, Request::Status { .. }) {
            Priority::Background
        } else {
            Priority::Interactive
        };
        state.poller.expire(&req);
        state.poller.admit(Effect::load(req, prio), out);
    }
    state.flash(super::super::state::popup::Level::Info, "refreshing…");
}

/// The age of the data of the current view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Age {
    pub secs: i64,
    /// Its last load failed.
    pub failed: bool,
    /// It is from the cache: not fetched yet this session.
    pub cached: bool,
}

/// The request behind the list of the view on top.
fn main_request(state: &State) -> Option<Request> {
    Some(match state.view() {
        View::Projects(_) => Request::Projects {
            region: state
                .region_filter
                .clone()
                .or_else(|| state.settings.regions.first().cloned())?,
        },
        View::Groups(v) => Request::Groups {
            scope: v.project.scope(),
        },
        View::Runs(v) => Request::Runs {
            scope: v.project.scope(),
            query: RunsQuery::Group(v.group.id()),
        },
        View::Calls(v) => Request::calls(&v.tree.scope, v.tree.run_uuid(), "/"),
        View::Environments(v) => Request::Environments {
            region: v.region.clone(),
        },
        View::Volumes(v) => Request::Volumes {
            region: v.region.clone(),
            environment_id: v.environment_id.clone(),
        },
        View::Table(v) => Request::Rows {
            scope: v.project.scope(),
            table_id: v.table_id.clone(),
        },
    })
}

/// The age of the data of the current view.
pub fn data_age(state: &State) -> Option<Age> {
    let t = main_request(state)?;
    let slot = state.poller.slot(&t);
    let failed = slot.is_some_and(|s| s.failures > 0);
    if let Some(last) = slot.and_then(|s| s.last_ok) {
        return Some(Age {
            secs: state.now_unix() - last,
            failed,
            cached: false,
        });
    }
    let at = state.cached.get(&t)?;
    Some(Age {
        secs: state.now_unix() - at,
        failed,
        cached: true,
    })
}
