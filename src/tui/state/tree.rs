//! The call tree of one run: calls load lazily, one GetRunCalls path at a time, and a
//! flattened index of the visible rows is kept up to date on expand and collapse, so drawing
//! a frame never walks the tree (a 10,000-shard scatter stays cheap).

use std::collections::HashMap;
use std::sync::Arc;

use crate::api::Scope;
use crate::api::text::Held;
use crate::api::types::{Run, RunMetadata, StatusClass, Timestamp};

use super::items::{Counts, span};
use super::list::{StatusFilter, matches};
pub use super::search::Search;

pub type NodeId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Workflow,
    Scatter,
    Task,
}

impl CallKind {
    pub fn of(run_type: &str) -> Self {
        match run_type.to_ascii_lowercase().as_str() {
            "workflow" | "subworkflow" => Self::Workflow,
            "scatter" => Self::Scatter,
            _ => Self::Task,
        }
    }

    pub fn is_container(self) -> bool {
        !matches!(self, Self::Task)
    }
}

/// The children of a container (or the run's top level).
#[derive(Debug, Clone, PartialEq)]
pub enum Children {
    NotLoaded,
    Loading,
    Loaded(Vec<NodeId>),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct CallNode {
    pub meta: RunMetadata,
    pub kind: CallKind,
    pub class: StatusClass,
    pub depth: u16,
    pub parent: Option<NodeId>,
    /// The GetRunCalls path this call was listed under ("/" at the top level), shared by
    /// its siblings.
    pub path: Arc<str>,
    pub children: Children,
    pub expanded: bool,
    /// Counts of the children's statuses, once loaded (a scatter's shard summary). Boxed:
    /// only containers have them, and inline they made each of a scatter's 20,000 task
    /// nodes 48 bytes larger.
    pub counts: Option<Box<Counts>>,
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl CallNode {
    fn new(meta: RunMetadata, depth: u16, parent: Option<NodeId>, path: Arc<str>) -> Self {
        let kind = CallKind::of(meta.run_type.as_deref().unwrap_or(""));
        let mut n = Self {
            meta: RunMetadata::default(),
            kind,
            class: StatusClass::Unknown,
            depth,
            parent,
            path,
            children: Children::NotLoaded,
            expanded: false,
            counts: None,
            start: None,
            end: None,
        };
        n.set_meta(meta);
        n
    }

    fn set_meta(&mut self, meta: RunMetadata) {
        let unix = |t: &Option<Timestamp>| t.as_ref().and_then(Timestamp::unix);
        self.class = StatusClass::of(meta.status.as_deref().unwrap_or(""));
        self.start = unix(&meta.start_time).or_else(|| unix(&meta.submit_time));
        self.end = unix(&meta.end_time);
        self.meta = meta;
    }

    pub fn run_id(&self) -> &str {
        self.meta.run_id.as_deref().unwrap_or("")
    }

    /// The path that lists this call's children.
    pub fn child_path(&self) -> String {
        if &*self.path == "/" || self.path.is_empty() {
            format!("/{}", self.run_id())
        } else {
            format!("{}/{}", self.path, self.run_id())
        }
    }

    /// Whether the search for failures stops here: a failed task, or a failed container
    /// whose loaded children hold no failure (the error is its own).
    pub(super) fn is_failure_leaf(&self, nodes: &[CallNode]) -> bool {
        if self.class != StatusClass::Failed {
            return false;
        }
        match (&self.children, self.kind.is_container()) {
            (_, false) | (Children::Failed(_), _) => true,
            (Children::Loaded(c), true) => {
                !c.iter().any(|&i| nodes[i].class == StatusClass::Failed)
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CallTree {
    pub scope: Scope,
    pub run: Run,
    pub nextflow: bool,
    pub nodes: Vec<CallNode>,
    pub roots: Children,
    /// The visible rows, in order (expanded containers followed by their children).
    pub visible: Vec<NodeId>,
    /// The rows shown when a filter is active (a subset of `visible`).
    pub shown: Option<Vec<NodeId>>,
    pub selected: usize,
    pub offset: usize,
    pub filter: String,
    pub status: StatusFilter,
    /// The run as GetRunStatus last described it.
    pub run_status: Option<RunMetadata>,
    by_path: HashMap<String, NodeId>,
}

impl CallTree {
    pub fn new(scope: Scope, run: Run, nextflow: bool) -> Self {
        Self {
            scope,
            run,
            nextflow,
            nodes: Vec::new(),
            roots: Children::NotLoaded,
            visible: Vec::new(),
            shown: None,
            selected: 0,
            offset: 0,
            filter: String::new(),
            status: StatusFilter::All,
            run_status: None,
            by_path: HashMap::new(),
        }
    }

    pub fn run_uuid(&self) -> &str {
        self.run.run_uuid.as_deref().unwrap_or("")
    }

    /// The run's status: the latest poll, else the run list's.
    pub fn status(&self) -> &str {
        self.run_status
            .as_ref()
            .and_then(|m| m.status.as_deref())
            .or(self.run.status.as_deref())
            .unwrap_or("")
    }

    pub fn is_live(&self) -> bool {
        StatusClass::of(self.status()).is_live()
    }

    /// The run's start and end (Unix seconds), for the timeline.
    pub fn span(&self) -> (Option<i64>, Option<i64>) {
        let (s, e) = span(&self.run.execution_time);
        let polled = self.run_status.as_ref().map(|m| {
            let u = |t: &Option<Timestamp>| t.as_ref().and_then(Timestamp::unix);
            (u(&m.start_time), u(&m.end_time))
        });
        match polled {
            Some((ps, pe)) => (ps.or(s), pe.or(e)),
            None => (s, e),
        }
    }

    pub fn rows(&self) -> &[NodeId] {
        self.shown.as_deref().unwrap_or(&self.visible)
    }

    pub fn selected_node(&self) -> Option<NodeId> {
        self.rows().get(self.selected).copied()
    }

    pub fn node(&self, id: NodeId) -> &CallNode {
        &self.nodes[id]
    }

    fn children_mut(&mut self, path: &str) -> Option<&mut Children> {
        if path == "/" {
            return Some(&mut self.roots);
        }
        let id = *self.by_path.get(path)?;
        Some(&mut self.nodes[id].children)
    }

    /// The container whose children `path` lists, once the level holding it is loaded.
    pub fn container_at(&self, path: &str) -> Option<NodeId> {
        self.by_path.get(path).copied()
    }

    pub fn children_of(&self, path: &str) -> Option<&Children> {
        if path == "/" {
            return Some(&self.roots);
        }
        self.by_path.get(path).map(|&id| &self.nodes[id].children)
    }

    /// The strings of the calls loaded at `path`, for the refresh of that path to share.
    pub fn held_at(&self, path: &str) -> Held {
        match self.children_of(path) {
            Some(Children::Loaded(ids)) => Held::of_calls(ids.iter().map(|&i| &self.nodes[i].meta)),
            _ => Held::default(),
        }
    }

    /// Marks a path as loading (unless it is already loaded: a refresh keeps the rows).
    pub fn set_loading(&mut self, path: &str) {
        if let Some(c) = self.children_mut(path)
            && !matches!(c, Children::Loaded(_))
        {
            *c = Children::Loading;
        }
    }

    pub fn set_failed(&mut self, path: &str, message: String) {
        if let Some(c) = self.children_mut(path)
            && !matches!(c, Children::Loaded(_))
        {
            *c = Children::Failed(message);
        }
    }

    /// Puts the calls listed under `path` into the tree (merging by RunId on a refresh).
    /// Returns false when the path is not part of this tree (a stale answer).
    pub fn apply(&mut self, path: &str, calls: Vec<RunMetadata>) -> bool {
        let owner = if path == "/" {
            None
        } else {
            match self.by_path.get(path) {
                Some(&id) => Some(id),
                None => return false,
            }
        };
        let depth = owner.map_or(0, |o| self.nodes[o].depth + 1);
        let existing: HashMap<String, NodeId> = match self.children_of(path) {
            Some(Children::Loaded(ids)) => ids
                .iter()
                .map(|&i| (self.nodes[i].run_id().to_string(), i))
                .collect(),
            _ => HashMap::new(),
        };
        let mut ids = Vec::with_capacity(calls.len());
        // Room for the new calls at once: grown by doubling, 20,000 would take 32,768.
        let new = |m: &RunMetadata| {
            m.run_id
                .as_deref()
                .is_none_or(|k| !existing.contains_key(k))
        };
        self.nodes
            .reserve_exact(calls.iter().filter(|m| new(m)).count());
        let shared_path: Arc<str> = Arc::from(path);
        for meta in calls {
            let key = meta.run_id.clone().unwrap_or_default();
            match existing.get(key.as_str()) {
                Some(&i) if !key.is_empty() => {
                    self.nodes[i].set_meta(meta);
                    ids.push(i);
                }
                _ => {
                    let id = self.nodes.len();
                    let node = CallNode::new(meta, depth, owner, shared_path.clone());
                    if node.kind.is_container() && !node.run_id().is_empty() {
                        self.by_path.insert(node.child_path(), id);
                    }
                    self.nodes.push(node);
                    ids.push(id);
                }
            }
        }
        if let Some(o) = owner {
            let mut c = Counts::default();
            for &i in &ids {
                c.add(self.nodes[i].class, 1);
            }
            self.nodes[o].counts = Some(Box::new(c));
        }
        let same = matches!(self.children_of(path), Some(Children::Loaded(old)) if *old == ids);
        if let Some(c) = self.children_mut(path) {
            *c = Children::Loaded(ids);
        }
        let shows = owner.is_none_or(|o| self.is_open(o));
        if shows && !same {
            self.rebuild_visible();
        } else if self.shown.is_some() {
            self.refilter();
        }
        true
    }

    /// Whether a node's children are on screen: it and all its ancestors are expanded.
    fn is_open(&self, id: NodeId) -> bool {
        let mut cur = Some(id);
        while let Some(i) = cur {
            if !self.nodes[i].expanded {
                return false;
            }
            cur = self.nodes[i].parent;
        }
        true
    }

    /// Appends the visible rows below `id` (its expanded, loaded descendants).
    fn push_open_descendants(&self, id: NodeId, out: &mut Vec<NodeId>) {
        let n = &self.nodes[id];
        if let (true, Children::Loaded(c)) = (n.expanded, &n.children) {
            for &ch in c {
                out.push(ch);
                self.push_open_descendants(ch, out);
            }
        }
    }

    /// Rebuilds the visible index from scratch, keeping the selected node selected.
    pub fn rebuild_visible(&mut self) {
        let keep = self.selected_node();
        let mut v = Vec::with_capacity(self.visible.len());
        if let Children::Loaded(roots) = &self.roots {
            for &r in roots {
                v.push(r);
                self.push_open_descendants(r, &mut v);
            }
        }
        self.visible = v;
        self.refilter();
        if let Some(k) = keep {
            self.select_node(k);
        }
        self.clamp();
    }

    /// Expands a container. Returns the path to load when its children are not loaded yet.
    pub fn expand(&mut self, id: NodeId) -> Option<String> {
        let n = &mut self.nodes[id];
        if !n.kind.is_container() || n.expanded {
            return None;
        }
        n.expanded = true;
        match &n.children {
            Children::Loaded(_) => {
                if let Some(pos) = self.visible.iter().position(|&v| v == id) {
                    let mut below = Vec::new();
                    self.push_open_descendants(id, &mut below);
                    self.visible.splice(pos + 1..pos + 1, below);
                    self.refilter();
                }
                None
            }
            Children::Loading => None,
            Children::NotLoaded | Children::Failed(_) => {
                let path = n.child_path();
                n.children = Children::Loading;
                Some(path)
            }
        }
    }

    /// Collapses a container, removing its descendants from the visible rows.
    pub fn collapse(&mut self, id: NodeId) {
        if !self.nodes[id].expanded {
            return;
        }
        self.nodes[id].expanded = false;
        if let Some(pos) = self.visible.iter().position(|&v| v == id) {
            let depth = self.nodes[id].depth;
            let end = self.visible[pos + 1..]
                .iter()
                .position(|&v| self.nodes[v].depth <= depth)
                .map_or(self.visible.len(), |k| pos + 1 + k);
            self.visible.drain(pos + 1..end);
            self.refilter();
            self.select_node(id);
        }
        self.clamp();
    }

    pub fn select_node(&mut self, id: NodeId) -> bool {
        match self.rows().iter().position(|&r| r == id) {
            Some(p) => {
                self.selected = p;
                true
            }
            None => false,
        }
    }

    /// Expands every ancestor of `id` (all loaded, since `id` exists) and selects it.
    pub fn reveal(&mut self, id: NodeId) {
        let mut cur = self.nodes[id].parent;
        while let Some(p) = cur {
            self.nodes[p].expanded = true;
            cur = self.nodes[p].parent;
        }
        self.rebuild_visible();
        if !self.select_node(id) && self.shown.is_some() {
            // The filter hides it: clear the filter so the jump lands.
            self.filter.clear();
            self.status = StatusFilter::All;
            self.shown = None;
            self.select_node(id);
        }
    }

    pub fn set_filter(&mut self, text: &str, status: StatusFilter) {
        let keep = self.selected_node();
        self.filter = text.to_string();
        self.status = status;
        self.refilter();
        if let Some(k) = keep {
            self.select_node(k);
        }
        self.clamp();
    }

    fn refilter(&mut self) {
        if self.filter.is_empty() && self.status == StatusFilter::All {
            self.shown = None;
            return;
        }
        let shown = self
            .visible
            .iter()
            .copied()
            .filter(|&i| {
                let n = &self.nodes[i];
                self.status.admits(n.class)
                    && matches(n.meta.call_name.as_deref().unwrap_or(""), &self.filter)
            })
            .collect();
        self.shown = Some(shown);
    }

    fn clamp(&mut self) {
        self.selected = self.selected.min(self.rows().len().saturating_sub(1));
    }

    /// Starts loading a node's children without expanding it; returns the path.
    pub fn start_load(&mut self, id: NodeId) -> Option<String> {
        let n = &mut self.nodes[id];
        match n.children {
            Children::NotLoaded | Children::Failed(_) if n.kind.is_container() => {
                n.children = Children::Loading;
                Some(n.child_path())
            }
            _ => None,
        }
    }

    /// The names from the top down to a node, for breadcrumbs and the failures view.
    pub fn trail(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = vec![id];
        let mut cur = self.nodes[id].parent;
        while let Some(p) = cur {
            out.push(p);
            cur = self.nodes[p].parent;
        }
        out.reverse();
        out
    }

    /// Paths that failed to load where their calls would show: the top level, or an
    /// expanded container (asked again, live run or not).
    pub fn failed_paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        if matches!(self.roots, Children::Failed(_)) {
            out.push("/".to_string());
        }
        for &id in &self.visible {
            let n = &self.nodes[id];
            if n.expanded && matches!(n.children, Children::Failed(_)) {
                out.push(n.child_path());
            }
        }
        out
    }

    /// Containers whose children are shown and may still change (for polling).
    pub fn live_open_paths(&self) -> Vec<String> {
        let mut out = vec!["/".to_string()];
        for &id in &self.visible {
            let n = &self.nodes[id];
            if n.expanded && n.class.is_live() && matches!(n.children, Children::Loaded(_)) {
                out.push(n.child_path());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str, run_type: &str) -> RunMetadata {
        RunMetadata {
            run_id: Some(id.into()),
            run_type: Some(run_type.into()),
            status: Some("RUNNING".into()),
            ..RunMetadata::default()
        }
    }

    #[test]
    fn a_refresh_is_handed_the_strings_of_the_path_it_replaces() {
        let mut t = CallTree::new(Scope::new("ap-guangzhou", None), Run::default(), false);
        assert!(t.held_at("/").is_empty(), "nothing loaded yet");
        t.apply("/", vec![call("a", "Task"), call("s", "Scatter")]);
        assert!(
            t.held_at("/s").is_empty(),
            "the scatter's shards are not loaded"
        );
        t.apply("/s", vec![call("s-0", "Task")]);
        // Its id, type and status: the strings of that path only.
        assert_eq!(t.held_at("/s").len(), 3);
        assert_eq!(t.held_at("/").len(), 6);
    }
}
