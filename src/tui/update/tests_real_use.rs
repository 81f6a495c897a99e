//! Where real use differs from the happy path: ambiguous mutations, logs that do not exist
//! or stop growing, first loads that fail, requests that hang, filters and names.

use crate::api::ApiError;

use super::super::action::{Action, ApiResult};
use super::super::fixtures::{self as fx, api};
use super::super::state::list::StatusFilter;
use super::super::state::popup::Popup;
use super::super::state::{Level, State};
use super::update;

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
        (s.runs.filter.as_str(), s.runs.status),
        ("NA", StatusFilter::Running)
    );
    update(&mut s, Action::Back);
    update(&mut s, Action::Down);
    update(&mut s, Action::Enter);
    assert_eq!(s.level, Level::Runs);
    assert_eq!(
        (s.runs.filter.as_str(), s.runs.status),
        ("", StatusFilter::All)
    );

    update(&mut s, Action::Back);
    update(&mut s, Action::StatusFilter);
    update(&mut s, Action::Back);
    update(&mut s, Action::Down);
    update(&mut s, Action::Enter);
    assert_eq!(s.level, Level::Groups);
    assert_eq!(s.groups.status, StatusFilter::All);
}
