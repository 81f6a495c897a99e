//! Fault soak: the real dashboard in a pseudo-terminal and the CLI beside it, against a
//! simulator that drops 10% of connections (half of them after carrying the request out),
//! answers 10% with InternalError and 5% with half a body, throttles to 5 requests/s, adds
//! latency spikes of 4 s, and runs its clock 10 minutes ahead. Throughout: nothing panics,
//! keys are answered (even while every request hangs), failures are on screen, every
//! mutation is carried out at most once per confirmation; when the faults stop, everything
//! recovers without a restart.
//!
//! CI soaks for 60 s; `OMTOP_SOAK_SECS=600 cargo test --release --test soak -- --nocapture`
//! soaks longer. The figures are printed at the end.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::BackgroundSim;
use common::bin::{Omtop, stderr};
use common::pty::{Session, command};
use omtop::sim::{Faults, Scale, SimConfig};

fn soak_faults() -> Faults {
    Faults {
        drop_pct: 5.0,
        drop_after_pct: 5.0,
        internal_error_pct: 10.0,
        malformed_pct: 5.0,
        throttle_rps: Some(5),
        spike_pct: 5.0,
        spike_ms: 4_000,
        clock_skew_secs: 600,
        ..Faults::default()
    }
}

fn soak_secs() -> u64 {
    std::env::var("OMTOP_SOAK_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60)
}

/// Exit codes a failing command may give (README): error, usage, outcome unknown, not found.
const FAILURE_CODES: [i32; 4] = [1, 2, 5, 6];

/// Read commands in a loop until told to stop; returns (runs, failures).
fn cli_reads(sim: &BackgroundSim, cli: &Omtop, stop: &AtomicBool) -> (usize, usize) {
    let lm = sim.landmarks();
    let commands: [Vec<&str>; 4] = [
        vec!["groups", "--region", &lm.region],
        vec!["runs", "--region", &lm.region, "--group", &lm.running_group],
        vec!["status", "--region", &lm.region, &lm.failed_run],
        vec!["calls", "--region", &lm.region, &lm.failed_run],
    ];
    let (mut runs, mut failures) = (0, 0);
    while !stop.load(Ordering::Relaxed) {
        for args in &commands {
            let out = sim.rt.block_on(cli.run(args));
            runs += 1;
            let code = out.status.code().expect("exited, not killed");
            let what = format!("omtop {}", args.join(" "));
            assert_ne!(code, 101, "{what} panicked: {}", stderr(&out));
            if code != 0 {
                failures += 1;
                assert!(FAILURE_CODES.contains(&code), "{what}: exit {code}");
                // A failure says what failed.
                assert!(stderr(&out).contains("omtop:"), "{what}: {}", stderr(&out));
            }
        }
    }
    (runs, failures)
}

/// The status bar (the line above the key hints) shows an error. (A `✖` elsewhere is a
/// status: the running group itself ends in error partway through the soak.)
fn error_shown(t: &str) -> bool {
    t.lines()
        .rev()
        .find(|l| l.contains(" req/s"))
        .is_some_and(|l| l.contains("✖ "))
}

/// Whether the screen shows a failed retry's message: failed, or outcome unknown.
fn retry_message(t: &str) -> bool {
    t.contains("Retry failed") || t.contains("Retry: outcome unknown")
}

/// A retry from an earlier round may have failed since: its message waits to be read.
/// Closes it, and says whether there was one.
fn acknowledge(s: &mut Session) -> bool {
    if !retry_message(&s.text()) {
        return false;
    }
    s.send("\r");
    s.wait_until("the message closed", |t| !retry_message(t));
    true
}

/// Waits, without failing, for the answer of a retry confirmed in the dashboard: a success
/// moves the view to the new group, which must not land in the middle of the next steps
/// (a `:run` under way would be left for it). It comes within the mutation timeout.
fn settle_retry(s: &Session) {
    let deadline = Instant::now() + Duration::from_secs(35);
    while Instant::now() < deadline {
        let t = s.text();
        if t.contains("new run group") || t.contains("Retry of:") || retry_message(&t) {
            return;
        }
        std::thread::sleep(Duration::from_millis(40));
    }
}

/// Help opens and closes at once: it needs nothing from the network. (Closed with `?`,
/// not Esc: a busy reader that takes Esc and the next key in one read sees Alt+key.)
fn help(s: &mut Session) {
    for _ in 0..3 {
        s.send("?");
        let t = s.wait_until("help, or a message first", |t| {
            t.contains("Keys (") || retry_message(t)
        });
        if t.contains("Keys (") {
            s.send("?");
            s.wait_until("help closed", |t| !t.contains("Keys ("));
            return;
        }
        acknowledge(s);
    }
    panic!("help never opened:\n{}", s.text());
}

#[test]
fn the_dashboard_and_cli_survive_faults_and_recover() {
    let sim = Arc::new(BackgroundSim::start(SimConfig {
        faults: soak_faults(),
        scale: Scale {
            speed: 20.0,
            ..Scale::default()
        },
        ..SimConfig::default()
    }));
    let lm = sim.landmarks();
    let home = tempfile::tempdir().expect("home");
    let cli = Arc::new(Omtop::for_sim(&sim));
    let mut confirmations = std::collections::HashMap::<&str, u64>::new();

    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (sim, cli, stop) = (sim.clone(), cli.clone(), stop.clone());
        std::thread::spawn(move || cli_reads(&sim, &cli, &stop))
    };

    let mut s = Session::spawn(command(&sim, home.path(), &[]), 120, 36);
    s.wait_for("Projects");
    let deadline = Instant::now() + Duration::from_secs(soak_secs());
    let (keys_answered, errors_seen) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let mut round = 0;
    while Instant::now() < deadline {
        round += 1;
        if acknowledge(&mut s) {
            errors_seen.fetch_add(1, Ordering::Relaxed);
        }
        help(&mut s);
        keys_answered.fetch_add(1, Ordering::Relaxed);
        // Around the panes, whatever the network does.
        // A step may fail under these faults; then its error must be on screen.
        s.send(&format!(":group {}\r", lm.running_group));
        s.wait_until("the runs, or an error", |t| {
            t.contains("Runs (") || error_shown(t)
        });
        s.send("jjk");
        s.send(&format!(":run {}\r", lm.failed_run));
        let t = s.wait_until("the calls, or an error", |t| {
            t.contains("Calls (") || error_shown(t)
        });
        s.send("n");
        s.send("R");
        keys_answered.fetch_add(6, Ordering::Relaxed);
        if error_shown(&t) || error_shown(&s.text()) {
            errors_seen.fetch_add(1, Ordering::Relaxed);
        }
        // Every few rounds, a retry from the dashboard and one from the CLI.
        if round % 4 == 1 {
            acknowledge(&mut s);
            s.send(&format!(":group {}\r", lm.running_group));
            s.wait_until("the runs, or an error", |t| {
                t.contains("Runs (") || error_shown(t)
            });
            s.send("r");
            s.wait_until("the retry confirmation, or why not", |t| {
                t.contains("Resume with call cache")
                    || t.contains("no failed or marked runs")
                    || t.contains("still running: open it")
                    || t.contains("select a run group")
                    || error_shown(t)
            });
            if s.text().contains("Resume with call cache") {
                s.send("\r");
                *confirmations.entry("RetryRuns").or_default() += 1;
                settle_retry(&s);
            }
            let out = sim.rt.block_on(cli.run(&[
                "retry",
                "--region",
                &lm.region,
                "--group",
                &lm.running_group,
                "--yes",
            ]));
            let code = out.status.code().expect("exited");
            assert_ne!(code, 101, "retry panicked: {}", stderr(&out));
            if code != 2 {
                *confirmations.entry("RetryRuns").or_default() += 1;
            }
        }
        s.send("\u{7f}");
        assert!(s.try_exit().is_none(), "the dashboard died:\n{}", s.text());
    }

    // Every request hangs: keys are still answered, because no frame waits on the network.
    sim.set_faults(Faults {
        latency_ms: 60_000,
        ..Faults::default()
    });
    s.send(&format!(":group {}\r", lm.running_group));
    s.wait_until("the runs, or an error", |t| {
        t.contains("Runs (") || error_shown(t)
    });
    acknowledge(&mut s);
    help(&mut s);
    s.send("jk");

    // The faults stop: the dashboard recovers by itself, without a restart.
    sim.set_faults(Faults::default());
    s.send("R");
    let fresh = |t: &str| (0..=5).any(|n| t.contains(&format!(" {n}s ago"))) && !error_shown(t);
    s.wait_until("fresh data and no error", fresh);
    stop.store(true, Ordering::Relaxed);
    let (cli_runs, cli_failures) = reader.join().expect("the CLI never panicked");
    // And so does the CLI.
    for args in [
        vec!["groups", "--region", &lm.region],
        vec!["status", "--region", &lm.region, &lm.failed_run],
    ] {
        let out = sim.rt.block_on(cli.run(&args));
        assert!(out.status.success(), "after the faults: {}", stderr(&out));
    }
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");

    // At most once per confirmation: the simulator's count of what it carried out.
    let stats = sim.stats();
    for (action, confirmed) in &confirmations {
        let applied = stats.applied.get(*action).copied().unwrap_or(0);
        assert!(
            applied <= *confirmed,
            "{action}: {applied} carried out for {confirmed} confirmations"
        );
    }
    let log = std::fs::read_to_string(home.path().join("omtop.log")).unwrap_or_default();
    assert!(!log.contains("panicked"), "the log shows a panic");
    let received: u64 = stats.received.values().sum();
    let faults: u64 = stats.faults.values().sum();
    assert!(faults > 0 && stats.throttled > 0, "faults were injected");
    assert!(
        errors_seen.load(Ordering::Relaxed) > 0,
        "failures were shown"
    );
    eprintln!(
        "soak: {}s, {received} requests received, {faults} faults injected {:?}, {} throttled, \
         {} auth failures (clock skew); dashboard: {} keys answered, an error on screen {} times in {round} rounds, \
         recovered; CLI: {cli_runs} reads, {cli_failures} failed visibly; \
         mutations confirmed {:?}, carried out {:?}, duplicated 0",
        soak_secs(),
        stats.faults,
        stats.throttled,
        stats.auth_failures,
        keys_answered.load(Ordering::Relaxed),
        errors_seen.load(Ordering::Relaxed),
        confirmations,
        stats.applied,
    );
}
