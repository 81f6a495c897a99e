//! The one path every mutation takes, from the CLI and the dashboard alike: refused in
//! read-only mode; otherwise its intent is written to the audit log and flushed before it is
//! sent (no audit, no request), and its result is written when it is known.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::answer::{Body, typed};
use super::client::{Client, Reply};
use super::error::ApiError;
use super::queue::Priority;
use super::transport::ambiguous;
use super::types::RunGroupCreatedResponse;
use crate::audit::{Outcome, Status};

impl Client {
    pub(super) async fn mutate<T: DeserializeOwned>(
        &self,
        action: &str,
        region: &str,
        body: &Value,
        priority: Priority,
    ) -> Result<Reply<T>, ApiError> {
        if self.read_only() {
            return Err(ApiError::Local {
                action: action.to_string(),
                detail: "refused: omtop is in read-only mode".into(),
            });
        }
        // A request the reference would refuse is not sent (nor audited as sent).
        if let Value::Object(m) = body
            && let Err(v) = super::schema::api().check(action, m)
        {
            return Err(ApiError::Local {
                action: action.to_string(),
                detail: format!("not sent: the API reference does not accept it ({v})"),
            });
        }
        let audited = match self.audit() {
            Some(log) => {
                let id = log
                    .intent(action, region, body)
                    .await
                    .map_err(|e| ApiError::Local {
                        action: action.to_string(),
                        detail: format!("not sent, because it could not be audited: {e}"),
                    })?;
                Some((log, id))
            }
            None => None,
        };
        let raw = self.execute(action, region, body, priority).await;
        let run_group_id = raw.as_ref().ok().and_then(|r| new_group(action, r));
        // The service answered without an error, so the mutation was carried out: an answer of
        // the wrong shape leaves only its outcome unknown.
        let result = raw.and_then(|r| typed::<T>(action, &r).map_err(ambiguous));
        if let Some((log, id)) = audited {
            let outcome = match &result {
                Ok(reply) => Outcome::ok(reply.request_id.clone(), run_group_id),
                Err(e) => failure(e),
            };
            // The request is gone either way; a log that cannot take the result is reported,
            // and the intent without a result shows it as unfinished.
            if let Err(e) = log.result(&id, action, outcome).await {
                tracing::error!(action, "{e}");
            }
        }
        result
    }
}

fn new_group(action: &str, reply: &Reply<Body>) -> Option<String> {
    typed::<RunGroupCreatedResponse>(action, reply)
        .ok()?
        .data
        .run_group_id
        .filter(|id| !id.is_empty())
}

/// How the audit log records an error.
fn failure(e: &ApiError) -> Outcome {
    let status = if e.outcome_unknown() {
        Status::OutcomeUnknown
    } else {
        Status::Error
    };
    Outcome::failed(
        status,
        e.code().map(str::to_string),
        e.to_string(),
        e.request_id().map(str::to_string),
    )
}
