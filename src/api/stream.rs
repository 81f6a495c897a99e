//! GetRunCalls read as it arrives: a 20,000-call scatter is a 41 MB answer, and holding
//! it whole while its calls are decoded (and while the dashboard still holds the previous
//! tree) was most of omtop's peak memory. Each element of `Response.Calls` is read on its
//! own as soon as its last byte is in, on the task that receives the chunks, so only one
//! call's text is held at a time; everything else (the envelope, `RequestId`, an `Error`) is
//! kept with the array emptied and read at the end the ordinary way ([`super::answer`]).
//! A refresh is given the strings the caller holds from the answer it replaces
//! ([`text::Held`]), and the calls read share them, so a refresh of an open scatter adds what
//! changed, not a second copy of the tree; those strings are hashed for the read only and
//! dropped with it.
//!
//! What this reader does not take (`Calls` given twice, a call it cannot read) is asked
//! again and read whole, which keeps every leniency of the ordinary reader.

use std::sync::Mutex;

use serde::Deserialize;
use serde_json::Value;

use super::answer::{decode, typed};
use super::client::{Client, Reply};
use super::error::{ApiError, TransportKind};
use super::send::{BodyReader, MAX_ANSWER, classify_read};
use super::text::{self, Held, Pool};
use super::types::{GetRunCallsResponse, RunMetadata};

/// One element of the array: a call, or `None` for anything else (dropped, as the ordinary
/// reader drops it).
struct Element(Option<RunMetadata>);

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::lenient::lenient(d).map(Element)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Outside `Response.Calls`.
    Outside,
    /// Just after the key `"Calls":` of `Response`.
    Key,
    /// Inside its array (at depth 3).
    Array,
}

/// Splits an answer into the calls of `Response.Calls`, read one at a time, and the rest.
struct Splitter {
    rest: Vec<u8>,
    element: Vec<u8>,
    calls: Vec<RunMetadata>,
    mode: Mode,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// The bytes of the string being read, while it may be a key of interest.
    string: Vec<u8>,
    capture: bool,
    last_string: Vec<u8>,
    /// The current keys of the top-level object and of the object below it.
    keys: [Vec<u8>; 2],
    split: bool,
    failed: Option<String>,
}

impl Splitter {
    fn new() -> Self {
        Self {
            rest: Vec::new(),
            element: Vec::new(),
            calls: Vec::new(),
            mode: Mode::Outside,
            depth: 0,
            in_string: false,
            escaped: false,
            string: Vec::new(),
            capture: false,
            last_string: Vec::new(),
            keys: [Vec::new(), Vec::new()],
            split: false,
            failed: None,
        }
    }

    fn sink(&mut self) -> &mut Vec<u8> {
        if self.mode == Mode::Array && self.depth >= 3 {
            &mut self.element
        } else {
            &mut self.rest
        }
    }

    /// Reads the element gathered so far, if any.
    fn element_done(&mut self, pool: &mut Pool) {
        if self.element.iter().all(u8::is_ascii_whitespace) {
            self.element.clear();
            return;
        }
        let read = text::sharing_in(pool, || serde_json::from_slice::<Element>(&self.element));
        match read {
            Ok(Element(Some(call))) => self.calls.push(call),
            Ok(Element(None)) => {}
            Err(e) => self.failed = Some(format!("a call it cannot read: {e}")),
        }
        self.element.clear();
    }

    fn feed(&mut self, bytes: &[u8], pool: &mut Pool) {
        for &b in bytes {
            if self.failed.is_some() {
                return;
            }
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.capture {
                        self.last_string = std::mem::take(&mut self.string);
                    }
                } else if self.capture {
                    self.string.push(b);
                }
                self.sink().push(b);
                continue;
            }
            match b {
                b'"' => {
                    self.in_string = true;
                    self.capture = self.mode == Mode::Outside && self.depth <= 2;
                    self.string.clear();
                    self.sink().push(b);
                }
                b':' if self.mode == Mode::Outside && (1..=2).contains(&self.depth) => {
                    self.keys[self.depth - 1] = std::mem::take(&mut self.last_string);
                    if self.depth == 2 && self.keys[0] == b"Response" && self.keys[1] == b"Calls" {
                        if self.split {
                            self.failed = Some("Calls given twice".into());
                        }
                        self.mode = Mode::Key;
                    }
                    self.rest.push(b);
                }
                b'[' if self.mode == Mode::Key => {
                    self.mode = Mode::Array;
                    self.split = true;
                    self.depth += 1;
                    self.rest.push(b);
                }
                b']' if self.mode == Mode::Array && self.depth == 3 => {
                    self.element_done(pool);
                    self.mode = Mode::Outside;
                    self.depth -= 1;
                    self.rest.push(b);
                }
                b',' if self.mode == Mode::Array && self.depth == 3 => self.element_done(pool),
                b'{' | b'[' => {
                    if self.mode == Mode::Key {
                        // Calls is not an array: the ordinary reader has the last word.
                        self.mode = Mode::Outside;
                    }
                    self.depth += 1;
                    if (1..=2).contains(&self.depth) && self.mode == Mode::Outside {
                        // A new object: its keys start afresh.
                        self.keys[self.depth - 1].clear();
                    }
                    self.sink().push(b);
                }
                b'}' | b']' => {
                    self.sink().push(b);
                    self.depth = self.depth.saturating_sub(1);
                    if self.mode == Mode::Array && self.depth == 3 && b == b'}' {
                        // A call's object is whole (its closing brace is in).
                        self.element_done(pool);
                    }
                }
                _ => {
                    if self.mode == Mode::Key && !b.is_ascii_whitespace() {
                        self.mode = Mode::Outside;
                    }
                    if !(self.mode == Mode::Array
                        && self.depth == 3
                        && self.element.is_empty()
                        && b.is_ascii_whitespace())
                    {
                        self.sink().push(b);
                    }
                }
            }
        }
    }
}

/// Why the quick reader refused an answer: read it again the ordinary way.
const REFUSED: &str = "quick reader refused the answer";

/// Reads a GetRunCalls answer as it arrives, sharing strings with its pool (handed back
/// after each attempt, so a read sent again shares them too).
struct StreamedCalls {
    pool: Mutex<Pool>,
}

impl BodyReader for StreamedCalls {
    type Out = Reply<Vec<RunMetadata>>;

    async fn read(&self, action: &str, mut resp: reqwest::Response) -> Result<Self::Out, ApiError> {
        let mut pool = std::mem::take(
            &mut *self
                .pool
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let mut split = Splitter::new();
        let mut total = 0usize;
        let result = async {
            while let Some(chunk) = resp.chunk().await.map_err(|e| classify_read(action, e))? {
                total += chunk.len();
                if total > MAX_ANSWER {
                    return Err(refused(action, "larger than omtop reads"));
                }
                split.feed(&chunk, &mut pool);
                if let Some(why) = split.failed.take() {
                    return Err(refused(action, &why));
                }
            }
            // The rest is small: the envelope, the RequestId, or the whole of an error.
            let rest = decode(action, std::mem::take(&mut split.rest).into())?;
            let whole: Reply<GetRunCallsResponse> =
                text::sharing_in(&mut pool, || typed(action, &rest))?;
            let mut calls = if split.split {
                std::mem::take(&mut split.calls)
            } else {
                whole.data.calls.unwrap_or_default()
            };
            calls.shrink_to_fit();
            Ok(Reply {
                data: calls,
                request_id: whole.request_id,
            })
        }
        .await;
        drop(split);
        *self
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = pool;
        result
    }
}

fn refused(action: &str, why: &str) -> ApiError {
    ApiError::Transport {
        action: action.to_string(),
        kind: TransportKind::Decode,
        detail: format!("{REFUSED}: {why}"),
    }
}

impl Client {
    /// GetRunCalls read as it arrives (see the module doc), its strings shared with `held`;
    /// not joined with an identical read in flight (the dashboard has at most one per path).
    pub(super) async fn calls_streamed(
        &self,
        region: &str,
        body: &Value,
        priority: super::queue::Priority,
        held: Held,
    ) -> Result<Vec<RunMetadata>, ApiError> {
        const ACTION: &str = "GetRunCalls";
        let reader = StreamedCalls {
            pool: Mutex::new(held.into_pool()),
        };
        let result = self
            .execute_with(ACTION, region, body, priority, &reader)
            .await;
        drop(reader);
        match result {
            Ok(reply) => Ok(reply.data),
            Err(ApiError::Transport { detail, .. }) if detail.starts_with(REFUSED) => {
                tracing::debug!(detail, "GetRunCalls read again whole");
                let raw = self.read(ACTION, region, body, priority).await?;
                let r: Reply<super::types::GetRunCallsResponse> =
                    super::answer::typed(ACTION, &raw)?;
                Ok(r.data.calls.unwrap_or_default())
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits `json` fed in pieces of `step` bytes; the calls' ids, and the rest.
    fn split(json: &str, step: usize) -> (Vec<String>, String, Option<String>) {
        let mut s = Splitter::new();
        let mut pool = Pool::new();
        for piece in json.as_bytes().chunks(step) {
            s.feed(piece, &mut pool);
        }
        let ids = s
            .calls
            .iter()
            .map(|c| c.run_id.as_deref().unwrap_or("-").to_string())
            .collect();
        (ids, String::from_utf8(s.rest).expect("utf-8"), s.failed)
    }

    #[test]
    fn calls_are_read_one_by_one_whatever_the_chunks() {
        let json = r#"{"Response": {"RequestId": "r1", "Calls": [
            {"RunId": "a", "CallName": "x}\"]{", "Meta": {"k": [1, {"b": "]"}]}},
            7, "text", {"RunId": "b"} ,{"RunId":"c"}
        ], "Other": {"Calls": [1]}}}"#;
        for step in [1, 2, 3, 7, 64, 10_000] {
            let (ids, rest, failed) = split(json, step);
            assert_eq!(failed, None, "step {step}");
            assert_eq!(ids, ["a", "b", "c"], "step {step}");
            let rest: Value = serde_json::from_str(&rest).expect("the rest is JSON");
            assert_eq!(
                rest["Response"]["Calls"],
                serde_json::json!([]),
                "step {step}"
            );
            assert_eq!(rest["Response"]["RequestId"], "r1");
            assert_eq!(rest["Response"]["Other"]["Calls"], serde_json::json!([1]));
        }
    }

    #[test]
    fn what_it_does_not_take_is_refused_or_left_to_the_ordinary_reader() {
        let twice = r#"{"Response": {"Calls": [], "Calls": [{"RunId": "a"}]}}"#;
        assert!(split(twice, 5).2.is_some(), "Calls twice: refused");
        let broken = r#"{"Response": {"Calls": [{"RunId": "a" "x"}]}}"#;
        assert!(
            split(broken, 5).2.is_some(),
            "a call it cannot read: refused"
        );
        let error = r#"{"Response": {"Error": {"Code": "X", "Message": "m"}, "RequestId": "r"}}"#;
        let (ids, rest, failed) = split(error, 3);
        assert!(ids.is_empty() && failed.is_none());
        assert_eq!(rest, error, "an error is kept whole");
        let not_array = r#"{"Response": {"Calls": {"RunId": "a"}}}"#;
        assert_eq!(
            split(not_array, 4).1,
            not_array,
            "left to the ordinary reader"
        );
        let top_level = r#"{"Calls": [{"RunId": "a"}], "Response": {}}"#;
        assert!(
            split(top_level, 4).0.is_empty(),
            "only Response.Calls is split"
        );
    }
}
