//! `w`: watching a group, its events in the status bar and as notifications.

use super::super::action::Action;
use super::super::effect::Effect;
use super::super::fixtures as fx;
use super::super::state::popup::Level as MsgLevel;
use super::update;
use crate::watch::{Event, Kind};

fn event(kind: Kind, group: &str) -> Event {
    let g = crate::api::types::RunGroup {
        run_group_id: Some(group.into()),
        name: Some("wgs".into()),
        ..Default::default()
    };
    let text = if kind == Kind::Finished {
        "finished"
    } else {
        "first failure in run group wgs"
    };
    let mut e = Event::new(kind, "2024-05-01T12:00:00Z", fx::REGION, &g, text);
    if kind == Kind::Finished {
        e.outcome = Some("succeeded".into());
    }
    e
}

#[test]
fn w_watches_the_group_and_its_events_reach_the_status_bar() {
    let mut s = fx::at_groups(120, 40);
    s.groups_mut().expect("a groups view").select_id(fx::GROUP);
    let e = update(&mut s, Action::Watch);
    assert_eq!(
        e,
        [Effect::Watch {
            scope: fx::scope(),
            group_id: fx::GROUP.into()
        }]
    );
    assert!(s.watching.contains(fx::GROUP));

    // While the user looks elsewhere, an event arrives.
    update(&mut s, Action::Back);
    let failure = event(Kind::FirstFailure, fx::GROUP);
    let e = update(&mut s, Action::Watched(Box::new(failure.clone())));
    assert_eq!(e, [Effect::Notify(Box::new(failure))]);
    let notice = s.notice.clone().expect("a notice");
    assert_eq!(notice.level, MsgLevel::Warn);
    assert_eq!(notice.text, "◉ first failure in run group wgs");
    // One for a group no longer watched is dropped.
    assert!(
        update(
            &mut s,
            Action::Watched(Box::new(event(Kind::Doomed, "run-other")))
        )
        .is_empty()
    );

    let done = event(Kind::Finished, fx::GROUP);
    update(&mut s, Action::Watched(Box::new(done)));
    assert_eq!(s.notice.as_ref().map(|n| n.level), Some(MsgLevel::Info));
    update(
        &mut s,
        Action::WatchEnded {
            group_id: fx::GROUP.into(),
            error: None,
        },
    );
    assert!(s.watching.is_empty());
}

#[test]
fn w_again_stops_and_a_watch_that_fails_says_why() {
    let mut s = fx::at_groups(120, 40);
    s.groups_mut().expect("a groups view").select_id(fx::GROUP);
    update(&mut s, Action::Watch);
    assert_eq!(
        update(&mut s, Action::Watch),
        [Effect::Unwatch(fx::GROUP.into())]
    );
    assert!(s.watching.is_empty());
    update(&mut s, Action::Watch);
    update(
        &mut s,
        Action::WatchEnded {
            group_id: fx::GROUP.into(),
            error: Some("run group not found\u{1b}[2J".into()),
        },
    );
    assert!(s.watching.is_empty());
    let n = s.notice.clone().expect("said");
    assert_eq!(n.level, MsgLevel::Error);
    assert!(
        n.text.contains("not found") && !n.text.contains('\u{1b}'),
        "{}",
        n.text
    );
    // Nothing to watch on the projects pane.
    let mut s = fx::state(120, 40);
    assert!(update(&mut s, Action::Watch).is_empty());
}
