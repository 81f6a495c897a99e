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

/// The names a structure of the reference gives its members.
fn members(structure: &str) -> Vec<String> {
    omtop::api::schema::api().structures[structure]
        .members
        .iter()
        .map(|f| f.name.clone())
        .collect()
}

/// Every key of every object in `v` is a member of the reference's `structure`.
fn only_service_fields(v: &serde_json::Value, structure: &str) {
    let names = members(structure);
    let items = v.as_array().expect("an array");
    assert!(!items.is_empty());
    for item in items {
        for key in item.as_object().expect("objects").keys() {
            assert!(names.contains(key), "{key} is not a field of {structure}");
        }
    }
}

/// The data lines of a table (without its header).
fn data_lines(out: &str) -> Vec<&str> {
    out.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn environments_volumes_and_tables_from_the_cli() {
    let sim = sim(SimConfig::default()).await;
    let cli = Omtop::for_sim(&sim);
    let lm = sim.landmarks();

    let out = cli.run(&["envs"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.starts_with("ENVIRONMENT"), "{table}");
    let error = table
        .lines()
        .find(|l| l.contains(&lm.error_environment))
        .expect("the environment in ERROR");
    assert!(
        error.contains("hpc-gz") && error.contains("ERROR") && error.contains("1 waiting"),
        "{error}"
    );
    assert!(
        error.contains("The Slurm controller"),
        "the message in full: {error}"
    );
    let default = table
        .lines()
        .find(|l| l.contains(&lm.environment))
        .expect("the default environment");
    assert!(default.contains("running"), "its live groups: {default}");
    let out = cli.run(&["envs", "--json", "--status", "ERROR"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let envs = json(&out);
    only_service_fields(&envs, "Environment");
    assert_eq!(envs.as_array().map(Vec::len), Some(1));
    assert_eq!(envs[0]["EnvironmentId"], lm.error_environment.as_str());
    assert_eq!(envs[0]["Available"], false);
    let out = cli.run(&["envs", "--json", "--region", "ap-beijing"]).await;
    let statuses: Vec<String> = json(&out)
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["Status"].as_str().map(String::from))
        .collect();
    assert!(
        statuses.contains(&"DELETE_ERROR".to_string()),
        "{statuses:?}"
    );

    // Volumes of every environment of the region, or of one.
    let out = cli.run(&["volumes", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let vols = json(&out);
    only_service_fields(&vols, "Volume");
    let envs_seen: std::collections::HashSet<&str> = vols
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["EnvironmentId"].as_str())
        .collect();
    assert!(
        envs_seen.contains(lm.environment.as_str())
            && envs_seen.contains(lm.error_environment.as_str())
    );
    let out = cli
        .run(&["volumes", "--env", &lm.environment, "--default"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("VOLUME"), "{text}");
    let lines = data_lines(&text);
    assert_eq!(lines.len(), 1, "{text}");
    assert!(
        lines[0].contains("SHARED") && lines[0].contains("GB ("),
        "{text}"
    );
    let out = cli.run(&["volumes", "--env", "env-nothere"]).await;
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("DescribeVolumes: ResourceNotFound"));

    // Tables of the default project, or of one named.
    let out = cli.run(&["tables"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let row = text
        .lines()
        .find(|l| l.contains(&lm.table))
        .expect("the running group's table");
    assert!(row.contains("sample_id, fastq_r1"), "{row}");
    let out = cli
        .run(&[
            "tables",
            "--json",
            "-p",
            &lm.default_project,
            "--id",
            &lm.table,
        ])
        .await;
    let tables = json(&out);
    only_service_fields(&tables, "Table");
    assert_eq!(tables.as_array().map(Vec::len), Some(1));
    assert_eq!(tables[0]["Columns"][0]["Header"], "sample_id");
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_say_why_a_group_waits() {
    let sim = sim(SimConfig::default()).await;
    let cli = Omtop::for_sim(&sim);
    let lm = sim.landmarks();
    let out = cli.run(&["groups"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.lines().next().is_some_and(|h| h.ends_with("WAITING")),
        "{text}"
    );
    let waiting = text
        .lines()
        .find(|l| l.contains(&lm.waiting_group))
        .expect("the waiting group");
    assert!(waiting.contains("INIT"), "{waiting}");
    assert!(
        waiting.contains("environment hpc-gz is ERROR: The Slurm controller"),
        "{waiting}"
    );
    let running = text
        .lines()
        .find(|l| l.contains(&lm.running_group))
        .expect("the running group");
    assert!(!running.contains("environment"), "{running}");
    // A project without waiting groups has no such column, nor asks for environments.
    let out = cli.run(&["groups", "--status", "COMPLETE"]).await;
    assert!(!stdout(&out).contains("WAITING"), "{}", stdout(&out));
    assert_eq!(sim.stats().received.get("DescribeEnvironments"), Some(&1));
    // --json is the service's groups, untouched.
    let out = cli.run(&["groups", "--json"]).await;
    let groups = json(&out);
    only_service_fields(&groups, "RunGroup");
    let g = groups
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["RunGroupId"] == lm.waiting_group.as_str())
        .expect("the waiting group");
    assert_eq!(g["Status"], "INIT");
    assert_eq!(g["EnvironmentId"], lm.error_environment.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_of_a_sample_sheet_joined_to_their_runs() {
    let sim = sim(SimConfig::default()).await;
    let cli = Omtop::for_sim(&sim);
    let lm = sim.landmarks();
    let out = cli.run(&["rows", &lm.table]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(&lm.running_group), "{}", stderr(&out));
    let text = stdout(&out);
    let header = text.lines().next().unwrap_or("");
    for h in [
        "ROW",
        "sample_id",
        "fastq_r1",
        "coverage",
        "RUN",
        "STATUS",
        "DURATION",
    ] {
        assert!(header.contains(h), "{header}");
    }
    assert_eq!(data_lines(&text).len(), 24);
    let failed = text
        .lines()
        .find(|l| l.contains(&lm.failed_run))
        .expect("the failed run's row");
    assert!(failed.contains("EXECUTOR_ERROR"), "{failed}");

    // Filtered by a column of the sheet and by the run's status; sorted by a number.
    let out = cli
        .run(&["rows", &lm.table, "--filter", "sample_id=na12878"])
        .await;
    let lines = stdout(&out);
    let lines = data_lines(&lines);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("NA12878") && lines[0].contains(&lm.failed_run));
    let out = cli
        .run(&["rows", &lm.table, "--filter", "status=ERROR", "--json"])
        .await;
    let rows = json(&out);
    let rows = rows.as_array().expect("rows");
    assert!(!rows.is_empty());
    for r in rows {
        assert!(
            r["Run"]["Status"]
                .as_str()
                .is_some_and(|s| s.contains("ERROR")),
            "{r}"
        );
        assert_eq!(r["Run"]["TableRowUuid"], r["TableRowUuid"]);
        let keys: Vec<&String> = r.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["Content", "Run", "TableRowUuid"]);
    }
    let out = cli
        .run(&[
            "rows",
            &lm.table,
            "--sort",
            "coverage",
            "--reverse",
            "--json",
        ])
        .await;
    let depths: Vec<u32> = json(&out)
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["Content"][3].as_str()?.trim_end_matches('x').parse().ok())
        .collect();
    assert_eq!(depths.len(), 24);
    assert!(depths.windows(2).all(|w| w[0] >= w[1]), "{depths:?}");
    // The service's own filters: a text in any cell, a row by its uuid.
    let out = cli
        .run(&["rows", &lm.table, "--search", "HG002_R2", "--json"])
        .await;
    assert_eq!(json(&out).as_array().map(Vec::len), Some(1));
    // Errors: a column the sheet has not, a table that does not exist.
    let out = cli.run(&["rows", &lm.table, "--sort", "colour"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("sample_id, fastq_r1"),
        "{}",
        stderr(&out)
    );
    let out = cli.run(&["rows", "tab-no-such-table-000000"]).await;
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("DescribeTablesRows: ResourceNotFound.TableNotExist"));
}

#[tokio::test(flavor = "multi_thread")]
async fn launch_runs_a_workflow_from_git() {
    let sim = sim(SimConfig::default()).await;
    let mut cli = Omtop::for_sim(&sim);
    let lm = sim.landmarks();
    let token = "ghp_0123456789abcdefSECRET";
    cli.set("OMTOP_GIT_TOKEN", token);
    let base = [
        "launch",
        "--git",
        "https://github.com/nf-core/taxprofiler.git",
        "--branch",
        "master",
        "--git-user",
        "omics",
        "--name",
        "taxprofiler-1",
        "--env",
        &lm.environment,
        "--input-cos",
        "cos://bucket-10000/taxprofiler/input.json",
        "--nf-profile",
        "test",
    ];
    let mut dry = base.to_vec();
    dry.extend(["--dry-run", "--json"]);
    let out = cli.run(&dry).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = json(&out);
    assert_eq!(shown["Action"], "RunWorkflow");
    assert_eq!(shown["Valid"], true);
    let body = &shown["Body"];
    assert_eq!(body["Type"], "NEXTFLOW");
    assert_eq!(body["GitSource"]["Branch"], "master");
    assert_eq!(body["GitSource"]["GitTokenOrPassword"], "***");
    assert_eq!(body["NFOption"]["Profile"], "test");
    assert_eq!(sim.stats().received.get("RunWorkflow"), None);

    let mut real = base.to_vec();
    real.extend(["--yes", "--json"]);
    let out = cli.run(&real).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let id = json(&out)["RunGroupId"].as_str().expect("id").to_string();
    assert_eq!(sim.stats().applied.get("RunWorkflow"), Some(&1));
    let out = cli.run(&["groups", "--json"]).await;
    let g = json(&out)
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["RunGroupId"] == id.as_str())
        .cloned()
        .expect("the new group");
    assert_eq!(g["ApplicationName"], "taxprofiler");
    // The token went to the service, and nowhere else: not the audit log, the trace log,
    // the output.
    for file in [cli.audit_path(), cli.home.path().join("omtop.log")] {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(!text.is_empty(), "{}", file.display());
        assert!(!text.contains(token), "{} holds the token", file.display());
    }
    let audit = cli.run(&["audit"]).await;
    assert!(
        stdout(&audit).contains("taxprofiler-1 (https://github.com/nf-core/taxprofiler.git)"),
        "{}",
        stdout(&audit)
    );

    // RunWorkflow takes Nextflow only; a branch and a tag together are refused by omtop.
    let mut wdl = base.to_vec();
    wdl.extend(["--workflow-type", "WDL", "--yes"]);
    let out = cli.run(&wdl).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("NEXTFLOW"), "{}", stderr(&out));
    let mut both = base.to_vec();
    both.extend(["--tag", "1.1.0", "--yes"]);
    let out = cli.run(&both).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let mut table = base.to_vec();
    table.extend(["--table", &lm.table, "--yes"]);
    let out = cli.run(&table).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // An environment that cannot take work: the service's words.
    let mut broken: Vec<&str> = base.to_vec();
    broken[10] = &lm.error_environment;
    broken.push("--yes");
    let out = cli.run(&broken).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("RunWorkflow: InvalidParameterValue.EnvironmentNotAvailable"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sim.stats().applied.get("RunWorkflow"), Some(&1));
}
