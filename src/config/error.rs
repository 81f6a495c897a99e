//! Why configuration could not be resolved; no message ever carries a secret.

use std::path::PathBuf;

/// A configuration or credentials problem, naming what was wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {} (named by {by}) does not exist", path.display())]
    ConfigMissing { path: PathBuf, by: &'static str },

    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },

    #[error("{origin}: `{key}` = {value} is invalid: {expected}")]
    Invalid {
        origin: String,
        key: String,
        value: String,
        expected: String,
    },

    #[error("'{region}' (from {origin}) is not a region name (like {})", valid.join(", "))]
    UnknownRegion {
        region: String,
        origin: String,
        valid: Vec<String>,
    },

    #[error("endpoint '{value}' (from {origin}) is not a usable URL: {reason}")]
    BadEndpoint {
        value: String,
        origin: String,
        reason: String,
    },

    #[error(
        "endpoint '{value}' (from {origin}) uses plain http:// to a non-loopback host; \
         use https://, or pass --insecure-http if you really mean it"
    )]
    InsecureEndpoint { value: String, origin: String },

    #[error("{set} is set but {missing} is not; set both (or neither)")]
    IncompleteEnv {
        set: &'static str,
        missing: &'static str,
    },

    #[error(
        "profile '{profile}' not found; looked at: {}. Create it with `tccli configure --profile {profile}`",
        join_paths(looked)
    )]
    ProfileNotFound {
        profile: String,
        looked: Vec<PathBuf>,
    },

    #[error(
        "no Tencent Cloud credentials found. Looked, in order, at:\n{}\n\
         To fix: export TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, \
         or run `tccli configure`, or try `omtop --demo` to use the built-in simulator",
        looked.iter().enumerate().map(|(i, l)| format!("  {}. {l}", i + 1)).collect::<Vec<_>>().join("\n")
    )]
    NoCredentials { looked: Vec<String> },

    #[error("CVM role '{role}': cannot get credentials from {url}: {reason}")]
    InstanceRole {
        role: String,
        url: String,
        reason: String,
    },
}

fn join_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
