//! What a run group's fields mean, one rule for the CLI and the dashboard alike: its
//! language, whether it may still change, its runs counted by what their statuses mean.

use super::types::{RunGroup, StatusClass};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::RunStatusCount;

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
