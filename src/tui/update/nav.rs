//! Moving around: selection, drilling in and out, focus, the mouse, the help popup.

use crate::api::Priority;
use crate::api::types::{Run, RunGroup};

use super::super::action::Action;
use super::super::effect::{Effect, RunsQuery};
use super::super::state::items::{ProjectRow, is_nextflow};
use super::super::state::list::{Item, ListView, StatusFilter, moved, scrolled};
use super::super::state::popup::Popup;
use super::super::state::tree::CallTree;
use super::super::state::{Focus, Level, State};
use super::super::ui::layout;

pub fn key(state: &mut State, action: Action, out: &mut Vec<Effect>) {
    let page = layout::list_rows(state) as isize;
    match action {
        Action::Up => step(state, -1),
        Action::Down => step(state, 1),
        Action::PageUp => step(state, -page),
        Action::PageDown => step(state, page),
        Action::Top => step(state, isize::MIN / 2),
        Action::Bottom => step(state, isize::MAX / 2),
        Action::Enter => enter(state, out),
        Action::Right => right(state, out),
        Action::Left => left(state),
        Action::Back | Action::Cancel => back(state),
        Action::FocusNext | Action::FocusPrev => {
            state.focus = match state.focus {
                Focus::List => Focus::Details,
                Focus::Details => Focus::List,
            };
        }
        Action::Click(col, row) => click(state, col, row),
        Action::Scroll(n) => step(state, isize::from(n) * 3),
        _ => {}
    }
}

/// Moves the focused pane: the selection of the list, or the details' scroll.
fn step(state: &mut State, delta: isize) {
    if state.focus == Focus::Details {
        let s = state.details_scroll as isize + delta;
        state.details_scroll = s.clamp(0, 100_000) as usize;
        return;
    }
    let before = selection_key(state);
    match state.level {
        Level::Projects => move_list(&mut state.projects, delta),
        Level::Groups => move_list(&mut state.groups, delta),
        Level::Runs => move_list(&mut state.runs, delta),
        Level::Calls => {
            if let Some(t) = state.calls.as_mut() {
                t.selected = moved(t.selected, t.rows().len(), delta);
            }
        }
    }
    if selection_key(state) != before {
        state.details_scroll = 0;
    }
}

fn move_list<T: Item>(l: &mut ListView<T>, delta: isize) {
    l.selected = moved(l.selected, l.shown.len(), delta);
}

fn selection_key(state: &State) -> (Level, usize) {
    let s = match state.level {
        Level::Projects => state.projects.selected,
        Level::Groups => state.groups.selected,
        Level::Runs => state.runs.selected,
        Level::Calls => state.calls.as_ref().map_or(0, |t| t.selected),
    };
    (state.level, s)
}

fn enter(state: &mut State, out: &mut Vec<Effect>) {
    if state.focus == Focus::Details {
        return;
    }
    match state.level {
        Level::Projects => {
            if let Some(p) = state.projects.selected_item().cloned() {
                open_project(state, p, out);
            }
        }
        Level::Groups => {
            if let Some(g) = state.groups.selected_item().cloned() {
                open_group(state, g, out);
            }
        }
        Level::Runs => {
            if let Some(r) = state.runs.selected_item().cloned() {
                open_run(state, r, out);
            }
        }
        Level::Calls => toggle(state, out),
    }
}

fn right(state: &mut State, out: &mut Vec<Effect>) {
    if state.level != Level::Calls {
        return enter(state, out);
    }
    let Some(t) = state.calls.as_mut() else {
        return;
    };
    let Some(id) = t.selected_node() else { return };
    if t.node(id).expanded {
        step(state, 1);
    } else if t.node(id).kind.is_container() {
        toggle(state, out);
    } else {
        state.focus = Focus::Details;
    }
}

fn left(state: &mut State) {
    if state.level != Level::Calls || state.focus == Focus::Details {
        return back(state);
    }
    let Some(t) = state.calls.as_mut() else {
        return;
    };
    let Some(id) = t.selected_node() else {
        return back(state);
    };
    if t.node(id).expanded {
        t.collapse(id);
    } else if let Some(p) = t.node(id).parent {
        t.select_node(p);
    } else {
        back(state);
    }
}

/// Expands or collapses the selected call; a task moves focus to its details.
fn toggle(state: &mut State, out: &mut Vec<Effect>) {
    let Some(t) = state.calls.as_mut() else {
        return;
    };
    let Some(id) = t.selected_node() else { return };
    if !t.node(id).kind.is_container() {
        state.focus = Focus::Details;
        return;
    }
    if t.node(id).expanded {
        t.collapse(id);
        return;
    }
    if let Some(path) = t.expand(id) {
        let e = Effect::load_calls(t, path, Priority::Interactive);
        state.poller.admit(e, out);
    }
}

pub fn back(state: &mut State) {
    if state.focus == Focus::Details {
        state.focus = Focus::List;
        return;
    }
    state.details_scroll = 0;
    match state.level {
        Level::Projects => {}
        Level::Groups => {
            state.level = Level::Projects;
            state.project = None;
            state.group = None;
        }
        Level::Runs => {
            state.level = Level::Groups;
            state.group = None;
            state.marks.clear();
        }
        Level::Calls => {
            state.level = Level::Runs;
            state.calls = None;
            state.jump = None;
        }
    }
}

pub fn open_project(state: &mut State, p: ProjectRow, out: &mut Vec<Effect>) {
    let key = (p.region.clone(), p.id.clone());
    let scope = p.scope();
    state.project = Some(p);
    state.level = Level::Groups;
    state.focus = Focus::List;
    state.group = None;
    state.calls = None;
    state.groups.selected = 0;
    state.groups.offset = 0;
    // Another project's groups: the filters set for the last one would hide them unasked.
    state.groups.filter.clear();
    state.groups.status = StatusFilter::All;
    let cached = state.groups_cache.get(&key).cloned();
    let had = cached.is_some();
    state.groups.set_items(cached.unwrap_or_default());
    state.groups.loaded = had;
    state.groups.loading = true;
    let e = Effect::LoadGroups {
        scope,
        prio: Priority::Interactive,
    };
    state.poller.admit(e, out);
}

pub fn open_group(state: &mut State, g: RunGroup, out: &mut Vec<Effect>) {
    let Some(scope) = state.project_scope() else {
        return;
    };
    let id = g.id();
    state.group = Some(g);
    state.level = Level::Runs;
    state.focus = Focus::List;
    state.calls = None;
    state.marks.clear();
    state.runs.selected = 0;
    state.runs.offset = 0;
    state.runs.filter.clear();
    state.runs.status = StatusFilter::All;
    state.runs.set_items(Vec::new());
    state.runs.loaded = false;
    state.runs.loading = true;
    let e = Effect::LoadRuns {
        scope,
        query: RunsQuery::Group(id),
        prio: Priority::Interactive,
    };
    state.poller.admit(e, out);
}

pub fn open_run(state: &mut State, r: Run, out: &mut Vec<Effect>) {
    let Some(scope) = state.project_scope() else {
        return;
    };
    let nextflow = state.group.as_ref().is_some_and(is_nextflow);
    let mut t = CallTree::new(scope.clone(), r, nextflow);
    t.set_loading("/");
    let e = Effect::load_calls(&t, "/", Priority::Interactive);
    state.calls = Some(t);
    state.level = Level::Calls;
    state.focus = Focus::List;
    state.jump = None;
    state.poller.admit(e, out);
}

fn click(state: &mut State, col: u16, row: u16) {
    let a = layout::areas(state, layout::screen(state));
    let inside = |r: ratatui::layout::Rect| {
        col >= r.x && col < r.x + r.width && row >= r.y && row < r.y + r.height
    };
    if let Some(d) = a.details
        && inside(d)
    {
        state.focus = Focus::Details;
        return;
    }
    let Some(l) = a.list.filter(|l| inside(*l)) else {
        return;
    };
    state.focus = Focus::List;
    let first = l.y + 2;
    if row < first {
        return;
    }
    let target = offset(state) + usize::from(row - first);
    let current = selection_key(state).1;
    step(state, target as isize - current as isize);
}

fn offset(state: &State) -> usize {
    match state.level {
        Level::Projects => state.projects.offset,
        Level::Groups => state.groups.offset,
        Level::Runs => state.runs.offset,
        Level::Calls => state.calls.as_ref().map_or(0, |t| t.offset),
    }
}

/// Keeps every selection on screen after a change.
pub fn fix_offsets(state: &mut State) {
    let h = layout::list_rows(state);
    let fix = |o: &mut usize, s: usize| *o = scrolled(*o, s, h);
    fix(&mut state.projects.offset, state.projects.selected);
    fix(&mut state.groups.offset, state.groups.selected);
    fix(&mut state.runs.offset, state.runs.selected);
    if let Some(t) = state.calls.as_mut() {
        fix(&mut t.offset, t.selected);
    }
    let ph = layout::popup_rows(state);
    if let Some(Popup::Failures(f)) = state.popup.as_mut() {
        f.offset = scrolled(f.offset, f.selected, ph);
    }
}

pub fn help_key(state: &mut State, action: Action) {
    let Some(Popup::Help { scroll }) = state.popup.as_mut() else {
        return;
    };
    match action {
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::Down => *scroll += 1,
        Action::PageUp => *scroll = scroll.saturating_sub(10),
        Action::PageDown => *scroll += 10,
        Action::Top => *scroll = 0,
        Action::Scroll(n) => *scroll = (*scroll as isize + isize::from(n) * 3).max(0) as usize,
        Action::Help | Action::Cancel | Action::Back | Action::Confirm | Action::Enter => {
            state.popup = None;
        }
        _ => {}
    }
}
