//! The dashboard headless against the simulator over real HTTP: a `TestBackend` terminal,
//! keys and actions fed through the app's channel, the state polled until it holds.

mod common;

use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use omtop::sim::SimConfig;
use omtop::tui::DashboardOptions;
use omtop::tui::action::Action;
use omtop::tui::app::{App, Event};
use omtop::tui::state::State;
use omtop::tui::view::ViewKind;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::UnboundedSender;

type TestApp = App<TestBackend>;

/// Runs the app until `cond` holds, for at most ten seconds.
async fn until(app: &mut TestApp, what: &str, cond: impl Fn(&State) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !cond(app.state()) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}; status: {:?} / {:?}\n{}",
            app.state().notice,
            app.state().error,
            app.terminal().backend()
        );
        let _ = tokio::time::timeout(Duration::from_millis(200), app.step()).await;
    }
}

fn key(tx: &UnboundedSender<Event>, code: KeyCode) {
    let ev = KeyEvent::new(code, KeyModifiers::NONE);
    tx.send(Event::Terminal(TermEvent::Key(ev)))
        .expect("app is running");
}

fn command(tx: &UnboundedSender<Event>, text: &str) {
    key(tx, KeyCode::Char(':'));
    for c in text.chars() {
        key(tx, KeyCode::Char(c));
    }
    key(tx, KeyCode::Enter);
}

/// The dashboard on the simulator's region, `w`x`h`, started (its first loads sent).
fn started(sim: &omtop::sim::SimHandle, w: u16, h: u16) -> TestApp {
    let opts = DashboardOptions {
        regions: vec![sim.landmarks().region.clone()],
        ..DashboardOptions::default()
    };
    let terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let mut app = App::new(
        common::client_for(sim),
        &opts,
        terminal,
        Box::new(Vec::new()),
    )
    .expect("app");
    app.start();
    app
}

fn selected_job(s: &State) -> Option<String> {
    let t = s.tree()?;
    t.node(t.selected_node()?)
        .meta
        .job_id
        .as_deref()
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_to_a_failed_task_and_retry_its_run_with_call_cache() {
    let sim = common::sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let mut app = started(&sim, 120, 40);
    let tx = app.sender();
    until(&mut app, "projects", |s| {
        s.projects()
            .items
            .iter()
            .any(|p| p.id == lm.default_project)
    })
    .await;

    // Open the running group, then its failed run.
    command(&tx, &format!("group {}", lm.running_group));
    until(&mut app, "the group's runs", |s| {
        s.kind() == ViewKind::Runs
            && s.runs().expect("a runs view").list.loaded
            && s.group().and_then(|g| g.run_group_id.as_deref()) == Some(lm.running_group.as_str())
    })
    .await;
    command(&tx, &format!("run {}", lm.failed_run));
    until(&mut app, "the call tree", |s| {
        s.kind() == ViewKind::Calls && s.tree().is_some_and(|t| !t.nodes.is_empty())
    })
    .await;

    // Jump to the failed task, loading the collapsed sub-workflows on the way.
    key(&tx, KeyCode::Char('n'));
    until(&mut app, "the failed task", |s| {
        s.calls().is_some_and(|c| c.jump.is_none())
            && selected_job(s).as_deref() == Some(lm.failed_job_id.as_str())
    })
    .await;
    let depth = {
        let t = app.state().tree().expect("tree");
        t.node(t.selected_node().expect("selection")).depth
    };
    assert!(
        depth >= 2,
        "the failed task sits in a sub-sub-workflow (depth {depth})"
    );

    // Retry the run with call caching.
    key(&tx, KeyCode::Char('r'));
    until(&mut app, "the confirmation", |s| s.popup.is_some()).await;
    key(&tx, KeyCode::Tab);
    key(&tx, KeyCode::Enter);
    until(&mut app, "the new group selected", |s| {
        s.kind() == ViewKind::Groups
            && s.groups()
                .and_then(|l| l.selected_id())
                .is_some_and(|id| id != lm.running_group && s.retry_of.contains_key(&id))
    })
    .await;
    let new_id = app
        .state()
        .groups()
        .expect("a groups view")
        .selected_id()
        .expect("selected");
    assert_eq!(
        app.state().retry_of.get(&new_id).map(|x| x.0.as_str()),
        Some(lm.running_group.as_str())
    );
    assert_eq!(sim.stats().applied.get("RetryRuns").copied(), Some(1));
    let screen = app.terminal().backend().to_string();
    assert!(screen.contains("retry of"), "{screen}");

    // Nothing is resent: a few more seconds of polling change nothing.
    tx.send(Event::App(Action::Refresh)).expect("running");
    let _ = tokio::time::timeout(Duration::from_millis(500), app.step()).await;
    assert_eq!(sim.stats().applied.get("RetryRuns").copied(), Some(1));
    sim.shutdown();
}

fn pager_tab(s: &State) -> Option<omtop::tui::state::pager::Tab> {
    match &s.popup {
        Some(omtop::tui::state::popup::Popup::Pager(p)) => p.current().cloned(),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_logs_nextflow_trace_and_terminate() {
    let sim = common::sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let mut app = started(&sim, 100, 30);
    let tx = app.sender();
    until(&mut app, "projects", |s| !s.projects().items.is_empty()).await;

    // The failed task's stderr.
    command(&tx, &format!("group {}", lm.running_group));
    until(&mut app, "runs", |s| {
        s.kind() == ViewKind::Runs && s.runs().expect("a runs view").list.loaded
    })
    .await;
    command(&tx, &format!("run {}", lm.failed_run));
    until(&mut app, "calls", |s| {
        s.tree().is_some_and(|t| !t.nodes.is_empty())
    })
    .await;
    key(&tx, KeyCode::Char('n'));
    until(&mut app, "the failed task", |s| {
        selected_job(s).as_deref() == Some(lm.failed_job_id.as_str())
    })
    .await;
    key(&tx, KeyCode::Char('o'));
    until(&mut app, "stdout", |s| {
        pager_tab(s).is_some_and(|t| t.loaded || t.error.is_some())
    })
    .await;
    key(&tx, KeyCode::Tab);
    until(&mut app, "stderr", |s| {
        pager_tab(s)
            .is_some_and(|t| t.source.label() == "stderr" && (t.loaded || t.error.is_some()))
    })
    .await;
    let tab = pager_tab(app.state()).expect("pager");
    assert_eq!(tab.error, None);
    assert!(!tab.lines.is_empty(), "stderr has text");
    key(&tx, KeyCode::Esc);

    // Terminate the running group: confirm, exactly one call.
    key(&tx, KeyCode::Esc);
    key(&tx, KeyCode::Esc);
    until(&mut app, "groups", |s| {
        s.kind() == ViewKind::Groups && s.popup.is_none()
    })
    .await;
    command(&tx, &format!("group {}", lm.running_group));
    until(&mut app, "runs again", |s| {
        s.kind() == ViewKind::Runs && s.runs().expect("a runs view").list.loaded
    })
    .await;
    key(&tx, KeyCode::Char('t'));
    until(&mut app, "confirmation", |s| s.popup.is_some()).await;
    key(&tx, KeyCode::Enter);
    until(&mut app, "terminated", |s| {
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("terminating"))
            && s.notice
                .as_ref()
                .is_some_and(|n| n.text.contains("RequestId"))
    })
    .await;
    assert_eq!(
        sim.stats().applied.get("TerminateRunGroup").copied(),
        Some(1)
    );

    // A finished group refuses: the error is shown with its RequestId, not retried.
    command(&tx, &format!("group {}", lm.finished_group));
    until(&mut app, "finished group's runs", |s| {
        s.group().and_then(|g| g.run_group_id.as_deref()) == Some(lm.finished_group.as_str())
    })
    .await;
    key(&tx, KeyCode::Char('t'));
    let _ = tokio::time::timeout(Duration::from_millis(300), app.step()).await;
    assert!(
        app.state().popup.is_none(),
        "a finished group is not offered for termination"
    );

    // The Nextflow run's trace, parsed.
    command(&tx, &format!("run {}", lm.nextflow_run));
    until(&mut app, "nextflow run", |s| {
        s.tree().is_some_and(|t| t.run_uuid() == lm.nextflow_run)
    })
    .await;
    key(&tx, KeyCode::Esc);
    until(&mut app, "runs of the nextflow group", |s| {
        s.kind() == ViewKind::Runs
    })
    .await;
    key(&tx, KeyCode::Char('o'));
    key(&tx, KeyCode::Tab);
    until(&mut app, "trace", |s| {
        pager_tab(s).is_some_and(|t| t.loaded || t.error.is_some())
    })
    .await;
    let tab = pager_tab(app.state()).expect("pager");
    assert_eq!(tab.error, None);
    assert!(
        tab.trace.is_some_and(|t| !t.rows.is_empty()),
        "trace parsed into a table"
    );
    sim.shutdown();
}

/// Runs the app with its one-second tick until `cond` holds, for at most `secs` seconds.
async fn until_ticking(app: &mut TestApp, secs: u64, what: &str, cond: impl Fn(&State) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut next_tick = tokio::time::Instant::now();
    while !cond(app.state()) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}; status: {:?}\n{}",
            app.state().error,
            app.terminal().backend()
        );
        if tokio::time::Instant::now() >= next_tick {
            app.sender().send(Event::Tick).expect("running");
            next_tick += Duration::from_secs(1);
        }
        let _ = tokio::time::timeout(Duration::from_millis(200), app.step()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_load_by_themselves_after_an_outage_at_start() {
    let sim = common::sim(SimConfig {
        faults: omtop::sim::Faults {
            outage_secs: 3,
            ..omtop::sim::Faults::default()
        },
        ..SimConfig::default()
    })
    .await;
    let lm = sim.landmarks();
    let mut app = started(&sim, 100, 30);
    // The first load fails (the client's own retries are quick here): the pane says so.
    until_ticking(&mut app, 20, "the failure shown", |s| s.error.is_some()).await;
    let screen = app.terminal().backend().to_string();
    assert!(
        screen.contains("projects not loaded yet: trying again"),
        "{screen}"
    );
    // Nobody presses R: the projects arrive once the outage is over.
    until_ticking(&mut app, 20, "the projects", |s| {
        s.projects()
            .items
            .iter()
            .any(|p| p.id == lm.default_project)
    })
    .await;
    assert!(sim.stats().faults.get("Outage").is_some_and(|n| *n > 0));
    sim.shutdown();
}

/// What the app writes for the terminal itself (clipboard, notifications), kept to read.
#[derive(Clone, Default)]
struct Osc(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Osc {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("osc").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Osc {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("osc")).into_owned()
    }

    /// The texts put on the clipboard (OSC 52), in order.
    fn copied(&self) -> Vec<String> {
        use base64::Engine;
        self.text()
            .split("\u{1b}]52;c;")
            .skip(1)
            .filter_map(|s| s.split('\u{7}').next())
            .map(|b| {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .expect("base64");
                String::from_utf8(bytes).expect("UTF-8")
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn y_copies_the_selected_group_as_tccli() {
    let sim = common::sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let endpoint = reqwest::Url::parse(&sim.endpoint()).expect("url");
    let target = omtop::api::tccli::Target::new(&endpoint, "default");
    let opts = DashboardOptions {
        regions: vec![lm.region.clone()],
        tccli: target.clone(),
        ..DashboardOptions::default()
    };
    let osc = Osc::default();
    let terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut app = App::new(
        common::client_for(&sim),
        &opts,
        terminal,
        Box::new(osc.clone()),
    )
    .expect("app");
    let tx = app.sender();
    app.start();
    until(&mut app, "projects", |s| !s.projects().items.is_empty()).await;

    command(&tx, &format!("group {}", lm.finished_group));
    until(&mut app, "the group's runs", |s| s.kind() == ViewKind::Runs).await;
    key(&tx, KeyCode::Esc);

    // Y on the groups pane: the read of the selected group, as tccli sends it.
    until(&mut app, "the groups pane", |s| {
        s.kind() == ViewKind::Groups
    })
    .await;
    app.state()
        .groups()
        .expect("a groups view")
        .selected_id()
        .expect("a group selected");
    key(&tx, KeyCode::Char('Y'));
    until(&mut app, "copied", |_| !osc.copied().is_empty()).await;
    let selected = app
        .state()
        .groups()
        .expect("a groups view")
        .selected_id()
        .expect("selected");
    let scope = app.state().project_scope().expect("scope");
    let expected = omtop::api::Call::new(
        "DescribeRunGroups",
        scope.region.clone(),
        omtop::api::actions::body::page(
            &scope,
            &[omtop::api::types::Filter::new(
                "RunGroupId",
                [selected.as_str()],
            )],
            0,
        ),
    );
    assert_eq!(osc.copied(), [omtop::api::tccli::line(&expected, &target)]);
    assert!(osc.copied()[0].contains(&format!(
        "--endpoint {}",
        endpoint.host_str().expect("host")
    )));
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w_watches_a_group_while_looking_elsewhere() {
    let sim = common::sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let opts = DashboardOptions {
        regions: vec![lm.region.clone()],
        poll_list: Duration::from_secs(1),
        ..DashboardOptions::default()
    };
    let osc = Osc::default();
    let terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut app = App::new(
        common::client_for(&sim),
        &opts,
        terminal,
        Box::new(osc.clone()),
    )
    .expect("app");
    let tx = app.sender();
    app.start();
    until(&mut app, "projects", |s| !s.projects().items.is_empty()).await;

    // Watch the finished group from its runs, then go elsewhere.
    command(&tx, &format!("group {}", lm.finished_group));
    until(&mut app, "the group's runs", |s| {
        s.kind() == ViewKind::Runs
            && s.group().and_then(|g| g.run_group_id.as_deref()) == Some(lm.finished_group.as_str())
    })
    .await;
    key(&tx, KeyCode::Char('w'));
    key(&tx, KeyCode::Esc);
    until(&mut app, "its end in the status bar", |s| {
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("finished: succeeded"))
    })
    .await;
    until(&mut app, "the watch to end", |s| s.watching.is_empty()).await;
    let screen = app.terminal().backend().to_string();
    assert!(screen.contains("◉ run group"), "{screen}");
    let notes = osc.text();
    let note = notes
        .split("\u{1b}]9;omtop: ")
        .nth(1)
        .and_then(|n| n.split('\u{7}').next())
        .unwrap_or_else(|| panic!("no desktop notification in {notes:?}"));
    assert!(
        note.starts_with("run group ") && note.contains("finished: succeeded"),
        "{note:?}"
    );

    sim.shutdown();
}

fn screen(app: &TestApp) -> String {
    let buf = app.terminal().backend().buffer();
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a new user does on `omtop --demo`: finds why the stuck group is stuck, opens a
/// batch's sample sheet, sorts it by a sheet column, and comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stuck_group_says_why_and_a_sample_sheet_sorts_by_its_own_column() {
    let sim = common::sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let mut app = started(&sim, 160, 48);
    let tx = app.sender();
    until(&mut app, "projects", |s| !s.projects().items.is_empty()).await;

    // The stuck group: its row and details say why, once its environment is known.
    command(&tx, &format!("group {}", lm.waiting_group));
    until(&mut app, "the stuck group's runs", |s| {
        s.kind() == ViewKind::Runs
    })
    .await;
    key(&tx, KeyCode::Esc);
    // Environments are asked on the next poll (the one-second tick) while a waiting group
    // is on screen.
    until_ticking(&mut app, 10, "the reason", |s| {
        s.kind() == ViewKind::Groups
            && s.groups()
                .and_then(|l| l.selected_item())
                .and_then(|g| s.waiting_reason(g))
                .is_some()
    })
    .await;
    app.draw().expect("draws");
    let text = screen(&app);
    assert!(text.contains("⚠ env "), "{text}");
    assert!(text.contains("waiting: environment"), "{text}");

    // `e`: its environment, selected, in ERROR.
    key(&tx, KeyCode::Char('e'));
    until(&mut app, "the environment", |s| {
        matches!(s.view(), omtop::tui::view::View::Environments(v)
            if v.list.selected_id().as_deref() == Some(lm.error_environment.as_str()))
    })
    .await;
    key(&tx, KeyCode::Esc);
    until(&mut app, "back on the groups", |s| {
        s.kind() == ViewKind::Groups
    })
    .await;

    // A table batch's sample sheet, joined to its runs, sorted by its second column.
    command(&tx, &format!("group {}", lm.running_group));
    until(&mut app, "the running group's runs", |s| {
        s.kind() == ViewKind::Runs && s.runs().is_some_and(|r| r.list.loaded)
    })
    .await;
    key(&tx, KeyCode::Char('T'));
    let sheet = |s: &State| match s.view() {
        omtop::tui::view::View::Table(v) if !v.list.items.is_empty() => Some(v.clone()),
        _ => None,
    };
    until(&mut app, "the sample sheet", |s| {
        sheet(s).is_some_and(|v| v.list.items.iter().any(|r| r.sample.run.is_some()))
    })
    .await;
    let v = sheet(app.state()).expect("sheet");
    let runs = app.state().runs().expect("the runs below").list.items.len();
    let joined = v
        .list
        .items
        .iter()
        .filter(|r| r.sample.run.is_some())
        .count();
    assert_eq!(joined, runs, "every run of the group is a row of its table");
    assert!(v.list.columns.len() > 3, "{:?}", v.list.columns);
    key(&tx, KeyCode::Char('s'));
    until(&mut app, "sorted by the second column", |s| {
        sheet(s).is_some_and(|v| v.list.sort == 1)
    })
    .await;
    let v = sheet(app.state()).expect("sheet");
    let keys: Vec<_> = v
        .list
        .shown
        .iter()
        .map(|&i| {
            use omtop::tui::state::list::Item;
            v.list.items[i].sort_key(1)
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "sorted: {keys:?}");
    app.draw().expect("draws");
    assert!(screen(&app).contains("Sample sheet"), "{}", screen(&app));
    key(&tx, KeyCode::Esc);
    until(&mut app, "back on the runs", |s| s.kind() == ViewKind::Runs).await;
    assert_eq!(app.state().runs().expect("runs").list.items.len(), runs);
}

/// Batch triage as a person does it: a group's signatures, a signature's run opened on its
/// failed call (the levels on the way asked over HTTP), and esc back to that signature's
/// runs, to take the next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signatures_run_opens_on_its_failed_call_and_esc_comes_back_to_the_signature() {
    use omtop::tui::state::popup::Popup;
    let sim = common::sim(SimConfig::default()).await;
    let lm = sim.landmarks();
    let mut app = started(&sim, 120, 40);
    let tx = app.sender();
    until(&mut app, "projects", |s| !s.projects().items.is_empty()).await;
    command(&tx, &format!("group {}", lm.running_group));
    until(&mut app, "the group's runs", |s| {
        s.kind() == ViewKind::Runs && s.runs().is_some_and(|r| r.list.loaded)
    })
    .await;
    key(&tx, KeyCode::Esc);
    key(&tx, KeyCode::Char('F'));
    until(
        &mut app,
        "the signatures",
        |s| matches!(&s.popup, Some(Popup::Signatures(v)) if !v.sigs.is_empty()),
    )
    .await;
    key(&tx, KeyCode::Enter);
    key(&tx, KeyCode::Enter);
    until(&mut app, "the run's first failed call", |s| {
        s.popup.is_none()
            && s.calls().is_some_and(|c| {
                let t = &c.tree;
                c.jump.is_none()
                    && t.selected_node().is_some_and(|id| {
                        let n = t.node(id);
                        n.class == omtop::api::types::StatusClass::Failed && !n.kind.is_container()
                    })
            })
    })
    .await;
    let opened = app.state().tree().expect("a tree").run_uuid().to_string();
    app.draw().expect("draws");
    assert!(
        screen(&app).contains("esc returns to the signature"),
        "{}",
        screen(&app)
    );

    key(&tx, KeyCode::Esc);
    until(&mut app, "the signature's runs again", |s| {
        matches!(&s.popup, Some(Popup::Signatures(v))
            if v.opened().and_then(|o| o.runs.get(v.run_selected)) == Some(&opened))
    })
    .await;
    assert_eq!(app.state().kind(), ViewKind::Runs);
    app.draw().expect("draws");
    assert!(
        screen(&app).contains("esc back to the signatures"),
        "{}",
        screen(&app)
    );
}
