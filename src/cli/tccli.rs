//! `--print-tccli`: the request a command would send, as the tccli command that sends the
//! same, printed instead of sending it. Lookups a request depends on (a retry carries its
//! group's options) are still read; the request itself is not sent.

use serde_json::json;

use super::args::{Command, LogsArgs};
use super::commands::{group_filters, run_filters};
use super::{CliError, Ctx, mutate};
use crate::api::actions::body;
use crate::api::types::Filter;
use crate::api::{Call, Scope, tccli};

/// The requests `command` sends (for a paged list, its first page), with notes on what
/// omtop chose for it.
async fn calls(ctx: &Ctx, command: &Command) -> Result<(Vec<Call>, Vec<String>), CliError> {
    let scope = &ctx.scope;
    let one = |action, body| {
        Ok((
            vec![Call::new(action, scope.region.clone(), body)],
            Vec::new(),
        ))
    };
    match command {
        Command::Projects => Ok((
            ctx.regions
                .iter()
                .map(|r| {
                    let body = body::page(&Scope::new(r.clone(), None), &[], 0);
                    Call::new("DescribeProjects", r.clone(), body)
                })
                .collect(),
            Vec::new(),
        )),
        Command::Groups(a) => one("DescribeRunGroups", body::page(scope, &group_filters(a), 0)),
        Command::Runs(a) => one("DescribeRuns", body::page(scope, &run_filters(a), 0)),
        Command::Calls { run, path } => one("GetRunCalls", body::calls(scope, run, path)),
        Command::Status { run } => one("GetRunStatus", body::status(scope, run)),
        Command::Logs(LogsArgs {
            run,
            key,
            job,
            path,
            stderr,
            ..
        }) => match job {
            Some(job) => one(
                "GetRunJobLog",
                body::job_log(scope, run, job, path, *stderr),
            ),
            None => one(
                "GetRunMetadataFile",
                body::metadata_file(scope, run, key.as_deref().unwrap_or("nextflow.log")),
            ),
        },
        Command::Watch(a) => one(
            "DescribeRunGroups",
            body::page(scope, &[Filter::new("RunGroupId", [a.group.as_str()])], 0),
        ),
        Command::Terminate { group, .. } => one("TerminateRunGroup", body::terminate(scope, group)),
        Command::Retry(a) => {
            let planned = mutate::plan_retry(ctx, a).await?;
            let call = Call::new(
                "RetryRuns",
                scope.region.clone(),
                body::retry(scope, &planned.plan.request),
            );
            Ok((vec![call], planned.plan.notes))
        }
        Command::Launch(a) => {
            let (req, notes) = mutate::launch_request(ctx, a).await?;
            let call = Call::new(
                "RunApplication",
                scope.region.clone(),
                body::launch(scope, &req),
            );
            Ok((vec![call], notes))
        }
        Command::Envs(_)
        | Command::Volumes(_)
        | Command::Tables(_)
        | Command::Rows(_)
        | Command::Triage(_)
        | Command::Report(_) => Err(CliError::Usage(format!(
            "`{}` joins several requests, so it has no single tccli equivalent",
            command.name()
        ))),
        other => Err(CliError::Usage(format!(
            "`{}` sends no request of its own, so it has no tccli equivalent",
            other.name()
        ))),
    }
}

/// Prints the tccli command line of each request (`--json`: Action, Region, Body and the
/// line); nothing the command itself would send is sent.
pub async fn print(ctx: &Ctx, command: &Command) -> Result<u8, CliError> {
    let (calls, notes) = calls(ctx, command).await?;
    for n in &notes {
        eprintln!("note: {}", crate::sanitize::line(n));
    }
    if ctx.json {
        let out: Vec<_> = calls
            .iter()
            .map(|c| {
                json!({
                    "Action": c.action,
                    "Region": c.region,
                    "Body": c.body,
                    "Tccli": tccli::line(c, &ctx.tccli),
                })
            })
            .collect();
        super::output::json(&out)?;
    } else {
        let lines: String = calls
            .iter()
            .map(|c| tccli::line(c, &ctx.tccli) + "\n")
            .collect();
        super::output::write(&lines)?;
    }
    Ok(super::exit::OK)
}
