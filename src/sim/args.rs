//! `omtop sim`: command-line options, and running the simulator until Ctrl-C.

use super::{Faults, Scale, SimConfig};

/// Runs a local simulator of the Omics API.
#[derive(clap::Args, Debug, Clone)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// The dataset is a deterministic function of the seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Requests per (action, region) per sliding second.
    #[arg(long, default_value_t = 20)]
    pub rate_limit: u32,
    /// Add a run group with this many runs (0 = none).
    #[arg(long, default_value_t = 0)]
    pub big_group_runs: usize,
    /// The share of the big group's runs (percent) that have already failed.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub big_group_failed_pct: u8,
    /// Shards of the big scatter call.
    #[arg(long, default_value_t = 2000)]
    pub scatter_shards: usize,
    /// How fast live runs progress (2 = twice as fast).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Latency added to every response, ms.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Random extra latency up to this, ms.
    #[arg(long, default_value_t = 0)]
    pub latency_jitter_ms: u64,
    /// Percentage of responses delayed by --spike-ms.
    #[arg(long, default_value_t = 0.0)]
    pub spike_pct: f64,
    #[arg(long, default_value_t = 0)]
    pub spike_ms: u64,
    /// Percentage of requests answered InternalError (not applied).
    #[arg(long, default_value_t = 0.0)]
    pub internal_error_pct: f64,
    /// Percentage of connections closed without an answer (not applied).
    #[arg(long, default_value_t = 0.0)]
    pub drop_pct: f64,
    /// Percentage of requests applied, then closed without an answer.
    #[arg(long, default_value_t = 0.0)]
    pub drop_after_pct: f64,
    /// Percentage of answers with a truncated JSON body.
    #[arg(long, default_value_t = 0.0)]
    pub malformed_pct: f64,
    /// Lower the rate limit to this many requests per second.
    #[arg(long)]
    pub throttle_rps: Option<u32>,
    /// Skew of the sim's clock, seconds.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub clock_skew_secs: i64,
    /// Answer every request InternalError for this many seconds after starting (an outage).
    #[arg(long, default_value_t = 0)]
    pub outage_secs: u64,
    /// Answer this action with UnauthorizedOperation, as for a user whose CAM policy does
    /// not allow it (repeat for several).
    #[arg(long, value_name = "ACTION")]
    pub unauthorized: Vec<String>,
    /// Answer DescribeProjects with InvalidAction, as an older deployment does.
    #[arg(long)]
    pub no_describe_projects: bool,
    /// Lace every string in every answer with terminal escapes, bidi overrides, controls,
    /// CJK, emoji and 100 KB strings, as an attacker who names runs would.
    #[arg(long)]
    pub hostile: bool,
    /// The SecretId the sim accepts.
    #[arg(long)]
    pub secret_id: Option<String>,
    /// The SecretKey the sim accepts.
    #[arg(long)]
    pub secret_key: Option<String>,
}

impl SimArgs {
    pub fn to_config(&self) -> SimConfig {
        let d = SimConfig::default();
        SimConfig {
            port: self.port,
            seed: self.seed,
            secret_id: self.secret_id.clone().unwrap_or(d.secret_id),
            secret_key: self.secret_key.clone().unwrap_or(d.secret_key),
            token: None,
            rate_limit: self.rate_limit,
            scale: Scale {
                big_group_runs: self.big_group_runs,
                scatter_shards: self.scatter_shards,
                speed: self.speed,
                big_group_failed_pct: usize::from(self.big_group_failed_pct),
            },
            faults: Faults {
                latency_ms: self.latency_ms,
                latency_jitter_ms: self.latency_jitter_ms,
                spike_pct: self.spike_pct,
                spike_ms: self.spike_ms,
                internal_error_pct: self.internal_error_pct,
                drop_pct: self.drop_pct,
                drop_after_pct: self.drop_after_pct,
                malformed_pct: self.malformed_pct,
                throttle_rps: self.throttle_rps,
                clock_skew_secs: self.clock_skew_secs,
                outage_secs: self.outage_secs,
                unauthorized: self.unauthorized.clone(),
            },
            describe_projects: !self.no_describe_projects,
            hostile: self.hostile,
            // Reported as they happen instead (see `run_cli`).
            contract_check: false,
        }
    }
}

/// Starts the simulator, prints how to point omtop at it, and serves until Ctrl-C.
pub async fn run_cli(args: SimArgs) -> Result<(), String> {
    let cfg = args.to_config();
    let sim = super::start(cfg)
        .await
        .map_err(|e| format!("cannot start the simulator on port {}: {e}", args.port))?;
    let lm = sim.landmarks();
    println!("omtop simulator listening on {}", sim.endpoint());
    println!();
    println!("Point omtop at it:");
    println!(
        "  TENCENTCLOUD_SECRET_ID={} TENCENTCLOUD_SECRET_KEY={} omtop --endpoint {} groups",
        sim.secret_id(),
        sim.secret_key(),
        sim.endpoint()
    );
    println!();
    println!(
        "Region {} (default project {}):",
        lm.region, lm.default_project
    );
    println!("  running group      {}", lm.running_group);
    println!("  failed run         {}", lm.failed_run);
    println!("  big scatter run    {}", lm.big_scatter_run);
    println!("  nextflow run       {}", lm.nextflow_run);
    println!(
        "  stuck group        {} (INIT: its environment {} is in ERROR)",
        lm.waiting_group, lm.error_environment
    );
    println!("  sample table       {}", lm.table);
    if let Some(g) = &lm.big_group {
        println!("  big group          {g}");
    }
    if let Some(r) = &lm.big_group_scatter_run {
        println!("  its big scatter    {r}");
    }
    println!();
    println!("Ctrl-C stops it. A request the API reference would refuse is reported here.");
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
    loop {
        tokio::select! {
            r = tokio::signal::ctrl_c() => {
                r.map_err(|e| format!("waiting for Ctrl-C failed: {e}"))?;
                break;
            }
            _ = tick.tick() => {
                for v in sim.take_violations() {
                    eprintln!("not valid by the API reference: {v}");
                }
            }
        }
    }
    sim.shutdown();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sim: SimArgs,
    }

    #[test]
    fn flags_become_config() {
        let cli = Cli::parse_from([
            "sim",
            "--port",
            "0",
            "--drop-pct",
            "5",
            "--throttle-rps",
            "3",
            "--clock-skew-secs",
            "-600",
            "--no-describe-projects",
            "--big-group-runs",
            "5000",
            "--outage-secs",
            "10",
        ]);
        let cfg = cli.sim.to_config();
        assert_eq!(cfg.port, 0);
        assert_eq!(cfg.faults.drop_pct, 5.0);
        assert_eq!(cfg.faults.throttle_rps, Some(3));
        assert_eq!(cfg.faults.clock_skew_secs, -600);
        assert!(!cfg.describe_projects);
        assert_eq!(cfg.scale.big_group_runs, 5000);
        assert_eq!(cfg.faults.outage_secs, 10);
        assert_eq!(cfg.secret_id, SimConfig::default().secret_id);
        assert_eq!(Cli::parse_from(["sim"]).sim.port, 8765);
    }
}
