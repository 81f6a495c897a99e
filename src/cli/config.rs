//! `omtop config init`: a commented config.toml, private, never over an existing file.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::CliError;
use crate::config::{ConnectionFlags, Env};

/// The file's text: every key with its default, from the dashboard's own tables.
pub fn template() -> String {
    crate::config::template::template(
        &crate::tui::keymap::config_defaults(),
        &crate::tui::ui::theme::DEFAULT_COLOURS,
    )
}

/// Writes the template to the config file omtop reads, creating its directory; refuses
/// when the file exists.
pub fn init(flags: &ConnectionFlags, env: &Env) -> Result<PathBuf, CliError> {
    let path = crate::config::config_path(flags, env).ok_or_else(|| {
        CliError::Usage(
            "the config directory is unknown (is HOME set?); name the file with --config PATH"
                .into(),
        )
    })?;
    write_new(&path, template().as_bytes())?;
    Ok(path)
}

fn write_new(path: &Path, contents: &[u8]) -> Result<(), CliError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(|e| {
            CliError::Usage(format!(
                "cannot create the directory {}: {e}",
                dir.display()
            ))
        })?;
    }
    let mut options = std::fs::OpenOptions::new();
    // create_new: the check and the creation are one step, so nothing is ever overwritten.
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => CliError::Usage(format!(
            "{} already exists; omtop does not overwrite it (move it away to write a fresh one)",
            path.display()
        )),
        _ => CliError::Usage(format!("cannot create {}: {e}", path.display())),
    })?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_colour_is_one_the_dashboard_accepts() {
        let text = crate::config::template::uncommented(&template());
        let file: toml::Table = toml::from_str(&text).expect("parses");
        let keys: std::collections::BTreeMap<String, Vec<String>> =
            file["keys"].clone().try_into().expect("keys table");
        assert!(keys.len() > 30, "{} actions", keys.len());
        assert!(keys.contains_key("terminate") && keys.contains_key("quit"));
        crate::tui::keymap::Keymap::new(&keys, false).expect("the keymap takes every line");
        let theme: std::collections::BTreeMap<String, String> =
            file["theme"].clone().try_into().expect("theme table");
        assert_eq!(
            crate::tui::ui::theme::Theme::new(false, &theme),
            Ok(crate::tui::ui::theme::Theme::colored())
        );
    }

    #[cfg(unix)]
    #[test]
    fn written_private_and_never_over_a_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let env = Env::isolated(dir.path());
        let path = init(&ConnectionFlags::default(), &env).expect("writes");
        assert_eq!(path, dir.path().join(".config/omtop/config.toml"));
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let written = std::fs::read_to_string(&path).expect("read");
        assert_eq!(written, template());
        std::fs::write(&path, "region = \"ap-shanghai\"\n").expect("edit");
        let err = init(&ConnectionFlags::default(), &env).expect_err("refuses");
        assert!(err.to_string().contains("already exists"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "region = \"ap-shanghai\"\n"
        );
    }
}
