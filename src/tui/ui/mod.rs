//! Drawing. Everything here reads the state and writes cells; nothing changes the state.

mod calls;
mod details;
pub mod layout;
mod lists;
mod pager;
mod popups;
mod signatures;
mod status;
pub mod table;
pub mod text;
pub mod theme;

#[cfg(test)]
mod tests;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::keymap::Keymap;
use super::state::popup::Popup;
use super::state::{Focus, Level, State};
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
            match state.level {
                Level::Projects => lists::projects(state, theme, list, buf, focused),
                Level::Groups => lists::groups(state, theme, list, buf, focused),
                Level::Runs => lists::runs(state, theme, list, buf, focused),
                Level::Calls => calls::render(state, theme, list, buf, focused),
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
