//! A scatter's shards written straight to JSON.
//!
//! A scatter can have 10,000 shards. Building a RunMetadata for each and serializing it
//! takes about a second in a debug build, so the parts every shard shares are escaped once
//! per request and each shard is assembled from them. `Ctx::children` is the reference
//! this must agree with (see the test).

use std::fmt::Write;

use super::calls::{CallRef, Ctx, call_status};
use super::names;
use super::text::{self, INTERVAL_DIR, INTERVAL_SUFFIX};

/// JSON string contents (no quotes) of `s`.
fn esc(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    quoted[1..quoted.len() - 1].to_string()
}

/// ISO times with the date part reused while the day stays the same.
#[derive(Default)]
struct IsoCache {
    day: Option<i64>,
    date: String,
}

impl IsoCache {
    fn push(&mut self, out: &mut String, ms: i64) {
        let secs = ms.div_euclid(1000) + 8 * 3600;
        let day = secs.div_euclid(86_400);
        if self.day != Some(day) {
            self.day = Some(day);
            self.date = names::iso(ms)[..10].to_string();
        }
        let tod = secs.rem_euclid(86_400);
        let _ = write!(
            out,
            "{}T{:02}:{:02}:{:02}+08:00",
            self.date,
            tod / 3600,
            tod / 60 % 60,
            tod % 60
        );
    }
}

/// The escaped pieces every shard of one scatter shares.
struct Common {
    run_id_prefix: String,
    parent: String,
    call_base: String,
    input: (String, String),
    output: (String, String),
    command: String,
    runtime: String,
    dir: String,
    meta: String,
}

fn common(ctx: &Ctx<'_>, node: usize, scatter_id: &str) -> Common {
    let n = &ctx.template.nodes[node];
    let call_base = format!("{}.{}", ctx.template.workflow_of(node), n.name);
    let base = CallRef { node, shard: None };
    let dir = format!("{}/shard-", text::work_dir(ctx, base));
    let input = text::task_input(
        ctx,
        CallRef {
            node,
            shard: Some(0),
        },
    );
    let cut = input
        .find(INTERVAL_DIR)
        .map_or(input.len(), |p| p + INTERVAL_DIR.len());
    let (in_pre, in_suf) = (&input[..cut], input.get(cut + 4..).unwrap_or_default());
    let s = &ctx.run.sample;
    Common {
        run_id_prefix: esc(&format!("{scatter_id}-{call_base}-")),
        parent: esc(scatter_id),
        input: (esc(in_pre), esc(in_suf)),
        output: (
            esc(&format!(r#"{{"{call_base}.output":"{dir}"#)),
            esc(&format!(
                r#"/execution/{s}.{}.out"}}"#,
                n.name.to_lowercase()
            )),
        ),
        command: esc(&format!("{} -L {INTERVAL_DIR}", text::command(ctx, base))),
        runtime: esc(&text::runtime(ctx, base)),
        meta: esc(&text::meta(ctx, base)),
        dir: esc(&dir),
        call_base: esc(&call_base),
    }
}

/// Writes the JSON array of the listed shards of scatter `node` (whose RunId is
/// `scatter_id`) to `out`.
pub fn write(ctx: &Ctx<'_>, node: usize, scatter_id: &str, out: &mut String) {
    let c = common(ctx, node, scatter_id);
    let mut iso = IsoCache::default();
    let shards = ctx.shards(node);
    out.reserve(shards as usize * 1800);
    out.push('[');
    let mut first = true;
    for i in 0..shards {
        let call = CallRef {
            node,
            shard: Some(i),
        };
        let Some(st) = ctx.state(call) else { continue };
        if !first {
            out.push(',');
        }
        first = false;
        let _ = write!(
            out,
            r#"{{"RunType":"Task","RunId":"{}{i}","ParentId":"{}","JobId":"{}","CallName":"{}-{i}","ScatterIndex":"-{i}","Input":"{}{i:04}{}","Output":""#,
            c.run_id_prefix,
            c.parent,
            ctx.job_id(call),
            c.call_base,
            c.input.0,
            c.input.1
        );
        if st.status == call_status::COMPLETE {
            let _ = write!(out, "{}{i}{}", c.output.0, c.output.1);
        } else {
            out.push_str("{}");
        }
        let _ = write!(out, r#"","Status":"{}","ErrorMessage":"""#, st.status);
        for (key, t) in [
            ("StartTime", st.start),
            ("SubmitTime", st.start.map(|s| s - 1000)),
            ("EndTime", st.end),
        ] {
            if let Some(ms) = t {
                let _ = write!(out, r#","{key}":""#);
                iso.push(out, ms);
                out.push('"');
            }
        }
        let _ = write!(
            out,
            r#","Command":"{}{i:04}{}","Runtime":"{}","Preprocess":false,"PostProcess":false,"CallCached":{},"WorkDir":"{}{i}","Stdout":"{}{i}/stdout","Stderr":"{}{i}/stderr","Meta":"{}"}}"#,
            c.command, INTERVAL_SUFFIX, c.runtime, st.cached, c.dir, c.dir, c.dir, c.meta
        );
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::templates::Kind;
    use crate::sim::{Scale, dataset, handlers};

    #[test]
    fn agrees_with_the_reference_path() {
        let w = dataset::generate(
            42,
            &Scale {
                scatter_shards: 300,
                ..Scale::default()
            },
            1_800_000_000_000,
        );
        let run = &w.runs[w.landmarks.big_scatter_run];
        let ctx = handlers::ctx_for(&w, run, w.t0);
        let node = ctx
            .template
            .nodes
            .iter()
            .position(|n| matches!(n.kind, Kind::Scatter { big: true, .. }))
            .unwrap_or(0);
        let id = "parent-id-VariantCalling.HaplotypeCaller_GATK4";
        let mut fast = String::new();
        write(&ctx, node, id, &mut fast);
        let fast: serde_json::Value = serde_json::from_str(&fast).expect("valid JSON");
        let slow = serde_json::to_value(ctx.children(node, id)).expect("encodes");
        assert_eq!(fast.as_array().map(Vec::len), Some(300));
        assert_eq!(fast, slow);
        let statuses: std::collections::HashSet<_> = fast
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["Status"].as_str())
            .collect();
        assert!(statuses.len() >= 3, "{statuses:?}");
    }
}
