//! What can happen to the dashboard: the user's intents (named in `assets/keymap.toml` and
//! in key overrides by their serde names) and the answers of the API calls it made.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::api::client::ClientStats;
use crate::api::{ApiError, Created, Scope};

use super::request::{Answer, Request};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Move the selection up one row.
    Up,
    /// Move the selection down one row.
    Down,
    /// Collapse the selected call, or go to its parent; in lists, go back.
    Left,
    /// Expand the selected call; in lists, open the selected item.
    Right,
    /// Jump to the first row.
    Top,
    /// Jump to the last row.
    Bottom,
    /// Move up one page.
    PageUp,
    /// Move down one page.
    PageDown,
    /// Open the selected item (drill in), or expand/collapse a call.
    Enter,
    /// Go back one level.
    Back,
    /// Move focus to the next pane.
    FocusNext,
    /// Move focus to the previous pane.
    FocusPrev,
    /// Show every key.
    Help,
    /// Leave omtop.
    Quit,
    /// Filter the focused pane by text.
    Filter,
    /// Cycle the status filter: all, running, failed.
    StatusFilter,
    /// Cycle the sort column.
    Sort,
    /// Reverse the sort order.
    SortReverse,
    /// Jump to the next failed item (loading collapsed calls as needed).
    NextFailure,
    /// Jump to the previous failed item.
    PrevFailure,
    /// List every failed call of the run.
    Failures,
    /// Every attempt of the selected run's sample, across the project; in the failure
    /// signatures, the samples still failing after their latest attempt.
    Attempts,
    /// Copy the selected id to the clipboard (OSC 52).
    Copy,
    /// Copy the selection (or a confirmation's request) as a tccli command (OSC 52).
    CopyTccli,
    /// Watch the selected run group (or stop watching it): its events reach the status bar
    /// and the terminal's notifications.
    Watch,
    /// Open logs: Nextflow log and trace of a run, or a task's stdout and stderr.
    Logs,
    /// Open the run group's environment (why it waits), or the region's environments.
    Environment,
    /// Open the run group's sample sheet: its table's rows joined to their runs.
    SampleSheet,
    /// Mark or unmark the selected run for retry.
    Mark,
    /// Mark every shown run, or clear the marks.
    MarkAll,
    /// Terminate the selected run group (asks first).
    Terminate,
    /// Retry failed or marked runs (asks first).
    Retry,
    /// Open the command line.
    Command,
    /// Reload the focused pane now.
    Refresh,
    /// Carry out the chosen option of a confirmation.
    Confirm,
    /// Close the popup or input without doing anything.
    Cancel,
    /// Choose the next option of a confirmation, or the next log tab.
    NextChoice,
    /// Choose the previous option of a confirmation, or the previous log tab.
    PrevChoice,
    /// Search the log for text.
    Search,
    /// Jump to the next search match.
    SearchNext,
    /// Jump to the previous search match.
    SearchPrev,
    /// Follow the log: fetch it again every few seconds while the run is live.
    Follow,
    /// A key with nothing bound to it in read-only mode.
    #[serde(skip)]
    ReadOnly,
    /// A character typed into the input line.
    #[serde(skip)]
    InputChar(char),
    /// Delete the character before the cursor of the input line.
    InputBackspace,
    /// A mouse click at a terminal cell (column, row).
    #[serde(skip)]
    Click(u16, u16),
    /// The mouse wheel moved: negative is up.
    #[serde(skip)]
    Scroll(i16),
    /// The terminal changed size.
    #[serde(skip)]
    Resize(u16, u16),
    /// The clock moved on (once a second): durations, ages and polling.
    #[serde(skip)]
    Tick(DateTime<FixedOffset>),
    /// The client's request counters.
    #[serde(skip)]
    Stats(ClientStats),
    /// An API call finished.
    #[serde(skip)]
    Api(Box<ApiResult>),
    /// A watched run group raised an event.
    #[serde(skip)]
    Watched(Box<crate::watch::Event>),
    /// The watch of a run group ended (the group finished, or it could not go on).
    #[serde(skip)]
    WatchEnded {
        group_id: String,
        error: Option<String>,
    },
}

/// The answer of one API call the dashboard made, under the request it answers, so an
/// answer for a pane the user has left can be recognised and ignored.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // boxed as a whole inside `Action::Api`
pub enum ApiResult {
    /// A read's answer.
    Loaded {
        req: Request,
        result: Result<Answer, ApiError>,
    },
    /// A list as the last session (or another omtop) fetched it, from the cache: shown at
    /// once with its age while the request for it is on its way.
    Cached {
        req: Request,
        /// When it was fetched (Unix seconds).
        fetched_at: i64,
        answer: Answer,
    },
    /// TerminateRunGroup's answer: its RequestId.
    Terminated {
        group_id: String,
        name: String,
        result: Result<String, ApiError>,
    },
    /// RetryRuns' answer: the new group.
    Retried {
        scope: Scope,
        old_group_id: String,
        old_name: String,
        result: Result<Created, ApiError>,
    },
}

impl ApiResult {
    /// A read's answer.
    pub fn loaded(req: Request, result: Result<Answer, ApiError>) -> Self {
        Self::Loaded { req, result }
    }

    /// How many items the answer brought (0 for an error or a mutation).
    pub fn items(&self) -> usize {
        match self {
            Self::Loaded { result, .. } => result.as_ref().map_or(0, Answer::items),
            Self::Cached { answer, .. } => answer.items(),
            _ => 0,
        }
    }
}

impl Action {
    /// The name used in the keymap and in key overrides.
    pub fn name(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Reads an action from its keymap name.
    pub fn from_name(name: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(Action::NextFailure.name(), "next_failure");
        assert_eq!(Action::from_name("page_down"), Some(Action::PageDown));
        assert_eq!(Action::from_name("nonsense"), None);
    }
}
