//! Reading the audit log back: intents paired with their results, oldest first.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use super::{Completion, Intent, Record, Status};

/// A mutation as the log tells it: the intent, and its result if one was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub intent: Intent,
    pub result: Option<Completion>,
}

impl Entry {
    pub fn status(&self) -> Status {
        self.result.as_ref().map_or(Status::NoResult, |r| r.status)
    }
}

/// The entries of the log at `path` (none when it does not exist), and the numbers of the
/// lines that are not records (a line cut short when omtop was killed while writing it).
pub fn read(path: &Path) -> io::Result<(Vec<Entry>, Vec<usize>)> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(e),
    };
    Ok(parse(&text))
}

/// The entries of an audit log's text, and the numbers of the lines that are not records.
pub fn parse(text: &str) -> (Vec<Entry>, Vec<usize>) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(Record::Intent(intent)) => {
                by_id.insert(intent.id.clone(), entries.len());
                entries.push(Entry {
                    intent,
                    result: None,
                });
            }
            Ok(Record::Result(done)) => match by_id.get(&done.id) {
                Some(&at) if entries[at].result.is_none() => entries[at].result = Some(done),
                _ => bad.push(i + 1),
            },
            Err(_) => bad.push(i + 1),
        }
    }
    (entries, bad)
}

/// The mutations of the log in `data_dir` that acted on run group `group` (by its id, or by
/// any of its `runs`) or made it, one line each (time, action, result), oldest first. Empty
/// when there is no log.
pub fn for_group(data_dir: Option<&Path>, group: &str, runs: &[String]) -> Vec<String> {
    let Some(dir) = data_dir else {
        return Vec::new();
    };
    let Ok((entries, _)) = read(&super::file_in(dir)) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter(|e| {
            let p = &e.intent.params;
            p.get("RunGroupId").and_then(|v| v.as_str()) == Some(group)
                || e.result.as_ref().and_then(|r| r.run_group_id.as_deref()) == Some(group)
                || p.get("RunUuids")
                    .and_then(|v| v.as_array())
                    .is_some_and(|ids| {
                        ids.iter()
                            .any(|id| id.as_str().is_some_and(|id| runs.iter().any(|r| r == id)))
                    })
        })
        .map(|e| {
            let made = e
                .result
                .as_ref()
                .and_then(|r| r.run_group_id.as_deref())
                .map(|g| format!(", made {g}"))
                .unwrap_or_default();
            format!(
                "{} {} by the {} ({}{made})",
                e.intent.time.format("%Y-%m-%d %H:%M UTC"),
                e.intent.action,
                e.intent.context.origin,
                e.status().as_str()
            )
        })
        .collect()
}
