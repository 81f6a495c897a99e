//! TC3-HMAC-SHA256 verification, as the service does it: the canonical request is rebuilt
//! from the headers actually received and the signature recomputed with `api::sign`.
//!
//! Checks, in order: the Authorization header parses (`AuthFailure.InvalidAuthorization`),
//! SignedHeaders includes `content-type` and `host` (`AuthFailure.InvalidAuthorization`),
//! the SecretId is the sim's (`AuthFailure.SecretIdNotFound`), X-TC-Token is the session
//! token when the sim has one (`AuthFailure.TokenFailure`), X-TC-Timestamp is within
//! 300 s of the sim clock (`AuthFailure.SignatureExpire`), the credential scope names
//! service `omics` and the timestamp's UTC date (`AuthFailure.SignatureFailure`), and the
//! signature matches (`AuthFailure.SignatureFailure`). Any signed-header set containing those
//! two is accepted. Without a session token configured, `X-TC-Token` is ignored.

use crate::api::SERVICE;
use crate::api::sign::{self, SignInput};

use super::params::ApiErr;

/// How far X-TC-Timestamp may be from the sim clock.
pub const MAX_SKEW_SECS: i64 = 300;

fn fail(code: &str, message: impl Into<String>) -> ApiErr {
    ApiErr::new(code, message)
}

/// The credential the sim accepts.
pub struct Accepted<'a> {
    pub secret_id: &'a str,
    pub secret_key: &'a str,
    /// The session token requests must carry, if any.
    pub token: Option<&'a str>,
}

/// What was received besides the headers: the method, the raw query string and the body.
pub struct Received<'a> {
    pub method: &'a str,
    pub query: &'a str,
    pub body: &'a [u8],
}

/// Verifies a request. `header` returns a received header's value by lower-case name.
pub fn verify(
    header: &dyn Fn(&str) -> Option<String>,
    received: &Received<'_>,
    now_secs: i64,
    accepted: &Accepted<'_>,
) -> Result<(), ApiErr> {
    let Accepted {
        secret_id,
        secret_key,
        token,
    } = *accepted;
    let Some(auth) = header("authorization").filter(|a| !a.trim().is_empty()) else {
        return Err(fail(
            "AuthFailure.InvalidAuthorization",
            "The Authorization header is missing.",
        ));
    };
    let Some(parsed) = sign::parse_authorization(auth.trim()) else {
        return Err(fail(
            "AuthFailure.InvalidAuthorization",
            "The Authorization header does not follow TC3-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=....",
        ));
    };
    for required in ["content-type", "host"] {
        if !parsed.signed_headers.iter().any(|h| h == required) {
            return Err(fail(
                "AuthFailure.InvalidAuthorization",
                format!(
                    "SignedHeaders must include {required}; got {}.",
                    parsed.signed_headers.join(";")
                ),
            ));
        }
    }
    if parsed.secret_id != secret_id {
        return Err(fail(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.",
        ));
    }
    if let Some(expected) = token
        && header("x-tc-token").as_deref() != Some(expected)
    {
        return Err(fail(
            "AuthFailure.TokenFailure",
            "The token is missing, invalid or expired.",
        ));
    }
    let Some(ts) = header("x-tc-timestamp") else {
        return Err(fail(
            "MissingParameter",
            "The request is missing a required parameter `Timestamp` (X-TC-Timestamp).",
        ));
    };
    let Ok(timestamp) = ts.trim().parse::<i64>() else {
        return Err(fail(
            "InvalidParameter",
            format!("X-TC-Timestamp must be a Unix time in seconds, got {ts:?}."),
        ));
    };
    if (timestamp - now_secs).abs() > MAX_SKEW_SECS {
        return Err(fail(
            "AuthFailure.SignatureExpire",
            format!("Signature expired, Timestamp is {timestamp}, server time is {now_secs}."),
        ));
    }
    if parsed.service != SERVICE || parsed.date != sign::utc_date(timestamp) {
        return Err(fail(
            "AuthFailure.SignatureFailure",
            format!(
                "The credential scope {}/{} does not match {}/{SERVICE}.",
                parsed.date,
                parsed.service,
                sign::utc_date(timestamp)
            ),
        ));
    }
    let mut values = Vec::with_capacity(parsed.signed_headers.len());
    for name in &parsed.signed_headers {
        match header(name) {
            Some(v) => values.push((name.as_str(), v)),
            None => {
                return Err(fail(
                    "AuthFailure.SignatureFailure",
                    format!("The signed header {name} is not in the request."),
                ));
            }
        }
    }
    let headers: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let expected = sign::sign(
        &SignInput {
            method: received.method,
            query: received.query,
            headers: &headers,
            payload: received.body,
            service: SERVICE,
            timestamp,
        },
        secret_key,
    );
    if expected.signature != parsed.signature {
        return Err(fail(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const ID: &str = "AKIDtest";
    const KEY: &str = "secret";

    fn signed(
        headers: &[(&str, &str)],
        body: &[u8],
        ts: i64,
        key: &str,
    ) -> HashMap<String, String> {
        let sig = sign::sign(
            &SignInput {
                method: "POST",
                query: "",
                headers,
                payload: body,
                service: "omics",
                timestamp: ts,
            },
            key,
        );
        let mut m: HashMap<String, String> = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect();
        m.insert("authorization".into(), sign::authorization(ID, &sig));
        m.insert("x-tc-timestamp".into(), ts.to_string());
        m
    }

    fn check(h: &HashMap<String, String>, body: &[u8], now: i64) -> Result<(), String> {
        check_token(h, body, now, None)
    }

    fn check_token(
        h: &HashMap<String, String>,
        body: &[u8],
        now: i64,
        token: Option<&str>,
    ) -> Result<(), String> {
        let accepted = Accepted {
            secret_id: ID,
            secret_key: KEY,
            token,
        };
        let received = Received {
            method: "POST",
            query: "",
            body,
        };
        verify(&|n| h.get(n).cloned(), &received, now, &accepted).map_err(|e| e.code)
    }

    #[test]
    fn a_configured_token_is_required() {
        let ts = 1_700_000_000;
        let mut h = signed(
            &[("Content-Type", "application/json"), ("Host", "h")],
            b"{}",
            ts,
            KEY,
        );
        assert_eq!(check(&h, b"{}", ts), Ok(()));
        let token = Some("session-token");
        let failure = Err("AuthFailure.TokenFailure".to_string());
        assert_eq!(check_token(&h, b"{}", ts, token), failure);
        h.insert("x-tc-token".into(), "stale-token".into());
        assert_eq!(check_token(&h, b"{}", ts, token), failure);
        h.insert("x-tc-token".into(), "session-token".into());
        assert_eq!(check_token(&h, b"{}", ts, token), Ok(()));
    }

    #[test]
    fn accepts_sdk_and_spec_header_sets() {
        let ts = 1_700_000_000;
        let sdk = signed(
            &[
                ("Content-Type", "application/json"),
                ("Host", "127.0.0.1:1"),
            ],
            b"{}",
            ts,
            KEY,
        );
        assert_eq!(check(&sdk, b"{}", ts + 10), Ok(()));
        let spec = signed(
            &[
                ("Content-Type", "application/json; charset=utf-8"),
                ("Host", "h"),
                ("X-TC-Action", "DescribeRuns"),
            ],
            b"{}",
            ts,
            KEY,
        );
        assert_eq!(check(&spec, b"{}", ts), Ok(()));
    }

    #[test]
    fn rejects_what_the_service_rejects() {
        let ts = 1_700_000_000;
        let h = signed(
            &[("Content-Type", "application/json"), ("Host", "h")],
            b"{}",
            ts,
            KEY,
        );
        assert_eq!(
            check(&h, b"{\"x\":1}", ts),
            Err("AuthFailure.SignatureFailure".into())
        );
        assert_eq!(
            check(&h, b"{}", ts + 301),
            Err("AuthFailure.SignatureExpire".into())
        );
        let wrong = signed(
            &[("Content-Type", "application/json"), ("Host", "h")],
            b"{}",
            ts,
            "other",
        );
        assert_eq!(
            check(&wrong, b"{}", ts),
            Err("AuthFailure.SignatureFailure".into())
        );
        let no_host = signed(&[("Content-Type", "application/json")], b"{}", ts, KEY);
        assert_eq!(
            check(&no_host, b"{}", ts),
            Err("AuthFailure.InvalidAuthorization".into())
        );
        let mut other_id = h.clone();
        other_id.insert(
            "authorization".into(),
            h["authorization"].replace(ID, "AKIDother"),
        );
        assert_eq!(
            check(&other_id, b"{}", ts),
            Err("AuthFailure.SecretIdNotFound".into())
        );
        let mut none = h.clone();
        none.remove("authorization");
        assert_eq!(
            check(&none, b"{}", ts),
            Err("AuthFailure.InvalidAuthorization".into())
        );
    }
}
