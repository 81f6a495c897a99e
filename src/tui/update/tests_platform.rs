//! Environments, volumes and the sample sheet as views on the stack: opening, going back,
//! what they ask for, and a waiting group's reason.

use super::super::action::{Action, ApiResult};
use super::super::effect::{Effect, Request};
use super::super::fixtures::{self as fx, api};
use super::super::request::Answer;
use super::super::state::list::Item;
use super::super::view::{View, ViewKind};
use super::update;
use crate::api::Priority;
use crate::api::types::Volume;

fn tick(s: &mut super::super::state::State, secs: i64) -> Vec<Effect> {
    let now = s.now + chrono::Duration::seconds(secs);
    update(s, Action::Tick(now))
}

/// Opens the command line (or the filter), types `text` and applies it.
fn type_line(s: &mut super::super::state::State, open: Action, text: &str) {
    update(s, open);
    for c in text.chars() {
        update(s, Action::InputChar(c));
    }
    update(s, Action::Enter);
}

fn asks(e: &[Effect], want: impl Fn(&Request) -> bool) -> bool {
    e.iter().any(|e| e.request().is_some_and(&want))
}

#[test]
fn a_waiting_group_says_why_in_its_details() {
    let s = fx::at_platform_groups(160, 48);
    let g = s.groups().and_then(|l| l.selected_item()).expect("a group");
    assert_eq!(g.id(), fx::WAITING_GROUP, "the newest group is first");
    assert_eq!(
        s.waiting_reason(g).as_deref(),
        Some(
            "waiting: environment hpc-gz is ERROR: CVM ins-8d2k is unreachable: check its security group"
        )
    );
    // A running group on an environment that takes work waits for nothing.
    let running = fx::platform_groups()
        .into_iter()
        .find(|g| g.id() == fx::GROUP)
        .expect("running");
    assert_eq!(s.waiting_reason(&running), None);
}

#[test]
fn a_shown_waiting_group_has_its_environments_polled_and_others_do_not() {
    let mut s = fx::at_platform_groups(120, 40);
    let e = tick(&mut s, 30);
    assert!(asks(
        &e,
        |r| matches!(r, Request::Environments { region } if region == fx::REGION)
    ));
    // Without a waiting group, environments are not asked for.
    let mut s = fx::at_groups(120, 40);
    let e = tick(&mut s, 30);
    assert!(
        !asks(&e, |r| matches!(r, Request::Environments { .. })),
        "{e:?}"
    );
}

#[test]
fn e_opens_the_groups_environment_selected_and_back_returns_to_the_group() {
    let mut s = fx::at_platform_groups(120, 40);
    let e = update(&mut s, Action::Environment);
    assert_eq!(s.kind(), ViewKind::Environments);
    assert!(asks(&e, |r| matches!(r, Request::Environments { .. })));
    let View::Environments(v) = s.view() else {
        panic!("environments on top");
    };
    assert_eq!(v.list.selected_id().as_deref(), Some(fx::ENV_ERROR));
    // The live groups are counted from the groups listed: the waiting one is there.
    let row = v.list.selected_item().expect("row");
    assert_eq!((row.load.waiting, row.load.running), (1, 0));
    update(&mut s, Action::Back);
    assert_eq!(s.kind(), ViewKind::Groups);
    assert_eq!(
        s.groups().and_then(|l| l.selected_id()).as_deref(),
        Some(fx::WAITING_GROUP)
    );
}

#[test]
fn enter_on_an_environment_lists_its_volumes() {
    let mut s = fx::at_platform_groups(120, 40);
    update(&mut s, Action::Environment);
    let e = update(&mut s, Action::Enter);
    assert_eq!(s.kind(), ViewKind::Volumes);
    let req = Request::Volumes {
        region: fx::REGION.into(),
        environment_id: fx::ENV_ERROR.into(),
    };
    assert!(e.contains(&Effect::load(req.clone(), Priority::Interactive)));
    let vol = Volume {
        volume_id: Some("vol-cache-01".into()),
        name: Some("gatk-cache".into()),
        environment_id: Some(fx::ENV_ERROR.into()),
        capacity: Some(500),
        usage: Some(480 * 1024 * 1024 * 1024),
        status: Some("AVAILABLE".into()),
        ..Volume::default()
    };
    api(
        &mut s,
        ApiResult::loaded(req, Ok(Answer::Volumes(vec![vol]))),
    );
    let View::Volumes(v) = s.view() else {
        panic!("volumes on top");
    };
    assert_eq!(v.list.items.len(), 1);
    // An answer for another environment is not this view's.
    let other = Request::Volumes {
        region: fx::REGION.into(),
        environment_id: fx::ENV_OK.into(),
    };
    api(
        &mut s,
        ApiResult::loaded(other, Ok(Answer::Volumes(Vec::new()))),
    );
    let View::Volumes(v) = s.view() else {
        panic!("volumes on top");
    };
    assert_eq!(v.list.items.len(), 1);
    update(&mut s, Action::Back);
    update(&mut s, Action::Back);
    assert_eq!(s.kind(), ViewKind::Groups);
}

#[test]
fn env_command_finds_an_environment_by_name_from_anywhere() {
    let mut s = fx::at_platform_groups(120, 40);
    update(&mut s, Action::Back);
    assert_eq!(s.kind(), ViewKind::Projects);
    type_line(&mut s, Action::Command, "env K8S-NEW");
    let View::Environments(v) = s.view() else {
        panic!("environments on top");
    };
    assert_eq!(v.list.selected_id().as_deref(), Some(fx::ENV_INIT));
    // A second :env replaces the first rather than stacking another.
    type_line(&mut s, Action::Command, "env");
    assert_eq!(s.views.len(), 2, "projects and one environments view");
}

fn sheet_col(s: &super::super::state::State, col: usize) -> Vec<String> {
    let View::Table(v) = s.view() else {
        panic!("the sheet on top");
    };
    v.list
        .shown
        .iter()
        .map(|&i| v.list.items[i].cell(col))
        .collect()
}

#[test]
fn the_sheet_joins_each_row_to_its_run_and_sorts_by_a_sheet_column() {
    let mut s = fx::at_sheet(160, 48);
    assert_eq!(s.kind(), ViewKind::Table);
    let View::Table(v) = s.view() else {
        panic!("the sheet on top");
    };
    assert_eq!(
        v.list.columns,
        [
            "sample",
            "coverage",
            "tissue",
            "fastq",
            "status",
            "duration",
            "signature"
        ]
    );
    let row = |sample: &str| {
        v.list
            .items
            .iter()
            .find(|r| r.sample.cells[0] == sample)
            .expect("row")
    };
    assert_eq!(row("NA12891").sample.status(), Some("EXECUTOR_ERROR"));
    assert_eq!(row("NA12891").duration, Some(40 * 60));
    assert!(
        row("NA12891")
            .signature
            .as_deref()
            .is_some_and(|sig| sig.starts_with("#1")),
        "{:?}",
        row("NA12891").signature
    );
    assert!(row("HG003").sample.run.is_none(), "no run made of it");
    // `s` moves the sort to the next column: coverage, by value.
    update(&mut s, Action::Sort);
    assert_eq!(
        sheet_col(&s, 1),
        ["8.2", "12", "28.7", "30.1", "31.5", "45"]
    );
    update(&mut s, Action::SortReverse);
    assert_eq!(sheet_col(&s, 1)[0], "45");
    // The filter searches every cell.
    type_line(&mut s, Action::Filter, "saliva");
    assert_eq!(sheet_col(&s, 0), ["NA12892", "HG003"]);
    // Back: the runs, as they were.
    update(&mut s, Action::Back);
    assert_eq!(s.kind(), ViewKind::Runs);
    assert_eq!(s.runs().map(|r| r.list.items.len()), Some(5));
}

#[test]
fn enter_on_a_sheet_row_opens_its_runs_call_tree_and_back_returns_to_the_sheet() {
    let mut s = fx::at_sheet(120, 40);
    type_line(&mut s, Action::Filter, "NA12891");
    let e = update(&mut s, Action::Enter);
    assert_eq!(s.kind(), ViewKind::Calls);
    assert_eq!(
        s.tree().map(|t| t.run_uuid().to_string()).as_deref(),
        Some(fx::RUN)
    );
    assert!(asks(
        &e,
        |r| matches!(r, Request::Calls { path, .. } if path == "/")
    ));
    update(&mut s, Action::Back);
    assert_eq!(s.kind(), ViewKind::Table);
    // A row without a run says so.
    update(&mut s, Action::Filter);
    for _ in 0.."NA12891".len() {
        update(&mut s, Action::InputBackspace);
    }
    for c in "HG003".chars() {
        update(&mut s, Action::InputChar(c));
    }
    update(&mut s, Action::Enter);
    update(&mut s, Action::Enter);
    assert_eq!(s.kind(), ViewKind::Table);
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("no run was made"))
    );
}

#[test]
fn a_group_not_launched_from_a_table_has_no_sheet_to_open() {
    let mut s = fx::at_groups(120, 40);
    let e = update(&mut s, Action::SampleSheet);
    assert_eq!(s.kind(), ViewKind::Groups);
    assert!(e.is_empty());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("not launched from a table"))
    );
}

#[test]
fn the_sheet_opened_from_the_groups_asks_for_the_table_its_rows_and_the_groups_runs() {
    let mut s = fx::at_platform_groups(120, 40);
    if let Some(l) = s.groups_mut() {
        l.select_id(fx::GROUP);
    }
    let e = update(&mut s, Action::SampleSheet);
    assert_eq!(s.kind(), ViewKind::Table);
    assert!(asks(
        &e,
        |r| matches!(r, Request::Tables { table_id: Some(t), .. } if t == fx::TABLE)
    ));
    assert!(asks(
        &e,
        |r| matches!(r, Request::Rows { table_id, .. } if table_id == fx::TABLE)
    ));
    assert!(asks(&e, |r| matches!(r, Request::Runs { .. })));
    // The runs arrive first, the rows later: the sheet joins them whatever the order.
    api(&mut s, fx::runs_result(fx::GROUP, Ok(fx::table_runs())));
    let rows = Request::Rows {
        scope: fx::scope(),
        table_id: fx::TABLE.into(),
    };
    api(
        &mut s,
        ApiResult::loaded(rows, Ok(Answer::Rows(fx::table_rows()))),
    );
    let tables = Request::Tables {
        scope: fx::scope(),
        table_id: Some(fx::TABLE.into()),
    };
    api(
        &mut s,
        ApiResult::loaded(tables, Ok(Answer::Tables(vec![fx::table()]))),
    );
    let View::Table(v) = s.view() else {
        panic!("the sheet on top");
    };
    assert_eq!(v.list.items.len(), 6);
    assert_eq!(
        v.list
            .items
            .iter()
            .filter(|r| r.sample.run.is_some())
            .count(),
        5
    );
}

#[test]
fn sort_command_sorts_the_sheet_by_a_named_column_and_says_which_exist() {
    let mut s = fx::at_sheet(120, 40);
    type_line(&mut s, Action::Command, "sort Coverage desc");
    assert_eq!(
        sheet_col(&s, 1),
        ["45", "31.5", "30.1", "28.7", "12", "8.2"]
    );
    type_line(&mut s, Action::Command, "sort depth");
    let n = s.notice.as_ref().expect("a notice");
    assert!(
        n.text.contains("no column \"depth\"") && n.text.contains("coverage, tissue"),
        "{}",
        n.text
    );
}

/// `Y` on each new view copies a read the reference accepts.
#[test]
fn y_on_environments_volumes_and_the_sheet_copies_a_valid_read() {
    let schema = crate::api::schema::api();
    let check = |s: &mut super::super::state::State, action: &str| {
        let e = update(s, Action::CopyTccli);
        let [Effect::CopyTccli(c)] = &e[..] else {
            panic!("one copy: {e:?}");
        };
        assert_eq!(c.action, action);
        let body = c.body.as_object().expect("an object");
        schema
            .check(action, body)
            .unwrap_or_else(|v| panic!("{action} refused: {v:?}"));
    };
    let mut s = fx::at_sheet(120, 40);
    check(&mut s, "DescribeTablesRows");
    let mut s = fx::at_platform_groups(120, 40);
    update(&mut s, Action::Environment);
    check(&mut s, "DescribeEnvironments");
    update(&mut s, Action::Enter);
    let vol = Volume {
        volume_id: Some("vol-1".into()),
        ..Volume::default()
    };
    let req = Request::Volumes {
        region: fx::REGION.into(),
        environment_id: fx::ENV_ERROR.into(),
    };
    api(
        &mut s,
        ApiResult::loaded(req, Ok(Answer::Volumes(vec![vol]))),
    );
    check(&mut s, "DescribeVolumes");
}

/// Going back pops the runs view, but what it learned of the group stays with the group.
#[test]
fn back_from_a_groups_runs_keeps_its_failure_summary_for_its_row() {
    let mut s = fx::at_runs(160, 48);
    assert!(s.failure_summaries.contains_key(fx::GROUP));
    update(&mut s, Action::Back);
    assert_eq!(s.kind(), ViewKind::Groups);
    assert_eq!(
        s.views.len(),
        2,
        "projects and groups: the runs view is gone"
    );
    let (_, lines) = crate::tui::ui::details_lines(&s);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Failures:") && l.contains("(F: signatures)")),
        "{lines:?}"
    );
}

#[test]
fn the_sheet_of_a_finished_group_stops_asking_for_its_runs_once_listed() {
    let mut s = fx::at_platform_groups(120, 40);
    // The finished group, launched from the table too.
    let done = "run-happy-parchment-bulldog-708923";
    if let Some(l) = s.groups_mut() {
        l.items.iter_mut().for_each(|g| {
            if g.id() == done {
                g.table_id = Some(fx::TABLE.into());
            }
        });
        l.select_id(done);
    }
    let e = update(&mut s, Action::SampleSheet);
    assert!(asks(&e, |r| matches!(r, Request::Runs { .. })));
    api(&mut s, fx::runs_result(done, Ok(Vec::new())));
    assert_eq!(s.kind(), ViewKind::Table);
    let e = tick(&mut s, 60);
    assert!(!asks(&e, |r| matches!(r, Request::Runs { .. })), "{e:?}");
    assert!(!asks(&e, |r| matches!(r, Request::Groups { .. })), "{e:?}");
    // A live group's sheet polls its runs and the group (to learn it has finished).
    let mut s = fx::at_sheet(120, 40);
    // (The sheet asked for the runs again when it opened.)
    api(&mut s, fx::runs_result(fx::GROUP, Ok(fx::table_runs())));
    let e = tick(&mut s, 60);
    assert!(asks(&e, |r| matches!(r, Request::Runs { .. })), "{e:?}");
    assert!(asks(&e, |r| matches!(r, Request::Groups { .. })), "{e:?}");
}

#[test]
fn reopening_sheets_and_environments_does_not_grow_the_stack() {
    let mut s = fx::at_sheet(120, 40);
    let base = s.views.len();
    // A row's run, then `T` again from its call tree: one sheet, above the runs.
    update(&mut s, Action::Enter);
    assert_eq!(s.kind(), ViewKind::Calls);
    update(&mut s, Action::SampleSheet);
    assert_eq!(s.kind(), ViewKind::Table);
    assert_eq!(s.views.len(), base);
    // `e`, its volumes, `e` again: one environments view.
    update(&mut s, Action::Environment);
    update(&mut s, Action::Enter);
    update(&mut s, Action::Environment);
    assert_eq!(s.kind(), ViewKind::Environments);
    assert_eq!(s.views.len(), base + 1);
    // The project stays open beneath the environments.
    assert_eq!(s.project().map(|p| p.id.as_str()), Some(fx::PROJECT));
}

#[test]
fn an_environment_asked_for_that_does_not_exist_is_said() {
    let mut s = fx::at_platform_groups(120, 40);
    type_line(&mut s, Action::Command, "env hpc-sh");
    let req = Request::Environments {
        region: fx::REGION.into(),
    };
    api(
        &mut s,
        ApiResult::loaded(req, Ok(Answer::Environments(fx::environments()))),
    );
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text == "no environment hpc-sh in ap-guangzhou"),
        "{:?}",
        s.notice
    );
}

#[test]
fn environments_asked_in_the_background_fail_quietly() {
    let mut s = fx::at_platform_groups(120, 40);
    let req = Request::Environments {
        region: fx::REGION.into(),
    };
    let denied = crate::api::ApiError::Service {
        action: "DescribeEnvironments".into(),
        code: "UnauthorizedOperation".into(),
        message: "no permission".into(),
        request_id: "r-1".into(),
    };
    api(&mut s, ApiResult::loaded(req.clone(), Err(denied.clone())));
    assert!(s.error.is_none(), "{:?}", s.error);
    update(&mut s, Action::Environment);
    api(&mut s, ApiResult::loaded(req, Err(denied)));
    assert!(s.error.is_some(), "asked for: said");
}

#[test]
fn the_environments_view_keeps_its_live_counts_current() {
    let mut s = fx::at_platform_groups(120, 40);
    update(&mut s, Action::Environment);
    let req = Request::Environments {
        region: fx::REGION.into(),
    };
    api(
        &mut s,
        ApiResult::loaded(req, Ok(Answer::Environments(fx::environments()))),
    );
    let e = tick(&mut s, 60);
    assert!(
        asks(&e, |r| matches!(r, Request::Environments { .. })),
        "{e:?}"
    );
    assert!(
        asks(
            &e,
            |r| matches!(r, Request::Groups { scope } if scope.project_id.as_deref() == Some(fx::PROJECT))
        ),
        "{e:?}"
    );
    // The waiting group has started: its environment's count follows.
    let mut gs = fx::platform_groups();
    gs[0].status = Some("RUNNING".into());
    api(&mut s, fx::groups_result(Ok(gs)));
    let View::Environments(v) = s.view() else {
        panic!("environments on top");
    };
    let row = v.list.selected_item().expect("row");
    assert_eq!((row.load.waiting, row.load.running), (0, 1));
}
