//! What `update` asks the app to do: API calls, the clipboard, quitting. Effects are plain
//! data, so tests can check exactly which requests a key press causes.

use crate::api::types::Filter;
use crate::api::{Priority, RetryRequest, Scope};

use super::state::tree::CallTree;

/// Which runs a DescribeRuns call asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RunsQuery {
    /// Every run of a group.
    Group(String),
    /// One run, by uuid (the `:run` command).
    Uuid(String),
}

impl Effect {
    /// GetRunCalls at `path` of the call tree's run.
    pub fn load_calls(t: &CallTree, path: impl Into<String>, prio: Priority) -> Self {
        Self::LoadCalls {
            scope: t.scope.clone(),
            run_uuid: t.run_uuid().to_string(),
            path: path.into(),
            prio,
        }
    }
}

impl RunsQuery {
    pub fn filter(&self) -> Filter {
        match self {
            Self::Group(id) => Filter::new("RunGroupId", [id.as_str()]),
            Self::Uuid(id) => Filter::new("RunUuid", [id.as_str()]),
        }
    }
}

/// A log the pager shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LogSource {
    /// A metadata file of a Nextflow run (`nextflow.log`, `execution_trace.txt`).
    File(String),
    /// A task's stdout or stderr.
    Job {
        job_id: String,
        path: String,
        stderr: bool,
    },
}

impl LogSource {
    pub fn label(&self) -> String {
        match self {
            Self::File(k) => k.clone(),
            Self::Job { stderr: true, .. } => "stderr".into(),
            Self::Job { stderr: false, .. } => "stdout".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// DescribeProjects in a region.
    LoadProjects { region: String, prio: Priority },
    /// DescribeRunGroups of a project.
    LoadGroups { scope: Scope, prio: Priority },
    /// DescribeRuns.
    LoadRuns {
        scope: Scope,
        query: RunsQuery,
        prio: Priority,
    },
    /// GetRunCalls at a path.
    LoadCalls {
        scope: Scope,
        run_uuid: String,
        path: String,
        prio: Priority,
    },
    /// GetRunStatus (always background: it is polling).
    PollStatus { scope: Scope, run_uuid: String },
    /// A log for the pager.
    FetchLog {
        scope: Scope,
        run_uuid: String,
        source: LogSource,
        prio: Priority,
    },
    /// TerminateRunGroup (only ever from a confirmation).
    Terminate {
        scope: Scope,
        group_id: String,
        name: String,
    },
    /// RetryRuns (only ever from a confirmation), exactly as the confirmation showed it.
    Retry {
        scope: Scope,
        request: RetryRequest,
        old_group_id: String,
        old_name: String,
    },
    /// The deep pass of triage for one failed run: down its failed calls to the failing
    /// task (background priority).
    DeepTriage {
        scope: Scope,
        group_id: String,
        run_uuid: String,
    },
    /// DescribeRuns of the project by UserDefinedId: every attempt of these samples.
    LoadAttempts { scope: Scope, samples: Vec<String> },
    /// Put text on the clipboard with OSC 52.
    Copy(String),
    /// Put a request on the clipboard as a tccli command, with OSC 52.
    CopyTccli(crate::api::Call),
    /// Watch a run group in the background until it finishes or `Unwatch`.
    Watch { scope: Scope, group_id: String },
    /// Stop watching a run group.
    Unwatch(String),
    /// Ask the terminal for a desktop notification (OSC 9) about an event.
    Notify(Box<crate::watch::Event>),
    /// Leave the dashboard.
    Quit,
}

/// What a load is for; at most one request per target is pending at a time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Projects(String),
    Groups(Scope),
    Runs(Scope, RunsQuery),
    Calls(String, String),
    Status(String),
    Log(String, LogSource),
    Triage(String),
    Attempts(String),
}

impl Effect {
    /// The target of a load, or `None` for effects that are not loads.
    pub fn target(&self) -> Option<Target> {
        Some(match self {
            Self::LoadProjects { region, .. } => Target::Projects(region.clone()),
            Self::LoadGroups { scope, .. } => Target::Groups(scope.clone()),
            Self::LoadRuns { scope, query, .. } => Target::Runs(scope.clone(), query.clone()),
            Self::LoadCalls { run_uuid, path, .. } => Target::Calls(run_uuid.clone(), path.clone()),
            Self::PollStatus { run_uuid, .. } => Target::Status(run_uuid.clone()),
            Self::FetchLog {
                run_uuid, source, ..
            } => Target::Log(run_uuid.clone(), source.clone()),
            Self::DeepTriage { run_uuid, .. } => Target::Triage(run_uuid.clone()),
            Self::LoadAttempts { samples, .. } => Target::Attempts(samples.join("\u{1f}")),
            Self::Terminate { .. }
            | Self::Retry { .. }
            | Self::Copy(_)
            | Self::CopyTccli(_)
            | Self::Watch { .. }
            | Self::Unwatch(_)
            | Self::Notify(_)
            | Self::Quit => {
                return None;
            }
        })
    }
}
