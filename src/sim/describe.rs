//! The read actions about environments, cache volumes and sample tables.
//!
//! Environments belong to the request's region, not to a project. DescribeVolumes needs an
//! environment of that region (`ResourceNotFound` otherwise). DescribeTables and
//! DescribeTablesRows need a project of the region (`ResourceNotFound.ProjectNotExist`), and
//! the rows a table of that project (`ResourceNotFound.TableNotExist`). Name filters match a
//! part of the name, as DescribeRunGroups' does; `Tr` matches a part of any cell.

use std::sync::Mutex;

use serde_json::json;

use super::handlers::{Req, lock, project_scope, to_json};
use super::params::{ApiErr, Res, matches};
use super::platform;
use super::world::World;

fn page_of<T>(all: &[usize], limit: usize, offset: usize, f: impl Fn(usize) -> T) -> Vec<T> {
    all.iter().skip(offset).take(limit).map(|&i| f(i)).collect()
}

pub fn describe_environments(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let p = &req.params;
    let (limit, offset) = p.page()?;
    let filters = p.filters(&["EnvironmentId", "Name", "Status"])?;
    let w = lock(world);
    let all: Vec<usize> = (0..w.envs.len())
        .filter(|&e| w.envs[e].region == req.region)
        .filter(|&e| {
            let env = &w.envs[e];
            matches(&filters, |f| match f {
                "EnvironmentId" => (env.id.clone(), false),
                "Name" => (env.name.clone(), true),
                _ => (env.status.to_string(), false),
            })
        })
        .collect();
    let page = page_of(&all, limit, offset, |e| {
        platform::environment(&w, e, req.now)
    });
    to_json(&json!({"TotalCount": all.len(), "Environments": page}))
}

pub fn describe_volumes(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let p = &req.params;
    let id = p.req_str("EnvironmentId")?;
    let (limit, offset) = p.page()?;
    let filters = p.filters(&["Name", "IsDefault"])?;
    let w = lock(world);
    let env = w
        .envs
        .iter()
        .find(|e| e.id == id && e.region == req.region)
        .ok_or_else(|| {
            ApiErr::new(
                "ResourceNotFound",
                format!("The environment {id} does not exist in {}.", req.region),
            )
        })?;
    let all: Vec<usize> = (0..env.volumes.len())
        .filter(|&v| {
            let vol = &env.volumes[v];
            matches(&filters, |f| match f {
                "Name" => (vol.name.clone(), true),
                _ => (vol.is_default.to_string(), false),
            })
        })
        .collect();
    let page = page_of(&all, limit, offset, |v| {
        platform::volume_of(env, &env.volumes[v])
    });
    to_json(&json!({"TotalCount": all.len(), "Volumes": page}))
}

/// The project a table action names; it must be one of the request's region.
fn project(w: &World, req: &Req<'_>) -> Res<usize> {
    req.params.req_str("ProjectId")?;
    project_scope(w, req)?.ok_or_else(|| {
        ApiErr::new(
            "ResourceNotFound.ProjectNotExist",
            "The project does not exist.",
        )
    })
}

pub fn describe_tables(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let p = &req.params;
    let (limit, offset) = p.page()?;
    let filters = p.filters(&["Name", "TableId"])?;
    let w = lock(world);
    let project = project(&w, req)?;
    let mut all: Vec<usize> = (0..w.tables.len())
        .filter(|&t| w.tables[t].project == project)
        .filter(|&t| {
            let table = &w.tables[t];
            matches(&filters, |f| match f {
                "Name" => (table.name.clone(), true),
                _ => (table.id.clone(), false),
            })
        })
        .collect();
    all.sort_by_key(|&t| std::cmp::Reverse((w.tables[t].created, t)));
    let page = page_of(&all, limit, offset, |t| platform::table(&w, t));
    to_json(&json!({"TotalCount": all.len(), "Tables": page}))
}

pub fn describe_tables_rows(world: &Mutex<World>, req: &Req<'_>) -> Res<String> {
    let p = &req.params;
    let id = p.req_str("TableId")?;
    let (limit, offset) = p.page()?;
    let filters = p.filters(&["Tr", "TableRowUuid"])?;
    let w = lock(world);
    let project = project(&w, req)?;
    let table = w
        .tables
        .iter()
        .find(|t| t.id == id && t.project == project)
        .ok_or_else(|| {
            ApiErr::new(
                "ResourceNotFound.TableNotExist",
                format!("The table {id} does not exist in this project."),
            )
        })?;
    let all: Vec<usize> = (0..table.rows.len())
        .filter(|&r| {
            let (uuid, cells) = &table.rows[r];
            filters.iter().all(|f| {
                f.values.iter().any(|v| match f.name.as_str() {
                    "Tr" => cells.iter().any(|c| c.contains(v.as_str())),
                    _ => uuid == v,
                })
            })
        })
        .collect();
    let page = page_of(&all, limit, offset, |r| {
        let (uuid, cells) = &table.rows[r];
        platform::table_row(uuid, cells)
    });
    to_json(&json!({"TotalCount": all.len(), "Rows": page}))
}
