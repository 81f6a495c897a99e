//! The watch loop: reads the group every interval, and only what its conditions need
//! besides (its failed runs when more have failed, all its runs when a cache is watched and
//! the counts moved, its environment), and hands what it saw to the [`Detector`].

use std::time::Duration;

use crate::api::types::{Environment, Filter, Run, RunGroup, StatusClass};
use crate::api::{ApiError, Client, Priority, Scope};

use super::detect::{self, Detector, Observation};
use super::{Counts, Event, Finish};

/// What to watch, and how.
#[derive(Debug, Clone)]
pub struct Watch {
    pub client: Client,
    pub scope: Scope,
    pub group_id: String,
    pub interval: Duration,
    /// Interactive for the CLI, background for the dashboard.
    pub priority: Priority,
}

/// What the loop tells its caller as it goes.
#[derive(Debug)]
pub enum Update<'a> {
    /// The group as just read.
    Group(&'a RunGroup),
    Event(Box<Event>),
    /// A read failed, or a condition cannot be checked; the watch goes on.
    Warning(String),
}

/// Why the watch ended without the group finishing.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("run group {0} not found in this project")]
    NotFound(String),
}

impl Watch {
    async fn group(&self) -> Result<Option<RunGroup>, ApiError> {
        let filter = [Filter::new("RunGroupId", [self.group_id.as_str()])];
        let groups = self
            .client
            .describe_run_groups(&self.scope, &filter, self.priority)
            .await?;
        Ok(groups
            .into_iter()
            .find(|g| g.run_group_id.as_deref() == Some(self.group_id.as_str())))
    }

    /// The group's runs; `statuses`: only those (empty: all).
    async fn runs(&self, statuses: Vec<String>) -> Result<Vec<Run>, ApiError> {
        let mut filters = vec![Filter::new("RunGroupId", [self.group_id.as_str()])];
        if !statuses.is_empty() {
            filters.push(Filter::new("Status", statuses));
        }
        self.client
            .describe_runs(&self.scope, &filters, self.priority)
            .await
    }

    async fn environment(&self, id: &str) -> Result<Option<Environment>, ApiError> {
        let envs = self
            .client
            .describe_environments(
                &self.scope.region,
                &[Filter::new("EnvironmentId", [id])],
                self.priority,
            )
            .await?;
        Ok(envs
            .into_iter()
            .find(|e| e.environment_id.as_deref() == Some(id)))
    }
}

/// The statuses of the group's failed runs, as its counts name them.
fn failed_statuses(g: &RunGroup) -> Vec<String> {
    g.run_status_counts
        .iter()
        .flatten()
        .filter(|c| c.count.unwrap_or(0) > 0)
        .filter_map(|c| c.status.clone())
        .filter(|s| StatusClass::of(s) == StatusClass::Failed)
        .collect()
}

/// A read that failed; `Ok` with a warning when the watch can go on without it.
fn tolerate(e: ApiError, what: &str) -> Result<String, WatchError> {
    if e.is_retryable_read() {
        Ok(format!(
            "{what}: {}; still watching",
            crate::sanitize::line(&e.to_string())
        ))
    } else {
        Err(e.into())
    }
}

/// Watches until the group finishes (and, with a cache condition, until its warning is
/// given or no cache is left to clear); every update goes to `on`.
pub async fn run(
    w: &Watch,
    detector: &mut Detector,
    mut on: impl FnMut(Update<'_>),
) -> Result<Finish, WatchError> {
    let conditions = detector.conditions().clone();
    let mut failed_read_at = 0;
    let mut runs: Option<(Counts, Vec<Run>)> = None;
    let mut check_env = conditions.env_unavailable;
    loop {
        let g = match w.group().await {
            Ok(Some(g)) => g,
            Ok(None) => return Err(WatchError::NotFound(w.group_id.clone())),
            Err(e) => {
                on(Update::Warning(tolerate(e, "the group could not be read")?));
                tokio::time::sleep(w.interval).await;
                continue;
            }
        };
        on(Update::Group(&g));
        let counts = Counts::of(&g);
        let now = chrono::Utc::now().fixed_offset();

        let mut failed = None;
        if conditions.need_failed_runs() && counts.failed > failed_read_at {
            match w.runs(failed_statuses(&g)).await {
                Ok(r) => {
                    failed_read_at = counts.failed;
                    failed = Some(r);
                }
                Err(e) => on(Update::Warning(tolerate(
                    e,
                    "its failed runs could not be read",
                )?)),
            }
        }

        let ended = counts.succeeded + counts.failed + counts.terminated;
        let stale = runs.as_ref().is_none_or(|(c, _)| *c != counts);
        if conditions.cache_expiring.is_some() && ended > 0 && stale {
            match w.runs(Vec::new()).await {
                Ok(r) => runs = Some((counts, r)),
                Err(e) => on(Update::Warning(tolerate(e, "its runs could not be read")?)),
            }
        }

        let mut env = None;
        if check_env && let Some(id) = g.environment_id.as_deref().filter(|i| !i.is_empty()) {
            match w.environment(id).await {
                Ok(e) => env = Some(e),
                Err(e) => {
                    let retry = e.is_retryable_read();
                    if !retry {
                        check_env = false;
                    }
                    on(Update::Warning(format!(
                        "the environment cannot be checked{}: {}",
                        if retry {
                            " this time"
                        } else {
                            "; not trying again"
                        },
                        crate::sanitize::line(&e.to_string())
                    )));
                }
            }
        }

        let seen = Observation {
            now,
            region: &w.scope.region,
            group: &g,
            failed_runs: failed.as_deref(),
            runs: runs.as_ref().map(|(_, r)| r.as_slice()),
            environment: env.as_ref().map(Option::as_ref),
        };
        for e in detector.observe(&seen) {
            on(Update::Event(Box::new(e)));
        }
        if let Some(f) = detect::finish(&g) {
            let owed = runs
                .as_ref()
                .is_some_and(|(_, r)| detector.cache_warning_pending(r, now));
            if !owed {
                return Ok(f);
            }
        }
        tokio::time::sleep(w.interval).await;
    }
}
