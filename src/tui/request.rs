//! One request identity: what the dashboard asks, of which target. The effect that asks
//! it, the poller's slot (at most one pending request per identity) and the answer that
//! comes back all carry the same `Request`, so an answer is matched to what it answers by
//! equality, never by a second description of it.

use std::collections::HashMap;

use crate::api::client::Client;
use crate::api::text::Held;
use crate::api::triage::DeepFailure;
use crate::api::types::{
    Environment, Filter, Project, Run, RunGroup, RunMetadata, Table, TableRow, Volume,
};
use crate::api::{ApiError, Priority, Scope};

/// Which runs a DescribeRuns call asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RunsQuery {
    /// Every run of a group.
    Group(String),
    /// One run, by uuid (the `:run` command).
    Uuid(String),
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

/// A read the dashboard makes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Request {
    /// DescribeProjects in a region.
    Projects { region: String },
    /// DescribeRunGroups of a project (`project_id: None`: the region's default).
    Groups { scope: Scope },
    /// DescribeRuns of one group, or one run looked up by uuid.
    Runs { scope: Scope, query: RunsQuery },
    /// GetRunCalls of one path of one run.
    Calls {
        scope: Scope,
        run_uuid: String,
        path: String,
    },
    /// GetRunStatus of one run.
    Status { scope: Scope, run_uuid: String },
    /// A log or metadata file of one run.
    Log {
        scope: Scope,
        run_uuid: String,
        source: LogSource,
    },
    /// The deep pass of triage for one failed run: down its failed calls to the failing
    /// task.
    Triage {
        scope: Scope,
        group_id: String,
        run_uuid: String,
    },
    /// DescribeRuns of the project by UserDefinedId: every attempt of these samples.
    Attempts { scope: Scope, samples: Vec<String> },
    /// DescribeEnvironments of a region.
    Environments { region: String },
    /// DescribeVolumes of one environment.
    Volumes {
        region: String,
        environment_id: String,
    },
    /// DescribeTables of a project, one table (by TableId) or all of them.
    Tables {
        scope: Scope,
        table_id: Option<String>,
    },
    /// DescribeTablesRows: every row of one table.
    Rows { scope: Scope, table_id: String },
}

/// What a request brought back; its variant is the request's.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Projects(Vec<Project>),
    Groups(Vec<RunGroup>),
    Runs(Vec<Run>),
    Calls(Vec<RunMetadata>),
    Status(RunMetadata),
    Log(String),
    Triage(Option<DeepFailure>),
    Attempts(HashMap<String, Vec<Run>>),
    Environments(Vec<Environment>),
    Volumes(Vec<Volume>),
    Tables(Vec<Table>),
    Rows(Vec<TableRow>),
}

impl Answer {
    /// How many items it holds (1 for a single item).
    pub fn items(&self) -> usize {
        match self {
            Self::Projects(l) => l.len(),
            Self::Groups(l) => l.len(),
            Self::Runs(l) => l.len(),
            Self::Calls(l) => l.len(),
            Self::Environments(l) => l.len(),
            Self::Volumes(l) => l.len(),
            Self::Tables(l) => l.len(),
            Self::Rows(l) => l.len(),
            Self::Attempts(m) => m.len(),
            Self::Status(_) | Self::Log(_) | Self::Triage(_) => 1,
        }
    }
}

impl Request {
    /// GetRunCalls at `path` of a run.
    pub fn calls(scope: &Scope, run_uuid: &str, path: impl Into<String>) -> Self {
        Self::Calls {
            scope: scope.clone(),
            run_uuid: run_uuid.to_string(),
            path: path.into(),
        }
    }

    /// The list requests a session's first load may show from the cache at once.
    pub fn is_cached_list(&self) -> bool {
        matches!(
            self,
            Self::Projects { .. }
                | Self::Groups { .. }
                | Self::Runs {
                    query: RunsQuery::Group(_),
                    ..
                }
        )
    }

    /// What the cache holds for this list, and when it was fetched (Unix seconds).
    pub async fn cached(&self, c: &Client) -> Option<(i64, Answer)> {
        match self {
            Self::Projects { region } => c
                .cached_projects(region)
                .await
                .map(|(at, l)| (at, Answer::Projects(l))),
            Self::Groups { scope } => c
                .cached_groups(scope)
                .await
                .map(|(at, l)| (at, Answer::Groups(l))),
            Self::Runs {
                scope,
                query: RunsQuery::Group(g),
            } => c
                .cached_runs(scope, g)
                .await
                .map(|(at, l)| (at, Answer::Runs(l))),
            _ => None,
        }
    }

    /// Asks the service (or, for what a finished run cannot change, the cache). `held`:
    /// for GetRunCalls, the strings of the calls the answer replaces, to share.
    pub async fn fetch(&self, c: &Client, prio: Priority, held: Held) -> Result<Answer, ApiError> {
        Ok(match self {
            Self::Projects { region } => Answer::Projects(c.describe_projects(region, prio).await?),
            Self::Groups { scope } => {
                Answer::Groups(c.describe_run_groups(scope, &[], prio).await?)
            }
            Self::Runs { scope, query } => {
                Answer::Runs(c.describe_runs(scope, &[query.filter()], prio).await?)
            }
            Self::Calls {
                scope,
                run_uuid,
                path,
            } => Answer::Calls(
                c.get_run_calls_sharing(scope, run_uuid, path, prio, held)
                    .await?,
            ),
            Self::Status { scope, run_uuid } => {
                Answer::Status(c.get_run_status(scope, run_uuid, prio).await?)
            }
            Self::Log {
                scope,
                run_uuid,
                source,
            } => Answer::Log(match source {
                LogSource::File(key) => c.fetch_metadata_file(scope, run_uuid, key, prio).await?,
                LogSource::Job {
                    job_id,
                    path,
                    stderr,
                } => {
                    c.get_run_job_log(scope, run_uuid, job_id, path, *stderr, prio)
                        .await?
                }
            }),
            Self::Triage {
                scope, run_uuid, ..
            } => Answer::Triage(c.failing_task(scope, run_uuid, prio).await?),
            Self::Attempts { scope, samples } => {
                Answer::Attempts(c.attempts(scope, samples, prio).await?)
            }
            Self::Environments { region } => {
                Answer::Environments(c.describe_environments(region, &[], prio).await?)
            }
            Self::Volumes {
                region,
                environment_id,
            } => Answer::Volumes(
                c.describe_volumes(region, environment_id, &[], prio)
                    .await?,
            ),
            Self::Tables { scope, table_id } => {
                let filters: Vec<Filter> = table_id
                    .iter()
                    .map(|id| Filter::new("TableId", [id.as_str()]))
                    .collect();
                Answer::Tables(c.describe_tables(scope, &filters, prio).await?)
            }
            Self::Rows { scope, table_id } => {
                Answer::Rows(c.describe_tables_rows(scope, table_id, &[], prio).await?)
            }
        })
    }
}
