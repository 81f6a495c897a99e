//! The read-only commands: list and show.

use std::io::IsTerminal;

use serde_json::json;

use super::output::{self, Table};
use super::{CliError, Ctx};
use crate::api::Priority;
use crate::api::types::{Filter, RunGroup, RunMetadata, StatusClass};

/// The CLI speaks for a person waiting at the prompt.
pub const PRIO: Priority = Priority::Interactive;

fn t<S: AsRef<str>>(s: Option<&S>) -> String {
    s.map(|s| s.as_ref().to_string()).unwrap_or_default()
}

/// The first line of the message inside an ErrorMessage's JSON text.
fn first_line(raw: Option<&str>) -> String {
    let m = crate::api::types::error_message(raw.unwrap_or_default());
    m.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

pub(super) fn time(ts: Option<&crate::api::types::Timestamp>) -> String {
    ts.map(|t| match t.parsed {
        Some(p) => p.format("%Y-%m-%d %H:%M").to_string(),
        None => t.raw.to_string(),
    })
    .unwrap_or_default()
}

pub async fn projects(ctx: &Ctx) -> Result<(), CliError> {
    let list = ctx
        .client
        .list_projects(&ctx.regions, &ctx.known_projects, PRIO)
        .await?;
    if let Some(reason) = &list.fallback_reason {
        eprintln!(
            "note: DescribeProjects is unavailable ({}); showing configured projects and each region's default",
            crate::sanitize::line(reason)
        );
    }
    if ctx.json {
        return Ok(output::json(&list.projects)?);
    }
    let mut table = Table::new(vec!["PROJECT", "NAME", "REGION", "DEFAULT", "CREATED"]);
    for p in &list.projects {
        table.row(vec![
            p.project_id.clone().unwrap_or_else(|| "-".into()),
            t(p.name.as_ref()),
            t(p.region.as_ref()),
            if p.is_default == Some(true) { "*" } else { "" }.into(),
            time(p.create_time.as_ref()),
        ]);
    }
    Ok(table.print()?)
}

/// Whether a status means the run is being stopped (still active, on its way to CANCELED).
fn stopping(status: &str) -> bool {
    matches!(
        status.trim().to_ascii_uppercase().as_str(),
        "CANCELING" | "CANCELLING" | "TERMINATING" | "ABORTING"
    )
}

fn progress(g: &RunGroup) -> String {
    let total = g.total_run.unwrap_or(0);
    let (mut done, mut failed, mut stopped, mut canceling) = (0, 0, 0, 0);
    for c in g.run_status_counts.iter().flatten() {
        let n = c.count.unwrap_or(0);
        let status = c.status.as_deref().unwrap_or("");
        match StatusClass::of(status) {
            StatusClass::Succeeded => done += n,
            StatusClass::Failed => failed += n,
            StatusClass::Cancelled => stopped += n,
            _ if stopping(status) => canceling += n,
            _ => {}
        }
    }
    let mut out = format!("{done}/{total}");
    let notes: Vec<String> = [
        (canceling, "canceling"),
        (failed, "failed"),
        (stopped, "terminated"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !notes.is_empty() {
        out.push_str(&format!(" ({})", notes.join(", ")));
    }
    out
}

/// Status values as the service spells them (`running` → `RUNNING`), as `--type` is.
fn upper(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.trim().to_ascii_uppercase())
        .collect()
}

/// The DescribeRunGroups filters of `omtop groups`.
pub fn group_filters(args: &super::args::GroupsArgs) -> Vec<Filter> {
    let mut filters = Vec::new();
    if !args.status.is_empty() {
        filters.push(Filter::new("Status", upper(&args.status)));
    }
    if let Some(n) = &args.name {
        filters.push(Filter::new("Name", [n.clone()]));
    }
    if let Some(k) = &args.kind {
        filters.push(Filter::new("Type", [k.to_ascii_uppercase()]));
    }
    if let Some(a) = &args.application {
        filters.push(Filter::new("ApplicationId", [a.clone()]));
    }
    filters
}

pub async fn groups(ctx: &Ctx, args: &super::args::GroupsArgs) -> Result<(), CliError> {
    let filters = group_filters(args);
    let groups = ctx
        .client
        .describe_run_groups(&ctx.scope, &filters, PRIO)
        .await?;
    if ctx.json {
        return Ok(output::json(&groups)?);
    }
    let waiting = waiting_reasons(ctx, &groups).await;
    let mut header = vec![
        "RUN GROUP",
        "NAME",
        "TYPE",
        "APPLICATION",
        "STATUS",
        "DONE",
        "CREATED",
    ];
    let why = waiting.iter().any(Option::is_some);
    if why {
        header.push("WAITING");
    }
    let mut table = Table::new(header).full_last_column();
    for (g, reason) in groups.iter().zip(&waiting) {
        let mut row = vec![
            t(g.run_group_id.as_ref()),
            t(g.name.as_ref()),
            g.kind
                .clone()
                .or_else(|| g.application_type.clone())
                .unwrap_or_default(),
            t(g.application_name.as_ref()),
            t(g.status.as_ref()),
            progress(g),
            time(g.create_time.as_ref()),
        ];
        if why {
            row.push(
                reason
                    .as_deref()
                    .map(|r| r.trim_start_matches("waiting: ").to_string())
                    .unwrap_or_default(),
            );
        }
        table.row(row);
    }
    Ok(table.print()?)
}

/// Why each group waits (`api::group::waiting_reason`). The environments are asked for
/// only when a group has runs waiting; if they cannot be listed, the groups still are.
async fn waiting_reasons(ctx: &Ctx, groups: &[RunGroup]) -> Vec<Option<String>> {
    let pending = |g: &RunGroup| {
        StatusClass::of(g.status.as_deref().unwrap_or("")) == StatusClass::Pending
            || (crate::api::group::is_live(g)
                && crate::api::group::StatusCounts::of_group(g).pending > 0)
    };
    if !groups.iter().any(pending) {
        return vec![None; groups.len()];
    }
    match ctx
        .client
        .describe_environments(&ctx.scope.region, &[], PRIO)
        .await
    {
        Ok(envs) => groups
            .iter()
            .map(|g| crate::api::group::waiting_reason(g, &envs))
            .collect(),
        Err(e) => {
            eprintln!(
                "note: cannot tell why groups wait: {}",
                crate::sanitize::line(&e.to_string())
            );
            vec![None; groups.len()]
        }
    }
}

/// The DescribeRuns filters of `omtop runs`.
pub fn run_filters(args: &super::args::RunsArgs) -> Vec<Filter> {
    let mut filters = Vec::new();
    if let Some(g) = &args.group {
        filters.push(Filter::new("RunGroupId", [g.clone()]));
    }
    if !args.status.is_empty() {
        filters.push(Filter::new("Status", upper(&args.status)));
    }
    if let Some(s) = &args.sample {
        filters.push(Filter::new("UserDefinedId", [s.clone()]));
    }
    filters
}

pub async fn runs(ctx: &Ctx, args: &super::args::RunsArgs) -> Result<(), CliError> {
    let filters = run_filters(args);
    let runs = ctx.client.describe_runs(&ctx.scope, &filters, PRIO).await?;
    if ctx.json {
        return Ok(output::json(&runs)?);
    }
    let mut table = Table::new(vec!["RUN", "SAMPLE", "STATUS", "STARTED", "ERROR"]);
    for r in &runs {
        let error = first_line(r.error_message.as_deref());
        table.row(vec![
            t(r.run_uuid.as_ref()),
            t(r.user_defined_id.as_ref()),
            t(r.status.as_ref()),
            time(
                r.execution_time
                    .as_ref()
                    .and_then(|e| e.start_time.as_ref()),
            ),
            error.to_string(),
        ]);
    }
    Ok(table.print()?)
}

/// A call's name; a shard's index is added as `[i]` unless the name ends in it already (the
/// service names shards `Workflow.Task-7` with ScatterIndex `-7`).
fn call_label(c: &RunMetadata) -> String {
    let name = t(c.call_name.as_ref());
    match c.scatter_index.as_deref().filter(|s| !s.is_empty()) {
        Some(i) if name.ends_with(i) => name,
        Some(i) => format!("{name}[{}]", i.trim_start_matches('-')),
        None => name,
    }
}

fn call_row(c: &RunMetadata) -> Vec<String> {
    let name = call_label(c);
    let error = first_line(c.error_message.as_deref());
    vec![
        name,
        t(c.run_type.as_ref()),
        t(c.status.as_ref()),
        if c.call_cached == Some(true) {
            "cached"
        } else {
            ""
        }
        .into(),
        t(c.run_id.as_ref()),
        t(c.job_id.as_ref()),
        error.to_string(),
    ]
}

pub async fn calls(ctx: &Ctx, run: &str, path: &str) -> Result<(), CliError> {
    let calls = ctx
        .client
        .get_run_calls(&ctx.scope, run, path, PRIO)
        .await?;
    if ctx.json {
        return Ok(output::json(&calls)?);
    }
    let mut table = Table::new(vec![
        "CALL", "TYPE", "STATUS", "CACHE", "RUN ID", "JOB", "ERROR",
    ]);
    for c in &calls {
        table.row(call_row(c));
    }
    Ok(table.print()?)
}

pub async fn status(ctx: &Ctx, run: &str) -> Result<(), CliError> {
    let m = ctx.client.get_run_status(&ctx.scope, run, PRIO).await?;
    if ctx.json {
        return Ok(output::json(&m)?);
    }
    // Field names, then values in full: error messages and inputs are what one reads here.
    let fields = serde_json::to_value(&m).unwrap_or_else(|_| json!({}));
    let mut out = String::new();
    for (k, v) in fields.as_object().into_iter().flatten() {
        let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        let v = crate::sanitize::text(&v).replace('\n', "\n              ");
        out.push_str(&format!("{k:<13} {v}\n"));
    }
    Ok(output::write(&out)?)
}

/// Prints a log. Into a file or a pipe (or with `--raw`) it is written as the service has it,
/// byte for byte: the user asked for the file. On a terminal it is sanitized like every
/// other string from the network.
pub async fn logs(ctx: &Ctx, args: &super::args::LogsArgs) -> Result<(), CliError> {
    let bytes = match &args.job {
        Some(job) => ctx
            .client
            .get_run_job_log(&ctx.scope, &args.run, job, &args.path, args.stderr, PRIO)
            .await?
            .into_bytes(),
        None => {
            let key = args.key.as_deref().unwrap_or("nextflow.log");
            ctx.client
                .fetch_metadata_bytes(&ctx.scope, &args.run, key, PRIO)
                .await?
        }
    };
    if ctx.json {
        let text = String::from_utf8_lossy(&bytes);
        return Ok(output::json(&json!({ "content": text }))?);
    }
    if args.raw || !std::io::stdout().is_terminal() {
        return Ok(output::write_bytes(&bytes)?);
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut clean = crate::sanitize::text(&text).into_owned();
    if !clean.ends_with('\n') {
        clean.push('\n');
    }
    Ok(output::write(&clean)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::RunStatusCount;

    fn group(counts: &[(&str, i64)]) -> RunGroup {
        RunGroup {
            total_run: Some(counts.iter().map(|c| c.1).sum()),
            run_status_counts: Some(RunStatusCount::list(counts)),
            ..RunGroup::default()
        }
    }

    #[test]
    fn shard_names_are_not_repeated() {
        let shard = |name: &str, idx: &str| RunMetadata {
            call_name: Some(name.into()),
            scatter_index: Some(idx.into()),
            ..RunMetadata::default()
        };
        let spec = "PairedEndSingleSampleWorkflow.BaseRecalibrator-0";
        assert_eq!(call_label(&shard(spec, "-0")), spec);
        assert_eq!(
            call_label(&shard("Align.BwaMem", "-12")),
            "Align.BwaMem[12]"
        );
        assert_eq!(call_label(&shard("Align.QC", "")), "Align.QC");
    }

    #[test]
    fn progress_names_runs_on_their_way_to_canceled() {
        assert_eq!(
            progress(&group(&[("CANCELING", 34)])),
            "0/34 (34 canceling)"
        );
        assert_eq!(
            progress(&group(&[
                ("SUCCESS", 3),
                ("CANCELED", 30),
                ("EXECUTOR_ERROR", 1)
            ])),
            "3/34 (1 failed, 30 terminated)"
        );
    }
}
