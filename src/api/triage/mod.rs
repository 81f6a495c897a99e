//! Batch triage: every failed run of a group placed under a failure signature, the failing
//! task and its normalised cause, so "212 of 500 failed" becomes "180 out of memory in
//! BaseRecalibrator, 30 bad inputs, 2 lost nodes".
//!
//! Fast first, exact after: the first signatures come from what DescribeRuns already
//! returned (each run's ErrorMessage), with no extra request; `deep` then follows only the
//! failed path of each failed run's call tree to the failing task, and its stderr.

mod classify;
mod deep;
mod normalize;

use std::collections::HashMap;

use serde::Serialize;

pub use classify::{Class, classify};
pub use deep::{DeepFailure, JobRef};
pub use normalize::{cause_line, normalize, task_in_message, task_name};

use super::types::{Run, StatusClass, error_message};

/// What a signature names when a run failed before any task (or its error names none).
pub const NO_TASK: &str = "(before any task)";

/// One failed run as triage sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub run_uuid: String,
    /// UserDefinedId, else "".
    pub sample: String,
    pub table_row: String,
    /// The failing task (no shard, no RunId), when known.
    pub task: Option<String>,
    /// The whole error, as the service wrote it (the message inside its JSON).
    pub error: String,
    /// When it failed (Unix seconds).
    pub at: Option<i64>,
    /// The failing task's JobId and path, once the deep pass found it.
    pub job: Option<JobRef>,
    /// Whether the deep pass has refined it.
    pub deep: bool,
    /// When the run's call cache is cleared, and whether it already was.
    pub cache_clear_at: Option<i64>,
    pub cache_cleared: bool,
}

impl Failure {
    /// A failed run as DescribeRuns gave it (`None` for a run that did not fail).
    pub fn of_run(r: &Run) -> Option<Self> {
        if StatusClass::of(r.status.as_deref().unwrap_or("")) != StatusClass::Failed {
            return None;
        }
        let error = error_message(r.error_message.as_deref().unwrap_or(""));
        let at = r
            .execution_time
            .as_ref()
            .and_then(|e| e.end_time.as_ref())
            .or(r.update_time.as_ref())
            .and_then(super::types::Timestamp::unix);
        let cache = r.cache.as_ref();
        Some(Self {
            run_uuid: r.run_uuid.as_deref().unwrap_or_default().to_string(),
            sample: r.user_defined_id.as_deref().unwrap_or_default().to_string(),
            table_row: r.table_row_uuid.as_deref().unwrap_or_default().to_string(),
            task: task_in_message(&error),
            error,
            at,
            job: None,
            deep: false,
            cache_clear_at: cache
                .and_then(|c| c.cache_clear_time.as_ref())
                .and_then(super::types::Timestamp::unix),
            cache_cleared: cache.and_then(|c| c.cache_cleared).unwrap_or(false),
        })
    }

    /// What the deep pass found replaces what the run's own error said.
    pub fn refine(&mut self, d: DeepFailure) {
        self.task = Some(d.task);
        if !d.error.trim().is_empty() {
            self.error = d.error;
        }
        self.at = d.at.or(self.at);
        self.job = Some(d.job);
        self.deep = true;
    }

    /// The signature's key: the task, and the normalised telling line of the error.
    pub fn key(&self) -> (String, String) {
        let samples: Vec<&str> = [self.sample.as_str(), self.table_row.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        (
            self.task.clone().unwrap_or_else(|| NO_TASK.to_string()),
            normalize(cause_line(&self.error), &samples),
        )
    }
}

/// The failed runs of a list of runs, as the first pass sees them.
pub fn failures(runs: &[Run]) -> Vec<Failure> {
    runs.iter().filter_map(Failure::of_run).collect()
}

/// Failures of one cause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signature {
    /// 1 for the signature with the most runs.
    pub number: usize,
    pub task: String,
    /// The normalised cause, placeholders and all.
    pub message: String,
    pub class: Class,
    /// The words that decided the class.
    pub reason: Option<&'static str>,
    /// RunUuids, in the order the runs failed.
    pub runs: Vec<String>,
    pub samples: Vec<String>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// One of its failures in full.
    pub example: Failure,
    /// The last lines of the example's stderr, once fetched.
    pub stderr_tail: Option<String>,
    /// How many of its runs the deep pass has confirmed.
    pub deep: usize,
}

/// The signatures of `failures`, most runs first.
pub fn signatures(failures: &[Failure]) -> Vec<Signature> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut groups: HashMap<(String, String), Vec<&Failure>> = HashMap::new();
    for f in failures {
        let key = f.key();
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(f);
    }
    let mut out: Vec<Signature> = order
        .into_iter()
        .filter_map(|key| {
            let mut members = groups.remove(&key)?;
            members.sort_by_key(|f| (f.at.unwrap_or(i64::MAX), f.run_uuid.clone()));
            let example = (*members.first()?).clone();
            let (class, reason) = classify(&example.error);
            let mut samples: Vec<String> = members
                .iter()
                .map(|f| f.sample.clone())
                .filter(|s| !s.is_empty())
                .collect();
            samples.dedup();
            Some(Signature {
                number: 0,
                task: key.0,
                message: key.1,
                class,
                reason,
                runs: members.iter().map(|f| f.run_uuid.clone()).collect(),
                samples,
                first_seen: members.iter().filter_map(|f| f.at).min(),
                last_seen: members.iter().filter_map(|f| f.at).max(),
                deep: members.iter().filter(|f| f.deep).count(),
                example,
                stderr_tail: None,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.runs
            .len()
            .cmp(&a.runs.len())
            .then_with(|| a.task.cmp(&b.task))
            .then_with(|| a.message.cmp(&b.message))
    });
    for (i, s) in out.iter_mut().enumerate() {
        s.number = i + 1;
    }
    out
}

/// The short task name for a summary: the last part of `Workflow.Sub.Task`.
pub fn short_task(task: &str) -> &str {
    task.rsplit(['.', ':']).next().unwrap_or(task)
}

/// "212 failed: 3 signatures, 180 out of memory in BaseRecalibrator".
pub fn summary(sigs: &[Signature]) -> String {
    let failed: usize = sigs.iter().map(|s| s.runs.len()).sum();
    let Some(top) = sigs.first() else {
        return "no failed runs".into();
    };
    let what = match top.class {
        Class::Unknown => top.message.clone(),
        c => c.label().to_string(),
    };
    let place = if top.task == NO_TASK {
        "before any task".to_string()
    } else {
        format!("in {}", short_task(&top.task))
    };
    format!(
        "{failed} failed: {} signature{}, {} {what} {place}",
        sigs.len(),
        if sigs.len() == 1 { "" } else { "s" },
        top.runs.len()
    )
}

/// The last `n` non-empty lines of a log.
pub fn tail(log: &str, n: usize) -> String {
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(uuid: &str, sample: &str, status: &str, error: &str, end: &str) -> Run {
        serde_json::from_value(json!({
            "RunUuid": uuid, "UserDefinedId": sample, "Status": status,
            "ErrorMessage": json!({"error": error}).to_string(),
            "ExecutionTime": {"EndTime": end},
        }))
        .expect("a run")
    }

    #[test]
    fn errors_that_differ_only_by_sample_are_one_signature_and_tasks_split_them() {
        let runs = vec![
            run(
                "u1",
                "S0001",
                "EXECUTOR_ERROR",
                "Task Germline.BaseRecalibrator failed: Killed (exit code 137: out of memory)\nJob Germline.BaseRecalibrator:NA:1 ... /work/S0001/stderr",
                "2024-06-06T14:10:00+08:00",
            ),
            run(
                "u2",
                "S0002",
                "EXECUTOR_ERROR",
                "Task Germline.BaseRecalibrator failed: Killed (exit code 137: out of memory)\nJob Germline.BaseRecalibrator:NA:1 ... /work/S0002/stderr",
                "2024-06-06T14:05:00+08:00",
            ),
            run(
                "u3",
                "S0003",
                "EXECUTOR_ERROR",
                "Task Germline.HaplotypeCaller failed: Killed (exit code 137: out of memory)",
                "2024-06-06T14:20:00+08:00",
            ),
            run(
                "u4",
                "S0004",
                "EXECUTOR_ERROR",
                "Input file cos://b/S0004.cram not found for sample S0004",
                "2024-06-06T13:00:00+08:00",
            ),
            run("u5", "S0005", "SUCCESS", "", "2024-06-06T13:00:00+08:00"),
        ];
        let sigs = signatures(&failures(&runs));
        assert_eq!(sigs.len(), 3, "{sigs:#?}");
        assert_eq!(sigs[0].task, "Germline.BaseRecalibrator");
        assert_eq!(sigs[0].runs, ["u2", "u1"], "in the order they failed");
        assert_eq!(sigs[0].samples, ["S0002", "S0001"]);
        assert_eq!(sigs[0].class, Class::OutOfMemory);
        assert_eq!(sigs[0].number, 1);
        assert_eq!(sigs[0].first_seen, Some(1_717_653_900));
        let input = sigs
            .iter()
            .find(|s| s.task == NO_TASK)
            .expect("a run-level signature");
        assert_eq!(input.class, Class::MissingInput);
        assert_eq!(
            input.message,
            "Input file <path> not found for sample <sample>"
        );
        assert_eq!(
            summary(&sigs),
            "4 failed: 3 signatures, 2 out of memory in BaseRecalibrator"
        );
    }

    #[test]
    fn the_deep_pass_refines_a_run_level_error_into_its_task() {
        let r = run(
            "u1",
            "S1",
            "EXECUTOR_ERROR",
            "Workflow failed",
            "2024-06-06T14:10:00+08:00",
        );
        let mut f = Failure::of_run(&r).expect("failed");
        assert_eq!(f.key().0, NO_TASK);
        f.refine(DeepFailure {
            task: "Germline.Align.BwaMem".into(),
            error: "Job Germline.Align.BwaMem:7:1 exited with return code 1\n[mem_sam_pe] paired reads have different names".into(),
            job: JobRef {
                job_id: "j".into(),
                path: "/a/b".into(),
            },
            at: None,
            requests: 3,
        });
        assert!(f.deep);
        assert_eq!(f.key().0, "Germline.Align.BwaMem");
        assert_eq!(tail("a\n\nb\nc\n", 2), "b\nc");
    }
}
