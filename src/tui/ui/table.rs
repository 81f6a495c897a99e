//! A virtualised table: columns drop by priority when narrow, and only the rows on screen
//! are built.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use super::text::{fit, fit_line};
use super::theme::Theme;

#[derive(Debug, Clone)]
pub struct Col {
    /// Its header: fixed for omtop's own panes, a table's column name in a sample sheet.
    pub title: Cow<'static, str>,
    /// Preferred width in cells.
    pub width: u16,
    /// Takes the room left over.
    pub flex: bool,
    /// 0: always shown; higher numbers are dropped first when the pane is narrow.
    pub drop: u8,
}

impl Col {
    pub const fn new(title: &'static str, width: u16, drop: u8) -> Self {
        Self {
            title: Cow::Borrowed(title),
            width,
            flex: false,
            drop,
        }
    }

    pub const fn flex(title: &'static str, width: u16, drop: u8) -> Self {
        Self {
            title: Cow::Borrowed(title),
            width,
            flex: true,
            drop,
        }
    }
}

/// The width of every column in `total` cells (0: dropped), one space between columns.
pub fn widths(cols: &[Col], total: u16) -> Vec<u16> {
    let mut on: Vec<bool> = vec![true; cols.len()];
    let need = |on: &[bool]| -> u16 {
        let shown: Vec<&Col> = cols
            .iter()
            .zip(on)
            .filter(|(_, o)| **o)
            .map(|(c, _)| c)
            .collect();
        shown.iter().map(|c| c.width).sum::<u16>() + shown.len().saturating_sub(1) as u16
    };
    while need(&on) > total {
        let worst = cols
            .iter()
            .enumerate()
            .filter(|(i, c)| on[*i] && c.drop > 0)
            .max_by_key(|(i, c)| (c.drop, *i));
        match worst {
            Some((i, _)) => on[i] = false,
            None => break,
        }
    }
    let mut w: Vec<u16> = cols
        .iter()
        .zip(&on)
        .map(|(c, o)| if *o { c.width } else { 0 })
        .collect();
    let used = need(&on);
    if used < total {
        let spare = total - used;
        let flex: Vec<usize> = (0..cols.len()).filter(|&i| on[i] && cols[i].flex).collect();
        if !flex.is_empty() {
            let each = spare / flex.len() as u16;
            for (k, &i) in flex.iter().enumerate() {
                w[i] += each + if k == 0 { spare % flex.len() as u16 } else { 0 };
            }
        }
    } else if used > total {
        // Still too wide with only essential columns: squeeze the flexible ones.
        let mut over = used - total;
        for i in (0..cols.len()).filter(|&i| on[i] && cols[i].flex) {
            let cut = over.min(w[i].saturating_sub(4));
            w[i] -= cut;
            over -= cut;
        }
    }
    w
}

pub struct Table<'a> {
    pub title: Line<'static>,
    pub cols: &'a [Col],
    pub len: usize,
    pub offset: usize,
    pub selected: Option<usize>,
    pub focused: bool,
    pub theme: &'a Theme,
    /// The cell of (row, column) in `width` cells.
    pub cell: &'a dyn Fn(usize, usize, u16) -> Line<'static>,
    /// Extra style for a whole row (marked runs).
    pub row_style: &'a dyn Fn(usize) -> Style,
    /// What an empty table says.
    pub empty: String,
}

impl Widget for &Table<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let border = if self.focused {
            self.theme.border_focused
        } else {
            self.theme.border
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(border)
            .title(self.title.clone());
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height == 0 || inner.width == 0 {
            return;
        }
        let w = widths(self.cols, inner.width);
        let mut x = inner.x;
        for (c, &cw) in self.cols.iter().zip(&w) {
            if cw == 0 {
                continue;
            }
            buf.set_span(
                x,
                inner.y,
                &Span::styled(fit(&c.title, cw as usize), self.theme.header),
                cw,
            );
            x += cw + 1;
        }
        let rows = inner.height.saturating_sub(1) as usize;
        if self.len == 0 {
            let msg = Span::styled(fit(&self.empty, inner.width as usize), self.theme.dim);
            buf.set_span(
                inner.x + 1,
                inner.y + 1,
                &msg,
                inner.width.saturating_sub(1),
            );
            return;
        }
        for (k, i) in (self.offset..self.len).take(rows).enumerate() {
            let y = inner.y + 1 + k as u16;
            let row_area = Rect::new(inner.x, y, inner.width, 1);
            buf.set_style(row_area, (self.row_style)(i));
            let mut x = inner.x;
            for (ci, &cw) in w.iter().enumerate() {
                if cw == 0 {
                    continue;
                }
                let line = fit_line((self.cell)(i, ci, cw), cw as usize);
                buf.set_line(x, y, &line, cw);
                x += cw + 1;
            }
            if self.selected == Some(i) {
                let st = if self.focused {
                    self.theme.selected
                } else {
                    self.theme.selected_unfocused
                };
                buf.set_style(row_area, st);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_drop_by_priority_and_flex_fills() {
        let cols = [
            Col::flex("name", 10, 0),
            Col::new("a", 10, 2),
            Col::new("b", 10, 1),
        ];
        assert_eq!(widths(&cols, 40), vec![18, 10, 10]);
        assert_eq!(widths(&cols, 25), vec![14, 0, 10]);
        assert_eq!(widths(&cols, 8), vec![8, 0, 0]);
    }
}
