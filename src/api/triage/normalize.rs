//! Making two failures of the same cause look the same: the failing task without its shard
//! index or workflow RunId, and its error with everything that varies from sample to sample
//! (UUIDs, platform ids, paths, sample ids, times, hex, numbers) replaced by placeholders.

use std::sync::OnceLock;

use regex_automata::meta::{Config, Regex};

/// `pattern` compiled as the `regex` crate would, but without a one-pass DFA: `regex` builds
/// one for every pattern with a capture group or a Unicode word boundary, up to 1 MB each
/// (2 MB for the patterns here, resident for as long as omtop runs once a group's failures
/// are summed up). It only serves anchored searches; these are not, and the captures of
/// a match are found without it.
fn compile(pattern: &str) -> Option<Regex> {
    Regex::builder()
        .configure(Config::new().onepass(false))
        .build(pattern)
        .ok()
}

/// `text` with each match of `re` replaced by what `with` writes for it.
fn replace_all(re: &Regex, text: &str, mut with: impl FnMut(&str, &mut String)) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in re.find_iter(text) {
        out.push_str(&text[last..m.start()]);
        with(&text[m.range()], &mut out);
        last = m.end();
    }
    out.push_str(&text[last..]);
    out
}

/// The patterns, in the order they are applied: longer, more specific shapes first, so a
/// UUID inside a path becomes part of `<path>` and a time is not read as three numbers.
fn patterns() -> &'static [(Regex, &'static str)] {
    static P: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    P.get_or_init(|| {
        [
            // Paths: absolute, object-store URIs, and relative ones with a directory.
            (
                r#"(?:[a-z][a-z0-9+.-]*://|/)[^\s'"`,;()\[\]{}<>]+|\b[\w.-]+/[\w./-]+"#,
                "<path>",
            ),
            (
                r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
                "<uuid>",
            ),
            // Platform ids: run-brave-teal-otter-551203, prj-..., env-05d0g0w2, ...
            (
                r"\b(?:run|prj|app|env|tab|vol|job|ins|cls)-[a-z0-9]+(?:-[a-z0-9]+)*\b",
                "<id>",
            ),
            (
                r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b",
                "<time>",
            ),
            (r"\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b", "<time>"),
            (r"\b0x[0-9a-fA-F]+\b", "<hex>"),
            (r"\b(?:[0-9a-f]*[0-9][0-9a-f]*[a-f][0-9a-f]*|[0-9a-f]*[a-f][0-9a-f]*[0-9][0-9a-f]*)\b", "<hex?>"),
            (r"\d+(?:[.,]\d+)*", "<n>"),
        ]
        .into_iter()
        .filter_map(|(p, r)| compile(p).map(|re| (re, r)))
        .collect()
    })
}

/// `text` with what varies between samples replaced by placeholders. The samples named are
/// replaced first (they may look like anything: NA12878, S0002, 样本-甲). Whitespace is
/// folded, so the same message wrapped differently is the same.
pub fn normalize(text: &str, samples: &[&str]) -> String {
    let (paths, rest) = patterns().split_at(1);
    let mut s = text.to_string();
    // Paths first, whole (a sample inside one is part of the path), then the samples.
    for (re, with) in paths {
        s = replace_all(re, &s, |_, out| out.push_str(with));
    }
    for sample in samples.iter().filter(|x| x.chars().count() >= 2) {
        s = s.replace(sample, "<sample>");
    }
    for (re, with) in rest {
        s = match *with {
            // A word of hex letters and digits, at least 8 long: a hash or an id.
            "<hex?>" => replace_all(re, &s, |m, out| {
                out.push_str(if m.len() >= 8 { "<hex>" } else { m });
            }),
            _ => replace_all(re, &s, |_, out| out.push_str(with)),
        };
    }
    // A sentence's final stop is not part of what it says.
    let folded = s.split_whitespace().collect::<Vec<_>>().join(" ");
    folded.trim_end_matches(['.', ';', ':']).to_string()
}

/// A call name without its shard index or attempt (`Align.BwaMem-7`, `BwaMem[7]`,
/// `Align.BwaMem:7:1`, `shard-7`) and without a workflow RunId inside it.
pub fn task_name(call: &str) -> String {
    static SHARD: OnceLock<Option<Regex>> = OnceLock::new();
    let shard = SHARD.get_or_init(|| {
        compile(r"(?:\[\d+\]|-\d+|:\d+(?::\d+)?|\.shard-\d+|\s*\((?:shard\s*)?\d+\))$")
    });
    let mut name = call.trim().to_string();
    for (re, _) in patterns().iter().filter(|(_, r)| *r == "<uuid>") {
        name = replace_all(re, &name, |_, _| {});
    }
    let name = name
        .replace("..", ".")
        .trim_matches(['.', ':', '/'])
        .to_string();
    match shard {
        Some(re) => {
            let mut n = name;
            while let Some(m) = re.find(&n) {
                if m.start() == 0 {
                    break;
                }
                n.truncate(m.start());
            }
            n
        }
        None => name,
    }
}

/// The failing task a run's error names, when it names one: Cromwell's `Task X failed`,
/// `Task X was lost`, `Job X:shard:attempt`, Nextflow's ``Process `X (tag)` ``.
pub fn task_in_message(message: &str) -> Option<String> {
    static P: OnceLock<Vec<Regex>> = OnceLock::new();
    let ps = P.get_or_init(|| {
        [
            r"Task ([\w.:\-\[\]]+) (?:failed|was lost|was preempted)",
            r"Process `([^`(]+?)\s*(?:\([^`]*\))?`",
            r"Job ([\w.\-\[\]]+):[\w-]*:\d+",
            r"Error executing process > '([^'(]+?)\s*(?:\([^']*\))?'",
        ]
        .into_iter()
        .filter_map(compile)
        .collect()
    });
    ps.iter()
        .find_map(|re| {
            let mut caps = re.create_captures();
            re.captures(message, &mut caps);
            caps.is_match().then(|| caps.get_group(1))
        })
        .flatten()
        .map(|span| task_name(&message[span]))
        .filter(|t| !t.is_empty())
}

/// The one line of an error that says what went wrong: the start of the stderr Cromwell
/// quotes after `[First N bytes]:`, Nextflow's `Command error:` block, else what follows
/// `failed:` on the first line, else the first line.
pub fn cause_line(message: &str) -> &str {
    static QUOTED: OnceLock<Option<Regex>> = OnceLock::new();
    let quoted = QUOTED.get_or_init(|| compile(r"\[First \d+ bytes\]:|Command error:"));
    let mut lines = message.lines().map(str::trim);
    if let Some(m) = quoted.as_ref().and_then(|re| re.find(message))
        && let Some(l) = message[m.end()..]
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
    {
        return l;
    }
    let first = lines.find(|l| !l.is_empty()).unwrap_or("");
    [" failed: ", " was lost: ", " was preempted: "]
        .iter()
        .find_map(|sep| first.split_once(sep))
        .map(|(_, cause)| cause.trim())
        .filter(|cause| !cause.is_empty())
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_varies_by_sample_becomes_a_placeholder() {
        let table: &[(&str, &[&str], &str)] = &[
            (
                "Task Germline.BaseRecalibrator failed: Killed (exit code 137: out of memory)",
                &[],
                "Task Germline.BaseRecalibrator failed: Killed (exit code <n>: out of memory)",
            ),
            (
                "Job Germline.HaplotypeCaller:NA:1 exited with return code 1. Check /cfs-10-8-16-3/omics/execution/Germline/8f0e2c1a-0b7d-4c3e-9a51-2d8e4f7b1c00/call-HaplotypeCaller/shard-3/stderr",
                &[],
                "Job Germline.HaplotypeCaller:NA:<n> exited with return code <n>. Check <path>",
            ),
            (
                "Input file cos://bucket-1250000000/samples/NA12878.cram not found for sample NA12878",
                &["NA12878"],
                "Input file <path> not found for sample <sample>",
            ),
            (
                "[2024-06-06 14:33:00] run run-brave-teal-otter-551203 on env-05d0g0w2 lost node ins-jcbptifa at 14:33:07",
                &[],
                "[<time>] run <id> on <id> lost node <id> at <time>",
            ),
            (
                "checksum mismatch: expected d41d8cd98f00b204e9800998ecf8427e got 0xdeadbeef",
                &[],
                "checksum mismatch: expected <hex> got <hex>",
            ),
            (
                "样本-甲 的参考基因组版本不一致: hg19 != hg38",
                &["样本-甲"],
                "<sample> 的参考基因组版本不一致: hg<n> != hg<n>",
            ),
        ];
        for (raw, samples, want) in table {
            assert_eq!(normalize(raw, samples), *want, "{raw}");
        }
        // Two errors that differ only in the sample (and its paths) are one.
        assert_eq!(
            normalize(
                "No space left on device writing /work/S0001/out.bam",
                &["S0001"]
            ),
            normalize(
                "No space left on device writing /work/S0917/out.bam",
                &["S0917"]
            ),
        );
    }

    #[test]
    fn tasks_without_shards_or_run_ids() {
        for (call, want) in [
            ("Germline.BaseRecalibrator", "Germline.BaseRecalibrator"),
            ("Align.BwaMem-7", "Align.BwaMem"),
            ("BwaMem[12]", "BwaMem"),
            ("Germline.HaplotypeCaller:3:1", "Germline.HaplotypeCaller"),
            (
                "main.8f0e2c1a-0b7d-4c3e-9a51-2d8e4f7b1c00.sub.Align",
                "main.sub.Align",
            ),
            (
                "NFCORE_RNASEQ:RNASEQ:STAR_ALIGN (3)",
                "NFCORE_RNASEQ:RNASEQ:STAR_ALIGN",
            ),
        ] {
            assert_eq!(task_name(call), want, "{call}");
        }
    }

    #[test]
    fn tasks_named_by_wdl_nextflow_and_platform_errors() {
        let cases = [
            (
                "Task Germline.BaseRecalibrator failed: Killed (exit code 137: out of memory)\nWorkflow Germline failed",
                Some("Germline.BaseRecalibrator"),
            ),
            (
                "Process `NFCORE_RNASEQ:RNASEQ:STAR_ALIGN (S0001)` terminated with an error exit status (1)",
                Some("NFCORE_RNASEQ:RNASEQ:STAR_ALIGN"),
            ),
            (
                "Error executing process > 'NFCORE_SAREK:SAREK:BWAMEM1_MEM (S0003)'",
                Some("NFCORE_SAREK:SAREK:BWAMEM1_MEM"),
            ),
            (
                "Task Align.BwaMem:7:1 was lost: the compute node was reclaimed",
                Some("Align.BwaMem"),
            ),
            ("environment env-05d0g0w2 is not available", None),
        ];
        for (msg, want) in cases {
            assert_eq!(task_in_message(msg).as_deref(), want, "{msg}");
        }
    }

    #[test]
    fn the_telling_line() {
        assert_eq!(
            cause_line("Task A.B failed: Killed (exit code 137: out of memory)\nWorkflow A failed"),
            "Killed (exit code 137: out of memory)"
        );
        assert_eq!(
            cause_line(
                "Process `X (s)` terminated\n\nCommand executed:\n\n  STAR ...\n\nCommand error:\n  EXITING because of FATAL ERROR: not enough memory\n\nWork dir:\n  /w"
            ),
            "EXITING because of FATAL ERROR: not enough memory"
        );
        assert_eq!(cause_line("\n  just this\nand more"), "just this");
        assert_eq!(
            cause_line(
                "Task A.B was lost: the compute node was reclaimed.\nThe job j-1 was killed"
            ),
            "the compute node was reclaimed."
        );
        assert_eq!(
            cause_line(
                "Job A.B:NA:1 exited with return code 1 which has not been declared as a valid return code.\nCheck the content of stderr: /w/stderr.\n [First 3000 bytes]:No space left on device"
            ),
            "No space left on device"
        );
    }
}
