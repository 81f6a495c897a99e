//! Output of the scripting CLI: aligned tables for people, JSON for programs. Table cells
//! are sanitized (they come from the network) and padded by display width, so Chinese
//! names keep the columns straight.

use std::io::{self, Write};

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::sanitize;

/// The widest a table cell gets before it is cut with "…".
const MAX_CELL: usize = 60;

/// Cuts `s` to at most `max` display columns, marking the cut with "…".
pub fn truncate(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// A table of text cells, printed with a header row and columns padded to fit.
pub struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: Vec<&'static str>) -> Self {
        Self {
            header,
            rows: Vec::new(),
        }
    }

    /// Adds a row; each cell is sanitized and shortened.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .iter()
                .map(|c| truncate(&sanitize::line(c), MAX_CELL))
                .collect(),
        );
    }

    pub fn render(&self) -> String {
        let cols = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(c.width());
            }
        }
        let mut out = String::new();
        let mut line = |cells: Vec<&str>| {
            let mut l = String::new();
            for (i, c) in cells.iter().enumerate() {
                l.push_str(c);
                if i + 1 < cells.len() {
                    l.push_str(&" ".repeat(widths[i].saturating_sub(c.width()) + 2));
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(self.header.clone());
        for r in &self.rows {
            line(r.iter().map(String::as_str).collect());
        }
        out
    }

    pub fn print(&self) -> io::Result<()> {
        write(&self.render())
    }
}

/// Prints a value as pretty JSON on stdout. Control characters, DEL, C1 controls and bidi
/// overrides inside strings arrive escaped (`\u009b`), never raw, so piping JSON to a
/// terminal is as safe as printing a table.
pub fn json<T: Serialize>(value: &T) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    write(&(sanitize::escape_json(&text) + "\n"))
}

/// Writes to stdout; a closed pipe is returned as an error, never a panic.
pub fn write(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes bytes omtop made itself (a completion script, a manual page) to stdout.
pub fn write_bytes(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// `1h 02m`, `3m 07s`, `12s`.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_by_display_width() {
        let mut t = Table::new(vec!["NAME", "STATUS"]);
        t.row(vec!["肿瘤外显子组".into(), "RUNNING".into()]);
        t.row(vec!["wgs".into(), "COMPLETE".into()]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        let col = |l: &str| l[..l.find(['R', 'C']).unwrap_or(0)].width();
        assert_eq!(col(lines[1]), col(lines[2]));
        assert_eq!(lines[0], "NAME          STATUS");
    }

    #[test]
    fn cells_are_sanitized_and_cut() {
        let mut t = Table::new(vec!["X"]);
        t.row(vec!["a\u{1b}[2Jb\nc".into()]);
        t.row(vec!["y".repeat(100)]);
        let text = t.render();
        assert!(!text.contains('\u{1b}'));
        assert_eq!(text.lines().count(), 3);
        assert!(
            text.lines()
                .nth(2)
                .is_some_and(|l| l.ends_with('…') && l.width() == MAX_CELL)
        );
    }

    #[test]
    fn json_escapes_what_could_drive_a_terminal() {
        let v = serde_json::json!({"name": "a\u{9b}2J\u{202e}b\u{7f}\u{1b}[31m", "n": [1, 2]});
        let text = sanitize::escape_json(&serde_json::to_string_pretty(&v).expect("json"));
        assert!(
            !text.contains(['\u{9b}', '\u{202e}', '\u{7f}', '\u{1b}']),
            "{text}"
        );
        assert!(text.contains("\\u009b") && text.contains("\\u202e"));
        let back: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, v);
    }

    #[test]
    fn durations() {
        assert_eq!(duration(7), "7s");
        assert_eq!(duration(187), "3m 07s");
        assert_eq!(duration(3720), "1h 02m");
    }
}
