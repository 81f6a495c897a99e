//! `update(&mut State, Action) -> Vec<Effect>`: every flow of the dashboard, with no I/O.

mod command;
mod loaded;
mod logs;
mod mutate;
mod nav;
mod platform;
mod poll;
mod signatures;
mod tccli;
mod triage;
mod watching;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_flows;
#[cfg(test)]
mod tests_platform;
#[cfg(test)]
mod tests_real_use;
#[cfg(test)]
mod tests_signatures;
#[cfg(test)]
mod tests_tccli;
#[cfg(test)]
mod tests_watch;

use super::action::Action;
use super::effect::Effect;
use super::state::popup::{Level, Popup};
use super::state::{InputPurpose, State};

pub use poll::{Age, data_age, init};

/// Applies one action to the state and returns what the app must do.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut out = Vec::new();
    if let Action::Tick(now) = action {
        state.now = now;
    }
    state.poller.clock = state.now_unix();
    match action {
        Action::Tick(_) => poll::tick(state, &mut out),
        Action::Stats(s) => state.stats = s,
        Action::Resize(w, h) => state.size = (w, h),
        Action::Api(r) => loaded::apply(state, *r, &mut out),
        Action::Watched(e) => watching::event(state, *e, &mut out),
        Action::WatchEnded { group_id, error } => watching::ended(state, &group_id, error),
        Action::Quit => {
            state.quit = true;
            out.push(Effect::Quit);
        }
        Action::ReadOnly => state.flash(Level::Warn, "read-only: changes are disabled"),
        a if state.input.is_some() => input(state, a, &mut out),
        a if state.popup.is_some() => popup(state, a, &mut out),
        a => normal(state, a, &mut out),
    }
    nav::fix_offsets(state);
    out
}

fn input(state: &mut State, action: Action, out: &mut Vec<Effect>) {
    let Some(line) = state.input.as_mut() else {
        return;
    };
    let purpose = line.purpose;
    match action {
        Action::InputChar(c) => line.text.push(c),
        Action::InputBackspace => {
            line.text.pop();
        }
        Action::Confirm | Action::Enter => {
            let text = line.text.clone();
            state.input = None;
            match purpose {
                InputPurpose::Command => command::run(state, &text, out),
                InputPurpose::Filter => triage::set_filter(state, &text),
                InputPurpose::Search => logs::search(state, &text),
            }
            return;
        }
        Action::Cancel | Action::Back => {
            state.input = None;
            if purpose == InputPurpose::Filter {
                triage::set_filter(state, "");
            }
            return;
        }
        _ => return,
    }
    if purpose == InputPurpose::Filter {
        let text = line.text.clone();
        triage::set_filter(state, &text);
    }
}

fn popup(state: &mut State, action: Action, out: &mut Vec<Effect>) {
    if action == Action::CopyTccli {
        return tccli::copy(state, out);
    }
    match &state.popup {
        Some(Popup::Confirm(_)) => mutate::confirm_key(state, action, out),
        Some(Popup::Message(_)) => {
            if matches!(
                action,
                Action::Confirm | Action::Cancel | Action::Enter | Action::Back
            ) {
                state.popup = None;
            }
        }
        Some(Popup::Help { .. }) => nav::help_key(state, action),
        Some(Popup::Failures(_)) => triage::failures_key(state, action),
        Some(Popup::Signatures(_)) => signatures::key(state, action, out),
        Some(Popup::Attempts(_)) => signatures::attempts_key(state, action, out),
        Some(Popup::Pager(_)) => logs::pager_key(state, action, out),
        None => {}
    }
}

fn normal(state: &mut State, action: Action, out: &mut Vec<Effect>) {
    match action {
        Action::Help => state.popup = Some(Popup::Help { scroll: 0 }),
        Action::Command => {
            state.input = Some(super::state::InputLine {
                purpose: InputPurpose::Command,
                text: String::new(),
            });
        }
        Action::Filter => triage::open_filter(state),
        Action::StatusFilter => triage::cycle_status(state),
        Action::Sort => triage::sort(state, false),
        Action::SortReverse => triage::sort(state, true),
        Action::NextFailure => triage::next_failure(state, true, out),
        Action::PrevFailure => triage::next_failure(state, false, out),
        Action::Failures => triage::open_failures(state, out),
        Action::Attempts => signatures::open_attempts(state, out),
        Action::Copy => triage::copy(state, out),
        Action::CopyTccli => tccli::copy(state, out),
        Action::Watch => watching::toggle(state, out),
        Action::Mark => mutate::mark(state),
        Action::MarkAll => mutate::mark_all(state),
        Action::Terminate => mutate::ask_terminate(state),
        Action::Retry => mutate::ask_retry(state),
        Action::Logs => logs::open(state, out),
        Action::Environment => platform::open_environment(state, out),
        Action::SampleSheet => platform::open_table(state, out),
        Action::Refresh => poll::refresh(state, out),
        other => nav::key(state, other, out),
    }
}
