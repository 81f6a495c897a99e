//! Environments, their cache volumes and the sample tables of table batches: how the
//! dataset makes them, and how they are rendered as the service's data structures.
//!
//! Every region has a RUNNING default environment (the one its groups run in) and others in
//! the statuses the reference lists: ap-guangzhou an HPC cluster in ERROR, holding a group
//! stuck in INIT, and one still INITIALIZING; ap-shanghai one DELETING; ap-beijing one that
//! failed to initialise (INITIALIZATION_ERROR) and one that failed to be deleted
//! (DELETE_ERROR). Only RUNNING environments are available. A table batch's table has one
//! row per run: its TableRowUuid is the run's, its first cell the run's sample
//! (UserDefinedId).

use crate::api::types::{
    Environment, ResourceIds, Table, TableColumn, TableRow, Timestamp, Volume,
};

use super::names::{self, Rng, hash_str, hash2};
use super::templates::AppSpec;
use super::world::{EnvRec, TableRec, VolumeRec, World};

const DAY: i64 = 24 * 3_600_000;
const GIB: i64 = 1 << 30;

/// The volume the reference's examples use; the default volume of ap-guangzhou's default
/// environment, where its Nextflow runs work.
const GZ_DEFAULT_VOLUME: &str = "vol-8w7rfq4b";
/// The volume ap-guangzhou's WDL runs execute in.
const GZ_EXECUTION_VOLUME: &str = "vol-4kmq63d5";

struct EnvSpec {
    region: &'static str,
    name: &'static str,
    kind: &'static str,
    status: &'static str,
    description: &'static str,
    age_days: i64,
}

/// The environments beside each region's default one, in order.
const OTHERS: [EnvSpec; 5] = [
    EnvSpec {
        region: "ap-guangzhou",
        name: "hpc-gz",
        kind: "HPC",
        status: "ERROR",
        description: "Slurm cluster for large joint-calling jobs",
        age_days: 120,
    },
    EnvSpec {
        region: "ap-guangzhou",
        name: "gz-gpu",
        kind: "KUBERNETES",
        status: "INITIALIZING",
        description: "GPU nodes for Parabricks",
        age_days: 0,
    },
    EnvSpec {
        region: "ap-shanghai",
        name: "sh-archive",
        kind: "KUBERNETES",
        status: "DELETING",
        description: "Old cohort, being retired",
        age_days: 500,
    },
    EnvSpec {
        region: "ap-beijing",
        name: "bj-hpc-trial",
        kind: "HPC",
        status: "INITIALIZATION_ERROR",
        description: "Trial HPC cluster",
        age_days: 3,
    },
    EnvSpec {
        region: "ap-beijing",
        name: "bj-legacy",
        kind: "KUBERNETES",
        status: "DELETE_ERROR",
        description: "Legacy environment",
        age_days: 700,
    },
];

/// What an environment in `status` says about itself, from its resources' ids.
fn message(status: &str, ids: &ResourceIds) -> String {
    let id = |v: &Option<String>| v.clone().unwrap_or_default();
    match status {
        "ERROR" => format!(
            "The Slurm controller on CVM {} has failed 3 health checks in a row; no job can be scheduled",
            id(&ids.cvm_id)
        ),
        "INITIALIZING" => format!(
            "Creating the Kubernetes cluster {} (3 of 5 steps done)",
            id(&ids.eks_id)
        ),
        "DELETING" => format!(
            "Releasing the file system {} and the database {}",
            id(&ids.cfs_id),
            id(&ids.tdsqlc_id)
        ),
        "INITIALIZATION_ERROR" => {
            "Insufficient CVM quota in ap-beijing-6: 4 instances requested, 0 available".into()
        }
        "DELETE_ERROR" => format!(
            "The file system {} is still mounted by another resource",
            id(&ids.cfs_id)
        ),
        _ => String::new(),
    }
}

/// An environment's cloud resources, from its seed.
pub fn resource_ids(env: &EnvRec) -> ResourceIds {
    let mut rng = Rng::new(hash2(env.seed, 0x1D5));
    let mut id = |prefix: &str| names::short_id(prefix, &mut rng);
    let hpc = env.kind == "HPC";
    ResourceIds {
        vpc_id: Some(id("vpc")),
        subnet_id: Some(id("subnet")),
        security_group_id: Some(id("sg")),
        tdsqlc_id: Some(id("cynosdbmysql")),
        cfs_id: Some(id("cfs")),
        cfs_storage_type: Some(if hpc { "TP" } else { "HP" }.into()),
        cvm_id: Some(if hpc { id("ins") } else { String::new() }),
        eks_id: Some(if hpc { String::new() } else { id("cls") }),
    }
}

/// A volume of `env`: `share` of `capacity` GB in use.
fn volume(
    env: &EnvRec,
    id: String,
    default: bool,
    capacity: i64,
    share: f64,
    status: &'static str,
) -> VolumeRec {
    let spec = if env.kind == "HPC" { "TP" } else { "HP" };
    VolumeRec {
        name: if default {
            format!("默认缓存卷（{}）", env.id)
        } else {
            format!("{}-scratch", env.name)
        },
        description: if default {
            String::new()
        } else {
            "Scratch space for large intermediate files".into()
        },
        spec,
        capacity,
        usage: (capacity as f64 * GIB as f64 * share) as i64,
        bandwidth: if spec == "TP" { 1000.0 } else { 380.0 },
        mount_path: format!("/{id}"),
        id,
        is_default: default,
        status,
    }
}

/// The environments: each region's default one first (their ids drawn from `rng` as the
/// dataset always has), then the others, whose ids come from their own generator.
pub fn environments(seed: u64, rng: &mut Rng, t0: i64) -> Vec<EnvRec> {
    let defaults = [
        ("ap-guangzhou", "广州计算环境"),
        ("ap-shanghai", "上海计算环境"),
        ("ap-beijing", "北京计算环境"),
    ];
    let base = |id: String, region, name: &str, i: u64| EnvRec {
        seed: hash2(seed, 0xE0 + i),
        id,
        name: name.to_string(),
        region,
        description: String::new(),
        kind: "KUBERNETES",
        status: "RUNNING",
        available: true,
        is_default: true,
        is_managed: true,
        message: String::new(),
        created: t0 - 400 * DAY,
        volumes: Vec::new(),
    };
    let mut envs: Vec<EnvRec> = defaults
        .iter()
        .enumerate()
        .map(|(i, &(region, name))| base(names::short_id("env", rng), region, name, i as u64))
        .collect();
    let mut own = Rng::new(hash2(seed, 0xE7E7));
    for (i, spec) in OTHERS.iter().enumerate() {
        let mut e = base(
            names::short_id("env", &mut own),
            spec.region,
            spec.name,
            10 + i as u64,
        );
        e.description = spec.description.into();
        e.kind = spec.kind;
        e.status = spec.status;
        e.available = false;
        e.is_default = false;
        e.is_managed = false;
        e.created = t0 - spec.age_days * DAY - 3_600_000;
        e.message = message(spec.status, &resource_ids(&e));
        envs.push(e);
    }
    for e in &mut envs {
        let mut r = Rng::new(hash2(e.seed, 0x701));
        let default_id = match (e.region, e.is_default) {
            ("ap-guangzhou", true) => GZ_DEFAULT_VOLUME.to_string(),
            _ => names::short_id("vol", &mut r),
        };
        let share = 0.2 + 0.5 * r.unit();
        e.volumes = match e.status {
            "INITIALIZATION_ERROR" => Vec::new(),
            "INITIALIZING" => vec![volume(e, default_id, true, 1024, 0.0, "CREATING")],
            "DELETING" => vec![volume(e, default_id, true, 4096, share, "DELETING")],
            "RUNNING" => {
                let scratch = match e.region {
                    "ap-guangzhou" => GZ_EXECUTION_VOLUME.to_string(),
                    _ => names::short_id("vol", &mut r),
                };
                // Shanghai's scratch volume is nearly full.
                let scratch_share = if e.region == "ap-shanghai" {
                    0.97
                } else {
                    share / 2.0
                };
                vec![
                    volume(e, default_id, true, 32768, share, "AVAILABLE"),
                    volume(e, scratch, false, 8192, scratch_share, "AVAILABLE"),
                ]
            }
            _ => vec![volume(e, default_id, true, 8192, share, "AVAILABLE")],
        };
    }
    envs
}

/// The columns of a table batch's sheet for an application: the sample first.
fn columns(app: &AppSpec) -> Vec<(String, &'static str)> {
    let cols: &[(&str, &'static str)] = match app.group_prefix {
        "wgs-germline" => &[
            ("sample_id", "String"),
            ("fastq_r1", "File"),
            ("fastq_r2", "File"),
            ("coverage", "String"),
        ],
        "wes-somatic" => &[
            ("tumor_id", "String"),
            ("tumor_bam", "File"),
            ("normal_bam", "File"),
            ("intervals", "File"),
        ],
        "sarek" => &[
            ("sample", "String"),
            ("patient", "String"),
            ("fastq_1", "File"),
            ("fastq_2", "File"),
        ],
        "scrnaseq" => &[
            ("sample", "String"),
            ("fastq_1", "File"),
            ("fastq_2", "File"),
            ("expected_cells", "String"),
        ],
        _ => &[
            ("sample", "String"),
            ("fastq_1", "File"),
            ("fastq_2", "File"),
            ("strandedness", "String"),
        ],
    };
    cols.iter().map(|(h, t)| ((*h).to_string(), *t)).collect()
}

/// One row's cells, a pure function of the sample (the dataset's generators are not
/// touched, so adding tables changed no other id).
fn cells(app: &AppSpec, project: &str, sample: &str) -> Vec<String> {
    let h = hash_str(0x5A3, sample);
    let dir = format!("cos://omics-data-1250000000/{project}/{}", app.group_prefix);
    let fastq = |r: u8| format!("{dir}/{sample}/{sample}_R{r}.fastq.gz");
    match app.group_prefix {
        "wgs-germline" => vec![
            sample.into(),
            fastq(1),
            fastq(2),
            format!("{}x", 25 + h % 20),
        ],
        "wes-somatic" => vec![
            sample.into(),
            format!("{dir}/{sample}.bam"),
            format!("{dir}/{}.bam", sample.replace("-T", "-N")),
            format!("{dir}/exome_calling_regions.v1.interval_list"),
        ],
        "sarek" => vec![
            sample.into(),
            format!("P{:03}", h % 500),
            fastq(1),
            fastq(2),
        ],
        "scrnaseq" => vec![
            sample.into(),
            fastq(1),
            fastq(2),
            (3000 + h % 7000).to_string(),
        ],
        _ => vec![
            sample.into(),
            fastq(1),
            fastq(2),
            ["forward", "reverse", "unstranded"][(h % 3) as usize].into(),
        ],
    }
}

/// The table a table batch (group `g`) was launched from: one row per run.
pub fn table_of_group(w: &World, g: usize) -> TableRec {
    let group = &w.groups[g];
    let app = &w.apps[group.app];
    let project = &w.projects[group.project].id;
    TableRec {
        id: group.table_id.clone(),
        project: group.project,
        name: format!("{}-samples", group.name),
        description: format!("{} samples for {}", group.runs.len(), app.name),
        columns: columns(app),
        rows: group
            .runs
            .iter()
            .map(|&r| {
                let run = &w.runs[r];
                (run.table_row.clone(), cells(app, project, &run.sample))
            })
            .collect(),
        created: group.created - 30 * 60_000,
        creator: group.creator.clone(),
    }
}

/// The newest run submitted in environment `e` by `now`.
fn last_workflow(w: &World, e: usize, now: i64) -> String {
    w.runs
        .iter()
        .filter(|r| w.groups[r.group].env == e && r.submitted <= now)
        .max_by_key(|r| r.submitted)
        .map(|r| r.uuid.clone())
        .unwrap_or_default()
}

pub fn environment(w: &World, e: usize, now: i64) -> Environment {
    let env = &w.envs[e];
    Environment {
        environment_id: Some(env.id.clone()),
        name: Some(env.name.clone()),
        description: Some(env.description.clone()),
        region: Some(env.region.to_string()),
        kind: Some(env.kind.to_string()),
        status: Some(env.status.to_string()),
        available: Some(env.available),
        is_default: Some(env.is_default),
        is_managed: Some(env.is_managed),
        message: Some(env.message.clone()),
        resource_ids: Some(resource_ids(env)),
        last_workflow_uuid: Some(last_workflow(w, e, now)),
        creation_time: Some(names::ts(env.created)),
    }
}

pub fn volume_of(env: &EnvRec, v: &VolumeRec) -> Volume {
    Volume {
        volume_id: Some(v.id.clone()),
        name: Some(v.name.clone()),
        description: Some(v.description.clone()),
        environment_id: Some(env.id.clone()),
        kind: Some("SHARED".into()),
        spec: Some(v.spec.into()),
        capacity: Some(v.capacity),
        usage: Some(v.usage),
        bandwidth_limit: Some(v.bandwidth),
        default_mount_path: Some(v.mount_path.clone()),
        is_default: Some(v.is_default),
        status: Some(v.status.into()),
    }
}

pub fn table(w: &World, t: usize) -> Table {
    let t = &w.tables[t];
    Table {
        table_id: Some(t.id.clone()),
        project_id: Some(w.projects[t.project].id.clone()),
        name: Some(t.name.clone()),
        description: Some(t.description.clone()),
        columns: Some(
            t.columns
                .iter()
                .map(|(h, d)| TableColumn {
                    header: Some(h.clone()),
                    data_type: Some((*d).into()),
                })
                .collect(),
        ),
        create_time: Some(Timestamp::parse(&names::plain(t.created))),
        creator: Some(t.creator.clone()),
        creator_id: Some("100023456789".into()),
    }
}

pub fn table_row(uuid: &str, cells: &[String]) -> TableRow {
    TableRow {
        table_row_uuid: Some(uuid.to_string()),
        content: Some(cells.to_vec()),
    }
}
