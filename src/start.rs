//! What `main` does once the command line is parsed: logging, settings, then the simulator,
//! a CLI command, or the dashboard.

use std::process::ExitCode;

use crate::cli::{self, Cli, Command, Ctx};
use crate::config::{Env, Settings};
use crate::connect;

/// Logs go to a file (never the terminal the dashboard draws on): `$OMTOP_LOG`, or
/// `omtop.log` in the data directory.
fn init_logging(level: &str, data_dir: Option<&std::path::Path>) {
    let path = std::env::var_os("OMTOP_LOG")
        .map(std::path::PathBuf::from)
        .or_else(|| data_dir.map(|d| d.join("omtop.log")));
    let Some(path) = path else { return };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let Ok(file) = options.open(&path) else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_new(format!("omtop={level}"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("omtop=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

/// omtop's own message (settings, credentials, the simulator): its line breaks are kept;
/// anything in it from outside is still cleaned of escapes and controls.
fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("omtop: {}", crate::sanitize::text(message));
    ExitCode::from(code)
}

pub async fn run(cli: Cli) -> ExitCode {
    if cli.print_tccli {
        let local = match &cli.command {
            None => Some("the dashboard (press Y there to copy the selection's tccli command)"),
            Some(
                c @ (Command::Sim(_)
                | Command::Audit { .. }
                | Command::Config(_)
                | Command::Doctor
                | Command::Completions { .. }
                | Command::Man { .. }),
            ) => Some(c.name()),
            Some(_) => None,
        };
        if let Some(what) = local {
            return fail(
                &format!("--print-tccli: {what} sends no request, so it has no tccli equivalent"),
                cli::exit::USAGE,
            );
        }
    }
    if let Some(Command::Sim(args)) = cli.command {
        init_logging(&cli.log_level, None);
        return match crate::sim::run_cli(args).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e, cli::exit::ERROR),
        };
    }
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let script = cli::docs::completions(*shell);
            return cli::finish(
                cli::output::write_bytes(&script)
                    .map(|()| cli::exit::OK)
                    .map_err(Into::into),
            );
        }
        Some(Command::Man { out_dir }) => return cli::finish(man(out_dir.as_deref())),
        _ => {}
    }
    let env = Env::from_process();
    if let Some(Command::Audit { limit }) = cli.command {
        // A local file: no credentials needed.
        init_logging(&cli.log_level, None);
        let shown = cli::audit::show(env.data_dir.as_deref(), limit, cli.json);
        test_panic();
        return cli::finish(shown.map(|()| cli::exit::OK));
    }
    if let Some(Command::Config(cli::args::ConfigCommand::Init)) = &cli.command {
        // Before any settings are read: the file may not exist yet, nor credentials.
        let written = cli::config::init(&cli.connection, &env).and_then(|path| {
            let shown = crate::sanitize::line(&path.display().to_string()).into_owned();
            if cli.json {
                cli::output::json(&serde_json::json!({ "Path": shown }))?;
            } else {
                cli::output::write(&format!(
                    "wrote {shown}: every key with its default, commented out (remove a `#` to change one)\n"
                ))?;
            }
            Ok(cli::exit::OK)
        });
        return cli::finish(written);
    }
    if let Some(Command::Doctor) = &cli.command {
        // Before settings are resolved: resolving them is what it checks first.
        init_logging(&cli.log_level, env.data_dir.as_deref());
        let (_sim, demo) = if cli.demo {
            match connect::demo(&cli.connection, &env).await {
                Ok((sim, s)) => (Some(sim), Some(s)),
                Err(e) => return fail(&e, cli::exit::ERROR),
            }
        } else {
            (None, None)
        };
        let flags = &cli.connection;
        let checked = cli::doctor::run(flags, &env, demo, cli.project.as_deref(), cli.json).await;
        return cli::finish(checked);
    }
    if let Some(Command::Cache { action }) = &cli.command {
        // A local file: no credentials needed.
        init_logging(&cli.log_level, None);
        let shown = crate::config::cache_only(&cli.connection, &env)
            .map_err(|e| cli::CliError::Usage(e.to_string()))
            .and_then(|settings| {
                let clear = *action == Some(cli::args::CacheAction::Clear);
                cli::cache::run(env.data_dir.as_deref(), settings, clear, cli.json)
            });
        return cli::finish(shown.map(|()| cli::exit::OK));
    }
    // Keep the simulator alive for the whole session when --demo started it.
    let (_sim, settings) = if cli.demo {
        match connect::demo(&cli.connection, &env).await {
            Ok((sim, s)) => (Some(sim), s),
            Err(e) => return fail(&e, cli::exit::ERROR),
        }
    } else {
        match crate::config::resolve(&cli.connection, &env) {
            Ok(s) => (None, s),
            Err(e) => return fail(&e.to_string(), cli::exit::USAGE),
        }
    };
    init_logging(&cli.log_level, settings.data_dir.as_deref());
    for w in &settings.warnings {
        eprintln!("omtop: warning: {}", crate::sanitize::line(w));
    }
    tracing::info!(endpoint = %settings.endpoint, region = %settings.region, credentials = %settings.credentials.describe(), "starting");
    let origin = if cli.command.is_some() {
        "cli"
    } else {
        "dashboard"
    };
    let client = match connect::client(&settings, origin) {
        Ok(c) => c,
        Err(e) => return fail(&e, cli::exit::ERROR),
    };
    let ctx = Ctx {
        client,
        read_only: settings.read_only,
        scope: connect::scope(&settings, cli.project.as_deref()),
        regions: settings.regions.clone(),
        known_projects: connect::known_projects(&settings),
        json: cli.json,
        data_dir: settings.data_dir.clone(),
        print_tccli: cli.print_tccli,
        insecure_http: cli.connection.insecure_http,
        tccli: crate::api::tccli::Target::new(&settings.endpoint, &settings.profile),
    };
    match &cli.command {
        Some(command) => {
            cache_warnings(&ctx.client);
            let code = cli::run(&ctx, command).await;
            cache_warnings(&ctx.client);
            test_panic();
            code
        }
        None => dashboard(ctx, &settings, cli.project.as_deref()).await,
    }
}

/// `omtop man`: the page on stdout, or every page into a directory.
fn man(out_dir: Option<&std::path::Path>) -> Result<u8, cli::CliError> {
    match out_dir {
        None => cli::output::write_bytes(&cli::docs::man()?)?,
        Some(dir) => {
            for page in cli::docs::man_pages(dir)? {
                cli::output::write(&format!(
                    "{}\n",
                    crate::sanitize::line(&dir.join(page).display().to_string())
                ))?;
            }
        }
    }
    Ok(cli::exit::OK)
}

/// The cache's problems (a file set aside, one from a newer omtop), each told once.
fn cache_warnings(client: &crate::api::Client) {
    for w in client.cache_reports() {
        eprintln!("omtop: warning: {}", crate::sanitize::line(&w));
    }
}

/// A test hook: a real panic after a command ran (with credentials loaded, if it uses them).
fn test_panic() {
    if std::env::var_os(crate::TEST_PANIC_ENV).is_some() {
        panic!(
            "forced after the command ({} is set)",
            crate::TEST_PANIC_ENV
        );
    }
}

async fn dashboard(ctx: Ctx, settings: &Settings, project: Option<&str>) -> ExitCode {
    let mut regions = settings.regions.clone();
    // Start in the region the user named, then the others.
    if let Some(pos) = regions.iter().position(|r| *r == settings.region) {
        let first = regions.remove(pos);
        regions.insert(0, first);
    }
    let opts = crate::tui::DashboardOptions {
        regions,
        poll_status: settings.poll.status,
        poll_list: settings.poll.list,
        read_only: settings.read_only,
        key_overrides: settings.keys.clone(),
        theme_overrides: settings.theme.clone(),
        extra_projects: settings
            .projects
            .iter()
            .map(|p| {
                (
                    p.id.clone(),
                    p.region.clone(),
                    p.alias.clone().unwrap_or_default(),
                )
            })
            .collect(),
        no_color: false,
        tccli: ctx.tccli.clone(),
        tmux: std::env::var_os("TMUX").is_some_and(|v| !v.is_empty()),
    };
    if project.is_some() {
        tracing::info!("--project is for CLI commands; the dashboard lists every project");
    }
    match crate::tui::run_dashboard(ctx.client, opts).await {
        Ok(None) => ExitCode::SUCCESS,
        // As a shell reports a process that a signal ended: 128 + its number.
        Ok(Some(signal)) => ExitCode::from(128u8.saturating_add(signal as u8)),
        Err(e) => fail(&e, cli::exit::ERROR),
    }
}
