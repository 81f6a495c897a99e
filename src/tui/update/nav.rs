//! Moving around: selection, drilling in and out, focus, the mouse, the help popup.

use crate::api::Priority;
use crate::api::types::{Run, RunGroup};

use super::super::action::Action;
use super::super::effect::{Effect, Request, RunsQuery};
use super::super::state::items::{ProjectRow, is_nextflow};
use super::super::state::list::{Item, moved, scrolled};
use super::super::state::popup::{Level as MsgLevel, Popup};
use super::super::state::tree::CallTree;
use super::super::state::{Focus, State};
use super::super::ui::layout;
use super::super::view::{CallsView, GroupsView, RunsView, View};

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
    let rows = state.view_mut().rows_mut();
    let before = rows.selected();
    rows.set_selected(moved(before, rows.len(), delta));
    if rows.selected() != before {
        state.details_scroll = 0;
    }
}

fn enter(state: &mut State, out: &mut Vec<Effect>) {
    if state.focus == Focus::Details {
        return;
    }
    match state.view() {
        View::Projects(l) => {
            if let Some(p) = l.selected_item().cloned() {
                open_project(state, p, out);
            }
        }
        View::Groups(v) => {
            if let Some(g) = v.list.selected_item().cloned() {
                open_group(state, g, out);
            }
        }
        View::Runs(v) => {
            if let Some(r) = v.list.selected_item().cloned() {
                open_run(state, r, out);
            }
        }
        View::Calls(_) => toggle(state, out),
        View::Environments(v) => {
            if let Some(e) = v.list.selected_item() {
                let (region, id, name) = (v.region.clone(), e.id(), e.name().to_string());
                super::platform::open_volumes(state, region, id, name, out);
            }
        }
        View::Table(v) => {
            let run = v.list.selected_item().and_then(|r| r.sample.run.clone());
            match run {
                Some(r) => open_run(state, r, out),
                None => state.flash(MsgLevel::Info, "no run was made of this row"),
            }
        }
        View::Volumes(_) => {}
    }
}

fn right(state: &mut State, out: &mut Vec<Effect>) {
    let Some(t) = state.tree_mut() else {
        return enter(state, out);
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
    if state.focus == Focus::Details {
        return back(state);
    }
    let Some(t) = state.tree_mut() else {
        return back(state);
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
    let Some(t) = state.tree_mut() else {
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

/// Back: from the details to the list, else to the view below (and a popup the view was
/// opened from).
pub fn back(state: &mut State) {
    if state.focus == Focus::Details {
        state.focus = Focus::List;
        return;
    }
    state.back();
}

pub fn open_project(state: &mut State, p: ProjectRow, out: &mut Vec<Effect>) {
    let key = (p.region.clone(), p.id.clone());
    let scope = p.scope();
    let cached = state.groups_cache.get(&key).cloned();
    state.pop_to_projects();
    state.push(View::Groups(GroupsView::new(p, cached)));
    let e = Effect::load(Request::Groups { scope }, Priority::Interactive);
    state.poller.admit(e, out);
}

pub fn open_group(state: &mut State, g: RunGroup, out: &mut Vec<Effect>) {
    let Some(project) = state.project().cloned() else {
        return;
    };
    let scope = project.scope();
    let id = g.id();
    // The groups view stays below; anything opened above it is closed.
    while !matches!(state.view(), View::Groups(_) | View::Projects(_)) {
        state.pop();
    }
    state.push(View::Runs(RunsView::new(project, g)));
    let e = Effect::load(
        Request::Runs {
            scope,
            query: RunsQuery::Group(id),
        },
        Priority::Interactive,
    );
    state.poller.admit(e, out);
}

pub fn open_run(state: &mut State, r: Run, out: &mut Vec<Effect>) {
    let (Some(project), Some(group)) = (state.project().cloned(), state.group().cloned()) else {
        return;
    };
    open_run_of(state, project, group, r, out);
}

/// Opens the call tree of `r`, a run of `group` (which need not be the group below).
pub fn open_run_of(
    state: &mut State,
    project: ProjectRow,
    group: RunGroup,
    r: Run,
    out: &mut Vec<Effect>,
) {
    let scope = project.scope();
    let nextflow = is_nextflow(&group);
    let mut tree = CallTree::new(scope, r, nextflow);
    tree.set_loading("/");
    let e = Effect::load_calls(&tree, "/", Priority::Interactive);
    // One tree at a time: a tree already open is replaced.
    if matches!(state.view(), View::Calls(_)) {
        state.pop();
    }
    state.push(View::Calls(CallsView {
        project,
        group,
        tree,
        jump: None,
    }));
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
    let rows = state.view().rows();
    let target = rows.offset() + usize::from(row - first);
    let current = rows.selected();
    step(state, target as isize - current as isize);
}

/// Keeps every selection on screen after a change.
pub fn fix_offsets(state: &mut State) {
    let h = layout::list_rows(state);
    for v in &mut state.views {
        let rows = v.rows_mut();
        let o = scrolled(rows.offset(), rows.selected(), h);
        rows.set_offset(o);
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
