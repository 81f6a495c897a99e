//! `omtop launch --git URL`: RunWorkflow, a Nextflow workflow straight from a git
//! repository, confirmed, audited and sent once like every other launch.

use serde_json::Value;

use super::args::{LaunchArgs, WorkflowType};
use super::mutate::{confirm, dry_run, input_base64, nf_config, print_notes, report_created};
use super::{CliError, Ctx};
use crate::api::actions::body;
use crate::api::types::{GitInfo, NFOption};
use crate::api::{WorkflowRequest, schema};
use crate::sanitize;

/// Where a private repository's password or token is read from (never the command line,
/// so it stays out of shell history; it is never printed nor audited).
pub const GIT_TOKEN_ENV: &str = "OMTOP_GIT_TOKEN";

fn request(args: &LaunchArgs) -> Result<WorkflowRequest, CliError> {
    let kind = match args.workflow_type {
        Some(WorkflowType::Wdl) => "WDL",
        Some(WorkflowType::Nextflow) | None => "NEXTFLOW",
    };
    Ok(WorkflowRequest {
        name: args.name.clone(),
        environment_id: args.env.clone(),
        git_source: GitInfo {
            git_http_path: args.git.clone(),
            git_user_name: args.git_user.clone(),
            git_token_or_password: std::env::var(GIT_TOKEN_ENV).ok().filter(|t| !t.is_empty()),
            branch: args.branch.clone(),
            tag: args.tag.clone(),
        },
        kind: kind.into(),
        nf_option: NFOption {
            config: nf_config(args.nf_config.as_ref())?,
            profile: args.nf_profile.clone(),
            report: Some(args.report),
            resume: Some(args.cache),
            nf_version: args.nf_version.clone(),
            launch_dir: args.launch_dir.clone(),
        },
        description: args.description.clone(),
        input_base64: input_base64(args)?,
        input_cos_uri: args.input_cos.clone(),
        cache_clear_delay: args.cache_clear_delay,
        work_dir: args.work_dir.clone(),
        volume_ids: args.volumes.clone(),
        entrypoint: args.entrypoint.clone(),
    })
}

pub async fn launch(ctx: &Ctx, args: &LaunchArgs) -> Result<(), CliError> {
    let req = request(args)?;
    let sent = body::workflow(&ctx.scope, &req);
    let mut notes = Vec::new();
    if req.kind != "NEXTFLOW" {
        notes.push(
            "RunWorkflow runs Nextflow workflows only (the API reference lists no other Type); launch a WDL workflow from an application with --app"
                .to_string(),
        );
    }
    if args.dry_run {
        return dry_run(ctx, "RunWorkflow", &body::redacted(&sent), &notes);
    }
    if let Value::Object(m) = &sent
        && let Err(v) = schema::api().check("RunWorkflow", m)
    {
        print_notes(&notes);
        return Err(CliError::Usage(format!(
            "the API reference does not accept this request: {v}"
        )));
    }
    let url = args.git.as_deref().unwrap_or_default();
    let at = match (&args.branch, &args.tag) {
        (Some(b), _) => format!(" (branch {})", sanitize::line(b)),
        (None, Some(t)) => format!(" (tag {})", sanitize::line(t)),
        (None, None) => String::new(),
    };
    confirm(
        &format!(
            "Run the workflow {}{at} as run group {:?}?",
            sanitize::line(url),
            sanitize::line(&args.name)
        ),
        args.yes,
    )?;
    let created = ctx.client.run_workflow(&ctx.scope, &req).await?;
    report_created(ctx, "launched run group", &created)
}
