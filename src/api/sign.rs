//! TC3-HMAC-SHA256 request signing (签名方法 v3), as a pure function of its inputs.
//!
//! The simulator verifies signatures with these same primitives, rebuilding the canonical
//! request from the headers it actually received, as the service does.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";

type HmacSha256 = Hmac<Sha256>;

/// Everything that goes into one signature.
#[derive(Debug, Clone)]
pub struct SignInput<'a> {
    pub method: &'a str,
    /// The query string as sent, percent-encoded (`Limit=10&Offset=0`): empty for POST, the
    /// parameters for GET.
    pub query: &'a str,
    /// Signed headers as (name, value); names are lower-cased and sorted here.
    pub headers: &'a [(&'a str, &'a str)],
    pub payload: &'a [u8],
    pub service: &'a str,
    pub timestamp: i64,
}

/// The intermediate values of a signature, kept so tests can compare each step with the spec.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    pub canonical_request: String,
    pub hashed_canonical_request: String,
    pub credential_scope: String,
    pub string_to_sign: String,
    pub signed_headers: String,
    pub signature: String,
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signature")
            .field("signed_headers", &self.signed_headers)
            .field("credential_scope", &self.credential_scope)
            .finish_non_exhaustive()
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// The UTC date (`YYYY-MM-DD`) of a Unix timestamp, as the credential scope wants it.
pub fn utc_date(timestamp: i64) -> String {
    chrono::DateTime::from_timestamp(timestamp, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

/// The derived keys SecretDate, SecretService and SecretSigning.
pub fn derive_keys(secret_key: &str, date: &str, service: &str) -> [Vec<u8>; 3] {
    let secret_date = hmac(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = hmac(&secret_date, service.as_bytes());
    let secret_signing = hmac(&secret_service, b"tc3_request");
    [secret_date, secret_service, secret_signing]
}

/// Computes the TC3 signature of a request to `/`: a POST with its JSON payload and an empty
/// query string, or a GET with its parameters in the query string and an empty payload.
pub fn sign(input: &SignInput<'_>, secret_key: &str) -> Signature {
    let mut headers: Vec<(String, String)> = input
        .headers
        .iter()
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase()))
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{}\n/\n{}\n{}\n{}\n{}",
        input.method,
        input.query,
        canonical_headers,
        signed_headers,
        sha256_hex(input.payload)
    );
    let hashed_canonical_request = sha256_hex(canonical_request.as_bytes());
    let date = utc_date(input.timestamp);
    let credential_scope = format!("{date}/{}/tc3_request", input.service);
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{credential_scope}\n{hashed_canonical_request}",
        input.timestamp
    );
    let [_, _, signing_key] = derive_keys(secret_key, &date, input.service);
    let signature = hex::encode(hmac(&signing_key, string_to_sign.as_bytes()));
    Signature {
        canonical_request,
        hashed_canonical_request,
        credential_scope,
        string_to_sign,
        signed_headers,
        signature,
    }
}

/// The `Authorization` header value for a signature.
pub fn authorization(secret_id: &str, sig: &Signature) -> String {
    format!(
        "{ALGORITHM} Credential={secret_id}/{}, SignedHeaders={}, Signature={}",
        sig.credential_scope, sig.signed_headers, sig.signature
    )
}

/// The parts of an `Authorization` header, as a server reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    pub secret_id: String,
    pub date: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parses `TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization> {
    let rest = value.strip_prefix(ALGORITHM)?.trim_start();
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => return None,
        }
    }
    let mut cred = credential?.split('/');
    let secret_id = cred.next()?.to_string();
    let date = cred.next()?.to_string();
    let service = cred.next()?.to_string();
    if cred.next()? != "tc3_request" || cred.next().is_some() {
        return None;
    }
    Some(ParsedAuthorization {
        secret_id,
        date,
        service,
        signed_headers: signed?.split(';').map(str::to_string).collect(),
        signature: signature?.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOAD: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;

    /// The worked example of the spec (签名方法 v3), step by step.
    #[test]
    fn reproduces_the_spec_example() {
        let secret_key = "*".repeat(32);
        let headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Host", "cvm.tencentcloudapi.com"),
            ("X-TC-Action", "DescribeInstances"),
        ];
        let sig = sign(
            &SignInput {
                method: "POST",
                query: "",
                headers: &headers,
                payload: PAYLOAD.as_bytes(),
                service: "cvm",
                timestamp: 1_551_113_065,
            },
            &secret_key,
        );
        assert_eq!(
            sig.canonical_request,
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\nx-tc-action:describeinstances\n\ncontent-type;host;x-tc-action\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            sig.hashed_canonical_request,
            "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
        );
        assert_eq!(sig.credential_scope, "2019-02-25/cvm/tc3_request");
        assert_eq!(
            sig.string_to_sign,
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
        );
        let keys = derive_keys(&secret_key, "2019-02-25", "cvm").map(hex::encode);
        assert_eq!(
            keys,
            [
                "da98fb70dcf6b112dc21038d1eeeb3a95c74b4dcb12c1131f864f6066bd02be0",
                "8d70cbefb03939f929db64d32dc2ba89b1095620119fe3e050e2b18c5bd2752f",
                "b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af",
            ]
        );
        assert_eq!(
            sig.signature,
            "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
        );
        assert_eq!(
            authorization(&format!("AKID{}", "*".repeat(32)), &sig),
            format!(
                "TC3-HMAC-SHA256 Credential=AKID{}/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature=10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f",
                "*".repeat(32)
            )
        );
    }

    #[test]
    fn scope_date_is_utc_not_local() {
        // 1551113065 is 2019-02-26 00:44 in UTC+8 but 2019-02-25 in UTC.
        assert_eq!(utc_date(1_551_113_065), "2019-02-25");
    }

    #[test]
    fn authorization_round_trips_through_the_parser() {
        let sig = sign(
            &SignInput {
                method: "POST",
                query: "",
                headers: &[("content-type", "application/json"), ("host", "h")],
                payload: b"{}",
                service: "omics",
                timestamp: 1_700_000_000,
            },
            "key",
        );
        let parsed = parse_authorization(&authorization("AKIDx", &sig)).expect("parses");
        assert_eq!(parsed.secret_id, "AKIDx");
        assert_eq!(parsed.date, "2023-11-14");
        assert_eq!(parsed.service, "omics");
        assert_eq!(parsed.signed_headers, ["content-type", "host"]);
        assert_eq!(parsed.signature, sig.signature);
        assert!(parse_authorization("Bearer abc").is_none());
        assert!(parse_authorization("TC3-HMAC-SHA256 Credential=a/b, Signature=x").is_none());
    }
}
