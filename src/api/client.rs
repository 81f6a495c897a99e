//! The one signed HTTP client. Every request waits for the rate limiter, is signed at the
//! moment it leaves (so time spent queued never makes a signature stale), and is sent over
//! a shared connection pool. Reads are coalesced and retried; mutations are not resent
//! unless the service has definitely refused them (see [`Client::call`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::Rng;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::oneshot;

use super::answer::{Body, typed};
use super::credentials::CredentialSource;
use super::error::ApiError;
use super::queue::{LimitKey, Priority, RateLimiter};
use super::send::{BodyReader, Buffered};
use super::transport::ambiguous;

/// Knobs of the client; `ClientConfig::new` has the defaults.
pub struct ClientConfig {
    pub endpoint: reqwest::Url,
    pub credentials: Arc<dyn CredentialSource>,
    pub rate_limit: u32,
    pub language: Option<String>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Attempts for a read, the first included.
    pub read_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Refuse every mutation (read-only mode), whoever asks.
    pub read_only: bool,
    /// Where mutations are recorded before they are sent; `None`: not recorded.
    pub audit: Option<crate::audit::AuditLog>,
    /// What finished runs' reads are kept in, and the lists last shown; `None`: nothing.
    pub cache: Option<crate::cache::Cache>,
    /// The credentials profile: lists are kept per profile (an account's projects are not
    /// another's).
    pub profile: String,
}

impl ClientConfig {
    pub fn new(endpoint: reqwest::Url, credentials: Arc<dyn CredentialSource>) -> Self {
        Self {
            endpoint,
            credentials,
            rate_limit: super::SERVICE_RATE_LIMIT,
            language: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            read_attempts: 5,
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(5),
            read_only: false,
            audit: None,
            cache: None,
            profile: "default".into(),
        }
    }
}

/// A decoded answer and the RequestId the service gave it.
#[derive(Debug, Clone)]
pub struct Reply<T> {
    pub data: T,
    pub request_id: String,
}

/// An answer as identical reads share it: checked, not yet read into a type.
pub(super) type Shared = Result<Reply<Body>, ApiError>;

/// What the status bar shows about the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// The busiest (action, region) in the last second, and its count.
    pub busiest: Option<(String, String, u32)>,
    pub rate_limit: u32,
    pub in_flight: usize,
    pub queued: usize,
    pub sent: u64,
    pub retried: u64,
}

#[derive(Clone)]
pub struct Client {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) http: reqwest::Client,
    pub(super) endpoint: reqwest::Url,
    pub(super) host: String,
    credentials: Arc<dyn CredentialSource>,
    pub(super) language: Option<String>,
    limiter: Arc<RateLimiter>,
    read_attempts: u32,
    backoff_base: Duration,
    backoff_cap: Duration,
    read_only: bool,
    audit: Option<crate::audit::AuditLog>,
    /// Scoped to this endpoint's host.
    pub(super) cache: Option<crate::cache::Cache>,
    pub(super) profile: String,
    /// Runs known to have finished, by (region, uuid): what the cache has said or been told.
    pub(super) finished: Mutex<std::collections::HashSet<(String, String)>>,
    /// When each list was last written to the cache.
    pub(super) lists_written: Mutex<HashMap<String, std::time::Instant>>,
    /// Seconds to add to the local clock, learnt from the service's `Date` header.
    pub(super) clock_offset: AtomicI64,
    pending: Mutex<HashMap<String, Vec<oneshot::Sender<Shared>>>>,
    in_flight: AtomicUsize,
    /// Bumped by every mutation, so a read begun before it is not shared with one after.
    generation: AtomicU64,
    pub(super) sent: AtomicU64,
    retried: AtomicU64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

/// Connections kept open for reuse after a burst of requests.
const IDLE_CONNECTIONS: usize = 4;

/// Whether an action changes state at the service (and so must never be resent blindly).
pub fn is_mutation(action: &str) -> bool {
    !(action.starts_with("Describe") || action.starts_with("Get"))
}

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Self, ApiError> {
        let local = |detail: String| ApiError::Local {
            action: "connect".into(),
            detail,
        };
        let host = match (cfg.endpoint.host_str(), cfg.endpoint.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Err(local(format!("endpoint {} has no host", cfg.endpoint))),
        };
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.request_timeout)
            .pool_idle_timeout(Duration::from_secs(50))
            // A burst (the pages of a 5,000-run group) opens a connection per request in
            // flight, 20 or more; kept idle, each holds its read buffer (up to 400 KB after
            // a large answer). At 20 requests a second, only a few are in flight at once.
            .pool_max_idle_per_host(IDLE_CONNECTIONS)
            // The API never redirects; a download must not be moved off https either.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("omtop/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| local(format!("cannot build the HTTP client: {e}")))?;
        let cache = cfg.cache.map(|c| c.for_origin(&host));
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                endpoint: cfg.endpoint,
                host,
                credentials: cfg.credentials,
                language: cfg.language,
                limiter: RateLimiter::new(cfg.rate_limit),
                read_attempts: cfg.read_attempts.max(1),
                backoff_base: cfg.backoff_base,
                backoff_cap: cfg.backoff_cap,
                read_only: cfg.read_only,
                audit: cfg.audit,
                cache,
                profile: cfg.profile,
                finished: Mutex::new(std::collections::HashSet::new()),
                lists_written: Mutex::new(HashMap::new()),
                clock_offset: AtomicI64::new(0),
                pending: Mutex::new(HashMap::new()),
                in_flight: AtomicUsize::new(0),
                generation: AtomicU64::new(0),
                sent: AtomicU64::new(0),
                retried: AtomicU64::new(0),
            }),
        })
    }

    pub fn endpoint(&self) -> &reqwest::Url {
        &self.inner.endpoint
    }

    /// The clock offset (seconds) learnt from the service.
    pub fn clock_offset(&self) -> i64 {
        self.inner.clock_offset.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> ClientStats {
        let busiest = self
            .inner
            .limiter
            .recent()
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(k, n)| (k.action, k.region, n));
        ClientStats {
            busiest,
            rate_limit: self.inner.limiter.rate(),
            in_flight: self.inner.in_flight.load(Ordering::Relaxed),
            queued: self.inner.limiter.queued(),
            sent: self.inner.sent.load(Ordering::Relaxed),
            retried: self.inner.retried.load(Ordering::Relaxed),
        }
    }

    /// The HTTP client every request goes through (its TLS settings, timeouts, pool).
    pub(super) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Whether mutations are refused (read-only mode).
    pub(super) fn read_only(&self) -> bool {
        self.inner.read_only
    }

    /// The audit log mutations are recorded in, if any.
    pub(super) fn audit(&self) -> Option<&crate::audit::AuditLog> {
        self.inner.audit.as_ref()
    }

    /// Calls `action` in `region` with a JSON object body and decodes `Response`.
    ///
    /// Reads (`Describe*`, `Get*`): an identical read already in flight is joined instead of
    /// sent again; transport failures, `InternalError`, `ServiceUnavailable` and
    /// `RequestLimitExceeded*` are retried with capped, jittered exponential backoff.
    /// Mutations: recorded in the audit log first (see `api::mutation`); resent only after a
    /// definite refusal (`RequestLimitExceeded*`, or `AuthFailure.SignatureExpire` once the
    /// clock is corrected). A failure after the request may have reached the service becomes
    /// [`ApiError::OutcomeUnknown`] and is never resent.
    pub async fn call<T: DeserializeOwned>(
        &self,
        action: &str,
        region: &str,
        body: &Value,
        priority: Priority,
    ) -> Result<Reply<T>, ApiError> {
        if is_mutation(action) {
            return self.mutate(action, region, body, priority).await;
        }
        let reply = self.coalesced(action, region, body, priority).await?;
        typed(action, &reply)
    }

    /// A read, checked but not yet read into a type (identical reads joined, as `call`).
    pub(super) async fn read(
        &self,
        action: &str,
        region: &str,
        body: &Value,
        priority: Priority,
    ) -> Shared {
        self.coalesced(action, region, body, priority).await
    }

    fn pending(&self) -> MutexGuard<'_, HashMap<String, Vec<oneshot::Sender<Shared>>>> {
        self.inner
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn coalesced(
        &self,
        action: &str,
        region: &str,
        body: &Value,
        priority: Priority,
    ) -> Shared {
        // Only reads of the same priority are joined: an interactive read must not wait in
        // the background queue behind an identical poll.
        let generation = self.inner.generation.load(Ordering::Relaxed);
        let key = format!("{action}\n{region}\n{priority:?}\n{generation}\n{body}");
        loop {
            let rx = {
                let mut pending = self.pending();
                match pending.get_mut(&key) {
                    Some(waiters) => {
                        let (tx, rx) = oneshot::channel();
                        waiters.push(tx);
                        Some(rx)
                    }
                    None => {
                        pending.insert(key.clone(), Vec::new());
                        None
                    }
                }
            };
            match rx {
                // Joined an identical read; if its leader was cancelled, try again.
                Some(rx) => match rx.await {
                    Ok(result) => return result,
                    Err(_) => continue,
                },
                None => break,
            }
        }
        let guard = PendingGuard {
            client: self,
            key: &key,
        };
        let result = self.execute(action, region, body, priority).await;
        let waiters = guard.finish();
        for w in waiters {
            let _ = w.send(result.clone());
        }
        result
    }

    /// Sends one request, retrying as `call` describes.
    pub(super) async fn execute(
        &self,
        action: &str,
        region: &str,
        body: &Value,
        priority: Priority,
    ) -> Shared {
        self.execute_with(action, region, body, priority, &Buffered)
            .await
    }

    /// Sends one request, retrying as `call` describes, its answer read by `reader`.
    pub(super) async fn execute_with<R: BodyReader>(
        &self,
        action: &str,
        region: &str,
        body: &Value,
        priority: Priority,
        reader: &R,
    ) -> Result<R::Out, ApiError> {
        let mutation = is_mutation(action);
        if mutation && self.inner.read_only {
            return Err(ApiError::Local {
                action: action.to_string(),
                detail: "refused: omtop is in read-only mode".into(),
            });
        }
        if mutation {
            self.inner.generation.fetch_add(1, Ordering::Relaxed);
        }
        let key = LimitKey {
            action: action.to_string(),
            region: region.to_string(),
        };
        let payload = serde_json::to_vec(body).map_err(|e| ApiError::Local {
            action: action.to_string(),
            detail: format!("cannot encode the request: {e}"),
        })?;
        let mut resynced = false;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            // Credentials first (a role refresh may take a while), then the slot, then sign.
            let keys = match self.inner.credentials.key_material().await {
                Ok(k) => k,
                Err(detail) => {
                    return Err(ApiError::Local {
                        action: action.to_string(),
                        detail: format!("no credentials: {detail}"),
                    });
                }
            };
            self.inner.limiter.acquire(&key, priority).await;
            let result = {
                let _in_flight = InFlight::new(&self.inner.in_flight);
                match self.send_once(action, region, &payload, &keys).await {
                    (Ok(resp), time) => (reader.read(action, resp).await, time),
                    (Err(e), time) => (Err(e), time),
                }
            };
            let (result, server_time) = result;
            let Err(err) = result else { return result };
            if err.is_throttled() {
                self.inner.limiter.throttled(&key);
            }
            if err.code() == Some("AuthFailure.SignatureExpire")
                && !resynced
                && let Some(server) = server_time
            {
                let offset = server - chrono::Utc::now().timestamp();
                self.inner.clock_offset.store(offset, Ordering::Relaxed);
                tracing::warn!(action, offset, "clock differs from the service; re-signing");
                resynced = true;
                self.inner.retried.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let again = if mutation {
                err.is_definite_rejection()
            } else {
                err.is_retryable_read()
            };
            if again && attempt < self.inner.read_attempts {
                self.inner.retried.fetch_add(1, Ordering::Relaxed);
                let delay = self.backoff(attempt, &err);
                tracing::debug!(action, attempt, ?delay, error = %err, "retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            return Err(if mutation { ambiguous(err) } else { err });
        }
    }

    fn backoff(&self, attempt: u32, err: &ApiError) -> Duration {
        let exp = self
            .inner
            .backoff_base
            .saturating_mul(1 << attempt.min(16))
            .min(self.inner.backoff_cap);
        // Throttling frees up within a second; waiting less than that is wasted.
        let floor = if err.is_throttled() {
            Duration::from_millis(500)
        } else {
            Duration::ZERO
        };
        let jittered = exp.mul_f64(rand::rng().random_range(0.5..=1.0));
        jittered.max(floor)
    }
}

/// Counts a request as in flight for as long as it lives, even if its caller gives up.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::Relaxed);
        Self(n)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Removes a coalescing entry even when the leading call is cancelled, so that those who
/// joined it notice and send their own.
struct PendingGuard<'a> {
    client: &'a Client,
    key: &'a str,
}

impl PendingGuard<'_> {
    fn finish(self) -> Vec<oneshot::Sender<Shared>> {
        let waiters = self.client.pending().remove(self.key).unwrap_or_default();
        std::mem::forget(self);
        waiters
    }
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.client.pending().remove(self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_told_from_reads() {
        assert!(is_mutation("RetryRuns"));
        assert!(is_mutation("TerminateRunGroup"));
        assert!(is_mutation("RunApplication"));
        assert!(is_mutation("RunWorkflow"));
        assert!(!is_mutation("DescribeTablesRows"));
        assert!(!is_mutation("DescribeRuns"));
        assert!(!is_mutation("GetRunCalls"));
    }
}
