//! One function per read action. Each checks its parameters as the spec lists them and
//! answers the body of `Response` (without RequestId) as JSON text.
//!
//! Every run-level action is scoped to a project: `ProjectId` if given (it must be a project
//! of the request's region, else `ResourceNotFound.ProjectNotExist`), else the region's
//! default project. ap-beijing has only its default project, with no run groups yet. A run
//! or group of another project is reported as not existing.

use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::json;

use super::calls::{Ctx, PathError};
use super::files::{self, NEXTFLOW_LOG, REPORT_FILES, URL_TTL_SECS};
use super::params::{ApiErr, Params, Res, matches};
use super::render;
use super::shards;
use super::templates::{AppSpec, Kind, Lang};
use super::text;
use super::world::{RunRec, World};

/// What every handler gets besides its parameters.
pub struct Req<'a> {
    pub region: &'a str,
    pub params: Params,
    /// The sim clock, Unix ms.
    pub now: i64,
    /// `http://127.0.0.1:PORT`, for presigned URLs.
    pub base_url: &'a str,
    pub file_secret: &'a [u8],
}

pub fn lock(world: &Mutex<World>) -> MutexGuard<'_, World> {
    world
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub fn to_json(v: &impl serde::Serialize) -> Res<String> {
    serde_json::to_string(v)
        .map_err(|e| ApiErr::new("InternalError", format!("encoding the answer failed: {e}")))
}

/// The project a request is scoped to (`None`: the region has no default project).
pub fn project_scope(w: &World, req: &Req<'_>) -> Res<Option<usize>> {
    match req.params.opt_str("ProjectId")?.filter(|s| !s.is_empty()) {
        Some(id) => w
            .projects
            .iter()
            .position(|p| p.id == id && p.region == req.region)
            .map(Some)
            .ok_or_else(|| {
                ApiErr::new(
                    "ResourceNotFound.ProjectNotExist",
                    format!("The project {id} does not exist in {}.", req.region),
                )
            }),
        None => Ok(w
            .projects
            .iter()
            .position(|p| p.is_default && p.region == req.region)),
    }
}

/// Groups of a project, newest first.
pub fn groups_of(w: &World, project: Option<usize>) -> Vec<usize> {
    let mut v: Vec<usize> = (0..w.groups.len())
        .filter(|&g| Some(w.groups[g].project) == project)
        .collect();
    v.sort_by_key(|&g| std::cmp::Reverse((w.groups[g].created, g)));
    v
}

pub fn describe_projects(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let p = &req.params;
    let (limit, offset) = p.page()?;
    let filters = p.filters(&["Name", "ProjectId", "Region"])?;
    let w = lock(world);
    let all: Vec<usize> = (0..w.projects.len())
        .filter(|&i| w.projects[i].region == req.region)
        .filter(|&i| {
            let pr = &w.projects[i];
            matches(&filters, |f| match f {
                "Name" => (pr.name.clone(), true),
                "ProjectId" => (pr.id.clone(), false),
                _ => (pr.region.to_string(), false),
            })
        })
        .collect();
    let page: Vec<_> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&i| render::project(&w, i))
        .collect();
    to_json(&json!({"TotalCount": all.len(), "Projects": page}))
}

pub fn describe_run_groups(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let p = &req.params;
    let (limit, offset) = p.page()?;
    let filters = p.filters(&["Name", "RunGroupId", "Status", "ApplicationId", "Type"])?;
    let w = lock(world);
    let project = project_scope(&w, req)?;
    let all: Vec<usize> = groups_of(&w, project)
        .into_iter()
        .filter(|&g| {
            let group = &w.groups[g];
            matches(&filters, |f| match f {
                "Name" => (group.name.clone(), true),
                "RunGroupId" => (group.id.clone(), false),
                "Status" => (w.group_status(g, req.now).to_string(), false),
                "ApplicationId" => (w.app_recs[group.app].id.clone(), false),
                _ => (w.lang_of_group(g).as_str().to_string(), false),
            })
        })
        .collect();
    let page: Vec<_> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&g| render::run_group(&w, g, req.now))
        .collect();
    to_json(&json!({"TotalCount": all.len(), "RunGroups": page}))
}

pub fn describe_runs(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let p = &req.params;
    let (limit, offset) = p.page()?;
    let filters = p.filters(&[
        "RunGroupId",
        "Status",
        "RunUuid",
        "ApplicationId",
        "UserDefinedId",
    ])?;
    let w = lock(world);
    let project = project_scope(&w, req)?;
    // With a RunGroupId filter only those groups' runs are looked at.
    let wanted_groups: Option<&Vec<String>> = filters
        .iter()
        .find(|f| f.name == "RunGroupId")
        .map(|f| &f.values);
    let groups: Vec<usize> = groups_of(&w, project)
        .into_iter()
        .filter(|&g| wanted_groups.is_none_or(|ids| ids.contains(&w.groups[g].id)))
        .collect();
    let all: Vec<usize> = groups
        .iter()
        .flat_map(|&g| w.groups[g].runs.iter().copied())
        .filter(|&r| {
            let run = &w.runs[r];
            matches(&filters, |f| match f {
                "RunGroupId" => (w.groups[run.group].id.clone(), false),
                "Status" => (run.status(req.now).to_string(), false),
                "RunUuid" => (run.uuid.clone(), false),
                "ApplicationId" => (w.app_recs[w.groups[run.group].app].id.clone(), false),
                _ => (run.sample.clone(), false),
            })
        })
        .collect();
    let page: Vec<_> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&r| {
            let run = &w.runs[r];
            let ctx = ctx_for(&w, run, req.now);
            let msg = text::run_error(&ctx, run.status(req.now));
            render::run(&w, r, req.now, msg)
        })
        .collect();
    to_json(&json!({"TotalCount": all.len(), "Runs": page}))
}

pub fn ctx_for<'a>(w: &'a World, run: &'a RunRec, now: i64) -> Ctx<'a> {
    let group = &w.groups[run.group];
    let env = &w.envs[group.env];
    Ctx {
        run,
        template: &w.apps[group.app].template,
        big_shards: w.scatter_shards,
        now,
        env_id: &env.id,
        nf_volume: env.default_mount(),
        wdl_volume: env.execution_mount(),
    }
}

/// A run copied out of the world, so its call tree can be built without holding the lock.
pub struct RunCopy {
    pub run: RunRec,
    pub apps: Arc<Vec<AppSpec>>,
    pub app: usize,
    pub big_shards: u32,
    pub env_id: String,
    pub nf_volume: String,
    pub wdl_volume: String,
    pub report: bool,
}

impl RunCopy {
    /// Copies run `r` and what its call tree needs out of the world.
    pub fn of(w: &World, r: usize) -> Self {
        let run = &w.runs[r];
        let group = &w.groups[run.group];
        Self {
            app: group.app,
            apps: w.apps.clone(),
            big_shards: w.scatter_shards,
            env_id: w.envs[group.env].id.clone(),
            nf_volume: w.envs[group.env].default_mount().to_string(),
            wdl_volume: w.envs[group.env].execution_mount().to_string(),
            report: group
                .nf_option
                .as_ref()
                .and_then(|o| o.report)
                .unwrap_or(false),
            run: run.clone(),
        }
    }

    pub fn ctx(&self, now: i64) -> Ctx<'_> {
        Ctx {
            run: &self.run,
            template: &self.apps[self.app].template,
            big_shards: self.big_shards,
            now,
            env_id: &self.env_id,
            nf_volume: &self.nf_volume,
            wdl_volume: &self.wdl_volume,
        }
    }
}

/// The index of run `id` when it is in `project`; a run of another project does not exist.
pub fn run_in_project(w: &World, id: &str, project: Option<usize>) -> Res<usize> {
    w.run_by_id
        .get(id)
        .copied()
        .filter(|&r| Some(w.groups[w.runs[r].group].project) == project)
        .ok_or_else(|| {
            ApiErr::new(
                "ResourceNotFound.RunNotExist",
                format!("The run {id} does not exist."),
            )
        })
}

/// Finds `RunUuid` in the request's project.
pub fn find_run(world: &Mutex<World>, req: &Req<'_>) -> Res<RunCopy> {
    let id = req.params.req_str("RunUuid")?;
    let w = lock(world);
    let project = project_scope(&w, req)?;
    let r = run_in_project(&w, id, project)?;
    Ok(RunCopy::of(&w, r))
}

pub fn get_run_calls(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let path = req.params.req_str("Path")?.to_string();
    let copy = find_run(world, req)?;
    let ctx = copy.ctx(req.now);
    let (node, id) = ctx.resolve(&path).map_err(|e| match e {
        PathError::Invalid(m) => ApiErr::new("InvalidParameterValue", m),
        PathError::NotFound(m) => ApiErr::new(
            "ResourceNotFound",
            format!("The call path does not exist: {m}."),
        ),
    })?;
    if let Kind::Scatter { .. } = ctx.template.nodes[node].kind {
        let mut out = String::from("{\"Calls\":");
        shards::write(&ctx, node, &id, &mut out);
        out.push('}');
        return Ok(out);
    }
    let calls = ctx.children(node, &id);
    to_json(&CallsBody { calls: &calls })
}

/// GetRunCalls' body, serialized without an intermediate `Value` (it can be megabytes).
#[derive(serde::Serialize)]
struct CallsBody<'a> {
    #[serde(rename = "Calls")]
    calls: &'a [crate::api::types::RunMetadata],
}

pub fn get_run_status(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let copy = find_run(world, req)?;
    let ctx = copy.ctx(req.now);
    to_json(&json!({"Metadata": ctx.run_metadata(copy.run.status(req.now))}))
}

/// Nextflow runs have `nextflow.log`, plus the report files when submitted with
/// `NFOption.Report`. A WDL run, a report file of a run without reports, or a run that has
/// not started answers `ResourceNotFound.CosObjectNotExist`; an unknown key answers
/// `InvalidParameterValue.InvalidCosKey`.
pub fn get_run_metadata_file(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let p = &req.params;
    let key = p
        .opt_str("Key")?
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    let keys = p.opt_str_list("Keys")?.filter(|k| !k.is_empty());
    if key.is_none() && keys.is_none() {
        return Err(ApiErr::new(
            "MissingParameter",
            "The request is missing a required parameter `Key` or `Keys`.",
        ));
    }
    let copy = find_run(world, req)?;
    let uuid = &copy.run.uuid;
    let missing = |m: String| ApiErr::new("ResourceNotFound.CosObjectNotExist", m);
    if copy.apps[copy.app].template.lang == Lang::Wdl {
        return Err(missing(format!(
            "The run {uuid} is a WDL run; metadata files exist only for Nextflow runs."
        )));
    }
    if req.now < copy.run.start {
        return Err(missing(format!(
            "The run {uuid} has not started; it has no files yet."
        )));
    }
    let expires = req.now / 1000 + URL_TTL_SECS;
    let url = |k: &str| -> Res<String> {
        if k != NEXTFLOW_LOG && !REPORT_FILES.contains(&k) {
            return Err(ApiErr::new(
                "InvalidParameterValue.InvalidCosKey",
                format!(
                    "The key {k} is not a run file; use nextflow.log or one of {}.",
                    REPORT_FILES.join(", ")
                ),
            ));
        }
        if k != NEXTFLOW_LOG && !copy.report {
            return Err(missing(format!(
                "The run {uuid} was submitted without NFOption.Report; {k} does not exist."
            )));
        }
        Ok(files::presign(
            req.base_url,
            req.file_secret,
            uuid,
            k,
            expires,
        ))
    };
    let mut out = serde_json::Map::new();
    if let Some(k) = key {
        out.insert("CosSignedUrl".into(), url(&k)?.into());
    }
    if let Some(ks) = keys {
        let urls = ks.iter().map(|k| url(k)).collect::<Res<Vec<_>>>()?;
        out.insert("CosSignedUrls".into(), urls.into());
    }
    to_json(&out)
}

/// A task's stdout or stderr. `Path` is accepted but not needed: the JobId finds the task.
/// An unknown JobId, or a job that has not started, answers `ResourceNotFound`.
pub fn get_run_job_log(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let p = &req.params;
    let job = p.req_str("JobId")?.to_string();
    let stderr = match p.req_str("LogType")? {
        "stdout" => false,
        "stderr" => true,
        other => {
            return Err(ApiErr::new(
                "InvalidParameterValue",
                format!("LogType must be stdout or stderr, got {other:?}."),
            ));
        }
    };
    p.opt_str("Path")?;
    let copy = find_run(world, req)?;
    let ctx = copy.ctx(req.now);
    let not_found = || {
        ApiErr::new(
            "ResourceNotFound",
            format!("The job {job} does not exist in run {}.", copy.run.uuid),
        )
    };
    let c = ctx.find_job(&job).ok_or_else(not_found)?;
    let st = ctx
        .state(c)
        .filter(|s| s.start.is_some())
        .ok_or_else(not_found)?;
    to_json(&json!({"Content": text::job_log(&ctx, c, &st, stderr)}))
}
