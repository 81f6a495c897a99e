//! `omtop cache`: where the on-disk cache is and what it holds; `omtop cache clear` empties
//! it. A local file only, so no credentials are needed.

use std::fmt::Write as _;
use std::path::Path;

use chrono::TimeZone;
use serde_json::json;

use super::CliError;
use super::output;
use crate::cache::{Cache, FILE_NAME};
use crate::config::CacheSettings;

fn megabytes(bytes: i64) -> String {
    if bytes < 1_000_000 {
        format!("{:.1} kB", bytes as f64 / 1e3)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

fn when(t: Option<i64>) -> String {
    t.and_then(|t| chrono::Local.timestamp_opt(t, 0).single())
        .map(|t| t.format("%Y-%m-%d %H:%M %:z").to_string())
        .unwrap_or_else(|| "-".into())
}

/// Shows the cache, or empties it (`clear`).
pub fn run(
    data_dir: Option<&Path>,
    settings: CacheSettings,
    clear: bool,
    as_json: bool,
) -> Result<(), CliError> {
    let Some(dir) = data_dir else {
        return Err(CliError::Usage(
            "the data directory is unknown (is HOME set?), so there is no cache".into(),
        ));
    };
    let path = dir.join(FILE_NAME);
    let state = if settings.enabled {
        "on"
    } else {
        "off (--no-cache or cache = false)"
    };
    if !path.exists() {
        if as_json {
            return Ok(output::json(&json!({
                "Path": path, "Exists": false, "Enabled": settings.enabled,
                "MaxBytes": settings.max_bytes,
            }))?);
        }
        return Ok(output::write(&format!(
            "no cache yet at {}\nthe cache is {state}\n",
            path.display()
        ))?);
    }
    let cache = Cache::open(dir, settings.max_bytes);
    for r in cache.take_reports() {
        eprintln!("omtop: warning: {}", crate::sanitize::line(&r));
    }
    if clear {
        let aside = cache.set_aside_files();
        for f in &aside {
            std::fs::remove_file(f)
                .map_err(|e| CliError::Usage(format!("cannot remove {}: {e}", f.display())))?;
        }
        if !cache.clear() {
            return Err(CliError::Usage(format!(
                "the cache {} was not emptied (see the warning above)",
                path.display()
            )));
        }
        eprintln!("emptied {}", path.display());
        return Ok(());
    }
    let contents = cache.contents();
    let aside = cache.set_aside_files();
    if as_json {
        return Ok(output::json(&json!({
            "Path": path,
            "Exists": true,
            "Enabled": settings.enabled,
            "Readable": contents.is_some(),
            "DiskBytes": cache.disk_bytes(),
            "Bytes": contents.as_ref().map(|c| c.bytes),
            "MaxBytes": settings.max_bytes,
            "Kinds": contents.as_ref().map(|c| c.kinds.iter().map(|(k, n, b)| json!({
                "Kind": k, "Entries": n, "Bytes": b,
            })).collect::<Vec<_>>()),
            "Oldest": contents.as_ref().and_then(|c| c.oldest),
            "Newest": contents.as_ref().and_then(|c| c.newest),
            "SetAside": aside,
        }))?);
    }
    let mut out = String::new();
    let _ = writeln!(out, "location   {}", path.display());
    let _ = writeln!(out, "state      {state}");
    let _ = writeln!(
        out,
        "on disk    {} (with its -wal and -shm)",
        megabytes(i64::try_from(cache.disk_bytes()).unwrap_or(i64::MAX))
    );
    let max = i64::try_from(settings.max_bytes).unwrap_or(i64::MAX);
    match &contents {
        Some(c) => {
            let _ = writeln!(
                out,
                "holds      {} of at most {}",
                megabytes(c.bytes),
                megabytes(max)
            );
            for (kind, n, bytes) in &c.kinds {
                let _ = writeln!(out, "  {kind:<10} {n:>7} entries  {}", megabytes(*bytes));
            }
            let _ = writeln!(
                out,
                "stored     from {} to {}",
                when(c.oldest),
                when(c.newest)
            );
        }
        None => {
            let _ = writeln!(out, "holds      (not readable by this omtop)");
        }
    }
    for f in aside {
        let _ = writeln!(
            out,
            "set aside  {} (unreadable; kept to inspect, `omtop cache clear` removes it)",
            f.display()
        );
    }
    Ok(output::write(&out)?)
}
