//! The run files GetRunMetadataFile hands out as presigned URLs, served by the sim itself.
//!
//! A URL is `http://127.0.0.1:PORT/cos/<RunUuid>/<key>?expires=<unix>&sign=<hex>`, valid
//! 60 s by the sim clock, signed with an HMAC the sim keeps to itself. A GET of an expired
//! or badly signed URL is answered like COS answers: HTTP 403 with an XML error body.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::calls::{Ctx, call_status};
use super::names;
use super::text;

/// How long a presigned URL stays valid, in seconds.
pub const URL_TTL_SECS: i64 = 60;

/// The files a Nextflow run has; all but `nextflow.log` exist only when the group was
/// submitted with `NFOption.Report` true.
pub const NEXTFLOW_LOG: &str = "nextflow.log";
pub const REPORT_FILES: [&str; 4] = [
    "execution_report.html",
    "execution_timeline.html",
    "execution_trace.txt",
    "pipeline_dag.html",
];

fn mac(secret: &[u8], run: &str, key: &str, expires: i64) -> String {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    m.update(format!("{run}/{key}/{expires}").as_bytes());
    hex::encode(&m.finalize().into_bytes()[..16])
}

pub fn presign(base: &str, secret: &[u8], run: &str, key: &str, expires: i64) -> String {
    format!(
        "{base}/cos/{run}/{key}?expires={expires}&sign={}",
        mac(secret, run, key, expires)
    )
}

/// A COS-style refusal: HTTP status and XML body.
#[derive(Debug)]
pub struct CosError {
    pub status: u16,
    pub body: String,
}

fn cos_error(status: u16, code: &str, message: &str, resource: &str) -> CosError {
    CosError {
        status,
        body: format!(
            "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>{code}</Code>\n\t<Message>{message}</Message>\n\t<Resource>{resource}</Resource>\n\t<RequestId>{}</RequestId>\n</Error>\n",
            super::server::request_id()
        ),
    }
}

/// Checks a file URL's path and query; returns the run uuid and key.
pub fn verify(
    secret: &[u8],
    path: &str,
    query: &str,
    now_secs: i64,
) -> Result<(String, String), CosError> {
    let rest = path.strip_prefix("/cos/").unwrap_or_default();
    let Some((run, key)) = rest.split_once('/') else {
        return Err(cos_error(
            404,
            "NoSuchKey",
            "The specified key does not exist.",
            path,
        ));
    };
    let mut expires = None;
    let mut sign = None;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("expires", v)) => expires = v.parse::<i64>().ok(),
            Some(("sign", v)) => sign = Some(v),
            _ => {}
        }
    }
    let (Some(expires), Some(sign)) = (expires, sign) else {
        return Err(cos_error(403, "AccessDenied", "Access Denied.", path));
    };
    if mac(secret, run, key, expires) != sign {
        return Err(cos_error(
            403,
            "SignatureDoesNotMatch",
            "The Signature you specified does not match what we calculated.",
            path,
        ));
    }
    if now_secs > expires {
        return Err(cos_error(403, "AccessDenied", "Request has expired", path));
    }
    Ok((run.to_string(), key.to_string()))
}

pub fn not_found(path: &str) -> CosError {
    cos_error(404, "NoSuchKey", "The specified key does not exist.", path)
}

/// The content of a run file at `now`.
pub fn content(ctx: &Ctx<'_>, key: &str) -> String {
    match key {
        NEXTFLOW_LOG => nextflow_log(ctx),
        "execution_trace.txt" => trace(ctx),
        other => format!(
            "<!DOCTYPE html>\n<html><head><title>{other} - {}</title></head>\n<body><h1>{}</h1><p>Run {} ({})</p><p>{} tasks</p></body></html>\n",
            ctx.template.root,
            other.trim_end_matches(".html").replace('_', " "),
            ctx.run.uuid,
            ctx.run.sample,
            ctx.started_tasks().len()
        ),
    }
}

fn human_ms(ms: i64) -> String {
    let s = ms / 1000;
    match s {
        0..60 => format!("{}.{}s", s, (ms % 1000) / 100),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        _ => format!("{}h {}m {}s", s / 3600, (s % 3600) / 60, s % 60),
    }
}

fn trace_status(status: &str, cached: bool) -> &'static str {
    match status {
        _ if cached => "CACHED",
        call_status::COMPLETE => "COMPLETED",
        call_status::FAILED => "FAILED",
        _ => "ABORTED",
    }
}

/// Nextflow's execution trace: one row per finished task.
fn trace(ctx: &Ctx<'_>) -> String {
    let mut out = String::from(
        "task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tduration\trealtime\t%cpu\tpeak_rss\tpeak_vmem\trchar\twchar\n",
    );
    for (c, st) in ctx.started_tasks() {
        let (Some(start), Some(end)) = (st.start, st.end) else {
            continue;
        };
        let status = trace_status(st.status, st.cached);
        let exit = match status {
            "COMPLETED" | "CACHED" => "0".to_string(),
            "FAILED" => if ctx.run.outcome == super::world::Outcome::SystemError {
                "143"
            } else {
                "1"
            }
            .to_string(),
            _ => "-".to_string(),
        };
        let h = names::hash2(ctx.run.seed, c.node as u64 + 77);
        let gb = |x: u64| format!("{:.1} GB", (x % 90 + 5) as f64 / 10.0);
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{status}\t{exit}\t{}\t{}\t{}\t{:.1}%\t{}\t{}\t{}\t{}\n",
            c.node,
            text::nf_hash(ctx, c).0,
            ctx.job_id(c),
            ctx.call_name(c),
            names::plain(start - 1_000) + ".000",
            human_ms(end - start + 1_000),
            human_ms(end - start),
            (h % 700) as f64 / 10.0 + 30.0,
            gb(h >> 8),
            gb(h >> 16),
            gb(h >> 24),
            gb(h >> 32),
        ));
    }
    out
}

/// A Nextflow log: launch banner, then each task's submission and completion in time order.
fn nextflow_log(ctx: &Ctx<'_>) -> String {
    let run = ctx.run;
    let mut events: Vec<(i64, String)> = Vec::new();
    let t = names::nf_log_time;
    let pipeline = &ctx.template.root;
    events.push((run.start, format!("{} [main] DEBUG nextflow.cli.Launcher - $> nextflow run {pipeline} -profile docker -params-file params.json -with-trace -with-report", t(run.start))));
    events.push((
        run.start + 1,
        format!(
            "{} [main] INFO  nextflow.cli.CmdRun - N E X T F L O W  ~  version 23.10.1",
            t(run.start + 1)
        ),
    ));
    events.push((run.start + 2, format!("{} [main] INFO  nextflow.cli.CmdRun - Launching `{pipeline}` [{}] DSL2 - revision: 3bec2331ca", t(run.start + 2), run.sample.to_lowercase())));
    events.push((
        run.start + 3,
        format!(
            "{} [main] DEBUG nextflow.Session - Work-dir: {}/nextflow/work [k8s]",
            t(run.start + 3),
            ctx.nf_volume
        ),
    ));
    let mut failed = None;
    for (c, st) in ctx.started_tasks() {
        let name = ctx.call_name(c);
        let hash = text::nf_hash(ctx, c).0;
        let Some(start) = st.start else { continue };
        if st.cached {
            events.push((start, format!("{} [Actor Thread 5] INFO  nextflow.processor.TaskProcessor - [{hash}] Cached process > {name}", t(start))));
            continue;
        }
        events.push((
            start,
            format!(
                "{} [Task submitter] INFO  nextflow.Session - [{hash}] Submitted process > {name}",
                t(start)
            ),
        ));
        if let Some(end) = st.end {
            let status = trace_status(st.status, false);
            events.push((end, format!("{} [Task monitor] DEBUG n.processor.TaskPollingMonitor - Task completed > TaskHandler[id: {}; name: {name}; status: {status}; exit: {}; error: -; workDir: {}]", t(end), c.node, if status == "COMPLETED" { "0" } else { "1" }, text::work_dir(ctx, c))));
            if st.failed_here {
                failed = Some((end, c, name));
            }
        }
    }
    if let Some((end, c, name)) = failed {
        events.push((end + 1, format!("{} [Task monitor] ERROR nextflow.processor.TaskProcessor - Error executing process > '{name}'\n\nCaused by:\n  Process `{name}` terminated with an error exit status (1)\n\nCommand error:\n  {}\n\nWork dir:\n  {}\n", t(end + 1), text::failure_cause(ctx, c), text::work_dir(ctx, c))));
        events.push((end + 2, format!("{} [main] DEBUG nextflow.Session - Session aborted -- Cause: Process `{name}` terminated with an error exit status (1)", t(end + 2))));
    } else if let Some(stop) = run.terminated.filter(|s| ctx.now >= *s) {
        events.push((
            stop,
            format!(
                "{} [SIGTERM handler] DEBUG nextflow.Session - Session aborted -- Cause: SIGTERM",
                t(stop)
            ),
        ));
    } else if ctx.now >= run.end() {
        let end = run.end();
        events.push((
            end,
            format!(
                "{} [main] DEBUG nextflow.script.ScriptRunner - > Execution complete -- Goodbye",
                t(end)
            ),
        ));
    }
    events.sort_by_key(|(time, _)| *time);
    let mut out = String::new();
    for (time, line) in events {
        if time <= ctx.now {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_verify_until_they_expire() {
        let url = presign("http://h", b"k", "r1", "nextflow.log", 1_000);
        let (path, query) = url
            .trim_start_matches("http://h")
            .split_once('?')
            .unwrap_or_default();
        assert!(verify(b"k", path, query, 999).is_ok());
        assert_eq!(
            verify(b"k", path, query, 1_001).map_err(|e| e.status).err(),
            Some(403)
        );
        let bad = query.replace("sign=", "sign=0");
        let err = verify(b"k", path, &bad, 999)
            .err()
            .map(|e| e.body)
            .unwrap_or_default();
        assert!(err.contains("SignatureDoesNotMatch"));
    }
}
