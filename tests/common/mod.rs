//! Shared setup for tests that talk to the simulator over real HTTP.
#![allow(dead_code)]

use std::sync::Arc;

use omtop::api::types::RunGroup;
use omtop::api::{Client, ClientConfig, KeyMaterial, Priority, Scope};
use omtop::sim::{SimConfig, SimHandle};

pub async fn sim(cfg: SimConfig) -> SimHandle {
    omtop::sim::start(cfg).await.expect("simulator starts")
}

pub fn client_for(sim: &SimHandle) -> Client {
    let mut cfg = ClientConfig::new(
        reqwest::Url::parse(&sim.endpoint()).expect("endpoint is a URL"),
        Arc::new(KeyMaterial {
            secret_id: sim.secret_id().to_string(),
            secret_key: sim.secret_key().to_string(),
            token: None,
        }),
    );
    // Keep retries quick in tests; the logic is the same.
    cfg.backoff_base = std::time::Duration::from_millis(20);
    cfg.backoff_cap = std::time::Duration::from_millis(200);
    Client::new(cfg).expect("client builds")
}

pub fn guangzhou() -> Scope {
    Scope::new("ap-guangzhou", None)
}

/// Every run group the simulator has, with the scope it lives in.
pub async fn all_groups(client: &Client) -> Vec<(Scope, RunGroup)> {
    let mut out = Vec::new();
    for region in ["ap-guangzhou", "ap-shanghai"] {
        let projects = client
            .describe_projects(region, Priority::Interactive)
            .await
            .expect("projects");
        for p in projects {
            let scope = Scope::new(region, p.project_id.clone());
            let groups = client
                .describe_run_groups(&scope, &[], Priority::Interactive)
                .await
                .expect("groups");
            out.extend(groups.into_iter().map(|g| (scope.clone(), g)));
        }
    }
    out
}

pub mod bin;
pub mod pty;

/// A simulator on its own runtime, for tests that block (typing into a pseudo-terminal)
/// rather than await.
pub struct BackgroundSim {
    pub sim: SimHandle,
    pub rt: tokio::runtime::Runtime,
}

impl BackgroundSim {
    pub fn start(cfg: SimConfig) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sim = rt.block_on(sim(cfg));
        Self { sim, rt }
    }
}

impl std::ops::Deref for BackgroundSim {
    type Target = SimHandle;
    fn deref(&self) -> &SimHandle {
        &self.sim
    }
}
