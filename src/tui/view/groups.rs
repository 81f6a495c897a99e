//! A project's run groups.

use crate::api::types::{Filter, RunGroup};
use crate::api::{Call, Priority};

use super::super::action::Action;
use super::super::effect::{Effect, Request};
use super::super::state::items::ProjectRow;
use super::super::state::list::ListView;
use super::{groups_of, listing};

pub const HINTS: &[Action] = &[
    Action::Help,
    Action::Enter,
    Action::Back,
    Action::Filter,
    Action::StatusFilter,
    Action::NextFailure,
    Action::Retry,
    Action::Terminate,
    Action::Command,
    Action::Quit,
];

/// The region's environments, where a group shown is waiting: they say why it waits.
pub fn environments_for<'a>(
    region: &str,
    mut groups: impl Iterator<Item = &'a RunGroup>,
) -> Option<Effect> {
    let waiting = groups.any(crate::api::group::is_waiting);
    let region = region.to_string();
    waiting.then(|| Effect::load(Request::Environments { region }, Priority::Background))
}

#[derive(Debug, Clone)]
pub struct GroupsView {
    pub project: ProjectRow,
    pub list: ListView<RunGroup>,
}

impl GroupsView {
    /// A project's groups, newest first; `cached`: its groups as last listed, if known.
    pub fn new(project: ProjectRow, cached: Option<Vec<RunGroup>>) -> Self {
        let mut list = ListView::new(0, true);
        let had = cached.is_some();
        list.set_items(cached.unwrap_or_default());
        list.loaded = had;
        list.loading = true;
        Self { project, list }
    }
}

impl GroupsView {
    pub fn wants(&self, rows: usize) -> Vec<Effect> {
        let mut w = vec![groups_of(self.project.scope())];
        let l = &self.list;
        let shown = l
            .shown
            .iter()
            .skip(l.offset)
            .take(rows)
            .map(|&i| &l.items[i]);
        w.extend(environments_for(&self.project.region, shown));
        w
    }

    pub fn refreshes(&self) -> Vec<Request> {
        let region = self.project.region.clone();
        vec![Request::Environments { region }]
    }

    pub fn request(&self) -> Request {
        let scope = self.project.scope();
        Request::Groups { scope }
    }

    pub fn tccli(&self) -> Option<Call> {
        let g = self.list.selected_item()?;
        let id = g.run_group_id.as_deref()?;
        let filter = Filter::new("RunGroupId", [id]);
        Some(listing("DescribeRunGroups", self.project.scope(), filter))
    }
}
