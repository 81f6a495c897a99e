//! The real `omtop` binary run as a user would: a private HOME, credentials in the
//! environment, nothing else inherited.
use std::path::PathBuf;
use std::process::Output;

pub struct Omtop {
    pub home: tempfile::TempDir,
    pub endpoint: String,
    /// Environment variables every run gets, after HOME and PATH.
    pub env: Vec<(String, String)>,
}

impl Omtop {
    pub fn new(endpoint: &str, secret_id: &str, secret_key: &str) -> Self {
        Self {
            home: tempfile::tempdir().expect("temp home"),
            endpoint: endpoint.to_string(),
            env: vec![
                ("TENCENTCLOUD_SECRET_ID".into(), secret_id.into()),
                ("TENCENTCLOUD_SECRET_KEY".into(), secret_key.into()),
            ],
        }
    }

    /// A user of the simulator, logging everything to `omtop.log` in HOME.
    pub fn for_sim(sim: &omtop::sim::SimHandle) -> Self {
        let mut o = Self::new(&sim.endpoint(), &sim.secret_id(), &sim.secret_key());
        let log = o.home.path().join("omtop.log");
        o.set("OMTOP_LOG", &log.display().to_string());
        o.set("OMTOP_LOG_LEVEL", "trace");
        o
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.into(), value.into()));
    }

    /// omtop's data directory under this HOME (where the log and the audit log go).
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join(".local").join("share").join("omtop")
    }

    pub fn audit_path(&self) -> PathBuf {
        self.data_dir().join("audit.jsonl")
    }

    pub fn log_path(&self) -> PathBuf {
        self.data_dir().join("omtop.log")
    }

    /// `omtop --endpoint E <args>` with stdin closed, as a script runs it.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_omtop"));
        cmd.args(["--endpoint", &self.endpoint])
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().await.expect("omtop runs")
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}\n{}", stdout(o), stderr(o)))
}
