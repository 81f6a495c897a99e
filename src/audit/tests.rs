use super::*;

fn context() -> Context {
    Context {
        origin: "cli".into(),
        profile: "default".into(),
        credentials: "environment (TENCENTCLOUD_SECRET_ID)".into(),
        endpoint: "https://omics.tencentcloudapi.com/".into(),
    }
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("log")
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn intents_and_results_are_appended_and_paired() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = file_in(&dir.path().join("new").join("data"));
    let log = AuditLog::new(Ok(path.clone()), context());
    let params = serde_json::json!({"RunGroupId": "run-1", "ProjectId": "prj-1"});
    let first = log
        .intent("TerminateRunGroup", "ap-guangzhou", &params)
        .await
        .expect("intent");
    // Written before anything else happens.
    assert_eq!(lines(&path).len(), 1);
    let second = log
        .intent(
            "RetryRuns",
            "ap-shanghai",
            &serde_json::json!({"RunGroupId": "run-2"}),
        )
        .await
        .expect("intent");
    let third = log
        .intent(
            "RunApplication",
            "ap-guangzhou",
            &serde_json::json!({"Name": "x"}),
        )
        .await
        .expect("intent");
    log.result(
        &first,
        "TerminateRunGroup",
        Outcome::ok("req-1".into(), None),
    )
    .await
    .expect("result");
    let unknown = Outcome::failed(
        Status::OutcomeUnknown,
        None,
        "connection broken".into(),
        None,
    );
    log.result(&second, "RetryRuns", unknown)
        .await
        .expect("result");
    let before = lines(&path);
    assert_eq!(before.len(), 5);

    // A second process appends to the same file; nothing earlier is rewritten.
    let other = AuditLog::new(Ok(path.clone()), context());
    other
        .result(
            &third,
            "RunApplication",
            Outcome::ok("req-3".into(), Some("run-9".into())),
        )
        .await
        .expect("result");
    let after = lines(&path);
    assert_eq!(after.len(), 6);
    assert_eq!(after[..5], before[..]);

    let (entries, bad) = read(&path).expect("reads");
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].intent.params, params);
    assert_eq!(entries[0].intent.context, context());
    assert_eq!(entries[0].status(), Status::Ok);
    assert_eq!(
        entries[0]
            .result
            .as_ref()
            .and_then(|r| r.request_id.as_deref()),
        Some("req-1")
    );
    assert_eq!(entries[1].status(), Status::OutcomeUnknown);
    assert_eq!(entries[1].intent.region, "ap-shanghai");
    assert_eq!(
        entries[2]
            .result
            .as_ref()
            .and_then(|r| r.run_group_id.as_deref()),
        Some("run-9")
    );
}

#[tokio::test]
async fn an_intent_without_result_and_a_torn_line_are_told_apart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = file_in(dir.path());
    let log = AuditLog::new(Ok(path.clone()), context());
    log.intent("TerminateRunGroup", "ap-guangzhou", &serde_json::json!({}))
        .await
        .expect("intent");
    // As if killed in the middle of writing the next line.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open");
    f.write_all(b"{\"event\":\"intent\",\"ti").expect("write");
    let (entries, bad) = read(&path).expect("reads");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].status(), Status::NoResult);
    assert_eq!(bad, vec![2]);
    assert_eq!(
        read(&dir.path().join("none")).expect("absent"),
        (vec![], vec![])
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = file_in(dir.path());
    let log = AuditLog::new(Ok(path.clone()), context());
    log.intent("RetryRuns", "ap-guangzhou", &serde_json::json!({}))
        .await
        .expect("intent");
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn an_unwritable_log_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A directory where the file should be.
    let path = file_in(dir.path());
    std::fs::create_dir(&path).expect("dir");
    let log = AuditLog::new(Ok(path.clone()), context());
    let e = log
        .intent("RetryRuns", "ap-guangzhou", &serde_json::json!({}))
        .await
        .expect_err("cannot write");
    assert!(e.contains(&path.display().to_string()), "{e}");
    let none = AuditLog::new(Err("no data directory".into()), context());
    let e = none
        .intent("RetryRuns", "ap-guangzhou", &serde_json::json!({}))
        .await
        .expect_err("no path");
    assert!(e.contains("no data directory"), "{e}");
}

#[tokio::test]
async fn a_git_token_is_recorded_only_as_stars() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = file_in(dir.path());
    let log = AuditLog::new(Ok(path.clone()), context());
    let params = serde_json::json!({"Name": "wf", "GitSource": {
        "GitHttpPath": "https://example.com/x.git", "GitTokenOrPassword": "ghp_secret"}});
    log.intent("RunWorkflow", "ap-guangzhou", &params)
        .await
        .expect("intent");
    let text = std::fs::read_to_string(&path).expect("log");
    assert!(!text.contains("ghp_secret"), "{text}");
    let (entries, _) = read(&path).expect("entries");
    assert_eq!(
        entries[0].intent.params["GitSource"],
        serde_json::json!({"GitHttpPath": "https://example.com/x.git", "GitTokenOrPassword": "***"})
    );
}
