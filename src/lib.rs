//! omtop: a terminal dashboard and scripting CLI for the Tencent Cloud Healthcare Omics
//! Platform, with a built-in simulator of the platform.

pub mod api;
pub mod audit;
pub mod cache;
pub mod cli;
pub mod config;
pub mod connect;
pub mod sanitize;
pub mod sim;
pub mod start;
pub mod tui;
pub mod watch;

/// Set in the environment, this makes `:panic` in the dashboard, and the end of every CLI
/// command, panic on purpose: the terminal-restore and secrets tests need a real panic in
/// the real binary. Nothing else reads it.
pub const TEST_PANIC_ENV: &str = "OMTOP_TEST_PANIC";
