//! A table batch's sample sheet: the rows of a table, each joined by its TableRowUuid to
//! the run a run group made of it, filtered and sorted by any column: the table's own, or
//! the run's status and duration. One rule for the CLI and the dashboard.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::types::{Run, Table, TableRow};

/// A column of a sample sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The table's column at this index.
    Cell(usize),
    /// The row's TableRowUuid.
    Row,
    /// The joined run's RunUuid.
    Run,
    /// The joined run's status.
    Status,
    /// How long the joined run has run (to now while it is live), in seconds.
    Duration,
}

/// The names the joined columns go by (matched without regard to case).
pub const RUN_COLUMNS: [(&str, Column); 4] = [
    ("row", Column::Row),
    ("run", Column::Run),
    ("status", Column::Status),
    ("duration", Column::Duration),
];

/// One row of the sheet and the run made from it, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRow {
    pub row: TableRow,
    /// One cell per header (missing cells are empty).
    pub cells: Vec<String>,
    pub run: Option<Run>,
}

impl SampleRow {
    pub fn uuid(&self) -> &str {
        self.row.table_row_uuid.as_deref().unwrap_or("")
    }

    pub fn status(&self) -> Option<&str> {
        self.run.as_ref()?.status.as_deref()
    }
}

/// A table's rows joined to a group's runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleSheet {
    /// The table's column headers, in order (a row with more cells than the table has
    /// columns adds `column N`).
    pub headers: Vec<String>,
    pub rows: Vec<SampleRow>,
}

impl SampleSheet {
    /// Joins `rows` of `table` to `runs` by TableRowUuid. A row run more than once (the
    /// runs of several groups) is joined to its newest run.
    pub fn join(table: &Table, rows: Vec<TableRow>, runs: &[Run]) -> Self {
        let mut headers: Vec<String> = table
            .columns
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, c)| {
                c.header
                    .clone()
                    .filter(|h| !h.is_empty())
                    .unwrap_or_else(|| format!("column {}", i + 1))
            })
            .collect();
        let widest = rows
            .iter()
            .map(|r| r.content.as_ref().map_or(0, Vec::len))
            .max()
            .unwrap_or(0);
        while headers.len() < widest {
            headers.push(format!("column {}", headers.len() + 1));
        }
        let mut by_row: HashMap<&str, &Run> = HashMap::new();
        for run in runs {
            let Some(key) = run.table_row_uuid.as_deref().filter(|k| !k.is_empty()) else {
                continue;
            };
            let newer = by_row
                .get(key)
                .is_none_or(|old| created(run) >= created(old));
            if newer {
                by_row.insert(key, run);
            }
        }
        let rows = rows
            .into_iter()
            .map(|row| {
                let mut cells = row.content.clone().unwrap_or_default();
                cells.resize(headers.len(), String::new());
                let run = row
                    .table_row_uuid
                    .as_deref()
                    .and_then(|k| by_row.get(k))
                    .map(|r| (*r).clone());
                SampleRow { row, cells, run }
            })
            .collect();
        Self { headers, rows }
    }

    /// The column `name` means: one of the table's headers (exactly, then without regard to
    /// case), else `row`, `run`, `status` or `duration`.
    pub fn column(&self, name: &str) -> Option<Column> {
        let name = name.trim();
        if let Some(i) = self.headers.iter().position(|h| h == name) {
            return Some(Column::Cell(i));
        }
        if let Some(i) = self
            .headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
        {
            return Some(Column::Cell(i));
        }
        RUN_COLUMNS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, c)| *c)
    }

    /// Every name `column` accepts, the table's headers first.
    pub fn column_names(&self) -> Vec<String> {
        self.headers
            .iter()
            .cloned()
            .chain(RUN_COLUMNS.iter().map(|(n, _)| (*n).to_string()))
            .collect()
    }

    /// A row's value in a column, as text (a duration in seconds). `now`: Unix seconds.
    pub fn value(row: &SampleRow, col: Column, now: i64) -> String {
        match col {
            Column::Cell(i) => row.cells.get(i).cloned().unwrap_or_default(),
            Column::Row => row.uuid().to_string(),
            Column::Run => row
                .run
                .as_ref()
                .and_then(|r| r.run_uuid.as_deref())
                .unwrap_or("")
                .to_string(),
            Column::Status => row.status().unwrap_or("").to_string(),
            Column::Duration => row
                .run
                .as_ref()
                .and_then(|r| run_duration(r, now))
                .map(|d| d.to_string())
                .unwrap_or_default(),
        }
    }

    /// Keeps the rows whose value in `col` contains `needle` (ignoring case).
    pub fn filter(&mut self, col: Column, needle: &str, now: i64) {
        let needle = needle.to_lowercase();
        self.rows
            .retain(|r| Self::value(r, col, now).to_lowercase().contains(&needle));
    }

    /// Sorts the rows by `col`: numbers as numbers, text as text, empty values last; rows
    /// that compare equal keep their order.
    pub fn sort(&mut self, col: Column, reverse: bool, now: i64) {
        let mut keyed: Vec<(String, SampleRow)> = std::mem::take(&mut self.rows)
            .into_iter()
            .map(|r| (Self::value(&r, col, now), r))
            .collect();
        keyed.sort_by(|(a, _), (b, _)| {
            match (a.is_empty(), b.is_empty()) {
                (true, true) => return Ordering::Equal,
                (true, false) => return Ordering::Greater,
                (false, true) => return Ordering::Less,
                _ => {}
            }
            let o = compare(a, b);
            if reverse { o.reverse() } else { o }
        });
        self.rows = keyed.into_iter().map(|(_, r)| r).collect();
    }
}

/// Numbers by value, anything else as text.
fn compare(a: &str, b: &str) -> Ordering {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

fn created(r: &Run) -> i64 {
    r.create_time.as_ref().and_then(|t| t.unix()).unwrap_or(0)
}

/// How long a run has run, in seconds: start to end, or to `now` (Unix seconds) while it
/// has started and not ended. `None` before it starts.
pub fn run_duration(run: &Run, now: i64) -> Option<i64> {
    let times = run.execution_time.as_ref()?;
    let start = times.start_time.as_ref()?.unix()?;
    let end = times
        .end_time
        .as_ref()
        .and_then(|t| t.unix())
        .unwrap_or(now);
    Some((end - start).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::{ExecutionTime, TableColumn, Text, Timestamp};

    fn table(headers: &[&str]) -> Table {
        Table {
            columns: Some(
                headers
                    .iter()
                    .map(|h| TableColumn {
                        header: Some((*h).into()),
                        data_type: Some("String".into()),
                    })
                    .collect(),
            ),
            ..Table::default()
        }
    }

    fn row(uuid: &str, cells: &[&str]) -> TableRow {
        TableRow {
            table_row_uuid: Some(uuid.into()),
            content: Some(cells.iter().map(|c| (*c).to_string()).collect()),
        }
    }

    fn run(uuid: &str, row: &str, status: &str, created: i64, times: (i64, Option<i64>)) -> Run {
        let t =
            |s: i64| Timestamp::parse(&format!("2024-01-01T00:{:02}:{:02}+08:00", s / 60, s % 60));
        Run {
            run_uuid: Some(Text::from(uuid.to_string())),
            table_row_uuid: Some(Text::from(row.to_string())),
            status: Some(Text::from(status.to_string())),
            create_time: Some(t(created)),
            execution_time: Some(ExecutionTime {
                submit_time: None,
                start_time: Some(t(times.0)),
                end_time: times.1.map(t),
            }),
            ..Run::default()
        }
    }

    fn sheet() -> SampleSheet {
        let rows = vec![
            row("r1", &["NA12878", "30"]),
            row("r2", &["HG002", "4"]),
            row("r3", &["HG003", "12", "extra"]),
        ];
        let runs = [
            run("u-old", "r1", "EXECUTOR_ERROR", 0, (0, Some(60))),
            run("u-new", "r1", "RUNNING", 120, (130, None)),
            run("u2", "r2", "SUCCESS", 10, (20, Some(1000))),
            run("elsewhere", "r9", "SUCCESS", 0, (0, Some(1))),
        ];
        SampleSheet::join(&table(&["sample", "depth"]), rows, &runs)
    }

    #[test]
    fn rows_join_their_newest_run_and_keep_every_cell() {
        let s = sheet();
        assert_eq!(s.headers, ["sample", "depth", "column 3"]);
        assert_eq!(s.rows[0].status(), Some("RUNNING"));
        assert_eq!(SampleSheet::value(&s.rows[0], Column::Run, 0), "u-new");
        assert_eq!(s.rows[1].cells, ["HG002", "4", ""]);
        assert_eq!(s.rows[2].run, None);
        assert_eq!(s.rows[2].cells[2], "extra");
    }

    #[test]
    fn columns_by_header_or_by_what_the_run_adds() {
        let s = sheet();
        assert_eq!(s.column("depth"), Some(Column::Cell(1)));
        assert_eq!(s.column("SAMPLE"), Some(Column::Cell(0)));
        assert_eq!(s.column("Status"), Some(Column::Status));
        assert_eq!(s.column("colour"), None);
        assert_eq!(s.column_names().len(), 3 + RUN_COLUMNS.len());
        // A table's own column wins over a joined one of the same name.
        let own = SampleSheet::join(&table(&["status"]), vec![], &[]);
        assert_eq!(own.column("STATUS"), Some(Column::Cell(0)));
    }

    #[test]
    fn filter_and_sort_by_any_column() {
        let now = 1_704_038_400 + 200; // 2024-01-01T00:03:20+08:00
        let mut s = sheet();
        s.sort(Column::Cell(1), false, now);
        let order = |s: &SampleSheet| {
            s.rows
                .iter()
                .map(|r| r.uuid().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(order(&s), ["r2", "r3", "r1"], "depth sorts as numbers");
        s.sort(Column::Duration, true, now);
        // r2 ran 980 s; r1's newest run has run 70 s so far; r3 has no run and goes last.
        assert_eq!(order(&s), ["r2", "r1", "r3"]);
        assert_eq!(SampleSheet::value(&s.rows[1], Column::Duration, now), "70");
        s.filter(Column::Status, "run", now);
        assert_eq!(order(&s), ["r1"]);
        let mut s = sheet();
        s.filter(Column::Cell(0), "hg00", now);
        assert_eq!(order(&s), ["r2", "r3"]);
    }
}
