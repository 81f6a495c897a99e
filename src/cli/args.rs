//! The command line: `omtop` opens the dashboard; subcommands are the scripting CLI.

use clap::{Args, Parser, Subcommand};

use crate::config::ConnectionFlags;
use crate::sim::SimArgs;

/// `--help`'s and the manual's last section: exit codes, environment, files.
const AFTER_LONG_HELP: &str = "\
With no command, opens the dashboard. `omtop --demo` opens it on the built-in simulator.

Exit codes: 0 success (watch: every run succeeded; doctor: every check passed), 1 error,
2 bad usage (or a mutation without --yes and no terminal to ask), 3 watch: the group
finished with failed runs, 4 watch: the group was terminated, 5 a mutation's outcome is
unknown (not resent: check before trying again), 6 not found, 130 answered no.

Credentials, first found wins: TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (and
TENCENTCLOUD_TOKEN); the tccli profile ~/.tccli/<profile>.credential (--profile or
TCCLI_PROFILE); the SDK file ~/.tencentcloud/credentials (TENCENTCLOUD_CREDENTIALS_FILE);
a CVM role (TENCENTCLOUD_CVM_ROLE or cvm_role); [credentials] in config.toml.

Environment: TENCENTCLOUD_REGION, OMTOP_ENDPOINT, OMTOP_CONFIG, OMTOP_LOG (the log file),
OMTOP_LOG_LEVEL, NO_COLOR.

Files: config.toml in the config directory (~/.config/omtop/ on Linux; `omtop config init`
writes one); omtop.log and audit.jsonl in the data directory (~/.local/share/omtop/).

`omtop doctor` checks the whole setup and names the fix for whatever fails.";

#[derive(Debug, Parser)]
#[command(
    name = "omtop",
    version,
    about = "A terminal dashboard and scripting CLI for the Tencent Cloud Healthcare Omics Platform",
    after_help = "With no command, opens the dashboard. `omtop --demo` opens it on the built-in simulator.",
    after_long_help = AFTER_LONG_HELP
)]
pub struct Cli {
    /// Run against the built-in simulator instead of an account (no credentials needed).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Project id (default: the region's default project).
    #[arg(long, short = 'p', global = true)]
    pub project: Option<String>,
    /// Print the request as the equivalent `tccli omics <Action> ...` command, and send
    /// nothing (a retry or launch still reads what its request depends on).
    #[arg(long, global = true)]
    pub print_tccli: bool,
    /// Log verbosity for the log file (error, warn, info, debug, trace).
    #[arg(long, global = true, default_value = "info", env = "OMTOP_LOG_LEVEL")]
    pub log_level: String,
    #[command(flatten)]
    pub connection: ConnectionFlags,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the simulated platform on 127.0.0.1 until Ctrl-C.
    Sim(SimArgs),
    /// List projects (DescribeProjects, or the fallback when it is unavailable).
    Projects,
    /// List run groups.
    Groups(GroupsArgs),
    /// List runs (all pages).
    Runs(RunsArgs),
    /// List the calls of a run at a path ("/" top level, "/A/B" below call B inside A).
    Calls {
        run: String,
        #[arg(default_value = "/")]
        path: String,
    },
    /// Show a run's status (GetRunStatus).
    Status { run: String },
    /// Print a run's metadata file (nextflow.log, execution_trace.txt) or a task's log.
    Logs(LogsArgs),
    /// Terminate a run group.
    Terminate {
        group: String,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Print the request that would be sent, and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Retry failed runs: a group's failed runs, or the runs named.
    Retry(RetryArgs),
    /// Launch an application (RunApplication), or a Nextflow workflow from git
    /// (RunWorkflow, with --git).
    Launch(Box<LaunchArgs>),
    /// List the region's environments (DescribeEnvironments) and their live run groups.
    Envs(EnvsArgs),
    /// List the cache volumes of the region's environments (DescribeVolumes).
    Volumes(VolumesArgs),
    /// List a project's sample tables (DescribeTables).
    Tables(TablesArgs),
    /// Show a table's rows, each joined to its run in a run group (DescribeTablesRows).
    Rows(RowsArgs),
    /// A run group's failures by cause: every failed run under a failure signature.
    Triage(TriageArgs),
    /// A Markdown hand-off report of a run group's failures.
    Report(ReportArgs),
    /// Wait until a run group finishes (exit 0 if every run succeeded), telling of what
    /// happens on the way: first failure, a new kind of failure, doomed, finished, and more.
    Watch(WatchArgs),
    /// Show where the on-disk cache is and what it holds; `omtop cache clear` empties it.
    Cache {
        #[command(subcommand)]
        action: Option<CacheAction>,
    },
    /// Show the audit log: every terminate, retry and launch, with its result.
    Audit {
        /// Show the last N mutations (0: all).
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Check the setup: config, credentials and their file's permissions, the endpoint and
    /// TLS, the clock, one harmless read of each action omtop uses, the regions that answer.
    /// Each failure comes with its fix; exit 0 only when every check passed.
    Doctor,
    /// omtop's config file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print shell completions to stdout (see the README for where each shell reads them).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout, or write one page per command into a
    /// directory (`man omtop`, `man omtop-watch`, ...).
    Man {
        /// Write omtop.1 and a page per command here instead (e.g. ~/.local/share/man/man1).
        #[arg(long, value_name = "DIR")]
        out_dir: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented config.toml with every key and its default (private to you; an
    /// existing file is never overwritten). The file is --config, $OMTOP_CONFIG, or
    /// config.toml in the platform's config directory.
    Init,
}

/// A condition `omtop watch --on` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnCondition {
    /// The group's first failed run (or the failures it already has), once.
    FirstFailure,
    /// A failure whose signature no earlier failure had.
    NewSignature,
    /// Still running with failures already counted: it will end in error.
    Doomed,
    /// The group's environment becomes unavailable.
    EnvUnavailable,
    /// The group finished.
    Finished,
    /// All of the above.
    All,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    pub group: String,
    /// Seconds between polls.
    #[arg(long, default_value_t = 10)]
    pub interval: u64,
    /// What raises an event (repeat, or separate with commas). Default, when no condition
    /// is given: first-failure, new-signature, doomed, finished.
    #[arg(
        long = "on",
        value_enum,
        value_delimiter = ',',
        value_name = "CONDITION"
    )]
    pub on: Vec<OnCondition>,
    /// An event when failed runs pass this percentage of the group's runs.
    #[arg(long, value_name = "PERCENT")]
    pub failed_above: Option<f64>,
    /// An event when a run's call cache will be cleared within this window (e.g. 6h, 90m,
    /// 2d); the watch goes on after the group finishes until it is said.
    #[arg(long, value_name = "WINDOW", value_parser = parse_window)]
    pub cache_expiring: Option<std::time::Duration>,
    /// Notify through the terminal: bell, osc9, osc777 (desktop notifications; they pass
    /// through SSH, and through tmux with `allow-passthrough on`).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "HOW")]
    pub notify: Vec<crate::watch::notify::Terminal>,
    /// Run this shell command for each event, the event as JSON on stdin and in OMTOP_*
    /// variables (repeat for several).
    #[arg(long, value_name = "CMD")]
    pub exec: Vec<String>,
    /// POST each event as JSON to this URL (https, or http to this machine; repeat for
    /// several). It carries a lowercase `text`, so Slack and Mattermost show it.
    #[arg(long, value_name = "URL")]
    pub webhook: Vec<String>,
}

/// `90s`, `30m`, `6h`, `2d`.
fn parse_window(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a window like 6h, 90m or 2d"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{s:?}: give a unit, like 6h, 90m or 2d")),
    };
    Ok(std::time::Duration::from_secs(n.saturating_mul(secs)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum CacheAction {
    /// Remove everything the cache holds (and any unreadable copy set aside).
    Clear,
}

#[derive(Debug, Args)]
pub struct GroupsArgs {
    /// Only groups in this status (e.g. RUNNING, COMPLETE_ERROR).
    #[arg(long)]
    pub status: Vec<String>,
    /// Only groups whose name matches.
    #[arg(long)]
    pub name: Option<String>,
    /// WDL or NEXTFLOW.
    #[arg(long = "type")]
    pub kind: Option<String>,
    /// Only groups of this application id.
    #[arg(long)]
    pub application: Option<String>,
}

#[derive(Debug, Args)]
pub struct TriageArgs {
    /// The run group.
    pub group: String,
    /// Follow each failed run's call tree to the failing task (one GetRunCalls per level
    /// of its failed path) instead of reading only the runs' own errors.
    #[arg(long)]
    pub deep: bool,
    /// Only signature N (as numbered in the listing).
    #[arg(long, value_name = "N")]
    pub signature: Option<usize>,
    /// Retry exactly the runs of signature N (one RetryRuns).
    #[arg(long, requires = "signature")]
    pub retry: bool,
    /// With --retry: reuse what succeeded (WDL call cache / Nextflow resume).
    #[arg(long, requires = "retry")]
    pub cache: bool,
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// With --retry: print the request that would be sent, and send nothing.
    #[arg(long, requires = "retry")]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run group.
    pub group: String,
    /// Signatures from each failed run's call tree (see `triage --deep`).
    #[arg(long)]
    pub deep: bool,
    /// Write the report here instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Only runs of this run group.
    #[arg(long, short = 'g')]
    pub group: Option<String>,
    /// Only runs in this status (e.g. EXECUTOR_ERROR).
    #[arg(long)]
    pub status: Vec<String>,
    /// Only the run of this sample (UserDefinedId).
    #[arg(long)]
    pub sample: Option<String>,
}

#[derive(Debug, Args)]
pub struct EnvsArgs {
    /// Only environments in this status (e.g. RUNNING, ERROR; repeat for several).
    #[arg(long)]
    pub status: Vec<String>,
    /// Only environments whose name matches.
    #[arg(long)]
    pub name: Option<String>,
    /// Only this environment (repeat for several).
    #[arg(long = "id")]
    pub ids: Vec<String>,
}

#[derive(Debug, Args)]
pub struct VolumesArgs {
    /// Only the volumes of this environment (repeat for several; default: every
    /// environment of the region).
    #[arg(long = "env")]
    pub envs: Vec<String>,
    /// Only volumes whose name matches.
    #[arg(long)]
    pub name: Option<String>,
    /// Only each environment's default volume.
    #[arg(long)]
    pub default: bool,
}

#[derive(Debug, Args)]
pub struct TablesArgs {
    /// Only tables whose name matches.
    #[arg(long)]
    pub name: Option<String>,
    /// Only this table (repeat for several).
    #[arg(long = "id")]
    pub ids: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RowsArgs {
    /// The table id.
    pub table: String,
    /// Join the rows to this run group's runs (default: the newest run group launched
    /// from the table).
    #[arg(long, short = 'g')]
    pub group: Option<String>,
    /// Only rows with a cell containing this text (the service's `Tr` filter).
    #[arg(long)]
    pub search: Option<String>,
    /// Only this row (TableRowUuid; repeat for several).
    #[arg(long = "row")]
    pub rows: Vec<String>,
    /// Only rows whose COLUMN contains TEXT (ignoring case): a column of the table, or
    /// status, run, row, duration. Repeat for several.
    #[arg(long = "filter", value_name = "COLUMN=TEXT")]
    pub filters: Vec<String>,
    /// Sort by this column (numbers as numbers).
    #[arg(long, value_name = "COLUMN")]
    pub sort: Option<String>,
    /// Sort in reverse.
    #[arg(long, requires = "sort")]
    pub reverse: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    pub run: String,
    /// Metadata file key (default nextflow.log); e.g. execution_trace.txt.
    #[arg(long, conflicts_with = "job")]
    pub key: Option<String>,
    /// A task's JobId: print its stdout (or stderr with --stderr).
    #[arg(long)]
    pub job: Option<String>,
    /// The path of the sub-workflow holding the task (as for `calls`).
    #[arg(long, default_value = "", requires = "job")]
    pub path: String,
    #[arg(long, requires = "job")]
    pub stderr: bool,
    /// Write the log as the service has it even on a terminal: tabs, carriage returns and
    /// escape sequences included. (Into a file or a pipe it always is.)
    #[arg(long)]
    pub raw: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).multiple(true).args(["group", "run"]))]
pub struct RetryArgs {
    /// Retry this group's failed runs (or, with --run, these runs of it).
    #[arg(long, short = 'g')]
    pub group: Option<String>,
    /// A run to retry (repeat for several).
    #[arg(long = "run", short = 'r')]
    pub run: Vec<String>,
    /// Reuse results of calls that already succeeded (WDL call cache / Nextflow resume).
    /// Every other option is the group's own.
    #[arg(long, visible_alias = "resume")]
    pub cache: bool,
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the request that would be sent, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// The workflow language of an application, which decides the options RunApplication takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum WorkflowType {
    Wdl,
    Nextflow,
}

/// RunOption's FailureMode values, as the reference lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailureMode {
    #[value(name = "NoNewCalls")]
    NoNewCalls,
    #[value(name = "ContinueWhilePossible")]
    ContinueWhilePossible,
}

impl FailureMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoNewCalls => "NoNewCalls",
            Self::ContinueWhilePossible => "ContinueWhilePossible",
        }
    }
}

/// PRIVATE or PUBLIC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum AccessMode {
    Private,
    Public,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("input").required(true).args(["input_file", "input_json", "input_cos"]))]
#[command(group = clap::ArgGroup::new("source").required(true).args(["app", "git"]))]
pub struct LaunchArgs {
    /// Application id (RunApplication).
    #[arg(long)]
    pub app: Option<String>,
    /// A git repository (https) to run a Nextflow workflow from, instead of an
    /// application (RunWorkflow). A password or token for a private repository is read
    /// from the environment variable OMTOP_GIT_TOKEN, never from the command line.
    #[arg(long, value_name = "URL", conflicts_with_all = ["table", "app_version", "access_mode", "error_on_hold", "outputs_dir", "relative_output_paths", "add_run_info"])]
    pub git: Option<String>,
    /// The git branch to run (default: the repository's default branch).
    #[arg(long, requires = "git", conflicts_with = "tag")]
    pub branch: Option<String>,
    /// The git tag to run.
    #[arg(long, requires = "git")]
    pub tag: Option<String>,
    /// The git user name, for a private repository.
    #[arg(long, requires = "git")]
    pub git_user: Option<String>,
    /// The workflow's entry file (default: the repository's main.nf).
    #[arg(long, requires = "git")]
    pub entrypoint: Option<String>,
    /// Name of the new run group.
    #[arg(long)]
    pub name: String,
    /// Environment id to run in.
    #[arg(long)]
    pub env: String,
    /// Inputs as a JSON file.
    #[arg(long)]
    pub input_file: Option<std::path::PathBuf>,
    /// Inputs as JSON text.
    #[arg(long)]
    pub input_json: Option<String>,
    /// Inputs as a COS URI.
    #[arg(long)]
    pub input_cos: Option<String>,
    /// A batch table id (one run per row).
    #[arg(long)]
    pub table: Option<String>,
    /// Only these rows of the table (TableRowUuids; repeat for several).
    #[arg(long = "row", requires = "table")]
    pub rows: Vec<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// The application version (default: the latest).
    #[arg(long)]
    pub app_version: Option<String>,
    /// WDL or NEXTFLOW (default: from the Nextflow flags, else from the application's
    /// earlier run groups, else WDL; with --git, NEXTFLOW, the only type RunWorkflow
    /// takes).
    #[arg(long, value_enum, ignore_case = true)]
    pub workflow_type: Option<WorkflowType>,
    /// Reuse results of earlier runs: the WDL call cache, or Nextflow `-resume`.
    #[arg(long)]
    pub cache: bool,
    /// WDL: what happens after a task fails.
    #[arg(long, value_enum, default_value = "NoNewCalls")]
    pub failure_mode: FailureMode,
    /// WDL: hold failed tasks instead of failing the workflow (UseErrorOnHold).
    #[arg(long)]
    pub error_on_hold: bool,
    /// WDL: the COS directory final outputs are copied to (FinalWorkflowOutputsDir).
    #[arg(long)]
    pub outputs_dir: Option<String>,
    /// WDL: keep outputs' relative paths there (UseRelativeOutputPaths).
    #[arg(long)]
    pub relative_output_paths: bool,
    /// WDL: add the run's information to the output directory (AddRunInfoToOutputDir).
    #[arg(long)]
    pub add_run_info: bool,
    /// Nextflow: the engine version.
    #[arg(long, value_parser = ["22.10.7", "23.10.1"])]
    pub nf_version: Option<String>,
    /// Nextflow: the profile (`-profile`).
    #[arg(long)]
    pub nf_profile: Option<String>,
    /// Nextflow: extra configuration text (or @FILE to read it from a file).
    #[arg(long)]
    pub nf_config: Option<String>,
    /// Nextflow: produce the execution report, timeline and trace.
    #[arg(long)]
    pub report: bool,
    /// Nextflow: the launch directory inside a cache volume (LaunchDir).
    #[arg(long)]
    pub launch_dir: Option<String>,
    /// The working directory (Nextflow: a cache volume path or COS path).
    #[arg(long)]
    pub work_dir: Option<String>,
    /// Cache volume ids (repeat for several; Nextflow).
    #[arg(long = "volume")]
    pub volumes: Vec<String>,
    /// Hours after which the call cache is cleared (0: never).
    #[arg(long)]
    pub cache_clear_delay: Option<i64>,
    #[arg(long, value_enum, ignore_case = true)]
    pub access_mode: Option<AccessMode>,
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the request that would be sent, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl Command {
    /// The subcommand's name as typed (`groups`, `config`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sim(_) => "sim",
            Self::Projects => "projects",
            Self::Groups(_) => "groups",
            Self::Runs(_) => "runs",
            Self::Calls { .. } => "calls",
            Self::Status { .. } => "status",
            Self::Logs(_) => "logs",
            Self::Terminate { .. } => "terminate",
            Self::Retry(_) => "retry",
            Self::Launch(_) => "launch",
            Self::Envs(_) => "envs",
            Self::Volumes(_) => "volumes",
            Self::Tables(_) => "tables",
            Self::Rows(_) => "rows",
            Self::Triage(_) => "triage",
            Self::Report(_) => "report",
            Self::Watch(_) => "watch",
            Self::Audit { .. } => "audit",
            Self::Doctor => "doctor",
            Self::Config(_) => "config",
            Self::Completions { .. } => "completions",
            Self::Man { .. } => "man",
            Self::Cache { .. } => "cache",
        }
    }
}
