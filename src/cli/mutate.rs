//! The commands that change things (terminate, retry, launch) and `watch`.
//!
//! Mutations are confirmed: on a terminal omtop asks, elsewhere it needs `--yes`. Each is
//! sent once; an ambiguous failure is reported as "outcome unknown" with its own exit code,
//! and is never resent.

use std::io::{BufRead, IsTerminal, Write};

use base64::Engine;
use serde_json::json;

use super::args::{AccessMode, LaunchArgs, RetryArgs, WorkflowType};
use super::commands::PRIO;
use super::{CliError, Ctx};
use crate::api::actions::body;
use crate::api::types::{Filter, NFOption, RunGroup, RunOption, StatusClass};
use crate::api::{Created, LaunchRequest, group, retry, schema};
use crate::sanitize;

/// Asks on the terminal, or requires `--yes` when there is no one to ask.
pub(super) fn confirm(question: &str, yes: bool) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "{question}: refusing without --yes because stdin is not a terminal"
        )));
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::Cancelled)
    }
}

pub(super) async fn find_group(ctx: &Ctx, id: &str) -> Result<RunGroup, CliError> {
    let groups = ctx
        .client
        .describe_run_groups(&ctx.scope, &[Filter::new("RunGroupId", [id])], PRIO)
        .await?;
    groups
        .into_iter()
        .find(|g| g.run_group_id.as_deref() == Some(id))
        .ok_or_else(|| CliError::NotFound(format!("run group {id} not found in this project")))
}

/// The run group a run belongs to.
async fn group_of_run(ctx: &Ctx, run: &str) -> Result<String, CliError> {
    let runs = ctx
        .client
        .describe_runs(&ctx.scope, &[Filter::new("RunUuid", [run])], PRIO)
        .await?;
    runs.into_iter()
        .find_map(|r| r.run_group_id.map(String::from))
        .ok_or_else(|| CliError::NotFound(format!("run {run} not found in this project")))
}

/// Run counts of a group by what they mean.
fn counts(g: &RunGroup) -> group::StatusCounts {
    group::StatusCounts::of_group(g)
}

pub(super) fn label(g: &RunGroup) -> String {
    format!(
        "{} ({})",
        sanitize::line(g.run_group_id.as_deref().unwrap_or("?")),
        sanitize::line(g.name.as_deref().unwrap_or(""))
    )
}

/// `--dry-run`: the request as it would be sent, whether the reference accepts it, and
/// nothing sent. Exit 0 when it is valid, 2 when it is not.
pub(super) fn dry_run(
    ctx: &Ctx,
    action: &str,
    body: &serde_json::Value,
    notes: &[String],
) -> Result<(), CliError> {
    let verdict = match body {
        serde_json::Value::Object(m) => schema::api().check(action, m),
        _ => Ok(()),
    };
    if ctx.json {
        super::output::json(&json!({
            "Action": action,
            "Region": ctx.scope.region,
            "Body": body,
            "Notes": notes,
            "Valid": verdict.is_ok(),
            "Sent": false,
        }))?;
    } else {
        let pretty = serde_json::to_string_pretty(body).unwrap_or_default();
        super::output::write(&format!(
            "{action} in {} (dry run: nothing sent)\n{}\n",
            sanitize::line(&ctx.scope.region),
            sanitize::text(&pretty)
        ))?;
    }
    for n in notes {
        eprintln!("note: {}", sanitize::line(n));
    }
    verdict.map_err(|v| {
        CliError::Usage(format!(
            "the API reference does not accept this request: {v}"
        ))
    })
}

pub(super) fn print_notes(notes: &[String]) {
    for n in notes {
        eprintln!("note: {}", sanitize::line(n));
    }
}

pub async fn terminate(ctx: &Ctx, group: &str, yes: bool, dry: bool) -> Result<(), CliError> {
    let g = find_group(ctx, group).await?;
    if dry {
        return dry_run(
            ctx,
            "TerminateRunGroup",
            &body::terminate(&ctx.scope, group),
            &[],
        );
    }
    let active = counts(&g).active();
    confirm(
        &format!(
            "Terminate run group {} with {active} active run(s)?",
            label(&g)
        ),
        yes,
    )?;
    let request_id = ctx.client.terminate_run_group(&ctx.scope, group).await?;
    if ctx.json {
        super::output::json(&json!({"RunGroupId": group, "RequestId": request_id}))?;
    } else {
        super::output::write(&format!(
            "terminated {} (RequestId {})\n",
            sanitize::line(group),
            sanitize::line(&request_id)
        ))?;
    }
    Ok(())
}

/// The ids of a group's runs that failed so far.
async fn failed_runs(ctx: &Ctx, group: &str) -> Result<Vec<String>, CliError> {
    let runs = ctx
        .client
        .describe_runs(&ctx.scope, &[Filter::new("RunGroupId", [group])], PRIO)
        .await?;
    Ok(runs
        .into_iter()
        .filter(|r| StatusClass::of(r.status.as_deref().unwrap_or("")) == StatusClass::Failed)
        .filter_map(|r| r.run_uuid.map(String::from))
        .collect())
}

/// A retry worked out: the group, whether it is still running, its runs failed so far
/// (when it is and no runs were named), and the request.
pub(super) struct PlannedRetry {
    pub group: RunGroup,
    pub live: bool,
    pub failed_now: Vec<String>,
    pub plan: retry::RetryPlan,
}

/// Looks up what a retry needs (reads only) and plans the request.
pub(super) async fn plan_retry(ctx: &Ctx, args: &RetryArgs) -> Result<PlannedRetry, CliError> {
    // The group's own options are carried into the request, so it is always looked up.
    let group_id = match &args.group {
        Some(g) => g.clone(),
        None => group_of_run(ctx, &args.run[0]).await?,
    };
    let g = find_group(ctx, &group_id).await?;
    let live = group::is_live(&g);
    let failed_now = if live && args.run.is_empty() {
        failed_runs(ctx, &group_id).await?
    } else {
        Vec::new()
    };
    let plan = retry::plan(&g, &args.run, &failed_now, args.cache);
    Ok(PlannedRetry {
        group: g,
        live,
        failed_now,
        plan,
    })
}

pub async fn retry(ctx: &Ctx, args: &RetryArgs) -> Result<(), CliError> {
    let PlannedRetry {
        group: g,
        live,
        failed_now,
        plan,
    } = plan_retry(ctx, args).await?;
    if args.dry_run {
        return dry_run(
            ctx,
            "RetryRuns",
            &body::retry(&ctx.scope, &plan.request),
            &plan.notes,
        );
    }
    let what = match (live, args.run.len()) {
        (false, 0) => {
            let n = group::StatusCounts::of_group(&g);
            format!(
                "the {} failed and {} canceled run(s) of run group {}",
                n.failed,
                n.cancelled,
                label(&g)
            )
        }
        (true, 0) if failed_now.is_empty() => {
            return Err(CliError::NotFound(format!(
                "run group {} is still running and has no failed runs yet",
                label(&g)
            )));
        }
        (true, 0) => format!(
            "the {} run(s) of run group {} failed so far (it is still running, so they are named one by one)",
            failed_now.len(),
            label(&g)
        ),
        (_, n) => format!("{n} run(s) of run group {}", label(&g)),
    };
    let how = if !args.cache {
        " from scratch"
    } else if group::is_nextflow(&g) {
        " with -resume"
    } else {
        " with the call cache"
    };
    print_notes(&plan.notes);
    confirm(
        &format!("Retry {what}{how}? This starts a new run group."),
        args.yes,
    )?;
    let created = ctx.client.retry_runs(&ctx.scope, &plan.request).await?;
    report_created(ctx, "new run group", &created)
}

/// Whether the application runs Nextflow: said by the user, implied by Nextflow flags, or
/// seen on the application's earlier run groups.
async fn launch_type(
    ctx: &Ctx,
    args: &LaunchArgs,
) -> Result<(WorkflowType, Option<String>), CliError> {
    if let Some(t) = args.workflow_type {
        return Ok((t, None));
    }
    let nf_flags = args.nf_version.is_some()
        || args.nf_profile.is_some()
        || args.nf_config.is_some()
        || args.report
        || args.launch_dir.is_some();
    if nf_flags {
        return Ok((WorkflowType::Nextflow, None));
    }
    let app = args.app.as_deref().unwrap_or_default();
    let groups = ctx
        .client
        .describe_run_groups(&ctx.scope, &[Filter::new("ApplicationId", [app])], PRIO)
        .await?;
    match groups.first() {
        Some(g) if group::is_nextflow(g) => Ok((WorkflowType::Nextflow, None)),
        Some(_) => Ok((WorkflowType::Wdl, None)),
        None => Ok((
            WorkflowType::Wdl,
            Some(
                "the application has no run groups yet to tell its type: sending WDL options (--workflow-type NEXTFLOW for a Nextflow application)"
                    .into(),
            ),
        )),
    }
}

pub(super) fn nf_config(arg: Option<&String>) -> Result<Option<String>, CliError> {
    match arg.map(String::as_str) {
        Some(v) if v.starts_with('@') => std::fs::read_to_string(&v[1..])
            .map(Some)
            .map_err(|e| CliError::Usage(format!("cannot read --nf-config {}: {e}", &v[1..]))),
        other => Ok(other.map(str::to_string)),
    }
}

/// The inputs as InputBase64: `--input-file` or `--input-json`, checked to be JSON; `None`
/// when they are given as `--input-cos`.
pub(super) fn input_base64(args: &LaunchArgs) -> Result<Option<String>, CliError> {
    let input_json = match (&args.input_file, &args.input_json) {
        (Some(path), _) => Some(std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!("cannot read --input-file {}: {e}", path.display()))
        })?),
        (None, Some(j)) => Some(j.clone()),
        (None, None) => None,
    };
    if let Some(j) = &input_json {
        serde_json::from_str::<serde_json::Value>(j)
            .map_err(|e| CliError::Usage(format!("the inputs are not valid JSON: {e}")))?;
    }
    Ok(input_json.map(|j| base64::engine::general_purpose::STANDARD.encode(j.as_bytes())))
}

/// The RunApplication request for the arguments (reading the application's earlier run
/// groups when its type must be told), and notes on what omtop chose.
pub(super) async fn launch_request(
    ctx: &Ctx,
    args: &LaunchArgs,
) -> Result<(LaunchRequest, Vec<String>), CliError> {
    let Some(app) = args.app.clone() else {
        return Err(CliError::Usage("launch needs --app or --git".into()));
    };
    let input_base64 = input_base64(args)?;
    let (kind, note) = launch_type(ctx, args).await?;
    let notes: Vec<String> = note.into_iter().collect();
    let (option, nf_option) = match kind {
        WorkflowType::Wdl => (
            Some(RunOption {
                failure_mode: Some(args.failure_mode.as_str().into()),
                use_call_cache: Some(args.cache),
                use_error_on_hold: Some(args.error_on_hold),
                final_workflow_outputs_dir: args.outputs_dir.as_deref().map(Into::into),
                use_relative_output_paths: args.relative_output_paths.then_some(true),
                add_run_info_to_output_dir: args.add_run_info.then_some(true),
            }),
            None,
        ),
        WorkflowType::Nextflow => (
            None,
            Some(NFOption {
                config: nf_config(args.nf_config.as_ref())?,
                profile: args.nf_profile.clone(),
                report: Some(args.report),
                resume: Some(args.cache),
                nf_version: args.nf_version.clone(),
                launch_dir: args.launch_dir.clone(),
            }),
        ),
    };
    let req = LaunchRequest {
        application_id: app,
        name: args.name.clone(),
        environment_id: args.env.clone(),
        description: args.description.clone(),
        input_base64,
        input_cos_uri: args.input_cos.clone(),
        table_id: args.table.clone(),
        table_row_uuids: args.rows.clone(),
        application_version_id: args.app_version.clone(),
        option,
        nf_option,
        work_dir: args.work_dir.clone(),
        cache_clear_delay: args.cache_clear_delay,
        access_mode: args.access_mode.map(|m| {
            match m {
                AccessMode::Private => "PRIVATE",
                AccessMode::Public => "PUBLIC",
            }
            .to_string()
        }),
        volume_ids: args.volumes.clone(),
    };
    Ok((req, notes))
}

pub async fn launch(ctx: &Ctx, args: &LaunchArgs) -> Result<(), CliError> {
    if args.git.is_some() {
        return super::workflow::launch(ctx, args).await;
    }
    let (req, notes) = launch_request(ctx, args).await?;
    if args.dry_run {
        return dry_run(
            ctx,
            "RunApplication",
            &body::launch(&ctx.scope, &req),
            &notes,
        );
    }
    print_notes(&notes);
    confirm(
        &format!(
            "Launch application {} as run group {:?}?",
            sanitize::line(&req.application_id),
            sanitize::line(&args.name)
        ),
        args.yes,
    )?;
    let created = ctx.client.run_application(&ctx.scope, &req).await?;
    report_created(ctx, "launched run group", &created)
}

pub(super) fn report_created(ctx: &Ctx, what: &str, created: &Created) -> Result<(), CliError> {
    if ctx.json {
        super::output::json(&json!({
            "RunGroupId": created.run_group_id, "RequestId": created.request_id
        }))?;
    } else {
        super::output::write(&format!(
            "{what} {} (RequestId {})\n",
            sanitize::line(&created.run_group_id),
            sanitize::line(&created.request_id)
        ))?;
    }
    Ok(())
}
