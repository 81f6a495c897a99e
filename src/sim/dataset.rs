//! Builds the world from a seed: the same seed gives the same projects, groups, runs and
//! outcomes, with times placed relative to the moment the sim starts.
//!
//! The shape is fixed (which group is running, which has failures); the seed picks ids,
//! sample names, counts of outcomes and timings.

use std::collections::HashMap;
use std::sync::Arc;

use crate::api::types::{NFOption, RunOption};

use super::Scale;
use super::names::{self, Rng, hash2};
use super::platform;
use super::templates::{self, Kind, Lang};
use super::world::{AppRec, GroupRec, LandmarkIdx, Outcome, ProjectRec, RunRec, World};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    Complete,
    CompleteError,
    Terminated,
    /// Submitted to an environment in ERROR: none of its runs can start.
    Waiting,
}

struct Scenario {
    project: usize,
    app: usize,
    runs: usize,
    state: State,
    age_min: i64,
    report: bool,
    /// The share of a finished batch's runs that failed.
    fail_share: f64,
    /// Of a running group, the share of its runs (percent) that have already failed.
    failed_pct: usize,
}

const fn sc(project: usize, app: usize, runs: usize, state: State, age_min: i64) -> Scenario {
    Scenario {
        project,
        app,
        runs,
        state,
        age_min,
        report: true,
        fail_share: 0.15,
        failed_pct: 0,
    }
}

/// The run groups, oldest last. Index 0 is the running germline group with the failed run
/// to triage and the big scatter; index 1 a running rnaseq group; index 2 a finished group.
const SCENARIOS: [Scenario; 16] = [
    sc(0, 0, 24, State::Running, 120),
    sc(0, 2, 12, State::Running, 50),
    sc(0, 0, 8, State::Complete, 1500),
    sc(0, 3, 6, State::CompleteError, 360),
    sc(0, 0, 16, State::Terminated, 300),
    sc(1, 1, 30, State::Running, 90),
    // The big failed batch to triage: nearly half its runs failed, for three causes.
    Scenario {
        fail_share: 0.45,
        ..sc(1, 1, 40, State::CompleteError, 1200)
    },
    sc(1, 3, 10, State::Complete, 2900),
    sc(2, 0, 60, State::Running, 180),
    sc(2, 0, 48, State::Complete, 1800),
    sc(2, 3, 1, State::CompleteError, 480),
    sc(3, 2, 9, State::Running, 30),
    sc(3, 4, 4, State::Complete, 600),
    sc(4, 4, 16, State::Running, 60),
    Scenario {
        report: false,
        ..sc(4, 2, 20, State::CompleteError, 840)
    },
    sc(0, 1, 1, State::Complete, 4000),
];

/// The group stuck in INIT for over an hour (an rnaseq table batch in ap-guangzhou's
/// default project, on its environment in ERROR). Made after every other group, so no
/// other id changed when it was added.
const WAITING: Scenario = sc(0, 2, 6, State::Waiting, 75);

const GERMLINE_SAMPLES: [&str; 8] = [
    "NA12878", "HG002", "HG003", "HG004", "NA24385", "NA24149", "NA24143", "HG005",
];
const CREATORS: [&str; 4] = ["zhangwei", "lina.chen", "wang.hao", "omics-pipeline-bot"];

fn projects(rng: &mut Rng, t0: i64) -> Vec<ProjectRec> {
    let spec: [(&str, &str, &str, bool, i64); 5] = [
        ("ap-guangzhou", "默认项目", "Default project", true, 400),
        (
            "ap-guangzhou",
            "肿瘤外显子组",
            "Tumour/normal exome cohort (肿瘤-正常配对)",
            false,
            200,
        ),
        (
            "ap-guangzhou",
            "Population WGS",
            "Population-scale whole genomes",
            false,
            150,
        ),
        ("ap-shanghai", "默认项目", "Default project", true, 380),
        (
            "ap-shanghai",
            "单细胞图谱 Single-cell atlas",
            "10x single-cell RNA-seq",
            false,
            90,
        ),
    ];
    spec.iter()
        .map(
            |&(region, name, description, is_default, days)| ProjectRec {
                id: names::word_id("prj", rng),
                name: name.to_string(),
                description: description.to_string(),
                region,
                created: t0 - days * 24 * HOUR - rng.range(0, 20 * HOUR),
                creator: CREATORS[0].to_string(),
                is_default,
            },
        )
        .collect()
}

fn sample_name(app: usize, group_seed: u64, i: usize) -> String {
    match app {
        0 if i < GERMLINE_SAMPLES.len() => GERMLINE_SAMPLES[i].to_string(),
        1 => format!("PT{:04}-T", 100 + (group_seed % 500) as usize + i),
        4 => format!("PBMC_{}", i + 1),
        _ => format!("S{:04}", 1 + (group_seed % 2000) as usize + i),
    }
}

fn options(
    lang: Lang,
    report: bool,
    prefix: &str,
    volume: &str,
    rng: &mut Rng,
) -> (Option<RunOption>, Option<NFOption>) {
    match lang {
        Lang::Wdl => (
            Some(RunOption {
                failure_mode: Some({
                    let mode = if rng.chance(0.7) {
                        "NoNewCalls"
                    } else {
                        "ContinueWhilePossible"
                    };
                    // The germline groups answer FailureMode "", as the reference's own
                    // DescribeRunGroups example does: a retry must not send that back.
                    if prefix == "wgs-germline" { "" } else { mode }.into()
                }),
                use_call_cache: Some(rng.chance(0.5)),
                use_error_on_hold: Some(false),
                final_workflow_outputs_dir: Some(
                    format!("cos://omics-results-1250000000/{prefix}/").into(),
                ),
                use_relative_output_paths: Some(true),
                add_run_info_to_output_dir: Some(true),
            }),
            None,
        ),
        Lang::Nextflow => (
            None,
            Some(NFOption {
                config: Some("process.executor = 'k8s'\ndocker.enabled = true".into()),
                profile: Some("docker".into()),
                report: Some(report),
                resume: Some(false),
                nf_version: Some("23.10.1".into()),
                launch_dir: Some(format!("{volume}/nextflow")),
            }),
        ),
    }
}

/// A finished run's or a live run's schedule: `nominal` so the run ends at `end`.
fn schedule(run: &mut RunRec, world: &World, end: i64, fail: Option<(usize, Outcome)>) {
    let template = &world.apps[world.groups[run.group].app].template;
    if let Some((leaf, oc)) = fail {
        let n = &template.nodes[leaf];
        run.fail_leaf = Some(leaf);
        run.fail_frac = n.a + (n.b - n.a) * 0.55;
        run.outcome = oc;
        run.nominal = (((end - run.start) as f64) / run.fail_frac) as i64;
    } else {
        run.nominal = end - run.start;
    }
}

/// Builds the world. `t0` is the sim clock at start (Unix ms).
pub fn generate(seed: u64, scale: &Scale, t0: i64) -> World {
    let mut rng = Rng::new(seed);
    let apps = Arc::new(templates::applications());
    let app_recs = apps
        .iter()
        .map(|_| AppRec {
            id: names::word_id("app", &mut rng),
            version_id: names::word_id("appver", &mut rng),
            created: t0 - rng.range(60, 300) * 24 * HOUR,
        })
        .collect();
    let projects = projects(&mut rng, t0);
    let envs = platform::environments(seed, &mut rng, t0);
    let mut world = World {
        seed,
        t0,
        speed: scale.speed,
        scatter_shards: scale.scatter_shards as u32,
        apps,
        app_recs,
        projects,
        envs,
        tables: Vec::new(),
        groups: Vec::new(),
        runs: Vec::new(),
        group_by_id: HashMap::new(),
        run_by_id: HashMap::new(),
        landmarks: LandmarkIdx::default(),
        rng: Rng::new(hash2(seed, 0xC0FFEE)),
    };
    let mut name_counts: HashMap<String, usize> = HashMap::new();
    let mut all: Vec<(usize, Scenario)> = SCENARIOS
        .iter()
        .enumerate()
        .map(|(i, s)| (i, Scenario { ..*s }))
        .collect();
    if scale.big_group_runs > 0 {
        all.push((
            all.len(),
            Scenario {
                runs: scale.big_group_runs,
                failed_pct: scale.big_group_failed_pct.min(100),
                ..sc(0, 0, 0, State::Running, 180)
            },
        ));
    }
    // Create oldest first so the ids of later groups don't depend on the big group.
    for (i, s) in &all {
        let g = add_group(&mut world, *i, s, &mut rng, &mut name_counts);
        if *i == SCENARIOS.len() {
            world.landmarks.big_group = Some(g);
        }
    }
    let waiting_index = all.len();
    world.landmarks.waiting_group = add_group(
        &mut world,
        waiting_index,
        &WAITING,
        &mut rng,
        &mut name_counts,
    );
    world.landmarks.running_group = 0;
    world.landmarks.finished_group = 2;
    // ap-beijing's default project, new and still without run groups: nothing lists it
    // when DescribeProjects is unavailable. (Its own generator, so the ids above stay.)
    let mut brng = Rng::new(hash2(seed, 0xBE1));
    world.projects.push(ProjectRec {
        id: names::word_id("prj", &mut brng),
        name: "默认项目".into(),
        description: "Default project".into(),
        region: "ap-beijing",
        created: t0 - 3 * 24 * HOUR,
        creator: CREATORS[0].to_string(),
        is_default: true,
    });
    world
}

fn add_group(
    world: &mut World,
    index: usize,
    s: &Scenario,
    rng: &mut Rng,
    name_counts: &mut HashMap<String, usize>,
) -> usize {
    let t0 = world.t0;
    let gseed = hash2(world.seed, index as u64 + 1);
    let mut grng = Rng::new(gseed);
    let created = t0 - s.age_min * MIN - grng.range(0, 10 * MIN);
    let app = &world.apps[s.app];
    let lang = app.template.lang;
    let prefix = app.group_prefix;
    let date = names::compact_date(created);
    let n = name_counts.entry(format!("{prefix}-{date}")).or_insert(0);
    let name = format!("{prefix}-{date}-{n}");
    *n += 1;
    let region = world.projects[s.project].region;
    // A region's groups run in its default environment; the waiting one was sent to the
    // environment now in ERROR.
    let env = world
        .envs
        .iter()
        .position(|e| {
            e.region == region
                && if s.state == State::Waiting {
                    e.status == "ERROR"
                } else {
                    e.is_default
                }
        })
        .unwrap_or(0);
    let volume = world.envs[env].default_mount().to_string();
    let (option, nf_option) = options(lang, s.report, prefix, &volume, &mut grng);
    let terminated = (s.state == State::Terminated).then(|| created + s.age_min * MIN * 6 / 10);
    let group = GroupRec {
        id: names::word_id("run", rng),
        name,
        description: if s.runs > 1 {
            format!("{} samples", s.runs)
        } else {
            String::new()
        },
        project: s.project,
        app: s.app,
        env,
        created,
        runs: Vec::new(),
        option,
        nf_option,
        terminated,
        table_id: if s.runs > 1 {
            names::word_id("tab", &mut grng)
        } else {
            String::new()
        },
        creator: grng.pick(&CREATORS).to_string(),
        retries: 0,
        git: None,
        // A call cache kept forever, or cleared 6, 24 or 72 hours after a run ends.
        cache_clear_delay_hours: [0, 6, 24, 72][(gseed % 4) as usize],
    };
    let g = world.add_group(group);
    let failable = failure_plan(&world.apps[s.app].template.failable(), gseed);
    for i in 0..s.runs {
        let rseed = hash2(gseed, i as u64 + 1);
        let mut r = Rng::new(rseed);
        let submitted = created + 2_000 + r.range(0, 8_000);
        let mut run = RunRec {
            uuid: names::uuid(rseed),
            group: g,
            sample: sample_name(s.app, gseed, i),
            table_row: if s.runs > 1 {
                names::uuid(rseed ^ 0x7AB1E)
            } else {
                String::new()
            },
            seed: rseed,
            submitted,
            start: submitted + r.range(5_000, 90_000),
            nominal: HOUR,
            outcome: Outcome::Success,
            fail_leaf: None,
            fail_frac: 1.0,
            terminated: None,
            cache_prefix: None,
            big_scatter: false,
        };
        let fail_with = |r: &mut Rng| {
            let oc = if r.chance(0.25) {
                Outcome::SystemError
            } else {
                Outcome::ExecutorError
            };
            Some((pick_cause(&failable, r), oc))
        };
        let finished_end = |r: &mut Rng, start: i64| {
            let latest = t0 - 5 * MIN;
            start + ((latest - start) as f64 * (0.5 + 0.5 * r.unit())) as i64
        };
        match s.state {
            State::Complete => {
                let end = finished_end(&mut r, run.start);
                schedule(&mut run, world, end, None);
            }
            State::CompleteError => {
                let end = finished_end(&mut r, run.start);
                let fail = if r.chance(s.fail_share) || i == s.runs / 2 {
                    fail_with(&mut r)
                } else {
                    None
                };
                schedule(&mut run, world, end, fail);
            }
            State::Terminated => {
                let t = terminated.unwrap_or(t0);
                if r.chance(0.4) {
                    let end = run.start + ((t - run.start) as f64 * (0.3 + 0.6 * r.unit())) as i64;
                    schedule(&mut run, world, end, None);
                } else {
                    schedule(&mut run, world, t0 + 2 * HOUR, None);
                    run.terminated = Some(t);
                }
            }
            // Exactly `failed_pct` percent, spread evenly: these have failed already.
            State::Running if (i + 1) * s.failed_pct / 100 > i * s.failed_pct / 100 => {
                let end = finished_end(&mut r, run.start);
                let fail = fail_with(&mut r);
                schedule(&mut run, world, end, fail);
            }
            State::Running => running_schedule(world, &mut run, &mut r, &failable),
            // It would start the moment its environment recovered; it does not.
            State::Waiting => {
                run.start = t0 + 365 * 24 * HOUR;
                let end = run.start + HOUR;
                schedule(&mut run, world, end, None);
            }
        }
        world.add_run(run);
    }
    if s.runs > 1 {
        let table = platform::table_of_group(world, g);
        world.tables.push(table);
    }
    if index == 0 {
        mark_germline_landmarks(world, g);
    }
    if index == 1 {
        mark_nextflow_landmark(world, g);
    }
    if index == SCENARIOS.len() {
        // The big group holds a big scatter too: 5,000 runs and a big call tree at once.
        let first = world.groups[g].runs[0];
        put_in_big_scatter(world, first);
        world.landmarks.big_group_scatter_run = Some(first);
    }
    g
}

/// A batch fails for a few causes, not one per run: three of its tasks (so three tools, each
/// with its own telling error; see `text::failure_cause`), in uneven shares. With a system
/// error on top (a lost node, a quarter of the failures), a batch shows three or four
/// failure signatures, as real ones do.
fn failure_plan(failable: &[usize], gseed: u64) -> Vec<usize> {
    if failable.len() <= 3 {
        return failable.to_vec();
    }
    let mut plan: Vec<usize> = Vec::with_capacity(3);
    let mut k = 0;
    while plan.len() < 3 {
        let leaf = failable[(hash2(gseed, 0xFA11 + k) % failable.len() as u64) as usize];
        if !plan.contains(&leaf) {
            plan.push(leaf);
        }
        k += 1;
    }
    plan
}

/// A failing task from the plan: the first in six of ten failures, the second in a
/// quarter, the third in the rest. One draw, as a pick is.
fn pick_cause(plan: &[usize], r: &mut Rng) -> usize {
    let u = r.unit();
    let i = if u < 0.6 {
        0
    } else if u < 0.85 {
        1
    } else {
        2
    };
    plan[i.min(plan.len().saturating_sub(1))]
}

/// A run of a running group: a third finished, half running (ending over the next 2-15
/// minutes, scaled by speed), the rest queued to start within minutes.
fn running_schedule(world: &World, run: &mut RunRec, r: &mut Rng, failable: &[usize]) {
    let t0 = world.t0;
    let roll = r.unit();
    let oc = if r.chance(0.25) {
        Outcome::SystemError
    } else {
        Outcome::ExecutorError
    };
    let fail = |r: &mut Rng, p: f64| r.chance(p).then(|| (pick_cause(failable, r), oc));
    if roll < 0.35 {
        run.start = run.start.min(t0 - 20 * MIN);
        let end = run.start + ((t0 - MIN - run.start) as f64 * (0.5 + 0.5 * r.unit())) as i64;
        let f = fail(r, 0.15);
        schedule(run, world, end, f);
    } else if roll < 0.85 {
        run.start = run.start.min(t0 - 5 * MIN);
        let end = t0 + world.fut(r.range(2 * MIN, 15 * MIN));
        let f = fail(r, 0.1);
        schedule(run, world, end, f);
    } else {
        run.start = t0 + world.fut(r.range(MIN, 4 * MIN));
        let end = run.start + world.fut(r.range(5 * MIN, 12 * MIN));
        schedule(run, world, end, None);
    }
}

/// Run 0 of the first group failed in a task of its sub-sub-workflow (BQSR); run 1 is in
/// the middle of its big HaplotypeCaller scatter.
fn mark_germline_landmarks(world: &mut World, g: usize) {
    let t0 = world.t0;
    let runs = world.groups[g].runs.clone();
    let template = &world.apps[world.groups[g].app].template;
    let leaf = template.find("GatherBqsrReports").unwrap_or(0);

    let failed = runs[0];
    let mut run = world.runs[failed].clone();
    run.start = t0 - 100 * MIN;
    run.terminated = None;
    schedule(
        &mut run,
        world,
        t0 - 20 * MIN,
        Some((leaf, Outcome::ExecutorError)),
    );
    world.runs[failed] = run;

    let big = runs[1];
    put_in_big_scatter(world, big);

    world.landmarks.failed_run = failed;
    world.landmarks.big_scatter_run = big;
}

/// Puts a germline run in the middle of its big HaplotypeCaller scatter, widened to
/// `Scale::scatter_shards` shards.
fn put_in_big_scatter(world: &mut World, idx: usize) {
    let template = &world.apps[world.groups[world.runs[idx].group].app].template;
    let Some(scatter) = template
        .nodes
        .iter()
        .position(|n| matches!(n.kind, Kind::Scatter { big: true, .. }))
    else {
        return;
    };
    let (sa, sb) = (template.nodes[scatter].a, template.nodes[scatter].b);
    let f = sa + 0.45 * (sb - sa);
    let remaining = world.fut(12 * MIN);
    let mut run = world.runs[idx].clone();
    run.start = world.t0 - (f / (1.0 - f) * remaining as f64) as i64;
    run.terminated = None;
    run.big_scatter = true;
    schedule(&mut run, world, world.t0 + remaining, None);
    world.runs[idx] = run;
}

/// Run 0 of the running rnaseq group failed in a process; its files show the error.
fn mark_nextflow_landmark(world: &mut World, g: usize) {
    let t0 = world.t0;
    let first = world.groups[g].runs[0];
    let template = &world.apps[world.groups[g].app].template;
    let leaf = template.failable().first().copied().unwrap_or(1);
    let mut run = world.runs[first].clone();
    run.start = t0 - 40 * MIN;
    schedule(
        &mut run,
        world,
        t0 - 10 * MIN,
        Some((leaf, Outcome::ExecutorError)),
    );
    world.runs[first] = run;
    world.landmarks.nextflow_run = first;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(seed: u64) -> World {
        generate(seed, &Scale::default(), 1_800_000_000_000)
    }

    #[test]
    fn same_seed_same_world() {
        let (a, b) = (world(7), world(7));
        let ids = |w: &World| w.groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&world(8)));
    }

    #[test]
    fn shape_matches_the_story() {
        let w = world(42);
        let now = w.t0;
        assert_eq!(w.projects.iter().filter(|p| p.is_default).count(), 3);
        let beijing = w.projects.iter().position(|p| p.region == "ap-beijing");
        assert!(!w.groups.iter().any(|g| Some(g.project) == beijing));
        assert_eq!(w.group_status(0, now), "RUNNING");
        assert_eq!(w.group_status(2, now), "COMPLETE");
        assert_eq!(w.group_status(4, now), "COMPLETE_ERROR");
        assert!(
            w.status_counts(4, now)
                .iter()
                .any(|(s, _)| *s == "CANCELED")
        );
        let waiting = w.landmarks.waiting_group;
        assert_eq!(w.group_status(waiting, now), "INIT");
        assert_eq!(w.envs[w.groups[waiting].env].status, "ERROR");
        assert_eq!(w.groups[waiting].project, 0);
        assert_eq!(w.runs[w.landmarks.failed_run].status(now), "EXECUTOR_ERROR");
        assert_eq!(w.runs[w.landmarks.big_scatter_run].status(now), "RUNNING");
        let running = w
            .groups
            .iter()
            .enumerate()
            .filter(|(i, _)| w.group_status(*i, now) == "RUNNING");
        assert!(running.count() >= 4);
        // Some runs of the running groups finish within the next 15 minutes.
        let soon = w
            .runs
            .iter()
            .filter(|r| r.end() > now && r.end() < now + 16 * MIN)
            .count();
        assert!(soon > 10, "{soon}");
    }

    #[test]
    fn table_batches_have_tables_whose_rows_are_their_runs() {
        let w = world(42);
        let batches: Vec<usize> = (0..w.groups.len())
            .filter(|&g| !w.groups[g].table_id.is_empty())
            .collect();
        assert!(batches.len() > 10);
        for g in batches {
            let group = &w.groups[g];
            let table = w
                .tables
                .iter()
                .find(|t| t.id == group.table_id)
                .expect("a table per table batch");
            assert_eq!(table.project, group.project);
            assert_eq!(table.rows.len(), group.runs.len());
            for (&r, (uuid, cells)) in group.runs.iter().zip(&table.rows) {
                assert_eq!(uuid, &w.runs[r].table_row);
                assert_eq!(cells[0], w.runs[r].sample, "the first cell is the sample");
                assert_eq!(cells.len(), table.columns.len());
            }
        }
        // Every region has an available default environment, and only those are available.
        for region in ["ap-guangzhou", "ap-shanghai", "ap-beijing"] {
            let defaults: Vec<_> = w
                .envs
                .iter()
                .filter(|e| e.region == region && e.is_default)
                .collect();
            assert_eq!(defaults.len(), 1);
            assert!(defaults[0].available && defaults[0].status == "RUNNING");
        }
        assert!(
            w.envs
                .iter()
                .all(|e| e.available == (e.status == "RUNNING"))
        );
        let statuses: std::collections::HashSet<&str> = w.envs.iter().map(|e| e.status).collect();
        assert_eq!(
            statuses.len(),
            6,
            "every status the reference lists: {statuses:?}"
        );
    }

    #[test]
    fn adding_environments_and_tables_changed_no_existing_id() {
        // Seed 42's ids as they were before environments, volumes and tables were made.
        let w = world(42);
        let first: Vec<&str> = w.groups.iter().take(3).map(|g| g.id.as_str()).collect();
        assert_eq!(
            first,
            [
                "run-clever-lime-crane-132929",
                "run-quiet-indigo-quokka-237567",
                "run-bold-magenta-skunk-617710"
            ]
        );
        assert_eq!(w.envs[0].id, "env-d3zbc283");
        assert_eq!(w.envs[1].id, "env-e94dlqsl");
        assert_eq!(
            w.runs[w.landmarks.failed_run].uuid,
            "0d936feb-a88c-4f39-83f7-ca1f5c20b491"
        );
        assert_eq!(w.envs[0].default_mount(), "/vol-8w7rfq4b");
        assert_eq!(w.envs[0].execution_mount(), "/vol-4kmq63d5");
    }

    #[test]
    fn the_big_group_holds_a_run_in_a_big_scatter() {
        let scale = Scale {
            big_group_runs: 50,
            ..Scale::default()
        };
        let w = generate(42, &scale, 1_800_000_000_000);
        let group = w.landmarks.big_group.expect("the big group");
        let failing = Scale {
            big_group_runs: 500,
            big_group_failed_pct: 40,
            ..Scale::default()
        };
        let f = generate(42, &failing, 1_800_000_000_000);
        let g = f.landmarks.big_group.expect("the big group");
        let failed = f.groups[g]
            .runs
            .iter()
            .filter(|&&r| {
                f.runs[r].status(f.t0) == super::super::world::status::EXECUTOR_ERROR
                    || f.runs[r].status(f.t0) == super::super::world::status::SYSTEM_ERROR
            })
            .count();
        assert!((200..=240).contains(&failed), "{failed} of 500 failed");
        let run = w
            .landmarks
            .big_group_scatter_run
            .expect("its big-scatter run");
        assert_eq!(w.runs[run].group, group);
        assert!(w.runs[run].big_scatter);
        assert_eq!(w.runs[run].status(w.t0), "RUNNING");
        assert!(w.landmarks.big_group_scatter_run != Some(w.landmarks.big_scatter_run));
    }
}
