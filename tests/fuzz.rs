//! Parsing never panics: arbitrary bytes and arbitrary JSON shapes through response
//! decoding, the sanitizer, the trace and log parsers, timestamps and the audit log reader.
//!
//! CI runs a few thousand cases per property; `OMTOP_FUZZ_CASES=1000000 cargo test --release
//! --test fuzz` runs a million each. A failure prints the smallest input proptest found.

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use omtop::api::Reply;
use omtop::api::answer::{Body, decode, typed};
use omtop::api::types::{
    DescribeProjectsResponse, DescribeRunGroupsResponse, DescribeRunsResponse, GetRunCallsResponse,
    GetRunJobLogResponse, GetRunMetadataFileResponse, GetRunStatusResponse,
    RunGroupCreatedResponse, Timestamp,
};
use omtop::tui::effect::LogSource;
use omtop::tui::state::pager::{Tab, Trace};

fn config(ci_cases: u32) -> ProptestConfig {
    let cases = std::env::var("OMTOP_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ci_cases);
    ProptestConfig {
        cases,
        // Shrinking a million-case failure can take long; the first failure is enough.
        max_shrink_iters: 2_000,
        // Integration tests have no lib.rs beside them to keep regressions in.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Field names the service uses, so generated shapes hit the real models' fields.
const KEYS: &[&str] = &[
    "Response",
    "RequestId",
    "Error",
    "Code",
    "Message",
    "TotalCount",
    "Projects",
    "RunGroups",
    "Runs",
    "Calls",
    "Metadata",
    "Content",
    "RunGroupId",
    "RunUuid",
    "ProjectId",
    "Name",
    "Status",
    "RunStatusCounts",
    "Count",
    "ExecutionTime",
    "SubmitTime",
    "StartTime",
    "EndTime",
    "CreateTime",
    "Option",
    "NFOption",
    "UseCallCache",
    "FailureMode",
    "CallName",
    "ScatterIndex",
    "JobId",
    "RunId",
    "Input",
    "Output",
    "ErrorMessage",
    "Type",
    "ApplicationType",
    "CosSignedUrl",
    "CosSignedUrls",
    "Cache",
    "CacheCleared",
    "Volumes",
    "Region",
    "IsDefault",
];

/// Strings that look like what the service sends and what an attacker would send.
fn hostile_string() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\u{1b}",
        "[",
        "]",
        "52;c;",
        "8;;",
        "\u{7}",
        "\u{1b}\\",
        "\u{9b}",
        "\u{9d}",
        "\u{9c}",
        "\u{202e}",
        "\u{2066}",
        "\u{200d}",
        "\u{fe0f}",
        "🇨",
        "🇳",
        "👩",
        "🏽",
        "🔬",
        "基因",
        "\n",
        "\r",
        "\t",
        "\u{8}",
        "\u{7f}",
        "\u{0}",
        "0",
        "31",
        ";",
        "m",
        "H",
        "J",
        "a",
        "2026-11-23T10:00:00+08:00",
        "2026-11-23 10:00:00",
        "RUNNING",
        "FAILED",
        "\u{301}",
        "\u{2028}",
    ]);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat()),
    ]
}

/// Arbitrary JSON, with keys mostly from the service's vocabulary.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        hostile_string().prop_map(Value::String),
    ];
    let key = prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => any::<String>(),
    ];
    leaf.prop_recursive(5, 200, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn shape<T: DeserializeOwned>(action: &str, reply: &Reply<Body>) {
    let _ = typed::<T>(action, reply);
}

/// Every response type, read from one decoded body.
fn decode_all(bytes: &[u8]) {
    for action in ["DescribeRuns", "RetryRuns"] {
        if let Ok(reply) = decode(action, Body::copy_from_slice(bytes)) {
            shape::<DescribeProjectsResponse>(action, &reply);
            shape::<DescribeRunGroupsResponse>(action, &reply);
            shape::<DescribeRunsResponse>(action, &reply);
            shape::<GetRunCallsResponse>(action, &reply);
            shape::<GetRunStatusResponse>(action, &reply);
            shape::<GetRunMetadataFileResponse>(action, &reply);
            shape::<GetRunJobLogResponse>(action, &reply);
            shape::<RunGroupCreatedResponse>(action, &reply);
        }
    }
}

/// The sanitizer's promise, checked on its output.
fn assert_inert(out: &str, multiline: bool) -> Result<(), TestCaseError> {
    for c in out.chars() {
        let allowed_newline = multiline && c == '\n';
        prop_assert!(
            allowed_newline || !omtop::sanitize::is_unsafe(c),
            "U+{:04X} survived in {out:?}",
            c as u32
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(3_000))]

    #[test]
    fn arbitrary_bytes_decode_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_all(&bytes);
    }

    #[test]
    fn arbitrary_json_shapes_decode_without_panic(v in json(), wrap in any::<bool>()) {
        let body = if wrap { serde_json::json!({"Response": v}) } else { v };
        let bytes = body.to_string().into_bytes();
        decode_all(&bytes);
        // Cut anywhere, as a dropped connection leaves it.
        let cut = bytes.len() / 2;
        decode_all(&bytes[..cut]);
    }

    #[test]
    fn lenient_models_take_any_object(fields in prop::collection::vec(
        (prop::sample::select(KEYS), json()), 0..12)) {
        // Inside {"Response": {...}}, any object decodes to every response type: wrong
        // types and nulls become empty fields, never an error.
        let obj: Map<String, Value> =
            fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let body = serde_json::json!({"Response": Value::Object(obj)}).to_string();
        if let Ok(reply) = decode("DescribeRuns", Body::from(body)) {
            prop_assert!(typed::<DescribeRunsResponse>("DescribeRuns", &reply).is_ok());
            prop_assert!(typed::<GetRunCallsResponse>("DescribeRuns", &reply).is_ok());
            prop_assert!(typed::<DescribeRunGroupsResponse>("DescribeRuns", &reply).is_ok());
        }
    }

    #[test]
    fn sanitized_text_is_inert_and_stable(s in hostile_string()) {
        let line = omtop::sanitize::line(&s);
        assert_inert(&line, false)?;
        prop_assert!(!line.contains('\n'));
        prop_assert_eq!(omtop::sanitize::line(&line), line.clone(), "line() is idempotent");
        let text = omtop::sanitize::text(&s);
        assert_inert(&text, true)?;
        prop_assert!(text.lines().count() <= s.split('\n').count());
    }

    #[test]
    fn sanitizing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let s = String::from_utf8_lossy(&bytes);
        assert_inert(&omtop::sanitize::line(&s), false)?;
        assert_inert(&omtop::sanitize::text(&s), true)?;
    }

    #[test]
    fn traces_and_logs_parse_without_panic(s in hostile_string(), tabs in 0usize..6) {
        let text = format!("task_id\tname\tstatus{}\n{s}\n{s}\t{s}\n", "\t".repeat(tabs));
        if let Some(mut t) = Trace::parse(&text) {
            prop_assert!(t.rows.len() <= text.lines().count());
            for cell in t.header.iter().chain(t.rows.iter().flatten()) {
                assert_inert(cell, false)?;
            }
            for _ in 0..(t.header.len() + 1) {
                t.cycle_sort();
            }
        }
        let _ = Trace::parse(&s);
        for key in ["nextflow.log", "execution_trace.txt"] {
            let mut tab = Tab::new(LogSource::File(key.into()));
            tab.set_text(&s);
            tab.set_text(&text);
        }
    }

    #[test]
    fn timestamps_parse_without_panic(s in hostile_string()) {
        let t = Timestamp::parse(&s);
        prop_assert_eq!(t.raw, s);
    }

    #[test]
    fn audit_logs_read_without_panic(lines in prop::collection::vec(
        prop_oneof![hostile_string(), json().prop_map(|v| v.to_string())], 0..8)) {
        let text = lines.join("\n");
        let (entries, bad) = omtop::audit::parse(&text);
        prop_assert!(entries.len() + bad.len() <= text.lines().count());
    }
}
