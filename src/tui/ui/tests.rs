//! Snapshots of every pane and popup at 80x24 and 160x48, from fixed fixtures, plus checks
//! of the styles that carry meaning (insta does not record colour).

use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use crate::api::ApiError;

use super::super::action::{Action, ApiResult};
use super::super::effect::LogSource;
use super::super::fixtures::{self as fx, api, calls_result};
use super::super::keymap::Keymap;
use super::super::state::State;
use super::super::update::update;
use super::Screen;
use super::theme::Theme;
use crate::tui::request::Answer;
use crate::tui::request::Request;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn draw_with(state: &State, theme: &Theme, keymap: &Keymap) -> Terminal<TestBackend> {
    let (w, h) = state.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let screen = Screen {
        state,
        keymap,
        theme,
    };
    term.draw(|f| f.render_widget(&screen, f.area()))
        .expect("draw");
    term
}

pub(super) fn draw(state: &State) -> Terminal<TestBackend> {
    let keymap = Keymap::new(&BTreeMap::new(), false).expect("keymap");
    draw_with(state, &Theme::colored(), &keymap)
}

/// Snapshots the state built by `make` at both sizes.
pub(super) fn snap(name: &str, make: impl Fn(u16, u16) -> State) {
    for (w, h) in SIZES {
        let s = make(w, h);
        let term = draw(&s);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), term.backend());
    }
}

pub(super) fn find(buf: &Buffer, text: &str) -> Option<(u16, u16)> {
    let area = buf.area;
    for y in 0..area.height {
        let row: String = (0..area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        if let Some(byte) = row.find(text) {
            let x = row[..byte].chars().count() as u16;
            return Some((x, y));
        }
    }
    None
}

fn with_bwa_expanded(w: u16, h: u16) -> State {
    let mut s = fx::at_calls(w, h);
    let a = format!("/{}", fx::ALIGN);
    update(&mut s, Action::NextFailure);
    api(&mut s, calls_result(&a, fx::align_calls()));
    api(
        &mut s,
        calls_result(&format!("{a}/{}", fx::BWA), fx::bwa_shards(24)),
    );
    s
}

#[test]
fn projects_pane() {
    snap("projects", |w, h| {
        let mut s = fx::state(w, h);
        api(
            &mut s,
            ApiResult::loaded(
                Request::Groups { scope: fx::scope() },
                Ok(Answer::Groups(fx::groups())),
            ),
        );
        s
    });
}

#[test]
fn groups_pane() {
    snap("groups", fx::at_groups);
}

#[test]
fn runs_pane() {
    snap("runs", |w, h| {
        let mut s = fx::at_runs(w, h);
        update(&mut s, Action::Mark);
        s
    });
}

#[test]
fn calls_with_a_collapsed_scatter() {
    snap("calls_collapsed_scatter", |w, h| {
        let mut s = fx::at_calls(w, h);
        let t = s.tree_mut().expect("tree");
        let hc = (0..t.nodes.len())
            .find(|&i| t.node(i).run_id() == fx::HC)
            .expect("hc");
        t.select_node(hc);
        update(&mut s, Action::Enter);
        api(
            &mut s,
            calls_result(&format!("/{}", fx::HC), fx::hc_shards(10_000)),
        );
        update(&mut s, Action::Enter); // collapse again: the summary stays
        s
    });
}

#[test]
fn calls_with_an_expanded_scatter() {
    snap("calls_expanded_scatter", with_bwa_expanded);
}

#[test]
fn details_of_a_failed_call() {
    snap("details", |w, h| {
        let mut s = with_bwa_expanded(w, h);
        update(&mut s, Action::FocusNext);
        s
    });
}

#[test]
fn confirm_terminate() {
    snap("confirm_terminate", |w, h| {
        let mut s = fx::at_groups(w, h);
        update(&mut s, Action::Terminate);
        s
    });
}

#[test]
fn confirm_retry() {
    snap("confirm_retry", |w, h| {
        let mut s = fx::at_runs(w, h);
        update(&mut s, Action::Retry);
        update(&mut s, Action::NextChoice);
        s
    });
}

#[test]
fn help_popup() {
    snap("help", |w, h| {
        let mut s = fx::at_groups(w, h);
        update(&mut s, Action::Help);
        s
    });
}

#[test]
fn logs_pager() {
    snap("logs", |w, h| {
        let mut s = with_bwa_expanded(w, h);
        update(&mut s, Action::Logs);
        let text = "[M::bwa_idx_load_from_disk] read 0 ALT contigs\n\u{1b}[31mERROR\u{1b}[0m out of memory\nKilled\n";
        api(
            &mut s,
            ApiResult::loaded(
                Request::Log {
                    scope: crate::tui::fixtures::scope(),
                    run_uuid: fx::RUN.into(),
                    source: LogSource::Job {
                        job_id: "plan-bwa-shard-0007".into(),
                        path: format!("/{}/{}", fx::ALIGN, fx::BWA),
                        stderr: false,
                    },
                },
                Ok(Answer::Log(text.into())),
            ),
        );
        update(&mut s, Action::Search);
        for c in "memory".chars() {
            update(&mut s, Action::InputChar(c));
        }
        update(&mut s, Action::Confirm);
        s
    });
}

#[test]
fn trace_pager() {
    snap("trace", |w, h| {
        let mut s = fx::at_groups(w, h);
        // The Nextflow group.
        s.groups_mut()
            .expect("a groups view")
            .select_id("run-lonely-orange-dodo-410909");
        update(&mut s, Action::Enter);
        api(
            &mut s,
            ApiResult::loaded(
                Request::Runs {
                    scope: fx::scope(),
                    query: super::super::effect::RunsQuery::Group(
                        "run-lonely-orange-dodo-410909".into(),
                    ),
                },
                Ok(Answer::Runs(fx::runs())),
            ),
        );
        update(&mut s, Action::Logs);
        update(&mut s, Action::NextChoice);
        let trace = "task_id\thash\tname\tstatus\texit\trealtime\n1\tab/12cd\tFASTQC (S1)\tCOMPLETED\t0\t2m 3s\n2\tef/34gh\tSTAR_ALIGN (S1)\tFAILED\t137\t1h 2m\n3\t12/abcd\tMULTIQC\tCOMPLETED\t0\t45s\n";
        api(
            &mut s,
            ApiResult::loaded(
                Request::Log {
                    scope: crate::tui::fixtures::scope(),
                    run_uuid: "1a2b3c4d-0000-4000-8000-000000000005".into(),
                    source: LogSource::File("execution_trace.txt".into()),
                },
                Ok(Answer::Log(trace.into())),
            ),
        );
        update(&mut s, Action::Sort);
        s
    });
}

/// The running group's failure signatures, its runs answered with the two-cause batch.
fn at_signatures(w: u16, h: u16) -> State {
    let mut s = fx::at_groups(w, h);
    s.groups_mut().expect("a groups view").select_id(fx::GROUP);
    update(&mut s, Action::Failures);
    api(
        &mut s,
        ApiResult::loaded(
            Request::Runs {
                scope: fx::scope(),
                query: super::super::effect::RunsQuery::Group(fx::GROUP.into()),
            },
            Ok(Answer::Runs(fx::batch_runs())),
        ),
    );
    s
}

#[test]
fn signatures_view() {
    snap("signatures", at_signatures);
    snap("signature_runs", |w, h| {
        let mut s = at_signatures(w, h);
        update(&mut s, Action::Enter);
        update(&mut s, Action::Down);
        s
    });
}

#[test]
fn attempts_view() {
    // The other group's name keeps its end at 80 columns: batch names differ there.
    snap("attempts", |w, h| {
        fx::at_attempts(w, h, "run-happy-parchment-bulldog-708923")
    });
}

#[test]
fn failures_view() {
    snap("failures", |w, h| {
        let mut s = fx::at_calls(w, h);
        update(&mut s, Action::Failures);
        let a = format!("/{}", fx::ALIGN);
        api(&mut s, calls_result(&a, fx::align_calls()));
        api(
            &mut s,
            calls_result(&format!("{a}/{}", fx::BWA), fx::bwa_shards(24)),
        );
        s
    });
}

#[test]
fn command_line() {
    snap("command", |w, h| {
        let mut s = fx::at_groups(w, h);
        update(&mut s, Action::Command);
        for c in "project 肿瘤".chars() {
            update(&mut s, Action::InputChar(c));
        }
        s
    });
}

#[test]
fn error_in_status_bar() {
    snap("status_error", |w, h| {
        let mut s = fx::at_runs(w, h);
        api(
            &mut s,
            ApiResult::loaded(
                Request::Status {
                    scope: fx::scope(),
                    run_uuid: "1a2b3c4d-0000-4000-8000-000000000003".into(),
                },
                Err(ApiError::Service {
                    action: "GetRunStatus".into(),
                    code: "RequestLimitExceeded".into(),
                    message: "too many requests".into(),
                    request_id: "6e1c-99aa".into(),
                }),
            ),
        );
        s
    });
}

#[test]
fn failed_status_is_red_and_doomed_is_marked() {
    let s = fx::at_groups(160, 48);
    let term = draw(&s);
    let buf = term.backend().buffer();
    let (x, y) = find(buf, "✖ COMPLETE_ERROR").expect("failed group shown");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    let (x, y) = find(buf, "doomed").expect("doomed marker");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    let s = fx::at_runs(160, 48);
    let term = draw(&s);
    let buf = term.backend().buffer();
    let (x, y) = find(buf, "✖ EXECUTOR_ERROR").expect("failed run shown");
    assert_eq!(buf[(x, y)].fg, Color::Red);
}

#[test]
fn no_color_keeps_symbols() {
    let s = fx::at_groups(80, 24);
    let keymap = Keymap::new(&BTreeMap::new(), false).expect("keymap");
    let term = draw_with(&s, &Theme::plain(), &keymap);
    let buf = term.backend().buffer();
    assert!(
        buf.content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    assert!(find(buf, "✖ COMPLETE_ERROR").is_some());
}

#[test]
fn read_only_help_has_no_dangerous_keys() {
    let mut s = fx::at_groups(160, 48);
    update(&mut s, Action::Help);
    let keymap = Keymap::new(&BTreeMap::new(), true).expect("keymap");
    let term = draw_with(&s, &Theme::colored(), &keymap);
    let buf = term.backend().buffer();
    assert!(find(buf, "Terminate run group").is_none());
    assert!(find(buf, "Retry failed").is_none());
    assert!(find(buf, "Filter").is_some());
}

#[test]
fn wide_characters_keep_columns_aligned() {
    let mut s = fx::at_runs(80, 24);
    update(&mut s, Action::Bottom);
    let term = draw(&s);
    let buf = term.backend().buffer();
    let (_, y1) = find(buf, "样").expect("wide name");
    let (sx, _) = find(buf, "STATUS").expect("header");
    // The status column starts at the same cell on the wide-character row.
    let cell = buf[(sx, y1)].symbol().to_string();
    assert!(
        cell == "●" || cell == "◌",
        "status column shifted: {cell:?}"
    );
}

#[test]
fn ten_thousand_shards_draw_only_the_rows_on_screen() {
    // How fast is for `cargo bench --bench render`; here, that the right rows are drawn.
    let mut s = fx::at_calls(160, 48);
    let t = s.tree_mut().expect("tree");
    let hc = (0..t.nodes.len())
        .find(|&i| t.node(i).run_id() == fx::HC)
        .expect("hc");
    t.select_node(hc);
    update(&mut s, Action::Enter);
    api(
        &mut s,
        calls_result(&format!("/{}", fx::HC), fx::hc_shards(10_000)),
    );
    update(&mut s, Action::Bottom);
    let term = draw(&s);
    let buf = term.backend().buffer();
    assert!(find(buf, "Calls (10004)").is_some());
    assert!(
        find(buf, "[9999] HaplotypeCaller").is_some(),
        "the last shard"
    );
    assert!(
        find(buf, "[0] HaplotypeCaller").is_none(),
        "the first is off screen"
    );
}
