//! The credential chain: environment, tccli profile, SDK file, CVM role, config.toml.

use super::env::Env;
use super::error::ConfigError;
use super::files::{loose_permissions_warning, parse_ini, parse_tccli_credential, read_optional};
use super::provider::{CredentialProvider, DEFAULT_METADATA_URL};
use super::secret::{Credentials, Secret};
use super::toml_file::LoadedConfig;
use std::path::PathBuf;

pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
pub const ENV_TOKEN: &str = "TENCENTCLOUD_TOKEN";
pub const ENV_CREDENTIALS_FILE: &str = "TENCENTCLOUD_CREDENTIALS_FILE";
pub const ENV_CVM_ROLE: &str = "TENCENTCLOUD_CVM_ROLE";
/// Overrides the metadata service address (for tests and unusual networks).
pub const ENV_METADATA_URL: &str = "OMTOP_METADATA_URL";

/// The profile in use and whether `--profile` named it.
pub(crate) struct Profile<'a> {
    pub name: &'a str,
    pub explicit: bool,
    /// Whether the tccli `<profile>.configure` file exists.
    pub has_configure: bool,
}

/// The tccli directory, `~/.tccli`.
pub(crate) fn tccli_dir(env: &Env) -> Option<PathBuf> {
    env.home.as_ref().map(|h| h.join(".tccli"))
}

fn sdk_file(env: &Env) -> Option<PathBuf> {
    env.var(ENV_CREDENTIALS_FILE)
        .map(PathBuf::from)
        .or_else(|| {
            env.home
                .as_ref()
                .map(|h| h.join(".tencentcloud").join("credentials"))
        })
}

/// Walks the chain in order; the first complete source wins.
pub(crate) fn resolve_credentials(
    env: &Env,
    profile: &Profile<'_>,
    config: Option<&LoadedConfig>,
    config_path: Option<&PathBuf>,
    warnings: &mut Vec<String>,
) -> Result<CredentialProvider, ConfigError> {
    let name = profile.name;
    let mut looked = Vec::new();

    match (env.var(ENV_SECRET_ID), env.var(ENV_SECRET_KEY)) {
        (Some(id), Some(key)) => {
            if profile.explicit {
                warnings.push(format!(
                    "--profile '{name}' is ignored for credentials: {ENV_SECRET_ID} and {ENV_SECRET_KEY} are set"
                ));
            }
            let mut c = Credentials::new(id.trim(), Secret::new(key.trim()));
            c.token = env.var(ENV_TOKEN).map(|t| Secret::new(t.trim()));
            return Ok(CredentialProvider::fixed(
                c,
                "environment (TENCENTCLOUD_SECRET_ID)",
            ));
        }
        (Some(_), None) => {
            return Err(ConfigError::IncompleteEnv {
                set: ENV_SECRET_ID,
                missing: ENV_SECRET_KEY,
            });
        }
        (None, Some(_)) => {
            return Err(ConfigError::IncompleteEnv {
                set: ENV_SECRET_KEY,
                missing: ENV_SECRET_ID,
            });
        }
        (None, None) => looked.push(format!(
            "environment: {ENV_SECRET_ID} and {ENV_SECRET_KEY} are not set"
        )),
    }

    let mut profile_found = profile.has_configure;
    let mut profile_paths = Vec::new();
    match tccli_dir(env) {
        Some(dir) => {
            let path = dir.join(format!("{name}.credential"));
            profile_paths.push(path.clone());
            if profile.has_configure {
                profile_paths.push(dir.join(format!("{name}.configure")));
            }
            match read_optional(&path)? {
                Some(text) => {
                    profile_found = true;
                    let c = parse_tccli_credential(&path, &text)?;
                    if let (Some(id), Some(key)) = (c.secret_id, c.secret_key) {
                        warnings.extend(loose_permissions_warning(&path));
                        let creds = Credentials {
                            secret_id: id,
                            secret_key: key,
                            token: c.token,
                            expires_at: None,
                        };
                        let origin = format!("tccli profile '{name}' ({})", path.display());
                        return Ok(CredentialProvider::from_file(creds, origin, &path));
                    }
                    looked.push(format!(
                        "tccli profile '{name}': {} has no secretId/secretKey",
                        path.display()
                    ));
                }
                None => looked.push(format!(
                    "tccli profile '{name}': {} (not found)",
                    path.display()
                )),
            }
        }
        None => looked.push(format!("tccli profile '{name}': home directory unknown")),
    }

    match sdk_file(env) {
        Some(path) => {
            profile_paths.push(path.clone());
            match read_optional(&path)? {
                Some(text) => match parse_ini(&text).get(name) {
                    Some(section) => {
                        profile_found = true;
                        let get = |k: &str| section.get(k).filter(|v| !v.is_empty());
                        if let (Some(id), Some(key)) = (get("secret_id"), get("secret_key")) {
                            warnings.extend(loose_permissions_warning(&path));
                            let origin =
                                format!("SDK credentials file {} [{name}]", path.display());
                            let creds = Credentials::new(id.as_str(), Secret::new(key.as_str()));
                            return Ok(CredentialProvider::from_file(creds, origin, &path));
                        }
                        looked.push(format!(
                            "SDK credentials file {} [{name}]: no secret_id/secret_key",
                            path.display()
                        ));
                    }
                    None => looked.push(format!(
                        "SDK credentials file {}: no [{name}] section",
                        path.display()
                    )),
                },
                None => looked.push(format!(
                    "SDK credentials file {} (not found)",
                    path.display()
                )),
            }
        }
        None => looked.push("SDK credentials file: home directory unknown".to_owned()),
    }

    if profile.explicit && !profile_found {
        return Err(ConfigError::ProfileNotFound {
            profile: name.to_owned(),
            looked: profile_paths,
        });
    }

    let role = env
        .var(ENV_CVM_ROLE)
        .map(str::to_owned)
        .or_else(|| config.and_then(|c| c.file.cvm_role.clone()))
        .filter(|r| !r.trim().is_empty());
    if let Some(role) = role {
        let base = env.var(ENV_METADATA_URL).unwrap_or(DEFAULT_METADATA_URL);
        return Ok(CredentialProvider::instance_role(role.trim(), base));
    }
    looked.push(format!(
        "CVM instance role: not configured (set cvm_role in config.toml or {ENV_CVM_ROLE})"
    ));

    if let Some(config) = config {
        if let Some(creds) = config.credentials()? {
            return Ok(CredentialProvider::from_file(
                creds,
                config.origin(),
                &config.path,
            ));
        }
        looked.push(format!("{}: no [credentials] section", config.origin()));
    } else {
        looked.push(match config_path {
            Some(p) => format!("config file {} (not found)", p.display()),
            None => "config file: config directory unknown".to_owned(),
        });
    }

    Err(ConfigError::NoCredentials { looked })
}
