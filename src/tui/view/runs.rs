//! A run group's runs, the marks a retry takes, and the group's failures in one line.

use std::collections::BTreeSet;

use crate::api::types::{Filter, Run, RunGroup, StatusClass};
use crate::api::{Call, Priority};

use super::super::action::Action;
use super::super::effect::{Effect, Request};
use super::super::state::items::ProjectRow;
use super::super::state::list::{Item, ListView};
use super::{groups_of, listing, runs_request};

pub const HINTS: &[Action] = &[
    Action::Help,
    Action::Enter,
    Action::Back,
    Action::Filter,
    Action::StatusFilter,
    Action::NextFailure,
    Action::Mark,
    Action::Retry,
    Action::Terminate,
    Action::Logs,
    Action::Command,
    Action::Quit,
];

#[derive(Debug, Clone)]
pub struct RunsView {
    pub project: ProjectRow,
    pub group: RunGroup,
    pub list: ListView<Run>,
    /// Runs marked for a retry, by RunUuid.
    pub marks: BTreeSet<String>,
}

impl RunsView {
    pub fn new(project: ProjectRow, group: RunGroup) -> Self {
        let mut list = ListView::new(0, false);
        list.loading = true;
        Self {
            project,
            group,
            list,
            marks: BTreeSet::new(),
        }
    }

    /// The group's runs arrived.
    pub fn set_runs(&mut self, runs: Vec<Run>) {
        self.marks
            .retain(|m| runs.iter().any(|r| r.run_uuid.as_deref() == Some(m)));
        self.list.set_items(runs);
    }
}

impl RunsView {
    /// A live group's runs (a finished group's once), its group, why it waits, and the
    /// status of the live runs on screen.
    pub fn wants(&self, rows: usize) -> Vec<Effect> {
        let mut w = Vec::new();
        let scope = self.project.scope();
        let g = &self.group;
        if StatusClass::of(g.status()).is_live() || !self.list.loaded {
            w.push(Effect::load(self.request(), Priority::Background));
        }
        w.push(groups_of(scope.clone()));
        w.extend(super::groups::environments_for(
            &self.project.region,
            std::iter::once(g),
        ));
        let l = &self.list;
        for &i in l.shown.iter().skip(l.offset).take(rows) {
            let r = &l.items[i];
            if StatusClass::of(r.status()).is_live() {
                let req = Request::Status {
                    scope: scope.clone(),
                    run_uuid: r.id(),
                };
                w.push(Effect::load(req, Priority::Background));
            }
        }
        w
    }

    pub fn refreshes(&self) -> Vec<Request> {
        vec![self.request()]
    }

    pub fn request(&self) -> Request {
        runs_request(self.project.scope(), self.group.id())
    }

    pub fn tccli(&self) -> Option<Call> {
        let r = self.list.selected_item()?;
        let id = r.run_uuid.as_deref()?;
        let filter = Filter::new("RunUuid", [id]);
        Some(listing("DescribeRuns", self.project.scope(), filter))
    }
}
