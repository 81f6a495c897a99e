//! `w`: watching a run group while looking elsewhere. Its events come back as actions,
//! reach the status bar, and ask the terminal for a desktop notification.

use super::super::effect::Effect;
use super::super::state::State;
use super::super::state::popup::Level as MsgLevel;
use super::super::view::View;
use crate::sanitize;
use crate::watch::{Event, Kind};

/// Starts watching the selected group (or the open one), or stops if it is watched.
pub fn toggle(state: &mut State, out: &mut Vec<Effect>) {
    let group = match state.view() {
        View::Groups(v) => v.list.selected_item().cloned(),
        v => v.group().cloned(),
    };
    let (Some(g), Some(scope)) = (group, state.project_scope()) else {
        state.flash(MsgLevel::Warn, "select a run group to watch");
        return;
    };
    let Some(id) = g.run_group_id.as_deref().filter(|i| !i.is_empty()) else {
        return;
    };
    let name = sanitize::line(g.name.as_deref().unwrap_or(id)).into_owned();
    if state.watching.remove(id) {
        state.flash(MsgLevel::Info, format!("stopped watching {name}"));
        out.push(Effect::Unwatch(id.to_string()));
    } else {
        state.watching.insert(id.to_string());
        state.flash(
            MsgLevel::Info,
            format!("watching {name}: its failures and its end show here"),
        );
        out.push(Effect::Watch {
            scope,
            group_id: id.to_string(),
        });
    }
}

/// An event of a watched group: in the status bar, and as a notification.
pub fn event(state: &mut State, e: Event, out: &mut Vec<Effect>) {
    if !state.watching.contains(&e.run_group_id) {
        // Stopped meanwhile: an answer already on its way is dropped.
        return;
    }
    let good = e.event == Kind::Finished && e.outcome.as_deref() == Some("succeeded");
    let level = if good { MsgLevel::Info } else { MsgLevel::Warn };
    state.flash(level, format!("◉ {}", e.text));
    out.push(Effect::Notify(Box::new(e)));
}

/// The watch ended: the group finished, or it could not go on.
pub fn ended(state: &mut State, group_id: &str, error: Option<String>) {
    if !state.watching.remove(group_id) {
        return;
    }
    if let Some(err) = error {
        state.flash(
            MsgLevel::Error,
            format!(
                "stopped watching {}: {}",
                sanitize::line(group_id),
                sanitize::line(&err)
            ),
        );
    }
}
