//! omtop: a terminal dashboard and scripting CLI for the Tencent Cloud Healthcare Omics
//! Platform, with a built-in simulator of the platform.

pub mod api;
pub mod cli;
pub mod config;
pub mod connect;
pub mod sanitize;
pub mod sim;
pub mod start;
pub mod tui;
