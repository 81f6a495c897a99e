//! The scripting CLI: the same client as the dashboard, tables or `--json` on stdout,
//! errors on stderr, and exit codes a script can branch on.

pub mod args;
pub mod audit;
pub mod cache;
mod commands;
pub mod config;
pub mod docs;
pub mod doctor;
mod mutate;
pub mod output;
mod platform;
mod tccli;
mod triage;
mod watch;
mod workflow;

use std::process::ExitCode;

use crate::api::{ApiError, Client, KnownProject, Scope};
pub use crate::watch::Finish;
pub use args::{Cli, Command};

/// Exit codes (also listed in the README).
pub mod exit {
    /// Success; for `watch`, every run of the group succeeded.
    pub const OK: u8 = 0;
    /// An error: the API refused, the network failed, or a file could not be read.
    pub const ERROR: u8 = 1;
    /// Bad usage, or a mutation without `--yes` when there is no terminal to ask.
    pub const USAGE: u8 = 2;
    /// `watch`: the group finished with failed runs.
    pub const FAILED: u8 = 3;
    /// `watch`: the group was terminated.
    pub const TERMINATED: u8 = 4;
    /// A mutation's outcome is unknown (the connection broke after sending); not resent.
    pub const OUTCOME_UNKNOWN: u8 = 5;
    /// The item named was not found.
    pub const NOT_FOUND: u8 = 6;
    /// The user answered no.
    pub const CANCELLED: u8 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    NotFound(String),
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            // Includes an internal error in the middle of a mutation: it may be half done.
            Self::Api(e) if e.outcome_unknown() => exit::OUTCOME_UNKNOWN,
            Self::Api(e) if e.code().is_some_and(|c| c.starts_with("ResourceNotFound")) => {
                exit::NOT_FOUND
            }
            Self::Api(_) | Self::Io(_) => exit::ERROR,
            Self::Usage(_) => exit::USAGE,
            Self::NotFound(_) => exit::NOT_FOUND,
            Self::Cancelled => exit::CANCELLED,
        }
    }
}

/// What every command needs.
pub struct Ctx {
    pub client: Client,
    /// Mutating commands are refused (`--read-only` or `read_only = true`).
    pub read_only: bool,
    pub scope: Scope,
    pub regions: Vec<String>,
    pub known_projects: Vec<KnownProject>,
    pub json: bool,
    /// Where the audit log is (for `report`).
    pub data_dir: Option<std::path::PathBuf>,
    /// `--print-tccli`: print each request as a tccli command instead of sending it.
    pub print_tccli: bool,
    /// `--insecure-http`: plain http to another machine is allowed (for `--webhook` too).
    pub insecure_http: bool,
    /// The endpoint and profile a tccli command needs to name.
    pub tccli: crate::api::tccli::Target,
}

/// Runs one CLI command and turns its outcome into an exit code; errors go to stderr.
pub async fn run(ctx: &Ctx, command: &Command) -> ExitCode {
    let mutating = matches!(
        command,
        Command::Terminate { .. } | Command::Retry(_) | Command::Launch(_)
    ) || matches!(command, Command::Triage(a) if a.retry && !a.dry_run);
    let result = match command {
        // Nothing is sent, so read-only mode has nothing to refuse.
        _ if ctx.print_tccli => tccli::print(ctx, command).await,
        _ if mutating && ctx.read_only => Err(CliError::Usage(
            "read-only mode (--read-only or read_only = true in config.toml): nothing was sent"
                .into(),
        )),
        Command::Projects => commands::projects(ctx).await.map(|()| exit::OK),
        Command::Groups(a) => commands::groups(ctx, a).await.map(|()| exit::OK),
        Command::Runs(a) => commands::runs(ctx, a).await.map(|()| exit::OK),
        Command::Calls { run, path } => commands::calls(ctx, run, path).await.map(|()| exit::OK),
        Command::Status { run } => commands::status(ctx, run).await.map(|()| exit::OK),
        Command::Logs(a) => commands::logs(ctx, a).await.map(|()| exit::OK),
        Command::Envs(a) => platform::envs(ctx, a).await.map(|()| exit::OK),
        Command::Volumes(a) => platform::volumes(ctx, a).await.map(|()| exit::OK),
        Command::Tables(a) => platform::tables(ctx, a).await.map(|()| exit::OK),
        Command::Rows(a) => platform::rows(ctx, a).await.map(|()| exit::OK),
        Command::Terminate {
            group,
            yes,
            dry_run,
        } => mutate::terminate(ctx, group, *yes, *dry_run)
            .await
            .map(|()| exit::OK),
        Command::Retry(a) => mutate::retry(ctx, a).await.map(|()| exit::OK),
        Command::Launch(a) => mutate::launch(ctx, a).await.map(|()| exit::OK),
        Command::Triage(a) => triage::triage(ctx, a).await.map(|()| exit::OK),
        Command::Report(a) => triage::report(ctx, a).await.map(|()| exit::OK),
        Command::Watch(a) => watch::watch(ctx, a).await.map(|f| match f {
            Finish::Succeeded => exit::OK,
            Finish::Failed => exit::FAILED,
            Finish::Terminated => exit::TERMINATED,
        }),
        Command::Sim(_)
        | Command::Audit { .. }
        | Command::Config(_)
        | Command::Doctor
        | Command::Completions { .. }
        | Command::Man { .. }
        | Command::Cache { .. } => Err(CliError::Usage(format!(
            "{} is not a client command",
            command.name()
        ))),
    };
    finish(result)
}

/// The exit code of a command's outcome; an error is printed on stderr first.
pub fn finish(result: Result<u8, CliError>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`| head`): not an error worth a message.
        Err(CliError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::from(exit::OK)
        }
        Err(e) => {
            // The service's words are one line, cleaned like everything from the network;
            // omtop's own messages keep their line breaks.
            let text = e.to_string();
            let shown = match e {
                CliError::Api(_) => crate::sanitize::line(&text),
                _ => crate::sanitize::text(&text),
            };
            eprintln!("omtop: {shown}");
            ExitCode::from(e.exit_code())
        }
    }
}
