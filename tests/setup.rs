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
