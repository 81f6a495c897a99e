//! Searching a call tree for failures across collapsed levels: what is known is walked in
//! depth-first order, and a failed container not loaded yet is reported so it can be loaded
//! before the search goes on.

use crate::api::types::StatusClass;

use super::tree::{CallTree, Children, NodeId};

/// What a search for the next failure found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    Found(NodeId),
    /// A failed container must be loaded first; the search continues when it arrives.
    Load(NodeId),
    /// A needed load is already under way.
    Wait,
    NotFound,
}

impl CallTree {
    /// Looks for the call `job_id` that the GetRunCalls path `path` lists ("/A/B": inside
    /// call B inside call A), loading the levels on the way as they are needed: the call
    /// the deep pass of triage found failing.
    pub fn find_job(&self, path: &str, job_id: &str) -> Search {
        // The levels from the top: "/", "/A", "/A/B".
        let mut levels = vec!["/".to_string()];
        let mut at = String::new();
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            at.push('/');
            at.push_str(seg);
            levels.push(at.clone());
        }
        for (i, level) in levels.iter().enumerate() {
            if i > 0 {
                // The container listing this level: known once the level above loaded.
                let Some(id) = self.container_at(level) else {
                    return Search::NotFound;
                };
                match self.nodes[id].children {
                    Children::NotLoaded | Children::Failed(_) => return Search::Load(id),
                    Children::Loading => return Search::Wait,
                    Children::Loaded(_) => {}
                }
            }
            match self.children_of(level) {
                Some(Children::Loaded(_)) => {}
                Some(Children::Loading | Children::NotLoaded) => return Search::Wait,
                _ => return Search::NotFound,
            }
        }
        let Some(Children::Loaded(ids)) = self.children_of(path_or_top(path)) else {
            return Search::NotFound;
        };
        ids.iter()
            .copied()
            .find(|&i| self.nodes[i].meta.job_id.as_deref() == Some(job_id))
            .map_or(Search::NotFound, Search::Found)
    }

    /// Every known call in depth-first order (collapsed ones included).
    pub fn preorder(&self) -> Vec<NodeId> {
        fn walk(t: &CallTree, c: &Children, out: &mut Vec<NodeId>) {
            if let Children::Loaded(ids) = c {
                for &i in ids {
                    out.push(i);
                    walk(t, &t.nodes[i].children, out);
                }
            }
        }
        let mut out = Vec::with_capacity(self.nodes.len());
        walk(self, &self.roots, &mut out);
        out
    }

    /// Looks for the next failure after `from` (wrapping), across collapsed levels.
    pub fn find_failure(&self, from: Option<NodeId>, forward: bool) -> Search {
        let order = self.preorder();
        let n = order.len();
        if n == 0 {
            return Search::NotFound;
        }
        let start = from.and_then(|f| order.iter().position(|&o| o == f));
        for k in 1..=n {
            let p = match (start, forward) {
                (Some(s), true) => (s + k) % n,
                (Some(s), false) => (s + n * 2 - k) % n,
                (None, true) => k - 1,
                (None, false) => n - k,
            };
            let node = &self.nodes[order[p]];
            if node.is_failure_leaf(&self.nodes) {
                return Search::Found(order[p]);
            }
            if node.class == StatusClass::Failed && node.kind.is_container() {
                match node.children {
                    Children::NotLoaded => return Search::Load(order[p]),
                    Children::Loading => return Search::Wait,
                    _ => {}
                }
            }
        }
        Search::NotFound
    }

    /// Every failure of the run that is known, the failed containers still to load, and
    /// how many loads are under way.
    pub fn failures(&self) -> (Vec<NodeId>, Vec<NodeId>, usize) {
        let (mut found, mut to_load, mut loading) = (Vec::new(), Vec::new(), 0);
        for id in self.preorder() {
            let node = &self.nodes[id];
            if node.is_failure_leaf(&self.nodes) {
                found.push(id);
            } else if node.class == StatusClass::Failed && node.kind.is_container() {
                match node.children {
                    Children::NotLoaded => to_load.push(id),
                    Children::Loading => loading += 1,
                    _ => {}
                }
            }
        }
        (found, to_load, loading)
    }
}

/// "/" for the top level however it is written ("" or "/").
fn path_or_top(path: &str) -> &str {
    if path.trim_matches('/').is_empty() {
        "/"
    } else {
        path
    }
}
