//! The commands about where runs happen and what they are launched from: `envs`,
//! `volumes`, `tables` and `rows`. Tables by default, `--json` with the service's field
//! names; filters are the ones each action supports, passed to the service.

use futures::future::try_join_all;
use serde_json::{Value, json};

use super::args::{EnvsArgs, RowsArgs, TablesArgs, VolumesArgs};
use super::commands::{PRIO, time};
use super::output::{self, Table};
use super::{CliError, Ctx};
use crate::api::group::{EnvLoad, env_load};
use crate::api::resources::GB;
use crate::api::sheet::{Column, SampleSheet};
use crate::api::types::{Environment, Filter, RunGroup, Volume};
use crate::api::{ApiError, Scope};
use crate::sanitize;

fn t(s: Option<&String>) -> String {
    s.cloned().unwrap_or_default()
}

fn flag(b: Option<bool>) -> String {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
    .into()
}

/// Every run group of the region's projects (environments serve them all).
async fn region_groups(ctx: &Ctx) -> Result<Vec<RunGroup>, ApiError> {
    let region = &ctx.scope.region;
    let projects = ctx
        .client
        .list_projects(std::slice::from_ref(region), &ctx.known_projects, PRIO)
        .await?
        .projects;
    let scopes: Vec<Scope> = projects
        .iter()
        .filter_map(|p| p.project_id.clone())
        .map(|id| Scope::new(region.clone(), Some(id)))
        .collect();
    let lists = try_join_all(
        scopes
            .iter()
            .map(|s| ctx.client.describe_run_groups(s, &[], PRIO)),
    )
    .await?;
    Ok(lists.into_iter().flatten().collect())
}

fn load_text(l: EnvLoad) -> String {
    let mut parts = Vec::new();
    if l.running > 0 {
        parts.push(format!("{} running", l.running));
    }
    if l.waiting > 0 {
        parts.push(format!("{} waiting", l.waiting));
    }
    if l.active_runs > 0 {
        parts.push(format!("{} runs", l.active_runs));
    }
    parts.join(", ")
}

pub async fn envs(ctx: &Ctx, args: &EnvsArgs) -> Result<(), CliError> {
    let mut filters = Vec::new();
    if !args.ids.is_empty() {
        filters.push(Filter::new("EnvironmentId", args.ids.clone()));
    }
    if let Some(n) = &args.name {
        filters.push(Filter::new("Name", [n.clone()]));
    }
    if !args.status.is_empty() {
        filters.push(Filter::new("Status", args.status.clone()));
    }
    let envs = ctx
        .client
        .describe_environments(&ctx.scope.region, &filters, PRIO)
        .await?;
    if ctx.json {
        return Ok(output::json(&envs)?);
    }
    // The live counts are a courtesy: without them the environments still list.
    let groups = match region_groups(ctx).await {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!(
                "note: cannot count the environments' run groups: {}",
                sanitize::line(&e.to_string())
            );
            None
        }
    };
    let mut table = Table::new(vec![
        "ENVIRONMENT",
        "NAME",
        "TYPE",
        "STATUS",
        "AVAILABLE",
        "DEFAULT",
        "MANAGED",
        "LIVE GROUPS",
        "CREATED",
        "MESSAGE",
    ])
    .full_last_column();
    for e in &envs {
        let id = e.environment_id.as_deref().unwrap_or("");
        let load = groups
            .as_deref()
            .map(|g| load_text(env_load(id, g)))
            .unwrap_or_else(|| "?".into());
        table.row(vec![
            id.to_string(),
            t(e.name.as_ref()),
            t(e.kind.as_ref()),
            t(e.status.as_ref()),
            flag(e.available),
            flag(e.is_default),
            flag(e.is_managed),
            load,
            time(e.creation_time.as_ref()),
            t(e.message.as_ref()),
        ]);
    }
    Ok(table.print()?)
}

/// `906.3 GB (2.8%)`.
fn usage(v: &Volume) -> String {
    let Some(bytes) = v.usage else {
        return String::new();
    };
    let gb = format!("{:.1} GB", bytes as f64 / GB);
    match v.used_fraction() {
        Some(f) => format!("{gb} ({:.1}%)", f * 100.0),
        None => gb,
    }
}

pub async fn volumes(ctx: &Ctx, args: &VolumesArgs) -> Result<(), CliError> {
    let region = &ctx.scope.region;
    let mut filters = Vec::new();
    if let Some(n) = &args.name {
        filters.push(Filter::new("Name", [n.clone()]));
    }
    if args.default {
        filters.push(Filter::new("IsDefault", ["true"]));
    }
    // DescribeVolumes takes one environment: without --env, each of the region's.
    let envs: Vec<Environment> = if args.envs.is_empty() {
        ctx.client.describe_environments(region, &[], PRIO).await?
    } else {
        args.envs
            .iter()
            .map(|id| Environment {
                environment_id: Some(id.clone()),
                ..Environment::default()
            })
            .collect()
    };
    let lists = try_join_all(envs.iter().map(|e| {
        let id = e.environment_id.clone().unwrap_or_default();
        let filters = &filters;
        async move {
            ctx.client
                .describe_volumes(region, &id, filters, PRIO)
                .await
        }
    }))
    .await?;
    let volumes: Vec<Volume> = lists.into_iter().flatten().collect();
    if ctx.json {
        return Ok(output::json(&volumes)?);
    }
    let mut table = Table::new(vec![
        "VOLUME",
        "NAME",
        "ENVIRONMENT",
        "TYPE",
        "SPEC",
        "CAPACITY",
        "USED",
        "DEFAULT",
        "STATUS",
        "MOUNT",
    ]);
    for v in &volumes {
        let env_id = v.environment_id.as_deref().unwrap_or("");
        let env = envs
            .iter()
            .find(|e| e.environment_id.as_deref() == Some(env_id))
            .and_then(|e| e.name.as_deref())
            .filter(|n| !n.is_empty())
            .map_or_else(|| env_id.to_string(), |n| format!("{n} ({env_id})"));
        table.row(vec![
            t(v.volume_id.as_ref()),
            t(v.name.as_ref()),
            env,
            t(v.kind.as_ref()),
            t(v.spec.as_ref()),
            v.capacity.map(|c| format!("{c} GB")).unwrap_or_default(),
            usage(v),
            flag(v.is_default),
            t(v.status.as_ref()),
            t(v.default_mount_path.as_ref()),
        ]);
    }
    Ok(table.print()?)
}

pub async fn tables(ctx: &Ctx, args: &TablesArgs) -> Result<(), CliError> {
    let mut filters = Vec::new();
    if let Some(n) = &args.name {
        filters.push(Filter::new("Name", [n.clone()]));
    }
    if !args.ids.is_empty() {
        filters.push(Filter::new("TableId", args.ids.clone()));
    }
    let tables = ctx
        .client
        .describe_tables(&ctx.scope, &filters, PRIO)
        .await?;
    if ctx.json {
        return Ok(output::json(&tables)?);
    }
    let mut table = Table::new(vec![
        "TABLE",
        "NAME",
        "COLUMNS",
        "CREATED",
        "CREATOR",
        "DESCRIPTION",
    ]);
    for tb in &tables {
        let columns: Vec<&str> = tb
            .columns
            .iter()
            .flatten()
            .filter_map(|c| c.header.as_deref())
            .collect();
        table.row(vec![
            t(tb.table_id.as_ref()),
            t(tb.name.as_ref()),
            columns.join(", "),
            time(tb.create_time.as_ref()),
            t(tb.creator.as_ref()),
            t(tb.description.as_ref()),
        ]);
    }
    Ok(table.print()?)
}

/// The run group whose runs the rows are joined to: the one named, else the newest of the
/// project launched from the table.
async fn group_for(ctx: &Ctx, args: &RowsArgs) -> Result<Option<String>, CliError> {
    if let Some(g) = &args.group {
        return Ok(Some(g.clone()));
    }
    let groups = ctx
        .client
        .describe_run_groups(&ctx.scope, &[], PRIO)
        .await?;
    let newest = groups
        .into_iter()
        .filter(|g| g.table_id.as_deref() == Some(args.table.as_str()))
        .max_by_key(|g| g.create_time.as_ref().and_then(|t| t.unix()).unwrap_or(0));
    match newest.and_then(|g| g.run_group_id) {
        Some(id) => {
            eprintln!(
                "note: rows joined to run group {} (the newest launched from this table; --group to choose)",
                sanitize::line(&id)
            );
            Ok(Some(id))
        }
        None => {
            eprintln!("note: no run group of this project was launched from this table");
            Ok(None)
        }
    }
}

/// `COLUMN=TEXT`.
fn split_filter(f: &str) -> Result<(&str, &str), CliError> {
    f.split_once('=')
        .ok_or_else(|| CliError::Usage(format!("--filter {f:?}: write it as COLUMN=TEXT")))
}

fn column(sheet: &SampleSheet, name: &str) -> Result<Column, CliError> {
    sheet.column(name).ok_or_else(|| {
        CliError::Usage(format!(
            "no column {name:?} in this sheet; its columns: {}",
            sheet.column_names().join(", ")
        ))
    })
}

pub async fn rows(ctx: &Ctx, args: &RowsArgs) -> Result<(), CliError> {
    for f in &args.filters {
        split_filter(f)?;
    }
    let mut filters = Vec::new();
    if let Some(s) = &args.search {
        filters.push(Filter::new("Tr", [s.clone()]));
    }
    if !args.rows.is_empty() {
        filters.push(Filter::new("TableRowUuid", args.rows.clone()));
    }
    // The rows first: a table that does not exist is the service's to say.
    let rows = ctx
        .client
        .describe_tables_rows(&ctx.scope, &args.table, &filters, PRIO)
        .await?;
    let table = ctx
        .client
        .describe_tables(
            &ctx.scope,
            &[Filter::new("TableId", [args.table.as_str()])],
            PRIO,
        )
        .await?
        .into_iter()
        .find(|tb| tb.table_id.as_deref() == Some(args.table.as_str()))
        .unwrap_or_default();
    let group = group_for(ctx, args).await?;
    let runs = match &group {
        Some(g) => {
            ctx.client
                .describe_runs(&ctx.scope, &[Filter::new("RunGroupId", [g.as_str()])], PRIO)
                .await?
        }
        None => Vec::new(),
    };
    let mut sheet = SampleSheet::join(&table, rows, &runs);
    let now = chrono::Utc::now().timestamp();
    for f in &args.filters {
        let (name, text) = split_filter(f)?;
        let col = column(&sheet, name)?;
        sheet.filter(col, text, now);
    }
    if let Some(name) = &args.sort {
        let col = column(&sheet, name)?;
        sheet.sort(col, args.reverse, now);
    }
    if ctx.json {
        let out: Vec<Value> = sheet
            .rows
            .iter()
            .map(|r| {
                let mut v = json!({
                    "TableRowUuid": r.row.table_row_uuid,
                    "Content": r.row.content,
                });
                if group.is_some() {
                    v["Run"] = serde_json::to_value(&r.run).unwrap_or(Value::Null);
                }
                v
            })
            .collect();
        return Ok(output::json(&out)?);
    }
    let mut header = vec!["ROW".to_string()];
    header.extend(sheet.headers.iter().cloned());
    if group.is_some() {
        header.extend(["RUN", "STATUS", "DURATION"].map(String::from));
    }
    let mut out = Table::new(header);
    for r in &sheet.rows {
        let mut cells = vec![r.uuid().to_string()];
        cells.extend(r.cells.iter().cloned());
        if group.is_some() {
            cells.push(SampleSheet::value(r, Column::Run, now));
            cells.push(SampleSheet::value(r, Column::Status, now));
            cells.push(
                r.run
                    .as_ref()
                    .and_then(|run| crate::api::sheet::run_duration(run, now))
                    .map(output::duration)
                    .unwrap_or_default(),
            );
        }
        out.row(cells);
    }
    Ok(out.print()?)
}
