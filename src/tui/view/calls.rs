//! One run's call tree.

use crate::api::actions::body;
use crate::api::types::RunGroup;
use crate::api::{Call, Priority};

use super::super::action::Action;
use super::super::effect::{Effect, Request};
use super::super::state::Jump;
use super::super::state::items::ProjectRow;
use super::super::state::tree::CallTree;

#[derive(Debug, Clone)]
pub struct CallsView {
    pub project: ProjectRow,
    pub group: RunGroup,
    pub tree: CallTree,
    /// A failure search waiting for calls to load.
    pub jump: Option<Jump>,
}

pub const HINTS: &[Action] = &[
    Action::Help,
    Action::Enter,
    Action::Back,
    Action::NextFailure,
    Action::Failures,
    Action::Logs,
    Action::Filter,
    Action::Retry,
    Action::Copy,
    Action::Quit,
];

impl CallsView {
    /// A live run's status and its open paths; the paths whose load failed, again.
    pub fn wants(&self) -> Vec<Effect> {
        let t = &self.tree;
        let mut w = Vec::new();
        if t.is_live() {
            let req = Request::Status {
                scope: t.scope.clone(),
                run_uuid: t.run_uuid().to_string(),
            };
            w.push(Effect::load(req, Priority::Background));
            for path in t.live_open_paths() {
                w.push(Effect::load_calls(t, path, Priority::Background));
            }
        }
        for path in t.failed_paths() {
            w.push(Effect::load_calls(t, path, Priority::Background));
        }
        w
    }

    pub fn refreshes(&self) -> Vec<Request> {
        vec![self.request()]
    }

    /// The run's top level.
    pub fn request(&self) -> Request {
        Request::calls(&self.tree.scope, self.tree.run_uuid(), "/")
    }

    /// GetRunCalls of the path listing the selected call.
    pub fn tccli(&self) -> Option<Call> {
        let t = &self.tree;
        let n = t.node(t.selected_node()?);
        let b = body::calls(&t.scope, t.run_uuid(), &n.path);
        Some(Call::new("GetRunCalls", t.scope.region.clone(), b))
    }
}
