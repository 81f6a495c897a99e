//! The simulator as the benchmarks use it: started in-process, with a client of its own or
//! asked directly for the raw bytes of an answer, exactly as it sends them.
#![allow(dead_code)]

use std::sync::Arc;

use omtop::api::sign::{SignInput, authorization, sign};
use omtop::api::{Client, ClientConfig, KeyMaterial, SERVICE, VERSION};
use omtop::sim::{Faults, Scale, SimConfig, SimHandle};
use serde_json::Value;

/// The size of the big run group, and of the big scatter (`scatter_shards`).
pub const BIG_GROUP_RUNS: usize = 5_000;

/// A simulator with a 5,000-run group and a big scatter of `shards` shards.
pub async fn big_sim(shards: usize, faults: Faults) -> SimHandle {
    let cfg = SimConfig {
        scale: Scale {
            big_group_runs: BIG_GROUP_RUNS,
            scatter_shards: shards,
            ..Scale::default()
        },
        faults,
        ..SimConfig::default()
    };
    omtop::sim::start(cfg).await.expect("simulator starts")
}

/// A client of the simulator with the defaults omtop itself uses.
pub fn client(sim: &SimHandle) -> Client {
    let cfg = ClientConfig::new(
        reqwest::Url::parse(&sim.endpoint()).expect("endpoint is a URL"),
        Arc::new(KeyMaterial {
            secret_id: sim.secret_id().to_string(),
            secret_key: sim.secret_key().to_string(),
            token: None,
        }),
    );
    Client::new(cfg).expect("client builds")
}

/// One signed request, and the answer's body as it came.
pub async fn raw(sim: &SimHandle, action: &str, region: &str, body: &Value) -> Vec<u8> {
    let payload = serde_json::to_vec(body).expect("JSON body");
    let host = sim.addr().to_string();
    let timestamp = chrono::Utc::now().timestamp();
    let signature = sign(
        &SignInput {
            method: "POST",
            query: "",
            headers: &[
                ("content-type", "application/json"),
                ("host", &host),
                ("x-tc-action", action),
            ],
            payload: &payload,
            service: SERVICE,
            timestamp,
        },
        &sim.secret_key(),
    );
    let answer = reqwest::Client::new()
        .post(sim.endpoint())
        .header("Content-Type", "application/json")
        .header("Authorization", authorization(&sim.secret_id(), &signature))
        .header("X-TC-Action", action)
        .header("X-TC-Version", VERSION)
        .header("X-TC-Timestamp", timestamp.to_string())
        .header("X-TC-Region", region)
        .body(payload)
        .send()
        .await
        .expect("the simulator answers");
    answer.bytes().await.expect("a body").to_vec()
}
