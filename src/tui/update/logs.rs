//! The log pager: opening logs for a task or a Nextflow run, scrolling, tabs, search and
//! follow, and log text arriving.

use crate::api::types::StatusClass;
use crate::api::{ApiError, Priority};
use crate::sanitize;

use super::super::action::Action;
use super::super::effect::{Effect, LogSource, Request};
use super::super::state::items::run_label;
use super::super::state::list::Item;
use super::super::state::pager::{Pager, Tab};
use super::super::state::popup::{Level as MsgLevel, Popup};
use super::super::state::{InputLine, InputPurpose, State};
use super::super::ui::layout;
use super::super::view::View;

pub const NEXTFLOW_LOG: &str = "nextflow.log";
pub const TRACE: &str = "execution_trace.txt";

pub fn open(state: &mut State, out: &mut Vec<Effect>) {
    let Some(scope) = state.project_scope() else {
        return state.flash(MsgLevel::Info, "open a run to see its logs");
    };
    let nextflow = state
        .group()
        .is_some_and(super::super::state::items::is_nextflow);
    // The report files exist only when the group was launched with NFOption.Report.
    let report = state
        .group()
        .and_then(|g| g.nf_option.as_ref())
        .and_then(|o| o.report);
    let (title, run_uuid, live, sources) = match state.view() {
        View::Calls(c) => {
            let t = &c.tree;
            let node = t.selected_node().map(|id| t.node(id));
            let job = node.and_then(|n| {
                let j = n.meta.job_id.clone().filter(|j| !j.is_empty())?;
                Some((j, n))
            });
            match job {
                Some((job_id, n)) => {
                    let path = if &*n.path == "/" {
                        String::new()
                    } else {
                        n.path.to_string()
                    };
                    let name = n.meta.call_name.as_deref().unwrap_or_default().to_string();
                    let src = |stderr| LogSource::Job {
                        job_id: job_id.to_string(),
                        path: path.clone(),
                        stderr,
                    };
                    (
                        name,
                        t.run_uuid().to_string(),
                        n.class.is_live(),
                        task_logs(src(false), src(true)),
                    )
                }
                None if t.nextflow => (
                    run_label(&t.run),
                    t.run_uuid().to_string(),
                    t.is_live(),
                    nextflow_files(report),
                ),
                None => {
                    return state.flash(
                        MsgLevel::Info,
                        "select a task (a call with a JobId) for its logs",
                    );
                }
            }
        }
        View::Runs(v) if nextflow => {
            let Some(r) = v.list.selected_item() else {
                return;
            };
            (
                run_label(r),
                r.id(),
                StatusClass::of(r.status()).is_live(),
                nextflow_files(report),
            )
        }
        View::Runs(_) => {
            return state.flash(
                MsgLevel::Info,
                "open the run (Enter) and select a task for its logs",
            );
        }
        _ => return state.flash(MsgLevel::Info, "open a run to see its logs"),
    };
    let mut p = Pager {
        title: sanitize::line(&title).into_owned(),
        scope,
        run_uuid,
        live,
        tabs: sources,
        tab: 0,
        scroll: 0,
        search: String::new(),
        follow: false,
        fetched_at: state.now_unix(),
    };
    fetch(&mut p, state, out);
    state.popup = Some(Popup::Pager(Box::new(p)));
}

/// A Nextflow run's tabs: its log, and its trace unless the group's options say the run
/// wrote none (then the tab says so and nothing is asked for).
fn nextflow_files(report: Option<bool>) -> Vec<Tab> {
    let trace = LogSource::File(TRACE.into());
    vec![
        Tab::new(LogSource::File(NEXTFLOW_LOG.into())),
        match report {
            Some(false) => Tab::absent(trace, "not produced by this run (Report was off)"),
            _ => Tab::new(trace),
        },
    ]
}

fn task_logs(job: LogSource, stderr: LogSource) -> Vec<Tab> {
    vec![Tab::new(job), Tab::new(stderr)]
}

/// Fetches the current tab of a pager (unless that fetch is already pending).
fn fetch(p: &mut Pager, state: &mut State, out: &mut Vec<Effect>) {
    let Some(tab) = p.tabs.get_mut(p.tab).filter(|t| t.absent.is_none()) else {
        return;
    };
    let req = Request::Log {
        scope: p.scope.clone(),
        run_uuid: p.run_uuid.clone(),
        source: tab.source.clone(),
    };
    let e = Effect::load(req, Priority::Interactive);
    if state.poller.admit(e, out) {
        tab.loading = true;
    }
    p.fetched_at = state.now_unix();
}

pub fn pager_key(state: &mut State, action: Action, out: &mut Vec<Effect>) {
    let page = layout::pager_rows(state);
    let Some(Popup::Pager(mut p)) = state.popup.take() else {
        return;
    };
    let len = p.current().map_or(0, Tab::len);
    let max = len.saturating_sub(page);
    let by = |p: &mut Pager, d: isize| {
        p.scroll = (p.scroll as isize + d).clamp(0, max as isize) as usize;
    };
    match action {
        Action::Up => by(&mut p, -1),
        Action::Down => by(&mut p, 1),
        Action::PageUp => by(&mut p, -(page as isize)),
        Action::PageDown => by(&mut p, page as isize),
        Action::Scroll(d) => by(&mut p, isize::from(d) * 3),
        Action::Top => {
            p.scroll = 0;
            p.follow = false;
        }
        Action::Bottom => p.scroll = max,
        Action::NextChoice | Action::PrevChoice | Action::Right | Action::Left => {
            let n = p.tabs.len().max(1);
            let fwd = matches!(action, Action::NextChoice | Action::Right);
            p.tab = if fwd {
                (p.tab + 1) % n
            } else {
                (p.tab + n - 1) % n
            };
            p.scroll = 0;
            if p.current().is_some_and(Tab::wants_fetch) {
                fetch(&mut p, state, out);
            }
        }
        Action::Search => {
            state.input = Some(InputLine {
                purpose: InputPurpose::Search,
                text: p.search.clone(),
            });
        }
        Action::SearchNext | Action::SearchPrev if !p.jump_match(action == Action::SearchNext) => {
            state.flash(MsgLevel::Info, "no match");
        }
        Action::Follow => {
            if p.follow {
                p.follow = false;
            } else {
                p.scroll = max;
                p.follow = p.live;
                if !p.live {
                    state.flash(MsgLevel::Info, "it has finished: the log will not grow");
                }
            }
        }
        Action::Refresh => fetch(&mut p, state, out),
        Action::Sort | Action::SortReverse => {
            if let Some(t) = p.current_mut().and_then(|t| t.trace.as_mut()) {
                if action == Action::Sort {
                    t.cycle_sort();
                } else {
                    t.reverse = !t.reverse;
                    t.resort();
                }
            }
        }
        Action::Cancel | Action::Back | Action::Logs => return,
        _ => {}
    }
    state.popup = Some(Popup::Pager(p));
}

pub fn search(state: &mut State, text: &str) {
    if let Some(Popup::Pager(p)) = state.popup.as_mut() {
        p.search = text.to_string();
        if !text.is_empty() && !p.jump_match(true) {
            state.flash(
                MsgLevel::Info,
                format!("no match for {}", sanitize::line(text)),
            );
        }
    }
}

pub fn loaded(
    state: &mut State,
    run_uuid: &str,
    source: &LogSource,
    result: Result<String, ApiError>,
) {
    let page = layout::pager_rows(state);
    let Some(Popup::Pager(p)) = state.popup.as_mut() else {
        return;
    };
    if p.run_uuid != run_uuid {
        return;
    }
    let follow = p.follow;
    let Some(tab) = p.tabs.iter_mut().find(|t| t.source == *source) else {
        return;
    };
    match result {
        Ok(text) => tab.set_text(&text),
        // A file the service says is not there: no failure, and said as such.
        Err(e) if e.code() == Some("ResourceNotFound.CosObjectNotExist") => {
            tab.loading = false;
            let yet = if p.live { " yet" } else { "" };
            tab.error = Some(format!(
                "not produced by this run{yet} (RequestId {})",
                sanitize::line(e.request_id().unwrap_or_default())
            ));
            return;
        }
        Err(e) => {
            tab.loading = false;
            tab.error = Some(sanitize::line(&e.to_string()).into_owned());
            state.flash_error(&e);
            return;
        }
    }
    if follow {
        let len = p.current().map_or(0, Tab::len);
        p.scroll = len.saturating_sub(page);
    }
}
