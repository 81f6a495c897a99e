//! From what a poll saw to the events it raises. No I/O and no clock of its own: every
//! condition is tested on observations built by hand.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use chrono::{DateTime, FixedOffset};

use super::event::{EnvInfo, Event, Kind, RunInfo};
use super::{Conditions, Finish};
use crate::api::group;
use crate::api::types::{Environment, Run, RunGroup, StatusClass};

/// What one poll saw.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    pub now: DateTime<FixedOffset>,
    pub region: &'a str,
    pub group: &'a RunGroup,
    /// The group's failed runs, when they were read this time.
    pub failed_runs: Option<&'a [Run]>,
    /// All the group's runs (for their caches), when read.
    pub runs: Option<&'a [Run]>,
    /// The group's environment, when read: `Some(None)` when it is not there any more.
    pub environment: Option<Option<&'a Environment>>,
}

/// Remembers what was already said, so each thing is said once.
#[derive(Debug, Clone)]
pub struct Detector {
    conditions: Conditions,
    first_failure_said: bool,
    share_said: bool,
    doomed_said: bool,
    cache_said: bool,
    finished_said: bool,
    env_down: bool,
    signatures: BTreeSet<String>,
    failed_seen: HashSet<String>,
}

/// How a group that is over ended, or `None` while it may still change.
pub fn finish(g: &RunGroup) -> Option<Finish> {
    let class = StatusClass::of(g.status.as_deref().unwrap_or(""));
    let n = group::StatusCounts::of_group(g);
    // Only a status known to be final ends the watch; one never seen before is watched on.
    let over = matches!(
        class,
        StatusClass::Succeeded | StatusClass::Failed | StatusClass::Cancelled
    );
    if !over || n.active() > 0 {
        return None;
    }
    // Runs are only ever canceled by terminating their group: a group with canceled runs
    // was terminated, whatever became of the rest (the service ends it COMPLETE_ERROR, as
    // its reference's example with every run CANCELED shows).
    Some(match class {
        StatusClass::Cancelled => Finish::Terminated,
        _ if n.cancelled > 0 => Finish::Terminated,
        StatusClass::Succeeded if n.failed == 0 => Finish::Succeeded,
        _ => Finish::Failed,
    })
}

impl Detector {
    pub fn new(conditions: Conditions) -> Self {
        Self {
            conditions,
            first_failure_said: false,
            share_said: false,
            doomed_said: false,
            cache_said: false,
            finished_said: false,
            env_down: false,
            signatures: BTreeSet::new(),
            failed_seen: HashSet::new(),
        }
    }

    pub fn conditions(&self) -> &Conditions {
        &self.conditions
    }

    /// Whether a cache warning is still owed for these runs: some run's cache is not
    /// cleared yet and has a time to be cleared at.
    pub fn cache_warning_pending(&self, runs: &[Run], now: DateTime<FixedOffset>) -> bool {
        self.conditions.cache_expiring.is_some()
            && !self.cache_said
            && runs.iter().any(|r| clear_time(r).is_some_and(|t| t > now))
    }

    /// The events this observation raises.
    pub fn observe(&mut self, o: &Observation<'_>) -> Vec<Event> {
        let now = o.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let event = |kind, text: &str| Event::new(kind, &now, o.region, o.group, text);
        let label = Event::group_label(o.group);
        let counts = super::Counts::of(o.group);
        let mut out = Vec::new();

        // Failures not seen before, and which of their signatures are new.
        let mut fresh: Vec<(String, RunInfo)> = Vec::new();
        let mut first_run = None;
        for r in o.failed_runs.unwrap_or_default() {
            let Some(id) = r.run_uuid.as_deref() else {
                continue;
            };
            if !self.failed_seen.insert(id.to_string()) {
                continue;
            }
            let info = RunInfo::of(r);
            first_run.get_or_insert_with(|| info.clone());
            // The same signature batch triage gives it: the failing task and its cause.
            let sig = crate::api::triage::Failure::of_run(r)
                .map(|f| {
                    let (task, cause) = f.key();
                    format!("{cause} (in {task})")
                })
                .unwrap_or_default();
            if self.signatures.insert(sig.clone()) {
                fresh.push((sig, info));
            }
        }

        if self.conditions.first_failure && !self.first_failure_said && counts.failed > 0 {
            self.first_failure_said = true;
            let text = match &first_run {
                Some(r) if counts.failed == 1 => format!(
                    "first failure in run group {label}: run {} {}: {}",
                    r.label(),
                    r.status,
                    r.error
                ),
                Some(r) => format!(
                    "run group {label} has {} failed runs, the first seen {} {}: {}",
                    counts.failed,
                    r.label(),
                    r.status,
                    r.error
                ),
                None => format!(
                    "first failure in run group {label}: {} failed",
                    counts.failed
                ),
            };
            let mut e = event(Kind::FirstFailure, &text);
            e.run = first_run.clone();
            // The kinds of failure found with the first are said here, not again.
            e.signatures = fresh.drain(..).map(|(s, _)| s).collect();
            out.push(e);
        }
        if self.conditions.new_signature {
            for (sig, run) in fresh {
                let text = format!(
                    "a new kind of failure in run group {label}: {sig} (run {})",
                    run.label()
                );
                let mut e = event(Kind::NewSignature, &text);
                e.signatures = vec![sig];
                e.run = Some(run);
                out.push(e);
            }
        }

        if let Some(limit) = self.conditions.failed_above
            && !self.share_said
            && counts.total > 0
        {
            let share = counts.failed as f64 * 100.0 / counts.total as f64;
            if share > limit {
                self.share_said = true;
                let text = format!(
                    "{share:.1}% of run group {label} failed ({} of {}), above {limit}%",
                    counts.failed, counts.total
                );
                let mut e = event(Kind::FailedShare, &text);
                e.failed_percent = Some((share * 10.0).round() / 10.0);
                out.push(e);
            }
        }

        if self.conditions.doomed && !self.doomed_said && group::doomed(o.group) {
            self.doomed_said = true;
            let text = format!(
                "run group {label} will end in error: {} failed, {} still running or waiting",
                counts.failed,
                counts.running + counts.pending
            );
            out.push(event(Kind::Doomed, &text));
        }

        if let (Some(window), Some(runs)) = (self.conditions.cache_expiring, o.runs) {
            out.extend(self.cache(window, runs, o, &label, &event));
        }

        if self.conditions.env_unavailable
            && let Some(env) = o.environment
        {
            out.extend(self.environment(env, o.group, &label, &event));
        }

        if let Some(f) = finish(o.group)
            && !self.finished_said
        {
            self.finished_said = true;
            if self.conditions.finished {
                let outcome = match f {
                    Finish::Succeeded => "succeeded",
                    Finish::Failed => "failed",
                    Finish::Terminated => "terminated",
                };
                let text = format!(
                    "run group {label} finished: {outcome} ({} succeeded, {} failed, {} terminated of {})",
                    counts.succeeded, counts.failed, counts.terminated, counts.total
                );
                let mut e = event(Kind::Finished, &text);
                e.outcome = Some(outcome.to_string());
                out.push(e);
            }
        }
        out
    }

    fn cache(
        &mut self,
        window: Duration,
        runs: &[Run],
        o: &Observation<'_>,
        label: &str,
        event: &dyn Fn(Kind, &str) -> Event,
    ) -> Option<Event> {
        if self.cache_said {
            return None;
        }
        let until = o.now + chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
        let soon: Vec<DateTime<FixedOffset>> = runs
            .iter()
            .filter_map(clear_time)
            .filter(|t| *t > o.now && *t <= until)
            .collect();
        let earliest = soon.iter().min()?;
        self.cache_said = true;
        let left = (*earliest - o.now).num_seconds();
        let text = format!(
            "the call cache of {} run(s) of run group {label} is cleared at {} (in {}): retry with --cache before then",
            soon.len(),
            earliest.format("%Y-%m-%d %H:%M"),
            span(left)
        );
        let mut e = event(Kind::CacheExpiring, &text);
        e.cache_clear_time = Some(earliest.to_rfc3339());
        e.cache_runs = Some(soon.len());
        Some(e)
    }

    fn environment(
        &mut self,
        env: Option<&Environment>,
        g: &RunGroup,
        label: &str,
        event: &dyn Fn(Kind, &str) -> Event,
    ) -> Option<Event> {
        let id = g.environment_id.as_deref().unwrap_or("?");
        let down = match env {
            None => true,
            Some(e) => {
                let status = e.status.as_deref().unwrap_or("");
                e.available == Some(false)
                    || matches!(
                        status,
                        "ERROR" | "INITIALIZATION_ERROR" | "DELETING" | "DELETE_ERROR"
                    )
            }
        };
        let was = std::mem::replace(&mut self.env_down, down);
        if !down || was {
            return None;
        }
        let text = match env {
            None => format!("the environment {id} of run group {label} is gone"),
            Some(e) => format!(
                "the environment {} of run group {label} is unavailable: {}{}",
                e.name.as_deref().filter(|n| !n.is_empty()).unwrap_or(id),
                e.status.as_deref().unwrap_or("?"),
                e.message
                    .as_deref()
                    .filter(|m| !m.is_empty())
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            ),
        };
        let mut ev = event(Kind::EnvUnavailable, &text);
        ev.environment = Some(env.map_or_else(
            || EnvInfo {
                environment_id: id.to_string(),
                ..EnvInfo::default()
            },
            EnvInfo::of,
        ));
        Some(ev)
    }
}

/// `2h 05m`, `12m`, `40s`.
fn span(secs: i64) -> String {
    match secs.max(0) {
        s @ 0..60 => format!("{s}s"),
        s @ 60..3600 => format!("{}m", s / 60),
        s => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// When a run's call cache will be cleared, if it is not already.
fn clear_time(r: &Run) -> Option<DateTime<FixedOffset>> {
    let c = r.cache.as_ref()?;
    if c.cache_cleared == Some(true) {
        return None;
    }
    c.cache_clear_time.as_ref()?.parsed
}

#[cfg(test)]
mod finish_tests {
    use super::*;
    use crate::api::types::RunStatusCount;

    fn group(status: &str, counts: &[(&str, i64)]) -> RunGroup {
        RunGroup {
            status: Some(status.into()),
            total_run: Some(counts.iter().map(|c| c.1).sum()),
            run_status_counts: Some(RunStatusCount::list(counts)),
            ..RunGroup::default()
        }
    }

    #[test]
    fn canceling_runs_are_active_and_canceled_ones_mean_terminated() {
        let canceling = group("RUNNING", &[("CANCELING", 34)]);
        assert_eq!(
            crate::api::group::StatusCounts::of_group(&canceling).active(),
            34
        );
        assert_eq!(finish(&canceling), None);
        // The service ends a terminated group COMPLETE_ERROR (its reference shows one with
        // every run CANCELED), failed runs or not: it was still terminated.
        let cases = [
            (
                group("COMPLETE_ERROR", &[("CANCELED", 30)]),
                Finish::Terminated,
            ),
            (
                group("COMPLETE_ERROR", &[("CANCELED", 20), ("EXECUTOR_ERROR", 2)]),
                Finish::Terminated,
            ),
            (
                group("TERMINATED", &[("TERMINATED", 3)]),
                Finish::Terminated,
            ),
            (
                group("COMPLETE_ERROR", &[("SUCCESS", 3), ("EXECUTOR_ERROR", 1)]),
                Finish::Failed,
            ),
            (group("COMPLETE", &[("SUCCESS", 4)]), Finish::Succeeded),
        ];
        for (g, want) in cases {
            assert_eq!(finish(&g), Some(want), "{:?}", g.run_status_counts);
        }
    }
}
