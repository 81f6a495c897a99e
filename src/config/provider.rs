//! Where credentials come from: fixed ones, or a CVM instance role refreshed before expiry.

use super::error::ConfigError;
use super::secret::{Credentials, Secret};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// The CVM instance metadata service.
pub const DEFAULT_METADATA_URL: &str = "http://metadata.tencentyun.com";
/// Temporary credentials are refreshed when less than this remains before they expire.
pub const REFRESH_BEFORE_EXPIRY: TimeDelta = TimeDelta::minutes(5);

/// A cheaply cloneable source of credentials; see [`CredentialProvider::get`].
#[derive(Clone)]
pub struct CredentialProvider(Arc<Source>);

enum Source {
    Static {
        credentials: Credentials,
        origin: String,
        /// The file they were read from, if any.
        file: Option<PathBuf>,
    },
    InstanceRole {
        role: String,
        metadata_base_url: String,
        client: reqwest::Client,
        cache: Mutex<Option<Credentials>>,
    },
}

impl CredentialProvider {
    /// Fixed credentials; `origin` says where they were found, for diagnostics.
    pub fn fixed(credentials: Credentials, origin: impl Into<String>) -> Self {
        Self(Arc::new(Source::Static {
            credentials,
            origin: origin.into(),
            file: None,
        }))
    }

    /// Fixed credentials read from `file` (whose permissions `omtop doctor` checks).
    pub fn from_file(credentials: Credentials, origin: impl Into<String>, file: &Path) -> Self {
        Self(Arc::new(Source::Static {
            credentials,
            origin: origin.into(),
            file: Some(file.to_path_buf()),
        }))
    }

    /// The file the credentials were read from, if they came from one.
    pub fn file(&self) -> Option<&Path> {
        match &*self.0 {
            Source::Static { file, .. } => file.as_deref(),
            Source::InstanceRole { .. } => None,
        }
    }

    /// Temporary credentials of CVM role `role` from the metadata service at `metadata_base_url`.
    pub fn instance_role(role: impl Into<String>, metadata_base_url: impl Into<String>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Self(Arc::new(Source::InstanceRole {
            role: role.into(),
            metadata_base_url: metadata_base_url.into().trim_end_matches('/').to_owned(),
            client,
            cache: Mutex::new(None),
        }))
    }

    /// Current credentials, fetching or refreshing instance-role ones when needed.
    pub async fn get(&self) -> Result<Credentials, ConfigError> {
        match &*self.0 {
            Source::Static { credentials, .. } => Ok(credentials.clone()),
            Source::InstanceRole {
                role,
                metadata_base_url,
                client,
                cache,
            } => {
                let mut cached = cache.lock().await;
                if let Some(c) = cached.as_ref().filter(|c| is_fresh(c, Utc::now())) {
                    return Ok(c.clone());
                }
                let fresh = fetch_role(client, metadata_base_url, role).await?;
                *cached = Some(fresh.clone());
                Ok(fresh)
            }
        }
    }

    /// Where the credentials come from, without any secret.
    pub fn describe(&self) -> String {
        match &*self.0 {
            Source::Static { origin, .. } => origin.clone(),
            Source::InstanceRole { role, .. } => format!("CVM role '{role}'"),
        }
    }
}

impl fmt::Debug for CredentialProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CredentialProvider({})", self.describe())
    }
}

fn is_fresh(c: &Credentials, now: DateTime<Utc>) -> bool {
    c.expires_at
        .is_none_or(|at| at - now > REFRESH_BEFORE_EXPIRY)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoleResponse {
    code: Option<String>,
    tmp_secret_id: Option<String>,
    tmp_secret_key: Option<String>,
    token: Option<String>,
    expired_time: Option<i64>,
}

async fn fetch_role(
    client: &reqwest::Client,
    base: &str,
    role: &str,
) -> Result<Credentials, ConfigError> {
    let url = format!("{base}/latest/meta-data/cam/security-credentials/{role}");
    let fail = |reason: String| ConfigError::InstanceRole {
        role: role.to_owned(),
        url: url.clone(),
        reason,
    };
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| fail(format!("request failed: {e}")))?;
    let status = response.status();
    if !status.is_success() {
        let hint = if status == reqwest::StatusCode::NOT_FOUND {
            " (is the role bound to this instance?)"
        } else {
            ""
        };
        return Err(fail(format!("HTTP {status}{hint}")));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| fail(format!("reading the response failed: {e}")))?;
    // Never echo the body: it holds the secret.
    let parsed: RoleResponse = serde_json::from_slice(&body)
        .map_err(|_| fail("the response is not the expected JSON".to_owned()))?;
    if let Some(code) = parsed.code.as_deref().filter(|c| *c != "Success") {
        return Err(fail(format!("the service answered Code = {code}")));
    }
    let missing = |field: &str| fail(format!("the response has no {field}"));
    let secret_id = parsed.tmp_secret_id.ok_or_else(|| missing("TmpSecretId"))?;
    let secret_key = parsed
        .tmp_secret_key
        .ok_or_else(|| missing("TmpSecretKey"))?;
    let expired = parsed.expired_time.ok_or_else(|| missing("ExpiredTime"))?;
    let expires_at = DateTime::from_timestamp(expired, 0)
        .ok_or_else(|| fail(format!("ExpiredTime {expired} is out of range")))?;
    Ok(Credentials {
        secret_id,
        secret_key: Secret::new(secret_key),
        token: parsed.token.filter(|t| !t.is_empty()).map(Secret::new),
        expires_at: Some(expires_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A fake metadata server answering each connection with the next canned (status, body).
    async fn fake_metadata(
        responses: Vec<(u16, String)>,
    ) -> (String, Arc<AtomicUsize>, Arc<std::sync::Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let hits = Arc::new(AtomicUsize::new(0));
        let paths = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (h, p) = (hits.clone(), paths.clone());
        tokio::spawn(async move {
            for (status, body) in responses {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let request = String::from_utf8_lossy(&buf);
                let path = request.split_whitespace().nth(1).unwrap_or("").to_owned();
                p.lock().expect("lock").push(path);
                h.fetch_add(1, Ordering::SeqCst);
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            }
        });
        (format!("http://{addr}"), hits, paths)
    }

    fn role_body(id: &str, expires_in: i64) -> String {
        let exp = Utc::now().timestamp() + expires_in;
        format!(
            r#"{{"TmpSecretId":"{id}","TmpSecretKey":"tmpkey-{id}","Token":"tok-{id}","ExpiredTime":{exp},"Expiration":"x","Code":"Success"}}"#
        )
    }

    #[tokio::test]
    async fn instance_role_fetches_and_caches() {
        let (base, hits, paths) = fake_metadata(vec![(200, role_body("AKIDtemp0001", 3600))]).await;
        let p = CredentialProvider::instance_role("omics-reader", &base);
        assert_eq!(p.describe(), "CVM role 'omics-reader'");
        let c = p.get().await.expect("fetches");
        assert_eq!(c.secret_id, "AKIDtemp0001");
        assert_eq!(c.secret_key.expose(), "tmpkey-AKIDtemp0001");
        assert_eq!(
            c.token.as_ref().map(Secret::expose),
            Some("tok-AKIDtemp0001")
        );
        assert!(c.expires_at.is_some());
        let again = p.clone().get().await.expect("cached");
        assert_eq!(again, c);
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        assert_eq!(
            paths.lock().expect("lock")[0],
            "/latest/meta-data/cam/security-credentials/omics-reader"
        );
        assert!(!format!("{p:?}").contains("tmpkey"));
    }

    #[tokio::test]
    async fn instance_role_refreshes_near_expiry() {
        let (base, hits, _) = fake_metadata(vec![
            (200, role_body("AKIDfirst0001", 120)),
            (200, role_body("AKIDsecond001", 3600)),
        ])
        .await;
        let p = CredentialProvider::instance_role("r", format!("{base}/"));
        assert_eq!(p.get().await.expect("first").secret_id, "AKIDfirst0001");
        // Two minutes left is under the five-minute margin: refresh.
        assert_eq!(p.get().await.expect("second").secret_id, "AKIDsecond001");
        assert_eq!(p.get().await.expect("cached").secret_id, "AKIDsecond001");
        assert_eq!(hits.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn instance_role_errors_name_the_role_without_secrets() {
        let (base, _, _) = fake_metadata(vec![
            (404, "not found".to_owned()),
            (
                200,
                r#"{"TmpSecretKey":"leakme","ExpiredTime":1}"#.to_owned(),
            ),
        ])
        .await;
        let p = CredentialProvider::instance_role("missing-role", &base);
        let e = p.get().await.expect_err("404").to_string();
        assert!(e.contains("missing-role") && e.contains("404"), "{e}");
        let e = p.get().await.expect_err("no id").to_string();
        assert!(e.contains("TmpSecretId") && !e.contains("leakme"), "{e}");
    }

    #[test]
    fn freshness_margin() {
        let now = Utc::now();
        let mut c = Credentials::new("AKIDxxxxxxxx", "k");
        assert!(is_fresh(&c, now));
        c.expires_at = Some(now + TimeDelta::minutes(6));
        assert!(is_fresh(&c, now));
        c.expires_at = Some(now + TimeDelta::minutes(4));
        assert!(!is_fresh(&c, now));
        c.expires_at = Some(now - TimeDelta::minutes(1));
        assert!(!is_fresh(&c, now));
    }
}
