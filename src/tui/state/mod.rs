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
use crate::api::types::{Run, RunGroup};
use crate::api::{ApiError, Scope};

use super::poller::Poller;
use items::ProjectRow;
use list::ListView;
use popup::{Level as MsgLevel, Popup};
use tree::CallTree;

/// How deep the user has drilled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Projects,
    Groups,
    Runs,
    Calls,
}

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

/// What the group details say of its failures (see `State::failure_summary`).
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jump {
    pub from: Option<tree::NodeId>,
    pub forward: bool,
}

#[derive(Debug, Clone)]
pub struct State {
    pub now: DateTime<FixedOffset>,
    pub settings: Settings,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub level: Level,
    pub focus: Focus,
    pub details_scroll: usize,
    pub region_filter: Option<String>,
    /// Every known project of every region; `projects` shows those in the region filter.
    pub all_projects: Vec<ProjectRow>,
    pub projects: ListView<ProjectRow>,
    /// Regions whose DescribeProjects is unavailable: projects are learned from run groups.
    pub fallback_regions: BTreeSet<String>,
    /// Run groups of every project loaded so far, by (region, project id).
    pub groups_cache: HashMap<(String, String), Vec<RunGroup>>,
    pub project: Option<ProjectRow>,
    pub groups: ListView<RunGroup>,
    pub group: Option<RunGroup>,
    pub runs: ListView<Run>,
    pub marks: BTreeSet<String>,
    pub calls: Option<CallTree>,
    pub popup: Option<Popup>,
    pub input: Option<InputLine>,
    pub error: Option<Flash>,
    pub notice: Option<Flash>,
    pub stats: ClientStats,
    pub poller: Poller,
    /// New group id → the group it retried (id, name).
    pub retry_of: HashMap<String, (String, String)>,
    pub goto: Option<Goto>,
    pub jump: Option<Jump>,
    /// A group whose failure signatures open once its runs are listed.
    pub signatures_for: Option<String>,
    /// The open group's failures in one line, and the soonest call-cache expiry among its
    /// failed runs: made when its runs are listed, not on every frame.
    pub failure_summary: Option<FailureSummary>,
    /// Run groups being watched (`w`), by id.
    pub watching: BTreeSet<String>,
    /// Lists shown from the cache, not yet fetched this session: when they were fetched.
    pub cached: HashMap<super::effect::Target, i64>,
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
            level: Level::Projects,
            focus: Focus::List,
            details_scroll: 0,
            region_filter,
            all_projects: Vec::new(),
            projects: ListView::new(0, false),
            fallback_regions: BTreeSet::new(),
            groups_cache: HashMap::new(),
            project: None,
            groups: ListView::new(0, true),
            group: None,
            runs: ListView::new(0, false),
            marks: BTreeSet::new(),
            calls: None,
            popup: None,
            input: None,
            error: None,
            notice: None,
            stats: ClientStats::default(),
            poller: Poller::default(),
            retry_of: HashMap::new(),
            goto: None,
            jump: None,
            signatures_for: None,
            failure_summary: None,
            watching: BTreeSet::new(),
            cached: HashMap::new(),
            quit: false,
        }
    }

    pub fn now_unix(&self) -> i64 {
        self.now.timestamp()
    }

    /// The scope of the open project.
    pub fn project_scope(&self) -> Option<Scope> {
        self.project.as_ref().map(ProjectRow::scope)
    }

    /// The region shown in the status bar: the open project's, or the region filter.
    pub fn region(&self) -> String {
        self.project
            .as_ref()
            .map(|p| p.region.clone())
            .or_else(|| self.region_filter.clone())
            .unwrap_or_else(|| "all regions".into())
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
        let loading = self.projects.loading;
        self.projects.set_items(rows);
        self.projects.loading = loading;
        // Loaded once some region has answered: an empty list before that is a failure (or
        // a wait), not "no projects".
        self.projects.loaded = self.unloaded_regions().len() < self.settings.regions.len();
    }

    /// Configured regions whose projects have not loaded (and that do not fall back to
    /// configured projects and the default one).
    pub fn unloaded_regions(&self) -> Vec<&str> {
        self.settings
            .regions
            .iter()
            .filter(|r| !self.fallback_regions.contains(*r))
            .filter(|r| {
                let t = super::effect::Target::Projects((*r).clone());
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
