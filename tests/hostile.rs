//! Hostile strings: the simulator laces every string it returns with terminal escapes (CSI,
//! OSC 52, OSC 8, a title change, a status query), BEL, backspace, carriage return, C1
//! controls, bidi overrides, 100 KB strings, CJK and emoji, and answers some requests with
//! escapes JSON forbids. The real binary runs in a pseudo-terminal through every pane, the
//! pager, help and error messages; every byte it writes is captured and searched, and every
//! pane's borders are checked to stay in line. The CLI's tables and JSON are searched too.

mod common;

use common::BackgroundSim;
use common::bin::{Omtop, stderr, stdout};
use common::pty::{Session, command};
use omtop::sim::hostile::PAYLOADS;
use omtop::sim::{OneShotFault, SimConfig};

/// What a hostile string could smuggle to the terminal, and why it must not.
const FORBIDDEN: &[(&[u8], &str)] = &[
    (b"\x1b]", "an OSC sequence (clipboard, links, title)"),
    (b"\x1bP", "a DCS sequence"),
    (b"\x1b_", "an APC sequence"),
    (b"\x1b^", "a PM sequence"),
    (b"\x1bX", "a SOS sequence"),
    (b"\x1b[6n", "a cursor-position query"),
    (b"\x1b[31;5;7m", "the injected blink/reverse colour"),
    (b"\x07", "BEL"),
    (b"\x08", "backspace"),
    (b"\x7f", "DEL"),
    (b"\x0b", "vertical tab"),
    (b"\x0c", "form feed"),
    (b"\rOVERWRITTEN", "a carriage return overwriting the line"),
];

/// Characters that must never reach a terminal from data: C1 controls and bidi controls.
fn forbidden_char(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

/// Fails naming the first forbidden byte sequence or character in `bytes`.
fn assert_clean(bytes: &[u8], what: &str) {
    for (seq, name) in FORBIDDEN {
        if let Some(at) = bytes.windows(seq.len()).position(|w| w == *seq) {
            let from = at.saturating_sub(60);
            let around = String::from_utf8_lossy(&bytes[from..(at + 60).min(bytes.len())]);
            panic!("{what} wrote {name} at byte {at}: {around:?}");
        }
    }
    let text = String::from_utf8_lossy(bytes);
    if let Some(c) = text.chars().find(|c| forbidden_char(*c)) {
        panic!("{what} wrote U+{:04X}", c as u32);
    }
}

/// Strings in `v` that carry a payload marker, and how many of them carry a whole payload.
fn payloads_in(v: &serde_json::Value) -> (usize, usize) {
    use serde_json::Value;
    match v {
        Value::String(s) if s.contains('«') => {
            (1, usize::from(PAYLOADS.iter().any(|p| s.contains(p))))
        }
        Value::Array(items) => items
            .iter()
            .map(payloads_in)
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)),
        Value::Object(map) => map
            .values()
            .map(payloads_in)
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)),
        _ => (0, 0),
    }
}

/// Every pane's right border stays in one column from its top corner to its bottom corner:
/// a character drawn wider or narrower than it was measured would break the line.
fn assert_aligned(s: &Session, step: &str) {
    s.with_screen(|screen| {
        let (rows, cols) = screen.size();
        let at = |r: u16, c: u16| {
            screen
                .cell(r, c)
                .map(|x| x.contents().to_string())
                .unwrap_or_default()
        };
        let mut panes = 0;
        for r in 0..rows {
            for c in 0..cols {
                if at(r, c) != "┐" {
                    continue;
                }
                panes += 1;
                let mut row = r + 1;
                while row < rows && at(row, c) == "│" {
                    row += 1;
                }
                assert!(
                    row < rows && at(row, c) == "┘",
                    "{step}: the border in column {c} from row {r} breaks at row {row} \
                     ({:?}); screen:\n{}",
                    at(row, c),
                    screen.contents()
                );
            }
        }
        assert!(
            panes > 0,
            "{step}: no pane on screen:\n{}",
            screen.contents()
        );
    });
}

/// A dashboard session through every pane, at one terminal size.
fn tour(sim: &BackgroundSim, cols: u16, rows: u16) -> Vec<u8> {
    let lm = sim.landmarks();
    let home = tempfile::tempdir().expect("home");
    let mut s = Session::spawn(command(sim, home.path(), &[]), cols, rows);
    let step = |s: &mut Session, keys: &str, shows: &str, name: &str| {
        if !keys.is_empty() {
            s.send(keys);
        }
        s.wait_for(shows);
        // The data arrived, laced.
        s.wait_for("«");
        assert_aligned(s, &format!("{name} at {cols}x{rows}"));
    };
    step(&mut s, "", "Projects", "projects");
    step(&mut s, "jj", "Project", "projects, moved");
    step(&mut s, "\r", "Run groups", "run groups");
    step(
        &mut s,
        &format!(":group {}\r", lm.running_group),
        "Runs",
        "runs",
    );
    step(&mut s, "jjjjj", "Run", "runs, moved");
    step(
        &mut s,
        &format!(":run {}\r", lm.failed_run),
        "Calls",
        "calls",
    );
    step(&mut s, "jl", "Call", "calls, expanded");
    // Down to the failed task two sub-workflows deep, then its logs.
    step(&mut s, "n", "GatherBqsrReports", "calls, next failure");
    step(&mut s, "o", "stdout", "task logs");
    step(&mut s, "\t", "stderr", "task logs, stderr");
    s.send("\u{1b}");
    step(
        &mut s,
        &format!(":run {}\r", lm.nextflow_run),
        "Calls",
        "nextflow calls",
    );
    // The run's own files, from the runs pane.
    s.send("\u{1b}");
    step(&mut s, "o", "nextflow.log", "nextflow log");
    step(&mut s, "\t", "trace", "nextflow trace");
    step(&mut s, "G", "trace", "nextflow trace, end");
    s.send("\u{1b}");
    // The service's own errors, laced, in the status bar: a refusal, then a body JSON
    // cannot read. Five of each outlast the client's retries of a read.
    for _ in 0..5 {
        sim.inject_next("DescribeRuns", OneShotFault::InternalError);
    }
    step(&mut s, "R", "InternalError", "an error in the status bar");
    for _ in 0..5 {
        sim.inject_next("DescribeRuns", OneShotFault::BadEscapes);
    }
    step(&mut s, "R", "unreadable", "an unreadable answer");
    step(&mut s, "?", "Keys", "help");
    s.send("\u{1b}");
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}\n{}", s.text());
    s.raw()
}

#[test]
fn hostile_strings_never_reach_the_terminal_and_layout_holds() {
    let sim = BackgroundSim::start(SimConfig {
        hostile: true,
        ..SimConfig::default()
    });
    for (cols, rows) in [(120, 36), (80, 24)] {
        let bytes = tour(&sim, cols, rows);
        assert!(
            bytes.len() > 10_000,
            "a real session: {} bytes",
            bytes.len()
        );
        assert_clean(&bytes, &format!("the dashboard at {cols}x{rows}"));
        eprintln!(
            "hostile: the dashboard at {cols}x{rows} wrote {} bytes through 17 screens; \
             none injected, every border in line",
            bytes.len()
        );
    }
    // The test can fail: the simulator really sends what it is searched for.
    let client = common::client_for(&sim);
    let lm = sim.landmarks();
    let groups = sim
        .rt
        .block_on(client.describe_run_groups(
            &omtop::api::Scope::new(lm.region.clone(), None),
            &[],
            omtop::api::Priority::Interactive,
        ))
        .expect("groups");
    let names: String = groups.iter().filter_map(|g| g.name.clone()).collect();
    assert!(
        names.contains('\u{1b}') && names.contains('\u{7}'),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_prints_hostile_strings_inert() {
    let sim = common::sim(SimConfig {
        hostile: true,
        ..SimConfig::default()
    })
    .await;
    let lm = sim.landmarks();
    let cli = Omtop::for_sim(&sim);
    let region = ["--region", lm.region.as_str()];
    let group = lm.running_group.as_str();
    let commands: Vec<Vec<&str>> = vec![
        vec!["projects"],
        vec!["groups"],
        vec!["runs", "--group", group],
        vec!["status", &lm.failed_run],
        vec!["calls", &lm.failed_run],
        vec!["calls", &lm.failed_run, &lm.failed_task_path],
        vec!["logs", &lm.nextflow_run],
        vec!["logs", &lm.nextflow_run, "--key", "execution_trace.txt"],
        vec![
            "logs",
            &lm.failed_run,
            "--job",
            &lm.failed_job_id,
            "--path",
            &lm.failed_task_path,
        ],
        vec!["envs"],
        vec!["volumes"],
        vec!["tables"],
        vec!["rows", &lm.table, "--sort", "status"],
    ];
    // (JSON carries every string whole; a table cell may be cut before its payload.)
    let (mut laced_json, mut laced_tables, mut raw_logs) = (0, 0, 0);
    for args in &commands {
        for json in [false, true] {
            let mut full: Vec<&str> = region.to_vec();
            if json {
                full.push("--json");
            }
            full.extend(args.iter().copied());
            let out = cli.run(&full).await;
            let what = format!("omtop {}", full.join(" "));
            assert!(out.status.success(), "{what}: {}", stderr(&out));
            assert_clean(&out.stderr, &what);
            if args[0] == "logs" && !json {
                // Into a pipe a log is the file as the service has it, laced or not (on a
                // terminal it is sanitized: tests/pty.rs).
                raw_logs += 1;
                continue;
            }
            assert_clean(&out.stdout, &what);
            if json {
                let v: serde_json::Value = serde_json::from_slice(&out.stdout)
                    .unwrap_or_else(|e| panic!("{what}: not JSON ({e})"));
                // The data is all there, escaped rather than cut: every laced string still
                // carries its whole payload. (Which payload a string gets depends on its
                // content, times included, so no one payload is promised.)
                let (laced, whole) = payloads_in(&v);
                assert!(laced > 0, "{what}: the payloads arrived");
                assert_eq!(laced, whole, "{what}: a payload was cut");
                laced_json += 1;
            } else if stdout(&out).contains('«') {
                laced_tables += 1;
            }
        }
    }
    assert!(
        laced_tables > 0,
        "the tables showed the payloads, made inert"
    );
    eprintln!(
        "hostile: {} CLI runs, {laced_json} JSON outputs carrying every payload escaped, \
         {laced_tables} tables showing them inert; none injected ({raw_logs} logs into a \
         pipe written as the service sent them)",
        commands.len() * 2
    );
}
