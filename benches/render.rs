//! Frames at 200x50 on ratatui's TestBackend: the runs pane with 5,000 runs, the call tree
//! with 20,006 visible rows (two 10,000-shard scatters expanded), and the time from a key to
//! the next frame (moving the selection; collapsing or expanding a 10,000-shard scatter).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use omtop::tui::action::Action;
use omtop::tui::fixtures as fx;
use omtop::tui::keymap::Keymap;
use omtop::tui::state::State;
use omtop::tui::ui::Screen;
use omtop::tui::ui::theme::Theme;
use omtop::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const W: u16 = 200;
const H: u16 = 50;
const RUNS: usize = 5_000;
const SHARDS: usize = 10_000;

/// A terminal the size of the benchmark's, drawing the dashboard as the app does.
struct Frames {
    term: Terminal<TestBackend>,
    keymap: Keymap,
    theme: Theme,
}

impl Frames {
    fn new() -> Self {
        Self {
            term: Terminal::new(TestBackend::new(W, H)).expect("terminal"),
            keymap: Keymap::new(&BTreeMap::new(), false).expect("keymap"),
            theme: Theme::colored(),
        }
    }

    /// One frame: every widget rendered, diffed against the last frame, written out.
    fn draw(&mut self, state: &State) {
        let screen = Screen {
            state,
            keymap: &self.keymap,
            theme: &self.theme,
        };
        self.term
            .draw(|f| f.render_widget(&screen, f.area()))
            .expect("draw");
    }
}

/// 5,000 runs with the selection in the middle of the list.
fn runs_state() -> State {
    let mut s = fx::at_many_runs(W, H, RUNS);
    assert_eq!(s.runs().expect("a runs view").list.shown.len(), RUNS);
    for _ in 0..RUNS / 2 / usize::from(H) {
        update(&mut s, Action::PageDown);
    }
    s
}

/// Two 10,000-shard scatters expanded, the selection among the BwaMem shards.
fn tree_state() -> State {
    let mut s = fx::at_big_scatters(W, H, SHARDS);
    let rows = s.tree().map_or(0, |t| t.rows().len());
    assert_eq!(rows, 2 * SHARDS + 6);
    assert!(fx::select_call(&mut s, &format!("{}-5000", fx::BWA)));
    update(&mut s, Action::Down);
    s
}

fn frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame");
    let mut out = Frames::new();
    let runs = runs_state();
    g.bench_function("runs pane, 5000 runs, 200x50", |b| {
        b.iter(|| out.draw(&runs))
    });
    let tree = tree_state();
    g.bench_function("call tree, 20006 visible rows, 200x50", |b| {
        b.iter(|| out.draw(&tree))
    });
    // The same runs shown from the cache: the status bar says how old they are.
    let cached = cached_runs_state();
    g.bench_function("runs pane, 5000 runs from the cache, 200x50", |b| {
        b.iter(|| out.draw(&cached))
    });
    g.finish();
}

/// `runs_state`, as a start from the cache shows it: not fetched yet this session.
fn cached_runs_state() -> State {
    use omtop::tui::effect::{Request, RunsQuery};
    let mut s = runs_state();
    let scope = s.project_scope().expect("a project");
    let group = s
        .group()
        .and_then(|g| g.run_group_id.clone())
        .expect("a group");
    s.poller = Default::default();
    let at = s.now_unix() - 300;
    s.cached.insert(
        Request::Runs {
            scope,
            query: RunsQuery::Group(group),
        },
        at,
    );
    let age = omtop::tui::update::data_age(&s).expect("an age");
    assert!(age.cached && age.secs == 300);
    s
}

fn key_to_frame(c: &mut Criterion) {
    let mut g = c.benchmark_group("key to frame");
    let mut out = Frames::new();

    let mut runs = runs_state();
    let mut down = true;
    g.bench_function("runs pane, 5000 runs: down or up", |b| {
        b.iter(|| {
            update(&mut runs, if down { Action::Down } else { Action::Up });
            down = !down;
            out.draw(&runs);
        })
    });

    // Enter on the HaplotypeCaller scatter collapses it when open and expands it when not;
    // only the second of two presses is timed, so each benchmark times one direction.
    let mut tree = tree_state();
    assert!(fx::select_call(&mut tree, fx::HC));
    for (name, open_first) in [("collapse", true), ("expand", false)] {
        let id = format!("call tree, 20006 rows: {name} a 10000-shard scatter");
        g.bench_function(id, |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let open = tree.tree().is_some_and(|t| t.rows().len() > SHARDS * 2);
                    if open != open_first {
                        update(&mut tree, Action::Enter);
                        out.draw(&tree);
                    }
                    let start = Instant::now();
                    update(&mut tree, Action::Enter);
                    out.draw(&tree);
                    timed += start.elapsed();
                }
                timed
            })
        });
    }
    g.finish();
}

criterion_group!(benches, frames, key_to_frame);
criterion_main!(benches);
