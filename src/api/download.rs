//! Downloading the files the service hands out as presigned URLs (COS).

use super::client::Client;
use super::error::{ApiError, TransportKind};
use super::send::read_limited;
use super::transport::{classify, is_loopback_host, transport};

/// The largest metadata file omtop downloads (a long nextflow.log is a few MB).
const MAX_DOWNLOAD: usize = 64 << 20;

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
