//! `omtop triage` and `omtop report`: a run group's failures by cause.

use std::fmt::Write as _;

use chrono::TimeZone;
use serde_json::{Value, json};

use super::args::{ReportArgs, TriageArgs};
use super::commands::PRIO;
use super::mutate::{confirm, dry_run, find_group, label, print_notes, report_created};
use super::{CliError, Ctx};
use crate::api::actions::body;
use crate::api::triage::{self, Signature};
use crate::api::types::{Filter, Run, RunGroup, StatusClass, error_message, service_zone};
use crate::api::{group, retry};
use crate::sanitize;

/// Lines of stderr kept for each signature's example.
const STDERR_LINES: usize = 8;

/// A group's runs and their signatures: from DescribeRuns alone, or refined by the deep
/// pass; each signature's example stderr either way.
pub(super) async fn analyse(
    ctx: &Ctx,
    group_id: &str,
    deep: bool,
) -> Result<(RunGroup, Vec<Run>, Vec<Signature>), CliError> {
    let started = std::time::Instant::now();
    let g = find_group(ctx, group_id).await?;
    let runs = ctx
        .client
        .describe_runs(&ctx.scope, &[Filter::new("RunGroupId", [group_id])], PRIO)
        .await?;
    tracing::info!(
        runs = runs.len(),
        ms = started.elapsed().as_millis(),
        "triage: runs listed"
    );
    let listed = std::time::Instant::now();
    let mut failures = triage::failures(&runs);
    if deep {
        let (_, errors) = ctx.client.deepen(&ctx.scope, &mut failures, PRIO).await;
        for e in &errors {
            eprintln!(
                "warning: a run's call tree could not be read ({}); it keeps its first-pass signature",
                sanitize::line(&e.to_string())
            );
        }
    }
    let mut sigs = triage::signatures(&failures);
    for e in ctx
        .client
        .stderr_tails(&ctx.scope, &mut sigs, STDERR_LINES, PRIO)
        .await
    {
        eprintln!(
            "warning: an example's stderr could not be read ({})",
            sanitize::line(&e.to_string())
        );
    }
    // The part the cache answers for finished runs (the lists above are always asked).
    tracing::info!(
        signatures = sigs.len(),
        ms = listed.elapsed().as_millis(),
        "triage: signatures ready"
    );
    Ok((g, runs, sigs))
}

/// A Unix time in the service's zone (+08:00), with the zone.
fn when(t: Option<i64>) -> String {
    t.and_then(|s| service_zone().timestamp_opt(s, 0).single())
        .map(|t| t.format("%Y-%m-%d %H:%M %:z").to_string())
        .unwrap_or_else(|| "-".into())
}

fn signature_json(s: &Signature) -> Value {
    json!({
        "number": s.number,
        "task": s.task,
        "message": s.message,
        "class": s.class,
        "class_label": s.class.label(),
        "reason": s.reason,
        "runs": s.runs,
        "samples": s.samples,
        "first_seen": s.first_seen.map(|t| when(Some(t))),
        "last_seen": s.last_seen.map(|t| when(Some(t))),
        "example_run": s.example.run_uuid,
        "example_error": s.example.error,
        "stderr_tail": s.stderr_tail,
        "deep": s.deep,
    })
}

fn names(list: &[String], most: usize) -> String {
    let shown: Vec<String> = list
        .iter()
        .take(most)
        .map(|s| sanitize::line(s).into_owned())
        .collect();
    match list.len().saturating_sub(most) {
        0 => shown.join(", "),
        n => format!("{}, … ({n} more)", shown.join(", ")),
    }
}

fn print_signatures(g: &RunGroup, sigs: &[Signature], deep: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}{}",
        label(g),
        sanitize::line(&triage::summary(sigs)),
        if deep {
            ""
        } else {
            " (from the runs' errors; --deep follows each call tree)"
        }
    );
    for s in sigs {
        let _ = writeln!(
            out,
            "\n#{}  {} run(s)  {}  {}",
            s.number,
            s.runs.len(),
            s.class.label(),
            sanitize::line(&s.task)
        );
        let _ = writeln!(out, "    {}", sanitize::line(&s.message));
        if !s.samples.is_empty() {
            let _ = writeln!(out, "    samples: {}", names(&s.samples, 8));
        }
        let _ = writeln!(
            out,
            "    first {}  last {}",
            when(s.first_seen),
            when(s.last_seen)
        );
        let first = s.example.error.lines().find(|l| !l.trim().is_empty());
        let _ = writeln!(
            out,
            "    example: run {}: {}",
            sanitize::line(&s.example.run_uuid),
            sanitize::line(first.unwrap_or("").trim())
        );
        if let Some(t) = s.stderr_tail.as_deref().filter(|t| !t.is_empty()) {
            let _ = writeln!(out, "    stderr (last lines):");
            for l in t.lines() {
                let _ = writeln!(out, "      {}", sanitize::line(l));
            }
        }
    }
    out
}

pub async fn triage(ctx: &Ctx, args: &TriageArgs) -> Result<(), CliError> {
    let (g, _runs, sigs) = analyse(ctx, &args.group, args.deep).await?;
    let Some(n) = args.signature else {
        if ctx.json {
            super::output::json(&json!({
                "RunGroupId": g.run_group_id,
                "summary": triage::summary(&sigs),
                "deep": args.deep,
                "signatures": sigs.iter().map(signature_json).collect::<Vec<_>>(),
            }))?;
        } else {
            super::output::write(&print_signatures(&g, &sigs, args.deep))?;
        }
        return Ok(());
    };
    let Some(sig) = sigs.iter().find(|s| s.number == n) else {
        return Err(CliError::NotFound(format!(
            "signature {n} not found; {} has {} signature(s)",
            label(&g),
            sigs.len()
        )));
    };
    if !args.retry {
        if ctx.json {
            super::output::json(&signature_json(sig))?;
        } else {
            super::output::write(&print_signatures(&g, std::slice::from_ref(sig), args.deep))?;
        }
        return Ok(());
    }
    let plan = retry::plan(&g, &sig.runs, &[], args.cache);
    if args.dry_run {
        return dry_run(
            ctx,
            "RetryRuns",
            &body::retry(&ctx.scope, &plan.request),
            &plan.notes,
        );
    }
    if !sig.class.retry_may_help() {
        eprintln!(
            "note: signature {n} is {}: a retry with the same inputs and resources will probably fail the same way",
            sig.class.label()
        );
    }
    print_notes(&plan.notes);
    confirm(
        &format!(
            "Retry the {} run(s) of signature {n} ({} in {}){}? This starts a new run group.",
            sig.runs.len(),
            sig.class.label(),
            sanitize::line(&sig.task),
            if args.cache {
                " with the call cache"
            } else {
                ""
            }
        ),
        args.yes,
    )?;
    let created = ctx.client.retry_runs(&ctx.scope, &plan.request).await?;
    report_created(ctx, "new run group", &created)
}

/// The latest attempt of each failed sample, across the project's runs of that sample.
fn still_failing(
    failed_samples: &[String],
    attempts: &std::collections::HashMap<String, Vec<Run>>,
) -> Vec<(String, Run)> {
    failed_samples
        .iter()
        .filter_map(|s| {
            let latest = attempts.get(s)?.first()?;
            let class = StatusClass::of(latest.status.as_deref().unwrap_or(""));
            (class == StatusClass::Failed).then(|| (s.clone(), latest.clone()))
        })
        .collect()
}

pub async fn report(ctx: &Ctx, args: &ReportArgs) -> Result<(), CliError> {
    let (g, runs, sigs) = analyse(ctx, &args.group, args.deep).await?;
    let failed_samples: Vec<String> = sigs.iter().flat_map(|s| s.samples.clone()).collect();
    let attempts = ctx
        .client
        .attempts(&ctx.scope, &failed_samples, PRIO)
        .await?;
    let still = still_failing(&failed_samples, &attempts);
    let ids: Vec<String> = runs
        .iter()
        .filter_map(|r| r.run_uuid.as_deref().map(str::to_string))
        .collect();
    let audit = crate::audit::for_group(ctx.data_dir.as_deref(), &args.group, &ids);
    let md = markdown(&g, &runs, &sigs, &still, &audit, args.deep);
    match &args.output {
        Some(path) => {
            std::fs::write(path, md)
                .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display())))?;
            eprintln!("wrote {}", path.display());
        }
        None => super::output::write(&md)?,
    }
    Ok(())
}

/// Text from the network inside Markdown: one clean line, its backticks kept from closing
/// a code span.
fn md(s: &str) -> String {
    sanitize::line(s).replace('`', "'")
}

fn markdown(
    g: &RunGroup,
    runs: &[Run],
    sigs: &[Signature],
    still: &[(String, Run)],
    audit: &[String],
    deep: bool,
) -> String {
    let mut o = String::new();
    let n = group::StatusCounts::of_group(g);
    let _ = writeln!(o, "# Run group {}\n", md(g.name.as_deref().unwrap_or("")));
    let _ = writeln!(o, "- Id: `{}`", md(g.run_group_id.as_deref().unwrap_or("")));
    let _ = writeln!(o, "- Status: {}", md(g.status.as_deref().unwrap_or("")));
    let _ = writeln!(
        o,
        "- Application: {} ({})",
        md(g.application_name.as_deref().unwrap_or("")),
        md(g.application_type.as_deref().unwrap_or(""))
    );
    let _ = writeln!(
        o,
        "- Runs: {} total, {} succeeded, {} failed, {} canceled, {} active",
        runs.len(),
        n.succeeded,
        n.failed,
        n.cancelled,
        n.active()
    );
    let _ = writeln!(o, "- Summary: {}", md(&triage::summary(sigs)));
    let _ = writeln!(
        o,
        "- Signatures from: {}\n",
        if deep {
            "each failed run's call tree (deep pass)"
        } else {
            "the runs' own errors"
        }
    );
    let _ = writeln!(o, "## Failure signatures\n");
    for s in sigs {
        let _ = writeln!(
            o,
            "### {}. {}: {} ({} runs)\n",
            s.number,
            md(&s.task),
            s.class.label(),
            s.runs.len()
        );
        let _ = writeln!(o, "- Cause: `{}`", md(&s.message));
        if let Some(r) = s.reason {
            let _ = writeln!(o, "- Classed by: \"{r}\"");
        }
        let _ = writeln!(
            o,
            "- Samples: {}",
            if s.samples.is_empty() {
                "-".into()
            } else {
                md(&s.samples.join(", "))
            }
        );
        let _ = writeln!(
            o,
            "- First seen {}, last seen {}",
            when(s.first_seen),
            when(s.last_seen)
        );
        let _ = writeln!(o, "- Example run `{}`:\n", md(&s.example.run_uuid));
        let _ = writeln!(
            o,
            "```text\n{}\n```\n",
            sanitize::text(&s.example.error).replace("```", "'''")
        );
        if let Some(t) = s.stderr_tail.as_deref().filter(|t| !t.is_empty()) {
            let _ = writeln!(
                o,
                "Last lines of its stderr:\n\n```text\n{}\n```\n",
                sanitize::text(t).replace("```", "'''")
            );
        }
    }
    let _ = writeln!(o, "## Samples still failing after their latest attempt\n");
    if still.is_empty() {
        let _ = writeln!(o, "None.\n");
    } else {
        let _ = writeln!(o, "| Sample | Latest run | Its group | Status | Error |");
        let _ = writeln!(o, "|---|---|---|---|---|");
        for (sample, r) in still {
            let _ = writeln!(
                o,
                "| {} | `{}` | `{}` | {} | {} |",
                md(sample).replace('|', "\\|"),
                md(r.run_uuid.as_deref().unwrap_or("")),
                md(r.run_group_id.as_deref().unwrap_or("")),
                md(r.status.as_deref().unwrap_or("")),
                md(error_message(r.error_message.as_deref().unwrap_or(""))
                    .lines()
                    .next()
                    .unwrap_or(""))
                .replace('|', "\\|")
            );
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "## Call cache\n");
    let expiring: Vec<&Run> = runs
        .iter()
        .filter(|r| StatusClass::of(r.status.as_deref().unwrap_or("")) == StatusClass::Failed)
        .filter(|r| {
            r.cache
                .as_ref()
                .and_then(|c| c.cache_clear_time.as_ref())
                .is_some()
        })
        .collect();
    let soonest = expiring
        .iter()
        .filter(|r| {
            !r.cache
                .as_ref()
                .and_then(|c| c.cache_cleared)
                .unwrap_or(false)
        })
        .filter_map(|r| r.cache.as_ref()?.cache_clear_time.as_ref()?.unix())
        .min();
    let cleared = expiring
        .iter()
        .filter(|r| {
            r.cache
                .as_ref()
                .and_then(|c| c.cache_cleared)
                .unwrap_or(false)
        })
        .count();
    let _ = writeln!(
        o,
        "- Soonest cache expiry among the failed runs: {}\n- Failed runs whose cache is already cleared: {cleared}\n",
        when(soonest)
    );
    let _ = writeln!(o, "## Changes made through omtop (audit log)\n");
    if audit.is_empty() {
        let _ = writeln!(o, "None recorded on this machine.");
    } else {
        for line in audit {
            let _ = writeln!(o, "- {}", md(line));
        }
    }
    o
}
