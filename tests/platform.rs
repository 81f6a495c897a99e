//! Environments, cache volumes, sample tables and RunWorkflow: omtop's client against the
//! simulator over real HTTP. Requests the reference refuses are sent raw (`Client::call`)
//! and the violations they cause taken, so the contract check still guards the rest.

mod common;

use std::collections::HashSet;

use common::{client_for, guangzhou, sim};
use omtop::api::group::waiting_reason;
use omtop::api::sheet::SampleSheet;
use omtop::api::types::{Environment, Filter, GitInfo, NFOption, RunGroup};
use omtop::api::{ApiError, Client, Priority, Scope, WorkflowRequest};
use omtop::sim::{Faults, Scale, SimConfig, SimHandle};
use serde_json::{Value, json};

const P: Priority = Priority::Interactive;

/// A read sent as it is, for what the client's typed methods never send.
async fn raw(client: &Client, action: &str, region: &str, body: Value) -> Result<Value, ApiError> {
    client
        .call::<Value>(action, region, &body, P)
        .await
        .map(|r| r.data)
}

fn code(r: Result<Value, ApiError>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => e.code().unwrap_or("(none)").to_string(),
    }
}

async fn group(client: &Client, id: &str) -> RunGroup {
    client
        .describe_run_groups(&guangzhou(), &[Filter::new("RunGroupId", [id])], P)
        .await
        .expect("groups")
        .into_iter()
        .next()
        .expect("the group")
}

fn by_status<'a>(envs: &'a [Environment], status: &str) -> &'a Environment {
    envs.iter()
        .find(|e| e.status.as_deref() == Some(status))
        .unwrap_or_else(|| panic!("an environment in {status}: {envs:?}"))
}

#[tokio::test]
async fn environments_in_every_status_the_reference_lists() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let lm = sim.landmarks();
    let envs = client
        .describe_environments(&lm.region, &[], P)
        .await
        .expect("environments");
    assert_eq!(envs.len(), 3, "{envs:?}");
    assert!(
        envs.iter()
            .all(|e| e.region.as_deref() == Some("ap-guangzhou"))
    );
    let default = envs
        .iter()
        .find(|e| e.is_default == Some(true))
        .expect("a default environment");
    assert_eq!(
        default.environment_id.as_deref(),
        Some(lm.environment.as_str())
    );
    assert!(default.accepts_work());
    // Its last workflow is a run of the region.
    let last = default
        .last_workflow_uuid
        .clone()
        .expect("LastWorkflowUuid");
    let runs = client
        .describe_runs(&guangzhou(), &[Filter::new("RunUuid", [last])], P)
        .await
        .expect("runs");
    assert_eq!(runs.len(), 1);
    let error = by_status(&envs, "ERROR");
    assert_eq!(
        error.environment_id.as_deref(),
        Some(lm.error_environment.as_str())
    );
    assert_eq!(error.available, Some(false));
    assert!(
        error.message.as_deref().is_some_and(|m| m.len() > 20),
        "{error:?}"
    );
    let initializing = by_status(&envs, "INITIALIZING");
    assert_eq!(
        initializing.environment_id.as_deref(),
        Some(lm.unavailable_environment.as_str())
    );
    assert!(!initializing.accepts_work());
    // Across the regions, every status the reference lists.
    let mut statuses = HashSet::new();
    for region in ["ap-guangzhou", "ap-shanghai", "ap-beijing"] {
        for e in client
            .describe_environments(region, &[], P)
            .await
            .expect("envs")
        {
            statuses.extend(e.status);
        }
    }
    let listed: HashSet<String> = [
        "INITIALIZING",
        "INITIALIZATION_ERROR",
        "RUNNING",
        "ERROR",
        "DELETING",
        "DELETE_ERROR",
    ]
    .map(String::from)
    .into();
    assert_eq!(statuses, listed);

    // The reference's filters: Status and EnvironmentId exactly, Name by a part of it.
    let only = |filters: Vec<Filter>| {
        let client = &client;
        let region = lm.region.clone();
        async move {
            client
                .describe_environments(&region, &filters, P)
                .await
                .expect("filtered")
                .into_iter()
                .filter_map(|e| e.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        only(vec![Filter::new("Status", ["ERROR"])]).await,
        ["hpc-gz"]
    );
    assert_eq!(only(vec![Filter::new("Name", ["gpu"])]).await, ["gz-gpu"]);
    assert_eq!(
        only(vec![Filter::new(
            "EnvironmentId",
            [lm.environment.as_str()]
        )])
        .await
        .len(),
        1
    );
    // Pages.
    let page = raw(
        &client,
        "DescribeEnvironments",
        &lm.region,
        json!({"Limit": 1, "Offset": 2}),
    )
    .await
    .expect("a page");
    assert_eq!(page["TotalCount"], 3);
    assert_eq!(page["Environments"][0]["Name"], "gz-gpu");
    // A filter the action does not support, and a parameter it does not take.
    let r = raw(
        &client,
        "DescribeEnvironments",
        &lm.region,
        json!({"Filters": [{"Name": "Region", "Values": ["x"]}]}),
    )
    .await;
    assert_eq!(code(r), "InvalidParameterValue");
    let r = raw(
        &client,
        "DescribeEnvironments",
        &lm.region,
        json!({"ProjectId": lm.default_project}),
    )
    .await;
    assert_eq!(code(r), "UnknownParameter");
    assert_eq!(sim.take_violations().len(), 1);
}

#[tokio::test]
async fn a_group_stuck_in_init_says_its_environment_is_in_error() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let lm = sim.landmarks();
    let waiting = group(&client, &lm.waiting_group).await;
    assert_eq!(waiting.status.as_deref(), Some("INIT"));
    assert_eq!(
        waiting.environment_id.as_deref(),
        Some(lm.error_environment.as_str())
    );
    assert_eq!(waiting.environment_name.as_deref(), Some("hpc-gz"));
    let counts: Vec<(String, i64)> = waiting
        .run_status_counts
        .iter()
        .flatten()
        .map(|c| (c.status.clone().unwrap_or_default(), c.count.unwrap_or(0)))
        .collect();
    assert_eq!(counts, [("INIT".to_string(), 6)]);
    // Created over an hour ago, not started.
    let age = chrono::Utc::now().timestamp()
        - waiting
            .create_time
            .as_ref()
            .and_then(|t| t.unix())
            .expect("created");
    assert!(age > 3600, "{age}");
    let times = waiting.execution_time.clone().expect("times");
    assert_eq!(times.start_time, None);

    let envs = client
        .describe_environments(&lm.region, &[], P)
        .await
        .expect("environments");
    let reason = waiting_reason(&waiting, &envs).expect("a reason");
    assert!(
        reason.starts_with("waiting: environment hpc-gz is ERROR: The Slurm controller"),
        "{reason}"
    );
    let running = group(&client, &lm.running_group).await;
    assert_eq!(waiting_reason(&running, &envs), None);
    let runs = client
        .describe_runs(
            &guangzhou(),
            &[Filter::new("RunGroupId", [lm.waiting_group.as_str()])],
            P,
        )
        .await
        .expect("runs");
    assert_eq!(runs.len(), 6);
    assert!(runs.iter().all(|r| r.status.as_deref() == Some("INIT")));

    // An hour later it still waits, while the running group has finished.
    sim.set_faults(Faults {
        clock_skew_secs: 3600,
        ..Faults::default()
    });
    assert_eq!(
        group(&client, &lm.waiting_group).await.status.as_deref(),
        Some("INIT")
    );
    assert_ne!(
        group(&client, &lm.running_group).await.status.as_deref(),
        Some("RUNNING")
    );
    // It can be terminated like a running group.
    client
        .terminate_run_group(&guangzhou(), &lm.waiting_group)
        .await
        .expect("terminated");
    // Its runs are canceled (CANCELING, then CANCELED) and it waits no more.
    let g = group(&client, &lm.waiting_group).await;
    assert_ne!(g.status.as_deref(), Some("INIT"));
    assert!(
        g.run_status_counts
            .iter()
            .flatten()
            .any(|c| matches!(c.status.as_deref(), Some("CANCELING" | "CANCELED"))),
        "{g:?}"
    );
}

fn workflow(env: &str) -> WorkflowRequest {
    WorkflowRequest {
        name: "taxprofiler".into(),
        environment_id: env.into(),
        git_source: GitInfo {
            git_http_path: Some("https://github.com/nf-core/taxprofiler.git".into()),
            branch: Some("master".into()),
            ..GitInfo::default()
        },
        kind: "NEXTFLOW".into(),
        nf_option: NFOption {
            profile: Some("test".into()),
            ..NFOption::default()
        },
        input_cos_uri: Some("cos://bucket-10000/nextflow/taxprofiler/input.json".into()),
        ..WorkflowRequest::default()
    }
}

#[tokio::test]
async fn new_work_is_refused_by_an_unavailable_environment() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let lm = sim.landmarks();
    for env in [&lm.error_environment, &lm.unavailable_environment] {
        let err = client
            .run_workflow(&guangzhou(), &workflow(env))
            .await
            .expect_err("refused");
        assert_eq!(
            err.code(),
            Some("InvalidParameterValue.EnvironmentNotAvailable")
        );
        let r = omtop::api::LaunchRequest {
            application_id: lm.application.clone(),
            name: "x".into(),
            environment_id: env.clone(),
            input_cos_uri: Some("cos://b/in.json".into()),
            ..omtop::api::LaunchRequest::default()
        };
        let err = client
            .run_application(&guangzhou(), &r)
            .await
            .expect_err("refused");
        assert_eq!(
            err.code(),
            Some("InvalidParameterValue.EnvironmentNotAvailable")
        );
    }
    assert!(sim.stats().applied.is_empty());
}

#[tokio::test]
async fn cache_volumes_belong_to_their_environments() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let lm = sim.landmarks();
    let vols = client
        .describe_volumes(&lm.region, &lm.environment, &[], P)
        .await
        .expect("volumes");
    assert_eq!(vols.len(), 2);
    assert_eq!(vols[0].is_default, Some(true));
    assert!(vols.iter().all(|v| v.kind.as_deref() == Some("SHARED")));
    assert!(
        vols.iter()
            .all(|v| v.environment_id.as_deref() == Some(lm.environment.as_str()))
    );
    let used = vols[0].used_fraction().expect("usage and capacity");
    assert!((0.0..1.0).contains(&used), "{used}");
    // A Nextflow group of the environment works on its default volume.
    let nf = group(&client, &sim_nextflow_group(&client).await).await;
    let vi = nf.volumes.clone().unwrap_or_default();
    assert_eq!(vi.len(), 1);
    assert_eq!(vi[0].volume_id, vols[0].volume_id);
    let mount = vols[0].default_mount_path.clone().expect("mount path");
    assert!(
        nf.work_dir
            .as_deref()
            .is_some_and(|d| d.starts_with(&mount))
    );
    assert!(
        nf.nf_option
            .and_then(|o| o.launch_dir)
            .is_some_and(|d| d.starts_with(&mount))
    );
    // Filters: IsDefault, and Name by a part of it.
    let defaults = client
        .describe_volumes(
            &lm.region,
            &lm.environment,
            &[Filter::new("IsDefault", ["true"])],
            P,
        )
        .await
        .expect("filtered");
    assert_eq!(defaults.len(), 1);
    let scratch = client
        .describe_volumes(
            &lm.region,
            &lm.environment,
            &[Filter::new("Name", ["scratch"])],
            P,
        )
        .await
        .expect("filtered");
    assert_eq!(scratch.len(), 1);
    assert_eq!(scratch[0].is_default, Some(false));
    let page = raw(
        &client,
        "DescribeVolumes",
        &lm.region,
        json!({"EnvironmentId": lm.environment, "Limit": 1, "Offset": 1}),
    )
    .await
    .expect("a page");
    assert_eq!(page["TotalCount"], 2);
    assert_eq!(page["Volumes"][0]["VolumeId"], json!(scratch[0].volume_id));
    // The environment still being made has a volume being made.
    let creating = client
        .describe_volumes(&lm.region, &lm.unavailable_environment, &[], P)
        .await
        .expect("volumes");
    assert_eq!(creating[0].status.as_deref(), Some("CREATING"));
    // EnvironmentId is required; an unknown one, or one of another region, does not exist.
    let r = raw(&client, "DescribeVolumes", &lm.region, json!({})).await;
    assert_eq!(code(r), "MissingParameter");
    assert_eq!(sim.take_violations().len(), 1);
    let r = client
        .describe_volumes(&lm.region, "env-nothere", &[], P)
        .await
        .map(|_| Value::Null);
    assert_eq!(code(r), "ResourceNotFound");
    let r = client
        .describe_volumes("ap-shanghai", &lm.environment, &[], P)
        .await
        .map(|_| Value::Null);
    assert_eq!(code(r), "ResourceNotFound");
}

/// A Nextflow group of ap-guangzhou's default project that is not waiting.
async fn sim_nextflow_group(client: &Client) -> String {
    client
        .describe_run_groups(&guangzhou(), &[Filter::new("Type", ["NEXTFLOW"])], P)
        .await
        .expect("groups")
        .into_iter()
        .find(|g| g.status.as_deref() != Some("INIT"))
        .and_then(|g| g.run_group_id)
        .expect("a Nextflow group")
}

#[tokio::test]
async fn tables_hold_the_samples_of_their_table_batches() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let lm = sim.landmarks();
    // DescribeTables needs a ProjectId: a scope without one is the region's default.
    let tables = client
        .describe_tables(&guangzhou(), &[], P)
        .await
        .expect("tables");
    assert!(tables.len() >= 5, "{}", tables.len());
    assert!(
        tables
            .iter()
            .all(|t| t.project_id.as_deref() == Some(lm.default_project.as_str()))
    );
    let table = tables
        .iter()
        .find(|t| t.table_id.as_deref() == Some(lm.table.as_str()))
        .expect("the running group's table");
    let headers: Vec<&str> = table
        .columns
        .iter()
        .flatten()
        .filter_map(|c| c.header.as_deref())
        .collect();
    assert_eq!(headers, ["sample_id", "fastq_r1", "fastq_r2", "coverage"]);
    let only = client
        .describe_tables(
            &guangzhou(),
            &[Filter::new("TableId", [lm.table.as_str()])],
            P,
        )
        .await
        .expect("filtered");
    assert_eq!(only.len(), 1);
    let named = client
        .describe_tables(&guangzhou(), &[Filter::new("Name", ["rnaseq"])], P)
        .await
        .expect("filtered");
    assert!(!named.is_empty());
    assert!(
        named
            .iter()
            .all(|t| t.name.as_deref().is_some_and(|n| n.contains("rnaseq")))
    );

    // The rows are the running group's samples, joined to its runs by TableRowUuid.
    let rows = client
        .describe_tables_rows(&guangzhou(), &lm.table, &[], P)
        .await
        .expect("rows");
    assert_eq!(rows.len(), 24);
    let runs = client
        .describe_runs(
            &guangzhou(),
            &[Filter::new("RunGroupId", [lm.running_group.as_str()])],
            P,
        )
        .await
        .expect("runs");
    let sheet = SampleSheet::join(table, rows.clone(), &runs);
    for r in &sheet.rows {
        let run = r.run.as_ref().expect("every row has its run");
        assert_eq!(run.user_defined_id.as_deref(), Some(r.cells[0].as_str()));
        assert_eq!(run.table_id.as_deref(), Some(lm.table.as_str()));
    }
    let failed = sheet
        .rows
        .iter()
        .find(|r| {
            r.run.as_ref().and_then(|x| x.run_uuid.as_deref()) == Some(lm.failed_run.as_str())
        })
        .expect("the failed run's row");
    assert_eq!(failed.status(), Some("EXECUTOR_ERROR"));

    // Pages of ten, the reference's default.
    let body = |offset: i64| json!({"ProjectId": lm.default_project, "TableId": lm.table, "Offset": offset});
    let page = raw(&client, "DescribeTablesRows", &lm.region, body(20))
        .await
        .expect("a page");
    assert_eq!(page["TotalCount"], 24);
    assert_eq!(page["Rows"].as_array().map(Vec::len), Some(4));
    let first = raw(&client, "DescribeTablesRows", &lm.region, body(0))
        .await
        .expect("a page");
    assert_eq!(first["Rows"].as_array().map(Vec::len), Some(10));
    // Tr: any cell containing the text; TableRowUuid: these rows.
    let hit = client
        .describe_tables_rows(
            &guangzhou(),
            &lm.table,
            &[Filter::new("Tr", ["NA12878_R1"])],
            P,
        )
        .await
        .expect("filtered");
    assert_eq!(hit.len(), 1);
    assert_eq!(
        hit[0].content.as_ref().map(|c| c[0].as_str()),
        Some("NA12878")
    );
    let two: Vec<String> = rows
        .iter()
        .take(2)
        .filter_map(|r| r.table_row_uuid.clone())
        .collect();
    let picked = client
        .describe_tables_rows(
            &guangzhou(),
            &lm.table,
            &[Filter::new("TableRowUuid", two.clone())],
            P,
        )
        .await
        .expect("filtered");
    assert_eq!(
        picked
            .iter()
            .filter_map(|r| r.table_row_uuid.clone())
            .collect::<Vec<_>>(),
        two
    );

    // Errors: a missing TableId or ProjectId, a table or project that does not exist.
    let r = raw(
        &client,
        "DescribeTablesRows",
        &lm.region,
        json!({"ProjectId": lm.default_project}),
    )
    .await;
    assert_eq!(code(r), "MissingParameter");
    let r = raw(&client, "DescribeTables", &lm.region, json!({})).await;
    assert_eq!(code(r), "MissingParameter");
    let seen = sim.take_violations().join("\n");
    assert!(
        seen.contains("`TableId`") && seen.contains("`ProjectId`"),
        "{seen}"
    );
    let r = client
        .describe_tables_rows(&guangzhou(), "tab-no-such-table-000000", &[], P)
        .await
        .map(|_| Value::Null);
    assert_eq!(code(r), "ResourceNotFound.TableNotExist");
    let shanghai = client
        .describe_projects("ap-shanghai", P)
        .await
        .expect("projects")[0]
        .project_id
        .clone();
    let elsewhere = Scope::new("ap-guangzhou", shanghai);
    let r = client
        .describe_tables(&elsewhere, &[], P)
        .await
        .map(|_| Value::Null);
    assert_eq!(code(r), "ResourceNotFound.ProjectNotExist");
    // ap-beijing's default project has no run groups, and so no tables.
    let tables = client
        .describe_tables(&Scope::new("ap-beijing", None), &[], P)
        .await
        .expect("the region's default project is resolved");
    assert!(tables.is_empty(), "{tables:?}");
}

#[tokio::test]
async fn a_big_sample_sheet_pages_through_the_client() {
    let sim = sim(SimConfig {
        scale: Scale {
            big_group_runs: 450,
            ..Scale::default()
        },
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim);
    let lm = sim.landmarks();
    let big = group(&client, lm.big_group.as_deref().expect("the big group")).await;
    let table = big.table_id.clone().expect("a table batch");
    let rows = client
        .describe_tables_rows(&guangzhou(), &table, &[], P)
        .await
        .expect("rows");
    let unique: HashSet<_> = rows
        .iter()
        .filter_map(|r| r.table_row_uuid.clone())
        .collect();
    assert_eq!((rows.len(), unique.len()), (450, 450));
    let retried = client.stats().retried;
    assert_eq!(
        sim.stats().received.get("DescribeTablesRows").copied(),
        Some(5 + retried),
        "five pages of 100"
    );
}

async fn launched(client: &Client, sim: &SimHandle, id: &str) -> RunGroup {
    let g = group(client, id).await;
    assert_eq!(g.total_run, Some(1));
    assert!(sim.stats().applied.contains_key("RunWorkflow"));
    g
}

#[tokio::test]
async fn running_a_workflow_from_git() {
    let sim = sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let lm = sim.landmarks();
    let mut req = workflow(&lm.environment);
    req.git_source.git_token_or_password = Some("ghp_not-to-be-seen".into());
    let created = client
        .run_workflow(&guangzhou(), &req)
        .await
        .expect("launched");
    let g = launched(&client, &sim, &created.run_group_id).await;
    assert_eq!(g.name.as_deref(), Some("taxprofiler"));
    assert_eq!(g.application_name.as_deref(), Some("taxprofiler"));
    assert_eq!(g.kind.as_deref(), Some("NEXTFLOW"));
    assert_eq!(g.environment_id.as_deref(), Some(lm.environment.as_str()));
    assert_eq!(
        g.nf_option.as_ref().and_then(|o| o.profile.as_deref()),
        Some("test")
    );
    let git = g
        .application_version
        .clone()
        .and_then(|v| v.git_source)
        .expect("the git source");
    assert_eq!(
        git.git_http_path.as_deref(),
        Some("https://github.com/nf-core/taxprofiler.git")
    );
    assert_eq!(git.branch.as_deref(), Some("master"));
    let shown = serde_json::to_string(&g).expect("encodes");
    assert!(!shown.contains("ghp_not-to-be-seen"), "{shown}");
    assert!(matches!(g.status.as_deref(), Some("RUNNING")));

    // What the simulator refuses, as the reference lets it: a branch and a tag, a path that
    // is not a URL, an environment that does not exist.
    let mut both = workflow(&lm.environment);
    both.git_source.tag = Some("1.1.0".into());
    let mut ftp = workflow(&lm.environment);
    ftp.git_source.git_http_path = Some("ftp://example.com/x.git".into());
    let mut no_input = workflow(&lm.environment);
    no_input.input_cos_uri = None;
    for (req, expected) in [
        (both, "InvalidParameterValue"),
        (ftp, "InvalidParameterValue"),
        (
            workflow("env-nothere"),
            "ResourceNotFound.EnvironmentNotExist",
        ),
        (no_input, "MissingParameter"),
    ] {
        let err = client
            .run_workflow(&guangzhou(), &req)
            .await
            .expect_err("refused");
        assert_eq!(err.code(), Some(expected), "{err}");
    }
    // What the reference refuses is not even sent: RunWorkflow takes only NEXTFLOW.
    let mut wdl = workflow(&lm.environment);
    wdl.kind = "WDL".into();
    let err = client
        .run_workflow(&guangzhou(), &wdl)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("not sent"), "{err}");
    assert_eq!(sim.stats().received.get("RunWorkflow"), Some(&5));
    assert_eq!(sim.stats().applied.get("RunWorkflow"), Some(&1));
}
