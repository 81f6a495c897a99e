//! A failure's signature: what kind of failure it is, with what differs from run to run taken
//! out, so that two runs failing the same way have the same signature and a new kind of
//! failure has a new one. `omtop watch` says when a new signature appears.
//!
//! The signature is the first line of the message inside a run's `ErrorMessage` (the JSON
//! text the reference describes; see [`super::types::error_message`]), with UUIDs,
//! platform ids (`run-…`, `prj-…`, …), paths and URLs, long hexadecimal strings and numbers
//! replaced by `<uuid>`, `<id>`, `<path>`, `<hex>` and `<n>`, and spaces collapsed. A
//! number inside a word (`bwa_mem2`, `HaplotypeCaller2`) is part of the name and stays.
//! This is deliberately small: full triage, which groups by more than the first line, is
//! a later piece of work.

/// The longest signature kept, in characters.
const MAX_CHARS: usize = 200;

/// Prefixes of the platform's own identifiers.
const ID_PREFIXES: [&str; 7] = ["run-", "prj-", "env-", "app-", "vol-", "tbl-", "job-"];

/// The signature of a run's or call's `ErrorMessage` (raw, as the service sent it);
/// empty when it holds no message.
pub fn of(raw_error_message: &str) -> String {
    let message = super::types::error_message(raw_error_message);
    let first = message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let first = nextflow_tags(first);
    let words: Vec<String> = first.split_whitespace().map(word).collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => joined[..cut].to_string(),
        None => joined,
    }
}

/// Nextflow names a task `PROCESS (tag)`, the tag being the sample's: inside backquotes a
/// trailing `(…)` becomes `(<tag>)`.
fn nextflow_tags(line: &str) -> String {
    let parts: Vec<&str> = line.split('`').collect();
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let quoted = i % 2 == 1 && i + 1 < parts.len();
            match part.rfind(" (") {
                Some(at) if quoted && part.ends_with(')') => format!("{} (<tag>)", &part[..at]),
                _ => (*part).to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// One whitespace-separated word, normalised; punctuation around it is kept.
fn word(w: &str) -> String {
    let start = w
        .find(|c: char| c.is_alphanumeric() || "/~$.".contains(c))
        .unwrap_or(w.len());
    let end = w
        .rfind(|c: char| c.is_alphanumeric() || c == '/')
        .map_or(start, |i| {
            i + w[i..].chars().next().map_or(1, char::len_utf8)
        });
    if start >= end {
        return w.to_string();
    }
    let (lead, core, trail) = (&w[..start], &w[start..end], &w[end..]);
    format!("{lead}{}{trail}", normalise(core))
}

fn normalise(core: &str) -> String {
    if core.contains("://")
        || core.starts_with('/')
        || core.starts_with("~/")
        || core.starts_with("$") && core.contains('/')
    {
        return "<path>".into();
    }
    if core.matches('/').count() >= 2 {
        return "<path>".into();
    }
    let lower = core.to_ascii_lowercase();
    if ID_PREFIXES
        .iter()
        .any(|p| lower.starts_with(p) && lower.len() > p.len())
    {
        return "<id>".into();
    }
    replace_runs(core)
}

fn is_uuid_at(b: &[u8], i: usize) -> bool {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let mut j = i;
    for (n, len) in GROUPS.iter().enumerate() {
        if j + len > b.len() || !b[j..j + len].iter().all(u8::is_ascii_hexdigit) {
            return false;
        }
        j += len;
        if n < 4 {
            if b.get(j) != Some(&b'-') {
                return false;
            }
            j += 1;
        }
    }
    b.get(j).is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// Replaces UUIDs, long hex strings and free-standing numbers inside a word.
fn replace_runs(core: &str) -> String {
    let b = core.as_bytes();
    let mut out = String::with_capacity(core.len());
    let mut i = 0;
    let word_char = |c: u8| c.is_ascii_alphabetic() || c == b'_';
    while i < b.len() {
        let at_boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'_';
        if at_boundary && is_uuid_at(b, i) {
            out.push_str("<uuid>");
            i += 36;
            continue;
        }
        if at_boundary && b[i].is_ascii_hexdigit() {
            let end = i + b[i..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            let run = &b[i..end];
            let free = b
                .get(end)
                .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_');
            let digits = run.iter().any(u8::is_ascii_digit);
            let letters = run.iter().any(u8::is_ascii_alphabetic);
            if free && run.len() >= 8 && digits && letters {
                out.push_str("<hex>");
                i = end;
                continue;
            }
        }
        if b[i].is_ascii_digit() && (i == 0 || !word_char(b[i - 1]) && !b[i - 1].is_ascii_digit()) {
            let end = i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            if b.get(end).is_none_or(|c| !word_char(*c)) {
                out.push_str("<n>");
                i = end;
                continue;
            }
        }
        // Copy one character (it may be more than one byte).
        let ch = core[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::of;

    #[test]
    fn what_differs_between_runs_is_taken_out() {
        let a = of(
            r#"{"error": "Task gatk.HaplotypeCaller:3:1 failed. Job exit code 137. Check cos://bucket-1250000000/run/4d3c2b1a-0f9e-4d8c-b7a6-112233445566/stderr\nmore"}"#,
        );
        let b = of(
            r#"{"error": "Task gatk.HaplotypeCaller:12:2 failed. Job exit code 137. Check cos://bucket-1250000000/run/99999999-0f9e-4d8c-b7a6-aabbccddeeff/stderr"}"#,
        );
        assert_eq!(a, b);
        assert_eq!(
            a,
            "Task gatk.HaplotypeCaller:<n>:<n> failed. Job exit code <n>. Check <path>"
        );
    }

    #[test]
    fn a_different_failure_has_a_different_signature() {
        let oom =
            of(r#"{"error": "Task align.bwa_mem2 failed: Killed (exit code 137: out of memory)"}"#);
        let names = of(
            r#"{"error": "Task align.bwa_mem2 failed: [mem_sam_pe] paired reads have different names"}"#,
        );
        assert_ne!(oom, names);
        // A number that is part of a name stays.
        assert!(oom.contains("bwa_mem2"), "{oom}");
        assert!(oom.ends_with("(exit code <n>: out of memory)"), "{oom}");
    }

    #[test]
    fn a_nextflow_tasks_sample_tag_is_taken_out() {
        let a = of(
            "Process `NFCORE_RNASEQ:ALIGN_STAR:STAR_ALIGN (S0882)` terminated with an error exit status (1)",
        );
        let b = of(
            "Process `NFCORE_RNASEQ:ALIGN_STAR:STAR_ALIGN (NA12878_T1)` terminated with an error exit status (137)",
        );
        assert_eq!(a, b);
        assert_eq!(
            a,
            "Process `NFCORE_RNASEQ:ALIGN_STAR:STAR_ALIGN (<tag>)` terminated with an error exit status (<n>)"
        );
        // Only inside backquotes, and only a closed pair.
        assert_eq!(of("lost (S1) `open"), "lost (S1) `open");
    }

    #[test]
    fn ids_uuids_hex_and_paths() {
        assert_eq!(
            of(
                "run run-sweet-cerulean-frog-569111 of prj-abc lost job 7f3a9c0e12ab: /data/work/x.bam"
            ),
            "run <id> of <id> lost job <hex>: <path>"
        );
        assert_eq!(
            of("uuid 0f9e4d8c-b7a6-4d8c-b7a6-112233445566."),
            "uuid <uuid>."
        );
        // Words that only look hexadecimal stay words.
        assert_eq!(of("a deadbeef facade"), "a deadbeef facade");
        assert_eq!(of("  spaced\t\tout  "), "spaced out");
    }

    #[test]
    fn empty_and_odd_messages() {
        assert_eq!(of("{}"), "");
        assert_eq!(of(""), "");
        assert_eq!(of("(( ))"), "(( ))");
        assert_eq!(of("肿瘤样本 12 失败"), "肿瘤样本 <n> 失败");
        assert_eq!(of(&"x ".repeat(500)).chars().count(), 200);
    }
}
