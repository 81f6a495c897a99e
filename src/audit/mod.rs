//! The audit log: every mutation (TerminateRunGroup, RetryRuns, RunApplication,
//! RunWorkflow), from the CLI or the dashboard, as JSON lines in `<data dir>/audit.jsonl`. An intent is appended and
//! flushed to disk before the request is sent, and its result after; nothing is rewritten.
//! If the intent cannot be written, the mutation is not sent.

mod read;

pub use read::{Entry, for_group, parse, read};

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The file name of the audit log in the data directory.
pub const FILE_NAME: &str = "audit.jsonl";

/// The audit log of a data directory.
pub fn file_in(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// Who is acting, recorded with every intent; never a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// `cli` or `dashboard`.
    pub origin: String,
    /// The tccli/SDK profile name in use.
    pub profile: String,
    /// Where the credentials came from (`CredentialProvider::describe`).
    pub credentials: String,
    pub endpoint: String,
}

/// How a mutation ended, as far as omtop knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "ok")]
    Ok,
    #[serde(rename = "error")]
    Error,
    /// It may or may not have been carried out (see `ApiError::outcome_unknown`).
    #[serde(rename = "outcome unknown")]
    OutcomeUnknown,
    /// An intent without a result: omtop stopped (killed, crashed) while it was in flight.
    #[serde(rename = "no result")]
    NoResult,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::OutcomeUnknown => "outcome unknown",
            Self::NoResult => "no result",
        }
    }
}

/// What was about to be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    pub time: DateTime<Utc>,
    /// Pairs the intent with its result.
    pub id: String,
    pub action: String,
    pub region: String,
    /// The request's JSON body.
    pub params: Value,
    #[serde(flatten)]
    pub context: Context,
    pub pid: u32,
    pub version: String,
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    pub time: DateTime<Utc>,
    pub id: String,
    pub action: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The run group a RetryRuns, RunApplication or RunWorkflow made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_group_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Record {
    Intent(Intent),
    Result(Completion),
}

/// The outcome of a mutation, as `Completion` records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub request_id: Option<String>,
    pub run_group_id: Option<String>,
    /// `None` when it succeeded.
    pub error: Option<(Status, Option<String>, String)>,
}

impl Outcome {
    pub fn ok(request_id: String, run_group_id: Option<String>) -> Self {
        Self {
            request_id: Some(request_id).filter(|r| !r.is_empty()),
            run_group_id,
            error: None,
        }
    }

    /// A failure: its status (error or outcome unknown), code, message and RequestId.
    pub fn failed(
        status: Status,
        code: Option<String>,
        message: String,
        request_id: Option<String>,
    ) -> Self {
        Self {
            request_id: request_id.filter(|r| !r.is_empty()),
            run_group_id: None,
            error: Some((status, code, message)),
        }
    }
}

/// Where records go: a file appended to, or the reason there is none (then every mutation
/// is refused). Cheap to clone; writes from one process are serialised.
#[derive(Clone)]
pub struct AuditLog {
    inner: Arc<Inner>,
}

struct Inner {
    path: Result<PathBuf, String>,
    context: Context,
    lock: Mutex<()>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl AuditLog {
    /// A log at `path`, or none (`Err(why)`): then mutations are refused.
    pub fn new(path: Result<PathBuf, String>, context: Context) -> Self {
        Self {
            inner: Arc::new(Inner {
                path,
                context,
                lock: Mutex::new(()),
            }),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref().ok()
    }

    /// Records and flushes an intent; returns the id that pairs it with its result.
    pub async fn intent(
        &self,
        action: &str,
        region: &str,
        params: &Value,
    ) -> Result<String, String> {
        let id = format!("{:016x}", rand::random::<u64>());
        let record = Record::Intent(Intent {
            time: Utc::now(),
            id: id.clone(),
            action: action.to_string(),
            region: region.to_string(),
            // A git password or token is a secret: recorded only as `***`.
            params: crate::api::actions::body::redacted(params),
            context: self.inner.context.clone(),
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        });
        self.append(record).await?;
        Ok(id)
    }

    /// Records and flushes the result of intent `id`.
    pub async fn result(&self, id: &str, action: &str, outcome: Outcome) -> Result<(), String> {
        let (status, error_code, error) = match outcome.error {
            None => (Status::Ok, None, None),
            Some((status, code, message)) => (status, code, Some(message)),
        };
        self.append(Record::Result(Completion {
            time: Utc::now(),
            id: id.to_string(),
            action: action.to_string(),
            status,
            request_id: outcome.request_id,
            run_group_id: outcome.run_group_id,
            error_code,
            error,
        }))
        .await
    }

    async fn append(&self, record: Record) -> Result<(), String> {
        let path = self.inner.path.clone()?;
        let mut line = serde_json::to_string(&record)
            .map_err(|e| format!("cannot encode the audit record: {e}"))?;
        line.push('\n');
        let log = self.clone();
        let shown = path.display().to_string();
        tokio::task::spawn_blocking(move || {
            let _one_at_a_time = log
                .inner
                .lock
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            append_synced(&path, line.as_bytes())
        })
        .await
        .map_err(|e| format!("cannot write the audit log {shown}: {e}"))?
        .map_err(|e| format!("cannot write the audit log {shown}: {e}"))
    }
}

/// Appends one line in a single write and flushes it to disk; a new file is created 0600
/// (with its directory), and the directory is flushed too so the file itself survives.
fn append_synced(path: &Path, line: &[u8]) -> io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)?;
    }
    let existed = path.exists();
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(line)?;
    file.sync_data()?;
    if !existed && let Some(dir) = dir {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
