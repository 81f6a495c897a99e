//! One thing worth telling about a watched group: JSON for programs (a line of `--json`,
//! `--exec`'s stdin, a webhook's body), environment variables for `--exec`, and one line of
//! text for people.

use serde::Serialize;

use crate::api::group::StatusCounts;
use crate::api::types::{Environment, Run, RunGroup};
use crate::sanitize;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    FirstFailure,
    NewSignature,
    FailedShare,
    Doomed,
    CacheExpiring,
    EnvUnavailable,
    Finished,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Self::FirstFailure => "first_failure",
            Self::NewSignature => "new_signature",
            Self::FailedShare => "failed_share",
            Self::Doomed => "doomed",
            Self::CacheExpiring => "cache_expiring",
            Self::EnvUnavailable => "env_unavailable",
            Self::Finished => "finished",
        }
    }

    /// Whether it is bad news (a notification says so).
    pub fn is_trouble(self) -> bool {
        !matches!(self, Self::Finished)
    }
}

/// The group's runs by what their statuses mean.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Counts {
    pub total: i64,
    pub pending: i64,
    pub running: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub terminated: i64,
}

impl Counts {
    pub fn of(g: &RunGroup) -> Self {
        let n = StatusCounts::of_group(g);
        Self {
            total: g.total_run.unwrap_or(0).max(n.total()),
            pending: n.pending,
            running: n.running,
            succeeded: n.succeeded,
            failed: n.failed,
            terminated: n.cancelled,
        }
    }
}

/// The run an event is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunInfo {
    pub run_uuid: String,
    /// UserDefinedId.
    pub sample: String,
    pub status: String,
    /// The first line of the message inside its ErrorMessage.
    pub error: String,
}

impl RunInfo {
    pub fn of(r: &Run) -> Self {
        let message = crate::api::types::error_message(r.error_message.as_deref().unwrap_or(""));
        Self {
            run_uuid: r.run_uuid.as_deref().unwrap_or_default().to_string(),
            sample: r.user_defined_id.as_deref().unwrap_or_default().to_string(),
            status: r.status.as_deref().unwrap_or_default().to_string(),
            error: message
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or_default()
                .to_string(),
        }
    }

    /// `NA12878 (uuid)`, or the uuid alone.
    pub fn label(&self) -> String {
        if self.sample.is_empty() {
            self.run_uuid.clone()
        } else {
            format!("{} ({})", self.sample, self.run_uuid)
        }
    }
}

/// The environment an event is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvInfo {
    pub environment_id: String,
    pub name: String,
    pub status: String,
    pub available: Option<bool>,
    pub message: String,
}

impl EnvInfo {
    pub fn of(e: &Environment) -> Self {
        Self {
            environment_id: e.environment_id.clone().unwrap_or_default(),
            name: e.name.clone().unwrap_or_default(),
            status: e.status.clone().unwrap_or_default(),
            available: e.available,
            message: e.message.clone().unwrap_or_default(),
        }
    }
}

/// One event. Every string from the network is as the service sent it here; [`Event::text`]
/// is already clean, and everything that prints or sends an event cleans or escapes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Event {
    pub event: Kind,
    /// When omtop saw it (RFC 3339).
    pub time: String,
    pub region: String,
    pub run_group_id: String,
    pub run_group_name: String,
    /// The group's status.
    pub status: String,
    pub counts: Counts,
    /// One line for people, clean of anything a terminal would act on.
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<RunInfo>,
    /// Failure signatures this event is about.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<String>,
    /// Failed runs as a percentage of all runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_percent: Option<f64>,
    /// The earliest time a run's call cache is cleared, and how many runs are affected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_clear_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_runs: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvInfo>,
    /// For `finished`: succeeded, failed or terminated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

impl Event {
    /// An event about `g` with the text given (cleaned here); the details are filled by
    /// the caller.
    pub fn new(kind: Kind, now: &str, region: &str, g: &RunGroup, text: &str) -> Self {
        Self {
            event: kind,
            time: now.to_string(),
            region: region.to_string(),
            run_group_id: g.run_group_id.clone().unwrap_or_default(),
            run_group_name: g.name.clone().unwrap_or_default(),
            status: g.status.clone().unwrap_or_default(),
            counts: Counts::of(g),
            text: sanitize::line(text).into_owned(),
            run: None,
            signatures: Vec::new(),
            failed_percent: None,
            cache_clear_time: None,
            cache_runs: None,
            environment: None,
            outcome: None,
        }
    }

    /// `NAME (ID)` of the group, for texts.
    pub fn group_label(g: &RunGroup) -> String {
        let id = g.run_group_id.as_deref().unwrap_or("?");
        match g.name.as_deref().filter(|n| !n.is_empty()) {
            Some(name) => format!("{name} ({id})"),
            None => id.to_string(),
        }
    }

    /// The event as one line of JSON, with anything a terminal would act on escaped.
    pub fn json_line(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        sanitize::escape_json(&text)
    }

    /// The environment variables `--exec` gets, cleaned to one line each.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        let clean = |s: &str| sanitize::line(s).into_owned();
        let mut v = vec![
            ("OMTOP_EVENT", self.event.name().to_string()),
            ("OMTOP_TEXT", self.text.clone()),
            ("OMTOP_TIME", clean(&self.time)),
            ("OMTOP_REGION", clean(&self.region)),
            ("OMTOP_RUN_GROUP_ID", clean(&self.run_group_id)),
            ("OMTOP_RUN_GROUP_NAME", clean(&self.run_group_name)),
            ("OMTOP_STATUS", clean(&self.status)),
            ("OMTOP_TOTAL", self.counts.total.to_string()),
            ("OMTOP_FAILED", self.counts.failed.to_string()),
        ];
        if let Some(r) = &self.run {
            v.push(("OMTOP_RUN_UUID", clean(&r.run_uuid)));
            v.push(("OMTOP_SAMPLE", clean(&r.sample)));
            v.push(("OMTOP_ERROR", clean(&r.error)));
        }
        if let Some(s) = self.signatures.first() {
            v.push(("OMTOP_SIGNATURE", clean(s)));
        }
        if let Some(o) = &self.outcome {
            v.push(("OMTOP_OUTCOME", o.clone()));
        }
        v
    }
}
