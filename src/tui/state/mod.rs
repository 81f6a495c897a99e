//! Everything the dashboard knows. Only `update` changes it; drawing only reads it.

pub mod items;
pub mod list;
pub mod pager;
pub mod popup;
pub mod search;
pub mod signatures;
pub mod tree;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use chrono::{DateTime, FixedOffset};

use crate::api::client::ClientStats;
use crate::api::types::{Environment, Run, RunGroup};
use crate::api::{ApiError, Scope};

use super::poller::Poller;
use super::request::Request;
use super::view::{CallsView, RunsView, View, ViewKind};
use items::ProjectRow;
use list::ListView;
use popup::{Level as MsgLevel, Popup};
use tree::CallTree;

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Details,
}

/// What the input line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    Filter,
    Command,
    Search,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputLine {
    pub purpose: InputPurpose,
    pub text: String,
}

/// A short message in the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    pub level: MsgLevel,
    pub text: String,
    pub at: i64,
    /// A failed read, which a later successful one makes stale; a failed change stays.
    pub from_read: bool,
}

/// How long a read's error stays on screen before a success may clear it.
const READ_ERROR_SECS: i64 = 10;

/// The dashboard's settings, as far as state needs them.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub regions: Vec<String>,
    pub poll_status: Duration,
    pub poll_list: Duration,
    pub read_only: bool,
    /// (id, region, alias) of projects named in the configuration.
    pub extra_projects: Vec<(String, String, String)>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            regions: vec!["ap-guangzhou".into()],
            poll_status: Duration::from_secs(3),
            poll_list: Duration::from_secs(10),
            read_only: false,
            extra_projects: Vec::new(),
        }
    }
}

/// A place to go once the data for it arrives (`:group`, `:run`, a retry's new group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Goto {
    /// Select a group in the groups pane (`open`: and open its runs).
    Group {
        id: String,
        open: bool,
        tries: u8,
        /// A run to open once the group's runs are listed.
        run: Option<String>,
    },
    /// Open a run's call tree.
    Run(String),
}

/// What the group details say of its failures (see `State::failure_summaries`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureSummary {
    pub group_id: String,
    /// "212 failed: 3 signatures, 180 out of memory in BaseRecalibrator".
    pub text: String,
    /// The soonest time a failed run's call cache is cleared (Unix seconds).
    pub soonest_cache_clear: Option<i64>,
}

impl FailureSummary {
    pub fn of(group_id: String, runs: &[Run]) -> Option<Self> {
        let failures = crate::api::triage::failures(runs);
        if failures.is_empty() {
            return None;
        }
        let sigs = crate::api::triage::signatures(&failures);
        Some(Self {
            group_id,
            text: crate::api::triage::summary(&sigs),
            soonest_cache_clear: failures
                .iter()
                .filter(|f| !f.cache_cleared)
                .filter_map(|f| f.cache_clear_at)
                .min(),
        })
    }
}

/// A failure search waiting for a load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jump {
    pub from: Option<tree::NodeId>,
    pub forward: bool,
    /// The failing call triage found (its GetRunCalls path and JobId): landed on when it
    /// is there, else the search is for the first failure.
    pub to: Option<crate::api::triage::JobRef>,
}

impl Jump {
    /// To the first failed call.
    pub fn first_failure() -> Self {
        Self {
            from: None,
            forward: true,
            to: None,
        }
    }
}

/// A popup waiting under the view opened from it.
#[derive(Debug, Clone)]
pub struct Parked {
    /// The index in the stack of the view opened from it.
    pub depth: usize,
    pub popup: Popup,
}

#[derive(Debug, Clone)]
pub struct State {
    pub now: DateTime<FixedOffset>,
    pub settings: Settings,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Where the user is: the projects at the bottom, what they opened above.
    pub views: Vec<View>,
    pub focus: Focus,
    pub details_scroll: usize,
    pub region_filter: Option<String>,
    /// Every known project of every region; `projects` shows those in the region filter.
    pub all_projects: Vec<ProjectRow>,
    /// Regions whose DescribeProjects is unavailable: projects are learned from run groups.
    pub fallback_regions: BTreeSet<String>,
    /// Run groups of every project loaded so far, by (region, project id).
    pub groups_cache: HashMap<(String, String), Vec<RunGroup>>,
    /// Environments of every region listed so far, by region.
    pub environments: HashMap<String, Vec<Environment>>,
    pub popup: Option<Popup>,
    pub input: Option<InputLine>,
    pub error: Option<Flash>,
    pub notice: Option<Flash>,
    pub stats: ClientStats,
    pub poller: Poller,
    /// New group id → the group it retried (id, name).
    pub retry_of: HashMap<String, (String, String)>,
    pub goto: Option<Goto>,
    /// A group whose failure signatures open once its runs are listed.
    pub signatures_for: Option<String>,
    /// A popup left by opening a view from it (a signature's run): shown again when that
    /// view is closed, as it was left.
    pub parked: Option<Parked>,
    /// Each group's failures in one line, and the soonest call-cache expiry among its
    /// failed runs, by group id: made when its runs are listed (not on every frame), and
    /// kept for its row's details once its runs view is closed.
    pub failure_summaries: HashMap<String, FailureSummary>,
    /// Run groups being watched (`w`), by id.
    pub watching: BTreeSet<String>,
    /// Lists shown from the cache, not yet fetched this session: when they were fetched.
    pub cached: HashMap<Request, i64>,
    pub quit: bool,
}

impl State {
    pub fn new(settings: Settings, now: DateTime<FixedOffset>) -> Self {
        let region_filter = match settings.regions.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        };
        Self {
            now,
            settings,
            size: (80, 24),
            views: vec![View::Projects(ListView::new(0, false))],
            focus: Focus::List,
            details_scroll: 0,
            region_filter,
            all_projects: Vec::new(),
            fallback_regions: BTreeSet::new(),
            groups_cache: HashMap::new(),
            environments: HashMap::new(),
            popup: None,
            input: None,
            error: None,
            notice: None,
            stats: ClientStats::default(),
            poller: Poller::default(),
            retry_of: HashMap::new(),
            goto: None,
            signatures_for: None,
            parked: None,
            failure_summaries: HashMap::new(),
            watching: BTreeSet::new(),
            cached: HashMap::new(),
            quit: false,
        }
    }

    pub fn now_unix(&self) -> i64 {
        self.now.timestamp()
    }

    /// The view on top: what the screen shows.
    pub fn view(&self) -> &View {
        self.views.last().unwrap_or(&self.views[0])
    }

    pub fn view_mut(&mut self) -> &mut View {
        let top = self.views.len() - 1;
        &mut self.views[top]
    }

    /// What kind of view is on top.
    pub fn kind(&self) -> ViewKind {
        self.view().kind()
    }

    /// Opens a view above the current one.
    pub fn push(&mut self, v: View) {
        self.views.push(v);
        self.focus = Focus::List;
        self.details_scroll = 0;
    }

    /// Goes back to the view below; the projects stay.
    pub fn pop(&mut self) -> Option<View> {
        self.pop_view(false)
    }

    /// The user going back: the view below, and a popup left for the view closed comes
    /// back with it. (Other pops, on the way to somewhere else, only drop it.)
    pub fn back(&mut self) -> Option<View> {
        self.pop_view(true)
    }

    fn pop_view(&mut self, restore: bool) -> Option<View> {
        if self.views.len() <= 1 {
            return None;
        }
        self.details_scroll = 0;
        let popped = self.views.pop();
        self.unpark(restore);
        popped
    }

    /// Closes every view above the projects.
    pub fn pop_to_projects(&mut self) {
        self.views.truncate(1);
        self.details_scroll = 0;
        self.unpark(false);
    }

    /// The view on top was opened from `popup`: it comes back when that view is closed.
    pub fn park(&mut self, popup: Popup) {
        self.parked = Some(Parked {
            depth: self.views.len() - 1,
            popup,
        });
    }

    /// Below the view a popup was left for: on the user's way back, the popup again;
    /// otherwise (or further down) it is dropped, its moment gone.
    fn unpark(&mut self, restore: bool) {
        let Some(depth) = self.parked.as_ref().map(|p| p.depth) else {
            return;
        };
        if self.views.len() > depth {
            return;
        }
        let parked = self.parked.take();
        if restore && self.views.len() == depth && self.popup.is_none() {
            self.popup = parked.map(|p| p.popup);
        }
    }

    /// Every project of the region filter (the bottom of the stack).
    pub fn projects(&self) -> &ListView<ProjectRow> {
        match &self.views[0] {
            View::Projects(l) => l,
            _ => unreachable!("the projects are always at the bottom"),
        }
    }

    pub fn projects_mut(&mut self) -> &mut ListView<ProjectRow> {
        match &mut self.views[0] {
            View::Projects(l) => l,
            _ => unreachable!("the projects are always at the bottom"),
        }
    }

    /// The open project: the one the nearest view about a project is about (an
    /// environments view on top of a project's views leaves it open).
    pub fn project(&self) -> Option<&ProjectRow> {
        self.views.iter().rev().find_map(View::project)
    }

    /// The scope of the open project.
    pub fn project_scope(&self) -> Option<Scope> {
        self.project().map(ProjectRow::scope)
    }

    /// The open run group: the one the nearest view about a group is about.
    pub fn group(&self) -> Option<&RunGroup> {
        self.views.iter().rev().find_map(View::group)
    }

    /// The nearest groups list under the top.
    pub fn groups(&self) -> Option<&ListView<RunGroup>> {
        self.views.iter().rev().find_map(|v| match v {
            View::Groups(g) => Some(&g.list),
            _ => None,
        })
    }

    pub fn groups_mut(&mut self) -> Option<&mut ListView<RunGroup>> {
        self.views.iter_mut().rev().find_map(|v| match v {
            View::Groups(g) => Some(&mut g.list),
            _ => None,
        })
    }

    /// The nearest runs view under the top.
    pub fn runs(&self) -> Option<&RunsView> {
        self.views.iter().rev().find_map(|v| match v {
            View::Runs(r) => Some(r),
            _ => None,
        })
    }

    pub fn runs_mut(&mut self) -> Option<&mut RunsView> {
        self.views.iter_mut().rev().find_map(|v| match v {
            View::Runs(r) => Some(r),
            _ => None,
        })
    }

    /// The nearest call tree under the top.
    pub fn calls(&self) -> Option<&CallsView> {
        self.views.iter().rev().find_map(|v| match v {
            View::Calls(c) => Some(c),
            _ => None,
        })
    }

    pub fn calls_mut(&mut self) -> Option<&mut CallsView> {
        self.views.iter_mut().rev().find_map(|v| match v {
            View::Calls(c) => Some(c),
            _ => None,
        })
    }

    /// The call tree on top, if the top is one.
    pub fn tree(&self) -> Option<&CallTree> {
        match self.view() {
            View::Calls(c) => Some(&c.tree),
            _ => None,
        }
    }

    pub fn tree_mut(&mut self) -> Option<&mut CallTree> {
        match self.view_mut() {
            View::Calls(c) => Some(&mut c.tree),
            _ => None,
        }
    }

    /// For a GetRunCalls refresh, the strings of the calls it replaces (the tree's at that
    /// path), so the answer shares them rather than being a second copy.
    pub fn held_for(&self, req: &Request) -> crate::api::text::Held {
        let Request::Calls { run_uuid, path, .. } = req else {
            return Default::default();
        };
        self.views
            .iter()
            .rev()
            .find_map(|v| match v {
                View::Calls(c) if c.tree.run_uuid() == run_uuid => Some(c.tree.held_at(path)),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The region shown in the status bar: the view's, or the region filter.
    pub fn region(&self) -> String {
        self.view()
            .region()
            .map(str::to_string)
            .or_else(|| self.region_filter.clone())
            .unwrap_or_else(|| "all regions".into())
    }

    /// Every run group listed so far in a region.
    pub fn groups_in(&self, region: &str) -> Vec<RunGroup> {
        self.groups_cache
            .iter()
            .filter(|((r, _), _)| r == region)
            .flat_map(|(_, gs)| gs.iter().cloned())
            .collect()
    }

    /// Why a group is not starting, when its environment (listed already) says so.
    pub fn waiting_reason(&self, g: &RunGroup) -> Option<String> {
        self.waiting_on(g).map(|w| w.to_string())
    }

    /// What a group waits on, when its environment (listed already) takes no work.
    pub fn waiting_on(&self, g: &RunGroup) -> Option<crate::api::group::Waiting> {
        // Drawn for every row of a frame: most groups are not waiting, and need no lookup.
        if !crate::api::group::is_waiting(g) {
            return None;
        }
        let id = g.run_group_id.as_deref()?;
        let region = self
            .groups_cache
            .iter()
            .find(|(_, gs)| gs.iter().any(|x| x.run_group_id.as_deref() == Some(id)))
            .map(|((r, _), _)| r.clone())
            .or_else(|| self.project().map(|p| p.region.clone()))?;
        let envs = self.environments.get(&region)?;
        crate::api::group::waiting_on(g, envs)
    }

    /// Shows an error; it is the newest message, so it replaces any notice (a notice and
    /// an error in the same second cannot be told apart by their times).
    pub fn flash_error(&mut self, e: &ApiError) {
        self.notice = None;
        self.error = Some(Flash {
            level: MsgLevel::Error,
            text: e.to_string(),
            at: self.now_unix(),
            from_read: !crate::api::client::is_mutation(e.action()),
        });
    }

    pub fn flash(&mut self, level: MsgLevel, text: impl Into<String>) {
        self.notice = Some(Flash {
            level,
            text: text.into(),
            at: self.now_unix(),
            from_read: false,
        });
    }

    /// A read succeeded: a read's error shown long enough is no longer news.
    pub fn read_succeeded(&mut self, now: i64) {
        if self
            .error
            .as_ref()
            .is_some_and(|e| e.from_read && now - e.at >= READ_ERROR_SECS)
        {
            self.error = None;
        }
    }

    /// Shows the projects of the region filter, and the groups counts they have.
    pub fn rebuild_projects(&mut self) {
        let rows: Vec<ProjectRow> = self
            .all_projects
            .iter()
            .filter(|p| self.region_filter.as_ref().is_none_or(|r| *r == p.region))
            .cloned()
            .map(|mut p| {
                if let Some(gs) = self.groups_cache.get(&(p.region.clone(), p.id.clone())) {
                    let class = |g: &RunGroup| {
                        crate::api::types::StatusClass::of(g.status.as_deref().unwrap_or(""))
                    };
                    p.running = Some(gs.iter().filter(|g| class(g).is_live()).count());
                    p.failed = Some(
                        gs.iter()
                            .filter(|g| {
                                class(g) == crate::api::types::StatusClass::Failed
                                    || items::doomed(g)
                            })
                            .count(),
                    );
                }
                p
            })
            .collect();
        let loaded = self.unloaded_regions().len() < self.settings.regions.len();
        let projects = self.projects_mut();
        let loading = projects.loading;
        projects.set_items(rows);
        projects.loading = loading;
        // Loaded once some region has answered: an empty list before that is a failure (or
        // a wait), not "no projects".
        projects.loaded = loaded;
    }

    /// Configured regions whose projects have not loaded (and that do not fall back to
    /// configured projects and the default one).
    pub fn unloaded_regions(&self) -> Vec<&str> {
        self.settings
            .regions
            .iter()
            .filter(|r| !self.fallback_regions.contains(*r))
            .filter(|r| {
                let t = Request::Projects {
                    region: (*r).clone(),
                };
                self.poller.slot(&t).is_none_or(|s| s.last_ok.is_none())
            })
            .map(String::as_str)
            .collect()
    }

    /// The seconds the longest-waiting request has gone unanswered.
    pub fn waiting_secs(&self) -> Option<i64> {
        self.poller
            .oldest_pending()
            .map(|since| self.now_unix() - since)
    }

    /// Adds a project (or updates the one with the same region and id).
    pub fn upsert_project(&mut self, row: ProjectRow) {
        match self
            .all_projects
            .iter_mut()
            .find(|p| p.region == row.region && p.id == row.id)
        {
            Some(p) => {
                let alias = p.alias.take();
                *p = row;
                if p.alias.is_none() {
                    p.alias = alias;
                }
            }
            None => self.all_projects.push(row),
        }
    }
}
