//! Reads of one run, which the cache answers once the run has finished, and the lists a
//! dashboard shows first at its next start.
//!
//! omtop learns that a run has finished from the answers it reads (DescribeRuns, or
//! GetRunStatus with a final status) and keeps that fact. Only then are the run's call tree,
//! status, task logs and metadata files stored and served from the cache: a GetRunCalls,
//! GetRunJobLog or metadata file asked for after the run was seen finished cannot change.
//! A run not known to be finished is always asked. Presigned URLs are never kept (they
//! expire, and anyone holding one can read the file): the file's content is.

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::actions::{Scope, body};
use super::answer::{decode_as, typed};
use super::client::{Client, Reply};
use super::error::ApiError;
use super::queue::Priority;
use super::text::Held;
use super::types::{
    GetRunCallsResponse, GetRunJobLogResponse, GetRunMetadataFileResponse, GetRunStatusResponse,
    Project, Run, RunGroup, RunMetadata, StatusClass,
};
use crate::cache::{Cache, Key, Kind};

/// Whether a status is final: succeeded, failed or cancelled. A status omtop does not know
/// is not final: the service may have added a live one.
pub fn is_final(status: &str) -> bool {
    matches!(
        StatusClass::of(status),
        StatusClass::Succeeded | StatusClass::Failed | StatusClass::Cancelled
    )
}

/// The lists a dashboard shows at once at its next start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum List {
    /// DescribeProjects of a region.
    Projects,
    /// DescribeRunGroups of a project.
    Groups,
    /// DescribeRuns of one run group.
    Runs(String),
}

impl List {
    fn id(&self) -> String {
        match self {
            Self::Projects => "projects".into(),
            Self::Groups => "groups".into(),
            Self::Runs(g) => format!("runs/{g}"),
        }
    }
}

/// A list is written at most this often (the dashboard refreshes every 10 s; a 5,000-run
/// list is a few MB).
const LIST_WRITE_SECS: u64 = 60;

impl Client {
    /// The cache this client reads and writes, if any.
    pub fn cache(&self) -> Option<&Cache> {
        self.inner.cache.as_ref()
    }

    /// The cache's problems not yet told (each is told once).
    pub fn cache_reports(&self) -> Vec<String> {
        self.cache().map(Cache::take_reports).unwrap_or_default()
    }

    fn key(&self, kind: Kind, scope: &Scope, id: &str, part: &str) -> Option<Key> {
        let project = scope.project_id.as_deref().unwrap_or_default();
        Some(self.cache()?.key(kind, &scope.region, id, part, project))
    }

    fn memo(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<(String, String)>> {
        self.inner
            .finished
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether `run` is known to have finished (by this process or the cache).
    pub(super) async fn is_finished(&self, scope: &Scope, run: &str) -> bool {
        let memo = (scope.region.clone(), run.to_string());
        if self.memo().contains(&memo) {
            return true;
        }
        let (Some(cache), Some(key)) = (self.cache(), self.key(Kind::Finished, scope, run, ""))
        else {
            return false;
        };
        let known = cache.has(key).await;
        if known {
            self.memo().insert(memo);
        }
        known
    }

    /// Remembers the runs among (uuid, status) whose status is final.
    pub(super) async fn learn_finished<'a>(
        &self,
        scope: &Scope,
        runs: impl Iterator<Item = (&'a str, &'a str)>,
    ) {
        let Some(cache) = self.cache() else { return };
        let mut entries = Vec::new();
        {
            let mut memo = self.memo();
            for (run, status) in runs.filter(|(r, s)| !r.is_empty() && is_final(s)) {
                if memo.insert((scope.region.clone(), run.to_string())) {
                    let key = self.key(Kind::Finished, scope, run, "");
                    entries.extend(key.map(|k| (k, Bytes::from(status.to_string()))));
                }
            }
        }
        cache.put(entries).await;
    }

    /// A finished run's stored entry.
    async fn kept(&self, kind: Kind, scope: &Scope, run: &str, part: &str) -> Option<Vec<u8>> {
        let key = self.key(kind, scope, run, part)?;
        self.cache()?.get(key).await
    }

    async fn keep(&self, kind: Kind, scope: &Scope, run: &str, part: &str, body: Bytes) {
        if let (Some(cache), Some(key)) = (self.cache(), self.key(kind, scope, run, part)) {
            cache.put(vec![(key, body)]).await;
        }
    }

    /// Stores a list a dashboard may show first next time (at most once a minute each).
    pub(super) async fn keep_list<T: Serialize>(&self, scope: &Scope, list: List, items: &[T]) {
        let Some(key) = self.key(Kind::List, scope, &list.id(), &self.inner.profile) else {
            return;
        };
        {
            let mut written = self
                .inner
                .lists_written
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let id = format!("{}\n{}\n{}", key.region, key.project, key.id);
            let now = std::time::Instant::now();
            if written
                .get(&id)
                .is_some_and(|t| now.duration_since(*t).as_secs() < LIST_WRITE_SECS)
            {
                return;
            }
            written.insert(id, now);
        }
        if let (Ok(body), Some(cache)) = (serde_json::to_vec(items), self.cache()) {
            cache.put(vec![(key, Bytes::from(body))]).await;
        }
    }

    async fn kept_list<T: DeserializeOwned>(&self, scope: &Scope, list: List) -> Option<(i64, T)> {
        let key = self.key(Kind::List, scope, &list.id(), &self.inner.profile)?;
        let (at, body) = self.cache()?.get_dated(key).await?;
        let items = super::text::sharing(|| serde_json::from_slice(&body)).ok()?;
        Some((at, items))
    }

    /// The projects of a region as last listed (Unix time of the listing, projects).
    pub async fn cached_projects(&self, region: &str) -> Option<(i64, Vec<Project>)> {
        self.kept_list(&Scope::new(region, None), List::Projects)
            .await
    }

    /// The run groups of a project as last listed.
    pub async fn cached_groups(&self, scope: &Scope) -> Option<(i64, Vec<RunGroup>)> {
        self.kept_list(scope, List::Groups).await
    }

    /// The runs of a run group as last listed.
    pub async fn cached_runs(&self, scope: &Scope, group: &str) -> Option<(i64, Vec<Run>)> {
        self.kept_list(scope, List::Runs(group.to_string())).await
    }

    /// GetRunCalls: the calls at `path` of a run ("/" for the top level, "/A/B" below the
    /// call with RunId B inside the call with RunId A). A finished run's from the cache.
    pub async fn get_run_calls(
        &self,
        scope: &Scope,
        run_uuid: &str,
        path: &str,
        priority: Priority,
    ) -> Result<Vec<RunMetadata>, ApiError> {
        self.get_run_calls_sharing(scope, run_uuid, path, priority, Held::default())
            .await
    }

    /// GetRunCalls for a path whose last answer the caller still holds: the calls read
    /// share the strings of `held` ([`Held::of_calls`] of that answer) where they are equal,
    /// so a refresh of a large scatter is not a second copy of it.
    pub async fn get_run_calls_sharing(
        &self,
        scope: &Scope,
        run_uuid: &str,
        path: &str,
        priority: Priority,
        held: Held,
    ) -> Result<Vec<RunMetadata>, ApiError> {
        const ACTION: &str = "GetRunCalls";
        let finished = self.is_finished(scope, run_uuid).await;
        if finished
            && let Some(b) = self.kept(Kind::Calls, scope, run_uuid, path).await
            && let Ok(r) = decode_as::<GetRunCallsResponse>(ACTION, b.into())
        {
            return Ok(r.data.calls.unwrap_or_default());
        }
        let body = body::calls(scope, run_uuid, path);
        if !finished || self.cache().is_none() {
            // Nothing to keep: read it as it arrives.
            return self
                .calls_streamed(&scope.region, &body, priority, held)
                .await;
        }
        let raw = self.read(ACTION, &scope.region, &body, priority).await?;
        let r: Reply<GetRunCallsResponse> = typed(ACTION, &raw)?;
        let calls = r.data.calls.unwrap_or_default();
        // A call still live in a finished run's tree: the service has not settled it yet.
        let settled = calls
            .iter()
            .all(|c| is_final(c.status.as_deref().unwrap_or("")));
        if settled {
            self.keep(Kind::Calls, scope, run_uuid, path, raw.data)
                .await;
        }
        Ok(calls)
    }

    /// GetRunStatus: the run itself as one RunMetadata. A final status is remembered, and
    /// the answer kept.
    pub async fn get_run_status(
        &self,
        scope: &Scope,
        run_uuid: &str,
        priority: Priority,
    ) -> Result<RunMetadata, ApiError> {
        const ACTION: &str = "GetRunStatus";
        if self.is_finished(scope, run_uuid).await
            && let Some(b) = self.kept(Kind::Status, scope, run_uuid, "").await
            && let Ok(r) = decode_as::<GetRunStatusResponse>(ACTION, b.into())
        {
            return Ok(r.data.metadata.unwrap_or_default());
        }
        let body = body::status(scope, run_uuid);
        let raw = self.read(ACTION, &scope.region, &body, priority).await?;
        let r: Reply<GetRunStatusResponse> = typed(ACTION, &raw)?;
        let meta = r.data.metadata.unwrap_or_default();
        if let Some(status) = meta.status.as_deref().filter(|s| is_final(s)) {
            self.learn_finished(scope, std::iter::once((run_uuid, status)))
                .await;
            self.keep(Kind::Status, scope, run_uuid, "", raw.data).await;
        }
        Ok(meta)
    }

    /// GetRunMetadataFile: a presigned URL (valid about a minute) for one file of a run.
    /// Never cached.
    pub async fn get_run_metadata_file(
        &self,
        scope: &Scope,
        run_uuid: &str,
        key: &str,
        priority: Priority,
    ) -> Result<String, ApiError> {
        let body = body::metadata_file(scope, run_uuid, key);
        let r: Reply<GetRunMetadataFileResponse> = self
            .call("GetRunMetadataFile", &scope.region, &body, priority)
            .await?;
        r.data
            .cos_signed_url
            .filter(|u| !u.is_empty())
            .or_else(|| r.data.cos_signed_urls.and_then(|v| v.into_iter().next()))
            .ok_or_else(|| ApiError::Service {
                action: "GetRunMetadataFile".into(),
                code: "ResourceNotFound".into(),
                message: format!("no URL returned for {key}"),
                request_id: r.request_id,
            })
    }

    /// Downloads a run's metadata file (nextflow.log, execution_trace.txt, ...) as text.
    pub async fn fetch_metadata_file(
        &self,
        scope: &Scope,
        run_uuid: &str,
        key: &str,
        priority: Priority,
    ) -> Result<String, ApiError> {
        let bytes = self
            .fetch_metadata_bytes(scope, run_uuid, key, priority)
            .await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Downloads a run's metadata file byte for byte. The URL is presigned for about a
    /// minute, so each attempt asks for a fresh one. A finished run's file comes from the
    /// cache.
    pub async fn fetch_metadata_bytes(
        &self,
        scope: &Scope,
        run_uuid: &str,
        key: &str,
        priority: Priority,
    ) -> Result<Vec<u8>, ApiError> {
        let finished = self.is_finished(scope, run_uuid).await;
        if finished && let Some(b) = self.kept(Kind::File, scope, run_uuid, key).await {
            return Ok(b);
        }
        let mut last = None;
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(300 << attempt)).await;
            }
            let url = self
                .get_run_metadata_file(scope, run_uuid, key, priority)
                .await?;
            match self.download_bytes(&url).await {
                Ok(bytes) => {
                    if finished {
                        self.keep(Kind::File, scope, run_uuid, key, Bytes::from(bytes.clone()))
                            .await;
                    }
                    return Ok(bytes);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| ApiError::Local {
            action: "download".into(),
            detail: format!("{key}: no attempt made"),
        }))
    }

    /// GetRunJobLog: a task's stdout or stderr; a finished run's from the cache.
    pub async fn get_run_job_log(
        &self,
        scope: &Scope,
        run_uuid: &str,
        job_id: &str,
        path: &str,
        stderr: bool,
        priority: Priority,
    ) -> Result<String, ApiError> {
        const ACTION: &str = "GetRunJobLog";
        let log_type = if stderr { "stderr" } else { "stdout" };
        let part = format!("{log_type}\n{job_id}\n{path}");
        let finished = self.is_finished(scope, run_uuid).await;
        if finished
            && let Some(b) = self.kept(Kind::JobLog, scope, run_uuid, &part).await
            && let Ok(r) = decode_as::<GetRunJobLogResponse>(ACTION, b.into())
        {
            return Ok(r.data.content.unwrap_or_default());
        }
        let body = body::job_log(scope, run_uuid, job_id, path, stderr);
        let raw = self.read(ACTION, &scope.region, &body, priority).await?;
        let r: Reply<GetRunJobLogResponse> = typed(ACTION, &raw)?;
        if finished {
            self.keep(Kind::JobLog, scope, run_uuid, &part, raw.data)
                .await;
        }
        Ok(r.data.content.unwrap_or_default())
    }

    /// A finished run's stored value of `kind` (a derived result, such as triage's).
    pub(super) async fn kept_value<T: DeserializeOwned>(
        &self,
        kind: Kind,
        scope: &Scope,
        run: &str,
        part: &str,
    ) -> Option<T> {
        if !self.is_finished(scope, run).await {
            return None;
        }
        let body = self.kept(kind, scope, run, part).await?;
        serde_json::from_slice(&body).ok()
    }

    /// Keeps a value derived from a finished run's answers (nothing for a live run).
    pub(super) async fn keep_value<T: Serialize>(
        &self,
        kind: Kind,
        scope: &Scope,
        run: &str,
        part: &str,
        value: &T,
    ) {
        if self.is_finished(scope, run).await
            && let Ok(body) = serde_json::to_vec(value)
        {
            self.keep(kind, scope, run, part, Bytes::from(body)).await;
        }
    }
}
