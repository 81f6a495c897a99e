//! `omtop audit`: the mutations recorded in the audit log, each intent with its result.
//! It reads a local file only, so it needs no credentials.

use std::path::Path;

use serde_json::{Value, json};

use super::CliError;
use super::output::{self, Table};
use crate::audit::{self, Entry, Status};

/// What a mutation acted on, in a few words.
fn target(e: &Entry) -> String {
    let p = &e.intent.params;
    let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let runs = p
        .get("RunUuids")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    match e.intent.action.as_str() {
        "RunApplication" => format!("{} ({})", s("Name"), s("ApplicationId")),
        "RunWorkflow" => {
            let git = p
                .get("GitSource")
                .and_then(|g| g.get("GitHttpPath"))
                .and_then(Value::as_str)
                .unwrap_or("");
            format!("{} ({git})", s("Name"))
        }
        "RetryRuns" if runs > 0 => format!("{runs} run(s)"),
        _ => s("RunGroupId"),
    }
}

/// The result column: the new group or RequestId, the error, or why there is none.
fn result(e: &Entry) -> String {
    let Some(r) = &e.result else {
        return "no result recorded: omtop stopped mid-request".into();
    };
    let rid = r
        .request_id
        .as_deref()
        .map(|id| format!(" (RequestId {id})"))
        .unwrap_or_default();
    match (r.status, &r.run_group_id) {
        (Status::Ok, Some(g)) => format!("new run group {g}{rid}"),
        (Status::Ok, None) => format!("done{rid}"),
        _ => format!(
            "{}{rid}",
            error_text(
                &e.intent.action,
                r.error_code.as_deref(),
                r.error.as_deref().unwrap_or(""),
                r.request_id.as_deref(),
            )
        ),
    }
}

/// The error of a result once: the recorded text repeats the action (a column of its own),
/// the code and the RequestId (added after it), so each is said only once.
fn error_text(action: &str, code: Option<&str>, error: &str, request_id: Option<&str>) -> String {
    let mut rest = error.strip_prefix(&format!("{action}: ")).unwrap_or(error);
    if let Some(c) = code {
        rest = rest.strip_prefix(&format!("{c}: ")).unwrap_or(rest);
    }
    let rest = match request_id {
        Some(id) => rest.replacen(&format!(" (RequestId {id})"), "", 1),
        None => rest.to_string(),
    };
    match code {
        Some(c) => format!("{c}: {rest}"),
        None => rest,
    }
}

/// When a mutation was asked for, in the zone the service's own times carry (+08:00), with
/// the zone shown.
fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&crate::api::types::service_zone())
        .format("%Y-%m-%d %H:%M:%S %:z")
        .to_string()
}

fn as_json(e: &Entry) -> Value {
    let i = &e.intent;
    let r = e.result.as_ref();
    json!({
        "Id": i.id,
        "Time": i.time,
        "Action": i.action,
        "Region": i.region,
        "Origin": i.context.origin,
        "Profile": i.context.profile,
        "Credentials": i.context.credentials,
        "Endpoint": i.context.endpoint,
        "Params": i.params,
        "Status": e.status().as_str(),
        "Completed": r.map(|r| r.time),
        "RequestId": r.and_then(|r| r.request_id.clone()),
        "RunGroupId": r.and_then(|r| r.run_group_id.clone()),
        "ErrorCode": r.and_then(|r| r.error_code.clone()),
        "Error": r.and_then(|r| r.error.clone()),
    })
}

/// Prints the last `limit` entries (0: all) of the log in `data_dir`, oldest first.
pub fn show(data_dir: Option<&Path>, limit: usize, json: bool) -> Result<(), CliError> {
    let Some(dir) = data_dir else {
        return Err(CliError::Usage(
            "the data directory is unknown (is HOME set?), so there is no audit log".into(),
        ));
    };
    let path = audit::file_in(dir);
    let (entries, bad) = audit::read(&path).map_err(|e| {
        CliError::Io(std::io::Error::new(
            e.kind(),
            format!("cannot read the audit log {}: {e}", path.display()),
        ))
    })?;
    for line in &bad {
        eprintln!(
            "omtop: warning: {} line {line} is not an audit record; skipped",
            path.display()
        );
    }
    let skip = if limit == 0 {
        0
    } else {
        entries.len().saturating_sub(limit)
    };
    let shown = &entries[skip..];
    if json {
        return Ok(output::json(
            &shown.iter().map(as_json).collect::<Vec<_>>(),
        )?);
    }
    if entries.is_empty() {
        eprintln!("no mutations recorded in {}", path.display());
        return Ok(());
    }
    let mut table = Table::new(vec![
        "TIME", "ORIGIN", "ACTION", "REGION", "TARGET", "STATUS", "RESULT",
    ]);
    for e in shown {
        table.row(vec![
            local_time(e.intent.time),
            e.intent.context.origin.clone(),
            e.intent.action.clone(),
            e.intent.region.clone(),
            target(e),
            e.status().as_str().to_string(),
            result(e),
        ]);
    }
    Ok(table.print()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_names_its_code_and_request_id_once() {
        let recorded = "TerminateRunGroup: FailedOperation.StatusNotSupported: The run group \
                        run-x is COMPLETE. (RequestId r-1)";
        assert_eq!(
            error_text(
                "TerminateRunGroup",
                Some("FailedOperation.StatusNotSupported"),
                recorded,
                Some("r-1")
            ),
            "FailedOperation.StatusNotSupported: The run group run-x is COMPLETE."
        );
        assert_eq!(
            error_text(
                "RetryRuns",
                None,
                "RetryRuns: outcome unknown: timed out: no answer",
                None
            ),
            "outcome unknown: timed out: no answer"
        );
    }

    #[test]
    fn times_are_in_the_services_zone() {
        let t = chrono::DateTime::parse_from_rfc3339("2024-06-06T08:30:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .expect("time");
        assert_eq!(local_time(t), "2024-06-06 16:30:00 +08:00");
    }
}
