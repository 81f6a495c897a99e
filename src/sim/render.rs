//! World records as the service's data structures (Project, RunGroup, Run).

use crate::api::types::{
    ApplicationVersion, CacheInfo, ExecutionTime, GitInfo, Project, Run, RunGroup, RunStatusCount,
    Text, Timestamp, VolumeInfo,
};

use super::names;
use super::templates::Lang;
use super::world::{World, status};

fn ts(ms: i64) -> Timestamp {
    names::ts(ms)
}

pub fn project(w: &World, p: usize) -> Project {
    let p = &w.projects[p];
    Project {
        project_id: Some(p.id.clone()),
        name: Some(p.name.clone()),
        description: Some(p.description.clone()),
        region: Some(p.region.to_string()),
        create_time: Some(Timestamp::parse(&names::plain(p.created))),
        update_time: Some(Timestamp::parse(&names::plain(p.created + 3_600_000))),
        creator: Some(p.creator.clone()),
        is_default: Some(p.is_default),
    }
}

/// The latest moment something happened to a run, as of `now`.
fn run_updated(w: &World, r: usize, now: i64) -> i64 {
    let run = &w.runs[r];
    [run.submitted, run.start, run.end()]
        .into_iter()
        .filter(|t| *t <= now)
        .max()
        .unwrap_or(run.submitted)
}

pub fn run_group(w: &World, g: usize, now: i64) -> RunGroup {
    let group = &w.groups[g];
    let app = &w.apps[group.app];
    let app_rec = &w.app_recs[group.app];
    let project = &w.projects[group.project];
    let env = &w.envs[group.env];
    let lang = app.template.lang;
    let st = w.group_status(g, now);
    let counts = w.status_counts(g, now);
    let runs = &group.runs;
    let start = runs
        .iter()
        .map(|&r| w.runs[r].start)
        .min()
        .filter(|s| *s <= now);
    let finished = !matches!(st, status::RUNNING | status::INIT);
    let end = finished.then(|| {
        runs.iter()
            .map(|&r| w.runs[r].end())
            .max()
            .unwrap_or(group.created)
    });
    let updated = runs
        .iter()
        .map(|&r| run_updated(w, r, now))
        .max()
        .unwrap_or(group.created);
    let failed: i64 = counts
        .iter()
        .filter(|(s, _)| matches!(*s, status::EXECUTOR_ERROR | status::SYSTEM_ERROR))
        .map(|(_, c)| c)
        .sum();
    let terminated = group.terminated.is_some_and(|t| now >= t);
    let error_message = match st {
        status::COMPLETE_ERROR if terminated => "Terminated by user".to_string(),
        status::COMPLETE_ERROR if failed > 0 => format!("{failed} of {} runs failed", runs.len()),
        _ => String::new(),
    };
    let volume = env.volumes.first();
    // A group launched from git (RunWorkflow) has no application: its version names the
    // repository instead.
    let (app_id, app_name, version) = match &group.git {
        Some(git) => (
            String::new(),
            repository_name(&git.url),
            ApplicationVersion {
                entrypoint: Some(git.entrypoint.clone()),
                git_source: Some(GitInfo {
                    git_http_path: Some(git.url.clone()),
                    git_user_name: Some(git.user.clone()),
                    branch: Some(git.branch.clone()),
                    tag: Some(git.tag.clone()),
                    ..GitInfo::default()
                }),
                ..ApplicationVersion::default()
            },
        ),
        None => (
            app_rec.id.clone(),
            app.name.to_string(),
            ApplicationVersion {
                // The version's type, as the reference's example has it (not the language).
                kind: Some("RELEASE".into()),
                application_version_id: Some(app_rec.version_id.clone()),
                name: Some(app.version.to_string()),
                description: Some(String::new()),
                entrypoint: Some(app.entrypoint.to_string()),
                create_time: Some(ts(app_rec.created)),
                creator_name: Some("omics-admin".into()),
                creator_id: Some("100023456789".into()),
                git_source: None,
                cos_source: None,
            },
        ),
    };
    let input_dir = format!(
        "omics/1250000000/project/{}/run-group/{}",
        project.id, group.id
    );
    RunGroup {
        run_group_id: Some(group.id.clone()),
        project_id: Some(project.id.clone()),
        project_name: Some(project.name.clone()),
        application_id: Some(app_id),
        application_name: Some(app_name),
        application_type: Some(lang.as_str().to_string()),
        application_version: Some(version),
        access_mode: Some("PRIVATE".into()),
        environment_id: Some(env.id.clone()),
        environment_name: Some(env.name.clone()),
        table_id: Some(group.table_id.clone()),
        name: Some(group.name.clone()),
        description: Some(group.description.clone()),
        status: Some(st.to_string()),
        kind: Some(lang.as_str().to_string()),
        work_dir: Some(match lang {
            Lang::Nextflow => format!("{}/nextflow", env.default_mount()),
            Lang::Wdl => String::new(),
        }),
        input: Some(format!("{input_dir}/inputs.json")),
        input_type: Some("JSON".into()),
        input_cos_uri: Some(String::new()),
        input_template_id: Some(String::new()),
        option: group.option.clone(),
        nf_option: group.nf_option.clone(),
        volumes: (lang == Lang::Nextflow).then(|| {
            volume
                .map(|v| VolumeInfo {
                    volume_id: Some(v.id.clone()),
                    name: Some(v.name.clone()),
                    mount_path: Some(v.mount_path.clone()),
                })
                .into_iter()
                .collect()
        }),
        total_run: Some(runs.len() as i64),
        run_status_counts: Some(
            counts
                .into_iter()
                .map(|(s, c)| RunStatusCount {
                    status: Some(s.to_string()),
                    count: Some(c),
                })
                .collect(),
        ),
        execution_time: Some(ExecutionTime {
            submit_time: Some(ts(group.created)),
            start_time: start.map(ts),
            end_time: end.map(ts),
        }),
        error_message: Some(error_message),
        result_notify: Some("StationMessage".into()),
        create_time: Some(ts(group.created)),
        update_time: Some(ts(updated)),
        creator: Some(group.creator.clone()),
        creator_id: Some("100023456789".into()),
    }
}

/// A run's call cache: with a delay, cleared that many hours after the run ended.
fn cache(delay_hours: i64, ended: Option<i64>, now: i64) -> CacheInfo {
    let clear = ended
        .filter(|_| delay_hours > 0)
        .map(|e| e + delay_hours * 3_600_000);
    CacheInfo {
        cache_clear_delay: Some(delay_hours),
        cache_clear_time: clear.map(ts),
        cache_cleared: Some(clear.is_some_and(|c| now >= c)),
    }
}

/// A run; `error_message` is filled by the caller (it needs the call tree's texts).
pub fn run(w: &World, r: usize, now: i64, error_message: String) -> Run {
    let run = &w.runs[r];
    let group = &w.groups[run.group];
    let project = &w.projects[group.project];
    let st = run.status(now);
    // A run terminated before it started never started.
    let started = now >= run.start && run.terminated.is_none_or(|t| t >= run.start);
    let ended = !matches!(st, status::INIT | status::RUNNING);
    Run {
        run_uuid: Some(Text::from(run.uuid.clone())),
        project_id: Some(Text::from(project.id.clone())),
        application_id: Some(Text::from(w.app_recs[group.app].id.clone())),
        run_group_id: Some(Text::from(group.id.clone())),
        environment_id: Some(Text::from(w.envs[group.env].id.clone())),
        user_defined_id: Some(Text::from(run.sample.clone())),
        table_id: Some(Text::from(group.table_id.clone())),
        table_row_uuid: Some(Text::from(run.table_row.clone())),
        status: Some(Text::from(st.to_string())),
        input: Some(Text::from(format!(
            "omics/1250000000/project/{}/run-group/{}/run/{}/input.json",
            project.id, group.id, run.uuid
        ))),
        option: group.option.clone(),
        execution_time: Some(ExecutionTime {
            submit_time: Some(ts(run.submitted)),
            start_time: started.then(|| ts(run.start)),
            end_time: ended.then(|| ts(run.end())),
        }),
        cache: Some(cache(
            group.cache_clear_delay_hours,
            ended.then(|| run.end()),
            now,
        )),
        error_message: Some(Text::from(error_message)),
        create_time: Some(ts(run.submitted)),
        update_time: Some(ts(run_updated(w, r, now))),
    }
}

/// `taxprofiler` of `https://github.com/nf-core/taxprofiler.git`.
fn repository_name(url: &str) -> String {
    let tail = url.trim_end_matches('/').rsplit('/').next().unwrap_or(url);
    tail.strip_suffix(".git").unwrap_or(tail).to_string()
}

#[cfg(test)]
mod tests {
    use super::cache;

    #[test]
    fn a_cache_is_cleared_its_delay_after_the_run_ends() {
        let hour = 3_600_000;
        let never = cache(0, Some(10), 10 * hour);
        assert_eq!(
            (never.cache_clear_time, never.cache_cleared),
            (None, Some(false))
        );
        let live = cache(2, None, 0);
        assert_eq!(live.cache_clear_time, None);
        let kept = cache(2, Some(hour), 2 * hour);
        assert_eq!(kept.cache_clear_time.and_then(|t| t.unix()), Some(3 * 3600));
        assert_eq!(kept.cache_cleared, Some(false));
        assert_eq!(cache(2, Some(hour), 3 * hour).cache_cleared, Some(true));
    }
}
