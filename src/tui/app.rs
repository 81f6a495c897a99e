//! The app: owns the state and the event channel, runs the one `select!` loop, turns keys
//! into actions, feeds them to `update`, carries out the effects (API calls run as tasks
//! whose answers come back through the channel) and redraws at most once per frame, only
//! when something changed.

use std::future::Future;
use std::io::Write;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyEventKind, MouseButton, MouseEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::time::Instant;

use crate::api::Client;

use super::DashboardOptions;
use super::action::{Action, ApiResult};
use super::clipboard;
use super::effect::Effect;
use super::heap;
use super::keymap::{Keymap, Mode};
use super::state::State;
use super::state::popup::Level as MsgLevel;
use super::ui::Screen;
use super::ui::theme::Theme;
use super::update::{init, update};

/// Everything that reaches the loop: the clock, the terminal, and the app's own actions
/// (API answers, or actions a test feeds in).
#[derive(Debug)]
pub enum Event {
    Tick,
    Terminal(TermEvent),
    App(Action),
}

const SIGHUP: i32 = 1;
const SIGTERM: i32 = 15;

/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);

pub struct App<B: Backend> {
    state: State,
    keymap: Keymap,
    theme: Theme,
    client: Client,
    tx: UnboundedSender<Event>,
    rx: UnboundedReceiver<Event>,
    terminal: Terminal<B>,
    /// Where OSC 52 sequences go (the real terminal, or a buffer in tests).
    osc: Box<dyn Write + Send>,
    dirty: bool,
    last_draw: Instant,
    /// What a copied tccli command names besides the request.
    tccli: crate::api::tccli::Target,
    tmux: bool,
    /// The run groups watched in the background, by id.
    watches: std::collections::HashMap<String, tokio::task::JoinHandle<()>>,
    /// The load under way for each request: a request asked again (`R` on one the service
    /// has not answered) replaces it, and the old one is cancelled, so its late answer or
    /// timeout never lands over the new one.
    loads: std::collections::HashMap<super::request::Request, tokio::task::AbortHandle>,
    /// Lists already offered from the cache: only a list's first load shows the cached one.
    offered: std::collections::HashSet<super::request::Request>,
}

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Local::now().fixed_offset()
}

impl<B: Backend> App<B> {
    pub fn new(
        client: Client,
        opts: &DashboardOptions,
        terminal: Terminal<B>,
        osc: Box<dyn Write + Send>,
    ) -> Result<Self, String> {
        let keymap = Keymap::new(&opts.key_overrides, opts.read_only)?;
        let theme = Theme::new(opts.no_color, &opts.theme_overrides)?;
        let mut state = State::new(opts.settings(), now());
        if let Ok(size) = terminal.size() {
            state.size = (size.width, size.height);
        }
        let (tx, rx) = unbounded_channel();
        Ok(Self {
            state,
            keymap,
            theme,
            client,
            tx,
            rx,
            terminal,
            osc,
            dirty: true,
            last_draw: Instant::now(),
            tccli: opts.tccli.clone(),
            tmux: opts.tmux,
            watches: std::collections::HashMap::new(),
            loads: std::collections::HashMap::new(),
            offered: std::collections::HashSet::new(),
        })
    }

    /// A sender into the loop's channel (tests feed actions through it).
    pub fn sender(&self) -> UnboundedSender<Event> {
        self.tx.clone()
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn terminal(&self) -> &Terminal<B> {
        &self.terminal
    }

    /// Issues the first loads.
    pub fn start(&mut self) {
        let effects = init(&mut self.state);
        self.run_effects(effects);
    }

    /// Handles one event: updates the state and carries out what it asks.
    pub fn handle(&mut self, ev: Event) {
        let action = match ev {
            Event::Tick => {
                let stats = self.client.stats();
                if stats != self.state.stats {
                    self.apply(Action::Stats(stats));
                }
                for problem in self.client.cache_reports() {
                    self.state.flash(MsgLevel::Warn, problem);
                }
                Some(Action::Tick(now()))
            }
            Event::Terminal(e) => self.translate(e),
            Event::App(a) => Some(a),
        };
        if let Some(a) = action {
            self.apply(a);
        }
    }

    fn apply(&mut self, action: Action) {
        let large = matches!(&action, Action::Api(r) if r.items() > heap::LARGE_ANSWER);
        let effects = update(&mut self.state, action);
        if large {
            heap::release_free_memory();
        }
        self.dirty = true;
        self.run_effects(effects);
    }

    /// Turns a terminal event into an action through the keymap.
    fn translate(&self, e: TermEvent) -> Option<Action> {
        match e {
            TermEvent::Key(k) if k.kind != KeyEventKind::Release => {
                let mode = Mode::of(&self.state);
                let typed = match (mode, k.code) {
                    (Mode::Input, crossterm::event::KeyCode::Char(c)) => Some(Action::InputChar(c)),
                    _ => None,
                };
                self.keymap.action(mode, k).or(typed)
            }
            TermEvent::Mouse(m) => match m.kind {
                MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(m.column, m.row)),
                MouseEventKind::ScrollUp => Some(Action::Scroll(-1)),
                MouseEventKind::ScrollDown => Some(Action::Scroll(1)),
                _ => None,
            },
            TermEvent::Resize(w, h) => Some(Action::Resize(w, h)),
            _ => None,
        }
    }

    /// Draws the screen if something changed.
    pub fn draw(&mut self) -> Result<(), String> {
        if !self.dirty {
            return Ok(());
        }
        let screen = Screen {
            state: &self.state,
            keymap: &self.keymap,
            theme: &self.theme,
        };
        self.terminal
            .draw(|f| f.render_widget(&screen, f.area()))
            .map_err(|e| format!("cannot draw: {e}"))?;
        self.dirty = false;
        self.last_draw = Instant::now();
        Ok(())
    }

    /// Waits for the next event on the channel and handles it, with everything queued
    /// behind it; then draws. False when the dashboard is done.
    pub async fn step(&mut self) -> Result<bool, String> {
        let Some(ev) = self.rx.recv().await else {
            return Ok(false);
        };
        self.handle(ev);
        while let Ok(ev) = self.rx.try_recv() {
            self.handle(ev);
        }
        self.draw()?;
        Ok(!self.state.quit)
    }

    /// The event loop: terminal events, a one-second tick, the channel, and signals.
    /// Returns the signal that ended it, if one did (the caller exits 128 + that number).
    pub async fn run<S>(mut self, mut events: S) -> Result<Option<i32>, String>
    where
        S: Stream<Item = std::io::Result<TermEvent>> + Unpin,
    {
        use tokio::signal::unix::{SignalKind, signal};
        let sig = |k| signal(k).map_err(|e| format!("cannot watch signals: {e}"));
        let (mut term, mut hup) = (sig(SignalKind::terminate())?, sig(SignalKind::hangup())?);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        self.start();
        self.draw()?;
        while !self.state.quit {
            let next_frame = self.last_draw + FRAME;
            tokio::select! {
                _ = tick.tick() => self.handle(Event::Tick),
                ev = events.next() => match ev {
                    Some(Ok(e)) => self.handle(Event::Terminal(e)),
                    Some(Err(e)) => return Err(format!("cannot read the terminal: {e}")),
                    None => break,
                },
                Some(ev) = self.rx.recv() => self.handle(ev),
                _ = term.recv() => return Ok(Some(SIGTERM)),
                _ = hup.recv() => return Ok(Some(SIGHUP)),
                _ = tokio::time::sleep_until(next_frame), if self.dirty => self.draw()?,
            }
        }
        Ok(None)
    }

    fn run_effects(&mut self, effects: Vec<Effect>) {
        for e in effects {
            self.run_effect(e);
        }
    }

    /// Runs an API call as a task; its answer comes back as an action.
    fn spawn<F>(&self, fut: F)
    where
        F: Future<Output = ApiResult> + Send + 'static,
    {
        self.spawn_task(fut);
    }

    /// `spawn`, keeping the means to cancel it.
    fn spawn_task<F>(&self, fut: F) -> tokio::task::AbortHandle
    where
        F: Future<Output = ApiResult> + Send + 'static,
    {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let r = fut.await;
            // The loop has ended when this fails; nobody is left to show the answer to.
            let _ = tx.send(Event::App(Action::Api(Box::new(r))));
        })
        .abort_handle()
    }

    /// Writes an escape sequence for the terminal itself (clipboard, notification).
    fn write_osc(&mut self, seq: &str, what: &str) {
        let r = self
            .osc
            .write_all(seq.as_bytes())
            .and_then(|()| self.osc.flush());
        if let Err(err) = r {
            self.state
                .flash(MsgLevel::Error, format!("cannot {what}: {err}"));
        }
    }

    /// Watches a group in the background at the list refresh interval; its events and its
    /// end come back as actions.
    fn watch(&mut self, client: Client, scope: crate::api::Scope, group_id: String) {
        use crate::watch::poll::{self, Update, Watch};
        let w = Watch {
            client,
            scope,
            group_id: group_id.clone(),
            interval: self.state.settings.poll_list,
            priority: crate::api::Priority::Background,
        };
        let tx = self.tx.clone();
        let task = tokio::spawn(async move {
            let mut detector = crate::watch::Detector::new(crate::watch::Conditions::defaults());
            let ended = poll::run(&w, &mut detector, |u| match u {
                Update::Event(e) => {
                    let _ = tx.send(Event::App(Action::Watched(e)));
                }
                Update::Warning(text) => tracing::warn!(group = %w.group_id, "watch: {text}"),
                Update::Group(_) => {}
            })
            .await;
            let error = ended.err().map(|e| e.to_string());
            let _ = tx.send(Event::App(Action::WatchEnded {
                group_id: w.group_id.clone(),
                error,
            }));
        });
        if let Some(old) = self.watches.insert(group_id, task) {
            old.abort();
        }
    }

    fn run_effect(&mut self, e: Effect) {
        let c = self.client.clone();
        let tx = self.tx.clone();
        match e {
            Effect::Quit => self.state.quit = true,
            Effect::Copy(text) => self.write_osc(&clipboard::osc52(&text), "copy"),
            Effect::CopyTccli(call) => {
                let line = crate::api::tccli::line(&call, &self.tccli);
                self.write_osc(&clipboard::osc52(&line), "copy");
            }
            Effect::Notify(e) => {
                let kind = crate::watch::notify::Terminal::Osc9;
                let seq = crate::watch::notify::terminal_sequence(kind, &e, self.tmux);
                self.write_osc(&seq, "notify");
            }
            Effect::Watch { scope, group_id } => self.watch(c, scope, group_id),
            Effect::Unwatch(group_id) => {
                if let Some(task) = self.watches.remove(&group_id) {
                    task.abort();
                }
            }
            Effect::Load { req, prio } => {
                // A list's first load shows the cached one at once, then the answer.
                let first = req.is_cached_list() && self.offered.insert(req.clone());
                let held = self.state.held_for(&req);
                let key = req.clone();
                let task = self.spawn_task(async move {
                    if first && let Some((fetched_at, answer)) = req.cached(&c).await {
                        let cached = ApiResult::Cached {
                            req: req.clone(),
                            fetched_at,
                            answer,
                        };
                        let _ = tx.send(Event::App(Action::Api(Box::new(cached))));
                    }
                    let result = req.fetch(&c, prio, held).await;
                    ApiResult::loaded(req, result)
                });
                self.loads.retain(|_, t| !t.is_finished());
                if let Some(old) = self.loads.insert(key, task) {
                    old.abort();
                }
            }
            Effect::Terminate {
                scope,
                group_id,
                name,
            } => self.spawn(async move {
                let result = c.terminate_run_group(&scope, &group_id).await;
                ApiResult::Terminated {
                    group_id,
                    name,
                    result,
                }
            }),
            Effect::Retry {
                scope,
                request,
                old_group_id,
                old_name,
            } => self.spawn(async move {
                let result = c.retry_runs(&scope, &request).await;
                ApiResult::Retried {
                    scope,
                    old_group_id,
                    old_name,
                    result,
                }
            }),
        }
    }
}
