//! Watching a run group: what to look for ([`Conditions`]), what was seen ([`Event`]), how
//! a change becomes an event ([`Detector`], no I/O), how events reach a person
//! ([`notify`]) and the polling loop that feeds it all ([`poll`]). The CLI's `omtop watch`
//! and the dashboard's `w` share it.

mod detect;
mod event;
pub mod notify;
pub mod poll;

#[cfg(test)]
mod tests;

pub use detect::{Detector, Observation};
pub use event::{Counts, EnvInfo, Event, Kind, RunInfo};

use std::time::Duration;

/// What raises an event while a group is watched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions {
    /// The group's first failed run (or, if it already has some, the failures found at the
    /// start), once.
    pub first_failure: bool,
    /// A failure whose signature ([`crate::api::signature`]) no earlier failure had.
    pub new_signature: bool,
    /// Failed runs above this percentage of the group's runs, once.
    pub failed_above: Option<f64>,
    /// Still running with failures already counted: it will end in error. Once.
    pub doomed: bool,
    /// A run's call cache is cleared within this window, once. Watching goes on after the
    /// group finishes until this is said (or no cache is left to clear).
    pub cache_expiring: Option<Duration>,
    /// The group's environment becomes unavailable (each time it goes down).
    pub env_unavailable: bool,
    /// The group finished.
    pub finished: bool,
}

impl Conditions {
    /// What `omtop watch` looks for unless told otherwise.
    pub fn defaults() -> Self {
        Self {
            first_failure: true,
            new_signature: true,
            doomed: true,
            finished: true,
            ..Self::default()
        }
    }

    /// Whether the group's failed runs must be read to decide.
    pub fn need_failed_runs(&self) -> bool {
        self.first_failure || self.new_signature
    }
}

/// How a watched group ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Succeeded,
    Failed,
    Terminated,
}
