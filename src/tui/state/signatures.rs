//! The failure signatures of a run group, as the dashboard shows them: the first pass from
//! the runs' own errors at once, refined as the deep pass's answers arrive.

use crate::api::Scope;
use crate::api::triage::{self, DeepFailure, Failure, Signature};
use crate::api::types::Run;

#[derive(Debug, Clone, PartialEq)]
pub struct SignaturesView {
    pub scope: Scope,
    pub group_id: String,
    pub group_name: String,
    pub failures: Vec<Failure>,
    pub sigs: Vec<Signature>,
    pub selected: usize,
    pub offset: usize,
    /// The signature whose runs are listed, by its task and message (numbers change as the
    /// deep pass refines), and the selected run among them.
    pub open: Option<(String, String)>,
    pub run_selected: usize,
    /// The deep pass: walks asked for, answered, failed; when it started (Unix seconds).
    pub deep_total: usize,
    pub deep_done: usize,
    pub deep_failed: usize,
    pub deep_started: i64,
}

impl SignaturesView {
    /// The first pass over a group's runs.
    pub fn new(scope: Scope, group_id: String, group_name: String, runs: &[Run], now: i64) -> Self {
        let failures = triage::failures(runs);
        let sigs = triage::signatures(&failures);
        Self {
            scope,
            group_id,
            group_name,
            deep_total: failures.len(),
            failures,
            sigs,
            selected: 0,
            offset: 0,
            open: None,
            run_selected: 0,
            deep_done: 0,
            deep_failed: 0,
            deep_started: now,
        }
    }

    /// A walk's answer: the run's failure refined (or left as the first pass saw it), the
    /// signatures recomputed, the selection kept on the same signature where it survives.
    pub fn refine(&mut self, run_uuid: &str, found: Result<Option<DeepFailure>, ()>) {
        let keep = self
            .sigs
            .get(self.selected)
            .map(|s| (s.task.clone(), s.message.clone()));
        // In a signature's runs, the selected run is kept: refined, it may move to another
        // signature, which is then the one listed.
        let keep_run = self
            .opened()
            .and_then(|s| s.runs.get(self.run_selected))
            .cloned();
        if let Some(f) = self.failures.iter_mut().find(|f| f.run_uuid == run_uuid) {
            match found {
                Ok(Some(d)) => f.refine(d),
                Ok(None) => f.deep = true,
                Err(()) => self.deep_failed += 1,
            }
        }
        self.deep_done += 1;
        self.sigs = triage::signatures(&self.failures);
        if let Some((task, message)) = keep
            && let Some(i) = self
                .sigs
                .iter()
                .position(|s| s.task == task && s.message == message)
        {
            self.selected = i;
        }
        self.selected = self.selected.min(self.sigs.len().saturating_sub(1));
        if let Some(uuid) = keep_run {
            let now_in = self.sigs.iter().enumerate().find_map(|(i, s)| {
                let at = s.runs.iter().position(|r| *r == uuid)?;
                Some((i, s.task.clone(), s.message.clone(), at))
            });
            if let Some((i, task, message, at)) = now_in {
                self.open = Some((task, message));
                self.run_selected = at;
                self.selected = i;
            }
        }
        let listed = self.opened().map_or(0, |s| s.runs.len());
        self.run_selected = self.run_selected.min(listed.saturating_sub(1));
    }

    pub fn deep_running(&self) -> bool {
        self.deep_done < self.deep_total
    }

    /// Seconds left in the deep pass at the pace so far (`None` before the first answer).
    pub fn eta_secs(&self, now: i64) -> Option<i64> {
        if self.deep_done == 0 || !self.deep_running() {
            return None;
        }
        let spent = (now - self.deep_started).max(1);
        let left = (self.deep_total - self.deep_done) as i64;
        Some(spent * left / self.deep_done as i64)
    }

    /// The signature whose runs are listed.
    pub fn opened(&self) -> Option<&Signature> {
        let (task, message) = self.open.as_ref()?;
        self.sigs
            .iter()
            .find(|s| &s.task == task && &s.message == message)
    }

    pub fn selected_sig(&self) -> Option<&Signature> {
        self.opened().or_else(|| self.sigs.get(self.selected))
    }
}

/// Samples' attempts: every run of the project for one sample, newest first; or, for a
/// group's failed samples, those whose latest attempt failed too.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptsView {
    pub title: String,
    pub samples: Vec<String>,
    /// Only samples whose latest attempt failed (and only that attempt).
    pub still_failing: bool,
    pub loading: bool,
    /// (sample, run), in the order shown.
    pub rows: Vec<(String, Run)>,
    pub selected: usize,
    /// The signatures they were opened from, shown again when they are closed.
    pub from: Option<Box<SignaturesView>>,
}

impl AttemptsView {
    pub fn new(title: String, samples: Vec<String>, still_failing: bool) -> Self {
        Self {
            title,
            samples,
            still_failing,
            loading: true,
            rows: Vec::new(),
            selected: 0,
            from: None,
        }
    }

    /// The answer: each sample's runs arrive newest first.
    pub fn fill(&mut self, attempts: &std::collections::HashMap<String, Vec<Run>>) {
        self.loading = false;
        self.rows.clear();
        for s in &self.samples {
            let runs = attempts.get(s).map(Vec::as_slice).unwrap_or_default();
            if self.still_failing {
                if let Some(latest) = runs.first()
                    && crate::api::types::StatusClass::of(latest.status.as_deref().unwrap_or(""))
                        == crate::api::types::StatusClass::Failed
                {
                    self.rows.push((s.clone(), latest.clone()));
                }
            } else {
                self.rows
                    .extend(runs.iter().map(|r| (s.clone(), r.clone())));
            }
        }
    }
}
