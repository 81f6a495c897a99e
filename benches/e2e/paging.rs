//! Target 1: `omtop runs --group G --json` on a 5,000-run group (50 pages of 100) with
//! 100 ms latency, against the floor the rate limit allows and against sequential paging
//! (what the SDKs and tccli do) measured in the same run.

use std::time::{Duration, Instant};

use omtop::api::types::DescribeRunsResponse;
use omtop::api::{Client, Priority, Reply};
use omtop::sim::{Faults, SimHandle};
use serde_json::json;

use super::Report;
use super::support;

const LATENCY: Duration = Duration::from_millis(100);
const PAGE: usize = 100;
const RATE: usize = 20;
const REPEATS: usize = 3;

/// The earliest `pages` pages can all be in: the first page's round trip, then the others
/// as fast as "at most `rate` in any one-second window" allows, then the last round trip.
pub fn floor(pages: usize, rate: usize, rtt: Duration) -> Duration {
    let mut sends = vec![Duration::ZERO];
    for i in 1..pages {
        let mut t = rtt;
        if i >= rate {
            t = t.max(sends[i - rate] + Duration::from_secs(1));
        }
        sends.push(t);
    }
    sends.last().copied().unwrap_or_default() + rtt
}

/// The whole list through `omtop runs --json`; the time from exec to exit, and the runs.
fn omtop(sim: &SimHandle, region: &str, group: &str) -> (Duration, usize) {
    let home = tempfile::tempdir().expect("a HOME");
    let start = Instant::now();
    let out = std::process::Command::new(super::session::binary())
        .args(["--endpoint", &sim.endpoint(), "--region", region])
        .args(["--json", "runs", "--group", group])
        .env_clear()
        .env("HOME", home.path())
        .env("TENCENTCLOUD_SECRET_ID", sim.secret_id())
        .env("TENCENTCLOUD_SECRET_KEY", sim.secret_key())
        .output()
        .expect("omtop runs");
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON runs");
    (took, runs.len())
}

/// The whole list one page after another, as the SDKs and tccli page: the same client,
/// signing and connection pool as omtop, so only the paging differs.
async fn sequential(client: &Client, region: &str, group: &str) -> (Duration, usize) {
    let start = Instant::now();
    let (mut offset, mut got) = (0, 0);
    loop {
        let body = json!({
            "Limit": PAGE,
            "Offset": offset,
            "Filters": [{"Name": "RunGroupId", "Values": [group]}],
        });
        let r: Reply<DescribeRunsResponse> = client
            .call("DescribeRuns", region, &body, Priority::Interactive)
            .await
            .expect("a page");
        let n = r.data.runs.map_or(0, |r| r.len());
        got += n;
        offset += PAGE;
        if n == 0 || offset as i64 >= r.data.total_count.unwrap_or(0) {
            return (start.elapsed(), got);
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn measure(rt: &tokio::runtime::Runtime, report: &mut Report) {
    let faults = Faults {
        latency_ms: LATENCY.as_millis() as u64,
        ..Faults::default()
    };
    let sim = rt.block_on(support::big_sim(2_000, faults));
    let lm = sim.landmarks();
    let group = lm.big_group.clone().expect("the big group");
    let client = support::client(&sim);
    let throttled_before = sim.stats().throttled;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..REPEATS {
        let (took, n) = omtop(&sim, &lm.region, &group);
        assert_eq!(n, support::BIG_GROUP_RUNS, "omtop listed every run once");
        ours.push(took);
        // Let the last second's requests leave the window before the next contestant.
        std::thread::sleep(Duration::from_millis(1200));
        let (took, n) = rt.block_on(sequential(&client, &lm.region, &group));
        assert_eq!(
            n,
            support::BIG_GROUP_RUNS,
            "the sequential pager got every run"
        );
        theirs.push(took);
        std::thread::sleep(Duration::from_millis(1200));
    }
    let stats = sim.stats();
    let throttled = stats.throttled - throttled_before;
    let busiest = stats
        .max_in_window
        .get(&("DescribeRuns".to_string(), lm.region.clone()))
        .copied()
        .unwrap_or(0);
    let pages = support::BIG_GROUP_RUNS / PAGE;
    let floor = floor(pages, RATE, LATENCY);
    let (ours, theirs) = (median(ours), median(theirs));
    let secs = |d: Duration| format!("{:.3} s", d.as_secs_f64());
    report.note(&format!(
        "paging: {pages} pages of {PAGE}, {} ms latency, median of {REPEATS}: omtop {}, sequential {}, floor {}",
        LATENCY.as_millis(),
        secs(ours),
        secs(theirs),
        secs(floor),
    ));
    let to_floor = ours.as_secs_f64() / floor.as_secs_f64();
    report.figure(
        "1. paged fetch vs the floor",
        format!("{} / {} = {to_floor:.3}x", secs(ours), secs(floor)),
        "<= 1.15x",
        to_floor <= 1.15,
    );
    let speedup = theirs.as_secs_f64() / ours.as_secs_f64();
    report.figure(
        "1. paged fetch vs sequential",
        format!("{} / {} = {speedup:.2}x faster", secs(theirs), secs(ours)),
        ">= 2x",
        speedup >= 2.0,
    );
    report.figure(
        "1. RequestLimitExceeded",
        format!("{throttled} (most in any second: {busiest})"),
        "0",
        throttled == 0,
    );
}
