//! With known credentials and a session token, every CLI command and a dashboard session run
//! at trace level, succeed, fail and panic; then everything omtop printed, drew or wrote is
//! searched: the secret key and the token never appear, in any common encoding. Files
//! holding secrets that others can read are warned about; what omtop writes is 0600.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use common::bin::{Omtop, stderr, stdout};
use common::pty::Session;
use omtop::sim::{OneShotFault, SimConfig};

const SECRET_ID: &str = "AKIDleakTest0000000000000000abcd";
const KEY: &str = "omtopS3cr3t+Key/ForLeakTests=0123";
const TOKEN: &str = "omtopSess10n+Token/ForLeakTests==xyz";
const WRONG_KEY: &str = "omtopWr0ng+Key/ForLeakTests=4567";
const WRONG_TOKEN: &str = "omtopWr0ng+Token/ForLeakTests==abc";

/// Everything to search, by where it came from.
#[derive(Default)]
struct Haystack {
    blobs: Vec<(String, Vec<u8>)>,
    commands: usize,
}

impl Haystack {
    fn add(&mut self, label: impl Into<String>, bytes: Vec<u8>) {
        self.blobs.push((label.into(), bytes));
    }

    fn output(&mut self, label: &str, o: &Output) {
        self.commands += 1;
        self.add(format!("{label}: stdout"), o.stdout.clone());
        self.add(format!("{label}: stderr"), o.stderr.clone());
    }

    fn bytes(&self) -> usize {
        self.blobs.iter().map(|(_, b)| b.len()).sum()
    }
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Each secret raw, percent-encoded, base64, hex, and its first and last 12 characters
/// (a leak cut short).
fn needles() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, s) in [
        ("key", KEY),
        ("token", TOKEN),
        ("wrong key", WRONG_KEY),
        ("wrong token", WRONG_TOKEN),
    ] {
        let b64 = base64::engine::general_purpose::STANDARD.encode(s);
        for (form, text) in [
            ("raw", s.to_string()),
            ("percent-encoded", percent(s)),
            ("base64", b64),
            ("hex", hex::encode(s)),
            ("head", s[..12].to_string()),
            ("tail", s[s.len() - 12..].to_string()),
        ] {
            out.push((format!("{name} ({form})"), text.into_bytes()));
        }
    }
    out
}

fn found(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Every file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Runs `omtop --log-level trace <args>`.
async fn run(omtop: &Omtop, args: &[&str], extra: &[(&str, &str)], hay: &mut Haystack) -> Output {
    let mut full = vec!["--log-level", "trace"];
    full.extend_from_slice(args);
    let mut cmd = omtop.command(&full);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().await.expect("omtop runs");
    hay.output(&format!("{extra:?} omtop {}", args.join(" ")), &out);
    out
}

fn dashboard(omtop: &Omtop, region: &str, group: &str) -> Vec<u8> {
    let mut cmd = portable_pty::CommandBuilder::new(env!("CARGO_BIN_EXE_omtop"));
    cmd.env_clear();
    cmd.env("TERM", "xterm-256color");
    for (k, v) in &omtop.env {
        cmd.env(k, v);
    }
    cmd.env("HOME", omtop.home.path());
    cmd.env(omtop::TEST_PANIC_ENV, "1");
    cmd.env("RUST_BACKTRACE", "1");
    cmd.args([
        "--endpoint",
        &omtop.endpoint,
        "--log-level",
        "trace",
        "--region",
        region,
    ]);
    let mut s = Session::spawn(cmd, 120, 36);
    s.wait_for("Projects");
    s.send(&format!(":group {group}\r"));
    s.wait_for("Runs");
    // A retry that succeeds.
    s.send("r");
    s.wait_for("Resume with call cache");
    s.send("\r");
    s.wait_for("new run group");
    // A terminate that fails (InternalError is injected).
    s.send(&format!(":group {group}\r"));
    s.send("t");
    s.wait_for("cannot be undone");
    s.send("\r");
    s.wait_for("InternalError");
    s.send("\u{1b}");
    // A panic, forced.
    s.send(":panic\r");
    assert_eq!(
        s.wait_exit().exit_code(),
        101,
        "the dashboard panicked:\n{}",
        s.text()
    );
    s.raw()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_key_and_token_never_appear() {
    let sim = common::sim(SimConfig {
        secret_id: SECRET_ID.into(),
        secret_key: KEY.into(),
        token: Some(TOKEN.into()),
        ..SimConfig::default()
    })
    .await;
    let lm = sim.landmarks();
    let mut omtop = Omtop::new(&sim.endpoint(), SECRET_ID, KEY);
    omtop.set("TENCENTCLOUD_TOKEN", TOKEN);
    let mut hay = Haystack::default();

    sim.inject_next("TerminateRunGroup", OneShotFault::InternalError);
    let (pty_omtop, region, group) = (omtop, lm.region.clone(), lm.running_group.clone());
    let (omtop, screen) = tokio::task::spawn_blocking(move || {
        let raw = dashboard(&pty_omtop, &region, &group);
        (pty_omtop, raw)
    })
    .await
    .expect("dashboard session");
    hay.add("dashboard pty", screen);
    hay.commands += 1;

    let g = lm.running_group.as_str();
    let commands: Vec<Vec<&str>> = vec![
        vec!["projects"],
        vec!["groups"],
        vec!["runs", "--group", g],
        vec!["calls", &lm.failed_run],
        vec!["calls", &lm.failed_run, &lm.failed_task_path],
        vec!["status", &lm.failed_run],
        vec!["logs", &lm.nextflow_run],
        vec![
            "logs",
            &lm.failed_run,
            "--job",
            &lm.failed_job_id,
            "--path",
            &lm.failed_task_path,
            "--stderr",
        ],
        vec!["terminate", g, "--yes"],
        vec!["retry", "--group", g, "--yes"],
        vec![
            "launch",
            "--app",
            &lm.application,
            "--name",
            "leak-test",
            "--env",
            &lm.environment,
            "--input-json",
            "{}",
            "--yes",
        ],
        vec!["watch", g, "--interval", "1"],
        vec!["audit"],
    ];
    for args in &commands {
        let out = run(&omtop, args, &[], &mut hay).await;
        let ok = if args[0] == "watch" { 4 } else { 0 };
        assert_eq!(out.status.code(), Some(ok), "{args:?}: {}", stderr(&out));
    }
    // The mutations again, failing: outcome unknown, and internal errors.
    sim.inject_next("TerminateRunGroup", OneShotFault::InternalError);
    sim.inject_next("RetryRuns", OneShotFault::DropAfter);
    sim.inject_next("RunApplication", OneShotFault::InternalError);
    for args in &commands[8..11] {
        let out = run(&omtop, args, &[], &mut hay).await;
        assert_eq!(out.status.code(), Some(5), "{args:?}: {}", stderr(&out));
    }
    // Every command again, panicking after it ran, JSON out.
    let panic = [(omtop::TEST_PANIC_ENV, "1"), ("RUST_BACKTRACE", "1")];
    for args in &commands {
        let mut json = vec!["--json"];
        json.extend_from_slice(args);
        let out = run(&omtop, &json, &panic, &mut hay).await;
        assert_eq!(out.status.code(), Some(101), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
    // Every command with a wrong key, then a wrong token: the service refuses each.
    for (name, value, code) in [
        (
            "TENCENTCLOUD_SECRET_KEY",
            WRONG_KEY,
            "AuthFailure.SignatureFailure",
        ),
        (
            "TENCENTCLOUD_TOKEN",
            WRONG_TOKEN,
            "AuthFailure.TokenFailure",
        ),
    ] {
        for args in commands.iter().filter(|a| a[0] != "audit") {
            // Without the cache: a finished run's reads would come from it, unasked.
            let mut uncached = vec!["--no-cache"];
            uncached.extend_from_slice(args);
            let out = run(&omtop, &uncached, &[(name, value)], &mut hay).await;
            assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
            assert!(stderr(&out).contains(code), "{args:?}: {}", stderr(&out));
        }
    }
    // doctor reports on the credentials themselves: right, then a wrong key and token.
    for (env, code) in [
        (&[][..], 0),
        (&[("TENCENTCLOUD_SECRET_KEY", WRONG_KEY)][..], 1),
        (&[("TENCENTCLOUD_TOKEN", WRONG_TOKEN)][..], 1),
    ] {
        for args in [&["doctor"][..], &["doctor", "--json"]] {
            let out = run(&omtop, args, env, &mut hay).await;
            assert_eq!(out.status.code(), Some(code), "{env:?}: {}", stdout(&out));
        }
    }
    // The simulator command, with the secrets in its environment.
    let mut sim_child = omtop
        .command(&["--log-level", "trace", "sim", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("omtop sim");
    let mut sim_out = Vec::new();
    {
        use tokio::io::AsyncReadExt;
        let mut pipe = sim_child.stdout.take().expect("stdout");
        let mut chunk = [0u8; 4096];
        while !found(&sim_out, b"Ctrl-C stops it") {
            let n = tokio::time::timeout(std::time::Duration::from_secs(20), pipe.read(&mut chunk))
                .await
                .expect("the simulator starts")
                .expect("read");
            assert!(n > 0, "the simulator ended early");
            sim_out.extend_from_slice(&chunk[..n]);
        }
    }
    sim_child.kill().await.expect("stop the simulator");
    hay.add("omtop sim: stdout", sim_out);
    hay.commands += 1;

    // The audit log has both origins, and the log file is not empty: the search means it.
    let log = std::fs::read_to_string(omtop.log_path()).expect("log file");
    assert!(
        log.contains("TRACE") && log.contains("AKID****abcd"),
        "{log}"
    );
    let audit = std::fs::read_to_string(omtop.audit_path()).expect("audit log");
    assert!(audit.contains("\"origin\":\"dashboard\"") && audit.contains("\"origin\":\"cli\""));
    for path in files(omtop.home.path()) {
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{} is private", path.display());
        hay.add(
            path.display().to_string(),
            std::fs::read(&path).expect("read"),
        );
    }

    files_with_secrets_are_warned_about(&sim, &mut hay).await;

    let needles = needles();
    let mut leaks = Vec::new();
    for (label, bytes) in &hay.blobs {
        for (what, needle) in &needles {
            if found(bytes, needle) {
                leaks.push(format!("{what} in {label}"));
            }
        }
    }
    println!(
        "searched {} blobs ({} bytes) from {} runs of omtop for {} forms of 4 secrets",
        hay.blobs.len(),
        hay.bytes(),
        hay.commands,
        needles.len()
    );
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

/// Credentials in a tccli profile, an SDK file and config.toml, each readable by others:
/// omtop warns, names the file and says how to fix it, and never shows the secret.
async fn files_with_secrets_are_warned_about(sim: &omtop::sim::SimHandle, hay: &mut Haystack) {
    let tccli = format!(r#"{{"secretId":"{SECRET_ID}","secretKey":"{KEY}","token":"{TOKEN}"}}"#);
    let sdk = format!("[default]\nsecret_id = {SECRET_ID}\nsecret_key = {KEY}\n");
    let toml = format!("[credentials]\nsecret_id = \"{SECRET_ID}\"\nsecret_key = \"{KEY}\"\n");
    let cases = [
        (".tccli/default.credential", tccli, true),
        (".tencentcloud/credentials", sdk, false),
        (".config/omtop/config.toml", toml, false),
    ];
    for (rel, contents, token) in cases {
        // The SDK file and config.toml hold no token: accept long-lived keys from now on.
        if !token {
            sim.rotate_credentials(SECRET_ID, KEY, None);
        }
        let mut omtop = Omtop::new(&sim.endpoint(), "", "");
        omtop.env.clear();
        let path = omtop.home.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
        std::fs::write(&path, &contents).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        // The search finds a secret where there is one.
        assert!(found(contents.as_bytes(), KEY.as_bytes()));

        let out = run(&omtop, &["groups"], &[], hay).await;
        assert!(out.status.success(), "{rel}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("warning")
                && err.contains(&path.display().to_string())
                && err.contains("chmod 600"),
            "{rel}: {err}"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let out = run(&omtop, &["groups"], &[], hay).await;
        assert!(out.status.success(), "{rel}: {}", stderr(&out));
        assert!(!stderr(&out).contains("warning"), "{rel}: {}", stderr(&out));

        // What omtop wrote there itself; the credentials file is left as it was.
        assert_eq!(std::fs::read_to_string(&path).expect("read"), contents);
        for written in files(omtop.home.path()).into_iter().filter(|p| *p != path) {
            let mode = std::fs::metadata(&written)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{} is private", written.display());
            hay.add(
                written.display().to_string(),
                std::fs::read(&written).expect("read"),
            );
        }
    }
}
