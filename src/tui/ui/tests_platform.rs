//! Snapshots of the environments, volumes and sample-sheet views, and of a waiting group's
//! reason, at 80x24 and 160x48; with the styles that carry meaning.

use ratatui::style::Color;

use super::super::action::{Action, ApiResult};
use super::super::effect::Request;
use super::super::fixtures::{self as fx, api};
use super::super::request::Answer;
use super::super::update::update;
use super::tests::{draw, find, snap};
use crate::api::types::Volume;

#[test]
fn groups_with_one_waiting_on_its_environment() {
    snap("groups_waiting", fx::at_platform_groups);
    let mut s = fx::at_platform_groups(160, 48);
    // Off the selected row, whose highlight is its own style.
    update(&mut s, Action::Down);
    let term = draw(&s);
    let buf = term.backend().buffer();
    let (x, y) = find(buf, "⚠ env hpc-gz ERROR").expect("the reason in the row");
    assert_eq!(buf[(x, y)].fg, Color::Yellow, "drawn as a warning");
    let s = fx::at_platform_groups(160, 48);
    let term = draw(&s);
    let buf = term.backend().buffer();
    assert!(
        find(buf, "waiting: environment hpc-gz is ERROR: CVM ins-8d2k is").is_some(),
        "and in the details"
    );
}

#[test]
fn environments_view() {
    snap("environments", |w, h| {
        let mut s = fx::at_platform_groups(w, h);
        update(&mut s, Action::Environment);
        let req = Request::Environments {
            region: fx::REGION.into(),
        };
        api(
            &mut s,
            ApiResult::loaded(req, Ok(Answer::Environments(fx::environments()))),
        );
        s
    });
    let mut s = fx::at_platform_groups(160, 48);
    update(&mut s, Action::Environment);
    let term = draw(&s);
    let buf = term.backend().buffer();
    let (x, y) = find(buf, "✖ ERROR").expect("the error environment");
    assert_eq!(buf[(x, y)].fg, Color::Red);
}

#[test]
fn volumes_view() {
    snap("volumes", |w, h| {
        let mut s = fx::at_platform_groups(w, h);
        update(&mut s, Action::Environment);
        update(&mut s, Action::Enter);
        let req = Request::Volumes {
            region: fx::REGION.into(),
            environment_id: fx::ENV_ERROR.into(),
        };
        let vol = |id: &str, name: &str, used_gib: i64, default: bool| Volume {
            volume_id: Some(id.into()),
            name: Some(name.into()),
            environment_id: Some(fx::ENV_ERROR.into()),
            kind: Some("SHARED".into()),
            spec: Some("SD".into()),
            capacity: Some(500),
            usage: Some(used_gib * 1024 * 1024 * 1024),
            default_mount_path: Some(format!("/mnt/{name}")),
            is_default: Some(default),
            status: Some("AVAILABLE".into()),
            ..Volume::default()
        };
        let vols = vec![
            vol("vol-cache-01", "gatk-cache", 480, true),
            vol("vol-cache-02", "refs", 120, false),
        ];
        api(&mut s, ApiResult::loaded(req, Ok(Answer::Volumes(vols))));
        s
    });
}

#[test]
fn sample_sheet_view() {
    snap("sample_sheet", |w, h| {
        let mut s = fx::at_sheet(w, h);
        update(&mut s, Action::Sort);
        s
    });
    let s = fx::at_sheet(160, 48);
    let term = draw(&s);
    let buf = term.backend().buffer();
    let (x, y) = find(buf, "✖ EXECUTOR_ERROR").expect("the failed row");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    assert!(find(buf, "no run").is_some(), "the row without a run");
}

#[test]
fn the_runs_of_a_waiting_group_say_why_in_their_title() {
    let mut s = fx::at_platform_groups(120, 40);
    update(&mut s, Action::Enter);
    let term = draw(&s);
    let buf = term.backend().buffer();
    let (x, y) = find(buf, "⚠ env hpc-gz ERROR (e)").expect("in the runs title");
    assert_eq!(y, 1, "the title line");
    assert_eq!(buf[(x, y)].fg, Color::Yellow);
}

#[test]
fn a_tables_column_names_are_drawn_inert() {
    let mut s = fx::at_platform_groups(160, 48);
    if let Some(l) = s.groups_mut() {
        l.select_id(fx::GROUP);
    }
    update(&mut s, Action::Enter);
    api(&mut s, fx::runs_result(fx::GROUP, Ok(fx::table_runs())));
    update(&mut s, Action::SampleSheet);
    let mut table = fx::table();
    if let Some(c) = table.columns.as_mut().and_then(|c| c.first_mut()) {
        c.header = Some("sample\u{1b}]52;c;ZXZpbA==\u{7}\u{202e}".into());
    }
    let tables = Request::Tables {
        scope: fx::scope(),
        table_id: Some(fx::TABLE.into()),
    };
    api(
        &mut s,
        ApiResult::loaded(tables, Ok(Answer::Tables(vec![table]))),
    );
    let rows = Request::Rows {
        scope: fx::scope(),
        table_id: fx::TABLE.into(),
    };
    api(
        &mut s,
        ApiResult::loaded(rows, Ok(Answer::Rows(fx::table_rows()))),
    );
    let term = draw(&s);
    let buf = term.backend().buffer();
    for cell in buf.content() {
        assert!(
            !cell.symbol().chars().any(crate::sanitize::is_unsafe),
            "an unsafe character reached the screen: {:?}",
            cell.symbol()
        );
    }
}
