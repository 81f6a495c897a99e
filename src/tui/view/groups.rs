//! A project's run groups.

use crate::api::types::RunGroup;

use super::super::state::items::ProjectRow;
use super::super::state::list::ListView;

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
