//! The commands that change things (terminate, retry, launch) and `watch`.
//!
//! Mutations are confirmed: on a terminal omtop asks, elsewhere it needs `--yes`. Each is
//! sent once; an ambiguous failure is reported as "outcome unknown" with its own exit code,
//! and is never resent.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use base64::Engine;
use serde_json::json;

use super::args::{LaunchArgs, RetryArgs};
use super::commands::PRIO;
use super::{CliError, Ctx};
use crate::api::types::{Filter, NFOption, RunGroup, RunOption, StatusClass};
use crate::api::{Created, LaunchRequest, RetryRequest};
use crate::sanitize;

/// Asks on the terminal, or requires `--yes` when there is no one to ask.
fn confirm(question: &str, yes: bool) -> Result<(), CliError> {
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

async fn find_group(ctx: &Ctx, id: &str) -> Result<RunGroup, CliError> {
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
#[derive(Debug, Default)]
struct Counts {
    active: i64,
    failed: i64,
    terminated: i64,
}

fn counts(g: &RunGroup) -> Counts {
    let mut n = Counts::default();
    for c in g.run_status_counts.iter().flatten() {
        let count = c.count.unwrap_or(0);
        match StatusClass::of(c.status.as_deref().unwrap_or("")) {
            class if class.is_live() => n.active += count,
            StatusClass::Failed => n.failed += count,
            StatusClass::Cancelled => n.terminated += count,
            _ => {}
        }
    }
    n
}

fn label(g: &RunGroup) -> String {
    format!(
        "{} ({})",
        sanitize::line(g.run_group_id.as_deref().unwrap_or("?")),
        sanitize::line(g.name.as_deref().unwrap_or(""))
    )
}

pub async fn terminate(ctx: &Ctx, group: &str, yes: bool) -> Result<(), CliError> {
    let g = find_group(ctx, group).await?;
    let active = counts(&g).active;
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

pub async fn retry(ctx: &Ctx, args: &RetryArgs) -> Result<(), CliError> {
    let mut req = RetryRequest {
        run_group_id: args.group.clone(),
        run_uuids: args.run.clone(),
        ..RetryRequest::default()
    };
    let what = match (&args.group, args.run.len()) {
        (Some(g), 0) => format!("the failed runs of run group {}", sanitize::line(g)),
        (Some(g), n) => format!("{n} run(s) of run group {}", sanitize::line(g)),
        (None, n) => format!("{n} run(s)"),
    };
    if args.cache {
        // The option that applies depends on the group's workflow language.
        let group_id = match &args.group {
            Some(g) => g.clone(),
            None => group_of_run(ctx, &args.run[0]).await?,
        };
        let g = find_group(ctx, &group_id).await?;
        let is_nextflow = g
            .kind
            .or(g.application_type)
            .is_some_and(|k| k.eq_ignore_ascii_case("NEXTFLOW"));
        if is_nextflow {
            req.nf_option = Some(NFOption {
                resume: Some(true),
                ..NFOption::default()
            });
        } else {
            req.wdl_option = Some(RunOption {
                use_call_cache: Some(true),
                ..RunOption::default()
            });
        }
    }
    let how = if args.cache { " with call cache" } else { "" };
    confirm(
        &format!("Retry {what}{how}? This starts a new run group."),
        args.yes,
    )?;
    let created = ctx.client.retry_runs(&ctx.scope, &req).await?;
    report_created(ctx, "new run group", &created)
}

pub async fn launch(ctx: &Ctx, args: &LaunchArgs) -> Result<(), CliError> {
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
    let req = LaunchRequest {
        application_id: args.app.clone(),
        name: args.name.clone(),
        environment_id: args.env.clone(),
        description: args.description.clone(),
        input_base64: input_json
            .map(|j| base64::engine::general_purpose::STANDARD.encode(j.as_bytes())),
        input_cos_uri: args.input_cos.clone(),
        table_id: args.table.clone(),
        option: args.cache.then(|| RunOption {
            use_call_cache: Some(true),
            ..RunOption::default()
        }),
        ..LaunchRequest::default()
    };
    confirm(
        &format!(
            "Launch application {} as run group {:?}?",
            sanitize::line(&args.app),
            sanitize::line(&args.name)
        ),
        args.yes,
    )?;
    let created = ctx.client.run_application(&ctx.scope, &req).await?;
    report_created(ctx, "launched run group", &created)
}

fn report_created(ctx: &Ctx, what: &str, created: &Created) -> Result<(), CliError> {
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

/// How a watched group ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Succeeded,
    Failed,
    Terminated,
}

pub async fn watch(ctx: &Ctx, group: &str, interval: u64) -> Result<Finish, CliError> {
    let interval = Duration::from_secs(interval.max(1));
    let mut last_line = String::new();
    loop {
        let g = match find_group(ctx, group).await {
            Ok(g) => g,
            // The client already retried; a flaky link should not end a long watch.
            Err(CliError::Api(e)) if e.is_retryable_read() => {
                eprintln!(
                    "warning: {}; still watching",
                    sanitize::line(&e.to_string())
                );
                tokio::time::sleep(interval).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        let status = g.status.clone().unwrap_or_default();
        let Counts {
            active,
            failed,
            terminated,
        } = counts(&g);
        let total = g.total_run.unwrap_or(0);
        let line = format!(
            "{}: {} — {active} active, {failed} failed, {terminated} terminated, {total} total",
            label(&g),
            sanitize::line(&status)
        );
        if line != last_line {
            eprintln!("{line}");
            last_line = line;
        }
        if let Some(finish) = ended(&g) {
            if ctx.json {
                super::output::json(&g)?;
            }
            return Ok(finish);
        }
        tokio::time::sleep(interval).await;
    }
}

/// How a group ended, or `None` while it has not. Only a status known to be final ends a
/// watch; one never seen before is shown and watched further.
fn ended(g: &RunGroup) -> Option<Finish> {
    let class = StatusClass::of(g.status.as_deref().unwrap_or_default());
    let Counts {
        active,
        failed,
        terminated,
    } = counts(g);
    let finished = matches!(
        class,
        StatusClass::Succeeded | StatusClass::Failed | StatusClass::Cancelled
    );
    if !finished || active > 0 {
        return None;
    }
    // Runs are only ever canceled by terminating their group: a group with canceled runs
    // was terminated, whatever became of the rest.
    Some(match class {
        StatusClass::Cancelled => Finish::Terminated,
        _ if terminated > 0 => Finish::Terminated,
        StatusClass::Succeeded if failed == 0 => Finish::Succeeded,
        _ => Finish::Failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::RunStatusCount;

    fn group(status: &str, counts: &[(&str, i64)]) -> RunGroup {
        RunGroup {
            status: Some(status.into()),
            total_run: Some(counts.iter().map(|c| c.1).sum()),
            run_status_counts: Some(
                counts
                    .iter()
                    .map(|(s, n)| RunStatusCount {
                        status: Some((*s).into()),
                        count: Some(*n),
                    })
                    .collect(),
            ),
            ..RunGroup::default()
        }
    }

    #[test]
    fn canceling_runs_are_active_and_canceled_ones_mean_terminated() {
        let canceling = group("RUNNING", &[("CANCELING", 34)]);
        assert_eq!(counts(&canceling).active, 34);
        assert_eq!(ended(&canceling), None);
        // The service ends a terminated group COMPLETE_ERROR (its reference shows one with
        // every run CANCELED), failed runs or not: it was still terminated.
        let cases = [
            (
                group("COMPLETE_ERROR", &[("CANCELED", 30)]),
                Finish::Terminated,
            ),
            (
                group("COMPLETE_ERROR", &[("CANCELED", 20), ("EXECUTOR_ERROR", 2)]),
                Finish::Terminated,
            ),
            (
                group("TERMINATED", &[("TERMINATED", 3)]),
                Finish::Terminated,
            ),
            (
                group("COMPLETE_ERROR", &[("SUCCESS", 3), ("EXECUTOR_ERROR", 1)]),
                Finish::Failed,
            ),
            (group("COMPLETE", &[("SUCCESS", 4)]), Finish::Succeeded),
        ];
        for (g, want) in cases {
            assert_eq!(ended(&g), Some(want), "{:?}", g.run_status_counts);
        }
    }
}
