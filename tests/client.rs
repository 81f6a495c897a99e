//! The client against the simulator, over real HTTP: rate limit, priorities, retries,
//! mutation safety, clock skew and paging.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{BackgroundSim, all_groups, client_for, sim};
use omtop::api::types::{Filter, StatusClass};
use omtop::api::{ApiError, Client, Priority, RetryRequest, Scope, TransportKind};
use omtop::sim::{Faults, OneShotFault, Scale, SimConfig};

/// A runtime for the client alone. The tests that judge the limiter by what arrives at the
/// simulator keep the simulator on its own runtime (`BackgroundSim`): on a shared thread, a
/// client busy decoding pages (slow in a debug build) would hold up the simulator's clock
/// of arrivals, and the limiter would be judged by the test's scheduling.
fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn paging_fetches_every_run_of_a_5000_run_group() {
    let sim = BackgroundSim::start(SimConfig {
        scale: Scale {
            big_group_runs: 5000,
            ..Scale::default()
        },
        ..SimConfig::default()
    });
    client_runtime().block_on(paging(&sim));
}

async fn paging(sim: &BackgroundSim) {
    let client = client_for(sim);
    let (scope, big) = all_groups(&client)
        .await
        .into_iter()
        .find(|(_, g)| g.total_run == Some(5000))
        .expect("the big group exists");
    let id = big.run_group_id.clone().expect("id");
    let retried_before = client.stats().retried;
    let runs = client
        .describe_runs(
            &scope,
            &[Filter::new("RunGroupId", [id])],
            Priority::Interactive,
        )
        .await
        .expect("runs");
    let unique: HashSet<_> = runs.iter().filter_map(|r| r.run_uuid.clone()).collect();
    assert_eq!(runs.len(), 5000);
    assert_eq!(unique.len(), 5000);
    // One request a page. A page is sent again only after a transport failure the client
    // counted as a retry (a loaded machine can reset a connection); nothing else is extra.
    let stats = sim.stats();
    let retried = client.stats().retried - retried_before;
    assert_eq!(
        stats.received.get("DescribeRuns").copied(),
        Some(50 + retried),
        "faults {:?}",
        stats.faults
    );
    assert_eq!(stats.throttled, 0);
}

/// One DescribeRuns whose body differs with `i`, so that no two are coalesced.
async fn distinct_read(
    client: &Client,
    scope: &Scope,
    i: usize,
) -> Result<serde_json::Value, ApiError> {
    let body = serde_json::json!({"Limit": 1, "Offset": i});
    client
        .call::<serde_json::Value>("DescribeRuns", &scope.region, &body, Priority::Interactive)
        .await
        .map(|r| r.data)
}

#[test]
fn three_hundred_queued_reads_stay_under_the_limit() {
    let sim = BackgroundSim::start(SimConfig::default());
    client_runtime().block_on(three_hundred_reads(&sim));
}

async fn three_hundred_reads(sim: &BackgroundSim) {
    let client = client_for(sim);
    let scope = common::guangzhou();
    let calls = (0..300).map(|i| distinct_read(&client, &scope, i));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "all succeed");
    let stats = sim.stats();
    let key = ("DescribeRuns".to_string(), "ap-guangzhou".to_string());
    assert_eq!(stats.throttled, 0);
    assert!(stats.max_in_window[&key] <= 20, "{:?}", stats.max_in_window);
    // Each sent once. (How close to the limit they go is the paging benchmark's to say.)
    assert_eq!(stats.arrivals[&key].len(), 300);
}

#[tokio::test]
async fn an_interactive_read_overtakes_queued_background_polls() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut background = Vec::new();
    for i in 0..100 {
        let (client, done) = (client.clone(), done.clone());
        background.push(tokio::spawn(async move {
            let body = serde_json::json!({"Limit": 1, "Offset": i});
            let r = client
                .call::<serde_json::Value>(
                    "DescribeRuns",
                    "ap-guangzhou",
                    &body,
                    Priority::Background,
                )
                .await;
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            r
        }));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let body = serde_json::json!({"Limit": 1, "Offset": 1000});
    client
        .call::<serde_json::Value>("DescribeRuns", "ap-guangzhou", &body, Priority::Interactive)
        .await
        .expect("interactive read");
    let finished_before = done.load(std::sync::atomic::Ordering::SeqCst);
    // Background may use 16 of 20 slots a second: the user's read went out in the first
    // second, ahead of the 84 still queued.
    assert!(finished_before <= 20, "{finished_before} polls went first");
    for b in background {
        b.await.expect("task").expect("background read");
    }
}

#[test]
fn after_the_service_throttles_a_key_its_sends_spread_out() {
    let sim = BackgroundSim::start(SimConfig::default());
    client_runtime().block_on(async {
        let client = client_for(&sim);
        let scope = common::guangzhou();
        // Throttled four times over: the window widens by 50, 100, 200, then 400 ms.
        for _ in 0..4 {
            sim.inject_next("DescribeRuns", OneShotFault::Throttle);
        }
        let read = |i: usize| distinct_read(&client, &scope, i);
        read(0).await.expect("succeeds on the fifth try");
        // Then 41 reads at once: 20 go, and each later one waits for the widened window
        // (1.45 s, not 1.05 s) after the one 20 places before it. (The bound leaves 200 ms
        // for the arrivals' own jitter.)
        let results = futures::future::join_all((1..=41).map(read)).await;
        assert!(results.iter().all(Result::is_ok));
        let stats = sim.stats();
        let key = ("DescribeRuns".to_string(), "ap-guangzhou".to_string());
        assert_eq!(stats.throttled, 4, "only the injected ones");
        let mut at = stats.arrivals[&key].clone();
        at.sort();
        let burst = &at[at.len() - 41..];
        for i in 20..burst.len() {
            let gap = burst[i] - burst[i - 20];
            assert!(
                gap >= Duration::from_millis(1090),
                "arrival {i}: {gap:?} after the one 20 before"
            );
        }
    });
}

#[tokio::test]
async fn reads_survive_a_dropped_connection_throttling_and_garbage() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let scope = common::guangzhou();
    for fault in [
        OneShotFault::Drop,
        OneShotFault::Throttle,
        OneShotFault::InternalError,
        OneShotFault::Malformed,
    ] {
        sim.inject_next("DescribeRunGroups", fault);
    }
    let groups = client
        .describe_run_groups(&scope, &[], Priority::Interactive)
        .await
        .expect("succeeds after four failures");
    assert!(!groups.is_empty());
    assert_eq!(sim.stats().received.get("DescribeRunGroups"), Some(&5));
    assert_eq!(client.stats().retried, 4);
}

/// A failed, retryable run and the scope it is in.
async fn failed_run(client: &Client) -> (Scope, String) {
    for (scope, g) in all_groups(client).await {
        let id = g.run_group_id.clone().unwrap_or_default();
        let runs = client
            .describe_runs(
                &scope,
                &[Filter::new("RunGroupId", [id])],
                Priority::Interactive,
            )
            .await
            .expect("runs");
        if let Some(r) = runs
            .iter()
            .find(|r| StatusClass::of(r.status.as_deref().unwrap_or("")) == StatusClass::Failed)
        {
            return (scope, r.run_uuid.as_deref().unwrap_or_default().to_string());
        }
    }
    panic!("the simulator has a failed run");
}

/// Retries one run, the way the dashboard and the CLI do.
async fn retry(client: &Client, scope: &Scope, run: &str) -> Result<omtop::api::Created, ApiError> {
    let req = RetryRequest {
        run_uuids: vec![run.to_string()],
        ..RetryRequest::default()
    };
    client.retry_runs(scope, &req).await
}

#[tokio::test]
async fn a_retry_whose_connection_drops_is_reported_and_never_resent() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let (scope, run) = failed_run(&client).await;
    sim.inject_next("RetryRuns", OneShotFault::DropAfter);
    let err = retry(&client, &scope, &run)
        .await
        .expect_err("the answer never came");
    assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
    assert!(err.to_string().contains("outcome unknown"));
    let stats = sim.stats();
    assert_eq!(stats.received.get("RetryRuns"), Some(&1));
    assert_eq!(stats.applied.get("RetryRuns"), Some(&1));
}

#[tokio::test]
async fn a_throttled_mutation_is_resent_because_it_was_refused() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let (scope, run) = failed_run(&client).await;
    sim.inject_next("RetryRuns", OneShotFault::Throttle);
    let created = retry(&client, &scope, &run)
        .await
        .expect("second attempt succeeds");
    assert!(created.run_group_id.starts_with("run-"));
    let stats = sim.stats();
    assert_eq!(stats.received.get("RetryRuns"), Some(&2));
    assert_eq!(stats.applied.get("RetryRuns"), Some(&1));
}

#[tokio::test]
async fn a_mutation_failing_with_internal_error_is_not_resent() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let (scope, run) = failed_run(&client).await;
    sim.inject_next("RetryRuns", OneShotFault::InternalError);
    let err = retry(&client, &scope, &run).await.expect_err("fails");
    assert_eq!(err.code(), Some("InternalError"));
    assert!(err.request_id().is_some_and(|r| !r.is_empty()));
    assert_eq!(sim.stats().received.get("RetryRuns"), Some(&1));
}

#[tokio::test]
async fn a_clock_ten_minutes_off_is_corrected_from_the_date_header() {
    let sim = sim(SimConfig {
        faults: Faults {
            clock_skew_secs: 600,
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim);
    let groups = client
        .describe_run_groups(&common::guangzhou(), &[], Priority::Interactive)
        .await
        .expect("succeeds after re-signing");
    assert!(!groups.is_empty());
    assert!(
        (client.clock_offset() - 600).abs() <= 2,
        "{}",
        client.clock_offset()
    );
    assert_eq!(sim.stats().auth_failures, 1);
    // Later requests are signed with the corrected clock straight away.
    client
        .describe_runs(&common::guangzhou(), &[], Priority::Interactive)
        .await
        .expect("runs");
    assert_eq!(sim.stats().auth_failures, 1);
}

#[tokio::test]
async fn service_errors_keep_code_message_and_request_id() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let err = client
        .get_run_status(&common::guangzhou(), "no-such-run", Priority::Interactive)
        .await
        .expect_err("unknown run");
    let code = err.code().expect("service error");
    assert!(code.starts_with("ResourceNotFound"), "{code}");
    let text = err.to_string();
    assert!(text.starts_with("GetRunStatus: ResourceNotFound"), "{text}");
    assert!(text.contains("RequestId "));
    // Not retried: the service answered definitely.
    assert_eq!(sim.stats().received.get("GetRunStatus"), Some(&1));
}

#[tokio::test]
async fn wrong_credentials_fail_with_the_services_auth_error() {
    let sim = sim(SimConfig::default()).await;
    let mut cfg = omtop::api::ClientConfig::new(
        reqwest::Url::parse(&sim.endpoint()).expect("url"),
        std::sync::Arc::new(omtop::api::KeyMaterial {
            secret_id: sim.secret_id().to_string(),
            secret_key: "not-the-key".into(),
            token: None,
        }),
    );
    cfg.read_attempts = 1;
    let client = Client::new(cfg).expect("client");
    let err = client
        .describe_run_groups(&common::guangzhou(), &[], Priority::Interactive)
        .await
        .expect_err("bad signature");
    assert_eq!(err.code(), Some("AuthFailure.SignatureFailure"));
    assert!(!err.to_string().contains("not-the-key"));
}

#[tokio::test]
async fn identical_reads_in_flight_are_sent_once() {
    let sim = sim(SimConfig {
        faults: Faults {
            latency_ms: 200,
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim);
    let scope = common::guangzhou();
    let reads = (0..10).map(|_| client.describe_run_groups(&scope, &[], Priority::Background));
    let results = futures::future::join_all(reads).await;
    assert!(results.iter().all(Result::is_ok));
    let first = results[0].as_ref().map(Vec::len).unwrap_or(0);
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().map(Vec::len).unwrap_or(0) == first)
    );
    let pages = first.div_ceil(100).max(1) as u64;
    assert_eq!(sim.stats().received.get("DescribeRunGroups"), Some(&pages));
}

#[tokio::test]
async fn a_connection_refused_is_a_transport_error_naming_the_action() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let mut cfg = omtop::api::ClientConfig::new(
        reqwest::Url::parse(&format!("http://127.0.0.1:{port}")).expect("url"),
        std::sync::Arc::new(omtop::api::KeyMaterial {
            secret_id: "AKIDtest".into(),
            secret_key: "k".into(),
            token: None,
        }),
    );
    cfg.read_attempts = 2;
    cfg.backoff_base = Duration::from_millis(1);
    let client = Client::new(cfg).expect("client");
    let err = client
        .describe_runs(&common::guangzhou(), &[], Priority::Interactive)
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(
            err,
            ApiError::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("DescribeRuns: connection failed")
    );
}

/// GetRunCalls read as it arrives (a call at a time) gives what the ordinary reader gives
/// from the whole answer, hostile strings included; an answer it cannot read is read again
/// whole, once.
#[tokio::test(flavor = "multi_thread")]
async fn calls_read_as_they_arrive_are_the_calls_read_whole() {
    use omtop::api::Reply;
    use omtop::api::types::GetRunCallsResponse;
    use omtop::sim::OneShotFault;
    for hostile in [false, true] {
        let sim = sim(SimConfig {
            hostile,
            ..SimConfig::default()
        })
        .await;
        let lm = sim.landmarks();
        let client = client_for(&sim);
        let scope = Scope::new(lm.region.clone(), None);
        for path in ["/", lm.failed_task_path.as_str()] {
            let streamed = client
                .get_run_calls(&scope, &lm.failed_run, path, Priority::Interactive)
                .await
                .expect("calls");
            let body = serde_json::json!({"RunUuid": lm.failed_run, "Path": path});
            let whole: Reply<GetRunCallsResponse> = client
                .call("GetRunCalls", &lm.region, &body, Priority::Interactive)
                .await
                .expect("calls");
            assert!(!streamed.is_empty());
            assert_eq!(
                Some(streamed),
                whole.data.calls,
                "hostile: {hostile}, {path}"
            );
        }
        let before = sim
            .stats()
            .received
            .get("GetRunCalls")
            .copied()
            .unwrap_or(0);
        sim.inject_next("GetRunCalls", OneShotFault::BadEscapes);
        let calls = client
            .get_run_calls(&scope, &lm.failed_run, "/", Priority::Interactive)
            .await
            .expect("read again");
        assert!(!calls.is_empty());
        let after = sim
            .stats()
            .received
            .get("GetRunCalls")
            .copied()
            .unwrap_or(0);
        assert_eq!(after - before, 2, "refused once, then read whole");
    }
}

/// A refresh given the calls the caller holds from the last answer shares their strings:
/// what did not change is the allocation already held, not a second copy.
#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_shares_the_strings_of_the_calls_it_replaces() {
    use omtop::api::text::Held;
    use omtop::api::types::RunMetadata;
    let sim = sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let client = client_for(&sim);
    let scope = Scope::new(lm.region.clone(), None);
    let read = |held: Held| {
        let (client, scope, run) = (client.clone(), scope.clone(), lm.failed_run.clone());
        async move {
            client
                .get_run_calls_sharing(&scope, &run, "/", Priority::Interactive, held)
                .await
                .expect("calls")
        }
    };
    let shared = |a: &RunMetadata, b: &RunMetadata| {
        a.texts().iter().zip(b.texts()).all(|(x, y)| match (x, y) {
            (Some(x), Some(y)) => x.as_ptr() == y.as_ptr(),
            (x, y) => x.is_none() && y.is_none(),
        })
    };
    let first = read(Held::default()).await;
    assert!(!first.is_empty());
    let again = read(Held::of_calls(&first)).await;
    assert_eq!(first, again, "the run has finished: the same calls");
    assert!(first.iter().zip(&again).all(|(a, b)| shared(a, b)));
    let apart = read(Held::default()).await;
    assert!(
        !first.iter().zip(&apart).all(|(a, b)| shared(a, b)),
        "without them, the same strings are a second copy"
    );
}
