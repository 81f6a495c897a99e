//! A region's environments (DescribeEnvironments): where run groups run, whether each
//! takes work now, and how many live groups each holds.

use crate::api::group::{EnvLoad, env_load};
use crate::api::types::{Environment, Filter, RunGroup};
use crate::api::{Call, Priority, Scope};

use super::super::action::Action;
use super::super::effect::{Effect, Request};
use super::super::state::State;
use super::super::state::list::{Item, ListView, SortKey};
use super::listing;

pub const HINTS: &[Action] = &[
    Action::Help,
    Action::Enter,
    Action::Back,
    Action::Filter,
    Action::StatusFilter,
    Action::Sort,
    Action::Copy,
    Action::Command,
    Action::Quit,
];

/// An environment as a row: the service's fields and its live groups, counted from the
/// groups omtop has listed in its region.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnvRow {
    pub env: Environment,
    pub load: EnvLoad,
}

impl EnvRow {
    pub fn name(&self) -> &str {
        self.env.name.as_deref().unwrap_or("")
    }

    /// The status a row shows: the service's, or NOT AVAILABLE where a running
    /// environment says it takes no work.
    pub fn shown_status(&self) -> String {
        if self.running_unavailable() {
            "UNAVAILABLE".into()
        } else {
            self.env.status.clone().unwrap_or_default()
        }
    }

    /// RUNNING, but not Available: it takes no work.
    fn running_unavailable(&self) -> bool {
        self.env.available == Some(false)
            && self
                .env
                .status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("RUNNING"))
    }
}

impl Item for EnvRow {
    fn id(&self) -> String {
        self.env.environment_id.clone().unwrap_or_default()
    }
    fn status(&self) -> &str {
        // A running environment that takes no work is a failure to the user waiting on it.
        if self.running_unavailable() {
            "UNAVAILABLE_ERROR"
        } else {
            self.env.status.as_deref().unwrap_or("")
        }
    }
    fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {}",
            self.name(),
            self.id(),
            self.env.kind.as_deref().unwrap_or(""),
            self.shown_status(),
            self.env.message.as_deref().unwrap_or("")
        )
    }
    fn sort_columns() -> &'static [&'static str] {
        &["name", "status", "type", "live groups"]
    }
    fn sort_key(&self, col: usize) -> SortKey {
        match col {
            0 => SortKey::Text(self.name().to_lowercase()),
            1 => SortKey::Text(self.shown_status()),
            2 => SortKey::Text(self.env.kind.clone().unwrap_or_default()),
            _ => SortKey::Num((self.load.running + self.load.waiting) as i64),
        }
    }
}

#[derive(Debug, Clone)]
pub struct EnvironmentsView {
    pub region: String,
    pub list: ListView<EnvRow>,
    /// The environment to select once the list arrives (by id or name).
    pub select: Option<String>,
}

impl EnvironmentsView {
    pub fn new(region: String, select: Option<String>) -> Self {
        let mut list = ListView::new(0, false);
        list.loading = true;
        Self {
            region,
            list,
            select,
        }
    }

    /// The environments arrived (or the groups they are counted from changed).
    pub fn set(&mut self, envs: Vec<Environment>, groups: &[RunGroup]) {
        let rows = envs
            .into_iter()
            .map(|env| {
                let load = env_load(env.environment_id.as_deref().unwrap_or(""), groups);
                EnvRow { env, load }
            })
            .collect();
        self.list.set_items(rows);
        if let Some(want) = self.select.take() {
            let pos = self.list.shown.iter().position(|&i| {
                let r = &self.list.items[i];
                r.id() == want || r.name() == want || r.name().eq_ignore_ascii_case(&want)
            });
            match pos {
                Some(p) => self.list.selected = p,
                None => self.select = Some(want),
            }
        }
    }

    /// Counts the live groups again from a newer listing.
    pub fn recount(&mut self, groups: &[RunGroup]) {
        for r in &mut self.list.items {
            r.load = env_load(r.env.environment_id.as_deref().unwrap_or(""), groups);
        }
        let keep = self.list.selected_id();
        self.list.refresh(keep.as_deref());
    }

    /// The environments as the service listed them.
    pub fn environments(&self) -> Vec<Environment> {
        self.list.items.iter().map(|r| r.env.clone()).collect()
    }
}

impl EnvironmentsView {
    /// The environments, and the groups of the region's projects their live counts are
    /// made from.
    pub fn wants(&self, state: &State) -> Vec<Effect> {
        let mut w = vec![Effect::load(self.request(), Priority::Background)];
        let projects = state
            .all_projects
            .iter()
            .filter(|p| p.region == self.region);
        w.extend(projects.map(|p| super::groups_of(p.scope())));
        w
    }

    pub fn request(&self) -> Request {
        let region = self.region.clone();
        Request::Environments { region }
    }

    pub fn tccli(&self) -> Option<Call> {
        let id = self.list.selected_item()?.id();
        let filter = Filter::new("EnvironmentId", [id.as_str()]);
        let scope = Scope::new(self.region.clone(), None);
        Some(listing("DescribeEnvironments", scope, filter))
    }
}
