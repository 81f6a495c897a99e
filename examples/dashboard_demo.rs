//! Opens the dashboard on the built-in simulator (until `omtop --demo` is wired up):
//! `cargo run --example dashboard_demo`.

use std::sync::Arc;

use omtop::api::{Client, ClientConfig, KeyMaterial};
use omtop::sim::SimConfig;
use omtop::tui::{DashboardOptions, run_dashboard};

#[tokio::main]
async fn main() -> Result<(), String> {
    let sim = omtop::sim::start(SimConfig::default())
        .await
        .map_err(|e| format!("cannot start the simulator: {e}"))?;
    let url = reqwest::Url::parse(&sim.endpoint()).map_err(|e| e.to_string())?;
    let keys = Arc::new(KeyMaterial {
        secret_id: sim.secret_id().to_string(),
        secret_key: sim.secret_key().to_string(),
        token: None,
    });
    let client = Client::new(ClientConfig::new(url, keys)).map_err(|e| e.to_string())?;
    let opts = DashboardOptions {
        regions: vec![
            "ap-guangzhou".into(),
            "ap-beijing".into(),
            "ap-shanghai".into(),
        ],
        read_only: std::env::args().any(|a| a == "--read-only"),
        ..DashboardOptions::default()
    };
    let r = run_dashboard(client, opts).await;
    sim.shutdown();
    r
}
