//! Call trees (作业), built lazily per run from the run's seed and its schedule.
//!
//! Paths follow GetRunCalls: `/` lists the top-level calls, `/<RunId>` the children of a
//! Workflow or Scatter call, `/<A>/<B>` deeper. Workflow calls have UUID RunIds; scatter
//! and task RunIds are `<parent workflow RunId>-<Workflow>.<call>`, shards append
//! `-<Workflow>.<call>-<i>`, and a shard's ScatterIndex is written `-<i>`, as in the spec's
//! examples. Nextflow runs are flat: `/` lists every task. Calls that have not started are
//! not listed. A path that names no listed Workflow or Scatter call answers
//! `ResourceNotFound`.

use crate::api::types::{RunMetadata, Text};

use super::names::{self, Rng, hash2};
use super::templates::{Kind, Lang, Template};
use super::text;
use super::world::{Outcome, RunRec};

/// Call statuses: Cromwell's lifecycle in the service's upper-case spelling.
pub mod call_status {
    pub const QUEUED: &str = "QUEUED";
    pub const RUNNING: &str = "RUNNING";
    pub const COMPLETE: &str = "COMPLETE";
    pub const FAILED: &str = "FAILED";
    pub const TERMINATED: &str = "TERMINATED";
}

/// What a call tree is built from: a copy of the run taken out of the world's lock.
pub struct Ctx<'a> {
    pub run: &'a RunRec,
    pub template: &'a Template,
    pub big_shards: u32,
    pub now: i64,
    pub env_id: &'a str,
    /// The mount paths of the environment's volumes Nextflow work and WDL executions use.
    pub nf_volume: &'a str,
    pub wdl_volume: &'a str,
}

/// A call's place in time and its status at `now`.
#[derive(Debug, Clone)]
pub struct CallState {
    pub status: &'static str,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub cached: bool,
    /// The task whose failure failed the run.
    pub failed_here: bool,
}

/// One call: a template node, and for a shard its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRef {
    pub node: usize,
    pub shard: Option<u32>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum PathError {
    Invalid(String),
    NotFound(String),
}

impl Ctx<'_> {
    fn stop(&self) -> Option<(i64, bool)> {
        match (self.run.terminated, self.run.outcome) {
            (Some(t), _) => Some((t, false)),
            (None, Outcome::Success) => None,
            (None, _) => Some((self.run.natural_end(), true)),
        }
    }

    /// How many shards a scatter node has in this run.
    pub fn shards(&self, node: usize) -> u32 {
        match self.template.nodes[node].kind {
            Kind::Scatter { big: true, .. } if self.run.big_scatter => self.big_shards,
            Kind::Scatter { base, spread, .. } => {
                base + (hash2(self.run.seed, node as u64) % u64::from(spread.max(1))) as u32
            }
            _ => 0,
        }
    }

    fn interval(&self, c: CallRef) -> (f64, f64) {
        let n = &self.template.nodes[c.node];
        match c.shard {
            None => (n.a, n.b),
            Some(i) => {
                let h = hash2(hash2(self.run.seed, c.node as u64), u64::from(i));
                let u1 = (h >> 11) as f64 / (1u64 << 53) as f64;
                let u2 = (names::mix(h) >> 11) as f64 / (1u64 << 53) as f64;
                // Most shards start early; lengths vary from 5 % to 50 % of the scatter.
                let w = n.b - n.a;
                let s = n.a + w * 0.5 * u1 * u1;
                (s, (s + w * (0.05 + 0.45 * u2)).min(n.b))
            }
        }
    }

    /// The call's status at `now`, or `None` while it is not listed (not started).
    pub fn state(&self, c: CallRef) -> Option<CallState> {
        let (a, b) = self.interval(c);
        let (s, e) = (self.run.at(a), self.run.at(b));
        let stop = self.stop();
        let leaf = c.shard.is_some() || self.template.nodes[c.node].kind == Kind::Task;
        let cached = leaf && self.run.cache_prefix.is_some_and(|p| b <= p);
        let on_fail_path = c.shard.is_none()
            && self
                .run
                .fail_leaf
                .is_some_and(|f| self.template.is_ancestor(c.node, f));
        let not_started = s > self.now || stop.is_some_and(|(t, _)| s > t);
        if not_started {
            // Shards are listed with their scatter; the others appear once started.
            c.shard?;
            let aborted = stop.is_some_and(|(t, _)| self.now >= t);
            let status = if aborted {
                call_status::TERMINATED
            } else {
                call_status::QUEUED
            };
            let end = if aborted { stop.map(|(t, _)| t) } else { None };
            return Some(CallState {
                status,
                start: None,
                end,
                cached: false,
                failed_here: false,
            });
        }
        let mut st = CallState {
            status: call_status::RUNNING,
            start: Some(s),
            end: None,
            cached,
            failed_here: false,
        };
        match stop {
            Some((t, failed)) if e > t && self.now >= t => {
                st.end = Some(t);
                if failed && on_fail_path {
                    st.status = call_status::FAILED;
                    st.failed_here = self.run.fail_leaf == Some(c.node);
                } else {
                    st.status = call_status::TERMINATED;
                }
            }
            _ if e <= self.now => {
                st.status = call_status::COMPLETE;
                st.end = Some(e);
            }
            _ => {}
        }
        Some(st)
    }

    /// The RunId of a call whose parent workflow has RunId `parent`.
    pub fn run_id(&self, c: CallRef, parent: &str) -> String {
        let n = &self.template.nodes[c.node];
        if self.template.lang == Lang::Nextflow {
            return format!("{}-task-{}", self.run.uuid, c.node);
        }
        let wf = self.template.workflow_of(c.node);
        match (&n.kind, c.shard) {
            (Kind::Workflow, _) => names::uuid(hash2(self.run.seed, c.node as u64 + 1_000)),
            (_, Some(i)) => format!("{parent}-{wf}.{}-{i}", n.name),
            _ => format!("{parent}-{wf}.{}", n.name),
        }
    }

    pub fn job_id(&self, c: CallRef) -> String {
        let h = hash2(
            hash2(self.run.seed ^ 0x10B, c.node as u64),
            u64::from(c.shard.unwrap_or(u32::MAX)),
        );
        names::word_id("plan", &mut Rng::new(h))
    }

    pub fn call_name(&self, c: CallRef) -> String {
        let n = &self.template.nodes[c.node];
        if self.template.lang == Lang::Nextflow {
            return n.name.replace("{sample}", &self.run.sample);
        }
        let wf = self.template.workflow_of(c.node);
        match (&n.kind, c.shard) {
            (Kind::Workflow, _) => n.name.clone(),
            (_, Some(i)) => format!("{wf}.{}-{i}", n.name),
            _ => format!("{wf}.{}", n.name),
        }
    }

    /// Resolves a GetRunCalls path to a Workflow or Scatter node and its RunId.
    pub fn resolve(&self, path: &str) -> Result<(usize, String), PathError> {
        let path = path.trim();
        if !path.starts_with('/') {
            return Err(PathError::Invalid(format!(
                "Path must start with '/', got {path:?}"
            )));
        }
        let mut cur = 0;
        let mut cur_id = self.run.uuid.clone();
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            if self.template.nodes[cur].kind != Kind::Workflow {
                return Err(PathError::NotFound(format!(
                    "call {cur_id} has no sub-calls"
                )));
            }
            let found = self.template.nodes[cur].children.iter().find_map(|&ch| {
                let c = CallRef {
                    node: ch,
                    shard: None,
                };
                let kind = &self.template.nodes[ch].kind;
                (*kind != Kind::Task && self.state(c).is_some())
                    .then(|| self.run_id(c, &cur_id))
                    .filter(|id| id == seg)
                    .map(|id| (ch, id))
            });
            match found {
                Some((ch, id)) => (cur, cur_id) = (ch, id),
                None => return Err(PathError::NotFound(format!("no call {seg} in path {path}"))),
            }
        }
        Ok((cur, cur_id))
    }

    /// The listed children of a resolved node. For a scatter's shards `shards::write` gives
    /// the same answer much faster.
    pub fn children(&self, node: usize, node_id: &str) -> Vec<RunMetadata> {
        if let Kind::Scatter { .. } = self.template.nodes[node].kind {
            return (0..self.shards(node))
                .map(|i| CallRef {
                    node,
                    shard: Some(i),
                })
                .filter_map(|c| self.state(c).map(|st| self.metadata(c, node_id, &st)))
                .collect();
        }
        self.template.nodes[node]
            .children
            .iter()
            .map(|&ch| CallRef {
                node: ch,
                shard: None,
            })
            .filter_map(|c| self.state(c).map(|st| self.metadata(c, node_id, &st)))
            .collect()
    }

    /// The GetRunCalls path that lists the children of `node` (its own path).
    pub fn path_into(&self, node: usize) -> String {
        let mut chain = vec![node];
        let mut p = self.template.nodes[node].parent;
        while let Some(i) = p {
            chain.push(i);
            p = self.template.nodes[i].parent;
        }
        chain.reverse();
        let mut id = self.run.uuid.clone();
        let mut path = String::new();
        for &i in chain.iter().skip(1) {
            id = self.run_id(
                CallRef {
                    node: i,
                    shard: None,
                },
                &id,
            );
            path.push('/');
            path.push_str(&id);
        }
        if path.is_empty() { "/".into() } else { path }
    }

    /// The GetRunCalls path whose listing contains `node`.
    pub fn path_of(&self, node: usize) -> String {
        self.template.nodes[node]
            .parent
            .map_or_else(|| "/".into(), |p| self.path_into(p))
    }

    /// Every task and shard of the run, for finding a job by its JobId.
    pub fn find_job(&self, job_id: &str) -> Option<CallRef> {
        (0..self.template.nodes.len()).find_map(|i| match self.template.nodes[i].kind {
            Kind::Task => Some(CallRef {
                node: i,
                shard: None,
            })
            .filter(|c| self.job_id(*c) == job_id),
            Kind::Scatter { .. } => (0..self.shards(i))
                .map(|s| CallRef {
                    node: i,
                    shard: Some(s),
                })
                .find(|c| self.job_id(*c) == job_id),
            Kind::Workflow => None,
        })
    }

    /// Every listed task (not shards), in start order, for Nextflow's files.
    pub fn started_tasks(&self) -> Vec<(CallRef, CallState)> {
        let mut v: Vec<(CallRef, CallState)> = (1..self.template.nodes.len())
            .map(|i| CallRef {
                node: i,
                shard: None,
            })
            .filter(|c| self.template.nodes[c.node].kind == Kind::Task)
            .filter_map(|c| self.state(c).map(|s| (c, s)))
            .collect();
        v.sort_by_key(|(c, s)| (s.start, c.node));
        v
    }

    /// The full RunMetadata of a call listed under the call with RunId `parent`.
    pub fn metadata(&self, c: CallRef, parent: &str, st: &CallState) -> RunMetadata {
        let n = &self.template.nodes[c.node];
        let leaf = c.shard.is_some() || n.kind == Kind::Task;
        let run_id = self.run_id(c, parent);
        let parent_id = parent.to_string();
        let run_type = match (&n.kind, c.shard) {
            (Kind::Workflow, _) => "Workflow",
            (Kind::Scatter { .. }, None) => "Scatter",
            _ => "Task",
        };
        let call_name = self.call_name(c);
        let work_dir = text::work_dir(self, c);
        let ts = |t: Option<i64>| t.map(names::ts);
        RunMetadata {
            run_type: Some(Text::from(run_type)),
            run_id: Some(Text::from(run_id)),
            parent_id: Some(Text::from(parent_id)),
            job_id: Some(Text::from(if leaf {
                self.job_id(c)
            } else {
                String::new()
            })),
            call_name: Some(Text::from(call_name)),
            scatter_index: Some(Text::from(
                c.shard.map(|i| format!("-{i}")).unwrap_or_default(),
            )),
            input: Some(Text::from(if leaf {
                text::task_input(self, c)
            } else {
                "{}".into()
            })),
            output: Some(Text::from(if leaf && st.status == call_status::COMPLETE {
                text::task_output(self, c, &work_dir)
            } else {
                "{}".into()
            })),
            status: Some(Text::from(st.status)),
            error_message: Some(Text::from(if st.failed_here {
                text::task_error(self, c, &work_dir)
            } else {
                String::new()
            })),
            start_time: ts(st.start),
            submit_time: ts(st.start.map(|s| s - 1_000)),
            end_time: ts(st.end),
            command: Some(Text::from(if leaf {
                text::command(self, c)
            } else {
                String::new()
            })),
            runtime: Some(Text::from(if leaf {
                text::runtime(self, c)
            } else {
                "{}".into()
            })),
            preprocess: Some(false),
            post_process: Some(false),
            call_cached: Some(st.cached),
            stdout: Some(Text::from(if leaf {
                format!("{work_dir}/stdout")
            } else {
                String::new()
            })),
            stderr: Some(Text::from(if leaf {
                format!("{work_dir}/stderr")
            } else {
                String::new()
            })),
            work_dir: Some(Text::from(work_dir)),
            meta: Some(Text::from(if leaf {
                text::meta(self, c)
            } else {
                String::new()
            })),
        }
    }

    /// GetRunStatus: the run itself as a Workflow call.
    pub fn run_metadata(&self, status: &str) -> RunMetadata {
        let run = self.run;
        let ts = |t: Option<i64>| t.map(names::ts);
        let started = self.now >= run.start;
        let ended = matches!(
            status,
            "SUCCESS" | "EXECUTOR_ERROR" | "SYSTEM_ERROR" | "CANCELED"
        );
        RunMetadata {
            run_type: Some(Text::from("Workflow")),
            run_id: Some(Text::from(run.uuid.clone())),
            parent_id: Some(Text::from(run.uuid.clone())),
            job_id: Some(Text::from(String::new())),
            call_name: Some(Text::from(self.template.root.clone())),
            scatter_index: Some(Text::from(String::new())),
            input: Some(Text::from(text::run_input(self))),
            output: Some(Text::from(if status == "SUCCESS" {
                text::run_output(self)
            } else {
                "{}".into()
            })),
            status: Some(Text::from(status)),
            error_message: Some(Text::from(text::run_error(self, status))),
            start_time: ts(started.then_some(run.start)),
            submit_time: ts(Some(run.submitted)),
            end_time: ts(ended.then(|| run.end())),
            command: Some(Text::from(String::new())),
            runtime: Some(Text::from("{}")),
            preprocess: Some(false),
            post_process: Some(false),
            call_cached: Some(false),
            work_dir: Some(Text::from(text::run_dir(self))),
            stdout: Some(Text::from(String::new())),
            stderr: Some(Text::from(String::new())),
            meta: Some(Text::from(String::new())),
        }
    }
}
