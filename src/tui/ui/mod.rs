//! Drawing. Everything here reads the state and writes cells; nothing changes the state.

mod calls;
mod details;
mod environments;
pub mod layout;
mod lists;
mod pager;
mod popups;
mod sheet;
mod signatures;
mod status;
pub mod table;
pub mod text;
pub mod theme;
mod volumes;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_platform;
#[cfg(test)]
mod tests_real_use;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::keymap::Keymap;
use super::state::popup::Popup;
use super::state::{Focus, State};
use super::view::View;
use theme::Theme;

/// The whole screen for one frame.
pub struct Screen<'a> {
    pub state: &'a State,
    pub keymap: &'a Keymap,
    pub theme: &'a Theme,
}

impl Widget for &Screen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (state, theme) = (self.state, self.theme);
        let a = layout::areas(state, area);
        status::crumbs(state, theme, a.crumbs, buf);
        if let Some(list) = a.list {
            let focused = state.focus == Focus::List;
            match state.view() {
                View::Projects(l) => lists::projects(state, l, theme, list, buf, focused),
                View::Groups(v) => lists::groups(state, v, theme, list, buf, focused),
                View::Runs(v) => lists::runs(state, v, theme, list, buf, focused),
                View::Calls(v) => calls::render(state, v, theme, list, buf, focused),
                View::Environments(v) => environments::render(v, theme, list, buf, focused),
                View::Volumes(v) => volumes::render(v, theme, list, buf, focused),
                View::Table(v) => sheet::render(v, theme, list, buf, focused),
            }
        }
        if let Some(d) = a.details {
            details::render(state, theme, d, buf, state.focus == Focus::Details);
        }
        status::status_bar(state, theme, a.status, buf);
        status::hints(state, self.keymap, theme, a.hints, buf);
        match &state.popup {
            None => {}
            Some(Popup::Confirm(c)) => popups::confirm(c, theme, area, buf),
            Some(Popup::Message(m)) => popups::message(m, theme, area, buf),
            Some(Popup::Help { scroll }) => popups::help(*scroll, self.keymap, theme, area, buf),
            Some(Popup::Failures(f)) => popups::failures(f, state, theme, area, buf),
            Some(Popup::Signatures(v)) => signatures::render(v, state, theme, area, buf),
            Some(Popup::Attempts(v)) => signatures::attempts(v, state, theme, area, buf),
            // The pager takes the body, between the breadcrumb and the status lines.
            Some(Popup::Pager(p)) => pager::render(p, theme, a.body, buf),
        }
    }
}

/// The details pane's title and lines as plain text (for tests and scripts).
pub fn details_lines(state: &State) -> (String, Vec<String>) {
    let (title, lines) = details::lines(state, &Theme::plain());
    let text = lines
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    (title, text)
}
