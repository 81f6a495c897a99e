//! `Y`: the selection as the tccli command that reads it, or (`c` in a confirmation) the
//! request the confirmation would send; the app puts it on the clipboard (OSC 52).

use crate::api::actions::body;
use crate::api::types::Filter;
use crate::api::{Call, Scope};

use super::super::effect::Effect;
use super::super::state::State;
use super::super::state::list::Item;
use super::super::state::popup::{Level as MsgLevel, Popup};
use super::super::view::View;

/// The request for what is selected or asked: in a confirmation, its chosen request;
/// otherwise the read that returns the selected project, group, run, or the calls listed
/// beside the selected call.
pub fn call(state: &State) -> Option<Call> {
    if let Some(Popup::Confirm(c)) = &state.popup {
        return match &c.choices.get(c.selected)?.effect {
            Effect::Terminate {
                scope, group_id, ..
            } => Some(Call::new(
                "TerminateRunGroup",
                scope.region.clone(),
                body::terminate(scope, group_id),
            )),
            Effect::Retry { scope, request, .. } => Some(Call::new(
                "RetryRuns",
                scope.region.clone(),
                body::retry(scope, request),
            )),
            _ => None,
        };
    }
    let listing = |action, scope: Scope, filter: Filter| {
        let b = body::page(&scope, &[filter], 0);
        Some(Call::new(action, scope.region, b))
    };
    match state.view() {
        View::Projects(l) => {
            let p = l.selected_item()?;
            let scope = Scope::new(p.region.clone(), None);
            listing(
                "DescribeProjects",
                scope,
                Filter::new("ProjectId", [p.id.as_str()]),
            )
        }
        View::Groups(v) => {
            let g = v.list.selected_item()?;
            let id = g.run_group_id.as_deref()?;
            listing(
                "DescribeRunGroups",
                v.project.scope(),
                Filter::new("RunGroupId", [id]),
            )
        }
        View::Runs(v) => {
            let r = v.list.selected_item()?;
            let id = r.run_uuid.as_deref()?;
            listing(
                "DescribeRuns",
                v.project.scope(),
                Filter::new("RunUuid", [id]),
            )
        }
        View::Calls(c) => {
            let t = &c.tree;
            let n = t.node(t.selected_node()?);
            let b = body::calls(&t.scope, t.run_uuid(), &n.path);
            Some(Call::new("GetRunCalls", t.scope.region.clone(), b))
        }
        View::Environments(v) => {
            let id = v.list.selected_item()?.id();
            listing(
                "DescribeEnvironments",
                Scope::new(v.region.clone(), None),
                Filter::new("EnvironmentId", [id.as_str()]),
            )
        }
        View::Volumes(v) => {
            let mut b = body::page(&Scope::new(v.region.clone(), None), &[], 0);
            b["EnvironmentId"] = v.environment_id.clone().into();
            Some(Call::new("DescribeVolumes", v.region.clone(), b))
        }
        View::Table(v) => {
            let scope = v.project.scope();
            let row = v.list.selected_item()?.id();
            let mut b = body::page(&scope, &[Filter::new("TableRowUuid", [row.as_str()])], 0);
            b["TableId"] = v.table_id.clone().into();
            Some(Call::new("DescribeTablesRows", scope.region, b))
        }
    }
}

pub fn copy(state: &mut State, out: &mut Vec<Effect>) {
    match call(state) {
        Some(c) => {
            state.flash(
                MsgLevel::Info,
                format!("copied the tccli command for {}", c.action),
            );
            out.push(Effect::CopyTccli(c));
        }
        None => state.flash(
            MsgLevel::Warn,
            "nothing selected to copy as a tccli command",
        ),
    }
}
