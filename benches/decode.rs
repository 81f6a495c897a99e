//! Decoding large answers as the client does (`omtop::api::answer`): the simulator's real bytes for a page of 100
//! runs and for the 10,000 calls of a scatter, read into omtop's types.

mod support;

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use omtop::api::answer::decode_as;
use omtop::api::types::{DescribeRunsResponse, GetRunCallsResponse};
use omtop::sim::Faults;
use serde_json::json;

const SHARDS: usize = 10_000;

/// The raw answers: a page of the big group's runs, and the big scatter's shards.
fn answers() -> (Bytes, Bytes) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sim = support::big_sim(SHARDS, Faults::default()).await;
        let lm = sim.landmarks();
        let group = lm.big_group.expect("the big group");
        let page = json!({
            "Limit": 100,
            "Offset": 0,
            "Filters": [{"Name": "RunGroupId", "Values": [group]}],
        });
        let calls = json!({"RunUuid": lm.big_scatter_run, "Path": lm.big_scatter_path});
        (
            Bytes::from(support::raw(&sim, "DescribeRuns", &lm.region, &page).await),
            Bytes::from(support::raw(&sim, "GetRunCalls", &lm.region, &calls).await),
        )
    })
}

fn decoding(c: &mut Criterion) {
    let (page, calls) = answers();
    let runs = decode_as::<DescribeRunsResponse>("DescribeRuns", page.clone()).expect("runs");
    assert_eq!(runs.data.runs.map(|r| r.len()), Some(100));
    let shards = decode_as::<GetRunCallsResponse>("GetRunCalls", calls.clone()).expect("calls");
    assert_eq!(shards.data.calls.map(|c| c.len()), Some(SHARDS));

    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(page.len() as u64));
    let name = format!("DescribeRuns, 100 runs ({} KiB)", page.len() >> 10);
    g.bench_function(name, |b| {
        b.iter(|| decode_as::<DescribeRunsResponse>("DescribeRuns", black_box(page.clone())))
    });
    g.throughput(Throughput::Bytes(calls.len() as u64));
    let name = format!("GetRunCalls, 10000 calls ({} KiB)", calls.len() >> 10);
    g.bench_function(name, |b| {
        b.iter(|| decode_as::<GetRunCallsResponse>("GetRunCalls", black_box(calls.clone())))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = decoding
}
criterion_main!(benches);
