//! `Y` (and `c` in a confirmation): the tccli command for the selection or the request.

use super::super::action::Action;
use super::super::effect::Effect;
use super::super::fixtures as fx;
use super::super::state::popup::Popup;
use super::update;
use crate::api::Call;

fn copied(effects: &[Effect]) -> Call {
    match effects {
        [Effect::CopyTccli(c)] => c.clone(),
        other => panic!("expected one CopyTccli, got {other:?}"),
    }
}

#[test]
fn the_selection_is_copied_as_the_read_that_returns_it() {
    let mut s = fx::state(120, 40);
    let c = copied(&update(&mut s, Action::CopyTccli));
    assert_eq!(
        (c.action, c.region.as_str()),
        ("DescribeProjects", fx::REGION)
    );
    assert_eq!(c.body["Filters"][0]["Name"], "ProjectId");
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("DescribeProjects"))
    );

    let mut s = fx::at_groups(120, 40);
    let c = copied(&update(&mut s, Action::CopyTccli));
    assert_eq!(c.action, "DescribeRunGroups");
    assert_eq!(c.body["ProjectId"], fx::PROJECT);
    let selected = s
        .groups()
        .expect("a groups view")
        .selected_id()
        .expect("a group");
    assert_eq!(c.body["Filters"][0]["Values"][0], selected.as_str());

    let mut s = fx::at_runs(120, 40);
    s.runs_mut().expect("a runs view").list.select_id(fx::RUN);
    let c = copied(&update(&mut s, Action::CopyTccli));
    assert_eq!(c.action, "DescribeRuns");
    assert_eq!(c.body["Filters"][0]["Name"], "RunUuid");
    assert_eq!(c.body["Filters"][0]["Values"][0], fx::RUN);

    let mut s = fx::at_calls(120, 40);
    let c = copied(&update(&mut s, Action::CopyTccli));
    assert_eq!(c.action, "GetRunCalls");
    assert_eq!(
        (c.body["RunUuid"].as_str(), c.body["Path"].as_str()),
        (Some(fx::RUN), Some("/"))
    );
    // Every one is a request the reference accepts.
    let serde_json::Value::Object(m) = &c.body else {
        panic!("object")
    };
    assert_eq!(crate::api::schema::api().check(c.action, m), Ok(()));
}

#[test]
fn in_a_confirmation_c_copies_the_request_and_sends_nothing() {
    let mut s = fx::at_groups(120, 40);
    s.groups_mut().expect("a groups view").select_id(fx::GROUP);
    update(&mut s, Action::Terminate);
    assert!(matches!(s.popup, Some(Popup::Confirm(_))));
    let c = copied(&update(&mut s, Action::CopyTccli));
    assert_eq!(c.action, "TerminateRunGroup");
    assert_eq!(c.body["RunGroupId"], fx::GROUP);
    assert!(matches!(s.popup, Some(Popup::Confirm(_))), "still asking");
    let line = crate::api::tccli::line(&c, &crate::api::tccli::Target::default());
    assert!(
        line.starts_with("tccli omics TerminateRunGroup --region ap-guangzhou"),
        "{line}"
    );
}
