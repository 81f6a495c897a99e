//! What a new user runs first, from a home directory with nothing in it: `config init`,
//! shell completions and the manual. None of them needs credentials.

mod common;

use common::bin::{Omtop, json, stderr, stdout};
use common::sim;
use omtop::sim::SimConfig;

/// A user with an empty home: no credentials, no config, nothing inherited.
fn newcomer() -> Omtop {
    let mut o = Omtop::new("https://omics.tencentcloudapi.com", "", "");
    o.env.clear();
    o
}

#[tokio::test(flavor = "multi_thread")]
async fn config_init_writes_a_private_commented_file_once() {
    let user = newcomer();
    let out = user.run(&["config", "init"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let path = user.home.path().join(".config/omtop/config.toml");
    assert!(
        stdout(&out).contains(&path.display().to_string()),
        "{}",
        stdout(&out)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&path).expect("read");
    for key in [
        "#region = \"ap-guangzhou\"",
        "#rate_limit = 20",
        "#status_secs = 3",
    ] {
        assert!(text.contains(key), "{key} missing:\n{text}");
    }

    // Never over an existing file, even one it wrote itself.
    std::fs::write(&path, "rate_limit = 5\n").expect("edit");
    let out = user.run(&["config", "init"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "rate_limit = 5\n"
    );

    // --config names another file; --json says where it went.
    let other = user.home.path().join("elsewhere/omtop.toml");
    let out = user
        .run(&[
            "--config",
            &other.display().to_string(),
            "config",
            "init",
            "--json",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out)["Path"], other.display().to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_written_file_changes_nothing_until_edited() {
    let sim = sim(SimConfig::default()).await;
    let user = Omtop::for_sim(&sim);
    let out = user.run(&["config", "init"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    // Read back by every command: no warning about unknown keys, the defaults in force.
    let out = user.run(&["groups", "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    assert!(json(&out).as_array().is_some_and(|a| !a.is_empty()));
}

/// What bash offers after `words` (the last one being completed), with omtop's script loaded.
fn bash_completes(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let words_quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={cword}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n_omtop omtop '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words_quoted.join(" "),
        words.join(" "),
        words[cword],
        words[cword.saturating_sub(1)],
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_for_each_shell() {
    let user = newcomer();
    let mut scripts = std::collections::HashMap::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = user.run(&["completions", shell]).await;
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        scripts.insert(shell, stdout(&out));
    }
    // Each in its shell's own form, naming the commands and their flags.
    let zsh = &scripts["zsh"];
    assert!(zsh.starts_with("#compdef omtop"), "{zsh}");
    let fish = &scripts["fish"];
    assert!(fish.contains("complete -c omtop"), "{fish}");
    let ps = &scripts["powershell"];
    assert!(
        ps.contains("Register-ArgumentCompleter") && ps.contains("'omtop'"),
        "{ps}"
    );
    for (shell, text) in &scripts {
        for word in ["completions", "config", "watch", "read-only"] {
            assert!(text.contains(word), "{shell} lacks {word}");
        }
    }

    // bash: loaded into a real bash, it completes commands, values and flags.
    let path = user.home.path().join("omtop.bash");
    std::fs::write(&path, &scripts["bash"]).expect("write");
    let mut commands = bash_completes(&path, &["omtop", "co"]);
    commands.sort();
    assert_eq!(commands, ["completions", "config"]);
    let shells = bash_completes(&path, &["omtop", "completions", ""]);
    for s in ["bash", "zsh", "fish", "powershell"] {
        assert!(shells.iter().any(|x| x == s), "{shells:?}");
    }
    assert!(bash_completes(&path, &["omtop", "retry", "--ca"]).contains(&"--cache".to_string()));
    let unknown = user.run(&["completions", "tcsh"]).await;
    assert_eq!(unknown.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manual_from_the_same_definitions() {
    let user = newcomer();
    let out = user.run(&["man"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH omtop 1"), "{page}");
    for section in [
        "SYNOPSIS",
        "OPTIONS",
        "SUBCOMMANDS",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
    ] {
        assert!(
            page.lines()
                .any(|l| l.starts_with(".SH") && l.trim_matches(['"', ' ']).ends_with(section)),
            "{section} missing"
        );
    }
    assert!(page.contains("omtop\\-watch(1)"), "{page}");

    let dir = user.home.path().join("man/man1");
    let out = user
        .run(&["man", "--out-dir", &dir.display().to_string()])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    for name in [
        "omtop.1",
        "omtop-watch.1",
        "omtop-config-init.1",
        "omtop-completions.1",
    ] {
        assert!(
            dir.join(name).is_file(),
            "{name} not written: {}",
            stdout(&out)
        );
        assert!(stdout(&out).contains(name));
    }
    // The page a user reads with `man`: the watch page documents its flags.
    let watch = std::fs::read_to_string(dir.join("omtop-watch.1")).expect("page");
    assert!(watch.contains("\\-\\-interval"), "{watch}");
    // Where groff is installed, the page also renders (as `man` would show it).
    if let Ok(render) = std::process::Command::new("groff")
        .args(["-man", "-Tutf8"])
        .arg(dir.join("omtop.1"))
        .output()
    {
        // Without a terminal groff overstrikes for bold (`X\bX`); read the plain letters.
        let raw = String::from_utf8_lossy(&render.stdout).into_owned();
        let mut text = String::new();
        for c in raw.chars() {
            if c == '\u{8}' {
                text.pop();
            } else {
                text.push(c);
            }
        }
        assert!(
            text.contains("EXIT STATUS") && text.contains("omtop-watch(1)"),
            "{text}"
        );
    }
}
