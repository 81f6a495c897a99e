//! What the endpoint says before any signature is checked: whether its name resolves,
//! whether it answers over a TLS connection omtop verifies, and what time it keeps.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::client::Client;
use super::error::ApiError;
use super::send::date_header;
use super::transport::classify;

/// The answer to one unsigned request to the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The HTTP status (the service answers 200 with an error in the body).
    pub status: u16,
    /// The service's clock minus this machine's, in seconds, from its `Date` header
    /// (accurate to about a second); `None` without one.
    pub clock_offset: Option<i64>,
    pub elapsed: Duration,
}

/// The addresses a host name resolves to (an address resolves to itself).
pub async fn resolve(host: &str, port: u16) -> std::io::Result<Vec<IpAddr>> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let mut addrs: Vec<IpAddr> = tokio::net::lookup_host((bare, port))
        .await?
        .map(|a| a.ip())
        .collect();
    addrs.dedup();
    Ok(addrs)
}

impl Client {
    /// Sends one unsigned request to the endpoint, over the same connections and TLS
    /// verification as every other request, and reads its clock. Nothing is signed, so
    /// nothing is done: the service answers with an authentication error.
    pub async fn probe(&self) -> Result<Probe, ApiError> {
        let before = chrono::Utc::now().timestamp_millis();
        let started = Instant::now();
        let resp = self
            .http()
            .post(self.endpoint().clone())
            .header("Content-Type", "application/json")
            .body("{}")
            .send()
            .await
            .map_err(|e| classify("probe", e))?;
        let elapsed = started.elapsed();
        // The Date header was written somewhere between sending and receiving: take the
        // middle, and round the header's whole seconds to its middle too.
        let local_mid = before + i64::try_from(elapsed.as_millis() / 2).unwrap_or(0);
        let clock_offset = date_header(&resp)
            .map(|server| (server * 1000 + 500 - local_mid + 500).div_euclid(1000));
        Ok(Probe {
            status: resp.status().as_u16(),
            clock_offset,
            elapsed,
        })
    }
}
