//! The reference's own examples, extracted into `tests/fixtures/spec-examples/` by
//! `scripts/gen_api_schema.py`, are the judge of both sides:
//! - every example request is accepted by the schema the simulator enforces, and by the
//!   simulator itself over HTTP, for every action omtop reads or sends;
//! - every example response decodes into omtop's types, and every field the example carries
//!   is kept by the model or named below as deliberately not read.

mod common;

use std::path::PathBuf;

use omtop::api::answer::decode_as;
use omtop::api::schema;
use omtop::api::types::{
    DescribeEnvironmentsResponse, DescribeRunGroupsResponse, DescribeRunsResponse,
    DescribeTablesResponse, DescribeTablesRowsResponse, DescribeVolumesResponse,
    GetRunCallsResponse, GetRunMetadataFileResponse, GetRunStatusResponse, RunGroupCreatedResponse,
};
use serde_json::Value;

struct Example {
    file: String,
    action: String,
    request: Value,
    response: Value,
}

fn examples() -> Vec<Example> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spec-examples");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the fixtures folder") {
        let path = entry.expect("an entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let v: Value = serde_json::from_str(&text).expect("each fixture is JSON");
        out.push(Example {
            file: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            action: v["action"].as_str().expect("an action").to_string(),
            request: v["request"].clone(),
            response: v["response"].clone(),
        });
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

#[test]
fn there_is_an_example_of_every_action_the_reference_documents() {
    let ex = examples();
    assert!(ex.len() >= 30, "only {} examples", ex.len());
    for (name, a) in &schema::api().actions {
        if a.source == "doc" {
            assert!(
                ex.iter().any(|e| &e.action == name),
                "no example fixture for {name}"
            );
        }
    }
}

#[test]
fn every_example_request_is_valid_by_the_schema() {
    for e in examples() {
        let Value::Object(body) = &e.request else {
            panic!("{}: the request is not an object", e.file);
        };
        if let Err(v) = schema::api().check(&e.action, body) {
            panic!("{}: the reference's own example is refused: {v}", e.file);
        }
    }
}

#[tokio::test]
async fn the_simulator_serves_every_example_omtop_reads_or_sends() {
    let sim = common::sim(omtop::sim::SimConfig::default()).await;
    let client = common::client_for(&sim);
    let mut sent = 0;
    for e in examples() {
        if NOT_MODELLED.contains(&e.action.as_str()) {
            continue;
        }
        // The examples name projects and runs of someone else's account: the answer may
        // be that they do not exist, but never that the request is not understood.
        let answer = client
            .call::<Value>(
                &e.action,
                "ap-guangzhou",
                &e.request,
                omtop::api::Priority::Interactive,
            )
            .await;
        if let Err(err) = answer {
            let code = err.code().unwrap_or("(no code)");
            assert!(
                code.starts_with("ResourceNotFound")
                    || code == "FailedOperation.StatusNotSupported",
                "{}: {err}",
                e.file
            );
        }
        sent += 1;
    }
    assert!(sent >= 20, "only {sent} examples sent");
    // Dropping the simulator checks that none of them broke the reference's schema.
}

/// Fields of the examples omtop does not read, and why. Everything else must survive a
/// decode into omtop's model and back.
const NOT_READ: &[(&str, &str)] = &[
    // The envelope's RequestId is read by the client, not the model.
    ("*", "RequestId"),
];

/// Actions whose answers omtop does not read (it does not create, change or delete
/// environments, volumes or tables): their examples are still checked as requests.
const NOT_MODELLED: &[&str] = &[
    "CreateEnvironment",
    "DeleteEnvironment",
    "CreateVolume",
    "DeleteVolume",
    "DeleteVolumeData",
    "ModifyVolume",
    "ImportTableFile",
];

fn decoded(action: &str, response: &Value) -> Option<Value> {
    let bytes = bytes::Bytes::from(serde_json::to_vec(response).expect("encodes"));
    let back = |v: Result<Value, omtop::api::ApiError>| v.expect("decodes into omtop's type");
    fn read<T: serde::de::DeserializeOwned + serde::Serialize>(
        action: &str,
        bytes: bytes::Bytes,
    ) -> Result<Value, omtop::api::ApiError> {
        let t = decode_as::<T>(action, bytes)?;
        Ok(serde_json::to_value(&t.data).expect("encodes"))
    }
    Some(match action {
        "DescribeRunGroups" => back(read::<DescribeRunGroupsResponse>(action, bytes)),
        "DescribeRuns" => back(read::<DescribeRunsResponse>(action, bytes)),
        "GetRunCalls" => back(read::<GetRunCallsResponse>(action, bytes)),
        "GetRunStatus" => back(read::<GetRunStatusResponse>(action, bytes)),
        "GetRunMetadataFile" => back(read::<GetRunMetadataFileResponse>(action, bytes)),
        "DescribeEnvironments" => back(read::<DescribeEnvironmentsResponse>(action, bytes)),
        "DescribeVolumes" => back(read::<DescribeVolumesResponse>(action, bytes)),
        "DescribeTables" => back(read::<DescribeTablesResponse>(action, bytes)),
        "DescribeTablesRows" => back(read::<DescribeTablesRowsResponse>(action, bytes)),
        "RetryRuns" | "RunApplication" | "RunWorkflow" => {
            back(read::<RunGroupCreatedResponse>(action, bytes))
        }
        "TerminateRunGroup" => Value::Object(serde_json::Map::new()),
        _ => return None,
    })
}

/// Every path of `example` that `kept` lacks or holds differently.
fn lost(example: &Value, kept: &Value, path: &str, out: &mut Vec<String>) {
    match (example, kept) {
        (Value::Object(e), Value::Object(k)) => {
            for (key, v) in e {
                if NOT_READ
                    .iter()
                    .any(|(p, f)| (*p == "*" || *p == path) && f == key)
                {
                    continue;
                }
                let here = format!("{path}.{key}");
                match k.get(key) {
                    Some(kv) => lost(v, kv, &here, out),
                    None if v.is_null() => {}
                    None => out.push(here),
                }
            }
        }
        (Value::Array(e), Value::Array(k)) => {
            if e.len() != k.len() {
                out.push(format!("{path} ({} items kept of {})", k.len(), e.len()));
            }
            for (i, (ev, kv)) in e.iter().zip(k).enumerate() {
                lost(ev, kv, &format!("{path}[{i}]"), out);
            }
        }
        // A nested object kept as JSON text (Input, Output, Runtime) holds the same value.
        (Value::Object(_) | Value::Array(_), Value::String(s)) => {
            if serde_json::from_str::<Value>(s).ok().as_ref() != Some(example) {
                out.push(format!("{path} (changed)"));
            }
        }
        (Value::String(e), Value::String(k)) if e == k => {}
        (Value::Number(e), Value::Number(k)) if e.as_f64() == k.as_f64() => {}
        (Value::Bool(e), Value::Bool(k)) if e == k => {}
        (e, k) => out.push(format!("{path} ({e} became {k})")),
    }
}

#[test]
fn every_example_response_decodes_and_keeps_its_fields() {
    let mut checked = 0;
    for e in examples() {
        let Some(kept) = decoded(&e.action, &e.response) else {
            assert!(
                NOT_MODELLED.contains(&e.action.as_str()),
                "{}: omtop reads {} but the test does not decode it",
                e.file,
                e.action
            );
            continue;
        };
        let mut missing = Vec::new();
        lost(&e.response["Response"], &kept, "", &mut missing);
        assert!(
            missing.is_empty(),
            "{}: fields of the reference's example that omtop's model drops:\n{}",
            e.file,
            missing.join("\n")
        );
        checked += 1;
    }
    assert!(checked >= 23, "only {checked} responses checked");
}

#[test]
fn a_field_the_model_does_not_have_is_reported() {
    let e = examples()
        .into_iter()
        .find(|e| e.action == "DescribeRuns")
        .expect("the DescribeRuns example");
    let mut response = e.response.clone();
    response["Response"]["Runs"][0]["SomethingNew"] = Value::from("x");
    response["Response"]["Runs"][0]["Cache"]["CacheClearDelay"] = Value::from("soon");
    let kept = decoded(&e.action, &response).expect("DescribeRuns is read");
    let mut missing = Vec::new();
    lost(&response["Response"], &kept, "", &mut missing);
    assert_eq!(
        missing,
        [".Runs[0].Cache.CacheClearDelay", ".Runs[0].SomethingNew"]
    );
}

/// The schema and the fixtures are what the generator makes of the reference as it is now
/// (`python3 scripts/gen_api_schema.py --check`), and cover every action and structure of
/// its overview.
#[test]
fn the_schema_is_generated_from_the_reference_as_it_is() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let spec = root.join("../shared/spec/omics-api-full.zh.txt");
    if !spec.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have the API reference beside the repository ({})",
            spec.display()
        );
        eprintln!("skipped: no API reference at {}", spec.display());
        return;
    }
    let out = std::process::Command::new("python3")
        .arg(root.join("scripts/gen_api_schema.py"))
        .arg("--check")
        .current_dir(&root)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the schema is out of date or incomplete:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
