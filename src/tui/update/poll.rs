//! What to load at start, and what to poll on each tick: only what is on screen and live.

use crate::api::Priority;
use crate::api::types::StatusClass;

use super::super::effect::{Effect, LogSource, Request};
use super::super::state::State;
use super::super::state::list::Item;
use super::super::state::popup::Popup;
use super::super::ui::layout;

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

/// The loads that keep the view on top fresh, most important first.
fn wanted(state: &State) -> Vec<Effect> {
    state.view().wants(state, layout::list_rows(state))
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
    w.extend(
        state
            .view()
            .refreshes(state)
            .into_iter()
            .map(|req| Effect::load(req, Priority::Interactive)),
    );
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
        // Asked now, even what is under way: after an outage, a request sent into it can
        // take minutes to give up. The app cancels the one it replaces.
        state.poller.expire(&req);
        state.poller.release(&req);
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

/// The age of the data of the current view.
pub fn data_age(state: &State) -> Option<Age> {
    let t = state.view().request(state)?;
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
