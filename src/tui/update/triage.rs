//! Finding what went wrong: filters, sorting, jumping between failures (loading collapsed
//! calls on the way), the failures view, copying ids.

use crate::api::Priority;
use crate::sanitize;

use super::super::action::Action;
use super::super::effect::Effect;
use super::super::state::list::moved;
use super::super::state::popup::{Failures, Level as MsgLevel, Popup};
use super::super::state::tree::{NodeId, Search};
use super::super::state::{Focus, InputLine, InputPurpose, Jump, State};
use super::super::view::{View, ViewKind};

pub fn open_filter(state: &mut State) {
    let text = state.view().rows().filter();
    state.focus = Focus::List;
    state.input = Some(InputLine {
        purpose: InputPurpose::Filter,
        text,
    });
}

pub fn set_filter(state: &mut State, text: &str) {
    state.view_mut().rows_mut().set_filter(text);
}

pub fn cycle_status(state: &mut State) {
    state.view_mut().rows_mut().cycle_status();
}

pub fn sort(state: &mut State, reverse: bool) {
    if !state.view_mut().rows_mut().sort(reverse) {
        state.flash(MsgLevel::Info, "calls keep the workflow's order");
    }
}

pub fn next_failure(state: &mut State, forward: bool, out: &mut Vec<Effect>) {
    state.focus = Focus::List;
    if let View::Calls(c) = state.view_mut() {
        let from = c.tree.selected_node();
        c.jump = Some(Jump {
            from,
            forward,
            to: None,
        });
        return resume(state, out);
    }
    let rows = state.view_mut().rows_mut();
    match rows.next_failed(forward) {
        Some(p) => rows.set_selected(p),
        None => state.flash(MsgLevel::Info, "no failures here"),
    }
    state.details_scroll = 0;
}

/// Continues work waiting for calls to load: a failure search, and the failures view.
pub fn resume(state: &mut State, out: &mut Vec<Effect>) {
    if let Some(j) = state.calls().and_then(|c| c.jump.clone()) {
        search(state, j, out);
    }
    if matches!(state.popup, Some(Popup::Failures(_))) {
        collect_failures(state, out);
    }
}

fn load(state: &mut State, id: NodeId, out: &mut Vec<Effect>) {
    let Some(t) = state.calls_mut().map(|c| &mut c.tree) else {
        return;
    };
    if let Some(path) = t.start_load(id) {
        let e = Effect::load_calls(t, path, Priority::Interactive);
        state.poller.admit(e, out);
    }
}

fn search(state: &mut State, j: Jump, out: &mut Vec<Effect>) {
    let Some(c) = state.calls_mut() else {
        return;
    };
    let found = match &j.to {
        Some(to) => match c.tree.find_job(&to.path, &to.job_id) {
            // Not where triage saw it (the run was retried since, or the service lists it
            // elsewhere now): the first failure instead.
            Search::NotFound => {
                c.jump = Some(Jump::first_failure());
                c.tree.find_failure(None, true)
            }
            other => other,
        },
        None => c.tree.find_failure(j.from, j.forward),
    };
    match found {
        Search::Found(id) => {
            c.jump = None;
            c.tree.reveal(id);
            state.details_scroll = 0;
        }
        Search::Load(id) => load(state, id, out),
        Search::Wait => {}
        Search::NotFound => {
            c.jump = None;
            state.flash(MsgLevel::Info, "no failed calls in this run");
        }
    }
}

/// `F`: on a run group, its failure signatures; on a run or in a call tree, the run's
/// failed calls.
pub fn open_failures(state: &mut State, out: &mut Vec<Effect>) {
    match state.view() {
        View::Groups(_) => return super::signatures::open(state, out),
        View::Runs(v) => {
            if let Some(r) = v.list.selected_item().cloned() {
                super::nav::open_run(state, r, out);
            }
        }
        _ => {}
    }
    if state.kind() != ViewKind::Calls {
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
    let Some(t) = state.calls().map(|c| &c.tree) else {
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
            if let (Some(id), Some(t)) = (id, state.calls_mut().map(|c| &mut c.tree)) {
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
    let id = state.view().rows().selected_id()?;
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
