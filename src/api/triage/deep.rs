//! The deep pass: from a failed run's top level down through its failed sub-workflows and
//! scatters only (never the whole tree) to the task that failed, one GetRunCalls per level.

use serde::{Deserialize, Serialize};

use crate::api::Client;
use crate::api::actions::Scope;
use crate::api::error::ApiError;
use crate::api::queue::Priority;
use crate::api::types::{RunMetadata, StatusClass, error_message};
use crate::cache::Kind;

use super::normalize::task_name;

/// The deepest level followed; deeper trees are cut here (the reference's trees nest a few
/// levels; a cycle in a broken answer must not loop).
const MAX_DEPTH: usize = 12;

/// Where a task's logs are: its JobId, and the GetRunCalls path of the level holding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRef {
    pub job_id: String,
    pub path: String,
}

/// The failing task of a run, as its call tree shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeepFailure {
    pub task: String,
    pub error: String,
    pub job: JobRef,
    pub at: Option<i64>,
    /// Levels of the call tree it read (from the service or the cache); 0 when the finding
    /// itself came from the cache.
    pub requests: usize,
}

/// A finished run's finding is kept under the omtop version that made it: a later omtop
/// may name tasks differently, and works it out again from the (cached) call tree.
const TRIAGE_PART: &str = env!("CARGO_PKG_VERSION");

fn failed(c: &RunMetadata) -> bool {
    StatusClass::of(c.status.as_deref().unwrap_or("")) == StatusClass::Failed
}

/// Whether a call has calls below it (a sub-workflow or a scatter).
fn has_children(c: &RunMetadata) -> bool {
    let t = c.run_type.as_deref().unwrap_or("");
    t.eq_ignore_ascii_case("Workflow")
        || t.eq_ignore_ascii_case("Scatter")
        || t.eq_ignore_ascii_case("SubWorkflow")
}

fn child_path(path: &str, run_id: &str) -> String {
    if path == "/" {
        format!("/{run_id}")
    } else {
        format!("{path}/{run_id}")
    }
}

impl Client {
    /// The task that failed `run_uuid`, following only failed calls. `None` when the tree
    /// shows no failed call (the run failed before any). A finished run's finding is kept.
    pub async fn failing_task(
        &self,
        scope: &Scope,
        run_uuid: &str,
        priority: Priority,
    ) -> Result<Option<DeepFailure>, ApiError> {
        if let Some(found) = self
            .kept_value::<Option<DeepFailure>>(Kind::Triage, scope, run_uuid, TRIAGE_PART)
            .await
        {
            return Ok(found.map(|d| DeepFailure { requests: 0, ..d }));
        }
        let found = self.walk(scope, run_uuid, priority).await?;
        self.keep_value(Kind::Triage, scope, run_uuid, TRIAGE_PART, &found)
            .await;
        Ok(found)
    }

    async fn walk(
        &self,
        scope: &Scope,
        run_uuid: &str,
        priority: Priority,
    ) -> Result<Option<DeepFailure>, ApiError> {
        let mut path = "/".to_string();
        let mut requests = 0;
        let mut last: Option<(RunMetadata, String)> = None;
        for _ in 0..MAX_DEPTH {
            let calls = self.get_run_calls(scope, run_uuid, &path, priority).await?;
            requests += 1;
            // The first to fail is the cause; later failures are often its consequences.
            let Some(c) = calls.into_iter().filter(failed).min_by_key(|c| {
                c.end_time
                    .as_ref()
                    .and_then(|t| t.unix())
                    .unwrap_or(i64::MAX)
            }) else {
                break;
            };
            let run_id = c.run_id.as_deref().unwrap_or_default().to_string();
            let deeper = has_children(&c) && !run_id.is_empty();
            last = Some((c, path.clone()));
            if !deeper {
                break;
            }
            path = child_path(&path, &run_id);
        }
        Ok(last.map(|(c, at_path)| {
            let shard = c.scatter_index.as_deref().unwrap_or_default();
            let name = c.call_name.as_deref().unwrap_or_default();
            DeepFailure {
                task: task_name(name.strip_suffix(&format!("-{shard}")).unwrap_or(name)),
                error: error_message(c.error_message.as_deref().unwrap_or_default()),
                job: JobRef {
                    job_id: c.job_id.as_deref().unwrap_or_default().to_string(),
                    path: at_path,
                },
                at: c.end_time.as_ref().and_then(|t| t.unix()),
                requests,
            }
        }))
    }
}

/// How many samples one DescribeRuns filter names (its Values are OR-ed).
const SAMPLES_PER_REQUEST: usize = 50;

impl Client {
    /// Refines every failure not yet refined with its failing task, all at once (the queue
    /// spaces the requests within the rate limit). Returns the GetRunCalls sent and the
    /// errors met; a failure whose walk failed keeps its first-pass signature.
    pub async fn deepen(
        &self,
        scope: &Scope,
        failures: &mut [super::Failure],
        priority: Priority,
    ) -> (usize, Vec<ApiError>) {
        let todo: Vec<(usize, String)> = failures
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.deep)
            .map(|(i, f)| (i, f.run_uuid.clone()))
            .collect();
        let walks = futures::future::join_all(
            todo.iter()
                .map(|(_, run)| async move { self.failing_task(scope, run, priority).await }),
        )
        .await;
        let mut requests = 0;
        let mut errors = Vec::new();
        for ((i, _), walk) in todo.into_iter().zip(walks) {
            match walk {
                Ok(Some(d)) => {
                    requests += d.requests;
                    failures[i].refine(d);
                }
                // The tree shows no failed call: the run failed before any task.
                Ok(None) => {
                    requests += 1;
                    failures[i].deep = true;
                }
                Err(e) => errors.push(e),
            }
        }
        (requests, errors)
    }

    /// The last `lines` lines of each signature's example stderr, finding the example's
    /// failing task first where the deep pass has not.
    pub async fn stderr_tails(
        &self,
        scope: &Scope,
        sigs: &mut [super::Signature],
        lines: usize,
        priority: Priority,
    ) -> Vec<ApiError> {
        let tails = futures::future::join_all(sigs.iter().map(|s| async move {
            let job = match &s.example.job {
                Some(j) => j.clone(),
                None => match self
                    .failing_task(scope, &s.example.run_uuid, priority)
                    .await?
                {
                    Some(d) => d.job,
                    None => return Ok(None),
                },
            };
            if job.job_id.is_empty() {
                return Ok(None);
            }
            let path = if job.path == "/" {
                ""
            } else {
                job.path.as_str()
            };
            let log = self
                .get_run_job_log(
                    scope,
                    &s.example.run_uuid,
                    &job.job_id,
                    path,
                    true,
                    priority,
                )
                .await?;
            Ok::<_, ApiError>(Some(super::tail(&log, lines)))
        }))
        .await;
        let mut errors = Vec::new();
        for (s, t) in sigs.iter_mut().zip(tails) {
            match t {
                Ok(t) => s.stderr_tail = t,
                Err(e) => errors.push(e),
            }
        }
        errors
    }

    /// Every run of the project for each of `samples` (by UserDefinedId), newest first: a
    /// sample's attempts across the group and the groups retried from it.
    pub async fn attempts(
        &self,
        scope: &Scope,
        samples: &[String],
        priority: Priority,
    ) -> Result<std::collections::HashMap<String, Vec<crate::api::types::Run>>, ApiError> {
        let mut wanted: Vec<&String> = samples.iter().filter(|s| !s.is_empty()).collect();
        wanted.sort();
        wanted.dedup();
        let chunks = futures::future::try_join_all(wanted.chunks(SAMPLES_PER_REQUEST).map(
            |chunk| async move {
                let f = crate::api::types::Filter::new(
                    "UserDefinedId",
                    chunk.iter().map(|s| s.as_str()),
                );
                self.describe_runs(scope, &[f], priority).await
            },
        ))
        .await?;
        let mut out: std::collections::HashMap<String, Vec<crate::api::types::Run>> =
            std::collections::HashMap::new();
        for r in chunks.into_iter().flatten() {
            let sample = r.user_defined_id.as_deref().unwrap_or_default().to_string();
            out.entry(sample).or_default().push(r);
        }
        for runs in out.values_mut() {
            runs.sort_by_key(|r| {
                std::cmp::Reverse(r.create_time.as_ref().and_then(|t| t.unix()).unwrap_or(0))
            });
        }
        Ok(out)
    }
}
