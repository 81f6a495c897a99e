//! Configuration and credentials: where omtop finds its keys, region, endpoint and settings.
//!
//! Each setting takes the first source that has it. Credentials: environment
//! (`TENCENTCLOUD_SECRET_ID`/`_KEY`/`_TOKEN`), tccli profile `~/.tccli/<profile>.credential`,
//! the SDK file `~/.tencentcloud/credentials` (`TENCENTCLOUD_CREDENTIALS_FILE`), a CVM
//! instance role (`TENCENTCLOUD_CVM_ROLE` or `cvm_role`), then config.toml `[credentials]`.
//! Region: `--region`, `TENCENTCLOUD_REGION`, tccli configure, config.toml, `ap-guangzhou`.
//! Endpoint: `--endpoint`, `OMTOP_ENDPOINT`, tccli `omics.endpoint`, config.toml, default.
//! Config file: `--config`, `OMTOP_CONFIG`, `<config dir>/config.toml`.

mod credentials;
mod env;
mod error;
mod files;
mod provider;
mod resolve;
mod secret;
mod settings;
pub mod template;
mod toml_file;

#[cfg(test)]
mod tests;

pub use credentials::{
    ENV_CREDENTIALS_FILE, ENV_CVM_ROLE, ENV_METADATA_URL, ENV_SECRET_ID, ENV_SECRET_KEY, ENV_TOKEN,
};
pub use env::Env;
pub use error::ConfigError;
pub use files::write_private;
pub use provider::{CredentialProvider, DEFAULT_METADATA_URL, REFRESH_BEFORE_EXPIRY};
pub use resolve::{
    DEFAULT_LANGUAGE, DEFAULT_REGION, LANGUAGES, cache_only, config_path, resolve,
    resolve_with_credentials, resolve_without_credentials,
};
pub use secret::{Credentials, Secret, mask_id};
pub use settings::{CacheSettings, ConnectionFlags, PollSettings, ProjectRef, Settings};
