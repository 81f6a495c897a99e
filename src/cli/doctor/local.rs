//! The checks on this machine: the config file, the settings, the credentials and the
//! permissions of the file they came from.

use super::Check;
use crate::config::{self, ConfigError, ConnectionFlags, Env, Settings};

const INIT_FIX: &str = "correct it there, or move the file away and run `omtop config init` for a fresh one with every key";

/// The config file alone: where it is, whether it exists and parses.
pub fn config_file(flags: &ConnectionFlags, env: &Env) -> Check {
    match config::resolve_without_credentials(flags, env) {
        Ok(s) => config_ok(&s),
        Err(e) => config_error(&e),
    }
}

fn config_ok(s: &Settings) -> Check {
    match &s.config_path {
        Some(p) if p.exists() => Check::ok("config file", format!("{} parses", p.display())),
        Some(p) => Check::ok(
            "config file",
            format!(
                "{} is not there: the defaults apply (`omtop config init` writes one with every key)",
                p.display()
            ),
        ),
        None => Check::ok(
            "config file",
            "no config directory is known (HOME unset?): the defaults apply",
        ),
    }
}

/// A problem with the config file or a setting, as a failed check.
fn config_error(e: &ConfigError) -> Check {
    match e {
        ConfigError::ConfigMissing { path, by } => Check::fail(
            "config file",
            e.to_string(),
            format!(
                "write one with `omtop --config {} config init`, or stop naming it in {by}",
                path.display()
            ),
        ),
        ConfigError::Parse { .. } | ConfigError::Invalid { .. } | ConfigError::Read { .. } => {
            Check::fail("config file", e.to_string(), INIT_FIX)
        }
        ConfigError::UnknownRegion { .. } => Check::fail(
            "settings",
            e.to_string(),
            "name a region like ap-guangzhou (--region, TENCENTCLOUD_REGION, or region in config.toml)",
        ),
        ConfigError::BadEndpoint { .. } | ConfigError::InsecureEndpoint { .. } => Check::fail(
            "settings",
            e.to_string(),
            "use https://omics.tencentcloudapi.com (or the international site's https://omics.intl.tencentcloudapi.com)",
        ),
        other => Check::fail("settings", other.to_string(), ""),
    }
}

/// Why no credentials were found, and the one thing to do about it.
fn credentials_error(e: &ConfigError) -> Check {
    let fix = match e {
        ConfigError::NoCredentials { .. } => {
            "export TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (a key from the CAM console's API keys page), or run `tccli configure`".to_string()
        }
        ConfigError::ProfileNotFound { profile, .. } => format!(
            "create it with `tccli configure --profile {profile}`, or name a profile that exists"
        ),
        ConfigError::IncompleteEnv { .. } => "set both variables, or neither".to_string(),
        ConfigError::InstanceRole { role, .. } => format!(
            "check that this machine is a CVM with the role '{role}' attached, and the role's name"
        ),
        ConfigError::Read { path, .. } => format!("make it readable by you: `chmod 600 {}`", path.display()),
        ConfigError::Parse { path, .. } => format!(
            "rewrite {} (for a tccli profile, `tccli configure` does it)",
            path.display()
        ),
        _ => String::new(),
    };
    let detail = match e {
        // The chain of places looked at, on one line.
        ConfigError::NoCredentials { looked } => {
            format!("none found; looked at: {}", looked.join("; "))
        }
        other => other.to_string(),
    };
    Check::fail("credentials", detail, fix)
}

/// The config file, the settings, then the credentials (with the mode of their file); the
/// settings to go on with when the service can be asked at all.
pub async fn settings_and_credentials(
    flags: &ConnectionFlags,
    env: &Env,
) -> (Vec<Check>, Option<Settings>) {
    let base = match config::resolve_without_credentials(flags, env) {
        Ok(s) => s,
        Err(e) => {
            let failed = config_error(&e);
            let mut checks = Vec::new();
            if failed.check == "settings" {
                checks.push(Check::ok("config file", "parses"));
            }
            checks.push(failed);
            checks.push(Check::skip(
                "credentials",
                "not looked for: the settings above must be fixed first",
            ));
            return (checks, None);
        }
    };
    let mut checks = vec![config_ok(&base), settings(&base)];
    match config::resolve(flags, env) {
        Ok(s) => {
            checks.extend(credentials(&s).await);
            (checks, Some(s))
        }
        Err(e) => {
            checks.push(credentials_error(&e));
            (checks, Some(base))
        }
    }
}

/// Where requests go, and what resolution warned about.
fn settings(s: &Settings) -> Check {
    let detail = format!(
        "region {}, endpoint {}, profile {}",
        s.region, s.endpoint, s.profile
    );
    if s.warnings.is_empty() {
        Check::ok("settings", detail)
    } else {
        Check::warn(
            "settings",
            format!("{detail}; {}", s.warnings.join("; ")),
            "",
        )
    }
}

/// Which credentials were found and where (never the secret), and whether the file that
/// holds them is private.
async fn credentials(s: &Settings) -> Vec<Check> {
    let origin = s.credentials.describe();
    let c = match s.credentials.get().await {
        Ok(c) => c,
        Err(e) => return vec![credentials_error(&e)],
    };
    let kind = if c.token.is_some() {
        "temporary (with a session token)"
    } else {
        "long-lived"
    };
    let mut out = vec![Check::ok(
        "credentials",
        format!(
            "SecretId {} from {origin}, {kind}",
            config::mask_id(&c.secret_id)
        ),
    )];
    if let Some(file) = s.credentials.file() {
        out.push(file_mode(file));
    }
    out
}

/// A file holding a secret must be readable by its owner only.
fn file_mode(path: &std::path::Path) -> Check {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let name = "credentials file";
        match std::fs::metadata(path) {
            Ok(m) => {
                let mode = m.permissions().mode() & 0o777;
                if mode & 0o077 == 0 {
                    Check::ok(
                        name,
                        format!("{} is private (mode {mode:03o})", path.display()),
                    )
                } else {
                    Check::fail(
                        name,
                        format!(
                            "{} holds a secret and others can read it (mode {mode:03o})",
                            path.display()
                        ),
                        format!("run `chmod 600 {}`", path.display()),
                    )
                }
            }
            Err(e) => Check::warn(name, format!("{}: {e}", path.display()), ""),
        }
    }
    #[cfg(not(unix))]
    {
        Check::ok("credentials file", path.display().to_string())
    }
}
