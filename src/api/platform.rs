//! The actions about where runs happen and what they are launched from: environments,
//! their cache volumes, a project's sample tables and their rows, and RunWorkflow, which
//! launches a Nextflow workflow straight from git.
//!
//! Environments belong to a region, not a project, so DescribeEnvironments carries no
//! ProjectId; DescribeVolumes needs an EnvironmentId; DescribeTables and DescribeTablesRows
//! require a ProjectId, so a scope without one is first resolved to its region's default
//! project.

use serde_json::{Map, Value};

use super::Created;
use super::actions::{Paged, Scope, WorkflowRequest, body};
use super::client::Client;
use super::error::ApiError;
use super::queue::Priority;
use super::types::{
    DescribeEnvironmentsResponse, DescribeTablesResponse, DescribeTablesRowsResponse,
    DescribeVolumesResponse, Environment, Filter, Table, TableRow, Volume,
};

impl Client {
    /// DescribeEnvironments: every environment of a region matching the filters
    /// (`EnvironmentId`, `Name`, `Status`).
    pub async fn describe_environments(
        &self,
        region: &str,
        filters: &[Filter],
        priority: Priority,
    ) -> Result<Vec<Environment>, ApiError> {
        self.all_pages_of::<DescribeEnvironmentsResponse>(
            "DescribeEnvironments",
            region,
            Map::new(),
            filters,
            priority,
        )
        .await
    }

    /// DescribeVolumes: every cache volume of one environment matching the filters
    /// (`Name`, `IsDefault`).
    pub async fn describe_volumes(
        &self,
        region: &str,
        environment_id: &str,
        filters: &[Filter],
        priority: Priority,
    ) -> Result<Vec<Volume>, ApiError> {
        let mut base = Map::new();
        base.insert("EnvironmentId".into(), environment_id.into());
        self.all_pages_of::<DescribeVolumesResponse>(
            "DescribeVolumes",
            region,
            base,
            filters,
            priority,
        )
        .await
    }

    /// The scope's project id, or its region's default project's (DescribeProjects, or
    /// the fallback `list_projects` uses when that is unavailable).
    pub async fn project_id(&self, scope: &Scope, priority: Priority) -> Result<String, ApiError> {
        if let Some(p) = &scope.project_id {
            return Ok(p.clone());
        }
        let list = self
            .list_projects(std::slice::from_ref(&scope.region), &[], priority)
            .await?;
        list.projects
            .into_iter()
            .filter(|p| p.is_default == Some(true))
            .find_map(|p| p.project_id.filter(|id| !id.is_empty()))
            .ok_or_else(|| ApiError::Local {
                action: "DescribeProjects".into(),
                detail: format!(
                    "{} has no default project to look in; name a project with --project",
                    scope.region
                ),
            })
    }

    /// DescribeTables: every table of the scope's project matching the filters (`Name`,
    /// `TableId`).
    pub async fn describe_tables(
        &self,
        scope: &Scope,
        filters: &[Filter],
        priority: Priority,
    ) -> Result<Vec<Table>, ApiError> {
        let mut base = Map::new();
        base.insert(
            "ProjectId".into(),
            self.project_id(scope, priority).await?.into(),
        );
        self.all_pages_of::<DescribeTablesResponse>(
            "DescribeTables",
            &scope.region,
            base,
            filters,
            priority,
        )
        .await
    }

    /// DescribeTablesRows: every row of a table matching the filters (`Tr`: any cell
    /// contains the text; `TableRowUuid`).
    pub async fn describe_tables_rows(
        &self,
        scope: &Scope,
        table_id: &str,
        filters: &[Filter],
        priority: Priority,
    ) -> Result<Vec<TableRow>, ApiError> {
        let mut base = Map::new();
        base.insert(
            "ProjectId".into(),
            self.project_id(scope, priority).await?.into(),
        );
        base.insert("TableId".into(), table_id.into());
        self.all_pages_of::<DescribeTablesRowsResponse>(
            "DescribeTablesRows",
            &scope.region,
            base,
            filters,
            priority,
        )
        .await
    }

    /// RunWorkflow: launches a new run group from a git repository.
    pub async fn run_workflow(
        &self,
        scope: &Scope,
        req: &WorkflowRequest,
    ) -> Result<Created, ApiError> {
        let body: Value = body::workflow(scope, req);
        self.created("RunWorkflow", &scope.region, &body).await
    }
}

impl Paged for DescribeEnvironmentsResponse {
    type Item = Environment;
    fn split(self) -> (Option<i64>, Vec<Environment>) {
        (self.total_count, self.environments.unwrap_or_default())
    }
    fn id(item: &Environment) -> Option<&str> {
        item.environment_id.as_deref()
    }
}

impl Paged for DescribeVolumesResponse {
    type Item = Volume;
    fn split(self) -> (Option<i64>, Vec<Volume>) {
        (self.total_count, self.volumes.unwrap_or_default())
    }
    fn id(item: &Volume) -> Option<&str> {
        item.volume_id.as_deref()
    }
}

impl Paged for DescribeTablesResponse {
    type Item = Table;
    fn split(self) -> (Option<i64>, Vec<Table>) {
        (self.total_count, self.tables.unwrap_or_default())
    }
    fn id(item: &Table) -> Option<&str> {
        item.table_id.as_deref()
    }
}

impl Paged for DescribeTablesRowsResponse {
    type Item = TableRow;
    fn split(self) -> (Option<i64>, Vec<TableRow>) {
        (self.total_count, self.rows.unwrap_or_default())
    }
    fn id(item: &TableRow) -> Option<&str> {
        item.table_row_uuid.as_deref()
    }
}
