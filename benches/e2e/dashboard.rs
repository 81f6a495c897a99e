//! Targets 3 to 6: the dashboard in a 200x50 pseudo-terminal. Bytes written when the
//! selection moves one row in a full pane; resident memory with 5,000 runs and a
//! 20,000-shard call tree loaded; CPU while the demo sits idle; the time from exec to the
//! first frame of the demo.

use std::time::Duration;

use omtop::sim::{Faults, SimHandle};

use super::Report;
use super::session::Session;
use super::support;

const COLS: u16 = 200;
const ROWS: u16 = 50;
/// The big scatter's shards for the memory measure: a 20,000-call tree.
pub const SHARDS: usize = 20_000;
const MOVES: usize = 21;
const STARTS: usize = 9;
/// Seconds of memory samples: more than one refresh of the open scatter. More with
/// `OMTOP_BENCH_MEMORY_SECS`, to see that refreshes do not add up.
const SAMPLES: usize = 15;

fn median<T: Ord + Copy>(mut v: Vec<T>) -> T {
    v.sort();
    v[v.len() / 2]
}

/// A dashboard on the simulator, showing the big group's 5,000 runs.
fn on_big_group(sim: &SimHandle) -> Session {
    let lm = sim.landmarks();
    let endpoint = sim.endpoint();
    let mut s = Session::start(
        &["--endpoint", &endpoint, "--region", &lm.region],
        &[
            ("TENCENTCLOUD_SECRET_ID", &sim.secret_id()),
            ("TENCENTCLOUD_SECRET_KEY", &sim.secret_key()),
        ],
        COLS,
        ROWS,
    );
    s.wait_for(&["Projects"]);
    let group = lm.big_group.expect("the big group");
    s.send(&format!(":group {group}\r"));
    s.wait_for(&["Runs (5000)"]);
    s
}

/// Target 3: the bytes written for each press of `j`, once the screen is quiet.
fn selection_bytes(s: &mut Session) -> Vec<usize> {
    s.wait_quiet(Duration::from_millis(800));
    let mut sizes = Vec::new();
    for _ in 0..MOVES {
        let before = s.written();
        s.send("j");
        // One frame comes within 16 ms; a tick may add a redraw of its own.
        std::thread::sleep(Duration::from_millis(150));
        sizes.push(s.written() - before);
        std::thread::sleep(Duration::from_millis(100));
    }
    sizes
}

/// Target 4: opens the run of the big group that sits in a 20,000-shard scatter, expands
/// the scatter, then reads the resident memory once a second for `SAMPLES` seconds or
/// `OMTOP_BENCH_MEMORY_SECS` (the open scatter is refreshed every 10 s meanwhile). Returns
/// the samples and the peak, in KiB.
fn memory_with_big_tree(s: &mut Session, sim: &SimHandle) -> (Vec<u64>, u64) {
    let run = sim
        .landmarks()
        .big_group_scatter_run
        .expect("its big-scatter run");
    s.send(&format!(":run {run}\r"));
    s.wait_for(&["Calls (5)", "VariantCalling"]);
    // The last top-level call holds the scatter: open it, then the scatter two rows below.
    s.send("G\r");
    s.wait_for(&["HaplotypeCaller_GATK4 scatter"]);
    s.send("jj\r");
    s.wait_for(&[&format!("×{SHARDS}"), "[0] HaplotypeCaller_GATK4"]);
    let mut samples = Vec::new();
    let secs = std::env::var("OMTOP_BENCH_MEMORY_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SAMPLES);
    for _ in 0..secs {
        std::thread::sleep(Duration::from_secs(1));
        samples.push(s.memory_kib().0);
    }
    (samples, s.memory_kib().1)
}

/// Target 5: the demo left alone on its first screen; CPU used over `secs`, and bytes
/// written in that time.
fn idle_cpu(secs: u64) -> (f64, usize) {
    let s = Session::start(&["--demo"], &[], COLS, ROWS);
    s.wait_for(&["Projects", "默认项目"]);
    std::thread::sleep(Duration::from_secs(3));
    let (cpu0, bytes0) = (s.cpu_time(), s.written());
    std::thread::sleep(Duration::from_secs(secs));
    let used = s.cpu_time() - cpu0;
    let written = s.written() - bytes0;
    s.quit();
    (used.as_secs_f64() / secs as f64 * 100.0, written)
}

/// Target 6: exec to the first frame of the demo (the first write after which the screen
/// shows the projects pane), over several starts after one to warm the caches.
fn start_times() -> Vec<Duration> {
    let mut times = Vec::new();
    for i in 0..=STARTS {
        let s = Session::start(&["--demo"], &[], COLS, ROWS);
        s.wait_for(&["Projects"]);
        let first = s.first_shown("Projects").expect("a first frame");
        s.quit();
        if i > 0 {
            times.push(first);
        }
    }
    times
}

pub fn measure(rt: &tokio::runtime::Runtime, report: &mut Report, wants: &dyn Fn(&str) -> bool) {
    if wants("bytes") || wants("memory") {
        let sim = rt.block_on(support::big_sim(SHARDS, Faults::default()));
        let mut s = on_big_group(&sim);
        if wants("bytes") {
            let sizes = selection_bytes(&mut s);
            let (mid, max) = (
                median(sizes.clone()),
                sizes.iter().copied().max().unwrap_or(0),
            );
            report.note(&format!("bytes per move (j), {MOVES} moves: {sizes:?}"));
            report.figure(
                "3. bytes for one row down, 200x50",
                format!("median {mid} B (largest {max} B)"),
                "< 2048 B",
                mid < 2048,
            );
        }
        if wants("memory") {
            let (samples, peak) = memory_with_big_tree(&mut s, &sim);
            let shown: Vec<String> = samples.iter().map(|k| format!("{:.1}", mb(*k))).collect();
            report.note(&format!("resident MB, once a second: {}", shown.join(" ")));
            let rss = mb(median(samples));
            report.figure(
                "4. resident memory, 5000 runs + 20000-call tree",
                format!("median {rss:.1} MB (peak {:.1} MB)", mb(peak)),
                "< 60 MB",
                rss < 60.0,
            );
            report.figure(
                "4. peak resident memory (VmHWM), the same",
                format!("{:.1} MB", mb(peak)),
                "< 80 MB",
                mb(peak) < 80.0,
            );
        }
        s.quit();
    }
    if wants("idle") {
        let secs = std::env::var("OMTOP_BENCH_IDLE_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60);
        let (cpu, written) = idle_cpu(secs);
        report.figure(
            "5. CPU, demo idle",
            format!("{cpu:.3}% of a core over {secs} s ({written} B written)"),
            "< 0.5%",
            cpu < 0.5,
        );
    }
    if wants("start") {
        let times = start_times();
        let ms: Vec<u128> = times.iter().map(Duration::as_millis).collect();
        let mid = median(times);
        report.note(&format!("exec to first frame, {STARTS} starts, ms: {ms:?}"));
        report.figure(
            "6. exec to first frame, demo",
            format!("median {:.1} ms", mid.as_secs_f64() * 1000.0),
            "< 100 ms",
            mid < Duration::from_millis(100),
        );
    }
}

/// KiB to megabytes (10^6 bytes).
fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}
