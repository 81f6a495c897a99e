//! How projects, run groups and runs behave as rows of a list.

use crate::api::types::{ExecutionTime, Project, Run, RunGroup, StatusClass, Timestamp};

use super::list::{Item, SortKey};

/// A project as the projects pane shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectRow {
    pub region: String,
    pub id: String,
    pub name: String,
    pub is_default: bool,
    /// A name given in the configuration.
    pub alias: Option<String>,
    pub project: Project,
    /// Run groups still live / failed, once the project's groups are known.
    pub running: Option<usize>,
    pub failed: Option<usize>,
}

impl ProjectRow {
    pub fn from_project(region: &str, p: Project) -> Self {
        Self {
            region: p
                .region
                .clone()
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| region.to_string()),
            id: p.project_id.clone().unwrap_or_default(),
            name: p.name.clone().unwrap_or_default(),
            is_default: p.is_default.unwrap_or(false),
            alias: None,
            project: p,
            running: None,
            failed: None,
        }
    }

    /// A region's default project whose id is not known yet (DescribeProjects is
    /// unavailable and it has no run groups to learn it from): reached by omitting
    /// ProjectId, as the fallback does.
    pub fn unknown_default(region: &str) -> Self {
        Self {
            region: region.to_string(),
            name: "default project".into(),
            is_default: true,
            ..Self::default()
        }
    }

    /// The scope its run groups are asked in (no ProjectId while its id is not known).
    pub fn scope(&self) -> crate::api::Scope {
        let id = Some(self.id.clone()).filter(|id| !id.is_empty());
        crate::api::Scope::new(self.region.clone(), id)
    }

    /// The name shown: the alias, the project's name, or its id.
    pub fn display_name(&self) -> &str {
        self.alias
            .as_deref()
            .filter(|a| !a.is_empty())
            .or(Some(self.name.as_str()).filter(|n| !n.is_empty()))
            .unwrap_or(&self.id)
    }
}

impl Item for ProjectRow {
    fn id(&self) -> String {
        self.id.clone()
    }
    fn status(&self) -> &str {
        if self.failed.unwrap_or(0) > 0 {
            "ERROR"
        } else if self.running.unwrap_or(0) > 0 {
            "RUNNING"
        } else {
            ""
        }
    }
    fn haystack(&self) -> String {
        format!(
            "{} {} {} {}",
            self.display_name(),
            self.name,
            self.id,
            self.region
        )
    }
    fn sort_columns() -> &'static [&'static str] {
        &["region", "name", "running", "failed"]
    }
    fn sort_key(&self, col: usize) -> SortKey {
        match col {
            0 => SortKey::Text(format!("{} {}", self.region, u8::from(!self.is_default))),
            1 => SortKey::Text(self.display_name().to_lowercase()),
            2 => SortKey::Num(self.running.unwrap_or(0) as i64),
            _ => SortKey::Num(self.failed.unwrap_or(0) as i64),
        }
    }
}

fn unix(t: &Option<Timestamp>) -> Option<i64> {
    t.as_ref().and_then(Timestamp::unix)
}

/// Start and end (Unix seconds) of an execution.
pub fn span(e: &Option<ExecutionTime>) -> (Option<i64>, Option<i64>) {
    match e {
        Some(e) => (
            unix(&e.start_time).or_else(|| unix(&e.submit_time)),
            unix(&e.end_time),
        ),
        None => (None, None),
    }
}

pub use crate::api::group::{StatusCounts as Counts, doomed, is_nextflow};

impl Item for RunGroup {
    fn id(&self) -> String {
        self.run_group_id.clone().unwrap_or_default()
    }
    fn status(&self) -> &str {
        self.status.as_deref().unwrap_or("")
    }
    fn haystack(&self) -> String {
        format!(
            "{} {} {} {}",
            self.name.as_deref().unwrap_or(""),
            self.run_group_id.as_deref().unwrap_or(""),
            self.application_name.as_deref().unwrap_or(""),
            self.status()
        )
    }
    fn sort_columns() -> &'static [&'static str] {
        &["created", "name", "status", "failed"]
    }
    fn sort_key(&self, col: usize) -> SortKey {
        match col {
            0 => SortKey::Num(unix(&self.create_time).unwrap_or(0)),
            1 => SortKey::Text(self.name.clone().unwrap_or_default().to_lowercase()),
            2 => SortKey::Num(StatusClass::of(self.status()) as i64),
            _ => SortKey::Num(Counts::of_group(self).failed),
        }
    }
}

/// What a run is called on screen: its sample (UserDefinedId), or the start of its
/// RunUuid when it has none (a run launched without a table).
pub fn run_label(r: &Run) -> String {
    match r.user_defined_id.as_deref().map(str::trim) {
        Some(sample) if !sample.is_empty() => sample.to_string(),
        _ => r
            .run_uuid
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(8)
            .collect(),
    }
}

impl Item for Run {
    fn id(&self) -> String {
        self.run_uuid.as_deref().unwrap_or_default().to_string()
    }
    fn status(&self) -> &str {
        self.status.as_deref().unwrap_or("")
    }
    fn haystack(&self) -> String {
        format!(
            "{} {} {} {}",
            self.user_defined_id.as_deref().unwrap_or(""),
            self.run_uuid.as_deref().unwrap_or(""),
            self.status(),
            self.error_message.as_deref().unwrap_or("")
        )
    }
    fn sort_columns() -> &'static [&'static str] {
        &["sample", "status", "duration", "uuid"]
    }
    fn sort_key(&self, col: usize) -> SortKey {
        match col {
            0 => SortKey::Text(
                self.user_defined_id
                    .clone()
                    .unwrap_or_default()
                    .to_lowercase(),
            ),
            1 => SortKey::Num(StatusClass::of(self.status()) as i64),
            2 => {
                let (s, e) = span(&self.execution_time);
                SortKey::Num(match (s, e) {
                    (Some(s), Some(e)) => e - s,
                    (Some(_), None) => i64::MAX,
                    _ => -1,
                })
            }
            _ => SortKey::Text(self.id()),
        }
    }
}
