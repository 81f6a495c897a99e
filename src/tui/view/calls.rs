//! One run's call tree.

use crate::api::types::RunGroup;

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
