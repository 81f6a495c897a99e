//! The dashboard's places, as a stack. The bottom is always the projects; opening something
//! pushes a view that owns its context (which project, which group, which run) and its
//! list, and going back pops it. So a runs view without its group cannot exist, and a new
//! pane is one new view here and its drawing, not edits to every `match` on a place.
//!
//! Every view's list answers the same questions through [`Rows`] (selection, paging,
//! filter, status filter, sort, the next failure), so moving, filtering and sorting are
//! written once for all of them.

pub mod calls;
pub mod environments;
pub mod groups;
pub mod projects;
pub mod runs;
pub mod table;
pub mod volumes;

use crate::api::actions::body;
use crate::api::types::{Filter, Run, RunGroup};
use crate::api::{Call, Priority, Scope};

use super::action::Action;
use super::effect::{Effect, Request, RunsQuery};
use super::state::State;
use super::state::items::ProjectRow;
use super::state::list::{Item, ListView};
use super::state::tree::CallTree;

pub use calls::CallsView;
pub use environments::EnvironmentsView;
pub use groups::GroupsView;
pub use runs::RunsView;
pub use table::TableView;
pub use volumes::VolumesView;

/// What kind of place a view is: for the keys it offers and the hints it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewKind {
    Projects,
    Groups,
    Runs,
    Calls,
    Environments,
    Volumes,
    Table,
}

impl ViewKind {
    /// The name the breadcrumbs, help and hints use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Projects => "projects",
            Self::Groups => "run groups",
            Self::Runs => "runs",
            Self::Calls => "calls",
            Self::Environments => "environments",
            Self::Volumes => "volumes",
            Self::Table => "sample sheet",
        }
    }
}

/// One place of the stack.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // a handful live at once
pub enum View {
    Projects(ListView<ProjectRow>),
    Groups(GroupsView),
    Runs(RunsView),
    Calls(CallsView),
    Environments(EnvironmentsView),
    Volumes(VolumesView),
    Table(TableView),
}

impl View {
    pub fn kind(&self) -> ViewKind {
        match self {
            Self::Projects(_) => ViewKind::Projects,
            Self::Groups(_) => ViewKind::Groups,
            Self::Runs(_) => ViewKind::Runs,
            Self::Calls(_) => ViewKind::Calls,
            Self::Environments(_) => ViewKind::Environments,
            Self::Volumes(_) => ViewKind::Volumes,
            Self::Table(_) => ViewKind::Table,
        }
    }

    /// The project this view is about, if it is about one.
    pub fn project(&self) -> Option<&ProjectRow> {
        match self {
            Self::Projects(_) | Self::Environments(_) | Self::Volumes(_) => None,
            Self::Groups(v) => Some(&v.project),
            Self::Runs(v) => Some(&v.project),
            Self::Calls(v) => Some(&v.project),
            Self::Table(v) => Some(&v.project),
        }
    }

    /// The project of the view's context, to replace (a stand-in learned).
    pub fn project_mut(&mut self) -> Option<&mut ProjectRow> {
        match self {
            Self::Projects(_) | Self::Environments(_) | Self::Volumes(_) => None,
            Self::Groups(v) => Some(&mut v.project),
            Self::Runs(v) => Some(&mut v.project),
            Self::Calls(v) => Some(&mut v.project),
            Self::Table(v) => Some(&mut v.project),
        }
    }

    /// The run group this view is about, if it is about one.
    pub fn group(&self) -> Option<&RunGroup> {
        match self {
            Self::Runs(v) => Some(&v.group),
            Self::Calls(v) => Some(&v.group),
            Self::Table(v) => Some(&v.group),
            _ => None,
        }
    }

    /// The run group of the view's context, to refresh from a newer listing.
    pub fn group_mut(&mut self) -> Option<&mut RunGroup> {
        match self {
            Self::Runs(v) => Some(&mut v.group),
            Self::Calls(v) => Some(&mut v.group),
            Self::Table(v) => Some(&mut v.group),
            _ => None,
        }
    }

    /// The scope of the view's project.
    pub fn scope(&self) -> Option<Scope> {
        self.project().map(ProjectRow::scope)
    }

    /// The region the view is in, where it is in one.
    pub fn region(&self) -> Option<&str> {
        match self {
            Self::Environments(v) => Some(&v.region),
            Self::Volumes(v) => Some(&v.region),
            other => other.project().map(|p| p.region.as_str()),
        }
    }

    /// The reads that keep the view fresh while it is on top, most important first (the
    /// poller sends those due). `rows`: how many rows the screen shows.
    pub fn wants(&self, state: &State, rows: usize) -> Vec<Effect> {
        match self {
            Self::Projects(l) => projects::wants(l, state, rows),
            Self::Groups(v) => v.wants(rows),
            Self::Runs(v) => v.wants(rows),
            Self::Calls(v) => v.wants(),
            Self::Environments(v) => v.wants(state),
            Self::Volumes(v) => v.wants(),
            Self::Table(v) => v.wants(),
        }
    }

    /// What `R` asks for besides the polls (polling skips what cannot change; asking
    /// does not).
    pub fn refreshes(&self, state: &State) -> Vec<Request> {
        match self {
            Self::Projects(_) => projects::refreshes(state),
            Self::Groups(v) => v.refreshes(),
            Self::Runs(v) => v.refreshes(),
            Self::Calls(v) => v.refreshes(),
            Self::Table(v) => v.refreshes(),
            Self::Environments(_) | Self::Volumes(_) => Vec::new(),
        }
    }

    /// The request behind the view's list (its age is the data's age).
    pub fn request(&self, state: &State) -> Option<Request> {
        match self {
            Self::Projects(_) => projects::request(state),
            Self::Groups(v) => Some(v.request()),
            Self::Runs(v) => Some(v.request()),
            Self::Calls(v) => Some(v.request()),
            Self::Environments(v) => Some(v.request()),
            Self::Volumes(v) => Some(v.request()),
            Self::Table(v) => Some(v.request()),
        }
    }

    /// The keys the hint line offers on this view.
    pub fn hints(&self) -> &'static [Action] {
        match self {
            Self::Projects(_) | Self::Groups(_) => groups::HINTS,
            Self::Runs(_) => runs::HINTS,
            Self::Calls(_) => calls::HINTS,
            Self::Environments(_) => environments::HINTS,
            Self::Volumes(_) => volumes::HINTS,
            Self::Table(_) => table::HINTS,
        }
    }

    /// The read that returns the selected row, as `Y` copies it for tccli.
    pub fn tccli(&self) -> Option<Call> {
        match self {
            Self::Projects(l) => projects::tccli(l),
            Self::Groups(v) => v.tccli(),
            Self::Runs(v) => v.tccli(),
            Self::Calls(v) => v.tccli(),
            Self::Environments(v) => v.tccli(),
            Self::Volumes(v) => v.tccli(),
            Self::Table(v) => v.tccli(),
        }
    }

    /// The view's list, as every list behaves.
    pub fn rows(&self) -> &dyn Rows {
        match self {
            Self::Projects(l) => l,
            Self::Groups(v) => &v.list,
            Self::Runs(v) => &v.list,
            Self::Calls(v) => &v.tree,
            Self::Environments(v) => &v.list,
            Self::Volumes(v) => &v.list,
            Self::Table(v) => &v.list,
        }
    }

    pub fn rows_mut(&mut self) -> &mut dyn Rows {
        match self {
            Self::Projects(l) => l,
            Self::Groups(v) => &mut v.list,
            Self::Runs(v) => &mut v.list,
            Self::Calls(v) => &mut v.tree,
            Self::Environments(v) => &mut v.list,
            Self::Volumes(v) => &mut v.list,
            Self::Table(v) => &mut v.list,
        }
    }
}

/// What every list of the dashboard does, whatever its rows are.
pub trait Rows {
    /// Rows shown (after filters).
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The selected row (an index into the shown rows).
    fn selected(&self) -> usize;
    fn set_selected(&mut self, at: usize);
    /// The first row on screen.
    fn offset(&self) -> usize;
    fn set_offset(&mut self, at: usize);
    /// The id of the selected row (what `c` copies).
    fn selected_id(&self) -> Option<String>;
    /// The text filter.
    fn filter(&self) -> String;
    fn set_filter(&mut self, text: &str);
    fn cycle_status(&mut self);
    /// Cycles the sort column (or reverses the order); `false` where the order is fixed.
    fn sort(&mut self, reverse: bool) -> bool;
    /// The next (or previous) failed row, wrapping around.
    fn next_failed(&self, forward: bool) -> Option<usize>;
    /// Sorts by the column of this name (without regard to case), descending or not; when
    /// there is no such column, the names there are.
    fn sort_by(&mut self, name: &str, desc: bool) -> Result<(), Vec<String>>;
}

impl<T: Item> Rows for ListView<T> {
    fn len(&self) -> usize {
        self.shown.len()
    }
    fn selected(&self) -> usize {
        self.selected
    }
    fn set_selected(&mut self, at: usize) {
        self.selected = at;
    }
    fn offset(&self) -> usize {
        self.offset
    }
    fn set_offset(&mut self, at: usize) {
        self.offset = at;
    }
    fn selected_id(&self) -> Option<String> {
        ListView::selected_id(self)
    }
    fn filter(&self) -> String {
        self.filter.clone()
    }
    fn set_filter(&mut self, text: &str) {
        ListView::set_filter(self, text);
    }
    fn cycle_status(&mut self) {
        ListView::cycle_status(self);
    }
    fn sort(&mut self, reverse: bool) -> bool {
        if reverse {
            self.reverse_sort();
        } else {
            self.cycle_sort();
        }
        true
    }
    fn next_failed(&self, forward: bool) -> Option<usize> {
        ListView::next_failed(self, forward)
    }
    fn sort_by(&mut self, name: &str, desc: bool) -> Result<(), Vec<String>> {
        let names = self.sort_names();
        let i = names
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name.trim()))
            .ok_or(names)?;
        self.sort = i;
        self.reverse = desc;
        let keep = ListView::selected_id(self);
        self.refresh(keep.as_deref());
        Ok(())
    }
}

impl Rows for CallTree {
    fn len(&self) -> usize {
        self.rows().len()
    }
    fn selected(&self) -> usize {
        self.selected
    }
    fn set_selected(&mut self, at: usize) {
        self.selected = at;
    }
    fn offset(&self) -> usize {
        self.offset
    }
    fn set_offset(&mut self, at: usize) {
        self.offset = at;
    }
    fn selected_id(&self) -> Option<String> {
        let m = &self.node(self.selected_node()?).meta;
        m.job_id
            .clone()
            .filter(|j| !j.is_empty())
            .or_else(|| m.run_id.clone())
            .map(String::from)
    }
    fn filter(&self) -> String {
        self.filter.clone()
    }
    fn set_filter(&mut self, text: &str) {
        let s = self.status;
        CallTree::set_filter(self, text, s);
    }
    fn cycle_status(&mut self) {
        let (f, s) = (self.filter.clone(), self.status.next());
        CallTree::set_filter(self, &f, s);
    }
    fn sort(&mut self, _reverse: bool) -> bool {
        false
    }
    fn next_failed(&self, _forward: bool) -> Option<usize> {
        // Calls search the tree, loading collapsed calls on the way (`update::triage`).
        None
    }
    fn sort_by(&mut self, _name: &str, _desc: bool) -> Result<(), Vec<String>> {
        Err(Vec::new())
    }
}

/// A runs list and its group, found under the view on top.
pub fn runs_of<'a>(views: &'a [View], group_id: &str) -> Option<&'a ListView<Run>> {
    views.iter().rev().find_map(|v| match v {
        View::Runs(r) if r.group.id() == group_id => Some(&r.list),
        _ => None,
    })
}

/// A paged Describe* read narrowed by one filter: what `Y` copies for a listed item.
pub fn listing(action: &'static str, scope: Scope, filter: Filter) -> Call {
    let b = body::page(&scope, &[filter], 0);
    Call::new(action, scope.region, b)
}

/// DescribeRunGroups of a project, in the background.
pub fn groups_of(scope: Scope) -> Effect {
    Effect::load(Request::Groups { scope }, Priority::Background)
}

/// DescribeRuns of one group.
pub fn runs_request(scope: Scope, group_id: String) -> Request {
    Request::Runs {
        scope,
        query: RunsQuery::Group(group_id),
    }
}
