//! Transport failures, by kind and by whether a mutation may have arrived; loopback hosts.

use super::error::{ApiError, TransportKind};

pub(super) fn transport(action: &str, kind: TransportKind, detail: impl Into<String>) -> ApiError {
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

/// Whether a host name or address is this machine (127.0.0.0/8, ::1, localhost).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
