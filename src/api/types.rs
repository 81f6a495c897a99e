//! The service's data structures (数据结构) and the response bodies of the actions omtop uses.
//!
//! Every response field is optional (the service may omit a field or send `null`), unknown
//! fields are ignored, and statuses stay plain strings so that values nobody has documented
//! yet are shown as they are instead of being rejected.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use serde::de::{MapAccess, SeqAccess};
use serde::{Deserialize, Serialize, Serializer};

use super::lenient::{Lenient, model};
pub use super::resources::{
    CosFileInfo, DescribeEnvironmentsResponse, DescribeTablesResponse, DescribeTablesRowsResponse,
    DescribeVolumesResponse, Environment, GitInfo, ResourceIds, Table, TableColumn, TableRow,
    Volume,
};
pub use super::text::Text;

/// A timestamp as the service sent it, with its parsed value when it could be read.
///
/// The service writes ISO 8601 with an offset (`2023-03-15T20:52:56+08:00`); the newer
/// project APIs write `2023-10-25 20:17:58` with no zone. That form is read as China
/// Standard Time (UTC+8), the zone the service's own ISO timestamps carry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timestamp {
    /// Shared within one answer, like `Text`: a scatter's shards repeat a few hundred
    /// distinct times between them.
    pub raw: Text,
    pub parsed: Option<DateTime<FixedOffset>>,
}

impl Timestamp {
    pub fn parse(raw: &str) -> Self {
        Self {
            raw: super::text::intern(raw),
            parsed: parse_time(raw),
        }
    }

    pub fn from_datetime(t: DateTime<FixedOffset>) -> Self {
        Self {
            raw: t.to_rfc3339().into(),
            parsed: Some(t),
        }
    }

    pub fn unix(&self) -> Option<i64> {
        self.parsed.map(|t| t.timestamp())
    }
}

/// The zone assumed for timestamps that carry none.
pub fn service_zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!())
}

/// Parses ISO 8601 / RFC 3339 with an offset, or `YYYY-MM-DD hh:mm:ss` (read as UTC+8).
pub fn parse_time(raw: &str) -> Option<DateTime<FixedOffset>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return service_zone().from_local_datetime(&n).single();
        }
    }
    None
}

/// A string is parsed; a number is seconds since the epoch; anything else is kept as raw
/// text.
impl Lenient for Timestamp {
    fn from_str(s: &str) -> Option<Self> {
        Some(Timestamp::parse(s))
    }
    fn from_i64(secs: i64) -> Option<Self> {
        let parsed = DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&service_zone()));
        Some(Timestamp {
            raw: secs.to_string().into(),
            parsed,
        })
    }
    fn from_u64(n: u64) -> Option<Self> {
        match i64::try_from(n) {
            Ok(secs) => Self::from_i64(secs),
            Err(_) => Some(unparsed(n.to_string())),
        }
    }
    fn from_f64(n: f64) -> Option<Self> {
        String::from_f64(n).map(unparsed)
    }
    fn from_bool(b: bool) -> Option<Self> {
        Some(unparsed(b.to_string()))
    }
    fn from_object<'de, A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        Ok(String::from_object(map)?.map(unparsed))
    }
    fn from_array<'de, A: SeqAccess<'de>>(seq: A) -> Result<Option<Self>, A::Error> {
        Ok(String::from_array(seq)?.map(unparsed))
    }
}

fn unparsed(raw: String) -> Timestamp {
    Timestamp {
        raw: raw.into(),
        parsed: None,
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

model! {
    /// A project (项目).
    pub struct Project {
        project_id: String, name: String, description: String, region: String,
        create_time: Timestamp, update_time: Timestamp, creator: String, is_default: bool,
    }
}

model! {
    /// Submit, start and end times of a run group or run.
    pub struct ExecutionTime { submit_time: Timestamp, start_time: Timestamp, end_time: Timestamp }
}

model! {
    /// How many runs of a group are in one status.
    pub struct RunStatusCount { status: String, count: i64 }
}

impl RunStatusCount {
    /// Counts from (status, count) pairs.
    pub fn list(pairs: &[(&str, i64)]) -> Vec<Self> {
        pairs
            .iter()
            .map(|(s, n)| Self {
                status: Some((*s).into()),
                count: Some(*n),
            })
            .collect()
    }
}

model! {
    /// WDL run options. Its strings are shared like a run's: the runs of a group (5,000 of
    /// them, all kept while the group is open) carry the same options.
    pub struct RunOption {
        failure_mode: Text, use_call_cache: bool, use_error_on_hold: bool,
        final_workflow_outputs_dir: Text, use_relative_output_paths: bool,
        add_run_info_to_output_dir: bool,
    }
}

model! {
    /// Nextflow run options.
    pub struct NFOption {
        config: String, profile: String, report: bool, resume: bool,
        #[serde(rename = "NFVersion")]
        nf_version: String,
        launch_dir: String,
    }
}

model! {
    /// Cache settings of a run.
    pub struct CacheInfo { cache_clear_delay: i64, cache_clear_time: Timestamp, cache_cleared: bool }
}

model! {
    /// A cache volume used by a run group.
    pub struct VolumeInfo { volume_id: String, name: String, mount_path: String }
}

model! {
    /// The application version a run group was launched from.
    pub struct ApplicationVersion {
        #[serde(rename = "Type")]
        kind: String,
        application_version_id: String, name: String, description: String, entrypoint: String,
        create_time: Timestamp, creator_name: String, creator_id: String,
        git_source: GitInfo, cos_source: CosFileInfo,
    }
}

model! {
    /// A run group (任务批次).
    pub struct RunGroup {
        run_group_id: String, project_id: String, project_name: String, application_id: String,
        application_name: String, application_type: String,
        application_version: ApplicationVersion,
        access_mode: String, environment_id: String, environment_name: String, table_id: String,
        name: String, description: String, status: String,
        #[serde(rename = "Type")]
        kind: String,
        work_dir: String, input: String, input_type: String, input_cos_uri: String,
        input_template_id: String,
        option: RunOption,
        #[serde(rename = "NFOption")]
        nf_option: NFOption,
        volumes: Vec<VolumeInfo>,
        total_run: i64,
        run_status_counts: Vec<RunStatusCount>,
        execution_time: ExecutionTime,
        error_message: String, result_notify: String,
        create_time: Timestamp, update_time: Timestamp, creator: String, creator_id: String,
    }
}

model! {
    /// A run (任务): one sample of a run group.
    pub struct Run {
        run_uuid: Text, project_id: Text, application_id: Text, run_group_id: Text,
        environment_id: Text, user_defined_id: Text, table_id: Text, table_row_uuid: Text,
        status: Text, input: Text,
        option: RunOption,
        execution_time: ExecutionTime,
        cache: CacheInfo,
        error_message: Text,
        create_time: Timestamp, update_time: Timestamp,
    }
}

model! {
    /// A call (作业) of a run, or the run itself as GetRunStatus describes it.
    pub struct RunMetadata {
        run_type: Text, run_id: Text, parent_id: Text, job_id: Text, call_name: Text,
        scatter_index: Text, input: Text, output: Text, status: Text,
        error_message: Text,
        start_time: Timestamp, submit_time: Timestamp, end_time: Timestamp,
        command: Text, runtime: Text, preprocess: bool, post_process: bool,
        call_cached: bool, work_dir: Text, stdout: Text, stderr: Text, meta: Text,
    }
}

impl RunMetadata {
    /// How many string fields a call has, the timestamps' text included.
    pub const TEXTS: usize = 19;

    /// Its string fields, the timestamps' text included, always in this order.
    pub fn texts(&self) -> [Option<&Text>; Self::TEXTS] {
        fn raw(t: &Option<Timestamp>) -> Option<&Text> {
            t.as_ref().map(|t| &t.raw)
        }
        [
            self.run_type.as_ref(),
            self.run_id.as_ref(),
            self.parent_id.as_ref(),
            self.job_id.as_ref(),
            self.call_name.as_ref(),
            self.scatter_index.as_ref(),
            self.input.as_ref(),
            self.output.as_ref(),
            self.status.as_ref(),
            self.error_message.as_ref(),
            raw(&self.start_time),
            raw(&self.submit_time),
            raw(&self.end_time),
            self.command.as_ref(),
            self.runtime.as_ref(),
            self.work_dir.as_ref(),
            self.stdout.as_ref(),
            self.stderr.as_ref(),
            self.meta.as_ref(),
        ]
    }
}

model! {
    /// DescribeProjects' response.
    pub struct DescribeProjectsResponse { total_count: i64, projects: Vec<Project> }
}

model! {
    /// DescribeRunGroups' response.
    pub struct DescribeRunGroupsResponse { total_count: i64, run_groups: Vec<RunGroup> }
}

model! {
    /// DescribeRuns' response.
    pub struct DescribeRunsResponse { total_count: i64, runs: Vec<Run> }
}

model! {
    /// GetRunCalls' response.
    pub struct GetRunCallsResponse { calls: Vec<RunMetadata> }
}

model! {
    /// GetRunStatus' response.
    pub struct GetRunStatusResponse { metadata: RunMetadata }
}

model! {
    /// GetRunMetadataFile's response.
    pub struct GetRunMetadataFileResponse { cos_signed_url: String, cos_signed_urls: Vec<String> }
}

model! {
    /// GetRunJobLog's response.
    pub struct GetRunJobLogResponse { content: String }
}

model! {
    /// The response of RetryRuns and RunApplication: the new run group.
    pub struct RunGroupCreatedResponse { run_group_id: String }
}

/// A filter (过滤器): a field name and the values it may take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Filter {
    pub name: String,
    pub values: Vec<String>,
}

impl Filter {
    pub fn new(name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            name: name.to_string(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }
}

/// The message inside a run's or call's `ErrorMessage`, which the reference gives as JSON
/// text (`"{}"` when there is none, `{"error": "..."}` with one): the first string among
/// `error`, `message` (either case) or any field; text that is not a JSON object is the
/// message itself. Empty when there is none. Not sanitized: callers showing it do that.
pub fn error_message(raw: &str) -> String {
    let t = raw.trim();
    if t.is_empty() || t == "{}" || t == "null" {
        return String::new();
    }
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(t) {
        return ["error", "message", "Error", "Message"]
            .iter()
            .find_map(|k| m.get(*k).and_then(|v| v.as_str()))
            .or_else(|| m.values().find_map(|v| v.as_str()))
            .map(error_message)
            .unwrap_or_default();
    }
    t.to_string()
}

/// The broad class of a status string, for colour, symbols and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusClass {
    Pending,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    Unknown,
}

impl StatusClass {
    /// Classifies any status the service uses for groups, runs and calls. Values not seen
    /// before are `Unknown` and still shown verbatim. A run being stopped (`CANCELING`,
    /// `TERMINATING`) is still active; stopped, it is `CANCELED` in the reference, and
    /// `TERMINATED` is accepted as well.
    pub fn of(status: &str) -> Self {
        let s = status.trim().to_ascii_uppercase();
        match s.as_str() {
            "INIT" | "INITIALIZING" | "PENDING" | "QUEUED" | "SUBMITTED" | "WAITING"
            | "NOTSTARTED" | "NOT_STARTED" | "STARTING" | "CREATING" => Self::Pending,
            "RUNNING" | "QUEUEDINCROMWELL" | "STARTING_RUNNING" | "TERMINATING" | "ABORTING"
            | "CANCELING" | "CANCELLING" | "RETRYING" | "PREPARING" => Self::Running,
            // AVAILABLE: a cache volume ready for use.
            "SUCCESS" | "SUCCEEDED" | "COMPLETE" | "COMPLETED" | "DONE" | "CACHED"
            | "AVAILABLE" => Self::Succeeded,
            "TERMINATED" | "ABORTED" | "CANCELLED" | "CANCELED" | "STOPPED" => Self::Cancelled,
            _ if s.contains("ERROR") || s.contains("FAIL") => Self::Failed,
            _ => Self::Unknown,
        }
    }

    /// Whether the item may still change (polling continues while true).
    pub fn is_live(self) -> bool {
        matches!(self, Self::Pending | Self::Running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_both_forms() {
        let iso = Timestamp::parse("2023-03-15T20:52:56+08:00");
        let plain = Timestamp::parse("2023-03-15 20:52:56");
        assert_eq!(iso.unix(), Some(1_678_884_776));
        assert_eq!(plain.unix(), iso.unix());
        assert_eq!(Timestamp::parse("yesterday").parsed, None);
        assert_eq!(Timestamp::parse("yesterday").raw, "yesterday");
        assert_eq!(Timestamp::parse("").parsed, None);
    }

    #[test]
    fn run_group_from_the_spec_example() {
        let json = r#"{
            "ApplicationId": "app-sweet-cerulean-frog-569111", "ApplicationName": "base64",
            "ApplicationType": "WDL", "CreateTime": "2023-03-15T20:52:56+08:00",
            "EnvironmentName": "提交任务环境",
            "ExecutionTime": {"EndTime": "2023-03-15T20:53:23+08:00", "StartTime": "2023-03-15T20:53:13+08:00", "SubmitTime": "2023-03-15T20:52:56+08:00"},
            "Option": {"FailureMode": "", "UseCallCache": false, "UseErrorOnHold": false, "UseRelativeOutputPaths": true, "FinalWorkflowOutputsDir": "cos://bucket-10000/output"},
            "RunStatusCounts": [{"Count": 1, "Status": "SUCCESS"}],
            "Status": "COMPLETE", "TotalRun": 1, "SomethingNew": {"x": 1}
        }"#;
        let g: RunGroup = serde_json::from_str(json).expect("decodes");
        assert_eq!(g.application_name.as_deref(), Some("base64"));
        assert_eq!(g.environment_name.as_deref(), Some("提交任务环境"));
        assert_eq!(g.total_run, Some(1));
        assert_eq!(
            g.run_status_counts.as_ref().map(|c| c[0].status.as_deref()),
            Some(Some("SUCCESS"))
        );
        assert_eq!(
            g.option.and_then(|o| o.use_relative_output_paths),
            Some(true)
        );
        let end = g
            .execution_time
            .and_then(|e| e.end_time)
            .and_then(|t| t.unix());
        assert_eq!(end, Some(1_678_884_803));
    }

    #[test]
    fn nulls_wrong_types_and_unknown_statuses_are_tolerated() {
        let json = r#"{"RunUuid": null, "Status": "QUANTUM_SUPERPOSITION", "Cache": null,
            "ExecutionTime": "not an object", "CreateTime": null, "Input": {"a": 1},
            "ErrorMessage": 42}"#;
        let r: Run = serde_json::from_str(json).expect("decodes");
        assert_eq!(r.run_uuid, None);
        assert_eq!(r.status.as_deref(), Some("QUANTUM_SUPERPOSITION"));
        assert_eq!(
            StatusClass::of("QUANTUM_SUPERPOSITION"),
            StatusClass::Unknown
        );
        assert_eq!(r.execution_time, None);
        assert_eq!(r.input.as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(r.error_message.as_deref(), Some("42"));
        let g: DescribeRunGroupsResponse =
            serde_json::from_str(r#"{"TotalCount": "7", "RunGroups": [1, {"Name": "ok"}]}"#)
                .expect("decodes");
        assert_eq!(g.total_count, Some(7));
        assert_eq!(g.run_groups.map(|v| v.len()), Some(1));
    }

    #[test]
    fn error_messages_are_read_out_of_their_json() {
        assert_eq!(error_message("{}"), "");
        assert_eq!(error_message(""), "");
        assert_eq!(
            error_message(r#"{"error": "Task Align.BwaMem failed\nexit 137"}"#),
            "Task Align.BwaMem failed\nexit 137"
        );
        assert_eq!(error_message(r#"{"key": "value"}"#), "value");
        assert_eq!(error_message("plain text"), "plain text");
        assert_eq!(error_message(r#"{"n": 1}"#), "");
    }

    #[test]
    fn environments_from_the_spec_example() {
        let example =
            include_str!("../../tests/fixtures/spec-examples/DescribeEnvironments.doc.1.json");
        let v: serde_json::Value = serde_json::from_str(example).expect("json");
        let r: DescribeEnvironmentsResponse =
            serde_json::from_value(v["response"]["Response"].clone()).expect("decodes");
        let e = &r.environments.expect("environments")[0];
        assert_eq!(e.environment_id.as_deref(), Some("env-lljckw12"));
        assert_eq!(
            (e.status.as_deref(), e.available),
            (Some("RUNNING"), Some(true))
        );
    }

    #[test]
    fn status_classes() {
        assert_eq!(StatusClass::of("EXECUTOR_ERROR"), StatusClass::Failed);
        assert_eq!(StatusClass::of("COMPLETE_ERROR"), StatusClass::Failed);
        assert_eq!(StatusClass::of("COMPLETE"), StatusClass::Succeeded);
        assert_eq!(StatusClass::of("RUNNING"), StatusClass::Running);
        assert_eq!(StatusClass::of("INIT"), StatusClass::Pending);
        assert!(StatusClass::of("INIT").is_live());
        assert!(!StatusClass::of("SUCCESS").is_live());
        // On its way to CANCELED: still active, so counted and polled as such.
        for s in ["CANCELING", "Cancelling"] {
            assert_eq!(StatusClass::of(s), StatusClass::Running, "{s}");
        }
        assert_eq!(StatusClass::of("CANCELED"), StatusClass::Cancelled);
        assert_eq!(StatusClass::of("TERMINATED"), StatusClass::Cancelled);
    }

    #[test]
    fn serialization_omits_absent_fields() {
        let o = RunOption {
            use_call_cache: Some(true),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&o).expect("encodes"),
            r#"{"UseCallCache":true}"#
        );
        let nf = NFOption {
            nf_version: Some("23.10.1".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&nf).expect("encodes"),
            r#"{"NFVersion":"23.10.1"}"#
        );
    }
}
