//! Where events go besides the output: the terminal (a bell, or a desktop notification by
//! OSC 9 or OSC 777, which travel through SSH as any output does, and through tmux wrapped
//! in its passthrough sequence), a command (`--exec`, the event as JSON on stdin and in
//! environment variables) and webhooks (`--webhook`, the event as a JSON POST).
//!
//! The terminal is written at once; commands and webhooks run beside the watch, so a slow
//! receiver never delays the next poll, and [`Notifier::finish`] waits for them at the end.
//! A webhook URL often carries a token: it is never printed whole.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::task::JoinSet;

use super::event::Event;
use crate::sanitize;

/// A notification the terminal gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Terminal {
    /// The bell (BEL).
    Bell,
    /// A desktop notification by OSC 9 (iTerm2, WezTerm, Windows Terminal, Ghostty, ...).
    Osc9,
    /// A desktop notification by OSC 777 (rxvt-unicode, foot, WezTerm, Ghostty, ...).
    Osc777,
}

/// How long a `--exec` command may run before it is stopped.
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one webhook attempt may take; three attempts are made.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
const WEBHOOK_ATTEMPTS: u32 = 3;
/// The longest text put into a desktop notification.
const MAX_NOTIFICATION: usize = 240;

/// The bytes that make the terminal notify about `e`; `tmux`: wrapped so that tmux passes
/// them on to the terminal it runs in (it needs `set -g allow-passthrough on`).
pub fn terminal_sequence(kind: Terminal, e: &Event, tmux: bool) -> String {
    let text: String = sanitize::line(&e.text)
        .chars()
        .take(MAX_NOTIFICATION)
        .collect();
    let seq = match kind {
        Terminal::Bell => return "\u{7}".to_string(),
        Terminal::Osc9 => format!("\u{1b}]9;omtop: {text}\u{7}"),
        Terminal::Osc777 => format!("\u{1b}]777;notify;omtop;{text}\u{7}"),
    };
    if tmux {
        // DCS tmux; <the sequence with every ESC doubled> ST
        format!(
            "\u{1b}Ptmux;{}\u{1b}\\",
            seq.replace('\u{1b}', "\u{1b}\u{1b}")
        )
    } else {
        seq
    }
}

/// A webhook URL as `--webhook` takes it: https, or http to this machine (or anywhere with
/// `insecure`, as for the endpoint).
pub fn webhook_url(s: &str, insecure: bool) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(s.trim()).map_err(|e| format!("--webhook: not a URL: {e}"))?;
    let loopback = url
        .host_str()
        .is_some_and(crate::api::transport::is_loopback_host);
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback || insecure => Ok(url),
        "http" => Err(format!(
            "--webhook {}: plain http to another machine sends the events unencrypted; use https, or pass --insecure-http",
            shown(&url)
        )),
        other => Err(format!("--webhook: the scheme must be https, not {other}")),
    }
}

/// A URL as it may be printed: scheme, host and port, never its path or query (a webhook's
/// token lives there).
fn shown(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port() {
        Some(p) => format!("{}://{host}:{p}/…", url.scheme()),
        None => format!("{}://{host}/…", url.scheme()),
    }
}

/// Every place events go.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    pub terminal: Vec<Terminal>,
    pub exec: Vec<String>,
    pub webhooks: Vec<reqwest::Url>,
}

/// Delivers events to the targets; see the module docs.
pub struct Notifier {
    targets: Targets,
    tty: Option<Box<dyn Write + Send>>,
    tmux: bool,
    http: reqwest::Client,
    running: JoinSet<Option<String>>,
    said_no_tty: bool,
}

/// The controlling terminal, even when stdout and stderr go elsewhere.
fn open_tty() -> Option<Box<dyn Write + Send>> {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .ok()
        .map(|f| Box::new(f) as Box<dyn Write + Send>)
}

impl Notifier {
    /// `tmux`: whether omtop runs inside tmux (`$TMUX` is set).
    pub fn new(targets: Targets, tmux: bool) -> Self {
        let tty = if targets.terminal.is_empty() {
            None
        } else {
            open_tty()
        };
        let http = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("omtop/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self {
            targets,
            tty,
            tmux,
            http,
            running: JoinSet::new(),
            said_no_tty: false,
        }
    }

    /// Sends `e` everywhere; returns warnings about deliveries that failed so far.
    pub fn notify(&mut self, e: &Event) -> Vec<String> {
        let mut warnings = Vec::new();
        if !self.targets.terminal.is_empty() {
            match self.tty.as_mut() {
                Some(tty) => {
                    let seqs: String = self
                        .targets
                        .terminal
                        .iter()
                        .map(|k| terminal_sequence(*k, e, self.tmux))
                        .collect();
                    if let Err(err) = tty.write_all(seqs.as_bytes()).and_then(|()| tty.flush()) {
                        warnings.push(format!("--notify: cannot write to the terminal: {err}"));
                    }
                }
                None if !self.said_no_tty => {
                    self.said_no_tty = true;
                    warnings.push(
                        "--notify: there is no terminal to notify (no /dev/tty); the other targets still get events"
                            .to_string(),
                    );
                }
                None => {}
            }
        }
        for cmd in &self.targets.exec {
            self.running.spawn(exec(cmd.clone(), e.clone()));
        }
        for url in &self.targets.webhooks {
            self.running
                .spawn(post(self.http.clone(), url.clone(), webhook_body(e)));
        }
        while let Some(done) = self.running.try_join_next() {
            warnings.extend(done.ok().flatten());
        }
        warnings
    }

    /// Waits for the commands and webhooks still running; returns their warnings.
    pub async fn finish(mut self) -> Vec<String> {
        let mut warnings = Vec::new();
        while let Some(done) = self.running.join_next().await {
            warnings.extend(done.ok().flatten());
        }
        warnings
    }
}

/// What a webhook receives: the event, plus a lowercase `text` that Slack's and
/// Mattermost's incoming webhooks show as the message.
pub fn webhook_body(e: &Event) -> String {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.insert("text".into(), e.text.clone().into());
    }
    sanitize::escape_json(&v.to_string())
}

/// A command as it may appear in a warning: one clean line, cut short.
fn label(cmd: &str) -> String {
    let mut s: String = sanitize::line(cmd).chars().take(60).collect();
    if cmd.chars().count() > 60 {
        s.push('…');
    }
    s
}

/// Runs `sh -c cmd` with the event on stdin and in its environment; its output goes to
/// omtop's stderr, never into the `--json` stream.
async fn exec(cmd: String, e: Event) -> Option<String> {
    let mut c = tokio::process::Command::new("sh");
    c.arg("-c")
        .arg(&cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::from(std::io::stderr()))
        .kill_on_drop(true)
        .envs(e.env_vars());
    let mut child = match c.spawn() {
        Ok(child) => child,
        Err(err) => return Some(format!("--exec {}: cannot start: {err}", label(&cmd))),
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its stdin is fine.
        let _ = stdin
            .write_all(format!("{}\n", e.json_line()).as_bytes())
            .await;
    }
    match tokio::time::timeout(EXEC_TIMEOUT, child.wait()).await {
        Ok(Ok(status)) if status.success() => None,
        Ok(Ok(status)) => Some(format!("--exec {}: {status}", label(&cmd))),
        Ok(Err(err)) => Some(format!("--exec {}: {err}", label(&cmd))),
        Err(_) => {
            let _ = child.kill().await;
            Some(format!(
                "--exec {}: still running after {} s; stopped",
                label(&cmd),
                EXEC_TIMEOUT.as_secs()
            ))
        }
    }
}

/// POSTs the body, trying again after a failure to connect, a 429 or a 5xx.
async fn post(http: reqwest::Client, url: reqwest::Url, body: String) -> Option<String> {
    let mut last = String::new();
    for attempt in 0..WEBHOOK_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(1 << (attempt - 1))).await;
        }
        let sent = http
            .post(url.clone())
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => return None,
            Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
                last = format!("HTTP {}", r.status());
            }
            Ok(r) => return Some(format!("--webhook {}: HTTP {}", shown(&url), r.status())),
            Err(e) => last = e.without_url().to_string(),
        }
    }
    Some(format!(
        "--webhook {}: not delivered after {WEBHOOK_ATTEMPTS} attempts: {last}",
        shown(&url)
    ))
}
