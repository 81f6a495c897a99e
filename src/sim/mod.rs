//! A simulator of the Omics platform: a real HTTP server that speaks the real protocol
//! (TC3-signed JSON over POST) over a living, seeded dataset, with injectable faults.
//!
//! Statuses it uses (no official list exists): run groups `INIT` (none of its runs can start:
//! its environment is unavailable), `RUNNING`, `COMPLETE`, `COMPLETE_ERROR` (a terminated
//! group too, as the reference's example shows); environments the six the reference lists
//! (see `platform`); runs `INIT`, `RUNNING`, `SUCCESS`, `EXECUTOR_ERROR`, `SYSTEM_ERROR`,
//! `CANCELING` (for a few seconds after TerminateRunGroup), `CANCELED`; calls `QUEUED`
//! (shards only), `RUNNING`, `COMPLETE`, `FAILED`, `TERMINATED`. The order of request checks
//! is in `server`, the signature
//! checks in `auth`, each action's choices beside its handler.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = omtop::sim::start(omtop::sim::SimConfig::default()).await?;
//! println!("point omtop at {}", sim.endpoint());
//! # Ok(()) }
//! ```

mod args;
mod auth;
mod calls;
mod dataset;
mod describe;
mod faults;
mod files;
mod handlers;
pub mod hostile;
mod mutations;
mod names;
mod params;
mod platform;
mod ratelimit;
mod render;
mod server;
mod shards;
mod templates;
mod text;
mod world;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use args::{SimArgs, run_cli};
pub use faults::{Faults, OneShotFault};
pub use world::status;

use calls::CallRef;
use faults::FaultState;
use ratelimit::RateLimiter;
use world::World;

/// How the simulator is set up.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// 0 = any free port; the sim always binds 127.0.0.1.
    pub port: u16,
    /// The dataset is a deterministic function of the seed.
    pub seed: u64,
    /// The one credential the sim accepts.
    pub secret_id: String,
    pub secret_key: String,
    /// When set, the session token (X-TC-Token) every request must carry, as temporary
    /// credentials do; see [`SimHandle::rotate_credentials`].
    pub token: Option<String>,
    /// Requests per (action, region) per sliding second.
    pub rate_limit: u32,
    pub scale: Scale,
    pub faults: Faults,
    /// false: DescribeProjects answers InvalidAction, as an older deployment does.
    pub describe_projects: bool,
    /// Lace every string in every answer with terminal escapes and worse (see `hostile`).
    pub hostile: bool,
    /// Panic when the handle is dropped if any request received did not conform to the API
    /// reference (see [`SimHandle::take_violations`]). On by default, so every test that
    /// starts a sim is also a contract test; `omtop sim` and `--demo` turn it off.
    pub contract_check: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            port: 0,
            seed: 42,
            secret_id: "AKIDomtopSimulator0000000000000000".into(),
            secret_key: "omtop-simulator-secret-key-000000".into(),
            token: None,
            rate_limit: crate::api::SERVICE_RATE_LIMIT,
            scale: Scale::default(),
            faults: Faults::default(),
            describe_projects: true,
            hostile: false,
            contract_check: true,
        }
    }
}

/// How big and how fast the world is.
#[derive(Clone, Debug)]
pub struct Scale {
    /// One extra run group (in ap-guangzhou's default project) with this many runs; 0 = none.
    pub big_group_runs: usize,
    /// Shards of the big scatter call of the big-scatter run.
    pub scatter_shards: usize,
    /// Time multiplier for how fast live runs progress (2.0 = twice as fast).
    pub speed: f64,
    /// The share of the big group's runs (percent) that have failed already, each in one
    /// of the group's few causes; 0 leaves them to fail as any running group's do.
    pub big_group_failed_pct: usize,
}

impl Default for Scale {
    fn default() -> Self {
        Self {
            big_group_runs: 0,
            scatter_shards: 2000,
            speed: 1.0,
            big_group_failed_pct: 0,
        }
    }
}

/// What the sim has seen, for tests.
#[derive(Clone, Debug, Default)]
pub struct SimStats {
    /// Requests that reached an action (authenticated, known action, supported region),
    /// by action, including those then throttled or rejected by the action's checks.
    pub received: HashMap<String, u64>,
    /// Mutations actually carried out, by action.
    pub applied: HashMap<String, u64>,
    /// RequestLimitExceeded answers sent.
    pub throttled: u64,
    pub auth_failures: u64,
    /// Faults served (random or one-shot), by kind, e.g. "Drop", "InternalError".
    pub faults: HashMap<String, u64>,
    /// Most requests of (action, region) seen in any sliding 1 s window, counted on
    /// arrival, throttled ones included.
    pub max_in_window: HashMap<(String, String), u32>,
    /// Arrival times since sim start per (action, region).
    pub arrivals: HashMap<(String, String), Vec<Duration>>,
    /// Requests that did not conform to the API reference (`api::schema`), as
    /// `Action: Code: message`, whatever they were answered.
    pub violations: Vec<String>,
}

/// Well-known items of the world (all in ap-guangzhou's default project), for demos and
/// tests; the ids depend on the seed.
#[derive(Clone, Debug)]
pub struct Landmarks {
    pub region: String,
    pub default_project: String,
    /// A running WDL (gatk-germline) group with failures already counted.
    pub running_group: String,
    /// A group that finished (COMPLETE): terminating it is refused.
    pub finished_group: String,
    /// A failed run (EXECUTOR_ERROR) of `running_group` whose failed task sits in a
    /// sub-sub-workflow.
    pub failed_run: String,
    /// The GetRunCalls path that lists the failed task, and the task's JobId.
    pub failed_task_path: String,
    pub failed_job_id: String,
    /// A running run of `running_group` in the middle of its big scatter, and the path
    /// that lists the scatter's shards.
    pub big_scatter_run: String,
    pub big_scatter_path: String,
    /// A failed Nextflow (nf-core/rnaseq) run whose group has reports enabled.
    pub nextflow_run: String,
    /// The big group, when `Scale::big_group_runs` > 0.
    pub big_group: Option<String>,
    /// A run of the big group in the middle of a big scatter, as `big_scatter_run` is.
    pub big_group_scatter_run: Option<String>,
    /// The environment RunApplication accepts in this region, and an application id.
    pub environment: String,
    pub application: String,
    /// A Nextflow table batch stuck in INIT for over an hour: its environment,
    /// `error_environment`, is in ERROR (not available, with a Message).
    pub waiting_group: String,
    pub error_environment: String,
    /// An environment still INITIALIZING (not available) in this region.
    pub unavailable_environment: String,
    /// The table `running_group` was launched from: one row per run, its first cell the
    /// run's sample.
    pub table: String,
}

#[derive(Default)]
struct Counters {
    received: HashMap<String, u64>,
    applied: HashMap<String, u64>,
    throttled: u64,
    auth_failures: u64,
    faults: HashMap<String, u64>,
    violations: Vec<String>,
}

/// The credential the sim accepts now.
#[derive(Clone)]
struct Keys {
    secret_id: String,
    secret_key: String,
    token: Option<String>,
}

/// State shared by every connection.
pub(crate) struct Shared {
    keys: Mutex<Keys>,
    /// When the sim started serving (for the outage at start).
    started: Instant,
    rate_limit: u32,
    describe_projects: bool,
    hostile: bool,
    base_url: String,
    file_secret: Vec<u8>,
    world: Mutex<World>,
    faults: Mutex<Faults>,
    fault_state: Mutex<FaultState>,
    limiter: Mutex<RateLimiter>,
    counters: Mutex<Counters>,
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn keys(&self) -> Keys {
        guard(&self.keys).clone()
    }
    fn faults(&self) -> Faults {
        guard(&self.faults).clone()
    }
    fn fault_state(&self) -> MutexGuard<'_, FaultState> {
        guard(&self.fault_state)
    }
    fn limiter(&self) -> MutexGuard<'_, RateLimiter> {
        guard(&self.limiter)
    }
    fn counters(&self) -> MutexGuard<'_, Counters> {
        guard(&self.counters)
    }

    /// The sim clock: real time plus the configured skew.
    fn now_system(&self) -> SystemTime {
        skewed(guard(&self.faults).clock_skew_secs)
    }

    /// The sim clock in Unix milliseconds.
    fn now_ms(&self) -> i64 {
        unix_ms(self.now_system())
    }
}

fn skewed(skew_secs: i64) -> SystemTime {
    let real = SystemTime::now();
    let d = Duration::from_secs(skew_secs.unsigned_abs());
    if skew_secs >= 0 { real + d } else { real - d }
}

fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A running simulator; it stops when shut down or dropped.
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    contract_check: bool,
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The SecretId the sim accepts now.
    pub fn secret_id(&self) -> String {
        self.shared.keys().secret_id
    }

    pub fn secret_key(&self) -> String {
        self.shared.keys().secret_key
    }

    /// The session token the sim requires now, if any.
    pub fn token(&self) -> Option<String> {
        self.shared.keys().token
    }

    /// Accepts only this credential from now on, as when temporary credentials are
    /// replaced: requests signed with the old ones fail with `AuthFailure`.
    pub fn rotate_credentials(&self, secret_id: &str, secret_key: &str, token: Option<&str>) {
        *guard(&self.shared.keys) = Keys {
            secret_id: secret_id.to_string(),
            secret_key: secret_key.to_string(),
            token: token.map(str::to_string),
        };
    }

    /// Changes the faults (and the clock skew) for the requests that follow.
    pub fn set_faults(&self, f: Faults) {
        *guard(&self.shared.faults) = f;
    }

    /// The next request of `action` gets this fault (queued in order per action).
    pub fn inject_next(&self, action: &str, f: OneShotFault) {
        self.shared.fault_state().inject(action, f);
    }

    pub fn stats(&self) -> SimStats {
        let c = self.shared.counters();
        let limiter = self.shared.limiter();
        SimStats {
            received: c.received.clone(),
            applied: c.applied.clone(),
            throttled: c.throttled,
            auth_failures: c.auth_failures,
            faults: c.faults.clone(),
            max_in_window: limiter.max_in_window(),
            arrivals: limiter.arrivals(),
            violations: c.violations.clone(),
        }
    }

    /// The requests received so far that did not conform to the API reference, and forgets
    /// them: for tests that send such requests on purpose and check how they are refused.
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut self.shared.counters().violations)
    }

    /// Well-known ids of this world.
    pub fn landmarks(&self) -> Landmarks {
        let now = self.shared.now_ms();
        let w = guard(&self.shared.world);
        let lm = &w.landmarks;
        let group = &w.groups[lm.running_group];
        let failed = &w.runs[lm.failed_run];
        let ctx = handlers::ctx_for(&w, failed, now);
        let leaf = failed.fail_leaf.unwrap_or(0);
        let big = &w.runs[lm.big_scatter_run];
        let big_ctx = handlers::ctx_for(&w, big, now);
        let scatter = big_ctx
            .template
            .nodes
            .iter()
            .position(|n| matches!(n.kind, templates::Kind::Scatter { big: true, .. }))
            .unwrap_or(0);
        Landmarks {
            region: w.projects[group.project].region.to_string(),
            default_project: w.projects[group.project].id.clone(),
            running_group: group.id.clone(),
            finished_group: w.groups[lm.finished_group].id.clone(),
            failed_run: failed.uuid.clone(),
            failed_task_path: ctx.path_of(leaf),
            failed_job_id: ctx.job_id(CallRef {
                node: leaf,
                shard: None,
            }),
            big_scatter_run: big.uuid.clone(),
            big_scatter_path: big_ctx.path_into(scatter),
            nextflow_run: w.runs[lm.nextflow_run].uuid.clone(),
            big_group: lm.big_group.map(|g| w.groups[g].id.clone()),
            big_group_scatter_run: lm.big_group_scatter_run.map(|r| w.runs[r].uuid.clone()),
            environment: w.envs[group.env].id.clone(),
            application: w.app_recs[group.app].id.clone(),
            waiting_group: w.groups[lm.waiting_group].id.clone(),
            error_environment: w.envs[w.groups[lm.waiting_group].env].id.clone(),
            unavailable_environment: w
                .envs
                .iter()
                .find(|e| e.region == w.envs[group.env].region && e.status == "INITIALIZING")
                .map(|e| e.id.clone())
                .unwrap_or_default(),
            table: group.table_id.clone(),
        }
    }

    /// The causes the sim gave the failed runs of a group (as of now): each failed run's
    /// uuid, the task it failed in (a template node) and whether it was a system error
    /// (a lost node) rather than the task's own. Tests compare triage with this.
    pub fn failure_causes(&self, group_id: &str) -> Vec<(String, usize, bool)> {
        let now = self.shared.now_ms();
        let w = guard(&self.shared.world);
        let Some(&g) = w.group_by_id.get(group_id) else {
            return Vec::new();
        };
        w.groups[g]
            .runs
            .iter()
            .map(|&r| &w.runs[r])
            .filter(|r| {
                matches!(
                    r.status(now),
                    world::status::EXECUTOR_ERROR | world::status::SYSTEM_ERROR
                )
            })
            .filter_map(|r| {
                Some((
                    r.uuid.clone(),
                    r.fail_leaf?,
                    r.outcome == world::Outcome::SystemError,
                ))
            })
            .collect()
    }

    /// Stops accepting connections and closes the open ones.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        // The contract: whatever a test drove (the client, the CLI, the dashboard), nothing
        // it sent may be refused by the reference. A sim that saw such a request fails the
        // test that owned it, unless the test took the violations it caused on purpose.
        if self.contract_check && !std::thread::panicking() {
            let violations = self.take_violations();
            assert!(
                violations.is_empty(),
                "requests that do not conform to the API reference:\n{}",
                violations.join("\n")
            );
        }
    }
}

/// Starts the simulator on 127.0.0.1 and returns once it is listening.
pub async fn start(cfg: SimConfig) -> std::io::Result<SimHandle> {
    let listener = TcpListener::bind(("127.0.0.1", cfg.port)).await?;
    let addr = listener.local_addr()?;
    let started = Instant::now();
    let shared = Arc::new(Shared {
        keys: Mutex::new(Keys {
            secret_id: cfg.secret_id.clone(),
            secret_key: cfg.secret_key.clone(),
            token: cfg.token.clone(),
        }),
        started,
        rate_limit: cfg.rate_limit,
        describe_projects: cfg.describe_projects,
        hostile: cfg.hostile,
        base_url: format!("http://{addr}"),
        file_secret: names::hash2(cfg.seed, names::hash_str(7, &cfg.secret_key))
            .to_le_bytes()
            .to_vec(),
        world: Mutex::new(dataset::generate(
            cfg.seed,
            &cfg.scale,
            unix_ms(skewed(cfg.faults.clock_skew_secs)),
        )),
        faults: Mutex::new(cfg.faults.clone()),
        fault_state: Mutex::new(FaultState::new(cfg.seed)),
        limiter: Mutex::new(RateLimiter::new(started)),
        counters: Mutex::new(Counters::default()),
    });
    let (stop, rx) = watch::channel(false);
    tokio::spawn(accept_loop(listener, shared.clone(), rx));
    Ok(SimHandle {
        addr,
        shared,
        stop,
        contract_check: cfg.contract_check,
    })
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            _ = stop.changed() => break,
            res = listener.accept() => match res {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!("simulator accept failed: {e}");
                    continue;
                }
            },
        };
        let shared = shared.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| server::handle(shared.clone(), req));
            let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            // A stop drops the connection.
            tokio::select! {
                _ = conn => {}
                _ = stop.changed() => {}
            }
        });
    }
}
