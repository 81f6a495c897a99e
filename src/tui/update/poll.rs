//! What to load at start, and what to poll on each tick: only what is on screen and live.

use crate::api::types::StatusClass;
use crate::api::{Priority, Scope};

use super::super::effect::{Effect, LogSource, RunsQuery, Target};
use super::super::state::list::Item;
use super::super::state::popup::Popup;
use super::super::state::{Level, State};
use super::super::ui::layout;

/// Seconds between re-fetches of a followed log.
pub const FOLLOW_SECS: i64 = 3;

/// The first loads: the projects of every configured region.
pub fn init(state: &mut State) -> Vec<Effect> {
    let mut out = Vec::new();
    state.poller.clock = state.now_unix();
    state.projects.loading = true;
    for region in state.settings.regions.clone() {
        let e = Effect::LoadProjects {
            region,
            prio: Priority::Interactive,
        };
        state.poller.admit(e, &mut out);
    }
    out
}

/// The polling interval of a target, in seconds.
pub fn interval(state: &State, t: &Target) -> i64 {
    let secs = match t {
        Target::Status(_) | Target::Log(..) => state.settings.poll_status.as_secs(),
        _ => state.settings.poll_list.as_secs(),
    };
    i64::try_from(secs.max(1)).unwrap_or(10)
}

fn groups_of(scope: Scope) -> Effect {
    Effect::LoadGroups {
        scope,
        prio: Priority::Background,
    }
}

/// The loads that keep the current view fresh, most important first.
fn wanted(state: &State) -> Vec<Effect> {
    let mut w = Vec::new();
    let rows = layout::list_rows(state);
    match state.level {
        Level::Projects => {
            // A region whose projects never loaded is asked again (after 2, 4, 8… s): a
            // failed first load must not leave an empty list for good.
            for region in state.unloaded_regions() {
                w.push(Effect::LoadProjects {
                    region: region.to_string(),
                    prio: Priority::Background,
                });
            }
            let l = &state.projects;
            for &i in l.shown.iter().skip(l.offset).take(rows) {
                let p = &l.items[i];
                w.push(groups_of(p.scope()));
            }
        }
        Level::Groups => w.extend(state.project_scope().map(groups_of)),
        Level::Runs => {
            if let (Some(scope), Some(g)) = (state.project_scope(), state.group.as_ref()) {
                let live = StatusClass::of(g.status()).is_live();
                if live || !state.runs.loaded {
                    w.push(Effect::LoadRuns {
                        scope: scope.clone(),
                        query: RunsQuery::Group(g.id()),
                        prio: Priority::Background,
                    });
                }
                w.push(groups_of(scope.clone()));
                let l = &state.runs;
                for &i in l.shown.iter().skip(l.offset).take(rows) {
                    let r = &l.items[i];
                    if StatusClass::of(r.status()).is_live() {
                        w.push(Effect::PollStatus {
                            scope: scope.clone(),
                            run_uuid: r.id(),
                        });
                    }
                }
            }
        }
        Level::Calls => {
            if let Some(t) = state.calls.as_ref() {
                if t.is_live() {
                    w.push(Effect::PollStatus {
                        scope: t.scope.clone(),
                        run_uuid: t.run_uuid().to_string(),
                    });
                    for path in t.live_open_paths() {
                        w.push(Effect::load_calls(t, path, Priority::Background));
                    }
                }
                for path in t.failed_paths() {
                    w.push(Effect::load_calls(t, path, Priority::Background));
                }
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
    let e = Effect::FetchLog {
        scope: p.scope.clone(),
        run_uuid: p.run_uuid.clone(),
        source: tab.source.clone(),
        prio: Priority::Background,
    };
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
    let tree = state.calls.as_ref().filter(|t| t.run_uuid() == run_uuid);
    let run_live = tree.map(|t| t.is_live()).or_else(|| {
        state
            .runs
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

/// Reloads the current view now (the user asked).
pub fn refresh(state: &mut State, out: &mut Vec<Effect>) {
    let mut w = wanted(state);
    if state.level == Level::Projects {
        w.extend(state.settings.regions.iter().map(|r| Effect::LoadProjects {
            region: r.clone(),
            prio: Priority::Interactive,
        }));
    }
    if let (Level::Calls, Some(t)) = (state.level, state.calls.as_ref()) {
        w.push(Effect::load_calls(t, "/", Priority::Interactive));
    }
    // Polling skips a finished group's runs; asking to refresh does not.
    if let (Level::Runs, Some(scope), Some(g)) =
        (state.level, state.project_scope(), state.group.as_ref())
        && !w.iter().any(|e| matches!(e, Effect::LoadRuns { .. }))
    {
        w.push(Effect::LoadRuns {
            scope: scope.clone(),
            query: RunsQuery::Group(g.id()),
            prio: Priority::Interactive,
        });
    }
    for e in w {
        let e = interactive(e);
        if let Some(t) = e.target() {
            state.poller.expire(&t);
        }
        state.poller.admit(e, out);
    }
    state.flash(super::super::state::popup::Level::Info, "refreshing…");
}

fn interactive(e: Effect) -> Effect {
    match e {
        Effect::LoadGroups { scope, .. } => Effect::LoadGroups {
            scope,
            prio: Priority::Interactive,
        },
        Effect::LoadRuns { scope, query, .. } => Effect::LoadRuns {
            scope,
            query,
            prio: Priority::Interactive,
        },
        Effect::LoadCalls {
            scope,
            run_uuid,
            path,
            ..
        } => Effect::LoadCalls {
            scope,
            run_uuid,
            path,
            prio: Priority::Interactive,
        },
        other => other,
    }
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

/// The age of the data of the current view.
pub fn data_age(state: &State) -> Option<Age> {
    let t = match state.level {
        Level::Projects => {
            let r = state
                .region_filter
                .clone()
                .or_else(|| state.settings.regions.first().cloned())?;
            Target::Projects(r)
        }
        Level::Groups => Target::Groups(state.project_scope()?),
        Level::Runs => Target::Runs(
            state.project_scope()?,
            RunsQuery::Group(state.group.as_ref()?.id()),
        ),
        Level::Calls => Target::Calls(state.calls.as_ref()?.run_uuid().to_string(), "/".into()),
    };
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
