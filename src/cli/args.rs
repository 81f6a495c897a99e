//! The command line: `omtop` opens the dashboard; subcommands are the scripting CLI.

use clap::{Args, Parser, Subcommand};

use crate::config::ConnectionFlags;
use crate::sim::SimArgs;

#[derive(Debug, Parser)]
#[command(
    name = "omtop",
    version,
    about = "A terminal dashboard and scripting CLI for the Tencent Cloud Healthcare Omics Platform",
    after_help = "With no command, opens the dashboard. `omtop --demo` opens it on the built-in simulator."
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
    /// Launch an application (RunApplication).
    Launch(Box<LaunchArgs>),
    /// A run group's failures by cause: every failed run under a failure signature.
    Triage(TriageArgs),
    /// A Markdown hand-off report of a run group's failures.
    Report(ReportArgs),
    /// Wait until a run group finishes; exit 0 if every run succeeded.
    Watch {
        group: String,
        /// Seconds between polls.
        #[arg(long, default_value_t = 10)]
        interval: u64,
    },
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
pub struct LaunchArgs {
    /// Application id.
    #[arg(long)]
    pub app: String,
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
    /// earlier run groups, else WDL).
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
