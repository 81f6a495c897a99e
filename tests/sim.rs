//! The simulator over real HTTP, with a small signer built on `omtop::api::sign`.

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use omtop::api::sign::{self, SignInput};
use omtop::sim::{self, Faults, OneShotFault, Scale, SimConfig, SimHandle};
use serde_json::{Value, json};

/// How a test request is signed.
#[derive(Clone)]
struct Opts {
    content_type: &'static str,
    sign_action: bool,
    region: Option<&'static str>,
    version: &'static str,
    /// Seconds added to the local clock for X-TC-Timestamp.
    skew: i64,
    key: Option<String>,
}

impl Default for Opts {
    fn default() -> Self {
        Self {
            content_type: "application/json",
            sign_action: false,
            region: Some("ap-guangzhou"),
            version: "2022-11-28",
            skew: 0,
            key: None,
        }
    }
}

struct Client {
    http: reqwest::Client,
    endpoint: String,
    host: String,
    id: String,
    key: String,
}

impl Client {
    fn new(sim: &SimHandle) -> Self {
        Self {
            http: reqwest::Client::new(),
            endpoint: sim.endpoint(),
            host: sim.addr().to_string(),
            id: sim.secret_id().to_string(),
            key: sim.secret_key().to_string(),
        }
    }

    async fn send(
        &self,
        action: &str,
        body: &Value,
        o: &Opts,
    ) -> reqwest::Result<reqwest::Response> {
        let payload = body.to_string();
        let ts = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
            + o.skew;
        let mut signed = vec![
            ("content-type", o.content_type),
            ("host", self.host.as_str()),
        ];
        if o.sign_action {
            signed.push(("x-tc-action", action));
        }
        let key = o.key.clone().unwrap_or_else(|| self.key.clone());
        let sig = sign::sign(
            &SignInput {
                method: "POST",
                query: "",
                headers: &signed,
                payload: payload.as_bytes(),
                service: "omics",
                timestamp: ts,
            },
            &key,
        );
        let mut req = self
            .http
            .post(&self.endpoint)
            .header("Content-Type", o.content_type)
            .header("X-TC-Action", action)
            .header("X-TC-Version", o.version)
            .header("X-TC-Timestamp", ts.to_string())
            .header("Authorization", sign::authorization(&self.id, &sig))
            .body(payload);
        if let Some(r) = o.region {
            req = req.header("X-TC-Region", r);
        }
        req.send().await
    }

    /// A GET with the parameters in the query string, signed over it as TC3 does; `sent`
    /// is the query actually sent (to tamper with it after signing).
    async fn get(
        &self,
        action: &str,
        query: &str,
        sent: Option<&str>,
        content_type: &str,
    ) -> Value {
        let ts = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let signed = [("content-type", content_type), ("host", self.host.as_str())];
        let sig = sign::sign(
            &SignInput {
                method: "GET",
                query,
                headers: &signed,
                payload: b"",
                service: "omics",
                timestamp: ts,
            },
            &self.key,
        );
        let v: Value = self
            .http
            .get(format!("{}/?{}", self.endpoint, sent.unwrap_or(query)))
            .header("Content-Type", content_type)
            .header("X-TC-Action", action)
            .header("X-TC-Version", "2022-11-28")
            .header("X-TC-Timestamp", ts.to_string())
            .header("X-TC-Region", "ap-guangzhou")
            .header("Authorization", sign::authorization(&self.id, &sig))
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("JSON");
        v["Response"].clone()
    }

    /// `Response` of an action signed the usual way.
    async fn call(&self, action: &str, body: Value) -> Value {
        self.call_with(action, body, &Opts::default()).await
    }

    async fn call_with(&self, action: &str, body: Value, o: &Opts) -> Value {
        let resp = self.send(action, &body, o).await.expect("answer");
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.expect("JSON");
        let r = v["Response"].clone();
        assert!(
            r["RequestId"].as_str().is_some_and(|id| id.len() == 36),
            "{v}"
        );
        r
    }
}

fn code(r: &Value) -> &str {
    r["Error"]["Code"].as_str().unwrap_or("")
}

async fn start(cfg: SimConfig) -> (SimHandle, Client) {
    let sim = sim::start(cfg).await.expect("sim starts");
    let client = Client::new(&sim);
    (sim, client)
}

#[tokio::test]
async fn signed_requests_with_either_header_set_succeed() {
    let (sim, c) = start(SimConfig::default()).await;
    let r = c.call("DescribeRunGroups", json!({})).await;
    assert!(r["TotalCount"].as_i64().is_some_and(|n| n > 0), "{r}");
    let spec = Opts {
        content_type: "application/json; charset=utf-8",
        sign_action: true,
        ..Opts::default()
    };
    let r = c
        .call_with("DescribeRunGroups", json!({"Limit": 2}), &spec)
        .await;
    assert_eq!(r["RunGroups"].as_array().map(Vec::len), Some(2), "{r}");
    assert_eq!(sim.stats().received["DescribeRunGroups"], 2);
}

#[tokio::test]
async fn auth_failures() {
    let (sim, c) = start(SimConfig::default()).await;
    let bad = Opts {
        key: Some("wrong".into()),
        ..Opts::default()
    };
    assert_eq!(
        code(&c.call_with("DescribeRuns", json!({}), &bad).await),
        "AuthFailure.SignatureFailure"
    );
    let stale = Opts {
        skew: -400,
        ..Opts::default()
    };
    assert_eq!(
        code(&c.call_with("DescribeRuns", json!({}), &stale).await),
        "AuthFailure.SignatureExpire"
    );
    let other = Client {
        id: "AKIDnobody".into(),
        ..Client::new(&sim)
    };
    assert_eq!(
        code(&other.call("DescribeRuns", json!({})).await),
        "AuthFailure.SecretIdNotFound"
    );
    let resp = c
        .http
        .post(&c.endpoint)
        .header("X-TC-Action", "DescribeRuns")
        .header("X-TC-Version", "2022-11-28")
        .body("{}")
        .send()
        .await
        .expect("answer");
    let v: Value = resp.json().await.expect("JSON");
    assert_eq!(code(&v["Response"]), "AuthFailure.InvalidAuthorization");
    assert_eq!(sim.stats().auth_failures, 4);
    assert!(sim.stats().received.is_empty());
}

#[tokio::test]
async fn a_client_that_follows_the_date_header_survives_clock_skew() {
    let cfg = SimConfig {
        faults: Faults {
            clock_skew_secs: 600,
            ..Faults::default()
        },
        ..SimConfig::default()
    };
    let (_sim, c) = start(cfg).await;
    let resp = c
        .send("DescribeRunGroups", &json!({}), &Opts::default())
        .await
        .expect("answer");
    let date = resp.headers()["date"].to_str().expect("ascii").to_string();
    let v: Value = resp.json().await.expect("JSON");
    assert_eq!(code(&v["Response"]), "AuthFailure.SignatureExpire");
    let server = httpdate::parse_http_date(&date).expect("HTTP date");
    let offset = server
        .duration_since(SystemTime::now())
        .map(|d| d.as_secs() as i64 + 1)
        .unwrap_or(0);
    assert!((590..=610).contains(&offset), "{offset}");
    let r = c
        .call_with(
            "DescribeRunGroups",
            json!({}),
            &Opts {
                skew: offset,
                ..Opts::default()
            },
        )
        .await;
    assert!(r["Error"].is_null(), "{r}");
}

#[tokio::test]
async fn parameters_are_checked_as_the_spec_says() {
    let (sim, c) = start(SimConfig::default()).await;
    let r = c.call("DescribeRuns", json!({"Limit": 101})).await;
    assert_eq!(code(&r), "InvalidParameterValue");
    assert!(
        r["Error"]["Message"]
            .as_str()
            .unwrap_or("")
            .contains("Limit")
    );
    let r = c
        .call(
            "DescribeRunGroups",
            json!({"Filters": [{"Name": "Colour", "Values": ["red"]}]}),
        )
        .await;
    assert_eq!(code(&r), "InvalidParameterValue");
    assert!(
        r["Error"]["Message"]
            .as_str()
            .unwrap_or("")
            .contains("Colour")
    );
    assert_eq!(
        code(&c.call("DescribeRuns", json!({"Limit": "ten"})).await),
        "InvalidParameter"
    );
    assert_eq!(
        code(&c.call("DescribeRuns", json!({"Colour": 1})).await),
        "UnknownParameter"
    );
    assert_eq!(
        code(&c.call("GetRunCalls", json!({"Path": "/"})).await),
        "MissingParameter"
    );
    assert_eq!(
        code(
            &c.call("DescribeRuns", json!({"ProjectId": "prj-none"}))
                .await
        ),
        "ResourceNotFound.ProjectNotExist"
    );
    let eu = Opts {
        region: Some("eu-frankfurt"),
        ..Opts::default()
    };
    assert_eq!(
        code(&c.call_with("DescribeRuns", json!({}), &eu).await),
        "UnsupportedRegion"
    );
    let none = Opts {
        region: None,
        ..Opts::default()
    };
    assert_eq!(
        code(&c.call_with("DescribeRuns", json!({}), &none).await),
        "MissingParameter"
    );
    let old = Opts {
        version: "2021-01-01",
        ..Opts::default()
    };
    assert_eq!(
        code(&c.call_with("DescribeRuns", json!({}), &old).await),
        "NoSuchVersion"
    );
    assert_eq!(
        code(&c.call("DescribeEverything", json!({})).await),
        "InvalidAction"
    );
    let v: Value = c
        .http
        .put(&c.endpoint)
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(code(&v["Response"]), "UnsupportedProtocol");
    // A nested required field is named by its path.
    let r = c
        .call(
            "RetryRuns",
            json!({"RunGroupId": "run-x", "WDLOption": {"UseCallCache": true}}),
        )
        .await;
    assert_eq!(code(&r), "MissingParameter");
    assert!(
        r["Error"]["Message"]
            .as_str()
            .unwrap_or("")
            .contains("`WDLOption.FailureMode`"),
        "{r}"
    );
    // Filters: AND across, OR within; Name by substring.
    let r = c
        .call("DescribeRunGroups", json!({"Limit": 100, "Filters": [
            {"Name": "Name", "Values": ["germline", "rnaseq"]}, {"Name": "Status", "Values": ["RUNNING"]}]}))
        .await;
    let groups = r["RunGroups"].as_array().cloned().unwrap_or_default();
    assert!(groups.len() >= 2, "{r}");
    assert!(groups.iter().all(|g| g["Status"] == "RUNNING"));
    // Requests the reference refuses are recorded, whatever they were answered.
    let seen = sim.take_violations().join("\n");
    for expected in [
        "DescribeRuns: InvalidParameter: The parameter `Limit` must be an integer.",
        "DescribeRuns: UnknownParameter: The parameter `Colour` is not recognized.",
        "GetRunCalls: MissingParameter: The request is missing a required parameter `RunUuid`.",
        "RetryRuns: MissingParameter: The request is missing a required parameter `WDLOption.FailureMode`.",
    ] {
        assert!(seen.contains(expected), "{expected} not in:\n{seen}");
    }
}

#[tokio::test]
async fn get_requests_carry_typed_parameters_in_the_signed_query() {
    const FORM: &str = "application/x-www-form-urlencoded";
    let (sim, c) = start(SimConfig::default()).await;
    let lm = sim.landmarks();
    let query = format!(
        "Limit=5&Offset=0&Filters.0.Name=RunGroupId&Filters.0.Values.0={}",
        lm.running_group
    );
    let r = c.get("DescribeRuns", &query, None, FORM).await;
    let runs = r["Runs"].as_array().cloned().unwrap_or_default();
    assert!(r["TotalCount"].as_i64().is_some_and(|n| n > 5), "{r}");
    assert_eq!(runs.len(), 5, "Limit=5 read as the integer 5: {r}");
    assert!(
        runs.iter()
            .all(|x| x["RunGroupId"] == lm.running_group.as_str())
    );
    // A nested option, its boolean written as text, as the SDKs flatten it.
    let r = c
        .get(
            "RetryRuns",
            &format!(
                "RunUuids.0={}&WDLOption.FailureMode=NoNewCalls&WDLOption.UseCallCache=true&WDLOption.UseErrorOnHold=false",
                lm.failed_run
            ),
            None,
            FORM,
        )
        .await;
    assert!(r["RunGroupId"].as_str().is_some(), "{r}");
    // The signature covers the query: changing it after signing is refused.
    let r = c
        .get("DescribeRuns", "Limit=5", Some("Limit=6"), FORM)
        .await;
    assert_eq!(code(&r), "AuthFailure.SignatureFailure");
    // Text where the reference wants an integer, and a GET that says it carries JSON.
    let r = c.get("DescribeRuns", "Limit=five", None, FORM).await;
    assert_eq!(code(&r), "InvalidParameter");
    let r = c
        .get("DescribeRuns", "Limit=5", None, "application/json")
        .await;
    assert_eq!(code(&r), "InvalidParameter");
    let r = c
        .get(
            "DescribeRuns",
            "Filters.1.Name=Status&Filters.1.Values.0=RUNNING",
            None,
            FORM,
        )
        .await;
    assert_eq!(
        code(&r),
        "InvalidParameter",
        "an array must start at 0: {r}"
    );
    assert_eq!(sim.take_violations().len(), 3);
}

#[tokio::test]
async fn projects_and_older_deployments() {
    let (_sim, c) = start(SimConfig::default()).await;
    let r = c.call("DescribeProjects", json!({})).await;
    let projects = r["Projects"].as_array().cloned().unwrap_or_default();
    assert_eq!(projects.len(), 3, "{r}");
    assert_eq!(
        projects.iter().filter(|p| p["IsDefault"] == true).count(),
        1
    );
    assert!(projects.iter().any(|p| p["Name"] == "肿瘤外显子组"));
    assert!(
        projects[0]["CreateTime"]
            .as_str()
            .is_some_and(|t| t.len() == 19 && !t.contains('T'))
    );
    let (_old, c) = start(SimConfig {
        describe_projects: false,
        ..SimConfig::default()
    })
    .await;
    assert_eq!(
        code(&c.call("DescribeProjects", json!({})).await),
        "InvalidAction"
    );
}

#[tokio::test]
async fn paging_a_5000_run_group_returns_every_run_once() {
    // Fifty pages at once would be throttled at 20/s, as the service would.
    let cfg = SimConfig {
        scale: Scale {
            big_group_runs: 5000,
            ..Scale::default()
        },
        rate_limit: 1000,
        ..SimConfig::default()
    };
    let (sim, c) = start(cfg).await;
    let group = sim.landmarks().big_group.expect("big group");
    let mut seen = HashSet::new();
    for page in 0..50 {
        let r = c
            .call(
                "DescribeRuns",
                json!({"Limit": 100, "Offset": page * 100,
                "Filters": [{"Name": "RunGroupId", "Values": [group]}]}),
            )
            .await;
        assert_eq!(r["TotalCount"], 5000, "{r}");
        for run in r["Runs"].as_array().cloned().unwrap_or_default() {
            assert!(seen.insert(run["RunUuid"].as_str().unwrap_or("").to_string()));
        }
    }
    assert_eq!(seen.len(), 5000);
    let r = c
        .call(
            "DescribeRunGroups",
            json!({"Filters": [{"Name": "RunGroupId", "Values": [group]}]}),
        )
        .await;
    assert_eq!(r["RunGroups"][0]["TotalRun"], 5000);
}

fn find<'a>(calls: &'a [Value], name: &str) -> &'a Value {
    calls
        .iter()
        .find(|c| c["CallName"] == name)
        .unwrap_or_else(|| panic!("no call {name} in {calls:?}"))
}

#[tokio::test]
async fn call_trees_nest_three_deep_with_the_failure_inside() {
    let (sim, c) = start(SimConfig::default()).await;
    let lm = sim.landmarks();
    let calls = |path: String| {
        let c = &c;
        let run = lm.failed_run.clone();
        async move {
            c.call("GetRunCalls", json!({"RunUuid": run, "Path": path}))
                .await["Calls"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        }
    };
    let top = calls("/".into()).await;
    let sub = find(&top, "UnmappedBamToAlignedBam");
    assert_eq!(sub["RunType"], "Workflow");
    assert_eq!(sub["Status"], "FAILED");
    let level2 = calls(format!("/{}", sub["RunId"].as_str().unwrap_or(""))).await;
    let bqsr = find(&level2, "BQSR");
    assert_eq!(bqsr["RunType"], "Workflow");
    assert_eq!(
        find(&level2, "UnmappedBamToAlignedBam.MarkDuplicates")["Status"],
        "COMPLETE"
    );
    let path = format!(
        "/{}/{}",
        sub["RunId"].as_str().unwrap_or(""),
        bqsr["RunId"].as_str().unwrap_or("")
    );
    assert_eq!(path, lm.failed_task_path);
    let tasks = calls(path).await;
    let failed = find(&tasks, "BQSR.GatherBqsrReports");
    assert_eq!(failed["Status"], "FAILED");
    assert_eq!(failed["JobId"], lm.failed_job_id.as_str());
    assert!(
        failed["ErrorMessage"]
            .as_str()
            .unwrap_or("")
            .contains("exited with return code")
    );
    // Calls after the failure never started.
    assert!(tasks.iter().all(|t| t["CallName"] != "BQSR.GatherBamFiles"));
    let status = c
        .call("GetRunStatus", json!({"RunUuid": lm.failed_run}))
        .await;
    assert_eq!(status["Metadata"]["Status"], "EXECUTOR_ERROR");
    let first_line = status["Metadata"]["ErrorMessage"]
        .as_str()
        .unwrap_or("")
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert!(first_line.contains("GatherBqsrReports"), "{first_line}");
    assert_eq!(
        code(
            &c.call(
                "GetRunCalls",
                json!({"RunUuid": lm.failed_run, "Path": "/nope"})
            )
            .await
        ),
        "ResourceNotFound"
    );
    let log = c
        .call(
            "GetRunJobLog",
            json!({"RunUuid": lm.failed_run, "JobId": lm.failed_job_id, "LogType": "stderr"}),
        )
        .await;
    assert!(
        log["Content"]
            .as_str()
            .unwrap_or("")
            .contains("A USER ERROR has occurred"),
        "{log}"
    );
    let out = c
        .call(
            "GetRunJobLog",
            json!({"RunUuid": lm.failed_run, "JobId": lm.failed_job_id, "LogType": "stdout"}),
        )
        .await;
    assert!(
        out["Content"]
            .as_str()
            .is_some_and(|s| s.lines().count() > 3)
    );
    let none = c
        .call(
            "GetRunJobLog",
            json!({"RunUuid": lm.failed_run, "JobId": "plan-none", "LogType": "stdout"}),
        )
        .await;
    assert_eq!(code(&none), "ResourceNotFound");
}

#[tokio::test]
async fn the_big_scatter_has_the_configured_shards() {
    let cfg = SimConfig {
        scale: Scale {
            scatter_shards: 10_000,
            ..Scale::default()
        },
        ..SimConfig::default()
    };
    let (sim, c) = start(cfg).await;
    let lm = sim.landmarks();
    // How fast it answers is measured by the benchmarks, not asserted here.
    let r = c
        .call(
            "GetRunCalls",
            json!({"RunUuid": lm.big_scatter_run, "Path": lm.big_scatter_path}),
        )
        .await;
    let shards = r["Calls"].as_array().cloned().unwrap_or_default();
    assert_eq!(shards.len(), 10_000);
    let statuses: HashSet<&str> = shards.iter().filter_map(|s| s["Status"].as_str()).collect();
    assert!(
        statuses.contains("COMPLETE") && statuses.contains("RUNNING"),
        "{statuses:?}"
    );
    assert_eq!(shards[7]["ScatterIndex"], "-7");
    assert!(shards.iter().all(|s| s["RunType"] == "Task"));
}

#[tokio::test]
async fn terminating_a_group() {
    let (sim, c) = start(SimConfig::default()).await;
    let lm = sim.landmarks();
    let r = c
        .call("TerminateRunGroup", json!({"RunGroupId": lm.running_group}))
        .await;
    assert!(r["Error"].is_null(), "{r}");
    let g = c
        .call(
            "DescribeRunGroups",
            json!({"Filters": [{"Name": "RunGroupId", "Values": [lm.running_group]}]}),
        )
        .await;
    // Its live runs are on their way to CANCELED, so the group is not done yet.
    assert_eq!(g["RunGroups"][0]["Status"], "RUNNING");
    let run_statuses = || async {
        let runs = c.call("DescribeRuns", json!({"Limit": 100, "Filters": [{"Name": "RunGroupId", "Values": [lm.running_group]}]})).await;
        runs["Runs"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|r| r["Status"].as_str().map(str::to_string))
                    .collect::<HashSet<_>>()
            })
            .unwrap_or_default()
    };
    let statuses = run_statuses().await;
    assert!(
        statuses.contains("CANCELING") && statuses.contains("EXECUTOR_ERROR"),
        "{statuses:?}"
    );
    assert!(!statuses.contains("RUNNING") && !statuses.contains("INIT"));
    let counted = |g: &Value| -> Vec<String> {
        g["RunGroups"][0]["RunStatusCounts"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|c| c["Status"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(counted(&g).contains(&"CANCELING".to_string()), "{g}");
    // A few seconds later (on the sim clock) they are CANCELED, as the reference spells it,
    // and the group has ended.
    sim.set_faults(Faults {
        clock_skew_secs: 10,
        ..Faults::default()
    });
    let statuses = run_statuses().await;
    assert!(
        statuses.contains("CANCELED") && !statuses.contains("CANCELING"),
        "{statuses:?}"
    );
    let g = c
        .call(
            "DescribeRunGroups",
            json!({"Filters": [{"Name": "RunGroupId", "Values": [lm.running_group]}]}),
        )
        .await;
    assert_eq!(g["RunGroups"][0]["Status"], "COMPLETE_ERROR");
    assert!(counted(&g).contains(&"CANCELED".to_string()), "{g}");
    assert!(!counted(&g).iter().any(|s| s == "TERMINATED"), "{g}");
    let again = c
        .call("TerminateRunGroup", json!({"RunGroupId": lm.running_group}))
        .await;
    assert_eq!(code(&again), "FailedOperation.StatusNotSupported");
    let done = c
        .call(
            "TerminateRunGroup",
            json!({"RunGroupId": lm.finished_group}),
        )
        .await;
    assert_eq!(code(&done), "FailedOperation.StatusNotSupported");
    let unknown = c
        .call(
            "TerminateRunGroup",
            json!({"RunGroupId": "run-no-such-group-000000"}),
        )
        .await;
    assert_eq!(code(&unknown), "ResourceNotFound.RunGroupNotExist");
    assert_eq!(sim.stats().applied["TerminateRunGroup"], 1);
    assert_eq!(sim.stats().received["TerminateRunGroup"], 4);
}

#[tokio::test]
async fn retrying_runs_creates_a_new_group() {
    let (sim, c) = start(SimConfig::default()).await;
    let lm = sim.landmarks();
    // The running group cannot be retried by its id; its failed run by RunUuids can.
    let r = c
        .call("RetryRuns", json!({"RunGroupId": lm.running_group}))
        .await;
    assert_eq!(code(&r), "FailedOperation.StatusNotSupported");
    let r = c
        .call(
            "RetryRuns",
            json!({"RunUuids": [lm.failed_run], "WDLOption": {
                "FailureMode": "NoNewCalls", "UseCallCache": true, "UseErrorOnHold": false}}),
        )
        .await;
    let new_group = r["RunGroupId"].as_str().expect("RunGroupId").to_string();
    assert_ne!(new_group, lm.running_group);
    let runs = c
        .call(
            "DescribeRuns",
            json!({"Filters": [{"Name": "RunGroupId", "Values": [new_group]}]}),
        )
        .await;
    assert_eq!(runs["TotalCount"], 1);
    let run = &runs["Runs"][0];
    assert_ne!(run["RunUuid"], lm.failed_run.as_str());
    assert!(run["Status"] == "INIT" || run["Status"] == "RUNNING");
    let g = c
        .call(
            "DescribeRunGroups",
            json!({"Filters": [{"Name": "RunGroupId", "Values": [new_group]}]}),
        )
        .await;
    assert_eq!(g["RunGroups"][0]["Status"], "RUNNING");
    assert!(
        g["RunGroups"][0]["Name"]
            .as_str()
            .unwrap_or("")
            .contains("-retry-1")
    );
    // A minute later the cached calls are back, marked CallCached.
    sim.set_faults(Faults {
        clock_skew_secs: 60,
        ..Faults::default()
    });
    let calls = c
        .call_with(
            "GetRunCalls",
            json!({"RunUuid": run["RunUuid"], "Path": "/"}),
            &Opts {
                skew: 60,
                ..Opts::default()
            },
        )
        .await;
    let first = find(
        calls["Calls"].as_array().map(Vec::as_slice).unwrap_or(&[]),
        "WholeGenomeGermlineSingleSample.CalculateReadGroupChecksum",
    )
    .clone();
    assert_eq!(first["CallCached"], true, "{first}");
    sim.set_faults(Faults::default());
    // A running run cannot be retried.
    let r = c
        .call("RetryRuns", json!({"RunUuids": [lm.big_scatter_run]}))
        .await;
    assert_eq!(code(&r), "FailedOperation.StatusNotSupported");
    let r = c
        .call("RetryRuns", json!({"RunGroupId": lm.finished_group}))
        .await;
    assert_eq!(code(&r), "FailedOperation.StatusNotSupported");
    assert_eq!(
        code(&c.call("RetryRuns", json!({})).await),
        "MissingParameter"
    );
    let r = c
        .call(
            "RetryRuns",
            json!({"RunUuids": ["00000000-0000-4000-8000-000000000000"]}),
        )
        .await;
    assert_eq!(code(&r), "ResourceNotFound.RunNotExist");
    // A finished group's own failures, all at once.
    let failed = c
        .call(
            "DescribeRunGroups",
            json!({"Filters": [{"Name": "Status", "Values": ["COMPLETE_ERROR"]}]}),
        )
        .await;
    let finished = failed["RunGroups"][0]["RunGroupId"].clone();
    assert!(
        finished.is_string(),
        "a finished group with failures: {failed}"
    );
    let r = c.call("RetryRuns", json!({"RunGroupId": finished})).await;
    assert!(r["RunGroupId"].is_string(), "{r}");
    assert_eq!(sim.stats().applied["RetryRuns"], 2);
}

#[tokio::test]
async fn a_dropped_retry_was_still_applied() {
    let (sim, c) = start(SimConfig::default()).await;
    let lm = sim.landmarks();
    let before = c.call("DescribeRunGroups", json!({})).await["TotalCount"].as_i64();
    sim.inject_next("RetryRuns", OneShotFault::DropAfter);
    let sent = c
        .send(
            "RetryRuns",
            &json!({"RunUuids": [lm.failed_run]}),
            &Opts::default(),
        )
        .await;
    assert!(sent.is_err(), "the connection should break");
    assert_eq!(sim.stats().applied.get("RetryRuns"), Some(&1));
    let after = c.call("DescribeRunGroups", json!({})).await["TotalCount"].as_i64();
    assert_eq!(after, before.map(|n| n + 1));
    sim.inject_next("RetryRuns", OneShotFault::Drop);
    assert!(
        c.send(
            "RetryRuns",
            &json!({"RunUuids": [lm.failed_run]}),
            &Opts::default()
        )
        .await
        .is_err()
    );
    assert_eq!(sim.stats().applied.get("RetryRuns"), Some(&1));
}

#[tokio::test]
async fn one_shot_faults() {
    let (sim, c) = start(SimConfig::default()).await;
    sim.inject_next("DescribeRuns", OneShotFault::InternalError);
    sim.inject_next("DescribeRuns", OneShotFault::Malformed);
    sim.inject_next("DescribeRuns", OneShotFault::Throttle);
    assert_eq!(
        code(&c.call("DescribeRuns", json!({})).await),
        "InternalError"
    );
    let text = c
        .send("DescribeRuns", &json!({}), &Opts::default())
        .await
        .expect("answer")
        .text()
        .await
        .expect("body");
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert_eq!(
        code(&c.call("DescribeRuns", json!({})).await),
        "RequestLimitExceeded"
    );
    assert!(c.call("DescribeRuns", json!({})).await["Runs"].is_array());
    assert_eq!(sim.stats().throttled, 1);
}

#[tokio::test]
async fn the_rate_limit_throttles_a_burst() {
    let (sim, c) = start(SimConfig::default()).await;
    let answers = futures::future::join_all(
        (0..25).map(|_| c.call("DescribeRunGroups", json!({"Limit": 1}))),
    )
    .await;
    let throttled = answers
        .iter()
        .filter(|r| code(r) == "RequestLimitExceeded")
        .count();
    assert_eq!(throttled, 5);
    let stats = sim.stats();
    assert_eq!(stats.throttled, 5);
    let key = ("DescribeRunGroups".to_string(), "ap-guangzhou".to_string());
    assert_eq!(stats.max_in_window[&key], 25);
    assert_eq!(stats.arrivals[&key].len(), 25);
    // Another action has its own budget.
    assert!(c.call("DescribeRuns", json!({})).await["Error"].is_null());
}

#[tokio::test]
async fn presigned_urls_work_then_expire() {
    let (sim, c) = start(SimConfig::default()).await;
    let lm = sim.landmarks();
    let r = c
        .call("GetRunMetadataFile", json!({"RunUuid": lm.nextflow_run, "Key": "nextflow.log", "Keys": ["execution_trace.txt"]}))
        .await;
    let log_url = r["CosSignedUrl"].as_str().expect("url").to_string();
    let trace_url = r["CosSignedUrls"][0].as_str().expect("url").to_string();
    let log = c.http.get(&log_url).send().await.expect("answer");
    assert_eq!(log.status(), 200);
    let log = log.text().await.expect("text");
    assert!(
        log.contains("N E X T F L O W") && log.contains("Error executing process"),
        "{log}"
    );
    let trace = c
        .http
        .get(&trace_url)
        .send()
        .await
        .expect("answer")
        .text()
        .await
        .expect("text");
    let header = trace.lines().next().unwrap_or("");
    assert_eq!(header.split('\t').count(), 14);
    assert!(
        trace.lines().skip(1).any(|l| l.contains("\tFAILED\t")),
        "{trace}"
    );
    let tampered = log_url.replace("nextflow.log", "execution_report.html");
    let resp = c.http.get(&tampered).send().await.expect("answer");
    assert_eq!(resp.status(), 403);
    sim.set_faults(Faults {
        clock_skew_secs: 120,
        ..Faults::default()
    });
    let resp = c.http.get(&log_url).send().await.expect("answer");
    assert_eq!(resp.status(), 403);
    assert!(
        resp.text()
            .await
            .expect("xml")
            .contains("<Code>AccessDenied</Code>")
    );
    sim.set_faults(Faults::default());
    let wdl = c
        .call(
            "GetRunMetadataFile",
            json!({"RunUuid": lm.failed_run, "Key": "nextflow.log"}),
        )
        .await;
    assert_eq!(code(&wdl), "ResourceNotFound.CosObjectNotExist");
    let bad = c
        .call(
            "GetRunMetadataFile",
            json!({"RunUuid": lm.nextflow_run, "Key": "secrets.txt"}),
        )
        .await;
    // The reference lists the keys; anything else is refused by the schema check.
    assert!(code(&bad).starts_with("InvalidParameterValue"), "{bad}");
    assert_eq!(sim.take_violations().len(), 1);
}

#[tokio::test]
async fn running_an_application() {
    use base64::Engine;
    let (sim, c) = start(SimConfig::default()).await;
    let lm = sim.landmarks();
    let input = base64::engine::general_purpose::STANDARD.encode(r#"{"sample": "NA12878"}"#);
    let base = json!({"ApplicationId": lm.application, "Name": "adhoc-1", "EnvironmentId": lm.environment, "InputBase64": input});
    let r = c.call("RunApplication", base.clone()).await;
    let id = r["RunGroupId"].as_str().expect("RunGroupId").to_string();
    let g = c
        .call(
            "DescribeRunGroups",
            json!({"Filters": [{"Name": "RunGroupId", "Values": [id]}]}),
        )
        .await;
    assert_eq!(g["RunGroups"][0]["TotalRun"], 1);
    assert_eq!(g["RunGroups"][0]["Status"], "RUNNING");
    // A table batch: one run per row named, each run's sample the row's first cell; with
    // no rows named, every row of the table.
    let rows = c
        .call(
            "DescribeTablesRows",
            json!({"ProjectId": lm.default_project, "TableId": lm.table, "Limit": 3}),
        )
        .await;
    let rows = rows["Rows"].as_array().cloned().unwrap_or_default();
    let uuids: Vec<&Value> = rows.iter().map(|r| &r["TableRowUuid"]).collect();
    let mut table = base.clone();
    table["TableId"] = json!(lm.table);
    table["TableRowUuids"] = json!(uuids);
    let r = c.call("RunApplication", table.clone()).await;
    let runs = c
        .call(
            "DescribeRuns",
            json!({"Filters": [{"Name": "RunGroupId", "Values": [r["RunGroupId"]]}]}),
        )
        .await;
    assert_eq!(runs["TotalCount"], 3);
    for (run, row) in runs["Runs"].as_array().into_iter().flatten().zip(&rows) {
        assert_eq!(run["TableRowUuid"], row["TableRowUuid"]);
        assert_eq!(run["UserDefinedId"], row["Content"][0]);
        assert_eq!(run["TableId"], lm.table.as_str());
    }
    let mut whole = table.clone();
    whole["TableRowUuids"] = json!([]);
    let r = c.call("RunApplication", whole).await;
    let g = c
        .call(
            "DescribeRunGroups",
            json!({"Filters": [{"Name": "RunGroupId", "Values": [r["RunGroupId"]]}]}),
        )
        .await;
    assert_eq!(g["RunGroups"][0]["TotalRun"], 24, "every row of the table");
    let mut stranger = table.clone();
    stranger["TableRowUuids"] = json!(["00000000-0000-4000-8000-000000000000"]);
    assert_eq!(
        code(&c.call("RunApplication", stranger).await),
        "ResourceNotFound.TableRowNotExist"
    );
    table["TableId"] = json!("tab-some-table-000001");
    assert_eq!(
        code(&c.call("RunApplication", table).await),
        "ResourceNotFound.TableNotExist"
    );
    let mut bad = base.clone();
    bad["InputBase64"] = json!("%%%");
    assert_eq!(
        code(&c.call("RunApplication", bad.clone()).await),
        "InvalidParameterValue.InvalidBase64Encode"
    );
    bad["InputBase64"] = json!(base64::engine::general_purpose::STANDARD.encode("not json"));
    assert_eq!(
        code(&c.call("RunApplication", bad).await),
        "InvalidParameterValue.InvalidInputJsonFormat"
    );
    let mut unknown = base.clone();
    unknown["ApplicationId"] = json!("app-none");
    assert_eq!(
        code(&c.call("RunApplication", unknown).await),
        "ResourceNotFound.ApplicationNotExist"
    );
    assert_eq!(sim.stats().applied["RunApplication"], 3);
}

#[tokio::test]
async fn running_groups_finish_as_the_clock_moves() {
    // At speed 10 every live run ends within 16 / 10 minutes.
    let cfg = SimConfig {
        scale: Scale {
            speed: 10.0,
            ..Scale::default()
        },
        ..SimConfig::default()
    };
    let (sim, c) = start(cfg).await;
    let running = json!({"Limit": 100, "Filters": [{"Name": "Status", "Values": ["RUNNING"]}]});
    let before = c.call("DescribeRunGroups", running.clone()).await["TotalCount"]
        .as_i64()
        .unwrap_or(0);
    assert_eq!(before, 2, "the default project has two running groups");
    sim.set_faults(Faults {
        clock_skew_secs: 120,
        ..Faults::default()
    });
    let later = Opts {
        skew: 120,
        ..Opts::default()
    };
    let after = c.call_with("DescribeRunGroups", running, &later).await;
    assert_eq!(after["TotalCount"], 0, "{after}");
    let lm = sim.landmarks();
    let big = c
        .call_with(
            "GetRunStatus",
            json!({"RunUuid": lm.big_scatter_run}),
            &later,
        )
        .await;
    assert_eq!(big["Metadata"]["Status"], "SUCCESS");
    let g = c
        .call_with(
            "DescribeRunGroups",
            json!({"Filters": [{"Name": "RunGroupId", "Values": [lm.running_group]}]}),
            &later,
        )
        .await;
    assert_eq!(g["RunGroups"][0]["Status"], "COMPLETE_ERROR");
    assert!(g["RunGroups"][0]["ExecutionTime"]["EndTime"].is_string());
}

#[tokio::test]
async fn random_faults_latency_and_a_lower_limit() {
    let cfg = SimConfig {
        faults: Faults {
            drop_pct: 100.0,
            ..Faults::default()
        },
        ..SimConfig::default()
    };
    let (sim, c) = start(cfg).await;
    assert!(
        c.send("DescribeRuns", &json!({}), &Opts::default())
            .await
            .is_err()
    );
    sim.set_faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    });
    let t = Instant::now();
    assert!(c.call("DescribeRuns", json!({})).await["Error"].is_null());
    assert!(t.elapsed() >= Duration::from_millis(150));
    sim.set_faults(Faults {
        throttle_rps: Some(2),
        ..Faults::default()
    });
    let answers =
        futures::future::join_all((0..4).map(|_| c.call("GetRunStatus", json!({"RunUuid": "x"}))))
            .await;
    assert_eq!(
        answers
            .iter()
            .filter(|r| code(r) == "RequestLimitExceeded")
            .count(),
        2
    );
    assert_eq!(
        answers
            .iter()
            .filter(|r| code(r) == "ResourceNotFound.RunNotExist")
            .count(),
        2
    );
}

#[tokio::test]
async fn an_outage_at_start_answers_every_request_internal_error() {
    let (sim, c) = start(SimConfig {
        faults: Faults {
            outage_secs: 60,
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .await;
    for action in ["DescribeProjects", "DescribeRunGroups", "TerminateRunGroup"] {
        let r = c.call(action, json!({})).await;
        assert_eq!(code(&r), "InternalError", "{action}: {r}");
    }
    assert_eq!(sim.stats().faults.get("Outage"), Some(&3));
    assert_eq!(sim.stats().applied.get("TerminateRunGroup"), None);
}
