//! The terminal dashboard: projects → run groups → runs → call tree, live, with triage
//! (filters, jump to failures, logs) and guarded actions (terminate, retry).
//!
//! [`run_dashboard`] takes over the terminal, runs the [`app::App`] loop and gives the
//! terminal back in every case: normal exit, error, panic, Ctrl-C, SIGTERM and SIGHUP.

pub mod action;
pub mod app;
pub mod clipboard;
pub mod effect;
pub mod keymap;
pub mod poller;
pub mod request;
pub mod state;
pub mod ui;
pub mod update;
pub mod view;

#[doc(hidden)]
pub mod fixtures;
mod heap;

use std::collections::BTreeMap;
use std::io::{Write, stdout};
use std::time::Duration;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, EventStream};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::api::Client;

/// What the dashboard needs from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardOptions {
    /// The regions whose projects are listed (the first is the default).
    pub regions: Vec<String>,
    /// How often live runs' statuses are polled.
    pub poll_status: Duration,
    /// How often the visible lists are refreshed.
    pub poll_list: Duration,
    /// No terminate or retry: the keys are removed.
    pub read_only: bool,
    /// Action name → keys, replacing the default keys of that action (e.g. `quit` →
    /// `["ctrl-q"]`).
    pub key_overrides: BTreeMap<String, Vec<String>>,
    /// Colour name → colour (`failed = "#ff5555"`).
    pub theme_overrides: BTreeMap<String, String>,
    /// (project id, region, alias) of projects to list even when DescribeProjects is not
    /// available.
    pub extra_projects: Vec<(String, String, String)>,
    /// No colours (also when the `NO_COLOR` environment variable is set).
    pub no_color: bool,
    /// The endpoint and profile a copied tccli command names (`Y`).
    pub tccli: crate::api::tccli::Target,
    /// Inside tmux: notifications are wrapped in its passthrough sequence.
    pub tmux: bool,
}

impl Default for DashboardOptions {
    fn default() -> Self {
        Self {
            regions: vec!["ap-guangzhou".into()],
            poll_status: Duration::from_secs(3),
            poll_list: Duration::from_secs(10),
            read_only: false,
            key_overrides: BTreeMap::new(),
            theme_overrides: BTreeMap::new(),
            extra_projects: Vec::new(),
            no_color: false,
            tccli: crate::api::tccli::Target::default(),
            tmux: false,
        }
    }
}

impl DashboardOptions {
    pub fn settings(&self) -> state::Settings {
        let mut regions = self.regions.clone();
        if regions.is_empty() {
            regions.push("ap-guangzhou".into());
        }
        state::Settings {
            regions,
            poll_status: self.poll_status,
            poll_list: self.poll_list,
            read_only: self.read_only,
            extra_projects: self.extra_projects.clone(),
        }
    }
}

/// Gives the terminal back: raw mode off, mouse capture off, main screen, cursor shown.
/// Safe to call more than once.
pub fn restore_terminal() {
    // Each step is attempted even if an earlier one failed: a half-restored terminal is
    // worse than an error nobody can print.
    let _ = disable_raw_mode();
    let mut out = stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

/// Runs the dashboard on the real terminal until the user quits.
/// Returns the signal that ended the session, if one did.
pub async fn run_dashboard(
    client: Client,
    mut opts: DashboardOptions,
) -> Result<Option<i32>, String> {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        opts.no_color = true;
    }
    heap::tune();
    // Check the options before touching the terminal, so errors print normally.
    keymap::Keymap::new(&opts.key_overrides, opts.read_only)?;
    ui::theme::Theme::new(opts.no_color, &opts.theme_overrides)?;
    install_panic_hook();
    enable_raw_mode().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let setup = execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        cursor::Hide
    );
    if let Err(e) = setup {
        restore_terminal();
        return Err(format!("cannot set up the terminal: {e}"));
    }
    let result = async {
        let terminal = Terminal::new(CrosstermBackend::new(stdout()))
            .map_err(|e| format!("cannot set up the terminal: {e}"))?;
        let app = app::App::new(client, &opts, terminal, Box::new(stdout()))?;
        app.run(EventStream::new()).await
    }
    .await;
    restore_terminal();
    result
}
