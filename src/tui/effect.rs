//! What `update` asks the app to do: API calls, the clipboard, quitting. Effects are plain
//! data, so tests can check exactly which requests a key press causes.

use crate::api::{Priority, RetryRequest, Scope};

pub use super::request::{LogSource, Request, RunsQuery};
use super::state::tree::CallTree;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A read: asked at most once at a time per request (see `Poller`).
    Load { req: Request, prio: Priority },
    /// TerminateRunGroup (only ever from a confirmation).
    Terminate {
        scope: Scope,
        group_id: String,
        name: String,
    },
    /// RetryRuns (only ever from a confirmation), exactly as the confirmation showed it.
    Retry {
        scope: Scope,
        request: RetryRequest,
        old_group_id: String,
        old_name: String,
    },
    /// Put text on the clipboard with OSC 52.
    Copy(String),
    /// Put a request on the clipboard as a tccli command, with OSC 52.
    CopyTccli(crate::api::Call),
    /// Watch a run group in the background until it finishes or `Unwatch`.
    Watch { scope: Scope, group_id: String },
    /// Stop watching a run group.
    Unwatch(String),
    /// Ask the terminal for a desktop notification (OSC 9) about an event.
    Notify(Box<crate::watch::Event>),
    /// Leave the dashboard.
    Quit,
}

impl Effect {
    /// A read at the given priority.
    pub fn load(req: Request, prio: Priority) -> Self {
        Self::Load { req, prio }
    }

    /// GetRunCalls at `path` of the call tree's run.
    pub fn load_calls(t: &CallTree, path: impl Into<String>, prio: Priority) -> Self {
        Self::load(Request::calls(&t.scope, t.run_uuid(), path), prio)
    }

    /// The request of a read, or `None` for effects that are not reads.
    pub fn request(&self) -> Option<&Request> {
        match self {
            Self::Load { req, .. } => Some(req),
            _ => None,
        }
    }
}
