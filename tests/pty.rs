//! The real `omtop` binary in a pseudo-terminal against the simulator, driven by keys as a
//! person would: open a group, drill to a failed task inside a sub-workflow, retry its run
//! with call cache, see the new group selected; then quit and find the terminal restored.

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use omtop::sim::SimConfig;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const COLS: u16 = 120;
const ROWS: u16 = 36;

/// The screen as the terminal would show it, fed by everything the program writes.
struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    fn raw(&self) -> Vec<u8> {
        self.raw.lock().expect("raw").clone()
    }

    /// Waits until the screen shows `needle`, for at most 15 s.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "never showed {needle:?}; screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_a_failed_task_from_the_keyboard() {
    let sim = common::sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let home = tempfile::tempdir().expect("home");

    let pty = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("pty");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_omtop"));
    cmd.args(["--endpoint", &sim.endpoint(), "--region", &lm.region]);
    cmd.env_clear();
    cmd.env("HOME", home.path());
    cmd.env("TERM", "xterm-256color");
    cmd.env("OMTOP_LOG", home.path().join("omtop.log"));
    cmd.env("TENCENTCLOUD_SECRET_ID", sim.secret_id());
    cmd.env("TENCENTCLOUD_SECRET_KEY", sim.secret_key());
    let mut child = pty.slave.spawn_command(cmd).expect("omtop starts");
    drop(pty.slave);

    let parser = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
    let raw = Arc::new(Mutex::new(Vec::new()));
    let mut reader = pty.master.try_clone_reader().expect("reader");
    {
        let (parser, raw) = (parser.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                parser.lock().expect("parser").process(&buf[..n]);
                raw.lock().expect("raw").extend_from_slice(&buf[..n]);
            }
        });
    }
    let mut keys = pty.master.take_writer().expect("writer");
    let screen = Screen { parser, raw };
    let landmarks = lm.clone();
    let blocking = tokio::task::spawn_blocking(move || {
        let lm = landmarks;
        let mut send = |bytes: &str| {
            keys.write_all(bytes.as_bytes()).expect("keys");
            keys.flush().expect("flush");
            std::thread::sleep(Duration::from_millis(150));
        };
        screen.wait_for("Projects");
        // Straight to the running group, then to its failed run.
        send(&format!(":group {}\r", lm.running_group));
        screen.wait_for("Runs");
        send(&format!(":run {}\r", lm.failed_run));
        screen.wait_for("Calls");
        // Next failure: loads the collapsed sub-workflows down to the failed task.
        send("n");
        screen.wait_for("GatherBqsrReports");
        let text = screen.wait_for("BQSR");
        assert!(text.contains("FAILED"), "{text}");
        // Retry the run, choosing "resume with call cache".
        send("r");
        screen.wait_for("Resume with call cache");
        send("\t");
        send("\r");
        let text = screen.wait_for("new run group run-");
        // The groups pane, with the new group selected: its details link back.
        assert!(text.contains("Run groups"), "{text}");
        assert!(text.contains("↻ wgs-germline"), "{text}");
        assert!(text.contains(&format!("({})", lm.running_group)), "{text}");
        send("q");
        screen
    });
    let screen = blocking.await.expect("keys were answered");
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("omtop exits");
    assert!(status.success(), "{status:?}");

    assert_eq!(sim.stats().applied.get("RetryRuns"), Some(&1));
    // The new group was asked for with the call cache on.
    let client = common::client_for(&sim);
    let groups = client
        .describe_run_groups(
            &omtop::api::Scope::new(lm.region.clone(), None),
            &[],
            omtop::api::Priority::Interactive,
        )
        .await
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
    let raw = screen.raw();
    let tail = String::from_utf8_lossy(&raw[raw.len().saturating_sub(200)..]).into_owned();
    // The terminal is given back: alternate screen left, cursor shown.
    assert!(
        tail.contains("\u{1b}[?1049l"),
        "left the alternate screen: {tail:?}"
    );
    assert!(tail.contains("\u{1b}[?25h"), "cursor shown: {tail:?}");
}
