//! Errors of the Omics client. Every variant names the action it came from, and every
//! service error keeps its code, message and RequestId, because the RequestId is what
//! support asks for.

use std::fmt;

/// How a request failed below the level of the service's own answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// The connection could not be opened: nothing was sent.
    Connect,
    /// The server's TLS certificate was not accepted (omtop always verifies it): nothing
    /// was sent, and asking again would not change the answer.
    Tls,
    /// No answer in time.
    Timeout,
    /// The connection broke (reset, closed) before a whole answer arrived.
    Broken,
    /// The answer was not HTTP 200.
    HttpStatus(u16),
    /// The answer was not the JSON the action returns.
    Decode,
}

impl TransportKind {
    /// Whether the request can have reached the service (it was written to the wire).
    pub fn may_have_arrived(self) -> bool {
        !matches!(self, Self::Connect | Self::Tls)
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connect => f.write_str("connection failed"),
            Self::Tls => f.write_str("TLS certificate not accepted"),
            Self::Timeout => f.write_str("timed out"),
            Self::Broken => f.write_str("connection broken"),
            Self::HttpStatus(s) => write!(f, "HTTP {s}"),
            Self::Decode => f.write_str("unreadable response"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The service answered with `Response.Error`. A mutation it failed midway says that
    /// its outcome is unknown, as a broken connection does.
    #[error(
        "{action}: {code}: {message} (RequestId {request_id}){note}",
        note = unknown_note(action, code)
    )]
    Service {
        action: String,
        code: String,
        message: String,
        request_id: String,
    },
    /// The request failed on the way; `detail` says how.
    #[error("{action}: {kind}: {detail}")]
    Transport {
        action: String,
        kind: TransportKind,
        detail: String,
    },
    /// A mutation failed in a way that leaves unknown whether the service carried it out.
    /// omtop never resends it by itself: the user has to look and decide.
    #[error(
        "{action}: outcome unknown: {kind}: {detail}. The request may have reached the service; it was not resent. Check the run groups before trying again."
    )]
    OutcomeUnknown {
        action: String,
        kind: TransportKind,
        detail: String,
    },
    /// omtop could not build or sign the request (bad credentials, bad endpoint, ...).
    #[error("{action}: {detail}")]
    Local { action: String, detail: String },
}

/// What omtop adds to the service's own words when a mutation failed internally.
fn unknown_note(action: &str, code: &str) -> &'static str {
    if unknown_internal(action, code) {
        ": outcome unknown: the service may have carried it out before failing; it was not \
         resent. Check the run groups before trying again."
    } else {
        ""
    }
}

/// A mutation the service failed midway: it may have been carried out.
fn unknown_internal(action: &str, code: &str) -> bool {
    super::client::is_mutation(action) && code.starts_with("InternalError")
}

impl ApiError {
    pub fn action(&self) -> &str {
        match self {
            Self::Service { action, .. }
            | Self::Transport { action, .. }
            | Self::OutcomeUnknown { action, .. }
            | Self::Local { action, .. } => action,
        }
    }

    /// The service's error code, when the service answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Service { request_id, .. } => Some(request_id),
            _ => None,
        }
    }

    /// Whether a read that failed this way is worth sending again after a pause.
    pub fn is_retryable_read(&self) -> bool {
        match self {
            Self::Service { code, .. } => {
                code == "InternalError"
                    || code.starts_with("InternalError.")
                    || code == "ServiceUnavailable"
                    || code.starts_with("RequestLimitExceeded")
            }
            // A 4xx answer (other than 429) will not change by asking again.
            Self::Transport {
                kind: TransportKind::HttpStatus(code),
                ..
            } => *code == 429 || *code >= 500,
            Self::Transport {
                kind: TransportKind::Tls,
                ..
            } => false,
            Self::Transport { .. } => true,
            Self::OutcomeUnknown { .. } | Self::Local { .. } => false,
        }
    }

    /// Whether the service refused the request for the rate limit (`RequestLimitExceeded`
    /// and its sub-codes).
    pub fn is_throttled(&self) -> bool {
        self.code()
            .is_some_and(|c| c.starts_with("RequestLimitExceeded"))
    }

    /// Whether the service refused the request before acting on it, so that even a mutation
    /// can be sent again safely (throttled, or a signature it would not check).
    pub fn is_definite_rejection(&self) -> bool {
        self.is_throttled() || self.code() == Some("AuthFailure.SignatureExpire")
    }

    /// Whether a mutation that failed this way may still have been carried out: the
    /// connection broke after sending, or the service failed internally midway.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::OutcomeUnknown { .. } => true,
            Self::Service { action, code, .. } => unknown_internal(action, code),
            Self::Transport { .. } | Self::Local { .. } => false,
        }
    }

    /// The short code shown in tables and the status bar.
    pub fn short_code(&self) -> String {
        match self {
            Self::Service { code, .. } => code.clone(),
            Self::Transport { kind, .. } => kind.to_string(),
            Self::OutcomeUnknown { .. } => "outcome unknown".into(),
            Self::Local { .. } => "error".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_name_action_code_message_and_request_id() {
        let e = ApiError::Service {
            action: "RetryRuns".into(),
            code: "FailedOperation.StatusNotSupported".into(),
            message: "run is RUNNING".into(),
            request_id: "abc-123".into(),
        };
        assert_eq!(
            e.to_string(),
            "RetryRuns: FailedOperation.StatusNotSupported: run is RUNNING (RequestId abc-123)"
        );
        assert!(!e.is_retryable_read());
        let internal = ApiError::Service {
            action: "RetryRuns".into(),
            code: "InternalError".into(),
            message: "Retry your request.".into(),
            request_id: "abc-123".into(),
        };
        assert!(internal.outcome_unknown());
        assert_eq!(
            internal.to_string(),
            "RetryRuns: InternalError: Retry your request. (RequestId abc-123): outcome \
             unknown: the service may have carried it out before failing; it was not resent. \
             Check the run groups before trying again."
        );
    }

    #[test]
    fn retryable_codes() {
        let svc = |code: &str| ApiError::Service {
            action: "DescribeRuns".into(),
            code: code.into(),
            message: String::new(),
            request_id: String::new(),
        };
        assert!(svc("InternalError").is_retryable_read());
        assert!(svc("RequestLimitExceeded.UinLimitExceeded").is_retryable_read());
        assert!(svc("ServiceUnavailable").is_retryable_read());
        assert!(!svc("InvalidParameter").is_retryable_read());
        assert!(svc("RequestLimitExceeded").is_definite_rejection());
        assert!(!svc("InternalError").is_definite_rejection());
    }
}
