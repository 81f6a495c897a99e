//! The transport: certificates always verified, plain http only to loopback (or with a flag
//! and a warning), timeouts on connecting and on the whole request, and temporary
//! credentials refreshed before they expire. Every server here is on 127.0.0.1.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use omtop::api::{ApiError, Client, ClientConfig, KeyMaterial, Priority, Scope, TransportKind};
use omtop::config::CredentialProvider;
use omtop::sim::SimConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A generous bound on anything that should end by itself within a second or two.
const BOUND: Duration = Duration::from_secs(20);

fn client(endpoint: &str, tune: impl FnOnce(&mut ClientConfig)) -> Client {
    let mut cfg = ClientConfig::new(
        reqwest::Url::parse(endpoint).expect("url"),
        Arc::new(KeyMaterial {
            secret_id: "AKIDtransportTest000000000000000".into(),
            secret_key: "transport-test-secret-key".into(),
            token: None,
        }),
    );
    cfg.backoff_base = Duration::from_millis(10);
    cfg.backoff_cap = Duration::from_millis(50);
    tune(&mut cfg);
    Client::new(cfg).expect("client")
}

fn scope() -> Scope {
    Scope::new("ap-guangzhou", None)
}

/// Reads one HTTP request's head (enough for these servers).
async fn read_head(sock: &mut (impl AsyncReadExt + Unpin)) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

const ANSWER: &str = "{\"Response\":{\"TotalCount\":0,\"Projects\":[],\"RequestId\":\"r-1\"}}";

/// An HTTPS server with a self-signed certificate for 127.0.0.1 that answers every request
/// it gets with a valid reply; counts connections and completed handshakes.
async fn self_signed_server() -> (u16, Vec<u8>, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("certificate");
    let cert_der = generated.cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(generated.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert_der.clone().into()], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (connections, handshakes) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (c, h) = (connections.clone(), handshakes.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            let (acceptor, h) = (acceptor.clone(), h.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                h.fetch_add(1, Ordering::SeqCst);
                read_head(&mut tls).await;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ANSWER}",
                    ANSWER.len()
                );
                let _ = tls.write_all(reply.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, cert_der, connections, handshakes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_nobody_vouches_for_is_refused_and_not_retried() {
    let (port, cert, connections, handshakes) = self_signed_server().await;
    let endpoint = format!("https://127.0.0.1:{port}");

    // The server works for a client that trusts its certificate: the refusal below is
    // verification, not a broken server.
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_der(&cert).expect("cert"))
        .build()
        .expect("client");
    let body = trusting
        .post(&endpoint)
        .send()
        .await
        .expect("trusted")
        .text()
        .await
        .expect("body");
    assert_eq!(body, ANSWER);
    assert_eq!(handshakes.load(Ordering::SeqCst), 1);
    connections.store(0, Ordering::SeqCst);

    let c = client(&endpoint, |_| {});
    let read = tokio::time::timeout(
        BOUND,
        c.describe_projects("ap-guangzhou", Priority::Interactive),
    )
    .await
    .expect("ends")
    .expect_err("refused");
    let ApiError::Transport { kind, detail, .. } = &read else {
        panic!("a transport error: {read:?}");
    };
    assert_eq!(*kind, TransportKind::Tls, "{read}");
    assert!(detail.contains("certificate"), "{detail}");
    assert!(read.to_string().contains("DescribeProjects"), "{read}");
    // Asking again would get the same certificate: one attempt, no handshake completed.
    assert_eq!(connections.load(Ordering::SeqCst), 1);

    let mutation = tokio::time::timeout(BOUND, c.terminate_run_group(&scope(), "run-x"))
        .await
        .expect("ends")
        .expect_err("refused");
    // Nothing was sent, so the outcome is known: not done.
    assert!(
        matches!(
            mutation,
            ApiError::Transport {
                kind: TransportKind::Tls,
                ..
            }
        ),
        "{mutation:?}"
    );
    assert!(!mutation.outcome_unknown());
    assert_eq!(connections.load(Ordering::SeqCst), 2);
    assert_eq!(
        handshakes.load(Ordering::SeqCst),
        1,
        "only the trusting client's"
    );
}

/// A server that accepts connections and reads requests but never answers.
async fn silent_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let requests = Arc::new(AtomicUsize::new(0));
    let r = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let r = r.clone();
            tokio::spawn(async move {
                read_head(&mut sock).await;
                r.fetch_add(1, Ordering::SeqCst);
                // Hold the connection open, silent, until the client leaves.
                let mut sink = [0u8; 1024];
                while matches!(sock.read(&mut sink).await, Ok(n) if n > 0) {}
            });
        }
    });
    (port, requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_times_out_and_a_mutation_is_not_resent() {
    let (port, requests) = silent_server().await;
    let c = client(&format!("http://127.0.0.1:{port}"), |cfg| {
        cfg.request_timeout = Duration::from_millis(300);
        cfg.read_attempts = 2;
    });
    let read = tokio::time::timeout(
        BOUND,
        c.describe_projects("ap-guangzhou", Priority::Interactive),
    )
    .await
    .expect("the request timeout ends it")
    .expect_err("no answer");
    assert!(
        matches!(
            read,
            ApiError::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{read:?}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 2, "a read is retried");

    let mutation = tokio::time::timeout(BOUND, c.terminate_run_group(&scope(), "run-x"))
        .await
        .expect("the request timeout ends it")
        .expect_err("no answer");
    assert!(
        matches!(
            mutation,
            ApiError::OutcomeUnknown {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{mutation:?}"
    );
    assert_eq!(
        requests.load(Ordering::SeqCst),
        3,
        "a mutation is sent once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_never_opens_hits_the_connect_timeout() {
    // A listener whose accept queue is full: the kernel drops further SYNs, so a connect
    // neither succeeds nor fails until the client gives up.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let addr = socket.local_addr().expect("addr");
    let _listener = socket.listen(0).expect("listen");
    let mut fillers = Vec::new();
    loop {
        assert!(fillers.len() < 64, "the accept queue never filled");
        match tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => fillers.push(s),
            Ok(Err(e)) => panic!("filler connect failed: {e}"),
            Err(_) => break,
        }
    }
    let c = client(&format!("http://{addr}"), |cfg| {
        cfg.connect_timeout = Duration::from_millis(300);
        cfg.read_attempts = 1;
    });
    let mutation = tokio::time::timeout(BOUND, c.terminate_run_group(&scope(), "run-x"))
        .await
        .expect("the connect timeout ends it")
        .expect_err("never connected");
    let ApiError::Transport { kind, detail, .. } = &mutation else {
        panic!("nothing was sent, so the outcome is known: {mutation:?}");
    };
    assert_eq!(*kind, TransportKind::Connect, "{mutation}");
    assert!(detail.contains("timed out"), "{detail}");
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_to_another_host_needs_the_flag_and_warns() {
    // Both runs stop before any request: the first at the endpoint, the second at
    // read-only mode, so no traffic leaves this machine.
    let omtop = common::bin::Omtop::new("http://omics.example.com", "AKIDxxxxxxxxxxxx", "k");
    let out = omtop.run(&["groups"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", common::bin::stderr(&out));
    let err = common::bin::stderr(&out);
    assert!(
        err.contains("http://omics.example.com") && err.contains("--insecure-http"),
        "{err}"
    );
    let out = omtop
        .run(&[
            "--insecure-http",
            "--read-only",
            "terminate",
            "run-x",
            "--yes",
        ])
        .await;
    let err = common::bin::stderr(&out);
    assert!(
        err.contains("warning") && err.contains("plain http"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(2), "{err}");

    // A file URL from the service gets the same rule.
    let c = client("https://omics.example.com", |_| {});
    let e = c
        .download("http://cos.example.com/nextflow.log")
        .await
        .expect_err("refused");
    assert!(e.to_string().contains("refusing"), "{e}");
}

/// A fake CVM metadata service handing out each of `creds` (id, key, token, seconds to
/// expiry) once, in order.
async fn metadata_service(
    creds: Vec<(&'static str, &'static str, &'static str, i64)>,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        for (id, key, token, expires_in) in creds {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            read_head(&mut sock).await;
            h.fetch_add(1, Ordering::SeqCst);
            let expiry = chrono::Utc::now().timestamp() + expires_in;
            let body = format!(
                r#"{{"TmpSecretId":"{id}","TmpSecretKey":"{key}","Token":"{token}","ExpiredTime":{expiry},"Code":"Success"}}"#
            );
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    (base, hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_credentials_are_refreshed_before_they_expire() {
    let first = (
        "AKIDtemporaryFirst00000000000000",
        "first-temporary-key",
        "first-session-token",
    );
    let second = (
        "AKIDtemporarySecond0000000000000",
        "second-temporary-key",
        "second-session-token",
    );
    let sim = common::sim(SimConfig {
        secret_id: first.0.into(),
        secret_key: first.1.into(),
        token: Some(first.2.into()),
        ..SimConfig::default()
    })
    .await;
    // The first credentials have two minutes left: inside the five-minute margin.
    let (base, hits) = metadata_service(vec![
        (first.0, first.1, first.2, 120),
        (second.0, second.1, second.2, 3600),
    ])
    .await;
    let provider = CredentialProvider::instance_role("omics-runner", base);
    let mut cfg = ClientConfig::new(
        reqwest::Url::parse(&sim.endpoint()).expect("url"),
        Arc::new(provider),
    );
    cfg.read_attempts = 1;
    let c = Client::new(cfg).expect("client");
    let projects = c
        .describe_projects("ap-guangzhou", Priority::Interactive)
        .await
        .expect("the first credentials, token included, are accepted");
    assert!(!projects.is_empty());
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // Without the token, or with the replaced credentials, the sim refuses.
    let without_token = client(&sim.endpoint(), |cfg| {
        cfg.credentials = Arc::new(KeyMaterial {
            secret_id: first.0.into(),
            secret_key: first.1.into(),
            token: None,
        });
        cfg.read_attempts = 1;
    });
    let e = without_token
        .describe_projects("ap-guangzhou", Priority::Interactive)
        .await
        .expect_err("token required");
    assert_eq!(e.code(), Some("AuthFailure.TokenFailure"), "{e}");
    sim.rotate_credentials(second.0, second.1, Some(second.2));
    let stale = client(&sim.endpoint(), |cfg| {
        cfg.credentials = Arc::new(KeyMaterial {
            secret_id: first.0.into(),
            secret_key: first.1.into(),
            token: Some(first.2.into()),
        });
        cfg.read_attempts = 1;
    });
    assert!(
        stale
            .describe_projects("ap-guangzhou", Priority::Interactive)
            .await
            .is_err()
    );

    // The client asks the provider each time it signs; near expiry it fetches new ones.
    c.describe_projects("ap-guangzhou", Priority::Interactive)
        .await
        .expect("refreshed credentials are accepted");
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    c.describe_projects("ap-guangzhou", Priority::Interactive)
        .await
        .expect("still accepted");
    assert_eq!(hits.load(Ordering::SeqCst), 2, "fresh ones are kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_a_certificate_it_does_not_accept() {
    let (port, _, connections, handshakes) = self_signed_server().await;
    let endpoint = format!("https://127.0.0.1:{port}");
    let user = common::bin::Omtop::new(&endpoint, "AKIDsomeone000000000000000000000", "k");
    let out = tokio::time::timeout(BOUND, user.run(&["doctor", "--json"]))
        .await
        .expect("ends");
    assert_eq!(out.status.code(), Some(1), "{}", common::bin::stderr(&out));
    let report = common::bin::json(&out);
    let checks = report["Checks"].as_array().expect("checks");
    let endpoint_check = checks
        .iter()
        .find(|c| c["Check"] == "endpoint")
        .expect("an endpoint check");
    assert_eq!(endpoint_check["Verdict"], "fail");
    assert!(
        endpoint_check["Detail"]
            .as_str()
            .is_some_and(|d| d.contains("TLS certificate not accepted")),
        "{endpoint_check}"
    );
    assert!(
        endpoint_check["Fix"]
            .as_str()
            .is_some_and(|f| f.contains("no proxy intercepts TLS")),
        "{endpoint_check}"
    );
    // Nothing signed was tried over a connection omtop did not trust.
    assert!(
        checks
            .iter()
            .any(|c| c["Check"] == "service" && c["Verdict"] == "skip")
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    assert_eq!(handshakes.load(Ordering::SeqCst), 0);
}
