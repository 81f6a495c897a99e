//! The living dataset: projects, applications, run groups and runs, and their state changes.
//!
//! Nothing ticks. A run stores its schedule (start, nominal length, outcome, and where it
//! fails), and every status is derived from the sim clock when asked. Times are Unix
//! milliseconds on the sim clock.

use std::collections::HashMap;
use std::sync::Arc;

use crate::api::types::{NFOption, RunOption};

use super::names::{self, Rng};
use super::templates::{AppSpec, Lang};

/// Run statuses. No official list exists; these are the values seen in the service's
/// examples (the reference counts terminated runs as `CANCELED`) plus `INIT` (queued; also
/// a group none of whose runs can start) and `CANCELING`, the few seconds between
/// TerminateRunGroup and `CANCELED`.
pub mod status {
    pub const INIT: &str = "INIT";
    pub const RUNNING: &str = "RUNNING";
    pub const SUCCESS: &str = "SUCCESS";
    pub const EXECUTOR_ERROR: &str = "EXECUTOR_ERROR";
    pub const SYSTEM_ERROR: &str = "SYSTEM_ERROR";
    pub const CANCELING: &str = "CANCELING";
    pub const CANCELED: &str = "CANCELED";
    /// Run-group statuses.
    pub const COMPLETE: &str = "COMPLETE";
    pub const COMPLETE_ERROR: &str = "COMPLETE_ERROR";
}

#[derive(Debug, Clone)]
pub struct ProjectRec {
    pub id: String,
    pub name: String,
    pub description: String,
    pub region: &'static str,
    pub created: i64,
    pub creator: String,
    pub is_default: bool,
}

#[derive(Debug, Clone)]
pub struct AppRec {
    pub id: String,
    pub version_id: String,
    pub created: i64,
}

/// An environment and its cache volumes. Only an available one runs work: the runs of a
/// group on an unavailable environment stay INIT, and so does the group.
#[derive(Debug, Clone)]
pub struct EnvRec {
    pub id: String,
    pub name: String,
    pub region: &'static str,
    pub description: String,
    /// `KUBERNETES` or `HPC`.
    pub kind: &'static str,
    /// One of the reference's environment statuses.
    pub status: &'static str,
    pub available: bool,
    pub is_default: bool,
    pub is_managed: bool,
    pub message: String,
    pub created: i64,
    /// Seeds the ids of its cloud resources.
    pub seed: u64,
    /// Its cache volumes, the default first.
    pub volumes: Vec<VolumeRec>,
}

/// The mount path used when an environment has no volume.
const NO_VOLUME: &str = "/vol-unmounted";

impl EnvRec {
    /// Where Nextflow work goes: the default volume.
    pub fn default_mount(&self) -> &str {
        self.volumes
            .first()
            .map_or(NO_VOLUME, |v| v.mount_path.as_str())
    }

    /// Where WDL executions go: the second volume, else the default one.
    pub fn execution_mount(&self) -> &str {
        self.volumes
            .get(1)
            .map_or_else(|| self.default_mount(), |v| v.mount_path.as_str())
    }
}

/// A cache volume (缓存卷).
#[derive(Debug, Clone)]
pub struct VolumeRec {
    pub id: String,
    pub name: String,
    pub description: String,
    /// `SD`, `HP`, `TB` or `TP`.
    pub spec: &'static str,
    /// GB.
    pub capacity: i64,
    /// Bytes.
    pub usage: i64,
    /// MiB/s.
    pub bandwidth: f64,
    pub mount_path: String,
    pub is_default: bool,
    pub status: &'static str,
}

/// A sample table (表格) of a project; row `i` is `rows[i]`: its TableRowUuid and cells,
/// the first cell the sample's name (a run's UserDefinedId).
#[derive(Debug, Clone)]
pub struct TableRec {
    pub id: String,
    pub project: usize,
    pub name: String,
    pub description: String,
    /// Header and data type.
    pub columns: Vec<(String, &'static str)>,
    pub rows: Vec<(String, Vec<String>)>,
    pub created: i64,
    pub creator: String,
}

/// A group's git source, for groups RunWorkflow made (the token is not kept).
#[derive(Debug, Clone, Default)]
pub struct GitSource {
    pub url: String,
    pub user: String,
    pub branch: String,
    pub tag: String,
    pub entrypoint: String,
}

#[derive(Debug, Clone)]
pub struct GroupRec {
    pub id: String,
    pub name: String,
    pub description: String,
    pub project: usize,
    pub app: usize,
    pub env: usize,
    pub created: i64,
    pub runs: Vec<usize>,
    pub option: Option<RunOption>,
    pub nf_option: Option<NFOption>,
    pub terminated: Option<i64>,
    pub table_id: String,
    pub creator: String,
    /// How many retries have been made of this group (names the next one).
    pub retries: u32,
    /// Set for a group launched from git (RunWorkflow) rather than an application.
    pub git: Option<GitSource>,
    /// RunApplication's CacheClearDelay: hours after a run ends that its call cache is
    /// cleared (0: never).
    pub cache_clear_delay_hours: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    ExecutorError,
    SystemError,
}

#[derive(Debug, Clone)]
pub struct RunRec {
    pub uuid: String,
    pub group: usize,
    pub sample: String,
    pub table_row: String,
    pub seed: u64,
    pub submitted: i64,
    pub start: i64,
    /// The length the run would have if it succeeded, in ms.
    pub nominal: i64,
    pub outcome: Outcome,
    /// The failing task (template node) and where in the timeline the failure happens.
    pub fail_leaf: Option<usize>,
    pub fail_frac: f64,
    pub terminated: Option<i64>,
    /// For a retry with call caching: the share of the timeline already done by the
    /// original run. Calls ending inside it come back `CallCached` and take almost no time.
    pub cache_prefix: Option<f64>,
    /// The one run whose big scatter has `Scale::scatter_shards` shards.
    pub big_scatter: bool,
}

/// How much of a run's timeline cached calls take when replayed.
const CACHED_SHARE: f64 = 0.02;

/// How long a terminated run stays CANCELING before it is CANCELED, in sim ms.
pub const CANCELING_MS: i64 = 3_000;

impl RunRec {
    /// Maps a template fraction to a fraction of this run's wall time (call caching squeezes
    /// the cached prefix into the first 2 %).
    pub fn remap(&self, f: f64) -> f64 {
        match self.cache_prefix {
            Some(p) if p > 0.0 && p < 1.0 => {
                if f <= p {
                    f / p * CACHED_SHARE
                } else {
                    CACHED_SHARE + (f - p) / (1.0 - p) * (1.0 - CACHED_SHARE)
                }
            }
            _ => f,
        }
    }

    /// The sim time at which a template fraction of this run is reached.
    pub fn at(&self, f: f64) -> i64 {
        self.start + (self.remap(f) * self.nominal as f64) as i64
    }

    /// When the run ends (or would end) if nobody terminates it.
    pub fn natural_end(&self) -> i64 {
        match self.outcome {
            Outcome::Success => self.at(1.0),
            _ => self.at(self.fail_frac),
        }
    }

    /// When the run stops: its natural end or the moment it was terminated.
    pub fn end(&self) -> i64 {
        self.terminated.unwrap_or_else(|| self.natural_end())
    }

    pub fn status(&self, now: i64) -> &'static str {
        if let Some(t) = self.terminated
            && now >= t
        {
            return if now < t + CANCELING_MS {
                status::CANCELING
            } else {
                status::CANCELED
            };
        }
        if now < self.start {
            status::INIT
        } else if now < self.natural_end() {
            status::RUNNING
        } else {
            match self.outcome {
                Outcome::Success => status::SUCCESS,
                Outcome::ExecutorError => status::EXECUTOR_ERROR,
                Outcome::SystemError => status::SYSTEM_ERROR,
            }
        }
    }

    /// Not yet in a final status (a CANCELING run is still stopping).
    pub fn is_live(&self, now: i64) -> bool {
        matches!(
            self.status(now),
            status::INIT | status::RUNNING | status::CANCELING
        )
    }

    /// Failed or canceled: what RetryRuns accepts.
    pub fn is_retryable(&self, now: i64) -> bool {
        matches!(
            self.status(now),
            status::EXECUTOR_ERROR | status::SYSTEM_ERROR | status::CANCELED
        )
    }

    /// The share of the timeline that had finished when the run stopped (for call caching).
    pub fn done_fraction(&self) -> f64 {
        match (self.terminated, self.outcome) {
            (Some(t), _) => ((t - self.start) as f64 / self.nominal.max(1) as f64).clamp(0.0, 1.0),
            (None, Outcome::Success) => 1.0,
            (None, _) => self.fail_frac,
        }
    }
}

/// Well-known items of a generated world, for demos and tests.
#[derive(Debug, Clone, Default)]
pub struct LandmarkIdx {
    pub running_group: usize,
    pub failed_run: usize,
    pub big_scatter_run: usize,
    pub nextflow_run: usize,
    pub finished_group: usize,
    pub big_group: Option<usize>,
    pub big_group_scatter_run: Option<usize>,
    /// A group stuck in INIT on an environment in ERROR.
    pub waiting_group: usize,
}

pub struct World {
    pub seed: u64,
    pub t0: i64,
    pub speed: f64,
    pub scatter_shards: u32,
    pub apps: Arc<Vec<AppSpec>>,
    pub app_recs: Vec<AppRec>,
    pub projects: Vec<ProjectRec>,
    pub envs: Vec<EnvRec>,
    pub tables: Vec<TableRec>,
    pub groups: Vec<GroupRec>,
    pub runs: Vec<RunRec>,
    pub group_by_id: HashMap<String, usize>,
    pub run_by_id: HashMap<String, usize>,
    pub landmarks: LandmarkIdx,
    /// Draws ids and schedules for what clients create.
    pub rng: Rng,
}

impl World {
    /// Scales a future duration by the configured speed.
    pub fn fut(&self, ms: i64) -> i64 {
        (ms as f64 / self.speed.max(1e-6)) as i64
    }

    pub fn lang_of_group(&self, g: usize) -> Lang {
        self.apps[self.groups[g].app].template.lang
    }

    pub fn add_group(&mut self, g: GroupRec) -> usize {
        let idx = self.groups.len();
        self.group_by_id.insert(g.id.clone(), idx);
        self.groups.push(g);
        idx
    }

    pub fn add_run(&mut self, r: RunRec) -> usize {
        let idx = self.runs.len();
        self.run_by_id.insert(r.uuid.clone(), idx);
        self.groups[r.group].runs.push(idx);
        self.runs.push(r);
        idx
    }

    /// The group's status, derived from its runs: INIT while none of them has started
    /// because its environment is unavailable, RUNNING while any run is not final
    /// (CANCELING included), then COMPLETE if every run succeeded, else COMPLETE_ERROR.
    ///
    /// A terminated group has no status of its own. The service documents no list of group
    /// statuses; its examples show only RUNNING, COMPLETE and COMPLETE_ERROR, and its
    /// RunGroup example pairs `"Status": "COMPLETE_ERROR"` with `"RunStatusCounts":
    /// [{"Status": "CANCELED", "Count": 30}]` of `"TotalRun": 30`: a group whose every run
    /// was canceled, ending COMPLETE_ERROR. So a terminated group ends COMPLETE_ERROR here,
    /// and its CANCELED counts are what tell it from a failed one.
    pub fn group_status(&self, g: usize, now: i64) -> &'static str {
        let group = &self.groups[g];
        if group.terminated.is_none()
            && !self.envs[group.env].available
            && !group.runs.is_empty()
            && group
                .runs
                .iter()
                .all(|&r| self.runs[r].status(now) == status::INIT)
        {
            return status::INIT;
        }
        let mut failed = false;
        for &r in &group.runs {
            match self.runs[r].status(now) {
                status::INIT | status::RUNNING | status::CANCELING => return status::RUNNING,
                status::EXECUTOR_ERROR | status::SYSTEM_ERROR | status::CANCELED => failed = true,
                _ => {}
            }
        }
        if failed {
            status::COMPLETE_ERROR
        } else {
            status::COMPLETE
        }
    }

    /// Run counts by status, in a fixed order, leaving out zero counts.
    pub fn status_counts(&self, g: usize, now: i64) -> Vec<(&'static str, i64)> {
        const ORDER: [&str; 7] = [
            status::INIT,
            status::RUNNING,
            status::SUCCESS,
            status::EXECUTOR_ERROR,
            status::SYSTEM_ERROR,
            status::CANCELING,
            status::CANCELED,
        ];
        let mut counts = [0i64; 7];
        for &r in &self.groups[g].runs {
            let s = self.runs[r].status(now);
            if let Some(i) = ORDER.iter().position(|o| *o == s) {
                counts[i] += 1;
            }
        }
        ORDER
            .iter()
            .zip(counts)
            .filter(|(_, c)| *c > 0)
            .map(|(s, c)| (*s, c))
            .collect()
    }

    /// Terminates every live run of a group now; false if nothing was live or the group
    /// was terminated already.
    pub fn terminate(&mut self, g: usize, now: i64) -> bool {
        if !matches!(self.group_status(g, now), status::RUNNING | status::INIT)
            || self.groups[g].terminated.is_some()
        {
            return false;
        }
        let runs = self.groups[g].runs.clone();
        for r in runs {
            if self.runs[r].is_live(now) && self.runs[r].terminated.is_none() {
                self.runs[r].terminated = Some(now);
            }
        }
        self.groups[g].terminated = Some(now);
        true
    }

    /// Creates a new group retrying `runs` of group `g`; returns the new group's id.
    pub fn retry(
        &mut self,
        g: usize,
        runs: &[usize],
        option: Option<RunOption>,
        nf_option: Option<NFOption>,
        now: i64,
    ) -> String {
        let orig = self.groups[g].clone();
        self.groups[g].retries += 1;
        let lang = self.lang_of_group(g);
        let cache = match lang {
            Lang::Wdl => option
                .as_ref()
                .or(orig.option.as_ref())
                .and_then(|o| o.use_call_cache)
                .unwrap_or(false),
            Lang::Nextflow => nf_option
                .as_ref()
                .or(orig.nf_option.as_ref())
                .and_then(|o| o.resume)
                .unwrap_or(false),
        };
        let id = names::word_id("run", &mut self.rng);
        let group = GroupRec {
            id: id.clone(),
            name: format!("{}-retry-{}", orig.name, orig.retries + 1),
            description: format!("Retry of {}", orig.id),
            created: now,
            runs: Vec::new(),
            option: if lang == Lang::Wdl {
                option.or(orig.option)
            } else {
                None
            },
            nf_option: if lang == Lang::Nextflow {
                nf_option.or(orig.nf_option)
            } else {
                None
            },
            terminated: None,
            retries: 0,
            ..orig
        };
        let ng = self.add_group(group);
        for (i, &r) in runs.iter().enumerate() {
            let old = self.runs[r].clone();
            let prefix = cache.then(|| old.done_fraction()).filter(|p| *p > 0.0);
            let mut run = self.new_run(
                ng,
                old.sample.clone(),
                old.table_row.clone(),
                now,
                i,
                prefix,
            );
            // A cause in the data or the task fails again the same way; a lost node does
            // not come back: that retry succeeds.
            match (old.terminated, old.outcome, old.fail_leaf) {
                (None, Outcome::ExecutorError, Some(leaf)) => {
                    run.outcome = Outcome::ExecutorError;
                    run.fail_leaf = Some(leaf);
                    run.fail_frac = old.fail_frac;
                }
                (None, Outcome::SystemError, _) => {
                    run.outcome = Outcome::Success;
                    run.fail_leaf = None;
                    run.fail_frac = 1.0;
                }
                _ => {}
            }
            self.add_run(run);
        }
        id
    }

    /// A fresh run of group `g` that starts within the next minute (scaled by speed) and
    /// takes 3 to 12 minutes; one in seven fails.
    pub fn new_run(
        &mut self,
        g: usize,
        sample: String,
        table_row: String,
        now: i64,
        i: usize,
        cache_prefix: Option<f64>,
    ) -> RunRec {
        let seed = self.rng.next_u64();
        let mut rng = Rng::new(seed);
        let start = now + self.fut(5_000 + 2_000 * i.min(20) as i64 + rng.range(0, 10_000));
        let nominal = self.fut(rng.range(180_000, 720_000));
        let template = &self.apps[self.groups[g].app].template;
        let failable = template.failable();
        let (outcome, fail_leaf, fail_frac) = if rng.chance(1.0 / 7.0) && !failable.is_empty() {
            let leaf = *rng.pick(&failable);
            let node = &template.nodes[leaf];
            let frac = node.a + (node.b - node.a) * 0.55;
            let oc = if rng.chance(0.25) {
                Outcome::SystemError
            } else {
                Outcome::ExecutorError
            };
            // A retry cannot fail inside the part it replays from cache.
            if cache_prefix.is_some_and(|p| frac <= p) {
                (Outcome::Success, None, 1.0)
            } else {
                (oc, Some(leaf), frac)
            }
        } else {
            (Outcome::Success, None, 1.0)
        };
        RunRec {
            uuid: names::uuid(seed),
            group: g,
            sample,
            table_row,
            seed,
            submitted: now,
            start,
            nominal,
            outcome,
            fail_leaf,
            fail_frac,
            terminated: None,
            cache_prefix,
            big_scatter: false,
        }
    }
}
