//! `update` on large states: 5,000 runs arriving, 10,000 shards arriving, a tick (what
//! polling does every second), typing into the filter, and cycling the sort.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use omtop::tui::action::{Action, ApiResult};
use omtop::tui::effect::RunsQuery;
use omtop::tui::fixtures as fx;
use omtop::tui::request::Answer;
use omtop::tui::request::Request;
use omtop::tui::update::update;

const W: u16 = 200;
const H: u16 = 50;
const RUNS: usize = 5_000;
const SHARDS: usize = 10_000;

fn runs_arrive(c: &mut Criterion) {
    let runs = fx::many_runs(RUNS);
    let waiting = || {
        let mut s = fx::at_groups(W, H);
        update(&mut s, Action::Enter);
        s
    };
    c.bench_function("update: 5000 runs arrive", |b| {
        b.iter_batched(
            || (waiting(), runs.clone()),
            |(mut s, runs)| {
                let r = ApiResult::loaded(
                    Request::Runs {
                        scope: fx::scope(),
                        query: RunsQuery::Group(fx::GROUP.into()),
                    },
                    Ok(Answer::Runs(runs)),
                );
                black_box(update(&mut s, Action::Api(Box::new(r))));
                s
            },
            BatchSize::LargeInput,
        )
    });
}

fn shards_arrive(c: &mut Criterion) {
    let shards = fx::hc_shards(SHARDS);
    let path = format!("/{}", fx::HC);
    let waiting = || {
        let mut s = fx::at_calls(W, H);
        fx::select_call(&mut s, fx::HC);
        update(&mut s, Action::Right);
        s
    };
    c.bench_function("update: 10000 shards arrive", |b| {
        b.iter_batched(
            || (waiting(), shards.clone()),
            |(mut s, shards)| {
                black_box(fx::api(&mut s, fx::calls_result(&path, shards)));
                s
            },
            BatchSize::LargeInput,
        )
    });
}

fn tick(c: &mut Criterion) {
    let mut g = c.benchmark_group("update: tick");
    let mut runs = fx::at_many_runs(W, H, RUNS);
    g.bench_function("5000 runs", |b| {
        b.iter(|| black_box(update(&mut runs, Action::Tick(fx::now()))))
    });
    let mut tree = fx::at_big_scatters(W, H, SHARDS);
    g.bench_function("20006-row call tree", |b| {
        b.iter(|| black_box(update(&mut tree, Action::Tick(fx::now()))))
    });
    g.finish();
}

fn filter_and_sort(c: &mut Criterion) {
    let mut s = fx::at_many_runs(W, H, RUNS);
    update(&mut s, Action::Filter);
    update(&mut s, Action::InputChar('w'));
    let mut typed = false;
    c.bench_function("update: type into the filter of 5000 runs", |b| {
        b.iter(|| {
            let key = if typed {
                Action::InputBackspace
            } else {
                Action::InputChar('7')
            };
            typed = !typed;
            black_box(update(&mut s, key))
        })
    });
    let mut s = fx::at_many_runs(W, H, RUNS);
    c.bench_function("update: cycle the sort of 5000 runs", |b| {
        b.iter(|| black_box(update(&mut s, Action::Sort)))
    });
}

criterion_group!(benches, runs_arrive, shards_arrive, tick, filter_and_sort);
criterion_main!(benches);
