//! The actions that change the world: TerminateRunGroup, RetryRuns and RunApplication.
//! Each validates everything before changing anything, so an error answer means nothing
//! happened.

use std::sync::Mutex;

use base64::Engine;
use serde_json::json;

use crate::api::types::{NFOption, RunOption};

use super::handlers::{Req, lock, project_scope, run_in_project, to_json};
use super::names;
use super::params::{ApiErr, Res};
use super::templates::Lang;
use super::world::{GroupRec, World};

/// How many runs a RunApplication with a TableId and no TableRowUuids creates.
pub const DEFAULT_TABLE_ROWS: usize = 4;

fn group_not_found(id: &str) -> ApiErr {
    ApiErr::new(
        "ResourceNotFound.RunGroupNotExist",
        format!("The run group {id} does not exist."),
    )
}

fn status_not_supported(m: String) -> ApiErr {
    ApiErr::new("FailedOperation.StatusNotSupported", m)
}

fn find_group(w: &World, project: Option<usize>, id: &str) -> Res<usize> {
    w.group_by_id
        .get(id)
        .copied()
        .filter(|&g| Some(w.groups[g].project) == project)
        .ok_or_else(|| group_not_found(id))
}

/// Live runs become TERMINATED and so does the group; a finished group answers
/// `FailedOperation.StatusNotSupported`.
pub fn terminate_run_group(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let id = req.params.req_str("RunGroupId")?;
    let mut w = lock(world);
    let project = project_scope(&w, req)?;
    let g = find_group(&w, project, id)?;
    if !w.terminate(g, req.now) {
        let st = w.group_status(g, req.now);
        return Err(status_not_supported(format!(
            "The run group {id} is {st}; only a running group can be terminated."
        )));
    }
    Ok("{}".into())
}

/// Retries failed or terminated runs into a new run group. `RunGroupId` alone retries all
/// of its failed and terminated runs, and only once the group has finished; `RunUuids` must
/// all exist, belong to one group (the given one, if any) and be failed or terminated. The
/// options were checked against the reference's schema before (RunOption's FailureMode,
/// UseCallCache and UseErrorOnHold are required, NFVersion one of the listed versions).
pub fn retry_runs(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let p = &req.params;
    let group_id = p.opt_str("RunGroupId")?.filter(|s| !s.is_empty());
    let uuids = p.opt_str_list("RunUuids")?.filter(|v| !v.is_empty());
    let wdl: Option<RunOption> = p.opt_object("WDLOption")?;
    let nf: Option<NFOption> = p.opt_object("NFOption")?;
    if group_id.is_none() && uuids.is_none() {
        return Err(ApiErr::new(
            "MissingParameter",
            "The request needs `RunGroupId` or `RunUuids`.",
        ));
    }
    let mut w = lock(world);
    let project = project_scope(&w, req)?;
    let given = group_id.map(|id| find_group(&w, project, id)).transpose()?;
    // A group is retried by its id only once it has finished; while it runs, the service
    // refuses that and its failed runs must be named by RunUuids alone.
    if let Some(g) = given {
        let st = w.group_status(g, req.now);
        if crate::api::types::StatusClass::of(st).is_live() {
            return Err(status_not_supported(format!(
                "The run group {} is {st}; a run group can be retried only when it has finished. Retry its failed runs by RunUuids.",
                w.groups[g].id
            )));
        }
    }
    let (g, runs) = match uuids {
        None => {
            let g = given.ok_or_else(|| group_not_found(""))?;
            let runs: Vec<usize> = w.groups[g]
                .runs
                .iter()
                .copied()
                .filter(|&r| w.runs[r].is_retryable(req.now))
                .collect();
            if runs.is_empty() {
                return Err(status_not_supported(format!(
                    "The run group {} has no failed or terminated runs to retry.",
                    w.groups[g].id
                )));
            }
            (g, runs)
        }
        Some(ids) => {
            let mut runs = Vec::new();
            for id in &ids {
                let r = run_in_project(&w, id, project)?;
                let rg = w.runs[r].group;
                let owner = given
                    .or(runs.first().map(|&f: &usize| w.runs[f].group))
                    .unwrap_or(rg);
                if rg != owner {
                    return Err(ApiErr::new(
                        "InvalidParameterValue",
                        format!(
                            "The run {id} does not belong to run group {}.",
                            w.groups[owner].id
                        ),
                    ));
                }
                let st = w.runs[r].status(req.now);
                if !w.runs[r].is_retryable(req.now) {
                    return Err(status_not_supported(format!(
                        "The run {id} is {st}; only failed or terminated runs can be retried."
                    )));
                }
                if !runs.contains(&r) {
                    runs.push(r);
                }
            }
            (w.runs[runs[0]].group, runs)
        }
    };
    let id = w.retry(g, &runs, wdl, nf, req.now);
    to_json(&json!({ "RunGroupId": id }))
}

/// Starts an application: one run, or one per table row when `TableId` is given (the given
/// `TableRowUuids`, else four rows). Tables are not modelled beyond that.
pub fn run_application(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let p = &req.params;
    let app_id = p.req_str("ApplicationId")?;
    let name = p.req_str("Name")?;
    let env_id = p.req_str("EnvironmentId")?;
    let description = p.opt_str("Description")?.unwrap_or_default().to_string();
    let table_id = p.opt_str("TableId")?.unwrap_or_default().to_string();
    let rows = p.opt_str_list("TableRowUuids")?.unwrap_or_default();
    let version = p.opt_str("ApplicationVersionId")?;
    let option: Option<RunOption> = p.opt_object("Option")?;
    let nf_option: Option<NFOption> = p.opt_object("NFOption")?;
    for n in ["WorkDir", "AccessMode"] {
        p.opt_str(n)?;
    }
    p.opt_str_list("VolumeIds")?;
    let cache_clear_delay_hours = p.opt_int("CacheClearDelay")?.unwrap_or(0).max(0);
    if name.chars().count() > 128 || name.contains(['/', '\\']) {
        return Err(ApiErr::new(
            "InvalidParameterValue.InvalidName",
            format!("The name {name:?} is not valid."),
        ));
    }
    match (
        p.opt_str("InputBase64")?.filter(|s| !s.is_empty()),
        p.opt_str("InputCosUri")?.filter(|s| !s.is_empty()),
    ) {
        (Some(b64), _) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| {
                    ApiErr::new(
                        "InvalidParameterValue.InvalidBase64Encode",
                        format!("InputBase64 is not valid base64: {e}."),
                    )
                })?;
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .filter(serde_json::Value::is_object)
                .ok_or_else(|| {
                    ApiErr::new(
                        "InvalidParameterValue.InvalidInputJsonFormat",
                        "InputBase64 does not decode to a JSON object.",
                    )
                })?;
        }
        (None, Some(uri)) if !uri.starts_with("cos://") => {
            return Err(ApiErr::new(
                "InvalidParameterValue.InvalidCosKey",
                format!("InputCosUri must be a cos:// URI, got {uri:?}."),
            ));
        }
        (None, Some(_)) => {}
        (None, None) => {
            return Err(ApiErr::new(
                "MissingParameter",
                "The request needs `InputBase64` or `InputCosUri`.",
            ));
        }
    }
    let mut w = lock(world);
    let project = project_scope(&w, req)?.ok_or_else(|| {
        ApiErr::new(
            "ResourceNotFound.ProjectNotExist",
            format!("The region {} has no default project.", req.region),
        )
    })?;
    let app = w
        .app_recs
        .iter()
        .position(|a| a.id == app_id)
        .ok_or_else(|| {
            ApiErr::new(
                "ResourceNotFound.ApplicationNotExist",
                format!("The application {app_id} does not exist."),
            )
        })?;
    if let Some(v) = version.filter(|v| !v.is_empty() && *v != w.app_recs[app].version_id) {
        return Err(ApiErr::new(
            "ResourceNotFound.ApplicationVersionNotExist",
            format!("The application version {v} does not exist."),
        ));
    }
    let env = w
        .envs
        .iter()
        .position(|e| e.id == env_id && e.region == req.region)
        .ok_or_else(|| {
            ApiErr::new(
                "ResourceNotFound.EnvironmentNotExist",
                format!("The environment {env_id} does not exist in {}.", req.region),
            )
        })?;
    let lang = w.apps[app].template.lang;
    let count = match (table_id.is_empty(), rows.len()) {
        (true, _) => 1,
        (false, 0) => DEFAULT_TABLE_ROWS,
        (false, n) => n,
    };
    let id = names::word_id("run", &mut w.rng);
    let group = GroupRec {
        id: id.clone(),
        name: name.to_string(),
        description,
        project,
        app,
        env,
        created: req.now,
        runs: Vec::new(),
        option: (lang == Lang::Wdl).then(|| option.unwrap_or_default()),
        nf_option: (lang == Lang::Nextflow).then(|| nf_option.unwrap_or_default()),
        terminated: None,
        table_id: table_id.clone(),
        creator: "omtop".into(),
        retries: 0,
        cache_clear_delay_hours,
    };
    let g = w.add_group(group);
    for i in 0..count {
        let (sample, row) = if table_id.is_empty() {
            (String::new(), String::new())
        } else {
            let row = rows
                .get(i)
                .cloned()
                .unwrap_or_else(|| names::uuid(w.rng.next_u64()));
            (format!("S{:04}", i + 1), row)
        };
        let run = w.new_run(g, sample, row, req.now, i, None);
        w.add_run(run);
    }
    to_json(&json!({ "RunGroupId": id }))
}
