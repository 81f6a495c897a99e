//! Frames where real data differs from the happy path: a run without a sample, a finished
//! run without calls, cached calls at the width that drops columns, a service slow to
//! answer, lists that have not loaded.

use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::api::ApiError;
use crate::api::types::{NFOption, Text};

use super::super::action::{Action, ApiResult};
use super::super::effect::{Effect, LogSource, RunsQuery};
use super::super::fixtures::{self as fx, api, calls_result};
use super::super::keymap::Keymap;
use super::super::state::{Settings, State};
use super::super::update::{self, update};
use super::Screen;
use super::theme::Theme;
use crate::tui::request::Answer;
use crate::tui::request::Request;

/// The frame's text, one line per row.
fn frame(state: &State) -> String {
    let (w, h) = state.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let keymap = Keymap::new(&BTreeMap::new(), false).expect("keymap");
    let theme = Theme::colored();
    let screen = Screen {
        state,
        keymap: &keymap,
        theme: &theme,
    };
    term.draw(|f| f.render_widget(&screen, f.area()))
        .expect("draw");
    let buf = term.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The runs pane where the failed run has no sample (UserDefinedId is empty for a run
/// launched without a table).
fn without_sample(w: u16, h: u16) -> State {
    let mut s = fx::at_groups(w, h);
    update(&mut s, Action::Enter);
    let runs = fx::runs()
        .into_iter()
        .map(|mut r| {
            if r.run_uuid.as_deref() == Some(fx::RUN) {
                r.user_defined_id = Some(Text::from(""));
            }
            r
        })
        .collect();
    api(
        &mut s,
        ApiResult::loaded(
            Request::Runs {
                scope: fx::scope(),
                query: RunsQuery::Group(fx::GROUP.into()),
            },
            Ok(Answer::Runs(runs)),
        ),
    );
    s.runs_mut().expect("a runs view").list.select_id(fx::RUN);
    s
}

#[test]
fn a_run_without_a_sample_is_named_by_its_short_uuid() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut s = without_sample(w, h);
        let text = frame(&s);
        let row = text
            .lines()
            .find(|l| l.contains("✖ EXECUTOR_ERROR 40m"))
            .unwrap_or_default();
        assert!(row.contains("6f1c2a9e"), "{w}x{h}:\n{text}");
        update(&mut s, Action::Enter);
        api(&mut s, calls_result("/", fx::top_calls()));
        let text = frame(&s);
        let crumbs = text.lines().next().unwrap_or_default().trim_end();
        assert!(!crumbs.ends_with('›'), "{crumbs}");
        assert!(crumbs.ends_with("6f1c2a9e"), "{crumbs}");
    }
}

#[test]
fn a_finished_run_without_calls_says_why() {
    let mut s = fx::at_runs(120, 40);
    s.runs_mut().expect("a runs view").list.select_id(fx::RUN);
    update(&mut s, Action::Enter);
    api(&mut s, calls_result("/", Vec::new()));
    let text = frame(&s);
    assert!(!text.contains("no calls yet"), "{text}");
    assert!(
        text.contains("the run failed before any call started"),
        "{text}"
    );
    // A live run may still start its first call.
    let mut s = fx::at_runs(120, 40);
    s.runs_mut()
        .expect("a runs view")
        .list
        .select_id("1a2b3c4d-0000-4000-8000-000000000005");
    update(&mut s, Action::Enter);
    api(
        &mut s,
        ApiResult::loaded(
            Request::Calls {
                scope: fx::scope(),
                run_uuid: "1a2b3c4d-0000-4000-8000-000000000005".into(),
                path: "/".into(),
            },
            Ok(Answer::Calls(Vec::new())),
        ),
    );
    assert!(frame(&s).contains("no calls yet"));
}

#[test]
fn cached_calls_are_marked_at_every_width() {
    for (w, h) in [(80, 24), (120, 40), (160, 48)] {
        let s = fx::at_calls(w, h);
        let text = frame(&s);
        let row = text
            .lines()
            .find(|l| l.contains(" QC "))
            .unwrap_or_default();
        assert!(row.contains("cached"), "{w}x{h}:\n{text}");
    }
}

const NF_GROUP: &str = "run-lonely-orange-dodo-410909";
const NF_RUN: &str = "1a2b3c4d-0000-4000-8000-000000000001";

/// The runs of the Nextflow group, launched with `NFOption.Report` as given.
fn nextflow_runs(report: Option<bool>) -> State {
    let mut s = fx::at_groups(120, 40);
    let groups = fx::groups()
        .into_iter()
        .map(|mut g| {
            if g.run_group_id.as_deref() == Some(NF_GROUP) {
                g.nf_option = Some(NFOption {
                    report,
                    ..NFOption::default()
                });
            }
            g
        })
        .collect();
    api(
        &mut s,
        ApiResult::loaded(
            Request::Groups { scope: fx::scope() },
            Ok(Answer::Groups(groups)),
        ),
    );
    s.groups_mut().expect("a groups view").select_id(NF_GROUP);
    update(&mut s, Action::Enter);
    api(
        &mut s,
        ApiResult::loaded(
            Request::Runs {
                scope: fx::scope(),
                query: RunsQuery::Group(NF_GROUP.into()),
            },
            Ok(Answer::Runs(fx::runs())),
        ),
    );
    s.runs_mut().expect("a runs view").list.select_id(NF_RUN);
    s
}

fn fetched(effects: &[Effect]) -> Vec<LogSource> {
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

#[test]
fn no_trace_is_asked_for_when_the_group_had_reports_off() {
    let mut s = nextflow_runs(Some(false));
    let e = update(&mut s, Action::Logs);
    assert_eq!(
        fetched(&e),
        [LogSource::File("nextflow.log".into())],
        "the log only"
    );
    let e = update(&mut s, Action::NextChoice);
    assert_eq!(fetched(&e), [], "no trace is asked for");
    let text = frame(&s);
    assert!(
        text.contains("not produced by this run (Report was off)"),
        "{text}"
    );
    // With reports on, the trace is asked for; if the service has none, that is said plainly.
    let mut s = nextflow_runs(None);
    update(&mut s, Action::Logs);
    let e = update(&mut s, Action::NextChoice);
    let trace = LogSource::File("execution_trace.txt".into());
    assert_eq!(fetched(&e), std::slice::from_ref(&trace));
    api(
        &mut s,
        ApiResult::loaded(
            Request::Log {
                scope: crate::tui::fixtures::scope(),
                run_uuid: NF_RUN.into(),
                source: trace,
            },
            Err(ApiError::Service {
                action: "GetRunMetadataFile".into(),
                code: "ResourceNotFound.CosObjectNotExist".into(),
                message: "execution_trace.txt does not exist".into(),
                request_id: "r-9".into(),
            }),
        ),
    );
    let text = frame(&s);
    assert!(text.contains("not produced by this run"), "{text}");
}

fn internal_error(action: &str) -> ApiError {
    ApiError::Service {
        action: action.into(),
        code: "InternalError".into(),
        message: "An internal error occurred.".into(),
        request_id: "r-1".into(),
    }
}

fn at_second(sec: i64) -> Action {
    Action::Tick(fx::now() + chrono::Duration::seconds(sec))
}

fn asks_projects(effects: &[Effect]) -> bool {
    effects.iter().any(|e| {
        matches!(
            e,
            Effect::Load {
                req: Request::Projects { .. },
                ..
            }
        )
    })
}

#[test]
fn projects_that_could_not_load_are_asked_again_until_they_do() {
    let mut s = State::new(Settings::default(), fx::now());
    s.size = (120, 40);
    update::init(&mut s);
    let answer = |s: &mut State, ok: bool| {
        let result = if ok {
            Ok(fx::projects())
        } else {
            Err(internal_error("DescribeProjects"))
        };
        api(
            s,
            ApiResult::loaded(
                Request::Projects {
                    region: fx::REGION.into(),
                },
                result.map(Answer::Projects),
            ),
        )
    };
    answer(&mut s, false);
    let text = frame(&s);
    assert!(
        text.contains("projects not loaded yet: trying again"),
        "{text}"
    );
    assert!(!text.contains("no projects"), "{text}");
    // Asked again after 2, 4, 8 seconds, failing each time; then it works.
    let mut asked = Vec::new();
    for sec in 1..=30 {
        if asks_projects(&update(&mut s, at_second(sec))) {
            asked.push(sec);
            answer(&mut s, asked.len() == 4);
        }
    }
    assert_eq!(asked, [2, 6, 14, 30], "2, 4, 8, 16 s apart");
    assert_eq!(s.projects().items.len(), 3);
    assert!(frame(&s).contains("Population WGS"));
    // Loaded, it is not asked for again by itself.
    let again = (31..=90).any(|sec| asks_projects(&update(&mut s, at_second(sec))));
    assert!(!again);
}

#[test]
fn a_service_slow_to_answer_is_said_and_for_how_long() {
    let mut s = State::new(Settings::default(), fx::now());
    s.size = (80, 24);
    update::init(&mut s);
    for sec in 1..=3 {
        update(&mut s, at_second(sec));
    }
    let text = frame(&s);
    assert!(
        !text.contains("no answer"),
        "a few seconds are normal:\n{text}"
    );
    for sec in 4..=12 {
        update(&mut s, at_second(sec));
    }
    let text = frame(&s);
    assert!(text.contains("no answer for 12s"), "{text}");
    api(
        &mut s,
        ApiResult::loaded(
            Request::Projects {
                region: fx::REGION.into(),
            },
            Ok(Answer::Projects(fx::projects())),
        ),
    );
    update(&mut s, at_second(13));
    assert!(!frame(&s).contains("no answer"));
}

#[test]
fn a_canceling_run_is_drawn_as_active() {
    let mut s = fx::at_groups(120, 40);
    update(&mut s, Action::Enter);
    let runs = fx::runs()
        .into_iter()
        .map(|mut r| {
            r.status = Some(Text::from("CANCELING"));
            r
        })
        .collect();
    api(
        &mut s,
        ApiResult::loaded(
            Request::Runs {
                scope: fx::scope(),
                query: RunsQuery::Group(fx::GROUP.into()),
            },
            Ok(Answer::Runs(runs)),
        ),
    );
    let text = frame(&s);
    assert!(text.contains("● CANCELING"), "{text}");
    assert!(!text.contains("? CANCELING"), "{text}");
}

#[test]
fn a_terminated_group_that_ended_complete_error_is_drawn_as_terminated() {
    let mut s = fx::state(120, 40);
    update(&mut s, Action::Enter);
    let mut groups = fx::groups();
    groups[1].run_status_counts = Some(vec![
        crate::api::types::RunStatusCount {
            status: Some("SUCCESS".into()),
            count: Some(4),
        },
        crate::api::types::RunStatusCount {
            status: Some("CANCELED".into()),
            count: Some(8),
        },
    ]);
    api(
        &mut s,
        ApiResult::loaded(
            Request::Groups { scope: fx::scope() },
            Ok(Answer::Groups(groups)),
        ),
    );
    let text = frame(&s);
    let row = text
        .lines()
        .find(|l| l.contains("joint calling"))
        .unwrap_or_default();
    assert!(
        row.contains("■ COMPLETE_ERROR"),
        "drawn as terminated: {text}"
    );
}
