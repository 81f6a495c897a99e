//! A run group's runs, the marks a retry takes, and the group's failures in one line.

use std::collections::BTreeSet;

use crate::api::types::{Run, RunGroup};

use super::super::state::FailureSummary;
use super::super::state::items::ProjectRow;
use super::super::state::list::ListView;

#[derive(Debug, Clone)]
pub struct RunsView {
    pub project: ProjectRow,
    pub group: RunGroup,
    pub list: ListView<Run>,
    /// Runs marked for a retry, by RunUuid.
    pub marks: BTreeSet<String>,
    /// The group's failures in one line, and the soonest call-cache expiry among its
    /// failed runs: made when its runs are listed, not on every frame.
    pub failure_summary: Option<FailureSummary>,
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
            failure_summary: None,
        }
    }

    /// The group's runs arrived.
    pub fn set_runs(&mut self, runs: Vec<Run>) {
        self.marks
            .retain(|m| runs.iter().any(|r| r.run_uuid.as_deref() == Some(m)));
        self.list.set_items(runs);
        self.failure_summary = FailureSummary::of(
            self.group.run_group_id.clone().unwrap_or_default(),
            &self.list.items,
        );
    }
}
