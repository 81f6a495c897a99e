//! omtop's own `config.toml`: schema, parsing with precise errors, unknown-key warnings.

use super::error::ConfigError;
use super::files::{loose_permissions_warning, read_optional};
use super::secret::{Credentials, Secret};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file as written; every field optional so defaults can come from elsewhere.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct FileConfig {
    pub region: Option<String>,
    pub regions: Option<Vec<String>>,
    pub endpoint: Option<String>,
    pub rate_limit: Option<i64>,
    pub read_only: Option<bool>,
    pub language: Option<String>,
    pub cvm_role: Option<String>,
    pub cache: Option<bool>,
    pub cache_max_mb: Option<i64>,
    pub poll: FilePoll,
    pub projects: Vec<FileProject>,
    pub credentials: Option<FileCredentials>,
    pub keys: BTreeMap<String, Vec<String>>,
    pub theme: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct FilePoll {
    pub status_secs: Option<i64>,
    pub list_secs: Option<i64>,
}

#[derive(Deserialize)]
pub(crate) struct FileProject {
    pub id: String,
    pub region: String,
    pub alias: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct FileCredentials {
    pub secret_id: Option<String>,
    pub secret_key: Option<String>,
}

/// A config file that was found and parsed.
pub(crate) struct LoadedConfig {
    pub path: PathBuf,
    pub file: FileConfig,
}

impl LoadedConfig {
    /// How errors and diagnostics name this file.
    pub fn origin(&self) -> String {
        format!("config file {}", self.path.display())
    }

    /// The `[credentials]` pair, if the section is present and complete.
    pub fn credentials(&self) -> Result<Option<Credentials>, ConfigError> {
        let Some(c) = &self.file.credentials else {
            return Ok(None);
        };
        let id = c
            .secret_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let key = c.secret_key.as_deref().filter(|s| !s.trim().is_empty());
        match (id, key) {
            (Some(id), Some(key)) => Ok(Some(Credentials::new(id, Secret::new(key.trim())))),
            (None, None) => Ok(None),
            (Some(_), None) => Err(self.invalid(
                "credentials.secret_key",
                "(missing)",
                "set both secret_id and secret_key",
            )),
            (None, Some(_)) => Err(self.invalid(
                "credentials.secret_id",
                "(missing)",
                "set both secret_id and secret_key",
            )),
        }
    }

    pub fn invalid(&self, key: &str, value: &str, expected: &str) -> ConfigError {
        ConfigError::Invalid {
            origin: self.origin(),
            key: key.to_owned(),
            value: value.to_owned(),
            expected: expected.to_owned(),
        }
    }
}

/// Reads `path`; a missing file is `None` unless `explicit` names who asked for it.
pub(crate) fn load(
    path: &Path,
    explicit: Option<&'static str>,
    warnings: &mut Vec<String>,
) -> Result<Option<LoadedConfig>, ConfigError> {
    let Some(text) = read_optional(path)? else {
        return match explicit {
            Some(by) => Err(ConfigError::ConfigMissing {
                path: path.to_path_buf(),
                by,
            }),
            None => Ok(None),
        };
    };
    let (file, unknown) = parse(path, &text)?;
    warnings.extend(
        unknown
            .into_iter()
            .map(|k| format!("{}: unknown key `{k}` ignored", path.display())),
    );
    let holds_secret = file
        .credentials
        .as_ref()
        .is_some_and(|c| c.secret_key.is_some());
    if holds_secret {
        warnings.extend(loose_permissions_warning(path));
    }
    Ok(Some(LoadedConfig {
        path: path.to_path_buf(),
        file,
    }))
}

/// Parses the text; returns the config and the dotted names of keys omtop does not know.
pub(crate) fn parse(path: &Path, text: &str) -> Result<(FileConfig, Vec<String>), ConfigError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| parse_error(path, text, &e))?;
    let file: FileConfig = toml::from_str(text).map_err(|e| parse_error(path, text, &e))?;
    Ok((file, unknown_keys(&table)))
}

pub(crate) const TOP_KEYS: &[&str] = &[
    "region",
    "regions",
    "endpoint",
    "rate_limit",
    "read_only",
    "language",
    "cvm_role",
    "cache",
    "cache_max_mb",
    "poll",
    "projects",
    "credentials",
    "keys",
    "theme",
];

fn unknown_keys(table: &toml::Table) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut check = |prefix: &str, t: &toml::Table, known: &[&str]| {
        for k in t.keys().filter(|k| !known.contains(&k.as_str())) {
            unknown.push(format!("{prefix}{k}"));
        }
    };
    check("", table, TOP_KEYS);
    if let Some(t) = table.get("poll").and_then(toml::Value::as_table) {
        check("poll.", t, &["status_secs", "list_secs"]);
    }
    if let Some(t) = table.get("credentials").and_then(toml::Value::as_table) {
        check("credentials.", t, &["secret_id", "secret_key"]);
    }
    if let Some(list) = table.get("projects").and_then(toml::Value::as_array) {
        for (i, p) in list.iter().enumerate() {
            if let Some(t) = p.as_table() {
                check(&format!("projects[{i}]."), t, &["id", "region", "alias"]);
            }
        }
    }
    unknown
}

/// `path:line:column: message` plus the offending line, unless that line may hold a secret.
fn parse_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let Some(span) = e.span() else {
        return ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.message().trim().to_owned(),
        };
    };
    let start = span.start.min(text.len());
    let before = text.get(..start).unwrap_or("");
    let line_no = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text
        .get(line_start..start)
        .map_or(1, |s| s.chars().count() + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let message = if line.contains("secret_") {
        format!("line {line_no}, column {column}: invalid credential entry (value not shown)")
    } else {
        format!(
            "line {line_no}, column {column}: {}\n  | {line}",
            e.message().trim()
        )
    };
    ConfigError::Parse {
        path: path.to_path_buf(),
        message,
    }
}
