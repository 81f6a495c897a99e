//! The commented config.toml `omtop config init` writes: every key omtop reads, with its
//! default, commented out, so the file changes nothing until a line is uncommented.
//!
//! Explanations start with `# `; settings start with `#` and the key itself (`#region = …`),
//! so removing the one `#` of a setting line makes it take effect.

use super::resolve::{DEFAULT_LANGUAGE, DEFAULT_REGION};
use crate::api::{DEFAULT_ENDPOINT, SERVICE_RATE_LIMIT};

/// One action of the dashboard's keymap with its default keys and what it does.
#[derive(Debug, Clone)]
pub struct KeyDefault {
    pub action: String,
    pub keys: Vec<String>,
    pub desc: String,
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| toml::Value::String(s.clone()).to_string())
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// The file's text. `keys` and `theme` come from the dashboard's own tables, so the file
/// names every action and colour the dashboard knows.
pub fn template(keys: &[KeyDefault], theme: &[(&str, &str)]) -> String {
    let poll = super::PollSettings::default();
    let mut out = format!(
        r#"# omtop's configuration. Every key is optional; each is shown here with its default,
# commented out. Remove the leading `#` of a setting to change it.
# Flags (--region, --endpoint, ...) and the environment (TENCENTCLOUD_REGION,
# OMTOP_ENDPOINT, ...) come first; tccli's configured region and endpoint come before
# this file too.

# The region commands act in (the run APIs serve ap-beijing, ap-guangzhou, ap-shanghai).
#region = "{DEFAULT_REGION}"

# The regions the dashboard browses (default: the region above alone).
#regions = ["{DEFAULT_REGION}"]

# The API endpoint (the international site is https://omics.intl.tencentcloudapi.com).
#endpoint = "{DEFAULT_ENDPOINT}"

# Requests per second per action and region (1 to {SERVICE_RATE_LIMIT}, the service's limit).
#rate_limit = {SERVICE_RATE_LIMIT}

# true removes terminate, retry and launch everywhere.
#read_only = false

# The language of the service's messages: en-US or zh-CN.
#language = "{DEFAULT_LANGUAGE}"

# A CVM instance role to take temporary credentials from (default: none).
#cvm_role = "omics-operator"

# Keep what a finished run reads back (call trees, statuses, logs) on disk, and the last
# session's lists for a quick start; `omtop cache` shows it, `--no-cache` skips it once.
#cache = true

# The most the cache may hold, in MB (the oldest-used entries go first).
#cache_max_mb = 300

[poll]
# Seconds between GetRunStatus polls of live runs in view.
#status_secs = {status}
# Seconds between refreshes of the visible lists.
#list_secs = {list}

# Projects to show when DescribeProjects is not available to you (default: none).
# Repeat the block for each project.
#[[projects]]
#id = "prj-xxxxxxxx"
#region = "{DEFAULT_REGION}"
#alias = "tumour cohort"

# Credentials, looked at last (after the environment, tccli profiles, the SDK
# credentials file and a CVM role). Keep this file private (chmod 600) if you use them.
#[credentials]
#secret_id = "AKID..."
#secret_key = "..."

[keys]
# The dashboard's keys, by action: action = ["key", ...]. A change applies to every
# place the action is bound (the help screen, `?`, lists them all).
"#,
        status = poll.status.as_secs(),
        list = poll.list.as_secs(),
    );
    for k in keys {
        out.push_str(&format!("# {}\n", k.desc));
        out.push_str(&format!("#{} = {}\n", k.action, toml_list(&k.keys)));
    }
    out.push_str(
        "\n[theme]\n# Colours by name: a colour name (red, lightblue, ...), an index (0-255) or #rrggbb.\n",
    );
    for (name, colour) in theme {
        out.push_str(&format!("#{name} = \"{colour}\"\n"));
    }
    out
}

/// The text with every setting line uncommented: what the file says when all of it is
/// switched on (the tests read it to prove each key is one omtop knows).
pub fn uncommented(text: &str) -> String {
    text.lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_lowercase() || c == '[') => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::toml_file;
    use std::path::Path;

    fn sample() -> String {
        template(
            &[KeyDefault {
                action: "quit".into(),
                keys: vec!["q".into(), "ctrl-c".into()],
                desc: "Quit".into(),
            }],
            &[("failed", "red")],
        )
    }

    #[test]
    fn as_written_it_sets_nothing() {
        let (file, unknown) = toml_file::parse(Path::new("c.toml"), &sample()).expect("parses");
        assert!(unknown.is_empty(), "{unknown:?}");
        assert!(file.region.is_none() && file.rate_limit.is_none());
        assert!(file.poll.status_secs.is_none() && file.keys.is_empty());
        assert!(file.projects.is_empty() && file.credentials.is_none());
    }

    #[test]
    fn uncommented_it_names_every_key_with_its_default() {
        let text = uncommented(&sample());
        let (file, unknown) = toml_file::parse(Path::new("c.toml"), &text).expect("parses");
        assert!(unknown.is_empty(), "{unknown:?}");
        let table: toml::Table = toml::from_str(&text).expect("toml");
        for key in toml_file::TOP_KEYS {
            assert!(table.contains_key(*key), "the template lacks `{key}`");
        }
        assert_eq!(file.region.as_deref(), Some(DEFAULT_REGION));
        assert_eq!(file.endpoint.as_deref(), Some(DEFAULT_ENDPOINT));
        assert_eq!(file.rate_limit, Some(i64::from(SERVICE_RATE_LIMIT)));
        assert_eq!(file.read_only, Some(false));
        assert_eq!(file.language.as_deref(), Some(DEFAULT_LANGUAGE));
        assert_eq!(file.cache, Some(true));
        assert_eq!(
            file.cache_max_mb,
            Some(i64::try_from(crate::cache::DEFAULT_MAX_BYTES / 1_000_000).unwrap_or(0))
        );
        assert_eq!(file.poll.status_secs, Some(3));
        assert_eq!(file.poll.list_secs, Some(10));
        assert_eq!(file.keys["quit"], ["q", "ctrl-c"]);
        assert_eq!(file.theme["failed"], "red");
        assert_eq!(file.projects.len(), 1);
        let creds = file.credentials.expect("credentials example");
        assert!(creds.secret_id.is_some() && creds.secret_key.is_some());
    }
}
