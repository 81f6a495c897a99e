//! Text helpers: width-aware truncation (wide CJK characters count two cells), durations,
//! status badges.

use chrono::{DateTime, FixedOffset};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use crate::api::types::{StatusClass, Timestamp};
use crate::sanitize;

/// The terminal cells a string takes.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Breaks `s` into rows of at most `w` cells, anywhere (for JSON, where a word wrap would
/// only move a long value to a row of its own). Wide characters are never split.
pub fn hard_wrap(s: &str, w: usize) -> Vec<String> {
    let w = w.max(2);
    let mut rows = vec![String::new()];
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w {
            rows.push(String::new());
            used = 0;
        }
        if let Some(row) = rows.last_mut() {
            row.push(c);
        }
        used += cw;
    }
    rows
}

/// Breaks `s` into rows of at most `w` cells at spaces; a word longer than a row is broken
/// anywhere.
pub fn word_wrap(s: &str, w: usize) -> Vec<String> {
    let w = w.max(2);
    let mut rows: Vec<String> = Vec::new();
    let mut row = String::new();
    for word in s.split(' ') {
        let sep = usize::from(!row.is_empty());
        if width(&row) + sep + width(word) <= w {
            if sep == 1 {
                row.push(' ');
            }
            row.push_str(word);
            continue;
        }
        if !row.is_empty() {
            rows.push(std::mem::take(&mut row));
        }
        let mut pieces = hard_wrap(word, w);
        row = pieces.pop().unwrap_or_default();
        rows.extend(pieces);
    }
    rows.push(row);
    rows
}

/// Sanitizes a network string for one cell and cuts it to `w` cells, ending in "…" when cut.
pub fn fit(s: &str, w: usize) -> String {
    let s = sanitize::line(s);
    if width(&s) <= w {
        return s.into_owned();
    }
    if w == 0 {
        return String::new();
    }
    cut(&s, w)
}

/// The start of `s` in `w - 1` cells, then "…".
fn cut(s: &str, w: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w.saturating_sub(1) {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// `fit` keeping both ends: "wgs-ger…20261202-0". For names of a batch, which share their
/// start and differ at the end (a date, a batch number).
pub fn fit_middle(s: &str, w: usize) -> String {
    let s = sanitize::line(s);
    if width(&s) <= w {
        return s.into_owned();
    }
    if w < 6 {
        return cut(&s, w);
    }
    // The end gets the larger part: that is where such names differ.
    let tail_w = (w - 1) * 3 / 5;
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let cw = c.width().unwrap_or(0);
        if used + cw > tail_w {
            break;
        }
        used += cw;
        tail.push(c);
    }
    let mut out = cut(&s, w - used);
    out.extend(tail.iter().rev());
    out
}

/// `fit_middle`, then spaces up to `w` cells.
pub fn pad_middle(s: &str, w: usize) -> String {
    let f = fit_middle(s, w);
    let n = w.saturating_sub(width(&f));
    f + &" ".repeat(n)
}

/// Cuts a line of spans to `w` cells, ending in "…" when cut (spans are already clean).
pub fn fit_line(line: Line<'static>, w: usize) -> Line<'static> {
    let total: usize = line.spans.iter().map(|s| width(&s.content)).sum();
    if total <= w {
        return line;
    }
    let mut spans = Vec::new();
    let mut used = 0;
    for s in line.spans {
        let sw = width(&s.content);
        if used + sw < w {
            used += sw;
            spans.push(s);
            continue;
        }
        let room = w - used;
        if room > 0 {
            spans.push(Span::styled(cut(&s.content, room), s.style));
        }
        break;
    }
    if spans.is_empty() && w > 0 {
        spans.push(Span::raw("…"));
    }
    Line::from(spans).style(line.style)
}

/// "45s", "3m12s", "1h02m", "2d04h".
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// The duration of an item of a status: "-" while it waits to start.
pub fn status_duration(status: &str, start: Option<i64>, end: Option<i64>, now: i64) -> String {
    if StatusClass::of(status) == StatusClass::Pending && end.is_none() {
        return "-".into();
    }
    span_duration(start, end, now)
}

/// The duration of a span: to its end, or (live) to now.
pub fn span_duration(start: Option<i64>, end: Option<i64>, now: i64) -> String {
    match (start, end) {
        (Some(s), Some(e)) => duration(e - s),
        (Some(s), None) => duration(now - s),
        _ => "-".into(),
    }
}

/// "06-06 16:30" in the timestamp's own zone.
pub fn short_time(t: &Option<Timestamp>) -> String {
    match t {
        Some(Timestamp {
            parsed: Some(p), ..
        }) => p.format("%m-%d %H:%M").to_string(),
        Some(t) => fit(&t.raw, 11),
        None => "-".into(),
    }
}

pub fn long_time(t: &Option<Timestamp>) -> String {
    match t {
        Some(Timestamp {
            parsed: Some(p), ..
        }) => p.format("%Y-%m-%d %H:%M:%S %:z").to_string(),
        Some(t) => sanitize::line(&t.raw).into_owned(),
        None => "-".into(),
    }
}

pub fn ago(now: DateTime<FixedOffset>, then: i64) -> String {
    duration(now.timestamp() - then)
}

pub fn symbol(class: StatusClass) -> &'static str {
    match class {
        StatusClass::Pending => "◌",
        StatusClass::Running => "●",
        StatusClass::Succeeded => "✔",
        StatusClass::Failed => "✖",
        StatusClass::Cancelled => "■",
        StatusClass::Unknown => "?",
    }
}

/// "● RUNNING": the symbol of the class and the status verbatim.
pub fn badge(status: &str) -> (String, StatusClass) {
    let class = StatusClass::of(status);
    let s = if status.is_empty() { "-" } else { status };
    (format!("{} {}", symbol(class), sanitize::line(s)), class)
}

/// The first line of an error message (the message inside its JSON), sanitized.
pub fn first_line(s: &str) -> String {
    let m = crate::api::types::error_message(s);
    let line = m.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    sanitize::line(line.trim()).into_owned()
}

/// `fit`, then spaces up to `w` cells (width-aware, so wide characters keep columns aligned).
pub fn pad(s: &str, w: usize) -> String {
    let f = fit(s, w);
    let n = w.saturating_sub(width(&f));
    f + &" ".repeat(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_wrap_counts_cells() {
        assert_eq!(hard_wrap("abcdef", 4), ["abcd", "ef"]);
        assert_eq!(hard_wrap("", 4), [""]);
        assert_eq!(hard_wrap("ab人口", 3), ["ab", "人", "口"]);
        assert_eq!(
            word_wrap("of a new run group", 8),
            ["of a new", "run", "group"]
        );
        assert_eq!(word_wrap("abcdefghij x", 4), ["abcd", "efgh", "ij x"]);
    }

    #[test]
    fn truncation_counts_wide_characters() {
        assert_eq!(fit("人口全基因组", 7), "人口全…");
        assert_eq!(width(&fit("人口全基因组", 7)), 7);
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abcd", 3), "ab…");
        assert_eq!(fit("a\u{1b}[31mb", 10), "a␛b");
    }

    #[test]
    fn names_of_a_batch_keep_their_ends() {
        assert_eq!(
            fit_middle("wgs-germline-20261202-0", 18),
            "wgs-ger…20261202-0"
        );
        assert_eq!(width(&fit_middle("wgs-germline-20261202-0", 18)), 18);
        assert_eq!(fit_middle("short", 18), "short");
        assert_eq!(fit_middle("人口全基因组批次二", 9), "人口…次二");
        assert_eq!(width(&fit_middle("人口全基因组批次二", 9)), 9);
        assert_eq!(fit_middle("abcdefgh", 4), "abc…");
        assert_eq!(fit_middle("a\u{1b}[31mbcdefghijklmnop", 9), "a␛bc…mnop");
        assert_eq!(pad_middle("ab", 4), "ab  ");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(5), "5s");
        assert_eq!(duration(192), "3m12s");
        assert_eq!(duration(3720), "1h02m");
        assert_eq!(duration(187_200), "2d04h");
    }
}
