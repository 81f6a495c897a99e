//! The scripting CLI where real use differs from the happy path: runs being canceled, log
//! files kept byte for byte, ambiguous mutations, projects without DescribeProjects, and
//! the smaller things a script notices (shard names, lower-case statuses, audit times).

mod common;

use common::bin::{Omtop, stderr, stdout};
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
    let last = err.lines().last().unwrap_or_default();
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
