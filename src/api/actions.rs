//! The actions omtop uses, typed. Paged lists read TotalCount from the first page and then
//! ask for every other page at once; the rate limiter spaces them out, so a long list loads
//! as fast as the service allows and not a request faster.

use futures::future::try_join_all;
use serde::Serialize;
use serde_json::{Value, json};

use super::MAX_PAGE;
use super::client::{Client, Reply};
use super::error::ApiError;
use super::queue::Priority;
use super::types::{
    DescribeProjectsResponse, DescribeRunGroupsResponse, DescribeRunsResponse, Filter, GitInfo,
    NFOption, Project, Run, RunGroup, RunGroupCreatedResponse, RunOption,
};

/// The most items a paged list fetches (1,000 pages of 100).
const MAX_ITEMS: u64 = 100_000;

/// Where a request goes: a region, and a project in it (`None`: the region's default).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Scope {
    pub region: String,
    pub project_id: Option<String>,
}

impl Scope {
    pub fn new(region: impl Into<String>, project_id: Option<String>) -> Self {
        Self {
            region: region.into(),
            project_id: project_id.filter(|p| !p.is_empty()),
        }
    }

    pub(super) fn body(&self) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        if let Some(p) = &self.project_id {
            m.insert("ProjectId".into(), Value::String(p.clone()));
        }
        m
    }
}

/// What RetryRuns retries, and how.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RetryRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_group_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub run_uuids: Vec<String>,
    #[serde(rename = "WDLOption", skip_serializing_if = "Option::is_none")]
    pub wdl_option: Option<RunOption>,
    #[serde(rename = "NFOption", skip_serializing_if = "Option::is_none")]
    pub nf_option: Option<NFOption>,
}

/// What RunApplication launches.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchRequest {
    pub application_id: String,
    pub name: String,
    pub environment_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_base64: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_cos_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub table_row_uuids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<RunOption>,
    #[serde(rename = "NFOption", skip_serializing_if = "Option::is_none")]
    pub nf_option: Option<NFOption>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_clear_delay: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_mode: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volume_ids: Vec<String>,
}

/// What RunWorkflow runs: a Nextflow workflow straight from a git repository.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WorkflowRequest {
    pub name: String,
    pub environment_id: String,
    pub git_source: GitInfo,
    /// The workflow language; the reference lists only `NEXTFLOW`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// Required by the reference, even when every option is left to its default.
    #[serde(rename = "NFOption")]
    pub nf_option: NFOption,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_base64: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_cos_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_clear_delay: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_dir: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volume_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<String>,
}

/// The answer to a mutation that made a run group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub run_group_id: String,
    pub request_id: String,
}

/// One request as it is sent: the action, the region (X-TC-Region) and the JSON body. What
/// `--print-tccli` and the dashboard's `Y` turn into a tccli command.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub action: &'static str,
    pub region: String,
    pub body: Value,
}

impl Call {
    pub fn new(action: &'static str, region: impl Into<String>, body: Value) -> Self {
        Self {
            action,
            region: region.into(),
            body,
        }
    }
}

/// The exact bodies the client sends, for sending and for showing before or instead of
/// sending (`--dry-run`, `--print-tccli`, the dashboard's confirmation and `Y`).
pub mod body {
    use super::{
        Filter, LaunchRequest, MAX_PAGE, RetryRequest, Scope, WorkflowRequest, filters_value, merge,
    };
    use serde_json::{Value, json};

    /// A page of a Describe action: `Limit` 100 from `offset`, with the filters.
    pub fn page(scope: &Scope, filters: &[Filter], offset: u64) -> Value {
        let mut body = scope.body();
        body.insert("Limit".into(), json!(MAX_PAGE));
        body.insert("Offset".into(), json!(offset));
        if !filters.is_empty() {
            body.insert("Filters".into(), filters_value(filters));
        }
        Value::Object(body)
    }

    pub fn calls(scope: &Scope, run_uuid: &str, path: &str) -> Value {
        merge(scope.body(), json!({"RunUuid": run_uuid, "Path": path}))
    }

    pub fn status(scope: &Scope, run_uuid: &str) -> Value {
        merge(scope.body(), json!({"RunUuid": run_uuid}))
    }

    pub fn metadata_file(scope: &Scope, run_uuid: &str, key: &str) -> Value {
        merge(scope.body(), json!({"RunUuid": run_uuid, "Key": key}))
    }

    pub fn job_log(scope: &Scope, run_uuid: &str, job_id: &str, path: &str, stderr: bool) -> Value {
        let log_type = if stderr { "stderr" } else { "stdout" };
        merge(
            scope.body(),
            json!({"RunUuid": run_uuid, "JobId": job_id, "LogType": log_type, "Path": path}),
        )
    }

    pub fn terminate(scope: &Scope, run_group_id: &str) -> Value {
        merge(scope.body(), json!({"RunGroupId": run_group_id}))
    }

    pub fn retry(scope: &Scope, req: &RetryRequest) -> Value {
        merge(
            scope.body(),
            serde_json::to_value(req).unwrap_or(Value::Null),
        )
    }

    pub fn launch(scope: &Scope, req: &LaunchRequest) -> Value {
        merge(
            scope.body(),
            serde_json::to_value(req).unwrap_or(Value::Null),
        )
    }

    pub fn workflow(scope: &Scope, req: &WorkflowRequest) -> Value {
        merge(
            scope.body(),
            serde_json::to_value(req).unwrap_or(Value::Null),
        )
    }

    /// The names of request fields that hold secrets.
    pub const SECRET_FIELDS: [&str; 1] = ["GitTokenOrPassword"];

    /// A body as it may be shown or recorded: every secret field, at any depth, replaced by
    /// `***` (an empty one stays empty, so it is clear none was given).
    pub fn redacted(body: &Value) -> Value {
        match body {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| {
                        let secret = SECRET_FIELDS.contains(&k.as_str())
                            && v.as_str().is_none_or(|s| !s.is_empty());
                        let shown = if secret {
                            Value::String("***".into())
                        } else {
                            redacted(v)
                        };
                        (k.clone(), shown)
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
            other => other.clone(),
        }
    }
}

pub(super) fn merge(mut base: serde_json::Map<String, Value>, extra: Value) -> Value {
    if let Value::Object(m) = extra {
        base.extend(m);
    }
    Value::Object(base)
}

fn filters_value(filters: &[Filter]) -> Value {
    serde_json::to_value(filters).unwrap_or(Value::Null)
}

impl Client {
    /// Fetches every page of a Describe action scoped to a project (`ProjectId` when the
    /// scope names one). An item that moved between pages while they were read (the lists
    /// are live) is kept once.
    async fn all_pages<R: Paged>(
        &self,
        action: &str,
        scope: &Scope,
        filters: &[Filter],
        priority: Priority,
    ) -> Result<Vec<R::Item>, ApiError> {
        self.all_pages_of::<R>(action, &scope.region, scope.body(), filters, priority)
            .await
    }

    /// Fetches every page of a Describe action whose other parameters are `base`.
    pub(super) async fn all_pages_of<R: Paged>(
        &self,
        action: &str,
        region: &str,
        base: serde_json::Map<String, Value>,
        filters: &[Filter],
        priority: Priority,
    ) -> Result<Vec<R::Item>, ApiError> {
        let page = |offset: u64| {
            let mut body = base.clone();
            body.insert("Limit".into(), json!(MAX_PAGE));
            body.insert("Offset".into(), json!(offset));
            if !filters.is_empty() {
                body.insert("Filters".into(), filters_value(filters));
            }
            let body = Value::Object(body);
            async move {
                self.call::<R>(action, region, &body, priority)
                    .await
                    .map(|r| r.data)
            }
        };
        let (total, mut all) = page(0).await?.split();
        let total = u64::try_from(total.unwrap_or(0)).unwrap_or(0);
        // The first page's length is the page size the service really uses (it may cap
        // Limit below what was asked).
        let step = all.len() as u64;
        if step == 0 || step >= total {
            return Ok(all);
        }
        if total > MAX_ITEMS {
            return Err(ApiError::Local {
                action: action.to_string(),
                detail: format!(
                    "{total} items is more than omtop lists at once ({MAX_ITEMS}); narrow it with a filter"
                ),
            });
        }
        let offsets = (1..).map(|i| i * step).take_while(|o| *o < total);
        let rest = try_join_all(offsets.map(page)).await?;
        let pages: Vec<Vec<R::Item>> = rest.into_iter().map(|r| r.split().1).collect();
        all.reserve_exact(pages.iter().map(Vec::len).sum());
        for p in pages {
            all.extend(p);
        }
        let mut seen = std::collections::HashSet::new();
        all.retain(|i| R::id(i).is_none_or(|k| seen.insert(k.to_string())));
        Ok(all)
    }

    /// DescribeProjects: every project of a region.
    pub async fn describe_projects(
        &self,
        region: &str,
        priority: Priority,
    ) -> Result<Vec<Project>, ApiError> {
        let scope = Scope::new(region, None);
        let list = self
            .all_pages::<DescribeProjectsResponse>("DescribeProjects", &scope, &[], priority)
            .await?;
        self.keep_list(&scope, super::finished::List::Projects, &list)
            .await;
        Ok(list)
    }

    /// DescribeRunGroups: every run group matching the filters.
    pub async fn describe_run_groups(
        &self,
        scope: &Scope,
        filters: &[Filter],
        priority: Priority,
    ) -> Result<Vec<RunGroup>, ApiError> {
        let list = self
            .all_pages::<DescribeRunGroupsResponse>("DescribeRunGroups", scope, filters, priority)
            .await?;
        if filters.is_empty() {
            self.keep_list(scope, super::finished::List::Groups, &list)
                .await;
        }
        Ok(list)
    }

    /// DescribeRuns: every run matching the filters (e.g. `RunGroupId`). Runs it lists as
    /// finished are remembered as such (see `api::finished`).
    pub async fn describe_runs(
        &self,
        scope: &Scope,
        filters: &[Filter],
        priority: Priority,
    ) -> Result<Vec<Run>, ApiError> {
        let list = self
            .all_pages::<DescribeRunsResponse>("DescribeRuns", scope, filters, priority)
            .await?;
        self.learn_finished(
            scope,
            list.iter()
                .filter_map(|r| Some((r.run_uuid.as_deref()?, r.status.as_deref()?))),
        )
        .await;
        if let [f] = filters
            && f.name == "RunGroupId"
            && let [group] = f.values.as_slice()
        {
            self.keep_list(scope, super::finished::List::Runs(group.clone()), &list)
                .await;
        }
        Ok(list)
    }

    /// TerminateRunGroup; returns the RequestId.
    pub async fn terminate_run_group(
        &self,
        scope: &Scope,
        run_group_id: &str,
    ) -> Result<String, ApiError> {
        let body = body::terminate(scope, run_group_id);
        let r: Reply<Value> = self
            .call(
                "TerminateRunGroup",
                &scope.region,
                &body,
                Priority::Interactive,
            )
            .await?;
        Ok(r.request_id)
    }

    /// RetryRuns: makes a new run group of new runs.
    pub async fn retry_runs(&self, scope: &Scope, req: &RetryRequest) -> Result<Created, ApiError> {
        self.created("RetryRuns", &scope.region, &body::retry(scope, req))
            .await
    }

    /// RunApplication: launches a new run group.
    pub async fn run_application(
        &self,
        scope: &Scope,
        req: &LaunchRequest,
    ) -> Result<Created, ApiError> {
        self.created("RunApplication", &scope.region, &body::launch(scope, req))
            .await
    }

    pub(super) async fn created(
        &self,
        action: &str,
        region: &str,
        body: &Value,
    ) -> Result<Created, ApiError> {
        let r: Reply<RunGroupCreatedResponse> = self
            .call(action, region, body, Priority::Interactive)
            .await?;
        let id = r.data.run_group_id.unwrap_or_default();
        if id.is_empty() {
            // The call succeeded, so the group exists; only its id is missing.
            return Err(ApiError::Service {
                action: action.to_string(),
                code: "MissingRunGroupId".into(),
                message: "the service accepted the request but returned no RunGroupId".into(),
                request_id: r.request_id,
            });
        }
        Ok(Created {
            run_group_id: id,
            request_id: r.request_id,
        })
    }
}

/// A page of a Describe action: its TotalCount, its items, and how an item is told apart.
pub(super) trait Paged: serde::de::DeserializeOwned {
    type Item;
    fn split(self) -> (Option<i64>, Vec<Self::Item>);
    fn id(item: &Self::Item) -> Option<&str>;
}

impl Paged for DescribeProjectsResponse {
    type Item = Project;
    fn split(self) -> (Option<i64>, Vec<Project>) {
        (self.total_count, self.projects.unwrap_or_default())
    }
    fn id(item: &Project) -> Option<&str> {
        item.project_id.as_deref()
    }
}

impl Paged for DescribeRunGroupsResponse {
    type Item = RunGroup;
    fn split(self) -> (Option<i64>, Vec<RunGroup>) {
        (self.total_count, self.run_groups.unwrap_or_default())
    }
    fn id(item: &RunGroup) -> Option<&str> {
        item.run_group_id.as_deref()
    }
}

impl Paged for DescribeRunsResponse {
    type Item = Run;
    fn split(self) -> (Option<i64>, Vec<Run>) {
        (self.total_count, self.runs.unwrap_or_default())
    }
    fn id(item: &Run) -> Option<&str> {
        item.run_uuid.as_deref()
    }
}
