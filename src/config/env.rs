//! The process environment, injected so resolution can be tested hermetically.

use std::collections::HashMap;
use std::path::PathBuf;

/// Environment variables and well-known directories that configuration is read from.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub vars: HashMap<String, String>,
    pub home: Option<PathBuf>,
    pub config_dir: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
}

impl Env {
    /// The real environment: `std::env`, the home directory and omtop's project directories.
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
        let project = directories::ProjectDirs::from("", "", "omtop");
        Self {
            vars,
            home,
            config_dir: project.as_ref().map(|p| p.config_dir().to_path_buf()),
            data_dir: project.as_ref().map(|p| p.data_dir().to_path_buf()),
        }
    }

    /// An empty environment rooted at `home`, with config in `home/.config/omtop`; for tests.
    pub fn isolated(home: impl Into<PathBuf>) -> Self {
        let home = home.into();
        Self {
            vars: HashMap::new(),
            config_dir: Some(home.join(".config").join("omtop")),
            data_dir: Some(home.join(".local").join("share").join("omtop")),
            home: Some(home),
        }
    }

    /// The same environment with one more variable set.
    pub fn with_var(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.to_owned(), value.to_owned());
        self
    }

    /// A variable's value; an empty value counts as unset.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}
