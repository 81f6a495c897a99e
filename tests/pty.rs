//! The real `omtop` binary in a pseudo-terminal against the simulator, driven by keys as a
//! person would: open a group, drill to a failed task inside a sub-workflow, retry its run
//! with call cache, see the new group selected; then quit and find the terminal restored.

mod common;

use common::BackgroundSim;
use common::pty::{Session, command};
use omtop::sim::SimConfig;

#[test]
fn retry_a_failed_task_from_the_keyboard() {
    let sim = BackgroundSim::start(SimConfig::default());
    let lm = sim.landmarks();
    let home = tempfile::tempdir().expect("home");
    let mut s = Session::spawn(command(&sim, home.path(), &[]), 120, 36);

    s.wait_for("Projects");
    // Straight to the running group, then to its failed run.
    s.send(&format!(":group {}\r", lm.running_group));
    s.wait_for("Runs");
    s.send(&format!(":run {}\r", lm.failed_run));
    s.wait_for("Calls");
    // Next failure: loads the collapsed sub-workflows down to the failed task.
    s.send("n");
    s.wait_for("GatherBqsrReports");
    let text = s.wait_for("BQSR");
    assert!(text.contains("FAILED"), "{text}");
    // Retry the run, choosing "resume with call cache".
    s.send("r");
    s.wait_for("Resume with call cache");
    s.send("\t");
    s.send("\r");
    let text = s.wait_for("new run group run-");
    // The groups pane, with the new group selected: its details link back.
    assert!(text.contains("Run groups"), "{text}");
    assert!(text.contains("↻ wgs-germline"), "{text}");
    assert!(text.contains(&format!("({})", lm.running_group)), "{text}");
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");

    assert_eq!(sim.stats().applied.get("RetryRuns"), Some(&1));
    // The new group was asked for with the call cache on.
    let client = common::client_for(&sim);
    let groups = sim
        .rt
        .block_on(client.describe_run_groups(
            &omtop::api::Scope::new(lm.region.clone(), None),
            &[],
            omtop::api::Priority::Interactive,
        ))
        .expect("groups");
    let retried: Vec<_> = groups
        .iter()
        .filter(|g| {
            g.description
                .as_deref()
                .is_some_and(|d| d.contains(&lm.running_group))
        })
        .collect();
    assert_eq!(retried.len(), 1);
    assert_eq!(
        retried[0].option.as_ref().and_then(|o| o.use_call_cache),
        Some(true)
    );
    // The terminal is given back: alternate screen left, cursor shown.
    assert!(
        !s.with_screen(|t| t.alternate_screen()),
        "alternate screen left"
    );
    assert!(!s.with_screen(|t| t.hide_cursor()), "cursor shown");
}

/// What `omtop logs` writes on a terminal: by default every escape and control made inert
/// (tabs become spaces); with `--raw`, the file as the service has it.
#[test]
fn logs_on_a_terminal_are_inert_unless_raw_is_asked_for() {
    let sim = BackgroundSim::start(SimConfig {
        hostile: true,
        ..SimConfig::default()
    });
    let lm = sim.landmarks();
    let home = tempfile::tempdir().expect("home");
    let written = |extra: &[&str]| {
        let mut args = vec!["logs", &lm.nextflow_run, "--key", "execution_trace.txt"];
        args.extend_from_slice(extra);
        let mut s = Session::spawn(command(&sim, home.path(), &args), 120, 36);
        let status = s.wait_exit();
        assert!(status.success(), "{status:?}: {}", s.text());
        s.raw()
    };
    let shown = written(&[]);
    assert!(
        !shown.contains(&b'\t') && !shown.contains(&0x1b),
        "sanitized"
    );
    assert!(
        String::from_utf8_lossy(&shown).contains('␛'),
        "the escapes are shown as marks"
    );
    let raw = written(&["--raw"]);
    assert!(raw.contains(&b'\t'), "the trace's tabs");
    assert!(raw.contains(&0x1b), "the file's escapes, as asked");
}
