//! From settings to a working client: credentials, endpoint, rate limit; and the in-process
//! simulator behind `--demo`.

use std::sync::Arc;

use crate::api::credentials::BoxFuture;
use crate::api::{Client, ClientConfig, CredentialSource, KeyMaterial, KnownProject, Scope};
use crate::audit::AuditLog;
use crate::config::{CredentialProvider, Settings};

impl CredentialSource for CredentialProvider {
    fn key_material(&self) -> BoxFuture<'_, Result<KeyMaterial, String>> {
        Box::pin(async move {
            let c = self.get().await.map_err(|e| e.to_string())?;
            Ok(KeyMaterial {
                secret_id: c.secret_id.clone(),
                secret_key: c.secret_key.expose().to_string(),
                token: c.token.as_ref().map(|t| t.expose().to_string()),
            })
        })
    }
}

/// Builds the one client of this process from resolved settings; its mutations are
/// recorded in the audit log of the data directory, as done from `origin` (cli, dashboard).
pub fn client(settings: &Settings, origin: &str) -> Result<Client, String> {
    let mut cfg = ClientConfig::new(
        settings.endpoint.clone(),
        Arc::new(settings.credentials.clone()),
    );
    cfg.rate_limit = settings.rate_limit;
    cfg.language = Some(settings.language.clone());
    cfg.read_only = settings.read_only;
    cfg.audit = Some(audit_log(settings, origin));
    cfg.cache = cache(settings);
    cfg.profile = settings.profile.clone();
    Client::new(cfg).map_err(|e| e.to_string())
}

/// The on-disk cache in the data directory, unless it is turned off.
pub fn cache(settings: &Settings) -> Option<crate::cache::Cache> {
    let dir = settings
        .data_dir
        .as_deref()
        .filter(|_| settings.cache.enabled)?;
    Some(crate::cache::Cache::open(dir, settings.cache.max_bytes))
}

/// The audit log for these settings; without a data directory every mutation is refused.
pub fn audit_log(settings: &Settings, origin: &str) -> AuditLog {
    let path = settings
        .data_dir
        .as_deref()
        .map(crate::audit::file_in)
        .ok_or_else(|| {
            "the data directory is unknown (is HOME set?), so mutations cannot be audited"
                .to_string()
        });
    AuditLog::new(
        path,
        crate::audit::Context {
            origin: origin.to_string(),
            profile: settings.profile.clone(),
            credentials: settings.credentials.describe(),
            endpoint: settings.endpoint.to_string(),
        },
    )
}

/// The scope commands act in: the settings' region and the project named (if any).
pub fn scope(settings: &Settings, project: Option<&str>) -> Scope {
    Scope::new(settings.region.clone(), project.map(str::to_string))
}

/// Projects named in configuration, for when DescribeProjects is unavailable.
pub fn known_projects(settings: &Settings) -> Vec<KnownProject> {
    settings
        .projects
        .iter()
        .map(|p| KnownProject {
            id: p.id.clone(),
            region: p.region.clone(),
            alias: p.alias.clone(),
        })
        .collect()
}

/// Starts the simulator in this process and returns it with settings pointing at it.
pub async fn demo(
    flags: &crate::config::ConnectionFlags,
    env: &crate::config::Env,
) -> Result<(crate::sim::SimHandle, Settings), String> {
    let sim = crate::sim::start(crate::sim::SimConfig {
        contract_check: false,
        ..crate::sim::SimConfig::default()
    })
    .await
    .map_err(|e| format!("cannot start the simulator: {e}"))?;
    let endpoint = reqwest::Url::parse(&sim.endpoint()).map_err(|e| e.to_string())?;
    let creds = crate::config::Credentials::new(sim.secret_id(), sim.secret_key());
    let mut settings = crate::config::resolve_with_credentials(flags, env, endpoint, creds)
        .map_err(|e| e.to_string())?;
    // The demo's world is made anew at each start (its times move with it), so nothing of
    // it is worth keeping.
    settings.cache.enabled = false;
    // The simulator serves two regions; show both.
    if settings.regions.len() < 2 {
        settings.regions = vec!["ap-guangzhou".into(), "ap-shanghai".into()];
    }
    Ok((sim, settings))
}
