//! Popups: confirmations that carry the effect they would cause, messages, help, the
//! failures view and the log pager.

use super::super::effect::Effect;
use super::pager::Pager;
use super::signatures::SignaturesView;
use super::tree::NodeId;

/// One option of a confirmation and what choosing it does.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub label: String,
    pub effect: Effect,
    /// The request it sends, as shown while the choice is selected: the action, then one
    /// line per parameter (sanitized; long lists shortened for the screen only).
    pub preview: Vec<String>,
}

/// A question before a dangerous action. Only confirming emits the carried effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub choices: Vec<Choice>,
    pub selected: usize,
}

/// How serious a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// The outcome of a mutation, shown until dismissed.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub title: String,
    pub lines: Vec<String>,
    pub level: Level,
}

/// Every failed call of the run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Failures {
    pub items: Vec<NodeId>,
    pub selected: usize,
    pub offset: usize,
    /// Loads still under way (the list grows as they arrive).
    pub loading: usize,
}

#[derive(Debug, Clone)]
pub enum Popup {
    Confirm(Confirm),
    Message(Message),
    Help {
        scroll: usize,
    },
    Failures(Failures),
    Pager(Box<Pager>),
    /// A run group's failure signatures.
    Signatures(Box<SignaturesView>),
    /// Samples' attempts across the project.
    Attempts(Box<super::signatures::AttemptsView>),
}
