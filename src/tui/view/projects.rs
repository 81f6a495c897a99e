//! The projects of the configured regions: the bottom of the stack.

use crate::api::types::Filter;
use crate::api::{Call, Priority, Scope};

use super::super::effect::{Effect, Request};
use super::super::state::State;
use super::super::state::items::ProjectRow;
use super::super::state::list::ListView;
use super::{groups_of, listing};

/// A region whose projects never loaded is asked again (after 2, 4, 8… s): a failed first
/// load must not leave an empty list for good. The groups of the projects on screen are
/// asked for their counts.
pub fn wants(l: &ListView<ProjectRow>, state: &State, rows: usize) -> Vec<Effect> {
    let mut w = Vec::new();
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
    w
}

pub fn refreshes(state: &State) -> Vec<Request> {
    let regions = state.settings.regions.iter().cloned();
    regions.map(|region| Request::Projects { region }).collect()
}

pub fn request(state: &State) -> Option<Request> {
    let region = state
        .region_filter
        .clone()
        .or_else(|| state.settings.regions.first().cloned())?;
    Some(Request::Projects { region })
}

pub fn tccli(l: &ListView<ProjectRow>) -> Option<Call> {
    let p = l.selected_item()?;
    let scope = Scope::new(p.region.clone(), None);
    let filter = Filter::new("ProjectId", [p.id.as_str()]);
    Some(listing("DescribeProjects", scope, filter))
}
