//! The on-disk cache over HTTP against the simulator, through the real binary: what a
//! finished run reads back is served from the cache after a restart (the simulator counts no
//! request for it), a live run is always asked, two processes write at once, a damaged or
//! newer file never fails a command nor gives a wrong answer, and the size bound holds.

mod common;

use std::path::{Path, PathBuf};

use common::bin::{Omtop, json, stderr, stdout};
use common::sim;
use omtop::sim::{Scale, SimConfig, SimHandle};

fn received(sim: &SimHandle, action: &str) -> u64 {
    sim.stats().received.get(action).copied().unwrap_or(0)
}

fn cache_file(cli: &Omtop) -> PathBuf {
    cli.data_dir().join(omtop::cache::FILE_NAME)
}

/// Runs `omtop ARGS` (in the simulator's region) and returns its stdout; it must succeed.
async fn ok(cli: &Omtop, sim: &SimHandle, args: &[&str]) -> (String, String) {
    let region = sim.landmarks().region;
    let mut all = vec!["--region", region.as_str()];
    all.extend(args);
    let out = cli.run(&all).await;
    assert!(
        out.status.success(),
        "omtop {args:?}: {}\n{}",
        stdout(&out),
        stderr(&out)
    );
    (stdout(&out), stderr(&out))
}

/// The reads of a finished, failed run that the cache keeps: its tree down to the failed
/// task, the task's stderr, its status. Returns their outputs.
async fn finished_run_reads(cli: &Omtop, sim: &SimHandle) -> Vec<String> {
    let lm = sim.landmarks();
    let mut outs = Vec::new();
    for args in [
        vec!["calls", lm.failed_run.as_str()],
        vec!["calls", &lm.failed_run, &lm.failed_task_path],
        vec![
            "logs",
            &lm.failed_run,
            "--job",
            &lm.failed_job_id,
            "--path",
            &lm.failed_task_path,
            "--stderr",
        ],
        vec!["--json", "status", &lm.failed_run],
    ] {
        outs.push(ok(cli, sim, &args).await.0);
    }
    outs
}

const RUN_READS: [&str; 3] = ["GetRunCalls", "GetRunJobLog", "GetRunStatus"];

fn counts(sim: &SimHandle) -> Vec<u64> {
    RUN_READS.iter().map(|a| received(sim, a)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finished_runs_reads_are_served_from_the_cache_after_a_restart() {
    let sim = sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let cli = Omtop::for_sim(&sim);
    // Listing the group is how omtop learns the failed run has finished.
    ok(&cli, &sim, &["runs", "--group", &lm.running_group]).await;
    let before = counts(&sim);
    let first = finished_run_reads(&cli, &sim).await;
    let sent: Vec<u64> = counts(&sim)
        .iter()
        .zip(&before)
        .map(|(a, b)| a - b)
        .collect();
    assert_eq!(
        sent,
        [2, 1, 1],
        "cold: each read asked once ({RUN_READS:?})"
    );

    // Each command is a new process: the answers come from the file.
    let before = counts(&sim);
    let again = finished_run_reads(&cli, &sim).await;
    assert_eq!(
        counts(&sim),
        before,
        "warm: nothing asked for a finished run"
    );
    assert_eq!(again, first, "the same answers");
    assert!(first[0].contains("FAILED"), "{}", first[0]);

    // A Nextflow run's log file: its content is kept, never its presigned URL.
    ok(&cli, &sim, &["status", &lm.nextflow_run]).await;
    let log = ok(&cli, &sim, &["logs", &lm.nextflow_run]).await.0;
    let urls = received(&sim, "GetRunMetadataFile");
    assert_eq!(ok(&cli, &sim, &["logs", &lm.nextflow_run]).await.0, log);
    assert_eq!(
        received(&sim, "GetRunMetadataFile"),
        urls,
        "no new URL asked"
    );
    let file = std::fs::read(cache_file(&cli)).expect("the cache file");
    let text = String::from_utf8_lossy(&file);
    assert!(text.contains("nextflow"), "the file's content is kept");
    assert!(
        !text.contains("X-Amz") && !text.contains("Signature=") && !text.contains("sign="),
        "no presigned URL is kept"
    );

    // `--no-cache` reads and writes nothing.
    let before = counts(&sim);
    let out = cli
        .run(&[
            "--region",
            &lm.region,
            "--no-cache",
            "calls",
            &lm.failed_run,
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(received(&sim, "GetRunCalls"), before[0] + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_live_run_is_always_asked() {
    let sim = sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let cli = Omtop::for_sim(&sim);
    ok(&cli, &sim, &["runs", "--group", &lm.running_group]).await;
    let run = &lm.big_scatter_run;
    let before = counts(&sim);
    for _ in 0..2 {
        ok(&cli, &sim, &["calls", run]).await;
        ok(&cli, &sim, &["calls", run, &lm.big_scatter_path]).await;
        let (status, _) = ok(&cli, &sim, &["--json", "status", run]).await;
        assert!(status.contains("RUNNING"), "{status}");
    }
    let after = counts(&sim);
    assert_eq!(
        after[0] - before[0],
        4,
        "every GetRunCalls of a live run is sent"
    );
    assert_eq!(
        after[2] - before[2],
        2,
        "every GetRunStatus of a live run is sent"
    );
}

async fn big_batch(runs: usize) -> SimHandle {
    sim(SimConfig {
        scale: Scale {
            big_group_runs: runs,
            ..Scale::default()
        },
        ..SimConfig::default()
    })
    .await
}

fn integrity(path: &Path) -> String {
    let c = rusqlite::Connection::open(path).expect("opens");
    c.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("checks")
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_write_at_once() {
    let sim = big_batch(400).await;
    let lm = sim.landmarks();
    let group = lm.big_group.clone().expect("the big group");
    let mut cli = Omtop::for_sim(&sim);
    // Two processes share the service's 20 requests a second: half each, so that what is
    // tested is the file, not the throttling.
    let config = cli.home.path().join("config.toml");
    std::fs::write(&config, "rate_limit = 10\n").expect("config");
    cli.set("OMTOP_CONFIG", &config.display().to_string());
    let args = ["--region", &lm.region, "--json", "triage", &group, "--deep"];
    // Both walk every failed run's tree and write it, in the same file, at the same time.
    let (a, b) = tokio::join!(cli.run(&args), cli.run(&args));
    for out in [&a, &b] {
        assert!(out.status.success(), "{}", stderr(out));
        assert!(!stderr(out).contains("warning"), "{}", stderr(out));
    }
    assert_eq!(integrity(&cache_file(&cli)), "ok");
    let calls = received(&sim, "GetRunCalls");
    let third = cli.run(&args).await;
    assert!(third.status.success(), "{}", stderr(&third));
    assert_eq!(
        received(&sim, "GetRunCalls"),
        calls,
        "what both wrote is there"
    );
    let runs = |o: &std::process::Output| json(o)["signatures"].to_string();
    assert_eq!(runs(&third), runs(&a), "the same signatures");
}

/// Primes a cache with a finished run's reads; returns their outputs.
async fn primed(sim: &SimHandle) -> (Omtop, Vec<String>) {
    let cli = Omtop::for_sim(sim);
    ok(
        &cli,
        sim,
        &["runs", "--group", &sim.landmarks().running_group],
    )
    .await;
    let outs = finished_run_reads(&cli, sim).await;
    // Everything in the main file, so the damage below hits what is stored.
    let c = rusqlite::Connection::open(cache_file(&cli)).expect("opens");
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .expect("checkpoint");
    (cli, outs)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_or_garbage_cache_is_set_aside_reported_once_and_rebuilt() {
    let sim = sim(SimConfig::default()).await;
    for damage in ["truncated", "garbage"] {
        let (cli, expected) = primed(&sim).await;
        let path = cache_file(&cli);
        let len = std::fs::metadata(&path).expect("meta").len();
        match damage {
            "truncated" => std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_len(len / 3))
                .expect("truncate"),
            _ => std::fs::write(&path, b"omtop? no: garbage ".repeat(4000)).expect("write"),
        }
        // The same answers, whether each came from what was left or from the service.
        let mut warnings = 0;
        let lm = sim.landmarks();
        let reads: [&[&str]; 2] = [
            &["calls", &lm.failed_run],
            &["calls", &lm.failed_run, &lm.failed_task_path],
        ];
        for (args, want) in reads.iter().zip(&expected) {
            let (out, err) = ok(&cli, &sim, args).await;
            assert_eq!(&out, want, "{damage}: {args:?}");
            warnings += err.matches("could not be read").count();
        }
        assert_eq!(warnings, 1, "{damage}: reported once");
        let aside: Vec<_> = std::fs::read_dir(cli.data_dir())
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".unreadable-"))
            .collect();
        assert!(!aside.is_empty(), "{damage}: the damaged file is set aside");
        // Rebuilt: it works as a cache again.
        ok(&cli, &sim, &["runs", "--group", &lm.running_group]).await;
        ok(&cli, &sim, &["calls", &lm.failed_run]).await;
        let before = received(&sim, "GetRunCalls");
        let (_, err) = ok(&cli, &sim, &["calls", &lm.failed_run]).await;
        assert_eq!(received(&sim, "GetRunCalls"), before, "{damage}: rebuilt");
        assert!(!err.contains("warning"), "{damage}: {err}");
        assert_eq!(integrity(&path), "ok");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cache_from_a_future_version_is_neither_read_nor_destroyed() {
    let sim = sim(SimConfig::default()).await;
    let (cli, expected) = primed(&sim).await;
    let path = cache_file(&cli);
    let c = rusqlite::Connection::open(&path).expect("opens");
    c.execute_batch("PRAGMA user_version = 2; PRAGMA journal_mode = DELETE;")
        .expect("a newer schema");
    drop(c);
    let before_bytes = std::fs::read(&path).expect("read");
    let lm = sim.landmarks();
    let before = received(&sim, "GetRunCalls");
    let (out, err) = ok(&cli, &sim, &["calls", &lm.failed_run]).await;
    assert_eq!(out, expected[0]);
    assert_eq!(received(&sim, "GetRunCalls"), before + 1, "not read: asked");
    assert_eq!(err.matches("newer omtop").count(), 1, "{err}");
    let cleared = cli.run(&["cache", "clear"]).await;
    assert!(!cleared.status.success(), "clear refuses a newer cache");
    let shown = cli.run(&["cache"]).await;
    assert!(
        stdout(&shown).contains("not readable by this omtop"),
        "{}",
        stdout(&shown)
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before_bytes,
        "not changed"
    );
}

/// `omtop --endpoint SIM ARGS` in the simulator's region; it must succeed.
async fn at(cli: &mut Omtop, sim: &SimHandle, args: &[&str]) -> std::process::Output {
    cli.endpoint = sim.endpoint();
    let region = sim.landmarks().region;
    let mut all = vec!["--region", region.as_str()];
    all.extend(args);
    let out = cli.run(&all).await;
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    out
}

/// A run of the finished group, learnt finished by listing it.
async fn finished_run(cli: &mut Omtop, sim: &SimHandle) -> String {
    let group = sim.landmarks().finished_group;
    let runs = json(&at(cli, sim, &["--json", "runs", "--group", &group]).await);
    runs[0]["RunUuid"].as_str().expect("a run").to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_size_bound_drops_the_oldest_first() {
    // Two services (two endpoints) whose 700-run lists are about 0.8 MB each, one cache of
    // at most 1 MB.
    let (a, b) = (big_batch(700).await, big_batch(700).await);
    let mut cli = Omtop::for_sim(&a);
    let config = cli.home.path().join("config.toml");
    std::fs::write(&config, "cache_max_mb = 1\n").expect("config");
    cli.set("OMTOP_CONFIG", &config.display().to_string());
    let big = |sim: &SimHandle| sim.landmarks().big_group.expect("the big group");

    // At A: a finished run's tree, then the big list.
    let run_a = finished_run(&mut cli, &a).await;
    at(&mut cli, &a, &["calls", &run_a]).await;
    at(&mut cli, &a, &["runs", "--group", &big(&a)]).await;
    let kept = received(&a, "GetRunCalls");
    at(&mut cli, &a, &["calls", &run_a]).await;
    assert_eq!(
        received(&a, "GetRunCalls"),
        kept,
        "within the bound, it is kept"
    );
    // At B: as much again. A's entries are the oldest: they go.
    let run_b = finished_run(&mut cli, &b).await;
    at(&mut cli, &b, &["calls", &run_b]).await;
    at(&mut cli, &b, &["runs", "--group", &big(&b)]).await;
    at(&mut cli, &a, &["calls", &run_a]).await;
    assert_eq!(
        received(&a, "GetRunCalls"),
        kept + 1,
        "A's tree was dropped"
    );
    let kept_b = received(&b, "GetRunCalls");
    at(&mut cli, &b, &["calls", &run_b]).await;
    assert_eq!(
        received(&b, "GetRunCalls"),
        kept_b,
        "B's, newer, is still there"
    );
    let shown = json(&cli.run(&["--json", "cache"]).await);
    let bytes = shown["Bytes"].as_i64().expect("bytes");
    assert!(bytes <= 1_000_000, "{shown}");
    // On disk: the entries, SQLite's pages around them and its log.
    assert!(
        shown["DiskBytes"].as_u64().expect("disk") < 2_000_000,
        "{shown}"
    );
}

mod dashboard {
    //! The dashboard's start: the last session's lists at once, with their age.

    use std::time::Duration;

    use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
    use omtop::api::{Client, ClientConfig, KeyMaterial};
    use omtop::cache::Cache;
    use omtop::sim::{Faults, SimConfig, SimHandle};
    use omtop::tui::DashboardOptions;
    use omtop::tui::app::{App, Event};
    use omtop::tui::effect::{Request, RunsQuery};
    use omtop::tui::state::State;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    type TestApp = App<TestBackend>;

    fn client(sim: &SimHandle, dir: &std::path::Path) -> Client {
        let mut cfg = ClientConfig::new(
            reqwest::Url::parse(&sim.endpoint()).expect("a URL"),
            std::sync::Arc::new(KeyMaterial {
                secret_id: sim.secret_id(),
                secret_key: sim.secret_key(),
                token: None,
            }),
        );
        cfg.cache = Some(Cache::open(dir, omtop::cache::DEFAULT_MAX_BYTES));
        Client::new(cfg).expect("client")
    }

    fn app(sim: &SimHandle, dir: &std::path::Path) -> TestApp {
        let opts = DashboardOptions {
            regions: vec![sim.landmarks().region],
            ..DashboardOptions::default()
        };
        let terminal = Terminal::new(TestBackend::new(160, 30)).expect("terminal");
        let mut app =
            App::new(client(sim, dir), &opts, terminal, Box::new(Vec::new())).expect("app");
        app.start();
        app
    }

    /// Steps the app until `cond` holds (20 s at most); draws after each step.
    async fn until(app: &mut TestApp, what: &str, cond: impl Fn(&State) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !cond(app.state()) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}\n{}",
                app.terminal().backend()
            );
            let _ = tokio::time::timeout(Duration::from_millis(100), app.step()).await;
        }
    }

    fn command(app: &TestApp, text: &str) {
        let tx = app.sender();
        let key = |c| {
            let ev = KeyEvent::new(c, KeyModifiers::NONE);
            tx.send(Event::Terminal(TermEvent::Key(ev)))
                .expect("running");
        };
        key(KeyCode::Char(':'));
        text.chars().for_each(|c| key(KeyCode::Char(c)));
        key(KeyCode::Enter);
    }

    fn screen(app: &TestApp) -> String {
        format!("{}", app.terminal().backend())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_damaged_cache_is_a_notice_in_the_dashboard_once() {
        let sim = super::common::sim(SimConfig::default()).await;
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join(omtop::cache::FILE_NAME),
            b"garbage".repeat(999),
        )
        .expect("garbage");
        let mut app = app(&sim, dir.path());
        let tx = app.sender();
        tx.send(Event::Tick).expect("running");
        until(&mut app, "the notice", |s| {
            s.notice
                .as_ref()
                .is_some_and(|n| n.text.contains("could not be read"))
        })
        .await;
        // And the dashboard works on, with a new cache.
        until(&mut app, "the projects", |s| !s.projects().items.is_empty()).await;
        let aside = std::fs::read_dir(dir.path())
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".unreadable-"))
            .count();
        assert_eq!(aside, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_last_sessions_lists_are_drawn_at_once_with_their_age_then_refreshed() {
        let sim = super::common::sim(SimConfig::default()).await;
        let lm = sim.landmarks();
        let dir = tempfile::tempdir().expect("dir");
        let group = lm.finished_group.clone();
        let runs_of = |s: &State| {
            s.project_scope().map(|scope| Request::Runs {
                scope,
                query: RunsQuery::Group(group.clone()),
            })
        };

        // The first session lists the projects, the groups and a group's runs.
        let mut first = app(&sim, dir.path());
        until(&mut first, "projects", |s| !s.projects().items.is_empty()).await;
        command(&first, &format!("group {group}"));
        until(&mut first, "the group's runs", |s| {
            s.runs().is_some_and(|r| r.list.loaded)
        })
        .await;
        let shown: Vec<String> = first
            .state()
            .runs()
            .expect("a runs view")
            .list
            .items
            .iter()
            .map(|r| r.run_uuid.clone().unwrap_or_default().to_string())
            .collect();
        drop(first);

        // The service is slow now: what the next session draws before 3 s is the cache's.
        sim.set_faults(Faults {
            latency_ms: 3_000,
            ..Faults::default()
        });
        let mut second = app(&sim, dir.path());
        until(&mut second, "the cached projects", |s| {
            !s.projects().items.is_empty()
        })
        .await;
        let projects = Request::Projects {
            region: lm.region.clone(),
        };
        assert!(second.state().poller.is_pending(&projects), "still asking");
        assert!(second.state().cached.contains_key(&projects));
        assert!(
            screen(&second).contains("ago (cached)"),
            "{}",
            screen(&second)
        );
        command(&second, &format!("group {group}"));
        until(&mut second, "the cached runs", |s| {
            s.runs().is_some_and(|r| !r.list.items.is_empty())
        })
        .await;
        let target = runs_of(second.state()).expect("a project");
        assert!(second.state().poller.is_pending(&target), "still asking");
        assert!(second.state().cached.contains_key(&target));
        let again: Vec<String> = second
            .state()
            .runs()
            .expect("a runs view")
            .list
            .items
            .iter()
            .map(|r| r.run_uuid.clone().unwrap_or_default().to_string())
            .collect();
        assert_eq!(again, shown, "the last session's runs");
        second.draw().expect("draws");
        assert!(
            screen(&second).contains("ago (cached)"),
            "{}",
            screen(&second)
        );

        // Then the answers: the same runs, current, and the mark is gone.
        until(&mut second, "the fresh runs", |s| {
            !s.poller.is_pending(&target)
        })
        .await;
        assert!(!second.state().cached.contains_key(&target));
        second.draw().expect("draws");
        assert!(!screen(&second).contains("(cached)"), "{}", screen(&second));
        assert!(screen(&second).contains("s ago"), "{}", screen(&second));
    }
}

/// SIGKILL in the middle of writing (a deep triage stores hundreds of entries): the file
/// is whole, what was committed before is served, the next command works without a warning.
#[tokio::test(flavor = "multi_thread")]
async fn a_kill_mid_write_loses_at_most_that_write() {
    let sim = big_batch(400).await;
    let lm = sim.landmarks();
    let group = lm.big_group.clone().expect("the big group");
    let cli = Omtop::for_sim(&sim);
    let args = ["--region", &lm.region, "--json", "triage", &group, "--deep"];
    let mut child = cli
        .command(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("omtop starts");
    // Killed once some trees are in and more are being written.
    let path = cache_file(&cli);
    let stored = |p: &Path| -> i64 {
        rusqlite::Connection::open(p)
            .and_then(|c| {
                c.query_row(
                    "SELECT count(*) FROM entries WHERE kind = 'calls'",
                    [],
                    |r| r.get(0),
                )
            })
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while stored(&path) < 5 {
        assert!(std::time::Instant::now() < deadline, "no tree was stored");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.start_kill().expect("SIGKILL");
    let _ = child.wait().await;
    assert_eq!(integrity(&path), "ok");
    let kept = stored(&path);
    assert!(kept >= 5, "{kept}");
    // The killed process's last requests leave the simulator's one-second window first, so
    // nothing below is throttled (and counted twice).
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let calls = received(&sim, "GetRunCalls");
    let out = cli.run(&args).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let asked = i64::try_from(received(&sim, "GetRunCalls") - calls).expect("a count");
    // What a cold cache asks for the same triage: the levels kept were not asked again.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let before = received(&sim, "GetRunCalls");
    let fresh = Omtop::for_sim(&sim);
    let cold = fresh.run(&args).await;
    assert!(cold.status.success(), "{}", stderr(&cold));
    let cold = i64::try_from(received(&sim, "GetRunCalls") - before).expect("a count");
    assert!(
        asked <= cold - kept,
        "asked {asked}, cold {cold}, kept {kept}"
    );
    assert!(stored(&path) >= kept, "nothing committed was lost");
    assert_eq!(
        json(&out)["signatures"],
        json(&fresh.run(&args).await)["signatures"]
    );
}
