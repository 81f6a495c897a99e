//! The audit log: every terminate, retry and launch, from the CLI or the dashboard, is on
//! record before it is sent and completed after; a process killed mid-request leaves its
//! intent; `omtop audit` shows it all, safely.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::bin::{Omtop, json, stderr, stdout};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use omtop::audit::{self, Status};
use omtop::sim::{OneShotFault, SimConfig};
use omtop::tui::DashboardOptions;
use omtop::tui::app::{App, Event};
use omtop::tui::state::State;
use omtop::tui::view::ViewKind;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::time::Instant;

fn omtop_for(sim: &omtop::sim::SimHandle) -> Omtop {
    Omtop::new(&sim.endpoint(), &sim.secret_id(), &sim.secret_key())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mutation_killed_mid_request_is_on_record() {
    let sim = common::sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let omtop = omtop_for(&sim);
    // The service carries it out but never answers: omtop waits, and is killed waiting.
    sim.inject_next("TerminateRunGroup", OneShotFault::Hang);
    let mut child = omtop
        .command(&["terminate", &lm.running_group, "--yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("omtop starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !sim.stats().received.contains_key("TerminateRunGroup") {
        assert!(Instant::now() < deadline, "the terminate never arrived");
        assert!(
            child.try_wait().expect("child").is_none(),
            "omtop ended before sending"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The intent was flushed before the request left, so it is there already.
    let (entries, bad) = audit::read(&omtop.audit_path()).expect("audit log");
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].intent.action, "TerminateRunGroup");
    assert_eq!(entries[0].status(), Status::NoResult);

    child.start_kill().expect("kill -9");
    let status = child.wait().await.expect("child ends");
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "{status:?}");
    }
    assert_eq!(sim.stats().applied.get("TerminateRunGroup"), Some(&1));

    let out = omtop.run(&["audit", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = json(&out);
    let shown = shown.as_array().expect("array");
    assert_eq!(shown.len(), 1, "{shown:?}");
    let e = &shown[0];
    assert_eq!(e["Action"], "TerminateRunGroup");
    assert_eq!(e["Status"], "no result");
    assert_eq!(e["Origin"], "cli");
    assert_eq!(e["Region"], lm.region.as_str());
    assert_eq!(e["Params"]["RunGroupId"], lm.running_group.as_str());
    assert_eq!(e["Credentials"], "environment (TENCENTCLOUD_SECRET_ID)");
    assert!(e["RequestId"].is_null() && e["Completed"].is_null(), "{e}");

    let out = omtop.run(&["audit"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("TIME"), "{text}");
    assert!(text.contains("TerminateRunGroup") && text.contains(&lm.running_group));
    assert!(text.contains("no result recorded"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_outcome_from_the_cli_is_recorded() {
    let sim = common::sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let omtop = omtop_for(&sim);
    let group = lm.running_group.as_str();

    let out = omtop.run(&["terminate", group, "--yes", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let terminated = json(&out)["RequestId"].as_str().expect("id").to_string();

    let out = omtop.run(&["terminate", &lm.finished_group, "--yes"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    let out = omtop
        .run(&["retry", "--group", group, "--yes", "--json"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let new_group = json(&out)["RunGroupId"].as_str().expect("id").to_string();

    sim.inject_next("RetryRuns", OneShotFault::DropAfter);
    let out = omtop.run(&["retry", "--group", group, "--yes"]).await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));

    sim.inject_next("RunApplication", OneShotFault::InternalError);
    let launch = [
        "launch",
        "--app",
        &lm.application,
        "--name",
        "audited",
        "--env",
        &lm.environment,
        "--input-json",
        "{\"x\": 1}",
        "--yes",
    ];
    let out = omtop.run(&launch).await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));

    // Refused before anything is attempted: nothing to record.
    let out = omtop
        .run(&["--read-only", "terminate", group, "--yes"])
        .await;
    assert_eq!(out.status.code(), Some(2));

    let out = omtop.run(&["audit", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let all = json(&out);
    let all = all.as_array().expect("array");
    let statuses: Vec<&str> = all.iter().filter_map(|e| e["Status"].as_str()).collect();
    assert_eq!(
        statuses,
        ["ok", "error", "ok", "outcome unknown", "outcome unknown"]
    );
    let actions: Vec<&str> = all.iter().filter_map(|e| e["Action"].as_str()).collect();
    assert_eq!(
        actions,
        [
            "TerminateRunGroup",
            "TerminateRunGroup",
            "RetryRuns",
            "RetryRuns",
            "RunApplication"
        ]
    );
    assert_eq!(all[0]["RequestId"], terminated.as_str());
    assert!(all[1]["ErrorCode"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(all[1]["RequestId"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(all[2]["RunGroupId"], new_group.as_str());
    assert!(
        all[3]["Error"]
            .as_str()
            .is_some_and(|e| e.contains("outcome unknown")),
        "{}",
        all[3]
    );
    assert_eq!(all[4]["ErrorCode"], "InternalError");
    assert_eq!(all[4]["Params"]["Name"], "audited");
    assert!(all.iter().all(|e| e["Origin"] == "cli"));

    let out = omtop.run(&["audit", "--limit", "2", "--json"]).await;
    let last = json(&out);
    assert_eq!(last.as_array().map(Vec::len), Some(2));
    assert_eq!(last[1]["Action"], "RunApplication");

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(omtop.audit_path())
        .expect("audit log")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mutation_that_cannot_be_audited_is_not_sent() {
    let sim = common::sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let omtop = omtop_for(&sim);
    // A directory where the log file should be.
    std::fs::create_dir_all(omtop.audit_path()).expect("dir");
    let out = omtop.run(&["terminate", &lm.running_group, "--yes"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("not sent") && err.contains("audit.jsonl"),
        "{err}"
    );
    assert_eq!(sim.stats().received.get("TerminateRunGroup"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_log_is_shown_without_credentials_and_without_control_characters() {
    let mut omtop = Omtop::new("http://127.0.0.1:9", "", "");
    omtop.env.clear();
    let out = omtop.run(&["audit"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("no mutations recorded"));

    let hostile = "\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{9b}31m\u{202e}evil";
    let intent = serde_json::json!({
        "event": "intent", "time": "2026-01-02T03:04:05Z", "id": "a1", "action": "RunApplication",
        "region": "ap-guangzhou", "params": {"Name": hostile, "ApplicationId": hostile},
        "origin": "cli", "profile": "default", "credentials": "x", "endpoint": "x",
        "pid": 1, "version": "0"
    });
    let result = serde_json::json!({
        "event": "result", "time": "2026-01-02T03:04:06Z", "id": "a1",
        "action": "RunApplication", "status": "error", "error_code": hostile, "error": hostile,
        "request_id": hostile
    });
    std::fs::create_dir_all(omtop.data_dir()).expect("dir");
    std::fs::write(
        omtop.audit_path(),
        format!("{intent}\n{result}\n{{\"event\":\"inte"),
    )
    .expect("write");
    for args in [&["audit"][..], &["audit", "--json"]] {
        let out = omtop.run(args).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("evil"), "{text}");
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}']),
            "{args:?}: {text:?}"
        );
        assert!(
            stderr(&out).contains("line 3 is not an audit record"),
            "{}",
            stderr(&out)
        );
    }
}

type TestApp = App<TestBackend>;

async fn until(app: &mut TestApp, what: &str, cond: impl Fn(&State) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !cond(app.state()) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; {:?} / {:?}",
            app.state().notice,
            app.state().error
        );
        let _ = tokio::time::timeout(Duration::from_millis(200), app.step()).await;
    }
}

fn keys(app: &TestApp, text: &str) {
    let tx = app.sender();
    for c in text.chars() {
        let code = match c {
            '\r' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        let ev = KeyEvent::new(code, KeyModifiers::NONE);
        tx.send(Event::Terminal(TermEvent::Key(ev)))
            .expect("app is running");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_records_through_the_same_path() {
    let sim = common::sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let home = tempfile::tempdir().expect("home");
    let env = omtop::config::Env::isolated(home.path());
    let settings = omtop::config::resolve_with_credentials(
        &omtop::config::ConnectionFlags::default(),
        &env,
        reqwest::Url::parse(&sim.endpoint()).expect("url"),
        omtop::config::Credentials::new(sim.secret_id(), sim.secret_key()),
    )
    .expect("settings");
    let client = omtop::connect::client(&settings, "dashboard").expect("client");
    let opts = DashboardOptions {
        regions: vec![lm.region.clone()],
        ..DashboardOptions::default()
    };
    let terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut app = App::new(client, &opts, terminal, Box::new(Vec::new())).expect("app");
    app.start();
    until(&mut app, "projects", |s| !s.projects().items.is_empty()).await;
    keys(&app, &format!(":group {}\r", lm.running_group));
    until(&mut app, "the group's runs", |s| {
        s.kind() == ViewKind::Runs && s.runs().expect("a runs view").list.loaded
    })
    .await;

    // A retry whose answer is lost: shown as outcome unknown, and recorded so.
    sim.inject_next("RetryRuns", OneShotFault::DropAfter);
    keys(&app, "r");
    until(&mut app, "the retry confirmation", |s| s.popup.is_some()).await;
    keys(&app, "\r");
    until(&mut app, "the retry's error", |s| {
        s.error
            .as_ref()
            .is_some_and(|e| e.text.contains("outcome unknown"))
    })
    .await;
    keys(&app, "\u{1b}");
    until(&mut app, "the message closed", |s| s.popup.is_none()).await;

    keys(&app, "t");
    until(&mut app, "the terminate confirmation", |s| {
        s.popup.is_some()
    })
    .await;
    keys(&app, "\r");
    until(&mut app, "terminated", |s| {
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("terminating") && n.text.contains("RequestId"))
    })
    .await;
    let notice = app.state().notice.clone().expect("notice").text;

    let (entries, bad) = audit::read(&audit::file_in(
        settings.data_dir.as_deref().expect("data dir"),
    ))
    .expect("audit log");
    assert!(bad.is_empty());
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(
        entries
            .iter()
            .all(|e| e.intent.context.origin == "dashboard")
    );
    assert_eq!(entries[0].intent.action, "RetryRuns");
    assert_eq!(entries[0].status(), Status::OutcomeUnknown);
    assert_eq!(entries[1].intent.action, "TerminateRunGroup");
    assert_eq!(entries[1].status(), Status::Ok);
    let request_id = entries[1]
        .result
        .as_ref()
        .and_then(|r| r.request_id.clone())
        .expect("RequestId");
    assert!(notice.contains(&request_id), "{notice}");
    assert_eq!(sim.stats().applied.get("RetryRuns"), Some(&1));
}
