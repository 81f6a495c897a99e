//! Terminate, retry and read-only flows: confirm first, exactly one effect, errors shown
//! with their RequestId, nothing repeated by itself.

use crate::api::types::{RunGroup, StatusClass};
use crate::api::{ApiError, Created, TransportKind};

use super::super::action::{Action, ApiResult};
use super::super::effect::{Effect, RunsQuery};
use super::super::fixtures::{self as fx, api};
use super::super::state::list::Item;
use super::super::state::popup::{Level as MsgLevel, Popup};
use super::super::state::{Settings, State};
use super::update;
use crate::tui::request::Answer;
use crate::tui::request::Request;
use crate::tui::view::ViewKind;

fn confirm_lines(s: &State) -> Vec<String> {
    match &s.popup {
        Some(Popup::Confirm(c)) => c.lines.clone(),
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

fn service_error(action: &str) -> ApiError {
    ApiError::Service {
        action: action.into(),
        code: "FailedOperation".into(),
        message: "the group is busy".into(),
        request_id: "req-7f3e-42".into(),
    }
}

#[test]
fn terminate_asks_then_emits_exactly_one_effect() {
    let mut s = fx::at_groups(80, 24);
    let e = update(&mut s, Action::Terminate);
    assert!(e.is_empty(), "nothing before confirming");
    let lines = confirm_lines(&s).join("\n");
    assert!(lines.contains("wgs-germline-2024-06-batch-17"), "{lines}");
    assert!(lines.contains("8 of 30 runs are still active"), "{lines}");
    let e = update(&mut s, Action::Confirm);
    assert_eq!(
        e,
        vec![Effect::Terminate {
            scope: fx::scope(),
            group_id: fx::GROUP.into(),
            name: "wgs-germline-2024-06-batch-17".into(),
        }]
    );
    assert!(s.popup.is_none());
    assert!(
        update(&mut s, Action::Confirm).is_empty(),
        "confirming again does nothing"
    );
}

#[test]
fn terminate_cancel_and_error() {
    let mut s = fx::at_groups(80, 24);
    update(&mut s, Action::Terminate);
    assert!(update(&mut s, Action::Cancel).is_empty());
    assert!(s.popup.is_none());
    let e = api(
        &mut s,
        ApiResult::Terminated {
            group_id: fx::GROUP.into(),
            name: "wgs".into(),
            result: Err(service_error("TerminateRunGroup")),
        },
    );
    assert!(e.is_empty(), "a failed mutation is not repeated");
    let Some(Popup::Message(m)) = &s.popup else {
        panic!("error shown");
    };
    assert_eq!(m.level, MsgLevel::Error);
    assert!(m.lines.join(" ").contains("req-7f3e-42"));
    assert!(
        s.error
            .as_ref()
            .is_some_and(|f| f.text.contains("req-7f3e-42"))
    );
    // A finished group cannot be terminated.
    update(&mut s, Action::Cancel);
    update(&mut s, Action::Down);
    update(&mut s, Action::Terminate);
    assert!(s.popup.is_none());
}

#[test]
fn retry_marked_runs_with_call_cache_and_select_the_new_group() {
    let mut s = fx::at_runs(80, 24);
    s.runs_mut().expect("a runs view").list.select_id(fx::RUN);
    update(&mut s, Action::Mark);
    s.runs_mut()
        .expect("a runs view")
        .list
        .select_id("1a2b3c4d-0000-4000-8000-000000000005");
    update(&mut s, Action::Mark);
    assert_eq!(s.runs().expect("a runs view").marks.len(), 2);
    assert!(update(&mut s, Action::Retry).is_empty());
    let Some(Popup::Confirm(c)) = &s.popup else {
        panic!("confirmation");
    };
    assert_eq!(
        c.choices
            .iter()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>(),
        ["Rerun", "Resume with call cache"]
    );
    update(&mut s, Action::NextChoice);
    let e = update(&mut s, Action::Confirm);
    let [
        Effect::Retry {
            request,
            old_group_id,
            ..
        },
    ] = &e[..]
    else {
        panic!("one retry effect: {e:?}");
    };
    assert_eq!(old_group_id, fx::GROUP);
    let mut uuids = request.run_uuids.clone();
    uuids.sort();
    assert_eq!(
        uuids,
        vec![
            "1a2b3c4d-0000-4000-8000-000000000005".to_string(),
            fx::RUN.into()
        ]
    );
    // The group is still running: its runs are named, not the group.
    assert_eq!(request.run_group_id, None);
    // Every field the reference requires of a RunOption is sent; the group had none.
    let req = serde_json::to_value(request).expect("json");
    assert_eq!(
        req["WDLOption"],
        serde_json::json!({"FailureMode": "NoNewCalls", "UseCallCache": true, "UseErrorOnHold": false})
    );

    let new_id = "run-fresh-green-newt-000777";
    let e = api(
        &mut s,
        ApiResult::Retried {
            scope: fx::scope(),
            old_group_id: fx::GROUP.into(),
            old_name: "wgs-germline-2024-06-batch-17".into(),
            result: Ok(Created {
                run_group_id: new_id.into(),
                request_id: "req-1".into(),
            }),
        },
    );
    assert_eq!(s.kind(), ViewKind::Groups);
    assert!(
        matches!(
            &e[..],
            [Effect::Load {
                req: Request::Groups { .. },
                ..
            }]
        ),
        "{e:?}"
    );
    let mut groups = fx::groups();
    groups.insert(
        0,
        RunGroup {
            run_group_id: Some(new_id.into()),
            name: Some("wgs-germline-2024-06-batch-17-retry".into()),
            status: Some("RUNNING".into()),
            ..RunGroup::default()
        },
    );
    groups.swap(0, 3);
    api(
        &mut s,
        ApiResult::loaded(
            Request::Groups { scope: fx::scope() },
            Ok(Answer::Groups(groups)),
        ),
    );
    assert_eq!(
        s.groups().expect("a groups view").selected_id().as_deref(),
        Some(new_id)
    );
    assert_eq!(
        s.retry_of.get(new_id).map(|x| x.0.as_str()),
        Some(fx::GROUP)
    );
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("retry of"))
    );
}

#[test]
fn retry_without_marks_takes_the_failed_runs_and_rerun_clears_the_cache() {
    let mut s = fx::at_runs(80, 24);
    update(&mut s, Action::Retry);
    let lines = confirm_lines(&s).join("\n");
    assert!(lines.contains("NA12891"), "{lines}");
    assert!(lines.contains("failed so far"), "{lines}");
    // The confirmation shows the exact request of the selected choice.
    let Some(Popup::Confirm(c)) = &s.popup else {
        panic!("confirmation");
    };
    let shown = c.choices[0].preview.join("\n");
    assert!(shown.starts_with("Sends RetryRuns:"), "{shown}");
    assert!(
        shown.contains(&format!("\"RunUuids\": [\"{}\"]", fx::RUN)),
        "{shown}"
    );
    assert!(shown.contains("\"UseCallCache\":false"), "{shown}");
    assert!(
        shown.contains("note: the group has no FailureMode"),
        "{shown}"
    );
    let e = update(&mut s, Action::Confirm);
    let [Effect::Retry { request, .. }] = &e[..] else {
        panic!("one retry effect");
    };
    assert_eq!(request.run_uuids, vec![fx::RUN.to_string()]);
    assert_eq!(
        request.wdl_option.as_ref().and_then(|o| o.use_call_cache),
        Some(false)
    );
}

/// What the confirmation says a retry of a finished group (selected in the groups pane)
/// retries, and what it sends.
fn retry_group(name: &str) -> (Vec<String>, Vec<Effect>) {
    let mut s = fx::at_groups(80, 24);
    let id = fx::groups()
        .into_iter()
        .find(|g| g.name.as_deref() == Some(name))
        .and_then(|g| g.run_group_id)
        .expect("the fixture group");
    s.groups_mut().expect("a groups view").select_id(&id);
    update(&mut s, Action::Retry);
    let lines = confirm_lines(&s);
    (lines, update(&mut s, Action::Confirm))
}

#[test]
fn a_finished_group_is_retried_by_its_id_and_canceled_runs_count() {
    let (lines, e) = retry_group("联合分型 joint calling");
    assert!(lines[0].contains("the 2 failed run(s)"), "{lines:?}");
    let [Effect::Retry { request, .. }] = &e[..] else {
        panic!("one retry effect: {e:?}");
    };
    assert_eq!(
        request.run_group_id.as_deref(),
        Some("run-happy-parchment-bulldog-708923")
    );
    assert!(request.run_uuids.is_empty());
    // A group whose runs were all canceled is retried too: the service retries them.
    let (lines, e) = retry_group("old-batch");
    assert!(lines[0].contains("the 3 canceled run(s)"), "{lines:?}");
    assert!(matches!(&e[..], [Effect::Retry { .. }]), "{e:?}");
}

#[test]
fn a_running_group_in_the_groups_pane_asks_to_be_opened_first() {
    let mut s = fx::at_groups(80, 24);
    s.groups_mut().expect("a groups view").select_id(fx::GROUP);
    assert!(update(&mut s, Action::Retry).is_empty());
    assert!(s.popup.is_none());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("still running")),
        "{:?}",
        s.notice
    );
}

#[test]
fn retry_outcome_unknown_is_shown_and_not_resent() {
    let mut s = fx::at_runs(80, 24);
    let e = api(
        &mut s,
        ApiResult::Retried {
            scope: fx::scope(),
            old_group_id: fx::GROUP.into(),
            old_name: "wgs".into(),
            result: Err(ApiError::OutcomeUnknown {
                action: "RetryRuns".into(),
                kind: TransportKind::Timeout,
                detail: "no answer in 30s".into(),
            }),
        },
    );
    assert!(e.is_empty());
    let Some(Popup::Message(m)) = &s.popup else {
        panic!("error shown");
    };
    let text = m.lines.join(" ");
    assert!(
        text.contains("outcome unknown") && text.contains("not resent"),
        "{text}"
    );
    assert_eq!(s.kind(), ViewKind::Runs, "stays put");
    let e = api(
        &mut s,
        ApiResult::Retried {
            scope: fx::scope(),
            old_group_id: fx::GROUP.into(),
            old_name: "wgs".into(),
            result: Err(service_error("RetryRuns")),
        },
    );
    assert!(e.is_empty());
    assert!(
        matches!(&s.popup, Some(Popup::Message(m)) if m.lines.join(" ").contains("req-7f3e-42"))
    );
}

#[test]
fn read_only_removes_the_effects() {
    let mut s = State::new(
        Settings {
            read_only: true,
            ..Settings::default()
        },
        fx::now(),
    );
    super::init(&mut s);
    api(
        &mut s,
        ApiResult::loaded(
            Request::Projects {
                region: fx::REGION.into(),
            },
            Ok(Answer::Projects(fx::projects())),
        ),
    );
    update(&mut s, Action::Enter);
    api(
        &mut s,
        ApiResult::loaded(
            Request::Groups { scope: fx::scope() },
            Ok(Answer::Groups(fx::groups())),
        ),
    );
    for a in [Action::Terminate, Action::Retry, Action::ReadOnly] {
        assert!(update(&mut s, a).is_empty());
        assert!(s.popup.is_none());
        assert!(
            s.notice
                .as_ref()
                .is_some_and(|n| n.text.contains("read-only"))
        );
    }
    assert!(
        StatusClass::of(
            s.groups()
                .expect("a groups view")
                .selected_item()
                .map(Item::status)
                .unwrap_or("")
        )
        .is_live()
    );
}

#[test]
fn projects_fall_back_to_configuration_and_default_project() {
    let mut s = State::new(
        Settings {
            extra_projects: vec![(
                "prj-from-config".into(),
                fx::REGION.into(),
                "Configured".into(),
            )],
            ..Settings::default()
        },
        fx::now(),
    );
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
        panic!("groups of the default project: {e:?}");
    };
    assert_eq!(scope.project_id, None);
    api(
        &mut s,
        ApiResult::loaded(
            Request::Groups {
                scope: scope.clone(),
            },
            Ok(Answer::Groups(fx::groups())),
        ),
    );
    let names: Vec<&str> = s
        .projects()
        .items
        .iter()
        .map(|p| p.display_name())
        .collect();
    assert!(
        names.contains(&"Configured") && names.contains(&"Population WGS"),
        "{names:?}"
    );
    let default = s
        .projects()
        .items
        .iter()
        .find(|p| p.id == fx::PROJECT)
        .expect("learned");
    assert!(default.is_default);
    assert_eq!((default.running, default.failed), (Some(1), Some(2)));
}

#[test]
fn a_read_error_clears_once_reads_work_again_but_a_failed_change_stays() {
    let runs_ok = || {
        ApiResult::loaded(
            Request::Runs {
                scope: fx::scope(),
                query: RunsQuery::Group(fx::GROUP.into()),
            },
            Ok(Answer::Runs(fx::runs())),
        )
    };
    for (action, stays) in [("DescribeRuns", false), ("TerminateRunGroup", true)] {
        let mut s = fx::at_runs(120, 40);
        s.flash_error(&service_error(action));
        // A success at once does not hide the error before it can be read.
        api(&mut s, runs_ok());
        assert!(s.error.is_some(), "{action}: still shown");
        s.now += chrono::Duration::seconds(11);
        api(&mut s, runs_ok());
        assert_eq!(s.error.is_some(), stays, "{action}");
    }
}

#[test]
fn a_run_lookup_that_fails_is_asked_again_then_left_on_screen() {
    let uuid = "0f0f0f0f-0000-4000-8000-00000000beef";
    let lookups = |effects: &[Effect]| {
        effects
            .iter()
            .filter(
                |e| matches!(e, Effect::Load { req: Request::Runs { query: RunsQuery::Uuid(u), .. }, .. } if u == uuid),
            )
            .count()
    };
    let failed = || {
        ApiResult::loaded(
            Request::Runs {
                scope: fx::scope(),
                query: RunsQuery::Uuid(uuid.into()),
            },
            Err(service_error("DescribeRuns")),
        )
    };
    let mut s = fx::at_runs(120, 40);
    let shown = s.runs().expect("a runs view").list.items.len();
    let mut out = Vec::new();
    super::command::run(&mut s, &format!("run {uuid}"), &mut out);
    assert!(lookups(&out) >= 1, "{out:?}");
    assert_eq!(lookups(&api(&mut s, failed())), 1, "asked again");
    assert_eq!(lookups(&api(&mut s, failed())), 1, "and once more");
    assert_eq!(lookups(&api(&mut s, failed())), 0, "three tries in all");
    assert!(s.error.is_some(), "the failure is on screen");
    // The lookup's failures say nothing about the group's runs, which stay as they were.
    assert_eq!(
        (
            s.runs().expect("a runs view").list.items.len(),
            s.runs().expect("a runs view").list.loaded
        ),
        (shown, true)
    );
}

#[test]
fn a_retry_answered_after_the_user_moved_on_does_not_pull_them_back() {
    let mut s = fx::at_runs(80, 24);
    update(&mut s, Action::Retry);
    let e = update(&mut s, Action::Confirm);
    assert!(matches!(&e[..], [Effect::Retry { .. }]), "{e:?}");
    // Meanwhile the user asked for a run by id.
    s.goto = Some(super::super::state::Goto::Run(
        "6f1c2a9e-0b7d-4c3e-9a51-2d8e4f7b1c00".into(),
    ));
    api(
        &mut s,
        ApiResult::Retried {
            scope: fx::scope(),
            old_group_id: fx::GROUP.into(),
            old_name: "wgs-germline-2024-06-batch-17".into(),
            result: Ok(Created {
                run_group_id: "run-late-answer-000001".into(),
                request_id: "req-9".into(),
            }),
        },
    );
    assert_eq!(s.kind(), ViewKind::Runs, "still where the user is");
    assert!(matches!(s.goto, Some(super::super::state::Goto::Run(_))));
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("run-late-answer-000001"))
    );
}

/// The runs loads among `e`.
fn runs_loads(e: &[Effect]) -> usize {
    e.iter()
        .filter(|e| {
            matches!(e, Effect::Load { req: Request::Runs { query: RunsQuery::Group(g), .. }, .. } if g == fx::GROUP)
        })
        .count()
}

#[test]
fn r_asks_again_even_what_is_under_way() {
    let mut s = fx::at_runs(120, 40);
    // Answered: `R` asks for the runs again.
    assert_eq!(runs_loads(&update(&mut s, Action::Refresh)), 1);
    // Not answered yet (sent into an outage, say): asked again; the app cancels the one
    // still waiting.
    s.now += chrono::Duration::seconds(1);
    assert_eq!(runs_loads(&update(&mut s, Action::Refresh)), 1);
    // While polling, though, one under way is not asked twice, however long it waits.
    s.now += chrono::Duration::seconds(600);
    let mut out = Vec::new();
    super::poll::tick(&mut s, &mut out);
    assert_eq!(runs_loads(&out), 0);
}
