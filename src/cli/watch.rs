//! `omtop watch`: polls a run group until it finishes, says what happens on the way (on
//! stderr, as JSON lines on stdout with `--json`) and notifies the targets asked for.

use std::time::Duration;

use super::args::{OnCondition, WatchArgs};
use super::commands::PRIO;
use super::{CliError, Ctx, output};
use crate::api::group::StatusCounts;
use crate::sanitize;
use crate::watch::notify::{Notifier, Targets, webhook_url};
use crate::watch::poll::{self, Update, Watch, WatchError};
use crate::watch::{Conditions, Detector, Finish};

/// The conditions the arguments ask for; the defaults when they name none.
pub fn conditions(a: &WatchArgs) -> Conditions {
    if a.on.is_empty() && a.failed_above.is_none() && a.cache_expiring.is_none() {
        return Conditions::defaults();
    }
    let on = |c| a.on.contains(&c) || a.on.contains(&OnCondition::All);
    Conditions {
        first_failure: on(OnCondition::FirstFailure),
        new_signature: on(OnCondition::NewSignature),
        failed_above: a.failed_above,
        doomed: on(OnCondition::Doomed),
        cache_expiring: a.cache_expiring,
        env_unavailable: on(OnCondition::EnvUnavailable),
        finished: on(OnCondition::Finished),
    }
}

fn warn(text: &str) {
    eprintln!("warning: {}", sanitize::line(text));
}

pub async fn watch(ctx: &Ctx, a: &WatchArgs) -> Result<Finish, CliError> {
    if a.failed_above.is_some_and(|p| !(0.0..100.0).contains(&p)) {
        return Err(CliError::Usage(
            "--failed-above: a percentage from 0 up to (not including) 100".into(),
        ));
    }
    let webhooks = a
        .webhook
        .iter()
        .map(|u| webhook_url(u, ctx.insecure_http))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Usage)?;
    let targets = Targets {
        terminal: a.notify.clone(),
        exec: a.exec.clone(),
        webhooks,
    };
    let tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
    let mut notifier = Notifier::new(targets, tmux);
    let w = Watch {
        client: ctx.client.clone(),
        scope: ctx.scope.clone(),
        group_id: a.group.clone(),
        interval: Duration::from_secs(a.interval.max(1)),
        priority: PRIO,
    };
    let mut detector = Detector::new(conditions(a));
    let mut last_line = String::new();
    let mut out_error: Option<std::io::Error> = None;
    let ended = poll::run(&w, &mut detector, |u| match u {
        Update::Group(g) => {
            let n = StatusCounts::of_group(g);
            let line = format!(
                "{} ({}): {} — {} active, {} failed, {} terminated, {} total",
                sanitize::line(g.run_group_id.as_deref().unwrap_or("?")),
                sanitize::line(g.name.as_deref().unwrap_or("")),
                sanitize::line(g.status.as_deref().unwrap_or("")),
                n.active(),
                n.failed,
                n.cancelled,
                g.total_run.unwrap_or(0)
            );
            if line != last_line {
                eprintln!("{line}");
                last_line = line;
            }
        }
        Update::Event(e) => {
            eprintln!("event: {}", e.text);
            if ctx.json
                && out_error.is_none()
                && let Err(err) = output::write(&(e.json_line() + "\n"))
            {
                out_error = Some(err);
            }
            for w in notifier.notify(&e) {
                warn(&w);
            }
        }
        Update::Warning(w) => warn(&w),
    })
    .await;
    for w in notifier.finish().await {
        warn(&w);
    }
    match ended {
        Ok(f) => match out_error {
            Some(e) => Err(e.into()),
            None => Ok(f),
        },
        Err(WatchError::Api(e)) => Err(e.into()),
        Err(WatchError::NotFound(id)) => Err(CliError::NotFound(format!(
            "run group {} not found in this project",
            sanitize::line(&id)
        ))),
    }
}
