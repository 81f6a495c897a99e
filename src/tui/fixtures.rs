//! Fixed data for tests and benchmarks: projects, groups, runs and a call tree with a
//! sub-workflow, a failing scatter inside it, and a large scatter; and builders of the large
//! states the benchmarks draw. "Now" is fixed, so durations are too.

use chrono::{DateTime, FixedOffset};

use crate::api::types::{
    ExecutionTime, Project, Run, RunGroup, RunMetadata, RunStatusCount, Text, Timestamp,
};
use crate::api::{ApiError, Scope};

use super::action::{Action, ApiResult};
use super::effect::{Effect, Request, RunsQuery};
use super::request::Answer;
use super::state::{Settings, State};
use super::update::update;

pub const REGION: &str = "ap-guangzhou";
pub const PROJECT: &str = "prj-quiet-amber-heron-104522";
pub const GROUP: &str = "run-brave-teal-otter-551203";
pub const RUN: &str = "6f1c2a9e-0b7d-4c3e-9a51-2d8e4f7b1c00";
pub const ALIGN: &str = "6f1c2a9e-Germline.Align";
pub const BWA: &str = "6f1c2a9e-Align.BwaMem";
pub const HC: &str = "6f1c2a9e-Germline.HaplotypeCaller";

pub fn now() -> DateTime<FixedOffset> {
    ts("2024-06-06T17:00:00+08:00").parsed.unwrap_or_default()
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s)
}

fn t(hm: &str) -> Option<Timestamp> {
    Some(ts(&format!("2024-06-06T{hm}:00+08:00")))
}

fn exec(start: &str, end: Option<&str>) -> Option<ExecutionTime> {
    Some(ExecutionTime {
        submit_time: t(start),
        start_time: t(start),
        end_time: end.and_then(t),
    })
}

pub fn projects() -> Vec<Project> {
    let p = |id: &str, name: &str, default: bool| Project {
        project_id: Some(id.into()),
        name: Some(name.into()),
        region: Some(REGION.into()),
        is_default: Some(default),
        description: Some(format!("{name} project")),
        create_time: Some(ts("2023-10-25 20:17:58")),
        creator: Some("manager".into()),
        ..Project::default()
    };
    vec![
        p(PROJECT, "Population WGS", true),
        p("prj-shiny-mauve-fox-004230", "肿瘤外显子 Tumor WES", false),
        p("prj-calm-olive-crane-771093", "Rare disease trios", false),
    ]
}

fn counts(list: &[(&str, i64)]) -> Option<Vec<RunStatusCount>> {
    Some(
        list.iter()
            .map(|(s, n)| RunStatusCount {
                status: Some((*s).into()),
                count: Some(*n),
            })
            .collect(),
    )
}

pub fn groups() -> Vec<RunGroup> {
    let g = |id: &str, name: &str, app: &str, ty: &str, status: &str, total: i64| RunGroup {
        run_group_id: Some(id.into()),
        project_id: Some(PROJECT.into()),
        project_name: Some("Population WGS".into()),
        application_id: Some("app-serious-bleak-mink-576863".into()),
        application_name: Some(app.into()),
        application_type: Some(ty.into()),
        kind: Some(ty.into()),
        name: Some(name.into()),
        status: Some(status.into()),
        total_run: Some(total),
        environment_name: Some("提交任务环境".into()),
        input: Some(r#"{"Germline.ref": "cos://refs/hg38.fa", "Germline.intervals": 24}"#.into()),
        ..RunGroup::default()
    };
    vec![
        RunGroup {
            run_status_counts: counts(&[("SUCCESS", 20), ("EXECUTOR_ERROR", 2), ("RUNNING", 8)]),
            execution_time: exec("14:30", None),
            create_time: t("14:29"),
            ..g(
                GROUP,
                "wgs-germline-2024-06-batch-17",
                "GATK germline",
                "WDL",
                "RUNNING",
                30,
            )
        },
        RunGroup {
            run_status_counts: counts(&[("SUCCESS", 10), ("EXECUTOR_ERROR", 2)]),
            execution_time: exec("09:00", Some("12:41")),
            create_time: t("08:59"),
            ..g(
                "run-happy-parchment-bulldog-708923",
                "联合分型 joint calling",
                "GATK joint",
                "WDL",
                "COMPLETE_ERROR",
                12,
            )
        },
        RunGroup {
            run_status_counts: counts(&[("SUCCESS", 4)]),
            execution_time: exec("08:00", Some("08:47")),
            create_time: t("07:59"),
            ..g(
                "run-lonely-orange-dodo-410909",
                "rnaseq-nf",
                "nf-core/rnaseq",
                "NEXTFLOW",
                "COMPLETE",
                4,
            )
        },
        RunGroup {
            run_status_counts: counts(&[("CANCELED", 3)]),
            execution_time: exec("07:00", Some("07:12")),
            create_time: t("06:59"),
            ..g(
                "run-pretty-yellow-mastiff-141933",
                "old-batch",
                "GATK germline",
                "WDL",
                "TERMINATED",
                3,
            )
        },
        RunGroup {
            create_time: t("06:00"),
            ..g(
                "run-odd-grey-moth-000001",
                "mystery",
                "?",
                "WDL",
                "QUANTUM_SUPERPOSITION",
                1,
            )
        },
    ]
}

fn run(uuid: &str, sample: &str, status: &str, start: &str, end: Option<&str>) -> Run {
    Run {
        run_uuid: Some(Text::from(uuid)),
        project_id: Some(Text::from(PROJECT)),
        run_group_id: Some(Text::from(GROUP)),
        user_defined_id: Some(Text::from(sample)),
        status: Some(Text::from(status)),
        execution_time: exec(start, end),
        input: Some(Text::from(r#"{"Germline.sample": "cos://bucket/NA.cram"}"#)),
        ..Run::default()
    }
}

/// A batch with two causes: three samples out of memory in BaseRecalibrator, two with a
/// missing input (their errors differ only by sample and path), and two that succeeded.
pub fn batch_runs() -> Vec<Run> {
    let failed = |i: u32, sample: &str, error: &str| Run {
        error_message: Some(Text::from(
            serde_json::json!({ "error": error }).to_string(),
        )),
        cache: Some(crate::api::types::CacheInfo {
            cache_clear_delay: Some(24),
            cache_clear_time: Some(crate::api::types::Timestamp::from_datetime(
                now() + chrono::Duration::minutes(30 + 120 * (i64::from(i) - 1)),
            )),
            cache_cleared: Some(i == 4),
        }),
        ..run(
            &format!("5b5b5b5b-0000-4000-8000-00000000000{i}"),
            sample,
            "EXECUTOR_ERROR",
            "13:00",
            Some("14:00"),
        )
    };
    vec![
        failed(
            1,
            "S0001",
            "Task Germline.BaseRecalibrator failed: Killed (exit code 137: out of memory)\nWorkflow Germline failed",
        ),
        failed(
            2,
            "S0002",
            "Task Germline.BaseRecalibrator failed: Killed (exit code 137: out of memory)\nWorkflow Germline failed",
        ),
        failed(
            3,
            "S0003",
            "Task Germline.BaseRecalibrator failed: Killed (exit code 137: out of memory)\nWorkflow Germline failed",
        ),
        failed(
            4,
            "S0004",
            "Input file cos://bucket/S0004/S0004.cram not found",
        ),
        failed(
            5,
            "S0005",
            "Input file cos://bucket/S0005/S0005.cram not found",
        ),
        run(
            "5b5b5b5b-0000-4000-8000-000000000006",
            "S0006",
            "SUCCESS",
            "13:00",
            Some("14:00"),
        ),
        run(
            "5b5b5b5b-0000-4000-8000-000000000007",
            "S0007",
            "SUCCESS",
            "13:00",
            Some("14:00"),
        ),
    ]
}

pub fn runs() -> Vec<Run> {
    vec![
        run(
            "1a2b3c4d-0000-4000-8000-000000000001",
            "NA12878",
            "SUCCESS",
            "14:30",
            Some("16:02"),
        ),
        Run {
            error_message: Some(Text::from(
                r#"{"error":"Task Align.BwaMem shard 7 failed: exit code 137 (out of memory)"}"#,
            )),
            ..run(RUN, "NA12891", "EXECUTOR_ERROR", "14:30", Some("15:10"))
        },
        run(
            "1a2b3c4d-0000-4000-8000-000000000003",
            "NA12892",
            "RUNNING",
            "14:31",
            None,
        ),
        run(
            "1a2b3c4d-0000-4000-8000-000000000004",
            "样本-甲 家系先证者",
            "RUNNING",
            "14:32",
            None,
        ),
        run(
            "1a2b3c4d-0000-4000-8000-000000000005",
            "HG002",
            "INIT",
            "14:33",
            None,
        ),
    ]
}

fn call(
    run_id: &str,
    name: &str,
    ty: &str,
    status: &str,
    start: &str,
    end: Option<&str>,
) -> RunMetadata {
    RunMetadata {
        run_type: Some(Text::from(ty)),
        run_id: Some(Text::from(run_id)),
        call_name: Some(Text::from(name)),
        status: Some(Text::from(status)),
        start_time: t(start),
        end_time: end.and_then(t),
        input: Some(Text::from(r#"{"in": "cos://bucket/x.bam"}"#)),
        output: Some(Text::from("{}")),
        runtime: Some(Text::from(
            r#"{"docker": "gatk:4.0.11.0", "cpu": "2", "memory": "8 GB"}"#,
        )),
        call_cached: Some(false),
        ..RunMetadata::default()
    }
}

/// The top level of the failed run: a task, a failed sub-workflow, a big scatter, a task.
pub fn top_calls() -> Vec<RunMetadata> {
    vec![
        RunMetadata {
            job_id: Some(Text::from("plan-quick-red-fox-000001")),
            call_cached: Some(true),
            ..call(
                "6f1c2a9e-Germline.QC",
                "Germline.QC",
                "Task",
                "COMPLETE",
                "14:30",
                Some("14:35"),
            )
        },
        call(
            ALIGN,
            "Germline.Align",
            "Workflow",
            "EXECUTOR_ERROR",
            "14:35",
            Some("15:10"),
        ),
        call(
            HC,
            "Germline.HaplotypeCaller",
            "Scatter",
            "COMPLETE",
            "14:40",
            Some("14:58"),
        ),
        RunMetadata {
            job_id: Some(Text::from("plan-quick-red-fox-000009")),
            ..call(
                "6f1c2a9e-Germline.Report",
                "Germline.Report",
                "Task",
                "NOTSTARTED",
                "15:10",
                None,
            )
        },
    ]
}

/// Inside the sub-workflow: a failing scatter and a task that never ran.
pub fn align_calls() -> Vec<RunMetadata> {
    vec![
        call(
            BWA,
            "Align.BwaMem",
            "Scatter",
            "EXECUTOR_ERROR",
            "14:35",
            Some("15:05"),
        ),
        call(
            "6f1c2a9e-Align.MarkDup",
            "Align.MarkDup",
            "Task",
            "NOTSTARTED",
            "15:05",
            None,
        ),
    ]
}

/// The shards of the failing scatter: shard 7 failed.
pub fn bwa_shards(n: usize) -> Vec<RunMetadata> {
    (0..n)
        .map(|i| {
            let failed = i == 7;
            RunMetadata {
                scatter_index: Some(Text::from(format!("-{i}"))),
                job_id: Some(Text::from(format!("plan-bwa-shard-{i:04}"))),
                error_message: failed
                    .then(|| "bwa mem: exit code 137 (out of memory)\nKilled".into()),
                ..call(
                    &format!("{BWA}-{i}"),
                    "Align.BwaMem",
                    "Task",
                    if failed { "EXECUTOR_ERROR" } else { "COMPLETE" },
                    "14:36",
                    Some(if failed { "15:05" } else { "14:50" }),
                )
            }
        })
        .collect()
}

pub fn hc_shards(n: usize) -> Vec<RunMetadata> {
    (0..n)
        .map(|i| RunMetadata {
            scatter_index: Some(Text::from(format!("-{i}"))),
            ..call(
                &format!("{HC}-{i}"),
                "HaplotypeCaller",
                "Task",
                "COMPLETE",
                "14:41",
                Some("14:57"),
            )
        })
        .collect()
}

pub fn scope() -> Scope {
    Scope::new(REGION, Some(PROJECT.to_string()))
}

pub fn api(state: &mut State, r: ApiResult) -> Vec<Effect> {
    update(state, Action::Api(Box::new(r)))
}

pub fn state(w: u16, h: u16) -> State {
    let mut s = State::new(Settings::default(), now());
    s.size = (w, h);
    super::update::init(&mut s);
    api(
        &mut s,
        ApiResult::loaded(
            Request::Projects {
                region: REGION.into(),
            },
            Ok(Answer::Projects(projects())),
        ),
    );
    s
}

/// Drilled into the groups of the first project.
pub fn at_groups(w: u16, h: u16) -> State {
    let mut s = state(w, h);
    update(&mut s, Action::Enter);
    api(
        &mut s,
        ApiResult::loaded(
            Request::Groups { scope: scope() },
            Ok(Answer::Groups(groups())),
        ),
    );
    s
}

pub fn at_runs(w: u16, h: u16) -> State {
    let mut s = at_groups(w, h);
    update(&mut s, Action::Enter);
    api(&mut s, runs_result(GROUP, Ok(runs())));
    s
}

pub fn calls_result(path: &str, calls: Vec<RunMetadata>) -> ApiResult {
    ApiResult::loaded(
        Request::calls(&scope(), RUN, path),
        Ok(Answer::Calls(calls)),
    )
}

/// DescribeRuns of a group of the fixture project: its answer.
pub fn runs_result(group: &str, result: Result<Vec<Run>, ApiError>) -> ApiResult {
    let req = Request::Runs {
        scope: scope(),
        query: RunsQuery::Group(group.into()),
    };
    ApiResult::loaded(req, result.map(Answer::Runs))
}

/// DescribeRunGroups of the fixture project: its answer.
pub fn groups_result(result: Result<Vec<RunGroup>, ApiError>) -> ApiResult {
    ApiResult::loaded(
        Request::Groups { scope: scope() },
        result.map(Answer::Groups),
    )
}

/// The call tree of the failed run (NA12891), top level loaded.
pub fn at_calls(w: u16, h: u16) -> State {
    let mut s = at_runs(w, h);
    if let Some(v) = s.runs_mut() {
        v.list.select_id(RUN);
    }
    update(&mut s, Action::Enter);
    api(&mut s, calls_result("/", top_calls()));
    s
}

/// `n` runs of the running group in a mix of statuses, every fifth one failed.
pub fn many_runs(n: usize) -> Vec<Run> {
    const STATUSES: [&str; 5] = ["SUCCESS", "RUNNING", "SUCCESS", "EXECUTOR_ERROR", "INIT"];
    (0..n)
        .map(|i| {
            let status = STATUSES[i % STATUSES.len()];
            let start = format!("14:{:02}", i % 60);
            let end = format!("16:{:02}", i % 60);
            let done = matches!(status, "SUCCESS" | "EXECUTOR_ERROR");
            let uuid = format!("{i:08x}-0000-4000-8000-{i:012x}");
            let failed = status == "EXECUTOR_ERROR";
            Run {
                error_message: failed.then(|| {
                    format!(
                        r#"{{"error":"Task Align.BwaMem shard {} failed: exit code 137"}}"#,
                        i % 24
                    )
                    .into()
                }),
                ..run(
                    &uuid,
                    &format!("WGS-{i:05}"),
                    status,
                    &start,
                    done.then_some(end.as_str()),
                )
            }
        })
        .collect()
}

/// The runs pane of the running group holding `n` runs.
pub fn at_many_runs(w: u16, h: u16, n: usize) -> State {
    let mut s = at_groups(w, h);
    update(&mut s, Action::Enter);
    api(&mut s, runs_result(GROUP, Ok(many_runs(n))));
    s
}

/// Selects the call with this RunId, if it is on screen.
pub fn select_call(s: &mut State, run_id: &str) -> bool {
    let Some(t) = s.tree_mut() else {
        return false;
    };
    (0..t.nodes.len())
        .find(|&i| t.node(i).run_id() == run_id)
        .is_some_and(|i| t.select_node(i))
}

/// The failed run's call tree with two scatters of `n` shards expanded: HaplotypeCaller at
/// the top and BwaMem inside the Align sub-workflow, `2n + 6` visible rows. The top row is
/// selected.
pub fn at_big_scatters(w: u16, h: u16, n: usize) -> State {
    let mut s = at_calls(w, h);
    let align = format!("/{ALIGN}");
    let opens = [
        (HC, format!("/{HC}"), hc_shards(n)),
        (ALIGN, align.clone(), align_calls()),
        (BWA, format!("{align}/{BWA}"), bwa_shards(n)),
    ];
    for (id, path, calls) in opens {
        select_call(&mut s, id);
        update(&mut s, Action::Right);
        api(&mut s, calls_result(&path, calls));
    }
    update(&mut s, Action::Top);
    s
}

pub const ENV_OK: &str = "env-7d1f2k3m";
pub const ENV_ERROR: &str = "env-hpc9x2qa";
pub const ENV_INIT: &str = "env-new4k8sz";
pub const TABLE: &str = "tbl-wgs-2024-06";
pub const WAITING_GROUP: &str = "run-stuck-gray-walrus-002211";

/// A region's environments: one taking work, one in ERROR (with its Message), one still
/// initialising.
pub fn environments() -> Vec<crate::api::types::Environment> {
    use crate::api::types::Environment;
    let e = |id: &str, name: &str, kind: &str, status: &str, available: bool| Environment {
        environment_id: Some(id.into()),
        name: Some(name.into()),
        region: Some(REGION.into()),
        kind: Some(kind.into()),
        status: Some(status.into()),
        available: Some(available),
        is_default: Some(false),
        is_managed: Some(false),
        ..Environment::default()
    };
    vec![
        Environment {
            is_default: Some(true),
            is_managed: Some(true),
            ..e(ENV_OK, "提交任务环境", "KUBERNETES", "RUNNING", true)
        },
        Environment {
            message: Some("CVM ins-8d2k is unreachable: check its security group".into()),
            ..e(ENV_ERROR, "hpc-gz", "HPC", "ERROR", false)
        },
        e(ENV_INIT, "k8s-new", "KUBERNETES", "INITIALIZING", false),
    ]
}

/// The fixture groups, the running one launched from `TABLE` in `ENV_OK`, and a table
/// batch stuck in INIT on the environment in ERROR.
pub fn platform_groups() -> Vec<RunGroup> {
    let mut gs = groups();
    for g in &mut gs {
        g.environment_id = Some(ENV_OK.into());
    }
    gs[0].table_id = Some(TABLE.into());
    let mut waiting = RunGroup {
        run_group_id: Some(WAITING_GROUP.into()),
        name: Some("wes-tumor-batch-03".into()),
        status: Some("INIT".into()),
        environment_id: Some(ENV_ERROR.into()),
        environment_name: Some("hpc-gz".into()),
        table_id: Some(TABLE.into()),
        total_run: Some(5),
        run_status_counts: counts(&[("INIT", 5)]),
        create_time: t("15:40"),
        ..gs[0].clone()
    };
    waiting.execution_time = None;
    gs.insert(0, waiting);
    gs
}

/// The sample sheet `TABLE`: one row per fixture run (joined by TableRowUuid), and a
/// row no run was made of.
pub fn table() -> crate::api::types::Table {
    use crate::api::types::{Table, TableColumn};
    let col = |h: &str, ty: &str| TableColumn {
        header: Some(h.into()),
        data_type: Some(ty.into()),
    };
    Table {
        table_id: Some(TABLE.into()),
        project_id: Some(PROJECT.into()),
        name: Some("WGS June samples".into()),
        columns: Some(vec![
            col("sample", "String"),
            col("coverage", "Float"),
            col("tissue", "String"),
            col("fastq", "File"),
        ]),
        ..Table::default()
    }
}

pub fn table_rows() -> Vec<crate::api::types::TableRow> {
    let cells = [
        ("NA12878", "31.5", "blood"),
        ("NA12891", "8.2", "blood"),
        ("NA12892", "45", "saliva"),
        ("样本-甲 家系先证者", "28.7", "tumor"),
        ("HG002", "12", "blood"),
        ("HG003", "30.1", "saliva"),
    ];
    cells
        .iter()
        .enumerate()
        .map(|(i, (s, cov, tissue))| crate::api::types::TableRow {
            table_row_uuid: Some(format!("row-{i:04}")),
            content: Some(vec![
                (*s).into(),
                (*cov).into(),
                (*tissue).into(),
                format!("cos://wgs/fastq/{s}_R1.fq.gz"),
            ]),
        })
        .collect()
}

/// The fixture runs, each made of its row of `TABLE`.
pub fn table_runs() -> Vec<Run> {
    runs()
        .into_iter()
        .enumerate()
        .map(|(i, r)| Run {
            table_id: Some(TABLE.into()),
            table_row_uuid: Some(format!("row-{i:04}").into()),
            ..r
        })
        .collect()
}

/// The groups pane of the fixture project with `platform_groups`, its region's
/// environments listed.
pub fn at_platform_groups(w: u16, h: u16) -> State {
    let mut s = state(w, h);
    update(&mut s, Action::Enter);
    api(&mut s, groups_result(Ok(platform_groups())));
    let req = Request::Environments {
        region: REGION.into(),
    };
    api(
        &mut s,
        ApiResult::loaded(req, Ok(Answer::Environments(environments()))),
    );
    s
}

/// The sample sheet of the running group, opened from its runs (the runs listed first).
pub fn at_sheet(w: u16, h: u16) -> State {
    let mut s = at_platform_groups(w, h);
    if let Some(l) = s.groups_mut() {
        l.select_id(GROUP);
    }
    update(&mut s, Action::Enter);
    api(&mut s, runs_result(GROUP, Ok(table_runs())));
    update(&mut s, Action::SampleSheet);
    let tables = Request::Tables {
        scope: scope(),
        table_id: Some(TABLE.into()),
    };
    api(
        &mut s,
        ApiResult::loaded(tables, Ok(Answer::Tables(vec![table()]))),
    );
    let rows = Request::Rows {
        scope: scope(),
        table_id: TABLE.into(),
    };
    api(
        &mut s,
        ApiResult::loaded(rows, Ok(Answer::Rows(table_rows()))),
    );
    s
}

/// The screen the state draws (default keys, no colour), one string a row.
pub fn screen_lines(state: &State) -> Vec<String> {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let keymap = super::keymap::Keymap::new(&Default::default(), false).expect("keymap");
    let theme = super::ui::theme::Theme::plain();
    let screen = super::ui::Screen {
        state,
        keymap: &keymap,
        theme: &theme,
    };
    let (w, h) = state.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| f.render_widget(&screen, f.area()))
        .expect("draw");
    let buf = term.backend().buffer();
    (0..h)
        .map(|y| {
            let mut row = String::new();
            let mut x = 0;
            while x < w {
                let sym = buf[(x, y)].symbol();
                row.push_str(sym);
                // A wide character's second cell is part of it.
                x += super::ui::text::width(sym).max(1) as u16;
            }
            row
        })
        .collect()
}

/// A run of the fixture project: one attempt of `sample`, in `group`.
pub fn attempt(uuid: &str, sample: &str, group: &str, status: &str) -> Run {
    serde_json::from_value(serde_json::json!({
        "RunUuid": uuid, "UserDefinedId": sample, "RunGroupId": group, "Status": status,
        "CreateTime": "2024-06-12 10:00:00",
        "ErrorMessage": "{\"error\": \"Task Germline.BaseRecalibrator failed: Killed (exit code 137: out of memory)\"}",
    }))
    .expect("a run")
}

/// `A` on the fixture run, answered: its sample's newest attempt in `other`, then its own.
pub fn at_attempts(w: u16, h: u16, other: &str) -> State {
    let mut s = at_runs(w, h);
    if let Some(v) = s.runs_mut() {
        v.list.select_id(RUN);
    }
    update(&mut s, Action::Attempts);
    let newest_first = vec![
        attempt("r2", "NA12891", other, "EXECUTOR_ERROR"),
        attempt(RUN, "NA12891", GROUP, "EXECUTOR_ERROR"),
    ];
    api(
        &mut s,
        ApiResult::loaded(
            Request::Attempts {
                scope: scope(),
                samples: vec!["NA12891".into()],
            },
            Ok(Answer::Attempts(
                [("NA12891".to_string(), newest_first)]
                    .into_iter()
                    .collect(),
            )),
        ),
    );
    s
}
