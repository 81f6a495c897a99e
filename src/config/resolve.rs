//! Resolution of every setting from flags, environment, tccli files and config.toml, in order.

use super::credentials::{Profile, resolve_credentials, tccli_dir};
use super::env::Env;
use super::error::ConfigError;
use super::files::{TccliConfigure, parse_tccli_configure, read_optional};
use super::provider::CredentialProvider;
use super::secret::Credentials;
use super::settings::{CacheSettings, ConnectionFlags, PollSettings, ProjectRef, Settings};
use super::toml_file::{self, LoadedConfig};
use crate::api::{DEFAULT_ENDPOINT, REGIONS, SERVICE_RATE_LIMIT};
use reqwest::Url;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

pub const DEFAULT_REGION: &str = "ap-guangzhou";
pub const DEFAULT_LANGUAGE: &str = "en-US";
pub const LANGUAGES: [&str; 2] = ["en-US", "zh-CN"];

/// Resolves settings and credentials; see the module docs for the order of sources.
pub fn resolve(flags: &ConnectionFlags, env: &Env) -> Result<Settings, ConfigError> {
    let mut base = Base::load(flags, env)?;
    let endpoint = base.endpoint(flags, env)?;
    let profile = Profile {
        name: &base.profile,
        explicit: flags.profile.is_some(),
        has_configure: base.tccli.is_some(),
    };
    let credentials = resolve_credentials(
        env,
        &profile,
        base.config.as_ref(),
        base.config_path.as_ref(),
        &mut base.warnings,
    )?;
    base.into_settings(flags, env, endpoint, credentials)
}

/// Settings for a given endpoint and static credentials (used by `omtop --demo`, which starts
/// the simulator in-process), still honouring config.toml for poll/keys/theme/read_only.
pub fn resolve_with_credentials(
    flags: &ConnectionFlags,
    env: &Env,
    endpoint: Url,
    creds: Credentials,
) -> Result<Settings, ConfigError> {
    let base = Base::load(flags, env)?;
    let provider = CredentialProvider::fixed(creds, format!("given for {endpoint}"));
    base.into_settings(flags, env, endpoint, provider)
}

/// The config file omtop reads: `--config`, else `OMTOP_CONFIG`, else `config.toml` in the
/// platform's config directory (`None` when that is unknown).
pub fn config_path(flags: &ConnectionFlags, env: &Env) -> Option<PathBuf> {
    config_location(flags, env).0
}

/// The config file and who named it (`None`: the default place).
fn config_location(flags: &ConnectionFlags, env: &Env) -> (Option<PathBuf>, Option<&'static str>) {
    match (&flags.config, env.var("OMTOP_CONFIG")) {
        (Some(p), _) => (Some(p.clone()), Some("--config")),
        (None, Some(p)) => (Some(PathBuf::from(p)), Some("OMTOP_CONFIG")),
        (None, None) => (env.config_dir.as_ref().map(|d| d.join("config.toml")), None),
    }
}

/// Settings with no credentials at all, for `omtop doctor` to go on checking the endpoint
/// when none are found (every signed request then fails).
pub fn resolve_without_credentials(
    flags: &ConnectionFlags,
    env: &Env,
) -> Result<Settings, ConfigError> {
    let mut base = Base::load(flags, env)?;
    let endpoint = base.endpoint(flags, env)?;
    let none = CredentialProvider::fixed(Credentials::new("", ""), "none found");
    base.into_settings(flags, env, endpoint, none)
}

/// What every resolution shares: profile, config file, tccli configure file.
struct Base {
    profile: String,
    config_path: Option<PathBuf>,
    config: Option<LoadedConfig>,
    tccli: Option<(PathBuf, TccliConfigure)>,
    warnings: Vec<String>,
}

impl Base {
    fn load(flags: &ConnectionFlags, env: &Env) -> Result<Self, ConfigError> {
        let mut warnings = Vec::new();
        let profile = flags
            .profile
            .clone()
            .or_else(|| env.var("TCCLI_PROFILE").map(str::to_owned))
            .unwrap_or_else(|| "default".to_owned());
        let (config_path, explicit) = config_location(flags, env);
        let config = match &config_path {
            Some(p) => toml_file::load(p, explicit, &mut warnings)?,
            None => None,
        };
        let tccli = match tccli_dir(env).map(|d| d.join(format!("{profile}.configure"))) {
            Some(path) => match read_optional(&path)? {
                Some(text) => Some((path.clone(), parse_tccli_configure(&path, &text)?)),
                None => None,
            },
            None => None,
        };
        Ok(Self {
            profile,
            config_path,
            config,
            tccli,
            warnings,
        })
    }

    fn tccli_origin(&self) -> String {
        match &self.tccli {
            Some((path, _)) => format!("tccli profile '{}' ({})", self.profile, path.display()),
            None => format!("tccli profile '{}'", self.profile),
        }
    }

    fn endpoint(&mut self, flags: &ConnectionFlags, env: &Env) -> Result<Url, ConfigError> {
        let tccli = self.tccli.as_ref().and_then(|(_, t)| t.endpoint.clone());
        let file = self.config.as_ref().and_then(|c| c.file.endpoint.clone());
        let (value, origin) = if let Some(v) = &flags.endpoint {
            (v.clone(), "--endpoint".to_owned())
        } else if let Some(v) = env.var("OMTOP_ENDPOINT") {
            (v.to_owned(), "OMTOP_ENDPOINT".to_owned())
        } else if let Some(v) = tccli {
            (v, self.tccli_origin())
        } else if let (Some(v), Some(c)) = (file, &self.config) {
            (v, c.origin())
        } else {
            (DEFAULT_ENDPOINT.to_owned(), "default".to_owned())
        };
        parse_endpoint(&value, &origin, flags.insecure_http, &mut self.warnings)
    }

    fn region(&mut self, flags: &ConnectionFlags, env: &Env) -> Result<String, ConfigError> {
        let tccli = self.tccli.as_ref().and_then(|(_, t)| t.region.clone());
        let file = self.config.as_ref().and_then(|c| c.file.region.clone());
        let (value, origin) = if let Some(v) = &flags.region {
            (v.clone(), "--region".to_owned())
        } else if let Some(v) = env.var("TENCENTCLOUD_REGION") {
            (v.to_owned(), "TENCENTCLOUD_REGION".to_owned())
        } else if let Some(v) = tccli {
            (v, self.tccli_origin())
        } else if let (Some(v), Some(c)) = (file, &self.config) {
            (v, c.origin())
        } else {
            (DEFAULT_REGION.to_owned(), "default".to_owned())
        };
        check_region(value.trim(), &origin, &mut self.warnings)
    }

    fn into_settings(
        mut self,
        flags: &ConnectionFlags,
        env: &Env,
        endpoint: Url,
        credentials: CredentialProvider,
    ) -> Result<Settings, ConfigError> {
        let region = self.region(flags, env)?;
        let language = self.language()?;
        let (rate_limit, poll, regions, projects) = match &self.config {
            Some(c) => (
                rate_limit(c)?,
                poll(c)?,
                regions(c, &region, &mut self.warnings)?,
                projects(c, &mut self.warnings)?,
            ),
            None => (
                SERVICE_RATE_LIMIT,
                PollSettings::default(),
                vec![region.clone()],
                Vec::new(),
            ),
        };
        let file_read_only = self.config.as_ref().and_then(|c| c.file.read_only);
        let cache = cache_settings(flags, self.config.as_ref())?;
        let (keys, theme) = match self.config.as_mut() {
            Some(c) => (
                std::mem::take(&mut c.file.keys),
                std::mem::take(&mut c.file.theme),
            ),
            None => Default::default(),
        };
        Ok(Settings {
            credentials,
            region,
            regions,
            endpoint,
            rate_limit,
            read_only: flags.read_only || file_read_only.unwrap_or(false),
            language,
            poll,
            cache,
            projects,
            keys,
            theme,
            warnings: self.warnings,
            profile: self.profile,
            config_path: self.config_path,
            data_dir: env.data_dir.clone(),
        })
    }

    /// config.toml `language`, else tccli's `_sys_param.language`, else en-US.
    fn language(&mut self) -> Result<String, ConfigError> {
        if let Some(c) = &self.config
            && let Some(lang) = &c.file.language
        {
            return match LANGUAGES
                .iter()
                .find(|l| l.eq_ignore_ascii_case(lang.trim()))
            {
                Some(l) => Ok((*l).to_owned()),
                None => Err(c.invalid("language", &quoted(lang), "one of en-US, zh-CN")),
            };
        }
        if let Some(lang) = self.tccli.as_ref().and_then(|(_, t)| t.language.clone()) {
            if let Some(l) = LANGUAGES.iter().find(|l| l.eq_ignore_ascii_case(&lang)) {
                return Ok((*l).to_owned());
            }
            let origin = self.tccli_origin();
            self.warnings.push(format!(
                "{origin}: language '{lang}' is not supported; using {DEFAULT_LANGUAGE}"
            ));
        }
        Ok(DEFAULT_LANGUAGE.to_owned())
    }
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// A region omtop does not know is passed on to the service with a warning, not refused:
/// the service answers `UnsupportedRegion` itself where an action does not serve it, and
/// some actions serve more regions than the run APIs (DescribeEnvironments' ap-nanjing).
/// Only a value that cannot be a region name at all is an error.
fn check_region(
    region: &str,
    origin: &str,
    warnings: &mut Vec<String>,
) -> Result<String, ConfigError> {
    if REGIONS.contains(&region) {
        return Ok(region.to_owned());
    }
    let well_formed = region.len() >= 4
        && region.len() <= 40
        && region.contains('-')
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !well_formed {
        return Err(ConfigError::UnknownRegion {
            region: region.to_owned(),
            origin: origin.to_owned(),
            valid: REGIONS.iter().map(|r| (*r).to_owned()).collect(),
        });
    }
    warnings.push(format!(
        "region '{region}' (from {origin}) is not one the run APIs list ({}); using it anyway, and the service will say if it does not serve it",
        REGIONS.join(", ")
    ));
    Ok(region.to_owned())
}

/// Parses an endpoint URL or bare host; plain http only to loopback unless `insecure`.
pub(crate) fn parse_endpoint(
    value: &str,
    origin: &str,
    insecure: bool,
    warnings: &mut Vec<String>,
) -> Result<Url, ConfigError> {
    let trimmed = value.trim();
    let bad = |reason: &str| ConfigError::BadEndpoint {
        value: trimmed.to_owned(),
        origin: origin.to_owned(),
        reason: reason.to_owned(),
    };
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::BadEndpoint {
            value: "(not shown)".to_owned(),
            origin: origin.to_owned(),
            reason: "it contains a user name or password".to_owned(),
        });
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(bad("it has no host"));
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" if insecure => {
            warnings.push(format!(
                "endpoint {url} (from {origin}) uses plain http: requests and signatures travel unencrypted"
            ));
            Ok(url)
        }
        "http" => Err(ConfigError::InsecureEndpoint {
            value: trimmed.to_owned(),
            origin: origin.to_owned(),
        }),
        _ => Err(bad("the scheme must be https (or http to a loopback host)")),
    }
}

fn rate_limit(c: &LoadedConfig) -> Result<u32, ConfigError> {
    let Some(v) = c.file.rate_limit else {
        return Ok(SERVICE_RATE_LIMIT);
    };
    u32::try_from(v)
        .ok()
        .filter(|v| (1..=SERVICE_RATE_LIMIT).contains(v))
        .ok_or_else(|| {
            c.invalid(
                "rate_limit",
                &v.to_string(),
                &format!(
                    "must be 1..={SERVICE_RATE_LIMIT} (the service's limit per action and region)"
                ),
            )
        })
}

/// The cache: on unless `--no-cache` or `cache = false`; `cache_max_mb` bounds it.
fn cache_settings(
    flags: &ConnectionFlags,
    c: Option<&LoadedConfig>,
) -> Result<CacheSettings, ConfigError> {
    let mut out = CacheSettings::default();
    let Some(c) = c else {
        out.enabled = !flags.no_cache;
        return Ok(out);
    };
    out.enabled = !flags.no_cache && c.file.cache.unwrap_or(true);
    if let Some(mb) = c.file.cache_max_mb {
        out.max_bytes = u64::try_from(mb)
            .ok()
            .filter(|mb| (1..=1_000_000).contains(mb))
            .map(|mb| mb * 1_000_000)
            .ok_or_else(|| {
                c.invalid(
                    "cache_max_mb",
                    &mb.to_string(),
                    "must be 1..=1000000 (megabytes)",
                )
            })?;
    }
    Ok(out)
}

/// The cache settings alone, for `omtop cache` (which needs no credentials).
pub fn cache_only(flags: &ConnectionFlags, env: &Env) -> Result<CacheSettings, ConfigError> {
    let base = Base::load(flags, env)?;
    cache_settings(flags, base.config.as_ref())
}

fn poll(c: &LoadedConfig) -> Result<PollSettings, ConfigError> {
    let defaults = PollSettings::default();
    let secs = |key: &str, v: Option<i64>, default: Duration| match v {
        None => Ok(default),
        Some(s) => u64::try_from(s)
            .ok()
            .filter(|s| (1..=86_400).contains(s))
            .map(Duration::from_secs)
            .ok_or_else(|| c.invalid(key, &s.to_string(), "must be 1..=86400 seconds")),
    };
    Ok(PollSettings {
        status: secs("poll.status_secs", c.file.poll.status_secs, defaults.status)?,
        list: secs("poll.list_secs", c.file.poll.list_secs, defaults.list)?,
    })
}

fn regions(
    c: &LoadedConfig,
    region: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<String>, ConfigError> {
    let Some(list) = &c.file.regions else {
        return Ok(vec![region.to_owned()]);
    };
    let mut out: Vec<String> = Vec::new();
    for r in list {
        let r = check_region(r.trim(), &format!("{} `regions`", c.origin()), warnings)?;
        if !out.contains(&r) {
            out.push(r);
        }
    }
    if out.is_empty() {
        return Err(c.invalid("regions", "[]", "list at least one region"));
    }
    Ok(out)
}

fn projects(c: &LoadedConfig, warnings: &mut Vec<String>) -> Result<Vec<ProjectRef>, ConfigError> {
    c.file
        .projects
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if p.id.trim().is_empty() {
                return Err(c.invalid(&format!("projects[{i}].id"), "\"\"", "a project id"));
            }
            let origin = format!("{} `projects[{i}].region`", c.origin());
            Ok(ProjectRef {
                id: p.id.trim().to_owned(),
                region: check_region(p.region.trim(), &origin, warnings)?,
                alias: p.alias.clone().filter(|a| !a.trim().is_empty()),
            })
        })
        .collect()
}
