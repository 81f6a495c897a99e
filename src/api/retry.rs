//! What a retry sends, decided once for the CLI and the dashboard.
//!
//! RetryRuns uses a given `WDLOption` / `NFOption` *instead of* the retried group's, so omtop
//! always sends the group's own options (from DescribeRunGroups) with only `UseCallCache` /
//! `Resume` changed: a plain rerun really starts from scratch, a resume really reuses the
//! cache, and nothing else the user set (FailureMode, output directory, Nextflow profile,
//! config, version, reports) is dropped. Where the group does not carry a field the
//! reference requires (RunOption's FailureMode, UseCallCache and UseErrorOnHold), omtop
//! sends the reference's documented value and says so in `RetryPlan::notes`.
//!
//! Which runs: a finished group is retried by `RunGroupId` (the service then retries its
//! failed and its canceled runs); a group still running refuses that
//! (`FailedOperation.StatusNotSupported`), so its failed runs are named by `RunUuids`
//! alone. Chosen runs of a finished group go as `RunGroupId` with `RunUuids`, as the
//! reference's third example does.

use super::actions::RetryRequest;
use super::group::{is_live, is_nextflow};
use super::types::{NFOption, RunGroup, RunOption};

/// The FailureMode sent when the group has none: the value in the reference's examples,
/// and the workflow engine's own default.
pub const DEFAULT_FAILURE_MODE: &str = "NoNewCalls";
/// The FailureMode values the reference lists.
pub const FAILURE_MODES: [&str; 2] = ["ContinueWhilePossible", "NoNewCalls"];
/// The Nextflow versions the reference lists.
pub const NF_VERSIONS: [&str; 2] = ["22.10.7", "23.10.1"];

/// A RetryRuns request and what omtop filled in to make it valid.
#[derive(Debug, Clone, Default)]
pub struct RetryPlan {
    pub request: RetryRequest,
    /// One sentence for each value the group did not have and omtop chose.
    pub notes: Vec<String>,
}

/// The group's WDL options with `UseCallCache` set; required fields the group lacks are
/// filled with the reference's documented values (noted).
pub fn wdl_option(
    group: Option<&RunOption>,
    use_cache: bool,
    notes: &mut Vec<String>,
) -> RunOption {
    let mut o = group.cloned().unwrap_or_default();
    o.use_call_cache = Some(use_cache);
    let mode_ok = o
        .failure_mode
        .as_deref()
        .is_some_and(|m| FAILURE_MODES.contains(&m));
    if !mode_ok {
        notes.push(format!(
            "the group has no FailureMode; sending {DEFAULT_FAILURE_MODE}, the reference's documented value"
        ));
        o.failure_mode = Some(DEFAULT_FAILURE_MODE.into());
    }
    if o.use_error_on_hold.is_none() {
        notes.push("the group has no UseErrorOnHold; sending false".into());
        o.use_error_on_hold = Some(false);
    }
    o
}

/// The group's Nextflow options with `Resume` set. A version the reference does not list
/// is left out (the service then uses its default) and noted.
pub fn nf_option(group: Option<&NFOption>, resume: bool, notes: &mut Vec<String>) -> NFOption {
    let mut o = group.cloned().unwrap_or_default();
    o.resume = Some(resume);
    if let Some(v) = o.nf_version.as_deref()
        && !NF_VERSIONS.contains(&v)
    {
        if !v.is_empty() {
            notes.push(format!(
                "the group's NFVersion {v:?} is not one the reference lists; leaving it out"
            ));
        }
        o.nf_version = None;
    }
    for field in [&mut o.config, &mut o.profile, &mut o.launch_dir] {
        if field.as_deref() == Some("") {
            *field = None;
        }
    }
    o
}

/// The retry of `runs` of group `g` (none: the whole group's failed and canceled runs, or,
/// while it runs, `failed_now`: the ids of its runs failed so far).
pub fn plan(g: &RunGroup, runs: &[String], failed_now: &[String], use_cache: bool) -> RetryPlan {
    let mut notes = Vec::new();
    let group_id = g.run_group_id.clone().filter(|id| !id.is_empty());
    let live = is_live(g);
    let (run_group_id, run_uuids) = match (runs.is_empty(), live) {
        (true, false) => (group_id, Vec::new()),
        (true, true) => (None, failed_now.to_vec()),
        (false, false) => (group_id, runs.to_vec()),
        (false, true) => (None, runs.to_vec()),
    };
    let (wdl_option, nf_option) = if is_nextflow(g) {
        (
            None,
            Some(nf_option(g.nf_option.as_ref(), use_cache, &mut notes)),
        )
    } else {
        (
            Some(wdl_option(g.option.as_ref(), use_cache, &mut notes)),
            None,
        )
    };
    RetryPlan {
        request: RetryRequest {
            run_group_id,
            run_uuids,
            wdl_option,
            nf_option,
        },
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn group(v: serde_json::Value) -> RunGroup {
        serde_json::from_value(v).expect("a run group")
    }

    #[test]
    fn a_wdl_retry_carries_the_groups_options_and_changes_only_the_cache() {
        // The options as the reference's DescribeRunGroups example shows them: FailureMode
        // empty, UseErrorOnHold false, an output directory.
        let g = group(json!({"RunGroupId": "run-a", "Status": "COMPLETE_ERROR",
            "ApplicationType": "WDL",
            "Option": {"FailureMode": "", "UseCallCache": false, "UseErrorOnHold": false,
                "UseRelativeOutputPaths": true, "FinalWorkflowOutputsDir": "cos://bucket-10000/output"}}));
        let p = plan(&g, &[], &[], true);
        assert_eq!(
            serde_json::to_value(&p.request).expect("encodes"),
            json!({"RunGroupId": "run-a", "WDLOption": {"FailureMode": "NoNewCalls",
                "UseCallCache": true, "UseErrorOnHold": false, "UseRelativeOutputPaths": true,
                "FinalWorkflowOutputsDir": "cos://bucket-10000/output"}})
        );
        assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
        assert!(p.notes[0].contains("FailureMode"));
        // A plain rerun of a group launched with the cache switches it off explicitly.
        let g = group(json!({"RunGroupId": "run-a", "Status": "COMPLETE_ERROR",
            "Option": {"FailureMode": "ContinueWhilePossible", "UseCallCache": true, "UseErrorOnHold": true}}));
        let p = plan(&g, &["u1".into()], &[], false);
        assert_eq!(
            serde_json::to_value(&p.request).expect("encodes"),
            json!({"RunGroupId": "run-a", "RunUuids": ["u1"], "WDLOption": {
                "FailureMode": "ContinueWhilePossible", "UseCallCache": false, "UseErrorOnHold": true}})
        );
        assert!(p.notes.is_empty());
    }

    #[test]
    fn a_group_without_options_gets_every_required_field() {
        let g = group(json!({"RunGroupId": "run-a", "Status": "COMPLETE_ERROR"}));
        let p = plan(&g, &[], &[], true);
        let o = p.request.wdl_option.expect("a WDL option");
        assert_eq!(o.failure_mode.as_deref(), Some("NoNewCalls"));
        assert_eq!(o.use_error_on_hold, Some(false));
        assert_eq!(o.use_call_cache, Some(true));
        assert_eq!(p.notes.len(), 2);
    }

    #[test]
    fn a_nextflow_retry_keeps_config_profile_version_and_reports() {
        let g = group(json!({"RunGroupId": "run-n", "Status": "COMPLETE_ERROR",
            "ApplicationType": "NEXTFLOW",
            "NFOption": {"Config": "process.cpus = 4", "Profile": "docker", "Report": true,
                "Resume": false, "NFVersion": "23.10.1", "LaunchDir": ""}}));
        let p = plan(&g, &[], &[], true);
        assert_eq!(
            serde_json::to_value(&p.request).expect("encodes"),
            json!({"RunGroupId": "run-n", "NFOption": {"Config": "process.cpus = 4",
                "Profile": "docker", "Report": true, "Resume": true, "NFVersion": "23.10.1"}})
        );
        let g = group(json!({"RunGroupId": "run-n", "Status": "COMPLETE_ERROR",
            "Type": "NEXTFLOW", "NFOption": {"NFVersion": "21.04.0"}}));
        let p = plan(&g, &[], &[], false);
        assert_eq!(p.request.nf_option.and_then(|o| o.nf_version), None);
        assert_eq!(p.notes.len(), 1);
    }

    #[test]
    fn a_running_group_is_retried_by_its_failed_runs() {
        let g = group(json!({"RunGroupId": "run-r", "Status": "RUNNING"}));
        let p = plan(&g, &[], &["f1".into(), "f2".into()], false);
        assert_eq!(p.request.run_group_id, None);
        assert_eq!(p.request.run_uuids, ["f1", "f2"]);
        let p = plan(&g, &["m1".into()], &["f1".into()], false);
        assert_eq!(
            (p.request.run_group_id, p.request.run_uuids),
            (None, vec!["m1".to_string()])
        );
    }
}
