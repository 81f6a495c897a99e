//! The actions that change the world: TerminateRunGroup, RetryRuns, RunApplication and
//! RunWorkflow. Each validates everything before changing anything, so an error answer
//! means nothing happened.

use std::sync::Mutex;

use base64::Engine;
use serde_json::json;

use crate::api::types::{GitInfo, NFOption, RunOption};

use super::handlers::{Req, lock, project_scope, run_in_project, to_json};
use super::names;
use super::params::{ApiErr, Params, Res};
use super::templates::Lang;
use super::world::{GitSource, GroupRec, World};

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

/// Live runs become CANCELING, then CANCELED; the group ends COMPLETE_ERROR once they are
/// (see `World::group_status`). A finished or already terminated group answers
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

/// A run group's name: at most 128 characters, no slashes.
fn check_name(name: &str) -> Res<()> {
    if name.chars().count() > 128 || name.contains(['/', '\\']) {
        return Err(ApiErr::new(
            "InvalidParameterValue.InvalidName",
            format!("The name {name:?} is not valid."),
        ));
    }
    Ok(())
}

/// `InputBase64` (base64 of a JSON object) or `InputCosUri` (a cos:// URI): one is needed.
fn check_input(p: &Params) -> Res<()> {
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
            Ok(())
        }
        (None, Some(uri)) if !uri.starts_with("cos://") => Err(ApiErr::new(
            "InvalidParameterValue.InvalidCosKey",
            format!("InputCosUri must be a cos:// URI, got {uri:?}."),
        )),
        (None, Some(_)) => Ok(()),
        (None, None) => Err(ApiErr::new(
            "MissingParameter",
            "The request needs `InputBase64` or `InputCosUri`.",
        )),
    }
}

/// The project a launch goes to: `ProjectId`, else the region's default.
fn launch_project(w: &World, req: &Req<'_>) -> Res<usize> {
    project_scope(w, req)?.ok_or_else(|| {
        ApiErr::new(
            "ResourceNotFound.ProjectNotExist",
            format!("The region {} has no default project.", req.region),
        )
    })
}

/// An environment of the request's region that accepts work.
fn launch_env(w: &World, req: &Req<'_>, id: &str) -> Res<usize> {
    let e = w
        .envs
        .iter()
        .position(|e| e.id == id && e.region == req.region)
        .ok_or_else(|| {
            ApiErr::new(
                "ResourceNotFound.EnvironmentNotExist",
                format!("The environment {id} does not exist in {}.", req.region),
            )
        })?;
    let env = &w.envs[e];
    if !env.available {
        return Err(ApiErr::new(
            "InvalidParameterValue.EnvironmentNotAvailable",
            format!(
                "The environment {id} is {} and not available: {}",
                env.status, env.message
            ),
        ));
    }
    Ok(e)
}

/// `VolumeIds` must be volumes of the environment.
fn check_volumes(w: &World, env: usize, p: &Params) -> Res<()> {
    for v in p.opt_str_list("VolumeIds")?.unwrap_or_default() {
        if !w.envs[env].volumes.iter().any(|x| x.id == v) {
            return Err(ApiErr::new(
                "ResourceNotFound",
                format!(
                    "The volume {v} does not exist in environment {}.",
                    w.envs[env].id
                ),
            ));
        }
    }
    Ok(())
}

/// Starts an application: one run, or one per table row when `TableId` is given (the
/// given `TableRowUuids`, else every row of the table), each run's UserDefinedId the row's
/// first cell. The table must be one of the project's (`ResourceNotFound.TableNotExist`),
/// the rows its own (`ResourceNotFound.TableRowNotExist`), the environment available
/// (`InvalidParameterValue.EnvironmentNotAvailable`).
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
    let cache_clear_delay_hours = p.opt_int("CacheClearDelay")?.unwrap_or(0).max(0);
    check_name(name)?;
    check_input(p)?;
    let mut w = lock(world);
    let project = launch_project(&w, req)?;
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
    let env = launch_env(&w, req, env_id)?;
    check_volumes(&w, env, p)?;
    // (sample, TableRowUuid) of each run.
    let samples: Vec<(String, String)> = if table_id.is_empty() {
        vec![(String::new(), String::new())]
    } else {
        let table = w
            .tables
            .iter()
            .find(|t| t.id == table_id && t.project == project)
            .ok_or_else(|| {
                ApiErr::new(
                    "ResourceNotFound.TableNotExist",
                    format!("The table {table_id} does not exist in this project."),
                )
            })?;
        let row = |uuid: &str| {
            table
                .rows
                .iter()
                .find(|(u, _)| u == uuid)
                .map(|(u, cells)| (cells.first().cloned().unwrap_or_default(), u.clone()))
                .ok_or_else(|| {
                    ApiErr::new(
                        "ResourceNotFound.TableRowNotExist",
                        format!("The row {uuid} does not exist in table {table_id}."),
                    )
                })
        };
        if rows.is_empty() {
            table
                .rows
                .iter()
                .map(|(u, cells)| (cells.first().cloned().unwrap_or_default(), u.clone()))
                .collect()
        } else {
            rows.iter().map(|u| row(u)).collect::<Res<Vec<_>>>()?
        }
    };
    let lang = w.apps[app].template.lang;
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
        git: None,
        cache_clear_delay_hours,
    };
    let g = w.add_group(group);
    for (i, (sample, row)) in samples.into_iter().enumerate() {
        let run = w.new_run(g, sample, row, req.now, i, None);
        w.add_run(run);
    }
    to_json(&json!({ "RunGroupId": id }))
}

/// The simulator's Nextflow pipeline a repository runs as: one of its nf-core pipelines
/// when the repository's name says so, else rnaseq's shape.
fn pipeline_for(w: &World, url: &str) -> usize {
    let lower = url.to_ascii_lowercase();
    let nextflow: Vec<usize> = (0..w.apps.len())
        .filter(|&a| w.apps[a].template.lang == Lang::Nextflow)
        .collect();
    nextflow
        .iter()
        .copied()
        .filter(|&a| lower.contains(w.apps[a].group_prefix))
        .max_by_key(|&a| w.apps[a].group_prefix.len())
        .or_else(|| nextflow.first().copied())
        .unwrap_or(0)
}

/// Runs a Nextflow workflow from git: one run. `GitSource.GitHttpPath` must be an http(s)
/// URL; `Branch` and `Tag` may not both be given (the reference is silent; the simulator
/// refuses the ambiguity). The input, environment and volumes are checked as for
/// RunApplication. The schema check has already required Name, EnvironmentId, GitSource,
/// Type (only `NEXTFLOW`) and NFOption.
pub fn run_workflow(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let p = &req.params;
    let name = p.req_str("Name")?;
    let env_id = p.req_str("EnvironmentId")?;
    let git: GitInfo = p.opt_object("GitSource")?.unwrap_or_default();
    let nf_option: NFOption = p.opt_object("NFOption")?.unwrap_or_default();
    let description = p.opt_str("Description")?.unwrap_or_default().to_string();
    let entrypoint = p.opt_str("Entrypoint")?.unwrap_or_default().to_string();
    p.opt_str("WorkDir")?;
    p.opt_int("CacheClearDelay")?;
    check_name(name)?;
    let url = git.git_http_path.clone().unwrap_or_default();
    let bad = |m: String| ApiErr::new("InvalidParameterValue", m);
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() < 12 {
        return Err(bad(format!(
            "GitSource.GitHttpPath must be an http(s) URL of a repository, got {url:?}."
        )));
    }
    let (branch, tag) = (
        git.branch.clone().unwrap_or_default(),
        git.tag.clone().unwrap_or_default(),
    );
    if !branch.is_empty() && !tag.is_empty() {
        return Err(bad(
            "GitSource takes a Branch or a Tag, not both.".to_string()
        ));
    }
    check_input(p)?;
    let mut w = lock(world);
    let project = launch_project(&w, req)?;
    let env = launch_env(&w, req, env_id)?;
    check_volumes(&w, env, p)?;
    let app = pipeline_for(&w, &url);
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
        option: None,
        nf_option: Some(nf_option),
        terminated: None,
        table_id: String::new(),
        creator: "omtop".into(),
        retries: 0,
        cache_clear_delay_hours: 0,
        git: Some(GitSource {
            url,
            user: git.git_user_name.unwrap_or_default(),
            branch,
            tag,
            entrypoint,
        }),
    };
    let g = w.add_group(group);
    let run = w.new_run(g, String::new(), String::new(), req.now, 0, None);
    w.add_run(run);
    to_json(&json!({ "RunGroupId": id }))
}
