//! A table batch's sample sheet: the rows of its table (DescribeTables,
//! DescribeTablesRows), each joined to the run the group made of it, with that run's
//! status, duration and failure signature; filtered and sorted by any column of the sheet.

use std::collections::HashMap;

use crate::api::actions::body;
use crate::api::sheet::{SampleRow, SampleSheet, run_duration};
use crate::api::types::{Filter, Run, RunGroup, StatusClass, Table, TableRow};
use crate::api::{Call, Priority};

use super::super::action::Action;
use super::super::effect::{Effect, Request};
use super::super::state::items::ProjectRow;
use super::super::state::list::{Item, ListView, SortKey};
use super::runs_request;

pub const HINTS: &[Action] = &[
    Action::Help,
    Action::Enter,
    Action::Back,
    Action::Filter,
    Action::Sort,
    Action::StatusFilter,
    Action::NextFailure,
    Action::Retry,
    Action::Command,
    Action::Quit,
];

/// The columns the sheet adds after the table's own.
pub const JOINED: [&str; 3] = ["status", "duration", "signature"];

/// A row of the sheet as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    pub sample: SampleRow,
    /// Seconds its run has run (to the time the sheet was joined while live).
    pub duration: Option<i64>,
    /// `#2 out of memory in BaseRecalibrator`: the failure signature of its failed run.
    pub signature: Option<String>,
}

impl SheetRow {
    /// The text of a column: one of the table's, then status, duration, signature.
    pub fn cell(&self, col: usize) -> String {
        let n = self.sample.cells.len();
        match col.checked_sub(n) {
            None => self.sample.cells[col].clone(),
            Some(0) => self.sample.status().unwrap_or("").to_string(),
            Some(1) => self.duration.map(|d| d.to_string()).unwrap_or_default(),
            Some(_) => self.signature.clone().unwrap_or_default(),
        }
    }
}

impl Item for SheetRow {
    fn id(&self) -> String {
        self.sample.uuid().to_string()
    }
    fn status(&self) -> &str {
        self.sample.status().unwrap_or("")
    }
    fn haystack(&self) -> String {
        let mut s = self.sample.cells.join(" ");
        for x in [
            self.sample.status().unwrap_or(""),
            self.signature.as_deref().unwrap_or(""),
            self.sample.uuid(),
        ] {
            s.push(' ');
            s.push_str(x);
        }
        s
    }
    fn sort_columns() -> &'static [&'static str] {
        // The sheet's columns are its table's: the list carries their names.
        &[]
    }
    fn sort_key(&self, col: usize) -> SortKey {
        let n = self.sample.cells.len();
        if col == n + 1 {
            // Duration: runs not started last.
            return SortKey::Num(self.duration.unwrap_or(-1));
        }
        let text = self.cell(col);
        // Numbers sort as numbers (a coverage, a read count), with a short unit after them
        // (`30x`, `12.5%`); empty cells last.
        match number(&text) {
            Some(x) => SortKey::Num((x * 1000.0) as i64),
            None if text.is_empty() => SortKey::Text("\u{10ffff}".into()),
            None => SortKey::Text(text.to_lowercase()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TableView {
    pub project: ProjectRow,
    pub group: RunGroup,
    pub table_id: String,
    pub table: Option<Table>,
    pub rows: Option<Vec<TableRow>>,
    /// The group's runs, as last listed, and whether they have been.
    pub runs: Vec<Run>,
    pub runs_loaded: bool,
    pub list: ListView<SheetRow>,
}

impl TableView {
    pub fn new(project: ProjectRow, group: RunGroup, table_id: String) -> Self {
        let mut list = ListView::new(0, false);
        list.loading = true;
        Self {
            project,
            group,
            table_id,
            table: None,
            rows: None,
            runs: Vec::new(),
            runs_loaded: false,
            list,
        }
    }

    /// The table's name, else its id.
    pub fn title(&self) -> String {
        self.table
            .as_ref()
            .and_then(|t| t.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| self.table_id.clone())
    }

    /// The table (once), its rows (once: they change only when someone edits the table;
    /// `R` asks again), and while the group is live its runs and the group itself (which
    /// says when it has finished).
    pub fn wants(&self) -> Vec<Effect> {
        let mut w = Vec::new();
        if self.table.is_none() {
            w.push(Effect::load(self.table_request(), Priority::Background));
        }
        if self.rows.is_none() {
            w.push(Effect::load(self.rows_request(), Priority::Background));
        }
        let live = StatusClass::of(self.group.status.as_deref().unwrap_or("")).is_live();
        if live || !self.runs_loaded {
            w.push(Effect::load(self.runs_request(), Priority::Background));
        }
        if live {
            w.push(super::groups_of(self.project.scope()));
        }
        w
    }

    pub fn refreshes(&self) -> Vec<Request> {
        vec![
            self.runs_request(),
            self.table_request(),
            self.rows_request(),
        ]
    }

    /// DescribeTables of this table.
    pub fn table_request(&self) -> Request {
        Request::Tables {
            scope: self.project.scope(),
            table_id: Some(self.table_id.clone()),
        }
    }

    /// What the sheet's age is the age of: the runs joined into it (its table and rows are
    /// asked once).
    pub fn request(&self) -> Request {
        self.runs_request()
    }

    /// DescribeTablesRows of this table.
    pub fn rows_request(&self) -> Request {
        Request::Rows {
            scope: self.project.scope(),
            table_id: self.table_id.clone(),
        }
    }

    pub fn runs_request(&self) -> Request {
        runs_request(self.project.scope(), self.group.id())
    }

    /// DescribeTablesRows of the selected row.
    pub fn tccli(&self) -> Option<Call> {
        let scope = self.project.scope();
        let row = self.list.selected_item()?.id();
        let mut b = body::page(&scope, &[Filter::new("TableRowUuid", [row.as_str()])], 0);
        b["TableId"] = self.table_id.clone().into();
        Some(Call::new("DescribeTablesRows", scope.region, b))
    }

    /// The group's runs were listed: the sheet joins them.
    pub fn set_runs(&mut self, runs: &[Run], now: i64) {
        self.runs = runs.to_vec();
        self.runs_loaded = true;
        self.join(now);
    }

    /// Joins the table's rows to the group's runs once the table and its rows are known.
    pub fn join(&mut self, now: i64) {
        let (Some(table), Some(rows)) = (self.table.as_ref(), self.rows.as_ref()) else {
            return;
        };
        let runs = &self.runs;
        let sheet = SampleSheet::join(table, rows.clone(), runs);
        let sigs = crate::api::triage::signatures(&crate::api::triage::failures(runs));
        let mut sig_of: HashMap<&str, String> = HashMap::new();
        for s in &sigs {
            let label = if s.task == crate::api::triage::NO_TASK {
                format!("#{} {}", s.number, s.class.label())
            } else {
                let task = crate::api::triage::short_task(&s.task);
                format!("#{} {} in {task}", s.number, s.class.label())
            };
            for r in &s.runs {
                sig_of.insert(r.as_str(), label.clone());
            }
        }
        let items = sheet
            .rows
            .into_iter()
            .map(|sample| {
                let run = sample.run.as_ref();
                SheetRow {
                    duration: run.and_then(|r| run_duration(r, now)),
                    signature: run
                        .and_then(|r| r.run_uuid.as_deref())
                        .and_then(|u| sig_of.get(u).cloned()),
                    sample,
                }
            })
            .collect();
        let mut names = sheet.headers;
        names.extend(JOINED.iter().map(|s| s.to_string()));
        self.list.columns = names;
        self.list.set_items(items);
    }
}

/// The number a cell holds, allowing a unit of up to three letters or signs after it.
fn number(text: &str) -> Option<f64> {
    let t = text.trim();
    let end = t
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .map_or(t.len(), |(i, _)| i);
    let (num, unit) = t.split_at(end);
    if unit.trim().chars().count() > 3 || unit.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    num.parse::<f64>().ok().filter(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_with_a_short_unit_are_numbers() {
        assert_eq!(super::number("30x"), Some(30.0));
        assert_eq!(super::number("12.5 %"), Some(12.5));
        assert_eq!(super::number("8"), Some(8.0));
        assert_eq!(super::number("HG002"), None);
        assert_eq!(super::number("cos://x/1.fq"), None);
        assert_eq!(super::number("3 samples"), None);
    }
}
