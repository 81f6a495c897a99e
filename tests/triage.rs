//! Batch triage against the simulator over HTTP: the signatures are exactly the causes the
//! simulator gave its failed runs, from the runs' own errors and from the deep pass; a
//! signature's retry is one RetryRuns with exactly its runs; the deep pass stays within the
//! rate limit.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::bin::{Omtop, json, stderr, stdout};
use common::sim;
use omtop::sim::{Scale, SimConfig, SimHandle};
use serde_json::Value;

/// Each failed run of `group` and the cause the simulator gave it.
fn causes(sim: &SimHandle, group: &str) -> HashMap<String, (usize, bool)> {
    sim.failure_causes(group)
        .into_iter()
        .map(|(run, leaf, system)| (run, (leaf, system)))
        .collect()
}

/// Checks a triage answer against the simulator's causes, read just before and just after
/// it (the batch is live: a run may fail in between): every run failed before is in it, no
/// run that had not failed by after is, and its signatures split the runs exactly as their
/// causes do.
fn same_as_causes(
    triage: &Value,
    before: &HashMap<String, (usize, bool)>,
    after: &HashMap<String, (usize, bool)>,
    what: &str,
) {
    let sigs = partition(triage);
    let runs: BTreeSet<String> = sigs.iter().flatten().cloned().collect();
    assert!(
        before.keys().all(|r| runs.contains(r)),
        "{what}: a failed run is missing"
    );
    assert!(
        runs.iter().all(|r| after.contains_key(r)),
        "{what}: a run that did not fail"
    );
    let mut by_cause: HashMap<(usize, bool), BTreeSet<String>> = HashMap::new();
    for r in &runs {
        by_cause.entry(after[r]).or_default().insert(r.clone());
    }
    let expected: BTreeSet<BTreeSet<String>> = by_cause.into_values().collect();
    assert_eq!(sigs, expected, "{what}: signatures are not the causes");
}

/// The runs of each signature of a `triage --json` answer.
fn partition(triage: &Value) -> BTreeSet<BTreeSet<String>> {
    triage["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| {
            s["runs"]
                .as_array()
                .expect("runs")
                .iter()
                .map(|r| r.as_str().expect("a uuid").to_string())
                .collect()
        })
        .collect()
}

async fn big_batch() -> (SimHandle, Omtop, String, String) {
    let sim = sim(SimConfig {
        scale: Scale {
            big_group_runs: 400,
            ..Scale::default()
        },
        ..SimConfig::default()
    })
    .await;
    let lm = sim.landmarks();
    let cli = Omtop::for_sim(&sim);
    let group = lm.big_group.clone().expect("the big group");
    (sim, cli, group, lm.region)
}

#[tokio::test(flavor = "multi_thread")]
async fn signatures_are_the_causes_the_simulator_knows() {
    let (sim, cli, group, region) = big_batch().await;
    let known = causes(&sim, &group);
    let kinds: BTreeSet<(usize, bool)> = known.values().copied().collect();
    assert!(
        kinds.len() >= 3,
        "a batch fails for a few causes: {kinds:?}"
    );

    let before = sim.stats();
    let out = cli
        .run(&["triage", "--region", &region, &group, "--deep", "--json"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let deep = json(&out);
    same_as_causes(&deep, &known, &causes(&sim, &group), "deep pass");
    for s in deep["signatures"].as_array().expect("signatures") {
        assert_eq!(s["deep"], s["runs"].as_array().map_or(0, Vec::len), "{s}");
    }
    let after = sim.stats();
    let calls = after.received.get("GetRunCalls").copied().unwrap_or(0)
        - before.received.get("GetRunCalls").copied().unwrap_or(0);
    let failed = known.len();
    assert!(
        calls as usize >= failed,
        "one walk per failed run: {calls} for {failed}"
    );
    assert_eq!(
        after.throttled, 0,
        "the deep pass stays within the rate limit"
    );

    // The first pass, from the runs' own errors: the same partition.
    let known = causes(&sim, &group);
    let out = cli
        .run(&["triage", "--region", &region, &group, "--json"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let first = json(&out);
    same_as_causes(&first, &known, &causes(&sim, &group), "first pass");
    let sizes: Vec<usize> = first["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| s["runs"].as_array().map_or(0, Vec::len))
        .collect();
    assert!(
        sizes.windows(2).all(|w| w[0] >= w[1]),
        "most runs first: {sizes:?}"
    );
    for s in first["signatures"].as_array().expect("signatures") {
        for field in ["task", "message", "class", "runs", "samples"] {
            assert!(!s[field].is_null(), "{field} in {s}");
        }
        assert!(
            s["stderr_tail"].as_str().is_some_and(|t| !t.is_empty()),
            "{s}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signatures_retry_sends_exactly_its_runs() {
    let (sim, cli, group, region) = big_batch().await;
    let out = cli
        .run(&["triage", "--region", &region, &group, "--json"])
        .await;
    let sigs = json(&out);
    let first = &sigs["signatures"][0];
    let mut runs: Vec<String> = first["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    runs.sort();
    let args = [
        "triage",
        "--region",
        &region,
        &group,
        "--signature",
        "1",
        "--retry",
        "--cache",
    ];
    let mut dry = args.to_vec();
    dry.extend(["--dry-run", "--json"]);
    let out = cli.run(&dry).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let body = &json(&out)["Body"];
    let mut sent: Vec<String> = body["RunUuids"]
        .as_array()
        .expect("RunUuids")
        .iter()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    sent.sort();
    assert_eq!(sent, runs);
    assert_eq!(body["WDLOption"]["UseCallCache"], true);

    let mut real = args.to_vec();
    real.extend(["--yes", "--json"]);
    let out = cli.run(&real).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sim.stats().applied.get("RetryRuns"), Some(&1));
    let new_group = json(&out)["RunGroupId"].as_str().expect("id").to_string();
    let out = cli
        .run(&["runs", "--region", &region, "--group", &new_group, "--json"])
        .await;
    assert_eq!(json(&out).as_array().map(Vec::len), Some(runs.len()));
    // The retried samples' attempts are in the report, newest first.
    let out = cli.run(&["report", "--region", &region, &group]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let md = stdout(&out);
    for part in [
        "# Run group ",
        "## Failure signatures",
        "### 1. ",
        "Last lines of its stderr:",
        "## Samples still failing after their latest attempt",
        "## Call cache",
        "RetryRuns by the cli",
    ] {
        assert!(md.contains(part), "{part} missing from:\n{md}");
    }
}
