//! The cache's targets: reopening the dashboard with a warm cache (the first frame with
//! data, and the requests for finished runs' trees and logs), and deep triage of a 500-run
//! group with 200 failed runs at 100 ms latency, cold and warm.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use omtop::sim::{Faults, Scale, SimConfig, SimHandle};

use super::Report;
use super::session::{Session, binary};

const LATENCY: Duration = Duration::from_millis(100);
const RATE: usize = 20;
const COLS: u16 = 200;
const ROWS: u16 = 50;

/// What the simulator received, by action, since `before`.
fn sent(sim: &SimHandle, before: &HashMap<String, u64>) -> HashMap<String, u64> {
    sim.stats()
        .received
        .into_iter()
        .map(|(a, n)| {
            let was = before.get(&a).copied().unwrap_or(0);
            (a, n - was)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn count(m: &HashMap<String, u64>, action: &str) -> u64 {
    m.get(action).copied().unwrap_or(0)
}

/// The dashboard on `sim` in `home`; returns it once the default project is on screen,
/// and the time from exec to the first frame that showed it.
fn open(sim: &SimHandle, home: &Path) -> (Session, Duration) {
    let lm = sim.landmarks();
    let (id, key) = (sim.secret_id(), sim.secret_key());
    let s = Session::start_in(
        home,
        &["--endpoint", &sim.endpoint(), "--region", &lm.region],
        &[
            ("TENCENTCLOUD_SECRET_ID", &id),
            ("TENCENTCLOUD_SECRET_KEY", &key),
        ],
        COLS,
        ROWS,
    );
    s.wait_for(&["默认项目"]);
    let first = s.first_shown("默认项目").expect("a frame with data");
    (s, first)
}

/// What a person triaging does: the failed run's tree, down to its failed task, and that
/// task's stderr.
fn look_at_the_failed_run(s: &mut Session, sim: &SimHandle) {
    let lm = sim.landmarks();
    s.send(&format!(":run {}\r", lm.failed_run));
    // Its top level, with the failed sub-workflow in it.
    s.wait_for(&["Calls (2)", "UnmappedBamToAligne"]);
    // The next failure, loading the collapsed sub-workflows on the way.
    s.send("n");
    // The failed task, two sub-workflows down (in the breadcrumb), selected.
    s.wait_for(&["› BQSR"]);
    s.send("o");
    s.wait_for(&["Logs: BQSR.GatherBqsrReports", "processed"]);
    s.send("\x1b");
    std::thread::sleep(Duration::from_millis(200));
}

/// Reopening with a warm cache: exec to the first frame with data, cold and warm, and the
/// requests the warm session sent for the finished run's tree and logs.
fn warm_start(rt: &tokio::runtime::Runtime, report: &mut Report) {
    let sim = rt
        .block_on(omtop::sim::start(SimConfig {
            faults: Faults {
                latency_ms: LATENCY.as_millis() as u64,
                ..Faults::default()
            },
            ..SimConfig::default()
        }))
        .expect("simulator");
    let home = tempfile::tempdir().expect("a HOME");
    let (mut cold, cold_first) = open(&sim, home.path());
    look_at_the_failed_run(&mut cold, &sim);
    cold.quit();
    let mut warm_firsts = Vec::new();
    let mut requests = Vec::new();
    for _ in 0..5 {
        let before = sim.stats().received;
        let (mut warm, first) = open(&sim, home.path());
        look_at_the_failed_run(&mut warm, &sim);
        warm.quit();
        let by = sent(&sim, &before);
        report.note(&format!("warm session sent: {by:?}"));
        requests.push(
            ["GetRunCalls", "GetRunJobLog", "GetRunMetadataFile"]
                .iter()
                .map(|a| count(&by, a))
                .sum::<u64>(),
        );
        warm_firsts.push(first);
    }
    warm_firsts.sort();
    let warm_first = warm_firsts[warm_firsts.len() / 2];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    report.note(&format!(
        "warm start, {} ms latency: first frame with data cold {:.1} ms, warm (5 starts) {:?} ms",
        LATENCY.as_millis(),
        ms(cold_first),
        warm_firsts
            .iter()
            .map(|d| ms(*d).round())
            .collect::<Vec<_>>()
    ));
    report.figure(
        "7. warm start: exec to first frame with data",
        format!(
            "median {:.1} ms (cold {:.1} ms: {:.1}x)",
            ms(warm_first),
            ms(cold_first),
            cold_first.as_secs_f64() / warm_first.as_secs_f64()
        ),
        "< 50 ms",
        warm_first < Duration::from_millis(50),
    );
    let most = requests.iter().copied().max().unwrap_or(0);
    report.figure(
        "7. warm start: finished run's tree and logs asked",
        format!("{most} requests in each of 5 starts ({requests:?})"),
        "0",
        most == 0,
    );
}

/// The earliest the requests of a deep triage can be answered: the run list (its first
/// page, then the rest at once), the failed paths' GetRunCalls at `RATE` a second, then the
/// examples' stderr.
fn triage_floor(calls: u64) -> Duration {
    let windows = (calls as usize).div_ceil(RATE).saturating_sub(1) as u32;
    LATENCY * 2 + Duration::from_secs(windows.into()) + LATENCY + LATENCY
}

/// `omtop --json triage GROUP --deep` in `home`: its time, and the time the log gives from
/// the runs being listed to the signatures.
fn triage_once(sim: &SimHandle, home: &Path, group: &str) -> (Duration, Duration, String) {
    let log = home.join("omtop.log");
    let _ = std::fs::remove_file(&log);
    let region = sim.landmarks().region;
    let start = Instant::now();
    let out = std::process::Command::new(binary())
        .args(["--endpoint", &sim.endpoint(), "--region", &region])
        .args(["--json", "triage", group, "--deep"])
        .env_clear()
        .env("HOME", home)
        .env("OMTOP_LOG", &log)
        .env("TENCENTCLOUD_SECRET_ID", sim.secret_id())
        .env("TENCENTCLOUD_SECRET_KEY", sim.secret_key())
        .output()
        .expect("omtop triage");
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let ms = text
        .lines()
        .filter(|l| l.contains("triage: signatures ready"))
        .find_map(|l| {
            l.split("ms=")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .expect("the log says when the signatures were ready");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    (
        took,
        Duration::from_millis(ms),
        json["summary"].as_str().unwrap_or("").to_string(),
    )
}

fn deep_triage(rt: &tokio::runtime::Runtime, report: &mut Report) {
    let sim = rt
        .block_on(omtop::sim::start(SimConfig {
            scale: Scale {
                big_group_runs: 500,
                big_group_failed_pct: 40,
                ..Scale::default()
            },
            faults: Faults {
                latency_ms: LATENCY.as_millis() as u64,
                ..Faults::default()
            },
            ..SimConfig::default()
        }))
        .expect("simulator");
    let lm = sim.landmarks();
    let group = lm.big_group.clone().expect("the big group");
    let failed = sim.failure_causes(&group).len();
    let home = tempfile::tempdir().expect("a HOME");
    let before = sim.stats().received;
    let (cold, cold_sigs, summary) = triage_once(&sim, home.path(), &group);
    let cold_sent = sent(&sim, &before);
    let calls = count(&cold_sent, "GetRunCalls");
    let floor = triage_floor(calls);
    std::thread::sleep(Duration::from_millis(1200));
    let before = sim.stats().received;
    let (warm, warm_sigs, warm_summary) = triage_once(&sim, home.path(), &group);
    let warm_sent = sent(&sim, &before);
    assert_eq!(warm_summary, summary, "the same signatures");
    let secs = |d: Duration| format!("{:.3} s", d.as_secs_f64());
    report.note(&format!(
        "deep triage, 500 runs, {failed} failed, {} ms latency: {summary}",
        LATENCY.as_millis()
    ));
    report.note(&format!("cold requests: {cold_sent:?}"));
    report.note(&format!("warm requests: {warm_sent:?}"));
    let ratio = cold.as_secs_f64() / floor.as_secs_f64();
    report.figure(
        "8. deep triage cold vs the rate-limit floor",
        format!("{} / {} = {ratio:.3}x", secs(cold), secs(floor)),
        "<= 1.15x",
        ratio <= 1.15,
    );
    let warm_calls = count(&warm_sent, "GetRunCalls");
    report.figure(
        "8. deep triage warm: GetRunCalls",
        format!("{warm_calls} (cold: {calls})"),
        "0",
        warm_calls == 0,
    );
    report.figure(
        "8. deep triage warm: runs listed to signatures",
        format!(
            "{} ms (cold {} ms); whole command {} (cold {}: {:.1}x)",
            warm_sigs.as_millis(),
            cold_sigs.as_millis(),
            secs(warm),
            secs(cold),
            cold.as_secs_f64() / warm.as_secs_f64()
        ),
        "< 200 ms",
        warm_sigs < Duration::from_millis(200),
    );
}

pub fn measure(rt: &tokio::runtime::Runtime, report: &mut Report, wants: &dyn Fn(&str) -> bool) {
    if wants("warm") {
        warm_start(rt, report);
    }
    if wants("triage") {
        deep_triage(rt, report);
    }
}
