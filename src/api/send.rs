//! Signing and sending one request, and reading its answer's status, `Date` and body.

use std::future::Future;
use std::sync::atomic::Ordering;

use serde_json::Value;

use super::answer::{Body, decode};
use super::client::{Client, Reply, Shared};
use super::credentials::{KeyMaterial, mask};
use super::error::{ApiError, TransportKind};
use super::sign::{SignInput, authorization, sign};
use super::transport::{classify, transport};
use super::{SERVICE, VERSION};

impl Client {
    /// Signs and sends one request; an answer with HTTP 200 is returned unread. Returns the
    /// service's clock (from `Date`) when known.
    pub(super) async fn send_once(
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

/// The largest API answer omtop reads (10,000 calls of a scatter are about 20 MB).
const MAX_RESPONSE: usize = 256 << 20;

/// Reads a body, refusing one larger than `limit` before holding it all in memory.
pub(super) async fn read_limited(
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
pub(super) struct Buffered;

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
}
