//! `omtop doctor`: every link between this machine and the service, checked in order, each
//! with a verdict and, when it fails, the fix in one sentence. Exit 0 only when nothing
//! failed. Nothing it does changes anything: it sends reads only, and never a secret.

mod local;
mod service;

use serde::Serialize;

use super::{CliError, exit, output};
use crate::config::{ConnectionFlags, Env, Settings};
use crate::sanitize;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    /// Works, but worth knowing about.
    Warn,
    Fail,
    /// Not tried, because something it needs failed.
    Skip,
}

impl Verdict {
    fn symbol(self) -> &'static str {
        match self {
            Self::Ok => "✔",
            Self::Warn => "!",
            Self::Fail => "✖",
            Self::Skip => "-",
        }
    }
}

/// One check: what was looked at, how it came out, and how to fix it when it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Check {
    pub check: String,
    pub verdict: Verdict,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn new(check: impl Into<String>, verdict: Verdict, detail: impl Into<String>) -> Self {
        Self {
            check: check.into(),
            verdict,
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn ok(check: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(check, Verdict::Ok, detail)
    }

    pub fn warn(
        check: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(check, Verdict::Warn, detail).with_fix(fix)
    }

    pub fn fail(
        check: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(check, Verdict::Fail, detail).with_fix(fix)
    }

    pub fn skip(check: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(check, Verdict::Skip, why)
    }

    fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into()).filter(|f| !f.is_empty());
        self
    }
}

/// Everything `omtop doctor` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Report {
    pub ok: bool,
    pub checks: Vec<Check>,
}

impl Report {
    fn push(&mut self, c: Check) {
        self.checks.push(c);
    }

    fn extend(&mut self, cs: impl IntoIterator<Item = Check>) {
        self.checks.extend(cs);
    }

    /// The report as a person reads it: a line per check, the fix under a failure.
    pub fn render(&self) -> String {
        let width = self
            .checks
            .iter()
            .map(|c| c.check.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for c in &self.checks {
            out.push_str(&format!(
                "{} {:width$}  {}\n",
                c.verdict.symbol(),
                sanitize::line(&c.check),
                sanitize::line(&c.detail)
            ));
            if let Some(fix) = &c.fix {
                out.push_str(&format!("  {:width$}  fix: {}\n", "", sanitize::line(fix)));
            }
        }
        let failed = self
            .checks
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .count();
        out.push_str(&match failed {
            0 => "all checks passed\n".to_string(),
            1 => "1 check failed\n".to_string(),
            n => format!("{n} checks failed\n"),
        });
        out
    }
}

/// Runs every check; `demo` is the settings of `--demo`'s simulator, which replace the
/// account's.
pub async fn report(
    flags: &ConnectionFlags,
    env: &Env,
    demo: Option<Settings>,
    project: Option<&str>,
) -> Report {
    let mut report = Report::default();
    let (settings, have_credentials) = match demo {
        Some(s) => {
            report.push(local::config_file(flags, env));
            report.push(Check::ok(
                "credentials",
                "the built-in simulator's (--demo)",
            ));
            (Some(s), true)
        }
        None => {
            let (checks, settings) = local::settings_and_credentials(flags, env).await;
            let have = checks
                .iter()
                .any(|c| c.check == "credentials" && c.verdict != Verdict::Fail);
            report.extend(checks);
            (settings, have)
        }
    };
    match settings {
        Some(s) => report.extend(service::checks(&s, project, have_credentials).await),
        None => report.push(Check::skip(
            "service",
            "not tried: the settings above must be fixed first",
        )),
    }
    report.ok = !report.checks.iter().any(|c| c.verdict == Verdict::Fail);
    report
}

/// `omtop doctor`: prints the report (a table, or `--json`) and exits 0 only when every
/// check passed.
pub async fn run(
    flags: &ConnectionFlags,
    env: &Env,
    demo: Option<Settings>,
    project: Option<&str>,
    json: bool,
) -> Result<u8, CliError> {
    let report = report(flags, env, demo, project).await;
    if json {
        output::json(&report)?;
    } else {
        output::write(&report.render())?;
    }
    Ok(if report.ok { exit::OK } else { exit::ERROR })
}
