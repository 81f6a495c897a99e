//! `Y`: the selection as the tccli command that reads it, or (`c` in a confirmation) the
//! request the confirmation would send; the app puts it on the clipboard (OSC 52).

use crate::api::Call;
use crate::api::actions::body;

use super::super::effect::Effect;
use super::super::state::State;
use super::super::state::popup::{Level as MsgLevel, Popup};

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
    state.view().tccli()
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
