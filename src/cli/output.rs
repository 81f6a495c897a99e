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
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// The last column is shown in full (it is not padded, so nothing after it moves).
    full_last: bool,
}

impl Table {
    /// A table with these column headers (sanitized: a sample sheet's come from the
    /// network).
    pub fn new<S: AsRef<str>>(header: Vec<S>) -> Self {
        Self {
            header: header
                .iter()
                .map(|h| truncate(&sanitize::line(h.as_ref()), MAX_CELL))
                .collect(),
            rows: Vec::new(),
            full_last: false,
        }
    }

    /// Shows the last column's cells in full instead of cutting them (a message).
    pub fn full_last_column(mut self) -> Self {
        self.full_last = true;
        self
    }

    /// Adds a row; each cell is sanitized and shortened.
    pub fn row(&mut self, cells: Vec<String>) {
        let last = self.header.len().saturating_sub(1);
        self.rows.push(
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let clean = sanitize::line(c);
                    if self.full_last && i == last {
                        clean.into_owned()
                    } else {
                        truncate(&clean, MAX_CELL)
                    }
                })
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
        line(self.header.iter().map(String::as_str).collect());
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
    write_bytes(text.as_bytes())
}

/// Writes bytes to stdout as they are. Only for what the user asked to have verbatim (a log
/// into a file) and what omtop made itself (a completion script, a manual page): everything
/// else goes through `write` after sanitizing.
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
    fn headers_from_the_network_are_cleaned_and_a_last_column_may_stay_whole() {
        let mut t =
            Table::new(vec!["ID".to_string(), "s\u{1b}]0;x\u{7}".into()]).full_last_column();
        t.row(vec!["a".into(), "m".repeat(100)]);
        let text = t.render();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text}"
        );
        assert!(
            text.lines()
                .nth(1)
                .is_some_and(|l| l.ends_with(&"m".repeat(100)))
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
