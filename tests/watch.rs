//! `omtop watch` as a user runs it against the simulator: each condition raises its event
//! as the group changes, and each target gets it: `--json` lines on stdout, a command's
//! stdin and environment, a webhook (a local server here), and the terminal's bell and
//! desktop notifications (read back from a pseudo-terminal).

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::bin::{Omtop, stderr, stdout};
use common::pty::{Session, command};
use common::{BackgroundSim, client_for, sim};
use http_body_util::{BodyExt, Full};
use omtop::api::types::Filter;
use omtop::api::{LaunchRequest, Priority, Scope, triage};
use omtop::sim::{Scale, SimConfig};
use serde_json::Value;

/// The events of a `--json` watch, in order.
fn events(out: &std::process::Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["Event"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A webhook receiver on 127.0.0.1: answers each POST with the next status of `answers`
/// (then 200) and keeps what it received.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn receiver(answers: Vec<u16>) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let answers = Arc::new(Mutex::new(answers));
    let (g, a) = (got.clone(), answers.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (g, a) = (g.clone(), a.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let (g, a) = (g.clone(), a.clone());
                        async move {
                            let path = req.uri().path().to_string();
                            let body = req
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let status = {
                                let mut a = a.lock().expect("answers");
                                if a.is_empty() { 200 } else { a.remove(0) }
                            };
                            if status == 200 {
                                let v: Value =
                                    serde_json::from_slice(&body).expect("the body is JSON");
                                g.lock().expect("got").push((path, v));
                            }
                            let mut resp =
                                hyper::Response::new(Full::new(Bytes::from_static(b"ok")));
                            *resp.status_mut() =
                                hyper::StatusCode::from_u16(status).expect("status");
                            Ok::<_, std::convert::Infallible>(resp)
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    Receiver { port, got }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finished_group_reaches_json_a_command_and_a_webhook() {
    let sim = sim(SimConfig::default()).await;
    let user = Omtop::for_sim(&sim);
    let lm = sim.landmarks();
    // The receiver is unavailable once: the event is sent again.
    let hook = receiver(vec![503]).await;
    let url = format!("http://127.0.0.1:{}/hooks/T0/secret-token-xyz", hook.port);
    let dir = user.home.path().join("exec");
    std::fs::create_dir_all(&dir).expect("dir");
    let script = format!(
        "cat > '{0}/stdin.json'; env | grep '^OMTOP_' | sort > '{0}/env'",
        dir.display()
    );
    let out = user
        .run(&[
            "--region",
            &lm.region,
            "watch",
            &lm.finished_group,
            "--interval",
            "1",
            "--on",
            "finished",
            "--json",
            "--exec",
            &script,
            "--webhook",
            &url,
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let got = events(&out);
    assert_eq!(kinds(&got), ["finished"]);
    let e = &got[0];
    assert_eq!(e["RunGroupId"], lm.finished_group.as_str());
    assert_eq!(e["Outcome"], "succeeded");
    assert_eq!(e["Status"], "COMPLETE");
    assert!(e["Counts"]["Total"].as_i64().is_some_and(|n| n > 0));
    assert!(
        stderr(&out).contains("event: run group "),
        "{}",
        stderr(&out)
    );

    // The command: the same event on stdin, and in its environment.
    let stdin: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("stdin.json")).expect("the command ran"),
    )
    .expect("JSON on stdin");
    assert_eq!(&stdin, e);
    let env = std::fs::read_to_string(dir.join("env")).expect("env");
    assert!(env.contains("OMTOP_EVENT=finished\n"), "{env}");
    assert!(
        env.contains(&format!("OMTOP_RUN_GROUP_ID={}\n", lm.finished_group)),
        "{env}"
    );
    assert!(env.contains("OMTOP_OUTCOME=succeeded\n"), "{env}");

    // The webhook: once, after one refusal, with a lowercase text for chat services.
    let received = hook.got.lock().expect("got").clone();
    assert_eq!(received.len(), 1, "{received:?}");
    let (path, body) = &received[0];
    assert_eq!(path, "/hooks/T0/secret-token-xyz");
    assert_eq!(body["text"], e["Text"]);
    assert_eq!(body["Event"], "finished");
    // The URL's token is never printed.
    assert!(!stderr(&out).contains("secret-token") && !stdout(&out).contains("secret-token"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_group_raises_each_condition_as_it_happens() {
    let sim = sim(SimConfig {
        scale: Scale {
            speed: 200.0,
            ..Scale::default()
        },
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim);
    let user = Omtop::for_sim(&sim);
    let lm = sim.landmarks();
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(90),
        user.run(&[
            "--region",
            &lm.region,
            "watch",
            &lm.running_group,
            "--interval",
            "1",
            "--json",
            "--on",
            "all",
            "--failed-above",
            "0",
        ]),
    )
    .await
    .expect("the group finishes within a minute and a half at 200x speed");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let got = events(&out);
    let k = kinds(&got);
    // It was already failing when the watch began: said first, then the rest once each.
    assert_eq!(k[..3], ["first_failure", "failed_share", "doomed"], "{k:?}");
    assert_eq!(k.last().map(String::as_str), Some("finished"), "{k:?}");
    assert_eq!(
        got.last().map(|e| e["Outcome"].clone()),
        Some("failed".into())
    );
    for once in ["first_failure", "failed_share", "doomed", "finished"] {
        assert_eq!(k.iter().filter(|x| *x == once).count(), 1, "{k:?}");
    }
    // Every kind of failure the group ended with was said exactly once.
    let said: Vec<String> = got
        .iter()
        .filter(|e| matches!(e["Event"].as_str(), Some("first_failure" | "new_signature")))
        .flat_map(|e| e["Signatures"].as_array().cloned().unwrap_or_default())
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect();
    let runs = client
        .describe_runs(
            &Scope::new(lm.region.clone(), None),
            &[Filter::new("RunGroupId", [lm.running_group.as_str()])],
            Priority::Interactive,
        )
        .await
        .expect("runs");
    // The group's failure signatures, as batch triage places its failed runs.
    let kinds_of_failure: BTreeSet<String> = triage::signatures(&triage::failures(&runs))
        .into_iter()
        .map(|s| format!("{} (in {})", s.message, s.task))
        .collect();
    assert_eq!(said.len(), kinds_of_failure.len(), "{said:#?}");
    assert_eq!(said.into_iter().collect::<BTreeSet<_>>(), kinds_of_failure);
    assert!(
        kinds_of_failure.len() > 1,
        "the group fails more than one way"
    );
    assert!(k.contains(&"new_signature".to_string()), "{k:?}");
    // The simulator serves DescribeEnvironments: the environment condition is checked,
    // and its environment being available, nothing is said of it.
    let err = stderr(&out);
    assert!(!err.contains("the environment cannot be checked"), "{err}");
    assert!(!k.contains(&"env_unavailable".to_string()), "{k:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cache_about_to_be_cleared_is_said_before_it_goes() {
    let sim = sim(SimConfig {
        scale: Scale {
            speed: 200.0,
            ..Scale::default()
        },
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim);
    let user = Omtop::for_sim(&sim);
    let lm = sim.landmarks();
    let scope = Scope::new(lm.region.clone(), None);
    let created = client
        .run_application(
            &scope,
            &LaunchRequest {
                application_id: lm.application.clone(),
                name: "cache-watch".into(),
                environment_id: lm.environment.clone(),
                input_base64: Some("e30=".into()),
                cache_clear_delay: Some(1),
                option: Some(omtop::api::types::RunOption {
                    failure_mode: Some("NoNewCalls".into()),
                    use_call_cache: Some(true),
                    use_error_on_hold: Some(false),
                    ..Default::default()
                }),
                ..LaunchRequest::default()
            },
        )
        .await
        .expect("launched");
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(90),
        user.run(&[
            "--region",
            &lm.region,
            "watch",
            &created.run_group_id,
            "--interval",
            "1",
            "--json",
            "--on",
            "finished",
            "--cache-expiring",
            "2h",
        ]),
    )
    .await
    .expect("finishes");
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
    let got = events(&out);
    assert_eq!(
        kinds(&got)
            .iter()
            .filter(|k| *k == "cache_expiring")
            .count(),
        1,
        "{got:#?}"
    );
    let e = got
        .iter()
        .find(|e| e["Event"] == "cache_expiring")
        .expect("said");
    assert!(e["CacheRuns"].as_u64().is_some_and(|n| n >= 1), "{e}");
    let at = chrono::DateTime::parse_from_rfc3339(e["CacheClearTime"].as_str().expect("time"))
        .expect("RFC 3339");
    let left = at.signed_duration_since(chrono::Utc::now());
    assert!(
        left > chrono::Duration::minutes(55) && left <= chrono::Duration::hours(1),
        "{left}"
    );
    assert!(
        e["Text"]
            .as_str()
            .is_some_and(|t| t.contains("retry with --cache")),
        "{e}"
    );
    assert_eq!(kinds(&got).last().map(String::as_str), Some("finished"));
}

#[test]
fn the_terminal_rings_and_shows_a_desktop_notification() {
    let sim = BackgroundSim::start(SimConfig::default());
    let lm = sim.landmarks();
    let home = tempfile::tempdir().expect("home");
    let args = [
        "watch",
        &lm.finished_group,
        "--interval",
        "1",
        "--on",
        "finished",
        "--notify",
        "bell,osc9",
        "--notify",
        "osc777",
    ];
    let mut s = Session::spawn(command(&sim, home.path(), &args), 120, 30);
    assert!(s.wait_exit().success());
    let raw = String::from_utf8_lossy(&s.raw()).into_owned();
    for seq in [
        "\u{1b}]9;omtop: run group ",
        "\u{1b}]777;notify;omtop;run group ",
    ] {
        let at = raw
            .find(seq)
            .unwrap_or_else(|| panic!("no {seq:?} in {raw:?}"));
        // The whole notification: the event's text, then BEL.
        let rest = &raw[at + seq.len()..];
        let end = rest.find('\u{7}').expect("terminated by BEL");
        let said = format!("({}) finished: succeeded", lm.finished_group);
        assert!(rest[..end].contains(&said), "{rest:?}");
    }
    // The bell itself, besides the BELs that end the two notifications.
    assert!(raw.matches('\u{7}').count() >= 3, "{raw:?}");

    // Inside tmux the sequences travel wrapped in its passthrough.
    let mut cmd = command(&sim, home.path(), &args);
    cmd.env("TMUX", "/tmp/tmux-1000/default,1,0");
    let mut s = Session::spawn(cmd, 120, 30);
    assert!(s.wait_exit().success());
    let raw = String::from_utf8_lossy(&s.raw()).into_owned();
    assert!(
        raw.contains("\u{1b}Ptmux;\u{1b}\u{1b}]9;omtop: run group "),
        "{raw:?}"
    );
    assert!(
        raw.contains("\u{1b}Ptmux;\u{1b}\u{1b}]777;notify;omtop;"),
        "{raw:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_delivery_is_said_without_the_webhooks_token() {
    let sim = sim(SimConfig::default()).await;
    let user = Omtop::for_sim(&sim);
    let lm = sim.landmarks();
    let hook = receiver(vec![500, 500, 500]).await;
    let url = format!("http://127.0.0.1:{}/hooks/secret-token-xyz", hook.port);
    let out = user
        .run(&[
            "--region",
            &lm.region,
            "watch",
            &lm.finished_group,
            "--on",
            "finished",
            "--webhook",
            &url,
            "--exec",
            "exit 3",
        ])
        .await;
    // Deliveries failing do not change what the watch saw.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("not delivered after 3 attempts: HTTP 500"),
        "{err}"
    );
    assert!(
        err.contains(&format!("http://127.0.0.1:{}/…", hook.port)),
        "{err}"
    );
    assert!(err.contains("--exec exit 3: exit status: 3"), "{err}");
    assert!(!err.contains("secret-token"), "{err}");
    assert!(hook.got.lock().expect("got").is_empty());

    // Plain http to another machine is refused before anything is watched.
    let out = user
        .run(&[
            "watch",
            &lm.finished_group,
            "--webhook",
            "http://hooks.example.com/secret-token-xyz",
        ])
        .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("secret-token"), "{}", stderr(&out));
}
