//! Shell completions and the manual, generated from the same definitions clap parses.

use std::path::Path;

use clap::CommandFactory;

use super::{Cli, CliError};

/// The completion script for `shell`, as clap's generator writes it.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "omtop", &mut out);
    out
}

/// The manual page of omtop itself (roff): clap's sections, then `--help`'s closing text
/// as the sections a manual has (EXIT STATUS, ENVIRONMENT, FILES, ...).
pub fn man() -> Result<Vec<u8>, CliError> {
    let cmd = Cli::command();
    let closing = cmd
        .get_after_long_help()
        .map(ToString::to_string)
        .unwrap_or_default();
    let man = clap_mangen::Man::new(cmd.after_help(None::<&str>).after_long_help(None::<&str>));
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    man.render_subcommands_section(&mut out)?;
    sections(&closing).to_writer(&mut out)?;
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// Paragraphs of `text` under the manual section their label names (`Exit codes: ...`
/// goes under EXIT STATUS); a paragraph without a known label goes under NOTES.
fn sections(text: &str) -> roff::Roff {
    const LABELS: [(&str, &str); 4] = [
        ("Exit codes", "EXIT STATUS"),
        ("Credentials", "CREDENTIALS"),
        ("Environment", "ENVIRONMENT"),
        ("Files", "FILES"),
    ];
    let mut by_section: Vec<(&str, Vec<String>)> = Vec::new();
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let joined = para.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        let section = LABELS
            .iter()
            .find(|(label, _)| joined.starts_with(label))
            .map_or("NOTES", |(_, s)| s);
        match by_section.iter_mut().find(|(s, _)| *s == section) {
            Some((_, paras)) => paras.push(joined),
            None => by_section.push((section, vec![joined])),
        }
    }
    let mut r = roff::Roff::new();
    for (section, paras) in by_section {
        r.control("SH", [section]);
        for (i, p) in paras.into_iter().enumerate() {
            if i > 0 {
                r.control("PP", []);
            }
            r.text([roff::roman(p)]);
        }
    }
    r
}

/// Writes omtop.1 and one page per command (`omtop-watch.1`, `omtop-config-init.1`, ...)
/// into `dir`, creating it; returns the pages written.
pub fn man_pages(dir: &Path) -> Result<Vec<String>, CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Usage(format!("cannot create {}: {e}", dir.display())))?;
    clap_mangen::generate_to(Cli::command(), dir)?;
    std::fs::write(dir.join("omtop.1"), man()?)?;
    let mut pages: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("omtop") && n.ends_with(".1"))
        .collect();
    pages.sort();
    Ok(pages)
}
