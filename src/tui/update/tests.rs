//! Navigation, lazy drill-down, scatters, failure jumps and stale answers.

use crate::api::Priority;
use crate::api::types::RunMetadata;

use super::super::action::{Action, ApiResult};
use super::super::effect::{Effect, RunsQuery};
use super::super::fixtures::{self as fx, api, calls_result};
use super::super::state::list::Item;
use super::super::state::{Focus, State};
use super::update;
use crate::tui::request::Answer;
use crate::tui::request::Request;
use crate::tui::view::ViewKind;

pub(super) fn calls_paths(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Load {
                req: Request::Calls { path, .. },
                ..
            } => Some(path.clone()),
            _ => None,
        })
        .collect()
}

fn select_call(s: &mut State, run_id: &str) {
    let t = s.tree_mut().expect("tree");
    let id = (0..t.nodes.len())
        .find(|&i| t.node(i).run_id() == run_id)
        .expect("call exists");
    assert!(t.select_node(id), "{run_id} is visible");
}

fn selected_call(s: &State) -> String {
    let t = s.tree().expect("tree");
    t.node(t.selected_node().expect("selection"))
        .run_id()
        .to_string()
}

#[test]
fn init_loads_projects_and_enter_opens_groups() {
    let mut s = State::new(Default::default(), fx::now());
    let e = super::init(&mut s);
    assert_eq!(
        e,
        vec![Effect::Load {
            req: Request::Projects {
                region: fx::REGION.into()
            },
            prio: Priority::Interactive
        }]
    );
    let s = fx::state(80, 24);
    assert_eq!(s.projects().shown.len(), 3);
    let mut s = s;
    let e = update(&mut s, Action::Enter);
    assert_eq!(s.kind(), ViewKind::Groups);
    assert_eq!(
        e,
        vec![Effect::Load {
            req: Request::Groups { scope: fx::scope() },
            prio: Priority::Interactive
        }]
    );
}

#[test]
fn navigation_moves_drills_and_goes_back() {
    let mut s = fx::at_groups(80, 24);
    assert_eq!(
        s.groups().expect("a groups view").selected_id().as_deref(),
        Some(fx::GROUP),
        "newest first"
    );
    update(&mut s, Action::Down);
    update(&mut s, Action::Down);
    assert_eq!(s.groups().expect("a groups view").selected, 2);
    update(&mut s, Action::Up);
    assert_eq!(s.groups().expect("a groups view").selected, 1);
    update(&mut s, Action::Bottom);
    assert_eq!(s.groups().expect("a groups view").selected, 4);
    update(&mut s, Action::Top);
    assert_eq!(s.groups().expect("a groups view").selected, 0);
    update(&mut s, Action::PageDown);
    assert_eq!(
        s.groups().expect("a groups view").selected,
        4,
        "clamped to the last row"
    );
    update(&mut s, Action::Top);
    let e = update(&mut s, Action::Right);
    assert_eq!(s.kind(), ViewKind::Runs);
    assert!(
        matches!(&e[..], [Effect::Load { req: Request::Runs { query: RunsQuery::Group(g), .. }, .. }] if g == fx::GROUP)
    );
    update(&mut s, Action::FocusNext);
    assert_eq!(s.focus, Focus::Details);
    update(&mut s, Action::Back);
    assert_eq!(
        (s.kind(), s.focus),
        (ViewKind::Runs, Focus::List),
        "back leaves details first"
    );
    update(&mut s, Action::Back);
    assert_eq!(s.kind(), ViewKind::Groups);
    update(&mut s, Action::Left);
    assert_eq!(s.kind(), ViewKind::Projects);
}

#[test]
fn lazy_drill_down_three_levels_deep() {
    let mut s = fx::at_calls(80, 24);
    assert_eq!(s.kind(), ViewKind::Calls);
    assert_eq!(s.tree().map(|t| t.rows().len()), Some(4));
    select_call(&mut s, fx::ALIGN);
    let e = update(&mut s, Action::Enter);
    let a = format!("/{}", fx::ALIGN);
    assert_eq!(calls_paths(&e), vec![a.clone()]);
    assert!(
        matches!(&e[0], Effect::Load { req: Request::Calls { run_uuid, .. }, prio: Priority::Interactive } if run_uuid == fx::RUN)
    );
    api(&mut s, calls_result(&a, fx::align_calls()));
    assert_eq!(s.tree().map(|t| t.rows().len()), Some(6));

    select_call(&mut s, fx::BWA);
    let e = update(&mut s, Action::Right);
    let ab = format!("{a}/{}", fx::BWA);
    assert_eq!(calls_paths(&e), vec![ab.clone()]);
    // A shard that is itself a sub-workflow, one level further down.
    let mut shards = fx::bwa_shards(3);
    shards[2].run_type = Some("Workflow".into());
    shards[2].run_id = Some("C".into());
    api(&mut s, calls_result(&ab, shards));
    assert_eq!(s.tree().map(|t| t.rows().len()), Some(9));

    select_call(&mut s, "C");
    let e = update(&mut s, Action::Enter);
    let abc = format!("{ab}/C");
    assert_eq!(calls_paths(&e), vec![abc.clone()]);
    let leaf = RunMetadata {
        run_id: Some("D".into()),
        call_name: Some("Deep.Task".into()),
        run_type: Some("Task".into()),
        status: Some("COMPLETE".into()),
        ..RunMetadata::default()
    };
    api(&mut s, calls_result(&abc, vec![leaf]));
    let t = s.tree().expect("tree");
    assert_eq!(t.rows().len(), 10);
    let d = t
        .rows()
        .iter()
        .find(|&&i| t.node(i).run_id() == "D")
        .copied()
        .expect("D shown");
    assert_eq!(t.node(d).depth, 3);
    assert_eq!(&*t.node(d).path, abc);
}

#[test]
fn scatter_collapses_and_expands_without_reloading() {
    let mut s = fx::at_calls(160, 48);
    select_call(&mut s, fx::HC);
    let e = update(&mut s, Action::Enter);
    let p = format!("/{}", fx::HC);
    assert_eq!(calls_paths(&e), vec![p.clone()]);
    api(&mut s, calls_result(&p, fx::hc_shards(10_000)));
    let t = s.tree().expect("tree");
    assert_eq!(t.rows().len(), 10_004);
    let hc = t.selected_node().expect("selected");
    assert_eq!(
        t.node(hc).counts.as_ref().map(|c| c.succeeded),
        Some(10_000)
    );
    update(&mut s, Action::Bottom);
    update(&mut s, Action::Up); // the last shard
    assert_eq!(selected_call(&s), format!("{}-9999", fx::HC));
    update(&mut s, Action::Left); // to the parent scatter
    assert_eq!(selected_call(&s), fx::HC);
    update(&mut s, Action::Left); // collapse
    assert_eq!(s.tree().map(|t| t.rows().len()), Some(4));
    let e = update(&mut s, Action::Enter);
    assert!(e.is_empty(), "already loaded: no request");
    assert_eq!(s.tree().map(|t| t.rows().len()), Some(10_004));
}

#[test]
fn next_failure_loads_collapsed_levels_then_lands() {
    let mut s = fx::at_calls(80, 24);
    let e = update(&mut s, Action::NextFailure);
    let a = format!("/{}", fx::ALIGN);
    assert_eq!(
        calls_paths(&e),
        vec![a.clone()],
        "the failed sub-workflow loads first"
    );
    assert!(s.calls().expect("a call tree").jump.is_some());
    let e = api(&mut s, calls_result(&a, fx::align_calls()));
    let ab = format!("{a}/{}", fx::BWA);
    assert_eq!(
        calls_paths(&e),
        vec![ab.clone()],
        "then the failed scatter inside it"
    );
    let e = api(&mut s, calls_result(&ab, fx::bwa_shards(24)));
    assert!(e.is_empty());
    assert!(s.calls().expect("a call tree").jump.is_none());
    assert_eq!(selected_call(&s), format!("{}-7", fx::BWA));
    let t = s.tree().expect("tree");
    assert!(
        t.rows().len() > 24,
        "ancestors expanded: {}",
        t.rows().len()
    );
    // The only failure: n wraps to it again, N too, without loading.
    assert!(update(&mut s, Action::NextFailure).is_empty());
    assert_eq!(selected_call(&s), format!("{}-7", fx::BWA));
    assert!(update(&mut s, Action::PrevFailure).is_empty());
    assert_eq!(selected_call(&s), format!("{}-7", fx::BWA));
}

#[test]
fn next_failure_in_lists() {
    let mut s = fx::at_runs(80, 24);
    assert_eq!(s.runs().expect("a runs view").list.selected, 0);
    update(&mut s, Action::NextFailure);
    assert_eq!(
        s.runs()
            .expect("a runs view")
            .list
            .selected_item()
            .and_then(|r| r.user_defined_id.clone())
            .as_deref(),
        Some("NA12891")
    );
}

#[test]
fn failures_view_walks_the_tree_loading_as_needed() {
    let mut s = fx::at_calls(80, 24);
    let e = update(&mut s, Action::Failures);
    let a = format!("/{}", fx::ALIGN);
    assert_eq!(calls_paths(&e), vec![a.clone()]);
    let e = api(&mut s, calls_result(&a, fx::align_calls()));
    let ab = format!("{a}/{}", fx::BWA);
    assert_eq!(calls_paths(&e), vec![ab.clone()]);
    api(&mut s, calls_result(&ab, fx::bwa_shards(24)));
    let Some(super::super::state::popup::Popup::Failures(f)) = &s.popup else {
        panic!("failures view open");
    };
    assert_eq!((f.items.len(), f.loading), (1, 0));
    update(&mut s, Action::Enter);
    assert!(s.popup.is_none());
    assert_eq!(selected_call(&s), format!("{}-7", fx::BWA));
}

#[test]
fn stale_answers_for_left_panes_are_ignored() {
    let mut s = fx::at_runs(80, 24);
    s.runs_mut().expect("a runs view").list.select_id(fx::RUN);
    update(&mut s, Action::Enter); // the failed run's tree
    update(&mut s, Action::Back);
    s.runs_mut()
        .expect("a runs view")
        .list
        .select_id("1a2b3c4d-0000-4000-8000-000000000001");
    update(&mut s, Action::Enter); // NA12878's tree
    let other = s.tree().map(|t| t.run_uuid().to_string());
    assert_ne!(other.as_deref(), Some(fx::RUN));
    api(&mut s, calls_result("/", fx::top_calls()));
    assert!(
        s.tree().is_some_and(|t| t.nodes.is_empty()),
        "answer for the old run dropped"
    );

    // Runs of another group do not land in this group's list.
    update(&mut s, Action::Back);
    let before = s.runs().expect("a runs view").list.items.len();
    api(
        &mut s,
        ApiResult::loaded(
            Request::Runs {
                scope: fx::scope(),
                query: RunsQuery::Group("run-some-other-group".into()),
            },
            Ok(Answer::Runs(vec![])),
        ),
    );
    assert_eq!(s.runs().expect("a runs view").list.items.len(), before);

    // Groups of another project are cached but not shown.
    let shown = s.groups().expect("a groups view").items.len();
    api(
        &mut s,
        ApiResult::loaded(
            Request::Groups {
                scope: crate::api::Scope::new(
                    fx::REGION,
                    Some("prj-shiny-mauve-fox-004230".into()),
                ),
            },
            Ok(Answer::Groups(vec![])),
        ),
    );
    assert_eq!(s.groups().expect("a groups view").items.len(), shown);
}

#[test]
fn filters_and_sorting() {
    let mut s = fx::at_groups(80, 24);
    update(&mut s, Action::Filter);
    for c in "joint".chars() {
        update(&mut s, Action::InputChar(c));
    }
    assert_eq!(s.groups().expect("a groups view").shown.len(), 1);
    update(&mut s, Action::Confirm);
    assert!(s.input.is_none());
    assert_eq!(
        s.groups().expect("a groups view").shown.len(),
        1,
        "the filter stays"
    );
    update(&mut s, Action::Filter);
    update(&mut s, Action::Cancel);
    assert_eq!(
        s.groups().expect("a groups view").shown.len(),
        5,
        "esc clears it"
    );
    update(&mut s, Action::StatusFilter);
    assert_eq!(s.groups().expect("a groups view").shown.len(), 1, "running");
    update(&mut s, Action::StatusFilter);
    assert_eq!(s.groups().expect("a groups view").shown.len(), 1, "failed");
    update(&mut s, Action::StatusFilter);
    update(&mut s, Action::Sort);
    let first = |s: &State| {
        s.groups().expect("a groups view").items[s.groups().expect("a groups view").shown[0]].id()
    };
    assert_eq!(
        first(&s),
        "run-happy-parchment-bulldog-708923",
        "by name, descending"
    );
    update(&mut s, Action::SortReverse);
    assert_eq!(first(&s), "run-odd-grey-moth-000001", "by name, ascending");
}

#[test]
fn polling_is_limited_to_live_runs_on_screen() {
    let mut s = fx::at_runs(80, 24);
    let e = update(
        &mut s,
        Action::Tick(fx::now() + chrono::Duration::seconds(30)),
    );
    let polled: Vec<&str> = e
        .iter()
        .filter_map(|e| match e {
            Effect::Load {
                req: Request::Status { run_uuid, .. },
                ..
            } => Some(run_uuid.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        polled.len(),
        3,
        "the two running and the queued run: {polled:?}"
    );
    assert!(!polled.contains(&fx::RUN), "finished runs are not polled");
    let again = update(
        &mut s,
        Action::Tick(fx::now() + chrono::Duration::seconds(31)),
    );
    assert!(again.is_empty(), "one pending poll per target: {again:?}");
}

#[test]
fn copy_sanitizes_the_id() {
    let mut s = fx::at_groups(80, 24);
    s.groups_mut().expect("a groups view").items[0].run_group_id =
        Some("run-x\u{1b}]52;c;evil\u{7}".into());
    s.groups_mut().expect("a groups view").refresh(None);
    update(&mut s, Action::Top);
    let e = update(&mut s, Action::Copy);
    match &e[..] {
        [Effect::Copy(t)] => assert!(!t.contains('\u{1b}') && !t.contains('\u{7}'), "{t:?}"),
        other => panic!("unexpected {other:?}"),
    }
}
