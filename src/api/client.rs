//! The one signed HTTP client. Every request waits for the rate limiter, is signed at the
//! moment it leaves (so time spent queued never makes a signature stale), and is sent over
//! a shared connection pool. Reads are coalesced and retried; mutations are not resent
//! unless the service has definitely refused them (see [`Client::call`]).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::Rng;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::oneshot;

use super::answer::{Body, decode, typed};
use super::error::{ApiError, TransportKind};
use super::queue::{LimitKey, Priority, RateLimiter};
use super::sign::{SignInput, authorization, sign};
use super::{SERVICE, VERSION};

/// The key material a request is signed with. Its `Debug` shows no secret.
#[derive(Clone)]
pub struct KeyMaterial {
    pub secret_id: String,
    pub secret_key: String,
    pub token: Option<String>,
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("secret_id", &mask(&self.secret_id))
            .field("secret_key", &"***")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// `AKID****abcd`: enough to tell two keys apart, not enough to use one.
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "****".into();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where the client gets credentials each time it signs (they may rotate).
pub trait CredentialSource: Send + Sync {
    fn key_material(&self) -> BoxFuture<'_, Result<KeyMaterial, String>>;
}

impl CredentialSource for KeyMaterial {
    fn key_material(&self) -> BoxFuture<'_, Result<KeyMaterial, String>> {
        let k = self.clone();
        Box::pin(async move { Ok(k) })
    }
}

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
type Shared = Result<Reply<Body>, ApiError>;

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
    http: reqwest::Client,
    endpoint: reqwest::Url,
    host: String,
    credentials: Arc<dyn CredentialSource>,
    language: Option<String>,
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
    clock_offset: AtomicI64,
    pending: Mutex<HashMap<String, Vec<oneshot::Sender<Shared>>>>,
    in_flight: AtomicUsize,
    /// Bumped by every mutation, so a read begun before it is not shared with one after.
    generation: AtomicU64,
    sent: AtomicU64,
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

    /// Signs and sends one request; an answer with HTTP 200 is returned unread. Returns the
    /// service's clock (from `Date`) when known.
    async fn send_once(
        &self,
        action: &str,
        region: &str,
        payload: &[u8],
        keys: &KeyMaterial,
    ) -> (Result<reqwest::Response, ApiError>, Option<i64>) {
        let inner = &self.inner;
        let timestamp = chrono::Utc::now().timestamp() + inner.clock_offset.load(Ordering::Relaxed);
        let content_type = "application/json";
        let signature = sign(
            &SignInput {
                method: "POST",
                query: "",
                headers: &[
                    ("content-type", content_type),
                    ("host", &inner.host),
                    ("x-tc-action", action),
                ],
                payload,
                service: SERVICE,
                timestamp,
            },
            &keys.secret_key,
        );
        let mut req = inner
            .http
            .post(inner.endpoint.clone())
            .header("Content-Type", content_type)
            .header("Authorization", authorization(&keys.secret_id, &signature))
            .header("X-TC-Action", action)
            .header("X-TC-Version", VERSION)
            .header("X-TC-Timestamp", timestamp.to_string())
            .header("X-TC-Region", region)
            .header(
                "X-TC-RequestClient",
                concat!("omtop_", env!("CARGO_PKG_VERSION")),
            )
            .body(payload.to_vec());
        if let Some(token) = &keys.token {
            req = req.header("X-TC-Token", token);
        }
        if let Some(lang) = &inner.language {
            req = req.header("X-TC-Language", lang);
        }
        tracing::debug!(
            action,
            region,
            secret_id = %mask(&keys.secret_id),
            temporary = keys.token.is_some(),
            "sending"
        );
        if tracing::enabled!(tracing::Level::TRACE) {
            tracing::trace!(action, body = %shown_body(payload), "request body");
        }
        inner.sent.fetch_add(1, Ordering::Relaxed);
        receive(action, req).await
    }
}

/// A request body as the trace log may show it: at most 2,000 bytes, secrets redacted.
fn shown_body(payload: &[u8]) -> String {
    let secret = super::actions::body::SECRET_FIELDS
        .iter()
        .any(|f| payload.windows(f.len()).any(|w| w == f.as_bytes()));
    let text = match serde_json::from_slice::<Value>(payload) {
        Ok(v) if secret => super::actions::body::redacted(&v).to_string(),
        _ if secret => "(not shown: it holds a secret)".to_string(),
        _ => String::from_utf8_lossy(payload).into_owned(),
    };
    text.chars().take(2000).collect()
}

/// The largest metadata file omtop downloads (a long nextflow.log is a few MB).
const MAX_DOWNLOAD: usize = 64 << 20;
/// The largest API answer omtop reads (10,000 calls of a scatter are about 20 MB).
const MAX_RESPONSE: usize = 256 << 20;

/// Reads a body, refusing one larger than `limit` before holding it all in memory.
async fn read_limited(
    action: &str,
    mut resp: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let too_big = || {
        transport(
            action,
            TransportKind::Decode,
            format!("response larger than {} MiB", limit >> 20),
        )
    };
    if resp
        .content_length()
        .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit))
    {
        return Err(too_big());
    }
    let expected = resp.content_length().and_then(|n| usize::try_from(n).ok());
    let mut body = Vec::with_capacity(expected.unwrap_or(0));
    while let Some(chunk) = resp.chunk().await.map_err(|e| classify(action, e))? {
        if body.len() + chunk.len() > limit {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl Client {
    /// Downloads a presigned file URL (COS) as text (bytes that are not UTF-8 become
    /// U+FFFD).
    pub async fn download(&self, url: &str) -> Result<String, ApiError> {
        let bytes = self.download_bytes(url).await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Downloads a presigned file URL (COS) byte for byte. The URL comes from the service,
    /// so it is checked: https, or http only to a loopback host (the simulator).
    pub async fn download_bytes(&self, url: &str) -> Result<Vec<u8>, ApiError> {
        let action = "download";
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| transport(action, TransportKind::Decode, format!("bad file URL: {e}")))?;
        let loopback = parsed.host_str().is_some_and(is_loopback_host);
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
            return Err(ApiError::Local {
                action: action.into(),
                detail: format!("refusing file URL with scheme {}", parsed.scheme()),
            });
        }
        let resp = self
            .inner
            .http
            .get(parsed)
            .send()
            .await
            .map_err(|e| classify(action, e))?;
        let status = resp.status();
        let bytes = read_limited(action, resp, MAX_DOWNLOAD).await?;
        if status != reqwest::StatusCode::OK {
            let expired = status == reqwest::StatusCode::FORBIDDEN;
            return Err(transport(
                action,
                TransportKind::HttpStatus(status.as_u16()),
                if expired {
                    "the presigned URL was refused (expired?)".to_string()
                } else {
                    format!("HTTP {status}")
                },
            ));
        }
        Ok(bytes)
    }
}

/// Whether a host name or address is this machine (127.0.0.0/8, ::1, localhost).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
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

fn transport(action: &str, kind: TransportKind, detail: impl Into<String>) -> ApiError {
    ApiError::Transport {
        action: action.to_string(),
        kind,
        detail: detail.into(),
    }
}

/// Whether rustls refused the connection somewhere in this chain of errors. Its error may
/// sit inside `io::Error`s (nested), whose `source` skips what they wrap.
fn is_tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(e);
    while let Some(err) = current {
        let mut layer = err;
        loop {
            if layer.is::<rustls::Error>() {
                return true;
            }
            match layer
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
            {
                Some(inner) => layer = inner,
                None => break,
            }
        }
        current = err.source();
    }
    false
}

pub(super) fn classify(action: &str, e: reqwest::Error) -> ApiError {
    let kind = if is_tls_failure(&e) {
        TransportKind::Tls
    } else if e.is_connect() {
        TransportKind::Connect
    } else if e.is_timeout() {
        TransportKind::Timeout
    } else {
        TransportKind::Broken
    };
    let connect_timeout = kind == TransportKind::Connect && e.is_timeout();
    // Without the URL: a presigned file URL carries a signature and perhaps a token.
    let e = e.without_url();
    let mut detail = if connect_timeout {
        format!("timed out connecting: {e}")
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail = format!("{detail}: {s}");
        source = s.source();
    }
    if kind == TransportKind::Tls {
        detail.push_str(
            " (omtop always verifies the server's certificate: check the endpoint, and any proxy that intercepts TLS)",
        );
    }
    transport(action, kind, detail)
}

/// A mutation that failed after it may have arrived: say so, never resend.
pub(super) fn ambiguous(err: ApiError) -> ApiError {
    match err {
        ApiError::Transport {
            action,
            kind,
            detail,
        } if kind.may_have_arrived() => ApiError::OutcomeUnknown {
            action,
            kind,
            detail,
        },
        other => other,
    }
}

/// The time in a response's `Date` header, in Unix seconds.
pub(super) fn date_header(resp: &reqwest::Response) -> Option<i64> {
    resp.headers()
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok())
}

async fn receive(
    action: &str,
    req: reqwest::RequestBuilder,
) -> (Result<reqwest::Response, ApiError>, Option<i64>) {
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => return (Err(classify(action, e)), None),
    };
    let server_time = date_header(&resp);
    let status = resp.status();
    if status == reqwest::StatusCode::OK {
        return (Ok(resp), server_time);
    }
    let bytes = match read_limited(action, resp, MAX_RESPONSE).await {
        Ok(b) => b,
        Err(e) => return (Err(e), server_time),
    };
    let snippet: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
    (
        Err(transport(
            action,
            TransportKind::HttpStatus(status.as_u16()),
            format!("HTTP {status}: {snippet}"),
        )),
        server_time,
    )
}

/// How an answer's body (HTTP 200) is read.
pub(super) trait BodyReader: Sync {
    type Out: Send;
    fn read(
        &self,
        action: &str,
        resp: reqwest::Response,
    ) -> impl Future<Output = Result<Self::Out, ApiError>> + Send;
}

/// The whole body, checked ([`decode`]) and kept as bytes.
struct Buffered;

impl BodyReader for Buffered {
    type Out = Reply<Body>;
    async fn read(&self, action: &str, resp: reqwest::Response) -> Shared {
        let bytes = read_limited(action, resp, MAX_RESPONSE).await?;
        decode(action, Body::from(bytes))
    }
}

/// The largest API answer omtop reads, for readers elsewhere in `api`.
pub(super) const MAX_ANSWER: usize = MAX_RESPONSE;

pub(super) fn classify_read(action: &str, e: reqwest::Error) -> ApiError {
    classify(action, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_material_debug_shows_no_secret() {
        let k = KeyMaterial {
            secret_id: "AKIDabcdefghijklmnop".into(),
            secret_key: "very-secret-key".into(),
            token: Some("session-token-xyz".into()),
        };
        let shown = format!("{k:?}");
        assert!(!shown.contains("very-secret-key"));
        assert!(!shown.contains("session-token-xyz"));
        assert!(!shown.contains("AKIDabcdefghijklmnop"));
        assert!(shown.contains("AKID****mnop"));
    }

    #[test]
    fn a_traced_body_shows_no_git_token() {
        let body = br#"{"Name":"n","GitSource":{"GitHttpPath":"https://g/x.git","GitTokenOrPassword":"ghp_secret"}}"#;
        let shown = shown_body(body);
        assert!(!shown.contains("ghp_secret"), "{shown}");
        assert!(
            shown.contains("https://g/x.git") && shown.contains("***"),
            "{shown}"
        );
        assert_eq!(
            shown_body(b"{\"GitTokenOrPassword\": broken"),
            "(not shown: it holds a secret)"
        );
        assert_eq!(shown_body(br#"{"Limit":1}"#), r#"{"Limit":1}"#);
    }

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
