//! The scripting CLI where real use differs from the happy path: runs being canceled, log
//! files kept byte for byte, ambiguous mutations, projects without DescribeProjects, and
//! the smaller things a script notices (shard names, lower-case statuses, audit times).

mod common;

use common::bin::{Omtop, json, stderr, stdout};
use common::{client_for, sim};
use omtop::api::{Priority, Scope};
use omtop::sim::{OneShotFault, SimConfig};

/// `--region R` of the simulator's landmarks (their project is the region's default).
fn region(r: &str) -> Vec<&str> {
    vec!["--region", r]
}

fn with<'a>(first: &[&'a str], rest: &[&'a str]) -> Vec<&'a str> {
    first.iter().chain(rest).copied().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terminated_groups_canceling_runs_count_as_active() {
    let sim = sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let cli = Omtop::for_sim(&sim);
    let r = region(&lm.region);
    let out = cli
        .run(&with(&r, &["terminate", &lm.running_group, "--yes"]))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));

    // Its live runs are CANCELING for a few seconds: active, and named as such.
    let out = cli.run(&with(&r, &["groups", "--status", "RUNNING"])).await;
    let line = stdout(&out)
        .lines()
        .find(|l| l.contains(&lm.running_group))
        .map(str::to_string)
        .unwrap_or_default();
    assert!(line.contains("canceling"), "{}", stdout(&out));

    let out = cli
        .run(&with(&r, &["watch", &lm.running_group, "--interval", "1"]))
        .await;
    let err = stderr(&out);
    let first = err.lines().next().unwrap_or_default();
    assert!(
        !first.contains(" 0 active"),
        "the canceling runs are active: {err}"
    );
    assert_eq!(out.status.code(), Some(4), "terminated: {err}");
    let last = err
        .lines()
        .rfind(|l| !l.starts_with("event:"))
        .unwrap_or_default();
    assert!(last.contains(" 0 active"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_into_a_file_are_the_services_bytes() {
    let sim = sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let client = client_for(&sim);
    let cli = Omtop::for_sim(&sim);
    let r = region(&lm.region);
    let scope = Scope::new(lm.region.clone(), None);

    // A Nextflow run's trace is a TSV: redirected, it stays one, tab for tab. (The run has
    // finished, so its files no longer change.)
    let url = client
        .get_run_metadata_file(
            &scope,
            &lm.nextflow_run,
            "execution_trace.txt",
            Priority::Interactive,
        )
        .await
        .expect("url");
    let file = reqwest::get(url)
        .await
        .expect("download")
        .bytes()
        .await
        .expect("body");
    assert!(file.contains(&b'\t'), "the trace is tab-separated");
    let out = cli
        .run(&with(
            &r,
            &["logs", &lm.nextflow_run, "--key", "execution_trace.txt"],
        ))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        out.stdout.len(),
        file.len(),
        "{} bytes written for a {}-byte file",
        out.stdout.len(),
        file.len()
    );
    assert_eq!(out.stdout, file.to_vec());

    // A task's stderr keeps its tabs too.
    let content = client
        .get_run_job_log(
            &scope,
            &lm.failed_run,
            &lm.failed_job_id,
            &lm.failed_task_path,
            true,
            Priority::Interactive,
        )
        .await
        .expect("stderr");
    assert!(content.contains('\t'), "{content}");
    let out = cli
        .run(&with(
            &r,
            &[
                "logs",
                &lm.failed_run,
                "--job",
                &lm.failed_job_id,
                "--path",
                &lm.failed_task_path,
                "--stderr",
            ],
        ))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), content);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mutation_answered_internal_error_says_its_outcome_is_unknown() {
    let sim = sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let cli = Omtop::for_sim(&sim);
    sim.inject_next("TerminateRunGroup", OneShotFault::InternalError);
    let out = cli
        .run(&with(
            &region(&lm.region),
            &["terminate", &lm.running_group, "--yes"],
        ))
        .await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("InternalError"), "the service's word: {err}");
    assert!(
        err.contains("outcome unknown") && err.contains("not resent"),
        "and omtop's: {err}"
    );
    assert!(err.contains("before trying again"), "{err}");
    assert_eq!(sim.stats().received.get("TerminateRunGroup"), Some(&1));
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_statuses_and_audit_read_as_a_person_expects() {
    let sim = sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let cli = Omtop::for_sim(&sim);
    let r = region(&lm.region);

    // A shard's CallName already ends in its index (`…HaplotypeCaller_GATK4-7`, ScatterIndex
    // `-7`): it is not repeated as `[-7]`.
    let out = cli
        .run(&with(
            &r,
            &["calls", &lm.big_scatter_run, &lm.big_scatter_path],
        ))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("[-"), "{}", &text[..text.len().min(600)]);
    assert!(
        text.lines().any(|l| l.contains("HaplotypeCaller_GATK4-7 ")),
        "{}",
        &text[..text.len().min(600)]
    );

    // Status values are matched whatever their case, as --type is.
    let out = cli
        .run(&with(&r, &["groups", "--status", "running", "--json"]))
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        json(&out).as_array().is_some_and(|a| !a.is_empty()),
        "running groups found"
    );
    let out = cli
        .run(&with(
            &r,
            &[
                "runs",
                "--group",
                &lm.running_group,
                "--status",
                "executor_error",
                "--json",
            ],
        ))
        .await;
    assert!(
        json(&out).as_array().is_some_and(|a| !a.is_empty()),
        "failed runs found"
    );

    // The audit log shows the service's zone, like every other time, and the error once.
    let out = cli
        .run(&with(&r, &["terminate", &lm.finished_group, "--yes"]))
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = cli.run(&["audit"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text.lines().nth(1).unwrap_or_default();
    assert!(line.contains("+08:00"), "{text}");
    assert!(
        line.contains("FailedOperation.StatusNotSupported: The run group"),
        "{text}"
    );
    assert_eq!(
        line.matches("FailedOperation.StatusNotSupported").count(),
        1,
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_describe_projects_a_default_project_without_groups_is_listed() {
    let sim = sim(SimConfig {
        describe_projects: false,
        ..SimConfig::default()
    })
    .await;
    let cli = Omtop::for_sim(&sim);
    // ap-beijing's default project has no run groups yet: nothing to learn its id from.
    let out = cli
        .run(&["projects", "--region", "ap-beijing", "--json"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("DescribeProjects is unavailable"));
    let listed = json(&out);
    let listed = listed.as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["Region"], "ap-beijing");
    assert_eq!(listed[0]["IsDefault"], true);
    let out = cli.run(&["projects", "--region", "ap-beijing"]).await;
    let text = stdout(&out);
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.contains("ap-beijing") && l.contains('*')),
        "{text}"
    );
    // Its groups are asked for the way the fallback always does: without a ProjectId.
    let out = cli
        .run(&["groups", "--region", "ap-beijing", "--json"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out).as_array().map(Vec::len), Some(0));
}
