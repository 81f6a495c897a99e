//! What a run group's fields mean, one rule for the CLI and the dashboard alike: its
//! language, whether it may still change, its runs counted by what their statuses mean,
//! and why it waits when its environment cannot take work.

use super::types::{Environment, RunGroup, StatusClass};

/// Whether a group runs Nextflow (by its application type, else its type).
pub fn is_nextflow(g: &RunGroup) -> bool {
    g.application_type
        .as_deref()
        .or(g.kind.as_deref())
        .is_some_and(|t| t.eq_ignore_ascii_case("NEXTFLOW"))
}

/// Run counts of a group by what they mean, from its RunStatusCounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub pending: i64,
    pub running: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub cancelled: i64,
    pub other: i64,
}

impl StatusCounts {
    pub fn of_group(g: &RunGroup) -> Self {
        let mut n = Self::default();
        for c in g.run_status_counts.iter().flatten() {
            n.add(
                StatusClass::of(c.status.as_deref().unwrap_or("")),
                c.count.unwrap_or(0).max(0),
            );
        }
        n
    }

    pub fn add(&mut self, class: StatusClass, n: i64) {
        match class {
            StatusClass::Pending => self.pending += n,
            StatusClass::Running => self.running += n,
            StatusClass::Succeeded => self.succeeded += n,
            StatusClass::Failed => self.failed += n,
            StatusClass::Cancelled => self.cancelled += n,
            StatusClass::Unknown => self.other += n,
        }
    }

    pub fn active(&self) -> i64 {
        self.pending + self.running
    }

    pub fn total(&self) -> i64 {
        self.pending + self.running + self.succeeded + self.failed + self.cancelled + self.other
    }

    /// What a retry by RunGroupId retries: the failed and the canceled runs.
    pub fn retryable(&self) -> i64 {
        self.failed + self.cancelled
    }
}

/// Whether the group may still change; such a group is retried by its failed runs' ids.
pub fn is_live(g: &RunGroup) -> bool {
    StatusClass::of(g.status.as_deref().unwrap_or("")).is_live()
}

/// A group still running that already has failed runs: it will end in error.
pub fn doomed(g: &RunGroup) -> bool {
    is_live(g) && StatusCounts::of_group(g).failed > 0
}

/// Whether a group has runs that have not started: it has not started itself (INIT), or
/// it is live with runs still pending.
pub fn is_waiting(g: &RunGroup) -> bool {
    let class = StatusClass::of(g.status.as_deref().unwrap_or(""));
    class == StatusClass::Pending || (class.is_live() && StatusCounts::of_group(g).pending > 0)
}

/// What a waiting group waits on: its environment's name, the state it is in
/// (`ERROR`, `INITIALIZING`, `not available`...) and the first line of its Message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub environment: String,
    pub state: String,
    pub message: Option<String>,
}

impl std::fmt::Display for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "waiting: environment {} is {}",
            self.environment, self.state
        )?;
        match &self.message {
            Some(m) => write!(f, ": {m}"),
            None => Ok(()),
        }
    }
}

/// Why a group's runs are not starting, when its environment says so: a group that has
/// not started (INIT), or a live group with runs still waiting, whose environment is not
/// available or is in a status that takes no work. `None` when the group is not waiting,
/// its environment is not among `envs`, or the environment accepts work. The text is the
/// service's: sanitize it before showing it.
pub fn waiting_on(g: &RunGroup, envs: &[Environment]) -> Option<Waiting> {
    if !is_waiting(g) {
        return None;
    }
    let id = g.environment_id.as_deref().filter(|id| !id.is_empty())?;
    let env = envs
        .iter()
        .find(|e| e.environment_id.as_deref() == Some(id))?;
    if env.accepts_work() {
        return None;
    }
    let name = [env.name.as_deref(), g.environment_name.as_deref()]
        .into_iter()
        .flatten()
        .find(|n| !n.trim().is_empty())
        .unwrap_or(id);
    let status = env.status.as_deref().map(str::trim).unwrap_or("");
    let state = if status.is_empty() || status.eq_ignore_ascii_case("RUNNING") {
        "not available".to_string()
    } else {
        status.to_string()
    };
    let message = env
        .message
        .as_deref()
        .and_then(|m| m.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(str::to_string);
    Some(Waiting {
        environment: name.to_string(),
        state,
        message,
    })
}

/// [`waiting_on`] as one line, e.g.
/// `waiting: environment hpc-gz is ERROR: CVM ins-8d2k is unreachable`.
pub fn waiting_reason(g: &RunGroup, envs: &[Environment]) -> Option<String> {
    waiting_on(g, envs).map(|w| w.to_string())
}

/// An environment's live run groups, counted from a list of groups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnvLoad {
    /// Groups with runs running.
    pub running: usize,
    /// Groups that have not started (INIT and the like).
    pub waiting: usize,
    /// Runs not finished, across those groups.
    pub active_runs: i64,
}

/// How many of `groups` are live in environment `env_id`.
pub fn env_load(env_id: &str, groups: &[RunGroup]) -> EnvLoad {
    let mut load = EnvLoad::default();
    for g in groups
        .iter()
        .filter(|g| g.environment_id.as_deref() == Some(env_id))
    {
        match StatusClass::of(g.status.as_deref().unwrap_or("")) {
            StatusClass::Pending => load.waiting += 1,
            StatusClass::Running => load.running += 1,
            _ => continue,
        }
        load.active_runs += StatusCounts::of_group(g).active();
    }
    load
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::RunStatusCount;

    fn env(id: &str, status: &str, available: bool, message: &str) -> Environment {
        Environment {
            environment_id: Some(id.into()),
            name: Some(format!("{id}-name")),
            status: Some(status.into()),
            available: Some(available),
            message: Some(message.into()),
            ..Environment::default()
        }
    }

    fn group(status: &str, env: &str, counts: &[(&str, i64)]) -> RunGroup {
        RunGroup {
            status: Some(status.into()),
            environment_id: Some(env.into()),
            run_status_counts: Some(RunStatusCount::list(counts)),
            ..RunGroup::default()
        }
    }

    #[test]
    fn a_waiting_group_says_what_its_environment_is() {
        let envs = [
            env(
                "e-err",
                "ERROR",
                false,
                "CVM ins-1 is unreachable\nsince 14:02",
            ),
            env("e-init", "INITIALIZING", false, ""),
            env("e-off", "RUNNING", false, "quota exhausted"),
            env("e-ok", "RUNNING", true, ""),
        ];
        let reason = |g: &RunGroup| waiting_reason(g, &envs);
        assert_eq!(
            reason(&group("INIT", "e-err", &[("INIT", 3)])).as_deref(),
            Some("waiting: environment e-err-name is ERROR: CVM ins-1 is unreachable")
        );
        assert_eq!(
            reason(&group("INIT", "e-init", &[])).as_deref(),
            Some("waiting: environment e-init-name is INITIALIZING")
        );
        assert_eq!(
            reason(&group("INIT", "e-off", &[])).as_deref(),
            Some("waiting: environment e-off-name is not available: quota exhausted")
        );
        // A running group with runs still queued waits too; one whose runs all started,
        // a finished one, or one on a healthy or unknown environment does not.
        assert!(reason(&group("RUNNING", "e-err", &[("INIT", 1), ("RUNNING", 1)])).is_some());
        assert_eq!(reason(&group("RUNNING", "e-err", &[("RUNNING", 2)])), None);
        assert_eq!(
            reason(&group("COMPLETE_ERROR", "e-err", &[("INIT", 1)])),
            None
        );
        assert_eq!(reason(&group("INIT", "e-ok", &[("INIT", 1)])), None);
        assert_eq!(reason(&group("INIT", "e-gone", &[("INIT", 1)])), None);
    }

    #[test]
    fn environment_load_counts_live_groups_only() {
        let groups = [
            group("RUNNING", "a", &[("RUNNING", 2), ("SUCCESS", 5)]),
            group("INIT", "a", &[("INIT", 4)]),
            group("COMPLETE", "a", &[("SUCCESS", 9)]),
            group("RUNNING", "b", &[("RUNNING", 1)]),
        ];
        assert_eq!(
            env_load("a", &groups),
            EnvLoad {
                running: 1,
                waiting: 1,
                active_runs: 6
            }
        );
        assert_eq!(env_load("c", &groups), EnvLoad::default());
    }

    #[test]
    fn counts_by_meaning() {
        let g = RunGroup {
            run_status_counts: Some(
                [
                    ("EXECUTOR_ERROR", 1),
                    ("CANCELED", 7),
                    ("RUNNING", 2),
                    ("CANCELING", 3),
                    ("SUCCESS", 4),
                ]
                .into_iter()
                .map(|(s, n)| RunStatusCount {
                    status: Some(s.into()),
                    count: Some(n),
                })
                .collect(),
            ),
            ..RunGroup::default()
        };
        let c = StatusCounts::of_group(&g);
        assert_eq!(c.retryable(), 8);
        assert_eq!(c.total(), 17);
    }
}
