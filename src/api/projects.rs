//! Which projects there are. DescribeProjects is newer than some deployments and needs a
//! permission not every sub-account has; without it, omtop shows the projects named in
//! configuration plus each region's default project, which it learns from the ProjectId and
//! ProjectName that run groups listed without a ProjectId carry.

use super::client::Client;
use super::error::ApiError;
use super::queue::Priority;
use super::types::Project;

/// A project named in configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownProject {
    pub id: String,
    pub region: String,
    pub alias: Option<String>,
}

/// The projects of some regions, and whether they came from the fallback.
#[derive(Debug, Clone, Default)]
pub struct ProjectList {
    pub projects: Vec<Project>,
    /// Set when DescribeProjects was unavailable; says why.
    pub fallback_reason: Option<String>,
}

/// Whether an error means "this deployment or account cannot list projects".
pub fn means_unavailable(e: &ApiError) -> bool {
    e.code().is_some_and(|c| {
        c == "InvalidAction"
            || c.starts_with("UnauthorizedOperation")
            || c == "AuthFailure.UnauthorizedOperation"
            || c == "ActionOffline"
    })
}

impl Client {
    /// Lists the projects of `regions`, falling back as the module doc says.
    pub async fn list_projects(
        &self,
        regions: &[String],
        known: &[KnownProject],
        priority: Priority,
    ) -> Result<ProjectList, ApiError> {
        let mut out = ProjectList::default();
        for region in regions {
            match self.describe_projects(region, priority).await {
                Ok(mut projects) => {
                    for p in &mut projects {
                        p.region.get_or_insert_with(|| region.clone());
                    }
                    out.projects.extend(projects);
                }
                Err(e) if means_unavailable(&e) => {
                    out.fallback_reason = Some(e.to_string());
                    out.projects
                        .extend(self.fallback_projects(region, known, priority).await?);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    async fn fallback_projects(
        &self,
        region: &str,
        known: &[KnownProject],
        priority: Priority,
    ) -> Result<Vec<Project>, ApiError> {
        let mut projects: Vec<Project> = known
            .iter()
            .filter(|k| k.region == region)
            .map(|k| Project {
                project_id: Some(k.id.clone()),
                name: Some(k.alias.clone().unwrap_or_else(|| k.id.clone())),
                region: Some(region.to_string()),
                is_default: Some(false),
                ..Project::default()
            })
            .collect();
        // One page is enough: every group of the default project carries its id and name.
        let body = serde_json::json!({"Limit": 1, "Offset": 0});
        let reply: super::client::Reply<super::types::DescribeRunGroupsResponse> = self
            .call("DescribeRunGroups", region, &body, priority)
            .await?;
        let default = reply
            .data
            .run_groups
            .unwrap_or_default()
            .into_iter()
            .find_map(|g| g.project_id.map(|id| (id, g.project_name)));
        match default {
            Some((id, name)) => match projects
                .iter_mut()
                .find(|p| p.project_id.as_deref() == Some(&id))
            {
                Some(p) => p.is_default = Some(true),
                None => projects.insert(
                    0,
                    Project {
                        project_id: Some(id),
                        name,
                        region: Some(region.to_string()),
                        is_default: Some(true),
                        ..Project::default()
                    },
                ),
            },
            // No group names it yet, but the default project is there all the same: it is
            // what a request without ProjectId reaches.
            None => projects.insert(
                0,
                Project {
                    name: Some("default project".into()),
                    description: Some(
                        "no run groups yet; reached without --project until it has one".into(),
                    ),
                    region: Some(region.to_string()),
                    is_default: Some(true),
                    ..Project::default()
                },
            ),
        }
        Ok(projects)
    }
}
