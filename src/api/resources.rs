//! The platform's resources beside the runs: environments (环境), cache volumes (缓存卷),
//! sample tables (表格) and git sources, as the reference's data structures define them,
//! with the response bodies of the actions that list them. Read as leniently as the run
//! models in `types`: every field optional, unknown fields ignored, statuses kept as text.

use super::lenient::model;
use super::types::Timestamp;

model! {
    /// The cloud resources behind an environment.
    pub struct ResourceIds {
        #[serde(rename = "VPCId")]
        vpc_id: String,
        subnet_id: String, security_group_id: String,
        #[serde(rename = "TDSQLCId")]
        tdsqlc_id: String,
        #[serde(rename = "CFSId")]
        cfs_id: String,
        #[serde(rename = "CFSStorageType")]
        cfs_storage_type: String,
        #[serde(rename = "CVMId")]
        cvm_id: String,
        #[serde(rename = "EKSId")]
        eks_id: String,
    }
}

model! {
    /// An environment (组学平台环境) that run groups are submitted to. `Status` is one of
    /// INITIALIZING, INITIALIZATION_ERROR, RUNNING, ERROR, DELETING, DELETE_ERROR per the
    /// reference; only an `Available` environment accepts work.
    pub struct Environment {
        environment_id: String, name: String, description: String, region: String,
        #[serde(rename = "Type")]
        kind: String,
        status: String, available: bool, is_default: bool, is_managed: bool, message: String,
        resource_ids: ResourceIds,
        last_workflow_uuid: String,
        creation_time: Timestamp,
    }
}

model! {
    /// A cache volume (缓存卷) of an environment. `Capacity` is in GB, `Usage` in bytes,
    /// `BandwidthLimit` in MiB/s.
    pub struct Volume {
        volume_id: String, name: String, description: String, environment_id: String,
        #[serde(rename = "Type")]
        kind: String,
        spec: String, capacity: i64, usage: i64, bandwidth_limit: f64,
        default_mount_path: String, is_default: bool, status: String,
    }
}

model! {
    /// A column of a table: its header and data type (`String`, `File`, ...).
    pub struct TableColumn { header: String, data_type: String }
}

model! {
    /// A table (表格): the sample sheet a table batch is launched from.
    pub struct Table {
        table_id: String, project_id: String, name: String, description: String,
        columns: Vec<TableColumn>,
        create_time: Timestamp, creator: String, creator_id: String,
    }
}

model! {
    /// A row of a table; `Content` holds one cell per column, in the table's column order.
    pub struct TableRow { table_row_uuid: String, content: Vec<String> }
}

model! {
    /// Where a workflow's code comes from (RunWorkflow's `GitSource`, an application
    /// version's `GitSource`). `GitTokenOrPassword` is a secret: omtop never shows it.
    pub struct GitInfo {
        git_http_path: String, git_user_name: String, git_token_or_password: String,
        branch: String, tag: String,
    }
}

model! {
    /// Where an application version's files are in COS.
    pub struct CosFileInfo { bucket: String, uri: String, region: String }
}

model! {
    /// DescribeEnvironments' response.
    pub struct DescribeEnvironmentsResponse { total_count: i64, environments: Vec<Environment> }
}

model! {
    /// DescribeVolumes' response.
    pub struct DescribeVolumesResponse { total_count: i64, volumes: Vec<Volume> }
}

model! {
    /// DescribeTables' response.
    pub struct DescribeTablesResponse { total_count: i64, tables: Vec<Table> }
}

model! {
    /// DescribeTablesRows' response.
    pub struct DescribeTablesRowsResponse { total_count: i64, rows: Vec<TableRow> }
}

impl Environment {
    /// Whether the environment accepts work now: `Available`, and not in a status the
    /// reference describes as broken or going away.
    pub fn accepts_work(&self) -> bool {
        self.available == Some(true)
            && !matches!(
                self.status
                    .as_deref()
                    .map(str::to_ascii_uppercase)
                    .as_deref(),
                Some(
                    "INITIALIZING" | "INITIALIZATION_ERROR" | "ERROR" | "DELETING" | "DELETE_ERROR"
                )
            )
    }
}

impl Volume {
    /// The share of the capacity in use (0.0 to 1.0 and beyond), when both are known.
    pub fn used_fraction(&self) -> Option<f64> {
        let capacity = self.capacity.filter(|c| *c > 0)? as f64 * GB;
        Some(self.usage? as f64 / capacity)
    }
}

/// Bytes in the GB the reference measures Capacity in (binary, as CFS reports it).
pub const GB: f64 = 1024.0 * 1024.0 * 1024.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_environment_from_the_reference_and_its_availability() {
        let json = r#"{"Available": true, "CreationTime": "2022-12-14T16:14:49+08:00",
            "EnvironmentId": "env-lljckw12", "Message": "", "Name": "test name",
            "ResourceIds": {"CFSId": "cfs-iwee8gk3", "VPCId": "vpc-8yhq1v63", "EKSId": "cls-9j9zh13o"},
            "Status": "RUNNING", "Type": "KUBERNETES", "IsDefault": "false", "IsManaged": 0}"#;
        let e: Environment = serde_json::from_str(json).expect("decodes");
        assert_eq!(e.kind.as_deref(), Some("KUBERNETES"));
        assert_eq!(e.is_default, Some(false));
        assert_eq!(e.is_managed, Some(false));
        assert_eq!(
            e.resource_ids.as_ref().and_then(|r| r.vpc_id.as_deref()),
            Some("vpc-8yhq1v63")
        );
        assert_eq!(e.creation_time.and_then(|t| t.unix()), Some(1_671_005_689));
        let e: Environment = serde_json::from_str(json).expect("decodes");
        assert!(e.accepts_work());
        for (available, status) in [(false, "RUNNING"), (true, "ERROR"), (true, "DELETING")] {
            let e = Environment {
                available: Some(available),
                status: Some(status.into()),
                ..Environment::default()
            };
            assert!(!e.accepts_work(), "{available} {status}");
        }
        assert!(!Environment::default().accepts_work());
    }

    #[test]
    fn a_volume_knows_how_full_it_is() {
        let v: Volume = serde_json::from_str(
            r#"{"Capacity": 1024, "Usage": "549755813888", "BandwidthLimit": 380}"#,
        )
        .expect("decodes");
        assert_eq!(v.used_fraction(), Some(0.5));
        assert_eq!(v.bandwidth_limit, Some(380.0));
        assert_eq!(Volume::default().used_fraction(), None);
    }

    #[test]
    fn table_rows_keep_their_cells_as_text() {
        let r: TableRow = serde_json::from_str(
            r#"{"TableRowUuid": "41363765", "Content": ["10", 11, true, "cos://b/10.txt"]}"#,
        )
        .expect("decodes");
        assert_eq!(
            r.content.as_deref(),
            Some(
                &[
                    "10".to_string(),
                    "11".into(),
                    "true".into(),
                    "cos://b/10.txt".into()
                ][..]
            )
        );
    }
}
