//! The log pager: one or more log tabs (stdout/stderr, nextflow.log/trace), search, follow.

use crate::api::Scope;
use crate::sanitize;

use super::super::effect::LogSource;
use super::list::SortKey;

/// A Nextflow execution trace, parsed from its tab-separated text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trace {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Row order after sorting.
    pub order: Vec<usize>,
    pub sort: usize,
    pub reverse: bool,
}

impl Trace {
    /// Parses `execution_trace.txt`; `None` when it has no header line.
    pub fn parse(text: &str) -> Option<Self> {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<String> = lines
            .next()?
            .split('\t')
            .map(|h| sanitize::line(h).into_owned())
            .collect();
        let rows: Vec<Vec<String>> = lines
            .map(|l| {
                l.split('\t')
                    .map(|c| sanitize::line(c).into_owned())
                    .collect()
            })
            .collect();
        let mut t = Self {
            order: (0..rows.len()).collect(),
            header,
            rows,
            sort: 0,
            reverse: false,
        };
        t.resort();
        Some(t)
    }

    fn key(&self, row: usize) -> SortKey {
        let cell = self.rows[row].get(self.sort).map_or("", String::as_str);
        match cell.trim().parse::<f64>() {
            Ok(f) => SortKey::Num((f * 1000.0) as i64),
            Err(_) => SortKey::Text(cell.to_lowercase()),
        }
    }

    pub fn resort(&mut self) {
        let mut order: Vec<usize> = (0..self.rows.len()).collect();
        order.sort_by(|&a, &b| {
            let o = self.key(a).cmp(&self.key(b)).then(a.cmp(&b));
            if self.reverse { o.reverse() } else { o }
        });
        self.order = order;
    }

    pub fn cycle_sort(&mut self) {
        self.sort = (self.sort + 1) % self.header.len().max(1);
        self.resort();
    }
}

/// One tab of the pager.
#[derive(Debug, Clone, PartialEq)]
pub struct Tab {
    pub source: LogSource,
    /// Sanitized lines.
    pub lines: Vec<String>,
    pub trace: Option<Trace>,
    pub loading: bool,
    pub error: Option<String>,
    pub loaded: bool,
    /// Why this file does not exist, when the run's options say so: it is never asked for.
    pub absent: Option<String>,
}

impl Tab {
    pub fn new(source: LogSource) -> Self {
        Self {
            source,
            lines: Vec::new(),
            trace: None,
            loading: false,
            error: None,
            loaded: false,
            absent: None,
        }
    }

    /// A file the run's options say it did not produce.
    pub fn absent(source: LogSource, why: &str) -> Self {
        Self {
            absent: Some(why.to_string()),
            ..Self::new(source)
        }
    }

    /// Whether there is something to fetch (and it is not on its way).
    pub fn wants_fetch(&self) -> bool {
        self.absent.is_none() && !self.loaded && !self.loading
    }

    pub fn len(&self) -> usize {
        self.trace
            .as_ref()
            .map_or(self.lines.len(), |t| t.rows.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn set_text(&mut self, text: &str) {
        let clean = sanitize::text(text);
        self.lines = clean.lines().map(str::to_string).collect();
        if matches!(&self.source, LogSource::File(k) if k.contains("trace")) {
            self.trace = Trace::parse(text);
        }
        self.loading = false;
        self.loaded = true;
        self.error = None;
    }
}

#[derive(Debug, Clone)]
pub struct Pager {
    pub title: String,
    pub scope: Scope,
    pub run_uuid: String,
    /// Whether the run is still live (follow re-fetches only then).
    pub live: bool,
    pub tabs: Vec<Tab>,
    pub tab: usize,
    pub scroll: usize,
    pub search: String,
    pub follow: bool,
    /// When the current tab was last fetched (Unix seconds), for follow.
    pub fetched_at: i64,
}

impl Pager {
    pub fn current(&self) -> Option<&Tab> {
        self.tabs.get(self.tab)
    }

    pub fn current_mut(&mut self) -> Option<&mut Tab> {
        self.tabs.get_mut(self.tab)
    }

    /// The line (or trace row) numbers that contain the search text.
    pub fn matches(&self) -> Vec<usize> {
        let Some(tab) = self.current() else {
            return Vec::new();
        };
        if self.search.is_empty() {
            return Vec::new();
        }
        let needle = self.search.to_lowercase();
        match &tab.trace {
            Some(t) => t
                .order
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    t.rows[**r]
                        .iter()
                        .any(|c| c.to_lowercase().contains(&needle))
                })
                .map(|(i, _)| i)
                .collect(),
            None => tab
                .lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.to_lowercase().contains(&needle))
                .map(|(i, _)| i)
                .collect(),
        }
    }

    /// Scrolls to the next (or previous) match after the top line; false when none.
    pub fn jump_match(&mut self, forward: bool) -> bool {
        let m = self.matches();
        let next = if forward {
            m.iter().find(|&&i| i > self.scroll).or(m.first())
        } else {
            m.iter().rev().find(|&&i| i < self.scroll).or(m.last())
        };
        match next {
            Some(&i) => {
                self.scroll = i;
                true
            }
            None => false,
        }
    }
}
