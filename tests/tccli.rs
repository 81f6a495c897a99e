//! `--print-tccli`: for every action omtop uses, the printed line, run by a real shell,
//! hands tccli exactly the request omtop would send, and that request is one the
//! simulator (as strict as the service) accepts. Printing it sends nothing.

mod common;

use std::path::Path;

use common::bin::{Omtop, json, stderr};
use common::{all_groups, client_for, sim};
use omtop::api::types::{RunGroup, StatusClass};
use omtop::api::{Priority, Scope, schema};
use omtop::sim::SimConfig;
use serde_json::{Map, Value};

/// A stand-in `tccli` that records the arguments it is given, one per NUL.
fn fake_tccli(dir: &Path) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let script = bin.join("tccli");
    std::fs::write(
        &script,
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > \"$TCCLI_ARGS\"\n",
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    bin
}

/// Runs `line` in bash with the stand-in first on PATH; returns what tccli received.
fn run_line(dir: &Path, line: &str) -> Vec<String> {
    let bin = fake_tccli(dir);
    let record = dir.join("args");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", line])
        .env("PATH", path)
        .env("TCCLI_ARGS", &record)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{line}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let raw = std::fs::read(&record).expect("tccli was run");
    raw.split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8(a.to_vec()).expect("UTF-8 argument"))
        .collect()
}

/// The action, region and body tccli would send for these arguments, reading each value
/// by the parameter's type in the API reference (as tccli does).
fn as_request(args: &[String]) -> (String, String, Value) {
    assert_eq!(args[0], "omics");
    let action = args[1].clone();
    let spec = schema::api().action(&action).expect("a known action");
    let mut region = String::new();
    let mut body = Map::new();
    let mut rest = args[2..].iter();
    while let Some(flag) = rest.next() {
        let flag = flag.strip_prefix("--").expect("an option");
        let (name, value) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => (flag.to_string(), rest.next().expect("a value").clone()),
        };
        match name.as_str() {
            "region" => region = value,
            "endpoint" | "profile" => {}
            _ => {
                let field = spec
                    .input
                    .iter()
                    .find(|f| f.name == name)
                    .unwrap_or_else(|| panic!("{action} has no parameter {name}"));
                let v = match (field.array, field.ty.as_str()) {
                    (false, "String" | "Timestamp") => Value::String(value),
                    _ => serde_json::from_str(&value)
                        .unwrap_or_else(|e| panic!("{name}: {value:?}: {e}")),
                };
                body.insert(name, v);
            }
        }
    }
    (action, region, Value::Object(body))
}

fn scope_args(scope: &Scope) -> Vec<String> {
    let mut v = vec!["--region".to_string(), scope.region.clone()];
    if let Some(p) = &scope.project_id {
        v.extend(["--project".to_string(), p.clone()]);
    }
    v
}

fn finished_with_failures(all: &[(Scope, RunGroup)], nextflow: bool) -> (Scope, RunGroup) {
    all.iter()
        .find(|(_, g)| {
            StatusClass::of(g.status.as_deref().unwrap_or("")) == StatusClass::Failed
                && omtop::api::group::is_nextflow(g) == nextflow
        })
        .cloned()
        .expect("a finished group with failures")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tccli_line_for_each_action() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cli = Omtop::for_sim(&sim);
    let lm = sim.landmarks();
    let all = all_groups(&client).await;
    let (nf_scope, nf_group) = finished_with_failures(&all, true);
    let nf_gid = nf_group.run_group_id.clone().expect("id");
    let gz = vec!["--region".to_string(), lm.region.clone()];
    let nf = scope_args(&nf_scope);
    let own = |args: &[&str]| args.iter().map(|a| (*a).to_string()).collect::<Vec<_>>();
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("DescribeProjects", own(&["projects"])),
        (
            "DescribeRunGroups",
            [
                gz.clone(),
                own(&["groups", "--status", "RUNNING", "--name", "it's"]),
            ]
            .concat(),
        ),
        (
            "DescribeRuns",
            [
                gz.clone(),
                own(&["runs", "--group", &lm.running_group, "--sample", "NA 12878"]),
            ]
            .concat(),
        ),
        (
            "GetRunCalls",
            [
                gz.clone(),
                own(&["calls", &lm.failed_run, &lm.failed_task_path]),
            ]
            .concat(),
        ),
        (
            "GetRunStatus",
            [gz.clone(), own(&["status", &lm.failed_run])].concat(),
        ),
        (
            "GetRunMetadataFile",
            [
                gz.clone(),
                own(&["logs", &lm.nextflow_run, "--key", "execution_trace.txt"]),
            ]
            .concat(),
        ),
        (
            "GetRunJobLog",
            [
                gz.clone(),
                own(&[
                    "logs",
                    &lm.failed_run,
                    "--job",
                    &lm.failed_job_id,
                    "--path",
                    &lm.failed_task_path,
                    "--stderr",
                ]),
            ]
            .concat(),
        ),
        (
            "TerminateRunGroup",
            [gz.clone(), own(&["terminate", &lm.running_group])].concat(),
        ),
        // A Nextflow group's options: its Config is several lines of text.
        (
            "RetryRuns",
            [nf.clone(), own(&["retry", "--group", &nf_gid, "--resume"])].concat(),
        ),
        (
            "RunApplication",
            [
                gz.clone(),
                own(&[
                    "launch",
                    "--app",
                    &lm.application,
                    "--env",
                    &lm.environment,
                    "--name",
                    "肿瘤 it's \"x\"",
                    "--input-json",
                    "{\"a\": 1}",
                    "--workflow-type",
                    "WDL",
                ]),
            ]
            .concat(),
        ),
    ];
    for (action, args) in cases {
        let before = sim.stats().received.get(action).copied().unwrap_or(0);
        let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
        argv.extend(["--print-tccli", "--json"]);
        let out = cli.run(&argv).await;
        assert!(out.status.success(), "{action}: {}", stderr(&out));
        let printed = json(&out);
        let printed = &printed.as_array().expect("a list")[0];
        assert_eq!(printed["Action"], action);
        let line = printed["Tccli"].as_str().expect("the line");
        assert!(
            line.starts_with(&format!("tccli omics {action} --region ")),
            "{line}"
        );
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert_eq!(
            sim.stats().received.get(action).copied().unwrap_or(0),
            before,
            "{action}: printing it sent it"
        );

        // The shell hands tccli exactly the body omtop sends.
        let (got_action, region, body) = as_request(&run_line(cli.home.path(), line));
        assert_eq!(got_action, action);
        assert_eq!(region, printed["Region"].as_str().expect("region"));
        assert_eq!(body, printed["Body"], "{action}: {line}");
        let Value::Object(params) = &body else {
            panic!("an object")
        };
        assert_eq!(schema::api().check(action, params), Ok(()), "{action}");
        // And the service takes it as it is.
        let sent = client
            .call::<Value>(action, &region, &body, Priority::Interactive)
            .await;
        assert!(sent.is_ok(), "{action}: {sent:?}");
    }
    assert_eq!(sim.stats().applied.get("TerminateRunGroup"), Some(&1));
    assert_eq!(sim.stats().applied.get("RetryRuns"), Some(&1));
    assert_eq!(sim.stats().applied.get("RunApplication"), Some(&1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_names_the_endpoint_and_profile_and_local_commands_have_none() {
    let sim = sim(SimConfig::default()).await;
    let cli = Omtop::for_sim(&sim);
    let out = cli.run(&["groups", "--print-tccli"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    let host = sim.endpoint().trim_start_matches("http://").to_string();
    assert!(line.contains(&format!("--endpoint {host}")), "{line}");
    assert_eq!(line.lines().count(), 1);
    // Read-only mode has nothing to refuse: nothing is sent.
    let lm = sim.landmarks();
    let out = cli
        .run(&[
            "--read-only",
            "terminate",
            &lm.running_group,
            "--print-tccli",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sim.stats().received.get("TerminateRunGroup"), None);
    for local in [
        &["audit"][..],
        &["config", "init"],
        &["completions", "bash"],
    ] {
        let mut argv = local.to_vec();
        argv.push("--print-tccli");
        let out = cli.run(&argv).await;
        assert_eq!(out.status.code(), Some(2), "{local:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("no tccli equivalent"),
            "{}",
            stderr(&out)
        );
    }
}
