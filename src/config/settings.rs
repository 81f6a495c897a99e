//! The resolved settings the rest of omtop runs on, and the command-line flags that shape them.

use super::provider::CredentialProvider;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Connection flags shared by every omtop command.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConnectionFlags {
    /// tccli / SDK credentials profile to use (default: $TCCLI_PROFILE or "default").
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Region, e.g. ap-guangzhou.
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// API endpoint URL or host.
    #[arg(long, global = true)]
    pub endpoint: Option<String>,
    /// Allow a plain http:// endpoint on a non-loopback host.
    #[arg(long, global = true)]
    pub insecure_http: bool,
    /// Config file (default: $OMTOP_CONFIG or the platform config dir's omtop/config.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Refuse every action that changes anything.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Neither read nor write the on-disk cache (`cache = false` in config.toml).
    #[arg(long, global = true)]
    pub no_cache: bool,
}

/// How often to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollSettings {
    /// GetRunStatus interval for live runs.
    pub status: Duration,
    /// List refresh interval.
    pub list: Duration,
}

impl Default for PollSettings {
    fn default() -> Self {
        Self {
            status: Duration::from_secs(3),
            list: Duration::from_secs(10),
        }
    }
}

/// The on-disk cache of finished runs and of the lists last shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSettings {
    /// `--no-cache` or `cache = false` turn it off.
    pub enabled: bool,
    /// The bound on what it holds (`cache_max_mb`).
    pub max_bytes: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            max_bytes: crate::cache::DEFAULT_MAX_BYTES,
        }
    }
}

/// A project named in configuration, shown when DescribeProjects is unavailable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRef {
    pub id: String,
    pub region: String,
    pub alias: Option<String>,
}

/// Everything resolved from flags, environment, tccli/SDK files and config.toml.
#[derive(Debug, Clone)]
pub struct Settings {
    pub credentials: CredentialProvider,
    pub region: String,
    /// Regions the dashboard browses.
    pub regions: Vec<String>,
    pub endpoint: reqwest::Url,
    /// Requests per second per action and region.
    pub rate_limit: u32,
    pub read_only: bool,
    /// `en-US` or `zh-CN`, sent as X-TC-Language.
    pub language: String,
    pub poll: PollSettings,
    pub cache: CacheSettings,
    pub projects: Vec<ProjectRef>,
    /// Action name to keys, interpreted by the UI.
    pub keys: BTreeMap<String, Vec<String>>,
    /// Theme entry to colour, interpreted by the UI.
    pub theme: BTreeMap<String, String>,
    /// Problems worth showing that did not stop resolution.
    pub warnings: Vec<String>,
    pub profile: String,
    /// The config file omtop reads (it may not exist).
    pub config_path: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
}
