//! Finding what went wrong: filters, sorting, jumping between failures (loading collapsed
//! calls on the way), the failures view, copying ids.

use crate::api::Priority;
use crate::sanitize;

use super::super::action::Action;
use super::super::effect::Effect;
use super::super::state::list::moved;
use super::super::state::popup::{Failures, Level as MsgLevel, Popup};
use super::super::state::tree::{NodeId, Search};
use super::super::state::{Focus, InputLine, InputPurpose, Jump, Level, State};

pub fn open_filter(state: &mut State) {
    let text = match state.level {
        Level::Projects => state.projects.filter.clone(),
        Level::Groups => state.groups.filter.clone(),
        Level::Runs => state.runs.filter.clone(),
        Level::Calls => state
            .calls
            .as_ref()
            .map(|t| t.filter.clone())
            .unwrap_or_default(),
    };
    state.focus = Focus::List;
    state.input = Some(InputLine {
        purpose: InputPurpose::Filter,
        text,
    });
}

pub fn set_filter(state: &mut State, text: &str) {
    match state.level {
        Level::Projects => state.projects.set_filter(text),
        Level::Groups => state.groups.set_filter(text),
        Level::Runs => state.runs.set_filter(text),
        Level::Calls => {
            if let Some(t) = state.calls.as_mut() {
                let s = t.status;
                t.set_filter(text, s);
            }
        }
    }
}

pub fn cycle_status(state: &mut State) {
    match state.level {
        Level::Projects => state.projects.cycle_status(),
        Level::Groups => state.groups.cycle_status(),
        Level::Runs => state.runs.cycle_status(),
        Level::Calls => {
            if let Some(t) = state.calls.as_mut() {
                let (f, s) = (t.filter.clone(), t.status.next());
                t.set_filter(&f, s);
            }
        }
    }
}

pub fn sort(state: &mut State, reverse: bool) {
    macro_rules! go {
        ($l:expr) => {
            if reverse {
                $l.reverse_sort()
            } else {
                $l.cycle_sort()
            }
        };
    }
    match state.level {
        Level::Projects => go!(state.projects),
        Level::Groups => go!(state.groups),
        Level::Runs => go!(state.runs),
        Level::Calls => state.flash(MsgLevel::Info, "calls keep the workflow's order"),
    }
}

pub fn next_failure(state: &mut State, forward: bool, out: &mut Vec<Effect>) {
    state.focus = Focus::List;
    let found = match state.level {
        Level::Projects => state
            .projects
            .next_failed(forward)
            .map(|p| state.projects.selected = p),
        Level::Groups => state
            .groups
            .next_failed(forward)
            .map(|p| state.groups.selected = p),
        Level::Runs => state
            .runs
            .next_failed(forward)
            .map(|p| state.runs.selected = p),
        Level::Calls => {
            let from = state.calls.as_ref().and_then(|t| t.selected_node());
            state.jump = Some(Jump { from, forward });
            return resume(state, out);
        }
    };
    if found.is_none() {
        state.flash(MsgLevel::Info, "no failures here");
    }
    state.details_scroll = 0;
}

/// Continues work waiting for calls to load: a failure search, and the failures view.
pub fn resume(state: &mut State, out: &mut Vec<Effect>) {
    if let Some(j) = state.jump {
        search(state, j, out);
    }
    if matches!(state.popup, Some(Popup::Failures(_))) {
        collect_failures(state, out);
    }
}

fn load(state: &mut State, id: NodeId, out: &mut Vec<Effect>) {
    let Some(t) = state.calls.as_mut() else {
        return;
    };
    if let Some(path) = t.start_load(id) {
        let e = Effect::load_calls(t, path, Priority::Interactive);
        state.poller.admit(e, out);
    }
}

fn search(state: &mut State, j: Jump, out: &mut Vec<Effect>) {
    let Some(t) = state.calls.as_mut() else {
        state.jump = None;
        return;
    };
    match t.find_failure(j.from, j.forward) {
        Search::Found(id) => {
            state.jump = None;
            t.reveal(id);
            state.details_scroll = 0;
        }
        Search::Load(id) => load(state, id, out),
        Search::Wait => {}
        Search::NotFound => {
            state.jump = None;
            state.flash(MsgLevel::Info, "no failed calls in this run");
        }
    }
}

/// `F`: on a run group, its failure signatures; on a run or in a call tree, the run's
/// failed calls.
pub fn open_failures(state: &mut State, out: &mut Vec<Effect>) {
    if state.level == Level::Groups {
        super::signatures::open(state, out);
        return;
    }
    if state.level == Level::Runs
        && let Some(r) = state.runs.selected_item().cloned()
    {
        super::nav::open_run(state, r, out);
    }
    if state.level != Level::Calls {
        state.flash(
            MsgLevel::Info,
            "select a run group (its failure signatures) or a run (its failed calls)",
        );
        return;
    }
    state.popup = Some(Popup::Failures(Failures::default()));
    collect_failures(state, out);
}

fn collect_failures(state: &mut State, out: &mut Vec<Effect>) {
    let Some(t) = state.calls.as_ref() else {
        return;
    };
    let (found, to_load, loading) = t.failures();
    for id in &to_load {
        load(state, *id, out);
    }
    if let Some(Popup::Failures(f)) = state.popup.as_mut() {
        f.items = found;
        f.loading = loading + to_load.len();
        f.selected = f.selected.min(f.items.len().saturating_sub(1));
    }
}

pub fn failures_key(state: &mut State, action: Action) {
    let rows = super::super::ui::layout::popup_rows(state) as isize;
    let Some(Popup::Failures(f)) = state.popup.as_mut() else {
        return;
    };
    let n = f.items.len();
    match action {
        Action::Up => f.selected = moved(f.selected, n, -1),
        Action::Down => f.selected = moved(f.selected, n, 1),
        Action::PageUp => f.selected = moved(f.selected, n, -rows),
        Action::PageDown => f.selected = moved(f.selected, n, rows),
        Action::Top => f.selected = 0,
        Action::Bottom => f.selected = n.saturating_sub(1),
        Action::Scroll(d) => f.selected = moved(f.selected, n, isize::from(d) * 3),
        Action::Enter | Action::Confirm | Action::Right => {
            let id = f.items.get(f.selected).copied();
            state.popup = None;
            if let (Some(id), Some(t)) = (id, state.calls.as_mut()) {
                t.reveal(id);
                state.focus = Focus::List;
                state.details_scroll = 0;
            }
        }
        Action::Cancel | Action::Back | Action::Failures | Action::Left => state.popup = None,
        _ => {}
    }
}

/// The id of the selected item, as copied by `y`.
pub fn selected_id(state: &State) -> Option<String> {
    let id = match state.level {
        Level::Projects => state.projects.selected_id(),
        Level::Groups => state.groups.selected_id(),
        Level::Runs => state.runs.selected_id(),
        Level::Calls => state.calls.as_ref().and_then(|t| {
            let n = t.node(t.selected_node()?);
            n.meta
                .job_id
                .clone()
                .filter(|j| !j.is_empty())
                .or_else(|| n.meta.run_id.clone())
                .map(String::from)
        }),
    }?;
    Some(sanitize::line(&id).into_owned()).filter(|s| !s.is_empty())
}

pub fn copy(state: &mut State, out: &mut Vec<Effect>) {
    match selected_id(state) {
        Some(id) => {
            state.flash(MsgLevel::Info, format!("copied {id}"));
            out.push(Effect::Copy(id));
        }
        None => state.flash(MsgLevel::Warn, "nothing selected to copy"),
    }
}
