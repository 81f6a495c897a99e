//! Readers for tccli profile files and the SDK's INI credentials file; private file writing.

use super::error::ConfigError;
use super::secret::Secret;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

/// A file's text, or `None` when it does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Keys from a tccli `<profile>.credential` file; any may be absent or empty.
#[derive(Debug, Default)]
pub(crate) struct TccliCredential {
    pub secret_id: Option<String>,
    pub secret_key: Option<Secret>,
    pub token: Option<Secret>,
}

/// Settings from a tccli `<profile>.configure` file that omtop uses.
#[derive(Debug, Default, Clone)]
pub(crate) struct TccliConfigure {
    pub region: Option<String>,
    pub language: Option<String>,
    pub endpoint: Option<String>,
}

/// Parses JSON without echoing content: serde_json's syntax errors carry positions only.
fn parse_json(path: &Path, text: &str) -> Result<Value, ConfigError> {
    serde_json::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: format!("not valid JSON (line {}, column {})", e.line(), e.column()),
    })
}

fn non_empty(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

pub(crate) fn parse_tccli_credential(
    path: &Path,
    text: &str,
) -> Result<TccliCredential, ConfigError> {
    let v = parse_json(path, text)?;
    Ok(TccliCredential {
        secret_id: non_empty(v.get("secretId")),
        secret_key: non_empty(v.get("secretKey")).map(Secret::from),
        token: non_empty(v.get("token")).map(Secret::from),
    })
}

pub(crate) fn parse_tccli_configure(
    path: &Path,
    text: &str,
) -> Result<TccliConfigure, ConfigError> {
    let v = parse_json(path, text)?;
    let sys = v.get("_sys_param");
    Ok(TccliConfigure {
        region: non_empty(sys.and_then(|s| s.get("region"))),
        language: non_empty(sys.and_then(|s| s.get("language"))),
        endpoint: non_empty(v.get("omics").and_then(|o| o.get("endpoint"))),
    })
}

/// Sections of a simple INI file: `[section]`, `key = value`, `#`/`;` comments.
pub(crate) fn parse_ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_owned();
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let (Some(section), Some((key, value))) = (&current, line.split_once(['=', ':'])) else {
            continue;
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        sections
            .entry(section.clone())
            .or_default()
            .insert(key.trim().to_owned(), value.to_owned());
    }
    sections
}

/// A warning when a file holding a secret is readable by group or others (unix only).
pub(crate) fn loose_permissions_warning(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        (mode & 0o077 != 0).then(|| {
            format!(
                "{} holds a secret but is readable by others (mode {:03o}); run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Writes `contents` to `path`, creating or truncating it with mode 0600 on unix.
pub fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_and_comments() {
        let ini = "# comment\n[default]\nsecret_id = AKIDa\nsecret_key=\"k1\"\n\n; x\n[prod]\n secret_id : AKIDb \n";
        let s = parse_ini(ini);
        assert_eq!(s["default"]["secret_id"], "AKIDa");
        assert_eq!(s["default"]["secret_key"], "k1");
        assert_eq!(s["prod"]["secret_id"], "AKIDb");
    }

    #[test]
    fn tccli_files() {
        let p = Path::new("x.credential");
        let c = parse_tccli_credential(p, r#"{"secretId":"AKID1","secretKey":"k","token":""}"#)
            .expect("parses");
        assert_eq!(c.secret_id.as_deref(), Some("AKID1"));
        assert!(c.token.is_none());
        let conf = parse_tccli_configure(
            p,
            r#"{"_sys_param":{"region":"ap-shanghai","output":"json"},"omics":{"endpoint":"omics.ap-shanghai.tencentcloudapi.com"}}"#,
        )
        .expect("parses");
        assert_eq!(conf.region.as_deref(), Some("ap-shanghai"));
        assert_eq!(
            conf.endpoint.as_deref(),
            Some("omics.ap-shanghai.tencentcloudapi.com")
        );
    }

    #[test]
    fn bad_json_error_does_not_echo_content() {
        let err = parse_tccli_credential(Path::new("/p/x.credential"), r#"{"secretKey": hunter2}"#)
            .expect_err("invalid");
        let msg = err.to_string();
        assert!(msg.contains("/p/x.credential"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn write_private_is_0600_and_loose_files_warn() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret.toml");
        std::fs::write(&path, "x").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let warning = loose_permissions_warning(&path).expect("warns");
        assert!(warning.contains("chmod 600") && warning.contains("secret.toml"));
        write_private(&path, b"new").expect("writes");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        assert!(loose_permissions_warning(&path).is_none());
        let fresh = dir.path().join("fresh");
        write_private(&fresh, b"y").expect("writes");
        let mode = std::fs::metadata(&fresh)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
