//! `omtop doctor` against the simulator: each thing that can be wrong is named, with its
//! fix, and the exit code is 0 only when every check passed.

mod common;

use common::bin::{Omtop, json, stderr, stdout};
use common::sim;
use omtop::sim::{Faults, SimConfig};
use serde_json::Value;

/// `omtop doctor` with `extra` arguments: its exit code, its `--json` report, and what it
/// prints for a person (stdout and stderr of a second run without `--json`).
async fn doctor(user: &Omtop, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args = vec!["doctor"];
    args.extend(extra);
    let text = user.run(&args).await;
    args.push("--json");
    let out = user.run(&args).await;
    assert_eq!(out.status.code(), text.status.code());
    (
        out.status.code(),
        json(&out),
        stdout(&text) + &stderr(&text),
    )
}

/// The check named `name` in a report.
fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["Checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["Check"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {report:#}"))
}

fn verdict(report: &Value, name: &str) -> String {
    check(report, name)["Verdict"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn failed(report: &Value) -> Vec<String> {
    report["Checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["Verdict"] == "fail")
        .map(|c| c["Check"].as_str().unwrap_or_default().to_string())
        .collect()
}

const READS: [&str; 7] = [
    "DescribeProjects",
    "DescribeRunGroups",
    "DescribeRuns",
    "GetRunCalls",
    "GetRunStatus",
    "GetRunMetadataFile",
    "GetRunJobLog",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_setup_passes_every_check() {
    let sim = sim(SimConfig::default()).await;
    let user = Omtop::for_sim(&sim);
    let (code, report, text) = doctor(&user, &[]).await;
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(report["Ok"], true);
    for c in report["Checks"].as_array().expect("checks") {
        assert_eq!(c["Verdict"], "ok", "{c}");
    }
    for name in [
        "config file",
        "credentials",
        "endpoint",
        "clock",
        "signature",
        "regions",
    ] {
        check(&report, name);
    }
    for action in READS {
        assert_eq!(verdict(&report, action), "ok");
    }
    let regions = check(&report, "regions")["Detail"]
        .as_str()
        .unwrap_or_default();
    assert!(
        regions.contains("ap-beijing, ap-guangzhou, ap-shanghai"),
        "{regions}"
    );
    assert!(
        check(&report, "credentials")["Detail"]
            .as_str()
            .is_some_and(|d| d.contains("AKID****0000") && d.contains("environment")),
        "{report:#}"
    );
    assert!(text.contains("all checks passed"), "{text}");
    assert!(!text.contains(&sim.secret_key()));
    // Reads only: nothing was changed.
    assert!(sim.stats().applied.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_is_named_with_its_fix() {
    let sim = sim(SimConfig::default()).await;
    let mut user = Omtop::for_sim(&sim);
    let wrong = "wrong-secret-key-0123456789abcdef";
    user.set("TENCENTCLOUD_SECRET_KEY", wrong);
    let (code, report, text) = doctor(&user, &[]).await;
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(failed(&report), ["signature"], "{report:#}");
    let sig = check(&report, "signature");
    assert!(
        sig["Detail"]
            .as_str()
            .is_some_and(|d| d.contains("AuthFailure.SignatureFailure")),
        "{sig}"
    );
    assert!(
        sig["Fix"].as_str().is_some_and(|f| f.contains("SecretKey")),
        "{sig}"
    );
    assert_eq!(verdict(&report, "reads"), "skip");
    assert!(text.contains("fix: the SecretKey"), "{text}");
    assert!(!text.contains(wrong) && !report.to_string().contains(wrong));

    // An unknown SecretId is told apart from a wrong SecretKey.
    user.set("TENCENTCLOUD_SECRET_ID", "AKIDnotAKeyTheServiceKnows000000");
    let (_, report, _) = doctor(&user, &[]).await;
    let sig = check(&report, "signature");
    assert!(
        sig["Detail"]
            .as_str()
            .is_some_and(|d| d.contains("SecretIdNotFound")),
        "{sig}"
    );
    assert!(
        sig["Fix"]
            .as_str()
            .is_some_and(|f| f.contains("SecretId AKID****0000 is unknown")),
        "{sig}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ten_minute_skew_is_named_with_its_fix() {
    let sim = sim(SimConfig {
        faults: Faults {
            clock_skew_secs: 600,
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .await;
    let user = Omtop::for_sim(&sim);
    let (code, report, text) = doctor(&user, &[]).await;
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(failed(&report), ["clock"], "{report:#}");
    let clock = check(&report, "clock");
    let detail = clock["Detail"].as_str().unwrap_or_default();
    assert!(
        ["599 s ahead", "600 s ahead", "601 s ahead"]
            .iter()
            .any(|d| detail.contains(d)),
        "{detail}"
    );
    assert!(
        clock["Fix"].as_str().is_some_and(|f| f.contains("NTP")),
        "{clock}"
    );
    // omtop itself corrects for the skew, so everything else still works.
    assert_eq!(verdict(&report, "signature"), "ok");
    assert_eq!(verdict(&report, "GetRunStatus"), "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_action_is_told_from_the_rest() {
    let sim = sim(SimConfig {
        faults: Faults {
            unauthorized: vec!["GetRunCalls".into()],
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .await;
    let user = Omtop::for_sim(&sim);
    let (code, report, text) = doctor(&user, &[]).await;
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(failed(&report), ["GetRunCalls"], "{report:#}");
    let refused = check(&report, "GetRunCalls");
    assert!(
        refused["Detail"]
            .as_str()
            .is_some_and(|d| d.contains("UnauthorizedOperation")),
        "{refused}"
    );
    assert!(
        refused["Fix"]
            .as_str()
            .is_some_and(|f| f.contains("allow omics:GetRunCalls")),
        "{refused}"
    );
    assert_eq!(verdict(&report, "signature"), "ok");
    assert!(
        text.contains("✖ GetRunCalls") && text.contains("1 check failed"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_region_is_named_with_the_regions_that_answer() {
    let sim = sim(SimConfig::default()).await;
    let user = Omtop::for_sim(&sim);
    let (code, report, text) = doctor(&user, &["--region", "ap-nanjing"]).await;
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(failed(&report), ["regions"], "{report:#}");
    let regions = check(&report, "regions");
    let detail = regions["Detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("ap-nanjing is configured but does not answer"),
        "{detail}"
    );
    assert!(
        detail.contains("ap-nanjing (UnsupportedRegion)"),
        "{detail}"
    );
    assert!(
        regions["Fix"]
            .as_str()
            .is_some_and(|f| f.contains("--region ap-guangzhou")),
        "{regions}"
    );
    // The settings say why it was used at all; the reads went on in a region that answers.
    assert_eq!(verdict(&report, "settings"), "warn");
    assert_eq!(verdict(&report, "DescribeRuns"), "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_are_looked_for_and_their_file_must_be_private() {
    let sim = sim(SimConfig::default()).await;
    let mut user = Omtop::for_sim(&sim);
    user.env.retain(|(k, _)| !k.starts_with("TENCENTCLOUD_"));
    // None anywhere: said so, with the places looked at; the endpoint is still checked.
    let (code, report, text) = doctor(&user, &[]).await;
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(failed(&report), ["credentials"], "{report:#}");
    let creds = check(&report, "credentials");
    assert!(
        creds["Detail"]
            .as_str()
            .is_some_and(|d| d.contains("none found; looked at: environment")),
        "{creds}"
    );
    assert!(
        creds["Fix"]
            .as_str()
            .is_some_and(|f| f.contains("TENCENTCLOUD_SECRET_ID")),
        "{creds}"
    );
    assert_eq!(verdict(&report, "endpoint"), "ok");
    assert_eq!(verdict(&report, "clock"), "ok");

    // A tccli profile others can read.
    let dir = user.home.path().join(".tccli");
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("default.credential");
    std::fs::write(
        &file,
        format!(
            r#"{{"secretId": "{}", "secretKey": "{}"}}"#,
            sim.secret_id(),
            sim.secret_key()
        ),
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let (code, report, text) = doctor(&user, &[]).await;
        assert_eq!(code, Some(1), "{text}");
        assert_eq!(failed(&report), ["credentials file"], "{report:#}");
        let mode = check(&report, "credentials file");
        assert!(
            mode["Detail"]
                .as_str()
                .is_some_and(|d| d.contains("mode 644")),
            "{mode}"
        );
        assert_eq!(mode["Fix"], format!("run `chmod 600 {}`", file.display()));
        assert!(
            check(&report, "credentials")["Detail"]
                .as_str()
                .is_some_and(|d| d.contains("tccli profile 'default'"))
        );
        assert!(!text.contains(&sim.secret_key()));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let (code, _, text) = doctor(&user, &[]).await;
        assert_eq!(code, Some(0), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_file_that_does_not_parse_is_named_first() {
    let sim = sim(SimConfig::default()).await;
    let user = Omtop::for_sim(&sim);
    let dir = user.home.path().join(".config/omtop");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("config.toml"),
        "region = \"ap-guangzhou\"\nrate_limit = [\n",
    )
    .expect("write");
    let (code, report, text) = doctor(&user, &[]).await;
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(failed(&report), ["config file"], "{report:#}");
    let c = check(&report, "config file");
    assert!(
        c["Detail"].as_str().is_some_and(|d| d.contains("line 2")),
        "{c}"
    );
    assert!(
        c["Fix"]
            .as_str()
            .is_some_and(|f| f.contains("omtop config init")),
        "{c}"
    );
    assert_eq!(verdict(&report, "service"), "skip");
    assert_eq!(
        sim.stats().received.values().sum::<u64>(),
        0,
        "nothing was asked"
    );
}
