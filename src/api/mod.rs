//! The Omics API: signing, models, errors, the rate-limited request queue and the client.
//! Nothing here knows about the terminal UI.

pub mod answer;
pub mod error;
mod lenient;
pub mod resources;
pub mod schema;
pub mod sign;
mod stream;
pub mod tccli;
pub mod text;
pub mod types;

pub use error::{ApiError, TransportKind};

/// The service name in the credential scope and the default host.
pub const SERVICE: &str = "omics";
/// The API version every request carries.
pub const VERSION: &str = "2022-11-28";
/// The default endpoint (mainland China site).
pub const DEFAULT_ENDPOINT: &str = "https://omics.tencentcloudapi.com";
/// The regions the run APIs support, per the spec.
pub const REGIONS: [&str; 3] = ["ap-beijing", "ap-guangzhou", "ap-shanghai"];
/// The service's documented limit: requests per second per action and region.
pub const SERVICE_RATE_LIMIT: u32 = 20;
/// The largest page the Describe actions return.
pub const MAX_PAGE: u32 = 100;
pub mod client;
pub mod credentials;
mod download;
mod mutation;
pub mod probe;
pub mod queue;
mod send;
pub mod transport;

pub use client::{Client, ClientConfig, Reply};
pub use credentials::{CredentialSource, KeyMaterial};
pub use queue::Priority;
pub mod actions;
pub mod finished;
pub use actions::{Call, Created, LaunchRequest, RetryRequest, Scope, WorkflowRequest};
pub mod group;
mod platform;
pub mod projects;
pub mod retry;
pub mod sheet;
pub mod triage;
pub use projects::{KnownProject, ProjectList};
