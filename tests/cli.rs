//! The `omtop` binary's scripting commands, run as a user would, against the simulator.

mod common;

use common::bin::{Omtop, json, stderr, stdout};
use common::{all_groups, client_for, sim};
use omtop::api::types::{Filter, RunGroup, StatusClass};
use omtop::api::{Priority, Scope};
use omtop::sim::{Scale, SimConfig};

fn class(g: &RunGroup) -> StatusClass {
    StatusClass::of(g.status.as_deref().unwrap_or(""))
}

/// Arguments that select the scope a group is in.
fn scope_args(scope: &Scope) -> Vec<String> {
    let mut v = vec!["--region".to_string(), scope.region.clone()];
    if let Some(p) = &scope.project_id {
        v.extend(["--project".to_string(), p.clone()]);
    }
    v
}

fn with<'a>(scope: &'a [String], rest: &[&'a str]) -> Vec<&'a str> {
    scope
        .iter()
        .map(String::as_str)
        .chain(rest.iter().copied())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn read_commands_list_and_drill_down() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cli = Omtop::for_sim(&sim);

    let out = cli.run(&["projects"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("PROJECT"));
    assert!(stdout(&out).contains("ap-guangzhou"));
    let out = cli
        .run(&["projects", "--region", "ap-shanghai", "--json"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let projects = json(&out);
    let projects = projects.as_array().expect("array");
    assert!(!projects.is_empty());
    assert!(projects.iter().all(|p| p["Region"] == "ap-shanghai"));

    let out = cli.run(&["groups", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = json(&out);
    assert!(listed.as_array().is_some_and(|a| !a.is_empty()));

    let all = all_groups(&client).await;
    let (scope, group) = all
        .iter()
        .find(|(_, g)| g.total_run.unwrap_or(0) > 1)
        .expect("a group with several runs");
    let s = scope_args(scope);
    let gid = group.run_group_id.clone().expect("id");
    let out = cli
        .run(&with(&s, &["runs", "--group", &gid, "--json"]))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let runs = json(&out);
    let runs = runs.as_array().expect("array");
    assert_eq!(runs.len() as i64, group.total_run.unwrap_or(0));
    let run = runs[0]["RunUuid"].as_str().expect("uuid").to_string();
    // The table shows the message inside ErrorMessage's JSON text, not the braces.
    let lm = sim.landmarks();
    let out = cli
        .run(&["runs", "--region", &lm.region, "--group", &lm.running_group])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.contains("Task "), "{table}");
    assert!(!table.contains("{\"error\""), "{table}");

    let out = cli.run(&with(&s, &["status", &run, "--json"])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(json(&out)["Status"].is_string());

    let out = cli.run(&with(&s, &["calls", &run, "--json"])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = json(&out);
    let parent = calls
        .as_array()
        .expect("array")
        .iter()
        .find(|c| matches!(c["RunType"].as_str(), Some("Workflow" | "Scatter")));
    if let Some(parent) = parent {
        let path = format!("/{}", parent["RunId"].as_str().expect("RunId"));
        let out = cli.run(&with(&s, &["calls", &run, &path])).await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).starts_with("CALL"));
        assert!(stdout(&out).lines().count() > 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_of_a_nextflow_run_and_of_a_task() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cli = Omtop::for_sim(&sim);
    let all = all_groups(&client).await;
    let (scope, group) = all
        .iter()
        .find(|(_, g)| g.kind.as_deref() == Some("NEXTFLOW") && class(g) != StatusClass::Pending)
        .expect("a Nextflow group");
    let runs = client
        .describe_runs(
            scope,
            &[Filter::new(
                "RunGroupId",
                [group.run_group_id.clone().unwrap_or_default()],
            )],
            Priority::Interactive,
        )
        .await
        .expect("runs");
    let run = runs[0].run_uuid.clone().expect("uuid");
    let s = scope_args(scope);
    let out = cli.run(&with(&s, &["logs", &run])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("N E X T F L O W")
            || stdout(&out).to_lowercase().contains("nextflow")
    );

    let calls = client
        .get_run_calls(scope, &run, "/", Priority::Interactive)
        .await
        .expect("calls");
    if let Some(job) = calls
        .iter()
        .find_map(|c| c.job_id.clone().filter(|j| !j.is_empty()))
    {
        let out = cli
            .run(&with(&s, &["logs", &run, "--job", &job, "--stderr"]))
            .await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn mutations_need_confirmation_and_are_sent_once() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cli = Omtop::for_sim(&sim);
    let all = all_groups(&client).await;
    let (scope, running) = all
        .iter()
        .find(|(_, g)| class(g) == StatusClass::Running)
        .expect("a running group");
    let s = scope_args(scope);
    let gid = running.run_group_id.clone().expect("id");

    // No terminal to ask and no --yes: refused before anything is sent.
    let out = cli.run(&with(&s, &["terminate", &gid])).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--yes"));
    assert_eq!(sim.stats().applied.get("TerminateRunGroup"), None);

    // Read-only mode refuses it even with --yes.
    let out = cli
        .run(&with(&s, &["--read-only", "terminate", &gid, "--yes"]))
        .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("read-only"));
    assert_eq!(sim.stats().applied.get("TerminateRunGroup"), None);

    let out = cli.run(&with(&s, &["terminate", &gid, "--yes"])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("RequestId"));
    assert_eq!(sim.stats().applied.get("TerminateRunGroup"), Some(&1));

    // The terminated group: watch says so with its own exit code.
    let out = cli
        .run(&with(&s, &["watch", &gid, "--interval", "1"]))
        .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));

    // Retrying it makes a new group, once.
    let out = cli
        .run(&with(
            &s,
            &["retry", "--group", &gid, "--cache", "--yes", "--json"],
        ))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let new_group = json(&out)["RunGroupId"].as_str().expect("id").to_string();
    assert_ne!(new_group, gid);
    assert_eq!(sim.stats().applied.get("RetryRuns"), Some(&1));
}

#[tokio::test(flavor = "multi_thread")]
async fn retrying_a_running_run_shows_the_services_error() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cli = Omtop::for_sim(&sim);
    let mut target = None;
    for (scope, g) in all_groups(&client).await {
        if class(&g) != StatusClass::Running {
            continue;
        }
        let runs = client
            .describe_runs(
                &scope,
                &[Filter::new(
                    "RunGroupId",
                    [g.run_group_id.clone().unwrap_or_default()],
                )],
                Priority::Interactive,
            )
            .await
            .expect("runs");
        if let Some(r) = runs
            .iter()
            .find(|r| StatusClass::of(r.status.as_deref().unwrap_or("")).is_live())
        {
            target = Some((scope.clone(), r.run_uuid.clone().unwrap_or_default()));
            break;
        }
    }
    let (scope, run) = target.expect("a live run");
    let s = scope_args(&scope);
    let out = cli.run(&with(&s, &["retry", "--run", &run, "--yes"])).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("RetryRuns: FailedOperation.StatusNotSupported"),
        "{err}"
    );
    assert!(err.contains("RequestId"), "{err}");
    assert_eq!(sim.stats().applied.get("RetryRuns"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_waits_for_a_running_group_to_finish() {
    let sim = sim(SimConfig {
        scale: Scale {
            speed: 200.0,
            ..Scale::default()
        },
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim);
    let cli = Omtop::for_sim(&sim);
    let all = all_groups(&client).await;
    let (scope, running) = all
        .iter()
        .find(|(_, g)| class(g) == StatusClass::Running)
        .expect("a running group");
    let s = scope_args(scope);
    let gid = running.run_group_id.clone().expect("id");
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        cli.run(&with(&s, &["watch", &gid, "--interval", "1"])),
    )
    .await
    .expect("the group finishes within a minute at 200x speed");
    let code = out.status.code();
    assert!(matches!(code, Some(0 | 3)), "{code:?}: {}", stderr(&out));
    let finished = client
        .describe_run_groups(
            scope,
            &[Filter::new("RunGroupId", [gid])],
            Priority::Interactive,
        )
        .await
        .expect("group");
    let failed = finished[0].run_status_counts.iter().flatten().any(|c| {
        StatusClass::of(c.status.as_deref().unwrap_or("")) == StatusClass::Failed
            && c.count.unwrap_or(0) > 0
    });
    assert_eq!(code == Some(3), failed, "exit code matches the outcome");
}

#[tokio::test(flavor = "multi_thread")]
async fn launch_starts_a_group() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cli = Omtop::for_sim(&sim);
    let (scope, g) = all_groups(&client)
        .await
        .into_iter()
        .find(|(_, g)| g.application_id.is_some() && g.environment_id.is_some())
        .expect("a group to copy the application from");
    let s = scope_args(&scope);
    let app = g.application_id.clone().unwrap_or_default();
    let env = g.environment_id.clone().unwrap_or_default();
    let out = cli
        .run(&with(
            &s,
            &[
                "launch",
                "--app",
                &app,
                "--name",
                "cli-test",
                "--env",
                &env,
                "--input-json",
                "{\"x\": 1}",
                "--yes",
                "--json",
            ],
        ))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        json(&out)["RunGroupId"]
            .as_str()
            .is_some_and(|id| id.starts_with("run-"))
    );
    assert_eq!(sim.stats().applied.get("RunApplication"), Some(&1));

    let out = cli
        .run(&with(
            &s,
            &[
                "launch",
                "--app",
                &app,
                "--name",
                "x",
                "--env",
                &env,
                "--input-json",
                "{not json",
                "--yes",
            ],
        ))
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not valid JSON"));
    assert_eq!(sim.stats().applied.get("RunApplication"), Some(&1));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_named_and_secrets_never_show() {
    let sim = sim(SimConfig::default()).await;
    let cli = Omtop::for_sim(&sim);
    // Not a region name at all (a well-formed unknown one goes to the service).
    let out = cli.run(&["--region", "Mars North 1", "groups"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Mars North 1"), "{}", stderr(&out));

    let out = cli.run(&["status", "no-such-run"]).await;
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("GetRunStatus: ResourceNotFound"));

    let log = std::fs::read_to_string(cli.home.path().join("omtop.log")).unwrap_or_default();
    for text in [stdout(&out), stderr(&out), log] {
        assert!(!text.contains(&sim.secret_key()));
    }
}

/// A finished group with failed runs, of the language asked for.
fn finished_with_failures(all: &[(Scope, RunGroup)], nextflow: bool) -> (Scope, RunGroup) {
    all.iter()
        .find(|(_, g)| {
            class(g) == StatusClass::Failed
                && omtop::api::group::is_nextflow(g) == nextflow
                && omtop::api::group::StatusCounts::of_group(g).retryable() > 0
        })
        .cloned()
        .expect("a finished group with failures")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_carries_the_groups_own_options_and_dry_run_shows_them() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cli = Omtop::for_sim(&sim);
    let all = all_groups(&client).await;

    // WDL: the group's RunOption, with only UseCallCache changed.
    let (scope, g) = finished_with_failures(&all, false);
    let s = scope_args(&scope);
    let gid = g.run_group_id.clone().expect("id");
    let out = cli
        .run(&with(
            &s,
            &["retry", "--group", &gid, "--cache", "--dry-run", "--json"],
        ))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = json(&out);
    assert_eq!(shown["Action"], "RetryRuns");
    assert_eq!(
        (&shown["Sent"], &shown["Valid"]),
        (&false.into(), &true.into())
    );
    assert_eq!(shown["Body"]["RunGroupId"], gid.as_str());
    let mut expected =
        serde_json::to_value(g.option.clone().expect("a WDL group has options")).expect("encodes");
    expected["UseCallCache"] = true.into();
    if expected["FailureMode"] == "" {
        expected["FailureMode"] = "NoNewCalls".into();
        assert!(stderr(&out).contains("no FailureMode"), "{}", stderr(&out));
    }
    assert_eq!(shown["Body"]["WDLOption"], expected);
    assert_eq!(
        sim.stats().applied.get("RetryRuns"),
        None,
        "a dry run sends nothing"
    );
    // The same without --dry-run is accepted by the reference and the simulator.
    let out = cli
        .run(&with(
            &s,
            &["retry", "--group", &gid, "--cache", "--yes", "--json"],
        ))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sim.stats().applied.get("RetryRuns"), Some(&1));

    // Nextflow: Config, Profile, NFVersion, Report and LaunchDir carried, Resume set.
    let (scope, g) = finished_with_failures(&all, true);
    let s = scope_args(&scope);
    let gid = g.run_group_id.clone().expect("id");
    let out = cli
        .run(&with(
            &s,
            &["retry", "--group", &gid, "--resume", "--dry-run", "--json"],
        ))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let mut expected =
        serde_json::to_value(g.nf_option.clone().expect("a Nextflow group has options"))
            .expect("encodes");
    expected["Resume"] = true.into();
    assert_eq!(json(&out)["Body"]["NFOption"], expected);
    assert!(json(&out)["Body"].get("WDLOption").is_none());
    let out = cli
        .run(&with(&s, &["retry", "--group", &gid, "--resume", "--yes"]))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sim.stats().applied.get("RetryRuns"), Some(&2));

    // A human-readable dry run shows the JSON.
    let out = cli
        .run(&with(&s, &["retry", "--group", &gid, "--dry-run"]))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("RetryRuns in"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("\"Resume\": false"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_groups_failures_are_retried_by_their_ids() {
    let sim = sim(SimConfig::default()).await;
    let cli = Omtop::for_sim(&sim);
    let lm = sim.landmarks();
    let out = cli
        .run(&[
            "retry",
            "--region",
            &lm.region,
            "--group",
            &lm.running_group,
            "--dry-run",
            "--json",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let body = &json(&out)["Body"];
    assert!(body.get("RunGroupId").is_none(), "{body}");
    let uuids = body["RunUuids"].as_array().cloned().unwrap_or_default();
    assert!(uuids.iter().any(|u| u == lm.failed_run.as_str()), "{body}");
    let out = cli
        .run(&[
            "retry",
            "--region",
            &lm.region,
            "--group",
            &lm.running_group,
            "--yes",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sim.stats().applied.get("RetryRuns"), Some(&1));
}

#[tokio::test(flavor = "multi_thread")]
async fn launch_always_sends_a_valid_run_option() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cli = Omtop::for_sim(&sim);
    let all = all_groups(&client).await;
    for nextflow in [false, true] {
        let (scope, g) = all
            .iter()
            .find(|(_, g)| omtop::api::group::is_nextflow(g) == nextflow)
            .cloned()
            .expect("a group of each language");
        let s = scope_args(&scope);
        let app = g.application_id.clone().unwrap_or_default();
        let env = g.environment_id.clone().unwrap_or_default();
        let base = [
            "launch",
            "--app",
            &app,
            "--name",
            "cached",
            "--env",
            &env,
            "--input-json",
            "{}",
            "--cache",
        ];
        let mut dry = base.to_vec();
        dry.extend(["--dry-run", "--json"]);
        let out = cli.run(&with(&s, &dry)).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let body = json(&out)["Body"].clone();
        if nextflow {
            assert_eq!(body["NFOption"]["Resume"], true, "{body}");
            assert!(body.get("Option").is_none(), "{body}");
        } else {
            assert_eq!(
                body["Option"],
                serde_json::json!({"FailureMode": "NoNewCalls", "UseCallCache": true, "UseErrorOnHold": false}),
            );
        }
        let mut real = base.to_vec();
        real.push("--yes");
        let out = cli.run(&with(&s, &real)).await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(sim.stats().applied.get("RunApplication"), Some(&2));
    // Flags become the options, checked by clap against the reference's values.
    let (scope, g) = &all[0];
    let s = scope_args(scope);
    let app = g.application_id.clone().unwrap_or_default();
    let out = cli
        .run(&with(
            &s,
            &[
                "launch",
                "--app",
                &app,
                "--name",
                "n",
                "--env",
                "e",
                "--input-json",
                "{}",
                "--workflow-type",
                "wdl",
                "--failure-mode",
                "ContinueWhilePossible",
                "--error-on-hold",
                "--outputs-dir",
                "cos://b/out",
                "--dry-run",
                "--json",
            ],
        ))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        json(&out)["Body"]["Option"],
        serde_json::json!({"FailureMode": "ContinueWhilePossible", "UseCallCache": false,
            "UseErrorOnHold": true, "FinalWorkflowOutputsDir": "cos://b/out"})
    );
    let out = cli
        .run(&with(
            &s,
            &[
                "launch",
                "--app",
                &app,
                "--name",
                "n",
                "--env",
                "e",
                "--input-json",
                "{}",
                "--nf-version",
                "21.04.0",
                "--dry-run",
            ],
        ))
        .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("23.10.1"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_region_is_passed_to_the_service_with_a_warning() {
    let sim = sim(SimConfig::default()).await;
    let cli = Omtop::for_sim(&sim);
    let out = cli.run(&["groups", "--region", "ap-nanjing"]).await;
    let err = stderr(&out);
    assert!(
        err.contains("'ap-nanjing'") && err.contains("using it anyway"),
        "{err}"
    );
    // The service itself answers for a region its run APIs do not serve.
    assert!(err.contains("UnsupportedRegion"), "{err}");
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(sim.stats().received.get("DescribeRunGroups"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_no_credentials_message_reads_as_written() {
    let mut cli = Omtop::new("https://omics.tencentcloudapi.com", "", "");
    cli.env.clear();
    let out = cli.run(&["groups"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    // omtop's own text keeps its line breaks: one line per place it looked.
    assert!(!err.contains('␊'), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.len() >= 7, "{err}");
    assert!(
        lines[0].starts_with("omtop: no Tencent Cloud credentials found"),
        "{err}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.trim_start().starts_with("1. environment")),
        "{err}"
    );
    assert!(lines.iter().any(|l| l.contains("omtop --demo")), "{err}");
}
