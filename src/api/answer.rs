//! Reading the service's answers: the `{"Response": {...}}` envelope, its `Error`, and the
//! body read into a type straight from the bytes (no `serde_json::Value` tree on the way).

use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::Reply;
use super::error::{ApiError, TransportKind};
use super::text;

/// The bytes of an answer that is not an error, kept until a caller reads them as a type
/// (identical reads share one answer and may each want their own type).
pub type Body = Bytes;

/// The fields of `Response` that every answer has; the rest is skipped unread.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "Response")]
    response: Option<HeadFields>,
}

#[derive(Deserialize)]
struct HeadFields {
    #[serde(rename = "Error")]
    error: Option<Value>,
    #[serde(rename = "RequestId")]
    request_id: Option<Value>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(rename = "Response")]
    response: T,
}

fn decode_error(action: &str, detail: String) -> ApiError {
    ApiError::Transport {
        action: action.to_string(),
        kind: TransportKind::Decode,
        detail,
    }
}

/// Checks an answer: JSON with a `Response` object, turning `Response.Error` into
/// [`ApiError::Service`].
pub fn decode(action: &str, bytes: Body) -> Result<Reply<Body>, ApiError> {
    let head = match serde_json::from_slice::<Head>(&bytes) {
        Ok(Head {
            response: Some(fields),
        }) => fields,
        // Anything unusual is read again as a tree, which says exactly what is wrong.
        _ => head_of_tree(action, &bytes)?,
    };
    let request_id = head
        .request_id
        .as_ref()
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(error) = head.error.filter(|e| !e.is_null()) {
        let text = |k: &str| {
            error
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        return Err(ApiError::Service {
            action: action.to_string(),
            code: text("Code"),
            message: text("Message"),
            request_id,
        });
    }
    Ok(Reply {
        data: bytes,
        request_id,
    })
}

/// The head of an answer read as a tree (a key given twice keeps its last value), or why the
/// answer is not one.
fn head_of_tree(action: &str, bytes: &[u8]) -> Result<HeadFields, ApiError> {
    let mut root: Value = serde_json::from_slice(bytes)
        .map_err(|e| decode_error(action, format!("response is not JSON: {e}")))?;
    let Some(response) = root.get_mut("Response").map(Value::take) else {
        return Err(decode_error(
            action,
            "response has no \"Response\" object".into(),
        ));
    };
    if !response.is_object() {
        return Err(decode_error(action, "\"Response\" is not an object".into()));
    }
    Ok(HeadFields {
        error: response.get("Error").cloned(),
        request_id: response.get("RequestId").cloned(),
    })
}

/// Reads a checked answer's `Response` into `T`.
pub fn typed<T: DeserializeOwned>(action: &str, reply: &Reply<Body>) -> Result<Reply<T>, ApiError> {
    // Equal strings of one answer are kept once (see `text`).
    let data = text::sharing(
        || match serde_json::from_slice::<Envelope<T>>(&reply.data) {
            Ok(e) => Ok(e.response),
            // The quick reader refuses a key given twice; a tree keeps the last one.
            Err(_) => serde_json::from_slice::<Value>(&reply.data).and_then(|mut root| {
                let response = root.get_mut("Response").map(Value::take);
                T::deserialize(response.unwrap_or_default())
            }),
        },
    )
    .map_err(|e| {
        let detail = format!(
            "unexpected response shape: {e} (RequestId {})",
            reply.request_id
        );
        decode_error(action, detail)
    })?;
    Ok(Reply {
        data,
        request_id: reply.request_id.clone(),
    })
}

/// Checks an answer and reads it into `T`, as [`super::Client::call`] does with a read.
pub fn decode_as<T: DeserializeOwned>(action: &str, bytes: Body) -> Result<Reply<T>, ApiError> {
    typed(action, &decode(action, bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::DescribeRunsResponse;

    fn body(s: &'static str) -> Body {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn decodes_errors_with_code_message_and_request_id() {
        let err = decode(
            "DescribeRuns",
            body(
                r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"bad"},"RequestId":"r-1"}}"#,
            ),
        )
        .expect_err("is an error");
        assert_eq!(err.code(), Some("AuthFailure.SignatureFailure"));
        assert_eq!(err.request_id(), Some("r-1"));
        assert!(err.to_string().contains("DescribeRuns"));
        let ok = decode(
            "DescribeRuns",
            body(r#"{"Response":{"TotalCount":1,"RequestId":"r-2"}}"#),
        )
        .expect("ok");
        assert_eq!(ok.request_id, "r-2");
        let bad = decode("DescribeRuns", body("{\"Resp")).expect_err("not json");
        assert!(matches!(
            bad,
            ApiError::Transport {
                kind: TransportKind::Decode,
                ..
            }
        ));
    }

    #[test]
    fn a_response_that_is_no_object_is_refused() {
        for s in [
            r#"{"Response": null}"#,
            r#"{"Response": [1]}"#,
            r#"{"X": {}}"#,
        ] {
            let err = decode("DescribeRuns", body(s)).expect_err(s);
            assert!(err.to_string().contains("\"Response\""), "{err}");
        }
    }

    #[test]
    fn a_key_given_twice_keeps_its_last_value() {
        let twice = r#"{"Response":{"TotalCount":1,"TotalCount":2,"RequestId":"a","RequestId":"b",
            "Runs":[{"RunUuid":"x","RunUuid":"y"}]}}"#;
        let r = decode_as::<DescribeRunsResponse>("DescribeRuns", body(twice)).expect("reads");
        assert_eq!(r.request_id, "b");
        assert_eq!(r.data.total_count, Some(2));
        let uuid = r.data.runs.and_then(|v| v[0].run_uuid.clone());
        assert_eq!(uuid.as_deref(), Some("y"));
    }
}
