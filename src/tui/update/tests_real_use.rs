//! Where real use differs from the happy path: ambiguous mutations, logs that do not exist
//! or stop growing, first loads that fail, requests that hang, filters and names.

use crate::api::ApiError;
use crate::api::types::RunMetadata;

use super::super::action::{Action, ApiResult};
use super::super::effect::{Effect, LogSource};
use super::super::fixtures::{self as fx, api};
use super::super::state::State;
use super::super::state::list::StatusFilter;
use super::super::state::popup::Popup;
use super::update;
use crate::tui::request::Answer;
use crate::tui::request::Request;
use crate::tui::view::ViewKind;

fn internal_error(action: &str) -> ApiError {
    ApiError::Service {
        action: action.into(),
        code: "InternalError".into(),
        message: "Retry your request.".into(),
        request_id: "req-5e1f".into(),
    }
}

fn message(s: &State) -> (String, String) {
    match &s.popup {
        Some(Popup::Message(m)) => (m.title.clone(), m.lines.join(" ")),
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn a_mutation_that_failed_internally_is_titled_outcome_unknown() {
    let mut s = fx::at_runs(80, 24);
    api(
        &mut s,
        ApiResult::Terminated {
            group_id: fx::GROUP.into(),
            name: "wgs".into(),
            result: Err(internal_error("TerminateRunGroup")),
        },
    );
    let (title, text) = message(&s);
    assert!(title.contains("outcome unknown"), "{title}");
    assert!(!title.contains("failed"), "{title}");
    assert!(
        text.contains("not resent") && text.contains("req-5e1f"),
        "{text}"
    );
    let mut s = fx::at_runs(80, 24);
    api(
        &mut s,
        ApiResult::Retried {
            scope: fx::scope(),
            old_group_id: fx::GROUP.into(),
            old_name: "wgs".into(),
            result: Err(internal_error("RetryRuns")),
        },
    );
    let (title, text) = message(&s);
    assert!(title.contains("outcome unknown"), "{title}");
    assert!(text.contains("Check the run groups"), "{text}");
}

#[test]
fn another_group_or_project_opens_unfiltered() {
    let mut s = fx::at_runs(80, 24);
    update(&mut s, Action::Filter);
    for c in "NA".chars() {
        update(&mut s, Action::InputChar(c));
    }
    update(&mut s, Action::Confirm);
    update(&mut s, Action::StatusFilter);
    assert_eq!(
        (
            s.runs().expect("a runs view").list.filter.as_str(),
            s.runs().expect("a runs view").list.status
        ),
        ("NA", StatusFilter::Running)
    );
    update(&mut s, Action::Back);
    update(&mut s, Action::Down);
    update(&mut s, Action::Enter);
    assert_eq!(s.kind(), ViewKind::Runs);
    assert_eq!(
        (
            s.runs().expect("a runs view").list.filter.as_str(),
            s.runs().expect("a runs view").list.status
        ),
        ("", StatusFilter::All)
    );

    update(&mut s, Action::Back);
    update(&mut s, Action::StatusFilter);
    update(&mut s, Action::Back);
    update(&mut s, Action::Down);
    update(&mut s, Action::Enter);
    assert_eq!(s.kind(), ViewKind::Groups);
    assert_eq!(s.groups().expect("a groups view").status, StatusFilter::All);
}

const LIVE_RUN: &str = "1a2b3c4d-0000-4000-8000-000000000003";
const LIVE_JOB: &str = "plan-live-task-000003";

/// The call tree of the running run NA12892: one task, RUNNING (or `status`).
fn live_calls(status: &str) -> ApiResult {
    let task = RunMetadata {
        run_type: Some("Task".into()),
        run_id: Some("1a2b3c4d-Germline.QC".into()),
        job_id: Some(LIVE_JOB.into()),
        call_name: Some("Germline.QC".into()),
        status: Some(status.into()),
        ..RunMetadata::default()
    };
    ApiResult::loaded(
        Request::Calls {
            scope: fx::scope(),
            run_uuid: LIVE_RUN.into(),
            path: "/".into(),
        },
        Ok(Answer::Calls(vec![task])),
    )
}

fn log_fetches(effects: &[Effect]) -> Vec<LogSource> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Load {
                req: Request::Log { source, .. },
                ..
            } => Some(source.clone()),
            _ => None,
        })
        .collect()
}

/// Moves the clock on by one second; answers every log fetch it causes.
fn tick(s: &mut State) -> usize {
    let now = s.now + chrono::Duration::seconds(1);
    let e = update(s, Action::Tick(now));
    let fetches = log_fetches(&e);
    for source in &fetches {
        api(
            s,
            ApiResult::loaded(
                Request::Log {
                    scope: crate::tui::fixtures::scope(),
                    run_uuid: LIVE_RUN.into(),
                    source: source.clone(),
                },
                Ok(Answer::Log("more output\n".into())),
            ),
        );
    }
    fetches.len()
}

/// Following the live task's stdout.
fn following() -> State {
    let mut s = fx::at_runs(120, 40);
    s.runs_mut().expect("a runs view").list.select_id(LIVE_RUN);
    update(&mut s, Action::Enter);
    api(&mut s, live_calls("RUNNING"));
    let e = update(&mut s, Action::Logs);
    let [source] = &log_fetches(&e)[..] else {
        panic!("stdout fetched: {e:?}");
    };
    api(
        &mut s,
        ApiResult::loaded(
            Request::Log {
                scope: crate::tui::fixtures::scope(),
                run_uuid: LIVE_RUN.into(),
                source: source.clone(),
            },
            Ok(Answer::Log("started\n".into())),
        ),
    );
    update(&mut s, Action::Follow);
    s
}

#[test]
fn following_a_task_stops_once_it_finished_after_one_last_fetch() {
    let mut s = following();
    let while_live: usize = (0..9).map(|_| tick(&mut s)).sum();
    assert_eq!(while_live, 3, "every 3 s while the task runs");
    // The tree's next poll says the task completed (its run goes on).
    api(&mut s, live_calls("COMPLETE"));
    let last: usize = (0..3).map(|_| tick(&mut s)).sum();
    assert_eq!(last, 1, "fetched once more, for the end of the log");
    let Some(Popup::Pager(p)) = &s.popup else {
        panic!("the pager stays open");
    };
    assert!(!p.follow, "follow is off");
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("finished") && n.text.contains("follow")),
        "{:?}",
        s.notice
    );
    let after: usize = (0..60).map(|_| tick(&mut s)).sum();
    assert_eq!(after, 0, "nothing more is asked");
}

#[test]
fn following_stops_when_the_run_finishes() {
    let mut s = following();
    let _ = (0..4).map(|_| tick(&mut s)).sum::<usize>();
    let e = api(
        &mut s,
        ApiResult::loaded(
            Request::Status {
                scope: fx::scope(),
                run_uuid: LIVE_RUN.into(),
            },
            Ok(Answer::Status(RunMetadata {
                status: Some("SYSTEM_ERROR".into()),
                ..RunMetadata::default()
            })),
        ),
    );
    // The tree is read once more too, so the calls show how the run ended.
    assert!(
        e.iter().any(
            |e| matches!(e, Effect::Load { req: Request::Calls { path, .. }, .. } if path == "/")
        ),
        "{e:?}"
    );
    let rest: usize = (0..60).map(|_| tick(&mut s)).sum();
    assert_eq!(rest, 1, "one last fetch, then none");
}

#[test]
fn a_finished_runs_calls_that_could_not_load_are_asked_again() {
    let mut s = fx::at_runs(120, 40);
    s.runs_mut().expect("a runs view").list.select_id(fx::RUN);
    update(&mut s, Action::Enter);
    let failed = || {
        ApiResult::loaded(
            Request::Calls {
                scope: fx::scope(),
                run_uuid: fx::RUN.into(),
                path: "/".into(),
            },
            Err(internal_error("GetRunCalls")),
        )
    };
    api(&mut s, failed());
    let mut asked = Vec::new();
    for sec in 1..=8 {
        let now = fx::now() + chrono::Duration::seconds(sec);
        let e = update(&mut s, Action::Tick(now));
        if e.iter().any(
            |e| matches!(e, Effect::Load { req: Request::Calls { path, .. }, .. } if path == "/"),
        ) {
            asked.push(sec);
            if asked.len() == 1 {
                api(&mut s, failed());
            } else {
                api(&mut s, fx::calls_result("/", fx::top_calls()));
            }
        }
    }
    assert_eq!(asked, [2, 6], "after 2 s, then 4 s more");
    assert_eq!(s.tree().map(|t| t.rows().len()), Some(4));
}

#[test]
fn without_describe_projects_each_regions_default_project_is_listed() {
    let mut s = State::new(Default::default(), fx::now());
    s.size = (120, 40);
    super::init(&mut s);
    let e = api(
        &mut s,
        ApiResult::loaded(
            Request::Projects {
                region: fx::REGION.into(),
            },
            Err(ApiError::Service {
                action: "DescribeProjects".into(),
                code: "InvalidAction".into(),
                message: "no such action".into(),
                request_id: "r".into(),
            }),
        ),
    );
    let [
        Effect::Load {
            req: Request::Groups { scope, .. },
            ..
        },
    ] = &e[..]
    else {
        panic!("the default project's groups: {e:?}");
    };
    // The default project has no groups yet: nothing names it, it is shown all the same.
    api(
        &mut s,
        ApiResult::loaded(
            Request::Groups {
                scope: scope.clone(),
            },
            Ok(Answer::Groups(Vec::new())),
        ),
    );
    assert_eq!(s.projects().shown.len(), 1, "{:?}", s.projects().items);
    let row = s.projects().selected_item().cloned().expect("a row");
    assert!(row.is_default && row.region == fx::REGION, "{row:?}");
    // Opening it asks for its groups as the fallback does (no ProjectId), and shows none.
    let e = update(&mut s, Action::Enter);
    assert!(
        matches!(&e[..], [Effect::Load { req: Request::Groups { scope, .. }, .. }] if scope.project_id.is_none()),
        "{e:?}"
    );
    api(
        &mut s,
        ApiResult::loaded(
            Request::Groups {
                scope: scope.clone(),
            },
            Ok(Answer::Groups(Vec::new())),
        ),
    );
    assert_eq!(s.kind(), ViewKind::Groups);
    assert!(
        s.groups().expect("a groups view").loaded
            && s.groups().expect("a groups view").items.is_empty()
    );
    // Once it has a group, the default project is known by its id, listed once.
    update(&mut s, Action::Back);
    api(
        &mut s,
        ApiResult::loaded(
            Request::Groups {
                scope: scope.clone(),
            },
            Ok(Answer::Groups(fx::groups())),
        ),
    );
    let ids: Vec<&str> = s.projects().items.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, [fx::PROJECT]);
}
