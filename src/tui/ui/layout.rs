//! Where each part of the screen goes. Pure, so `update` uses it too (mouse clicks, page
//! sizes) and both always agree with what is drawn.

use ratatui::layout::Rect;

use super::super::state::{Focus, State};

/// Columns from which the details pane sits beside the list.
pub const WIDE: u16 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub crumbs: Rect,
    /// Everything between the breadcrumb and the status lines.
    pub body: Rect,
    pub list: Option<Rect>,
    pub details: Option<Rect>,
    pub status: Rect,
    pub hints: Rect,
}

pub fn areas(state: &State, area: Rect) -> Areas {
    let h = area.height;
    let crumbs = Rect::new(area.x, area.y, area.width, 1.min(h));
    let main_h = h.saturating_sub(3);
    let main = Rect::new(area.x, area.y + 1, area.width, main_h);
    let status = Rect::new(area.x, area.y + h.saturating_sub(2), area.width, 1.min(h));
    let hints = Rect::new(area.x, area.y + h.saturating_sub(1), area.width, 1.min(h));
    let (list, details) = if area.width >= WIDE {
        let lw = area.width * 3 / 5;
        (
            Some(Rect::new(main.x, main.y, lw, main.height)),
            Some(Rect::new(main.x + lw, main.y, area.width - lw, main.height)),
        )
    } else if state.focus == Focus::Details {
        (None, Some(main))
    } else {
        (Some(main), None)
    };
    Areas {
        crumbs,
        body: main,
        list,
        details,
        status,
        hints,
    }
}

/// The screen area for the state's terminal size.
pub fn screen(state: &State) -> Rect {
    Rect::new(0, 0, state.size.0, state.size.1)
}

/// The rows of data a list shows (inside the border, below the header).
pub fn list_rows(state: &State) -> usize {
    areas(state, screen(state))
        .list
        .map_or(10, |r| r.height.saturating_sub(3) as usize)
        .max(1)
}

/// The lines of text the details pane shows.
pub fn details_rows(state: &State) -> usize {
    let a = areas(state, screen(state));
    let d = a.details.or(a.list).unwrap_or_default();
    d.height.saturating_sub(2).max(1) as usize
}

/// A centred popup of at most `w`×`h` cells.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Where the large popups (failures, signatures, attempts) are drawn: the body, between
/// the breadcrumb and the status line, as the pager; the trail, the status and the keys
/// stay in view around them.
pub fn big_popup(state: &State, screen: Rect) -> Rect {
    areas(state, screen).body
}

/// The rows of a large popup's list (inside the border, below a title line).
pub fn popup_rows(state: &State) -> usize {
    let p = big_popup(state, screen(state));
    p.height.saturating_sub(3).max(1) as usize
}

/// The rows of text the log pager shows (it takes the body, inside its border).
pub fn pager_rows(state: &State) -> usize {
    areas(state, screen(state))
        .body
        .height
        .saturating_sub(3)
        .max(1) as usize
}
