//! omtop: a terminal dashboard and scripting CLI for the Tencent Cloud Healthcare Omics
//! Platform, with a built-in simulator of the platform.

pub mod api;
pub mod sim;
