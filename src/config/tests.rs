//! Resolution tests over a temporary home directory and an injected environment.

use super::*;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

const KEY: &str = "sEcReTkEyVaLuE0123456789";

struct Home {
    dir: TempDir,
}

impl Home {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn env(&self) -> Env {
        Env::isolated(self.path())
    }

    fn write(&self, rel: &str, contents: &str) -> PathBuf {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        write_private(&path, contents.as_bytes()).expect("write");
        path
    }

    fn tccli(&self, profile: &str, id: &str) -> PathBuf {
        self.write(
            &format!(".tccli/{profile}.credential"),
            &format!(r#"{{"type":"","secretId":"{id}","secretKey":"{KEY}","token":""}}"#),
        )
    }

    fn tccli_configure(&self, profile: &str, json: &str) -> PathBuf {
        self.write(&format!(".tccli/{profile}.configure"), json)
    }

    fn sdk(&self, ini: &str) -> PathBuf {
        self.write(".tencentcloud/credentials", ini)
    }

    fn config(&self, toml: &str) -> PathBuf {
        self.write(".config/omtop/config.toml", toml)
    }
}

fn flags() -> ConnectionFlags {
    ConnectionFlags::default()
}

fn with_profile(p: &str) -> ConnectionFlags {
    ConnectionFlags {
        profile: Some(p.to_owned()),
        ..flags()
    }
}

async fn secret_id(s: &Settings) -> String {
    s.credentials.get().await.expect("credentials").secret_id
}

fn err(flags: &ConnectionFlags, env: &Env) -> String {
    resolve(flags, env).expect_err("should fail").to_string()
}

/// Every credential source present, to peel away one at a time.
fn all_sources(h: &Home) -> Env {
    h.tccli("default", "AKIDtccliDefault0001");
    h.sdk("[default]\nsecret_id = AKIDsdkDefault00001\nsecret_key = k\n");
    h.config(&format!(
        "cvm_role = \"reader\"\n[credentials]\nsecret_id = \"AKIDconfigFile00001\"\nsecret_key = \"{KEY}\"\n"
    ));
    h.env()
        .with_var(ENV_SECRET_ID, "AKIDenvironment0001")
        .with_var(ENV_SECRET_KEY, KEY)
        .with_var(ENV_TOKEN, "sessiontoken")
}

#[tokio::test]
async fn credential_sources_in_order() {
    let h = Home::new();
    let env = all_sources(&h);

    let s = resolve(&flags(), &env).expect("resolves");
    assert_eq!(
        s.credentials.describe(),
        "environment (TENCENTCLOUD_SECRET_ID)"
    );
    let c = s.credentials.get().await.expect("creds");
    assert_eq!(c.secret_id, "AKIDenvironment0001");
    assert_eq!(c.token.as_ref().map(Secret::expose), Some("sessiontoken"));

    let mut env = env;
    env.vars.clear();
    let s = resolve(&flags(), &env).expect("resolves");
    assert!(
        s.credentials
            .describe()
            .starts_with("tccli profile 'default'")
    );
    assert_eq!(secret_id(&s).await, "AKIDtccliDefault0001");

    std::fs::remove_file(h.path().join(".tccli/default.credential")).expect("rm");
    let s = resolve(&flags(), &env).expect("resolves");
    assert!(s.credentials.describe().starts_with("SDK credentials file"));
    assert_eq!(secret_id(&s).await, "AKIDsdkDefault00001");

    std::fs::remove_file(h.path().join(".tencentcloud/credentials")).expect("rm");
    let s = resolve(&flags(), &env).expect("resolves");
    assert_eq!(s.credentials.describe(), "CVM role 'reader'");

    h.config(&format!(
        "[credentials]\nsecret_id = \"AKIDconfigFile00001\"\nsecret_key = \"{KEY}\"\n"
    ));
    let s = resolve(&flags(), &env).expect("resolves");
    assert!(s.credentials.describe().starts_with("config file"));
    assert_eq!(secret_id(&s).await, "AKIDconfigFile00001");
    assert_eq!(
        s.credentials
            .get()
            .await
            .expect("creds")
            .secret_key
            .expose(),
        KEY
    );
}

#[test]
fn cvm_role_from_environment() {
    let h = Home::new();
    let env = h.env().with_var(ENV_CVM_ROLE, "omics-role");
    let s = resolve(&flags(), &env).expect("resolves");
    assert_eq!(s.credentials.describe(), "CVM role 'omics-role'");
}

#[test]
fn half_set_environment_is_an_error() {
    let h = Home::new();
    let e = err(
        &flags(),
        &h.env().with_var(ENV_SECRET_ID, "AKIDxxxxxxxxxxxx"),
    );
    assert!(e.contains("TENCENTCLOUD_SECRET_KEY is not"), "{e}");
    let e = err(&flags(), &h.env().with_var(ENV_SECRET_KEY, KEY));
    assert!(
        e.contains("TENCENTCLOUD_SECRET_ID is not") && !e.contains(KEY),
        "{e}"
    );
}

#[tokio::test]
async fn tccli_profile_selection() {
    let h = Home::new();
    h.tccli("default", "AKIDdefaultProfile01");
    h.tccli("prod", "AKIDprodProfile00001");
    h.tccli("dev", "AKIDdevProfile000001");

    let env = h.env().with_var("TCCLI_PROFILE", "prod");
    let s = resolve(&flags(), &env).expect("resolves");
    assert_eq!(s.profile, "prod");
    assert_eq!(secret_id(&s).await, "AKIDprodProfile00001");

    let s = resolve(&with_profile("dev"), &env).expect("resolves");
    assert_eq!(s.profile, "dev");
    assert_eq!(s.credentials.describe().split(' ').nth(2), Some("'dev'"));
    assert_eq!(secret_id(&s).await, "AKIDdevProfile000001");

    let s = resolve(&flags(), &h.env()).expect("resolves");
    assert_eq!(secret_id(&s).await, "AKIDdefaultProfile01");
}

#[tokio::test]
async fn sdk_ini_file_sections_and_override_path() {
    let h = Home::new();
    h.sdk("; SDK profile file\n[default]\nsecret_id = AKIDsdkDefault00001\nsecret_key = k1\n\n[prod]\nsecret_id = AKIDsdkProd00000001\nsecret_key = k2\n");
    let s = resolve(&flags(), &h.env()).expect("resolves");
    assert_eq!(secret_id(&s).await, "AKIDsdkDefault00001");
    let s = resolve(&with_profile("prod"), &h.env()).expect("resolves");
    assert_eq!(secret_id(&s).await, "AKIDsdkProd00000001");
    assert!(s.credentials.describe().ends_with("[prod]"));

    let other = h.write(
        "elsewhere.ini",
        "[default]\nsecret_id=AKIDelsewhere000001\nsecret_key=k3\n",
    );
    let env = h
        .env()
        .with_var(ENV_CREDENTIALS_FILE, &other.to_string_lossy());
    let s = resolve(&flags(), &env).expect("resolves");
    assert_eq!(secret_id(&s).await, "AKIDelsewhere000001");
}

#[test]
fn explicit_missing_profile_is_an_error() {
    let h = Home::new();
    h.tccli("default", "AKIDdefaultProfile01");
    h.sdk("[default]\nsecret_id = a\nsecret_key = b\n");
    let e = err(&with_profile("staging"), &h.env());
    assert!(e.contains("profile 'staging' not found"), "{e}");
    assert!(e.contains("staging.credential"), "{e}");
    assert!(e.contains(".tencentcloud/credentials"), "{e}");

    // TCCLI_PROFILE is not explicit: fall through to the remaining sources.
    let e = err(&flags(), &h.env().with_var("TCCLI_PROFILE", "staging"));
    assert!(e.contains("no Tencent Cloud credentials found"), "{e}");
}

#[test]
fn nothing_found_lists_every_place_in_order() {
    let h = Home::new();
    let e = err(&flags(), &h.env());
    let places = [
        "TENCENTCLOUD_SECRET_ID",
        "default.credential",
        ".tencentcloud/credentials",
        "CVM instance role",
        "config.toml",
    ];
    let mut last = 0;
    for p in places {
        let at = e[last..]
            .find(p)
            .unwrap_or_else(|| panic!("{p} missing after {last}: {e}"));
        last += at;
    }
    for fix in [
        "tccli configure",
        "omtop --demo",
        "export TENCENTCLOUD_SECRET_ID",
    ] {
        assert!(e.contains(fix), "{e}");
    }
}

#[test]
fn region_order_and_validation() {
    let h = Home::new();
    h.config(
        "region = \"ap-beijing\"\n[credentials]\nsecret_id = \"AKIDconfig\"\nsecret_key = \"k\"\n",
    );
    let env = h.env();
    assert_eq!(resolve(&flags(), &env).expect("ok").region, "ap-beijing");
    assert_eq!(resolve(&flags(), &env).expect("ok").regions, ["ap-beijing"]);

    h.tccli_configure("default", r#"{"_sys_param":{"region":"ap-shanghai"}}"#);
    assert_eq!(resolve(&flags(), &env).expect("ok").region, "ap-shanghai");

    let env = env.with_var("TENCENTCLOUD_REGION", "ap-guangzhou");
    assert_eq!(resolve(&flags(), &env).expect("ok").region, "ap-guangzhou");

    let f = ConnectionFlags {
        region: Some("ap-beijing".into()),
        ..flags()
    };
    assert_eq!(resolve(&f, &env).expect("ok").region, "ap-beijing");

    // A region omtop does not know goes to the service with a warning.
    let f = ConnectionFlags {
        region: Some("ap-nanjing".into()),
        ..flags()
    };
    let s = resolve(&f, &env).expect("an unknown region is passed on");
    assert_eq!(s.region, "ap-nanjing");
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("ap-nanjing") && w.contains("--region")),
        "{:?}",
        s.warnings
    );
    // Something that cannot be a region is refused, naming what was wrong.
    let f = ConnectionFlags {
        region: Some("Frankfurt am Main".into()),
        ..flags()
    };
    let e = err(&f, &env);
    assert!(
        e.contains("Frankfurt am Main") && e.contains("--region"),
        "{e}"
    );
    assert!(e.contains("ap-beijing, ap-guangzhou, ap-shanghai"), "{e}");

    let h2 = Home::new();
    let env2 = h2
        .env()
        .with_var(ENV_SECRET_ID, "AKIDx")
        .with_var(ENV_SECRET_KEY, "k");
    assert_eq!(resolve(&flags(), &env2).expect("ok").region, DEFAULT_REGION);
}

fn creds_env(h: &Home) -> Env {
    h.env()
        .with_var(ENV_SECRET_ID, "AKIDxxxxxxxxxxxx")
        .with_var(ENV_SECRET_KEY, KEY)
}

fn endpoint(h: &Home, e: &str, insecure: bool) -> Result<Settings, ConfigError> {
    let f = ConnectionFlags {
        endpoint: Some(e.to_owned()),
        insecure_http: insecure,
        ..flags()
    };
    resolve(&f, &creds_env(h))
}

#[test]
fn endpoint_order_and_normalisation() {
    let h = Home::new();
    let env = creds_env(&h);
    assert_eq!(
        resolve(&flags(), &env).expect("ok").endpoint.as_str(),
        "https://omics.tencentcloudapi.com/"
    );
    h.config("endpoint = \"https://from-config.example.com\"\n");
    assert_eq!(
        resolve(&flags(), &env).expect("ok").endpoint.host_str(),
        Some("from-config.example.com")
    );
    h.tccli_configure(
        "default",
        r#"{"omics":{"endpoint":"omics.intl.tencentcloudapi.com"}}"#,
    );
    assert_eq!(
        resolve(&flags(), &env).expect("ok").endpoint.as_str(),
        "https://omics.intl.tencentcloudapi.com/"
    );
    let env = env.with_var("OMTOP_ENDPOINT", "https://from-env.example.com");
    assert_eq!(
        resolve(&flags(), &env).expect("ok").endpoint.host_str(),
        Some("from-env.example.com")
    );
    let f = ConnectionFlags {
        endpoint: Some("from-flag.example.com:8443".into()),
        ..flags()
    };
    assert_eq!(
        resolve(&f, &env).expect("ok").endpoint.as_str(),
        "https://from-flag.example.com:8443/"
    );
}

#[test]
fn endpoint_http_only_for_loopback() {
    let h = Home::new();
    for ok in [
        "http://127.0.0.1:8080",
        "http://127.3.2.1",
        "http://localhost:9",
        "http://[::1]:80",
    ] {
        let s = endpoint(&h, ok, false).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }
    let e = endpoint(&h, "http://10.0.0.1:8080", false)
        .expect_err("insecure")
        .to_string();
    assert!(
        e.contains("http://10.0.0.1:8080") && e.contains("--insecure-http"),
        "{e}"
    );
    let s = endpoint(&h, "http://10.0.0.1:8080", true).expect("allowed");
    assert_eq!(s.warnings.len(), 1);
    assert!(s.warnings[0].contains("plain http"), "{:?}", s.warnings);

    for bad in ["https://", "ftp://example.com", "https://exa mple.com"] {
        let e = endpoint(&h, bad, false).expect_err(bad).to_string();
        assert!(e.contains(bad), "{e}");
    }
    let e = endpoint(&h, "https://user:pw@example.com", false)
        .expect_err("creds")
        .to_string();
    assert!(!e.contains("pw@"), "{e}");
}

#[test]
fn config_file_selection() {
    let h = Home::new();
    let env = creds_env(&h);
    // A missing default file is fine.
    let s = resolve(&flags(), &env).expect("defaults");
    assert_eq!(
        s.config_path,
        Some(h.path().join(".config/omtop/config.toml"))
    );
    assert_eq!(s.rate_limit, 20);
    assert_eq!(s.poll, PollSettings::default());

    let missing = h.path().join("nope.toml");
    let f = ConnectionFlags {
        config: Some(missing.clone()),
        ..flags()
    };
    let e = err(&f, &env);
    assert!(e.contains("nope.toml") && e.contains("--config"), "{e}");
    let e = err(
        &flags(),
        &env.clone()
            .with_var("OMTOP_CONFIG", &missing.to_string_lossy()),
    );
    assert!(e.contains("nope.toml") && e.contains("OMTOP_CONFIG"), "{e}");

    let named = h.write("custom.toml", "rate_limit = 5\n");
    let env = env.with_var("OMTOP_CONFIG", &named.to_string_lossy());
    assert_eq!(resolve(&flags(), &env).expect("ok").rate_limit, 5);
    let flag_file = h.write("flag.toml", "rate_limit = 7\n");
    let f = ConnectionFlags {
        config: Some(flag_file),
        ..flags()
    };
    assert_eq!(resolve(&f, &env).expect("ok").rate_limit, 7);
}

#[test]
fn full_config_file() {
    let h = Home::new();
    h.config(
        r#"
region = "ap-shanghai"
regions = ["ap-shanghai", "ap-guangzhou", "ap-shanghai"]
rate_limit = 10
read_only = true
language = "zh-CN"
[poll]
status_secs = 2
list_secs = 30
[[projects]]
id = "prj-abc"
region = "ap-shanghai"
alias = "tumour cohort"
[[projects]]
id = "prj-def"
region = "ap-beijing"
[keys]
quit = ["q", "ctrl-c"]
[theme]
failed = "red"
"#,
    );
    let s = resolve(&flags(), &creds_env(&h)).expect("ok");
    assert_eq!(s.region, "ap-shanghai");
    assert_eq!(s.regions, ["ap-shanghai", "ap-guangzhou"]);
    assert_eq!(s.rate_limit, 10);
    assert!(s.read_only);
    assert_eq!(s.language, "zh-CN");
    assert_eq!(s.poll.status, Duration::from_secs(2));
    assert_eq!(s.poll.list, Duration::from_secs(30));
    assert_eq!(
        s.projects,
        [
            ProjectRef {
                id: "prj-abc".into(),
                region: "ap-shanghai".into(),
                alias: Some("tumour cohort".into())
            },
            ProjectRef {
                id: "prj-def".into(),
                region: "ap-beijing".into(),
                alias: None
            }
        ]
    );
    assert_eq!(s.keys["quit"], ["q", "ctrl-c"]);
    assert_eq!(s.theme["failed"], "red");
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

#[test]
fn config_values_are_validated_by_key() {
    let cases = [
        ("rate_limit = 0", "rate_limit", "0"),
        ("rate_limit = 50", "rate_limit", "50"),
        ("[poll]\nstatus_secs = 0", "poll.status_secs", "0"),
        ("[poll]\nlist_secs = -3", "poll.list_secs", "-3"),
        ("language = \"fr-FR\"", "language", "fr-FR"),
        ("regions = [\"Mars 1\"]", "regions", "Mars 1"),
        (
            "[[projects]]\nid = \"p\"\nregion = \"nowhere\"",
            "projects[0].region",
            "nowhere",
        ),
        (
            "[credentials]\nsecret_id = \"AKIDonly\"",
            "credentials.secret_key",
            "missing",
        ),
    ];
    for (toml, key, value) in cases {
        let h = Home::new();
        let path = h.config(toml);
        let env = if key.starts_with("credentials") {
            h.env()
        } else {
            creds_env(&h)
        };
        let e = err(&flags(), &env);
        assert!(e.contains(key) && e.contains(value), "{toml}: {e}");
        assert!(e.contains(&path.display().to_string()), "{toml}: {e}");
    }
}

#[test]
fn config_type_and_syntax_errors_name_file_and_line() {
    let h = Home::new();
    let path = h.config("region = \"ap-shanghai\"\nrate_limit = \"fast\"\n");
    let e = err(&flags(), &creds_env(&h));
    assert!(e.contains(&path.display().to_string()), "{e}");
    assert!(e.contains("line 2") && e.contains("rate_limit"), "{e}");

    h.config("region = \n");
    let e = err(&flags(), &creds_env(&h));
    assert!(e.contains("line 1"), "{e}");

    h.config("[credentials]\nsecret_id = \"AKIDx\"\nsecret_key = hunter2secret\n");
    let e = err(&flags(), &creds_env(&h));
    assert!(e.contains("line 3") && !e.contains("hunter2"), "{e}");
}

#[test]
fn unknown_keys_are_warnings() {
    let h = Home::new();
    h.config(
        "colour = \"yes\"\n[poll]\nstatus_secs = 3\nstats_secs = 4\n[[projects]]\nid = \"p\"\nregion = \"ap-beijing\"\nname = \"x\"\n",
    );
    let s = resolve(&flags(), &creds_env(&h)).expect("ok");
    let w = s.warnings.join("\n");
    for k in ["`colour`", "`poll.stats_secs`", "`projects[0].name`"] {
        assert!(w.contains(k), "{w}");
    }
    assert_eq!(s.warnings.len(), 3);
}

#[cfg(unix)]
#[test]
fn loose_permissions_are_warned() {
    use std::os::unix::fs::PermissionsExt;
    let chmod = |p: &Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    let h = Home::new();
    let cred = h.tccli("default", "AKIDtccliDefault0001");
    chmod(&cred, 0o644);
    let s = resolve(&flags(), &h.env()).expect("ok");
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("default.credential") && w.contains("chmod 600"))
    );

    let h = Home::new();
    let sdk = h.sdk("[default]\nsecret_id = a\nsecret_key = b\n");
    chmod(&sdk, 0o640);
    let s = resolve(&flags(), &h.env()).expect("ok");
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains(".tencentcloud/credentials"))
    );

    let h = Home::new();
    let cfg = h.config("[credentials]\nsecret_id = \"AKIDabc\"\nsecret_key = \"k\"\n");
    chmod(&cfg, 0o604);
    let s = resolve(&flags(), &h.env()).expect("ok");
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("config.toml") && w.contains("chmod 600"))
    );

    let h = Home::new();
    let cfg = h.config("rate_limit = 3\n");
    chmod(&cfg, 0o644);
    let s = resolve(&flags(), &creds_env(&h)).expect("ok");
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

#[test]
fn debug_output_never_shows_secrets() {
    let h = Home::new();
    let env = h
        .env()
        .with_var(ENV_SECRET_ID, "AKIDsecretIdFull0001")
        .with_var(ENV_SECRET_KEY, KEY)
        .with_var(ENV_TOKEN, "tokenValue12345");
    let s = resolve(&flags(), &env).expect("ok");
    for shown in [format!("{s:?}"), format!("{s:#?}")] {
        assert!(
            !shown.contains(KEY) && !shown.contains("tokenValue"),
            "{shown}"
        );
        assert!(!shown.contains("AKIDsecretIdFull0001"), "{shown}");
    }
}

#[tokio::test]
async fn demo_settings_keep_config_preferences() {
    let h = Home::new();
    h.config("read_only = true\n[poll]\nstatus_secs = 1\n[keys]\nquit = [\"x\"]\n[theme]\nok = \"green\"\n");
    let url = reqwest::Url::parse("http://127.0.0.1:4000").expect("url");
    let s = resolve_with_credentials(
        &flags(),
        &h.env(),
        url.clone(),
        Credentials::new("AKIDdemo", "k"),
    )
    .expect("ok");
    assert_eq!(s.endpoint, url);
    assert!(s.read_only);
    assert_eq!(s.poll.status, Duration::from_secs(1));
    assert_eq!(s.keys["quit"], ["x"]);
    assert_eq!(s.theme["ok"], "green");
    assert_eq!(secret_id(&s).await, "AKIDdemo");
}

#[test]
fn read_only_flag_and_tccli_language() {
    let h = Home::new();
    h.tccli_configure("default", r#"{"_sys_param":{"language":"zh-CN"}}"#);
    let f = ConnectionFlags {
        read_only: true,
        ..flags()
    };
    let s = resolve(&f, &creds_env(&h)).expect("ok");
    assert!(s.read_only);
    assert_eq!(s.language, "zh-CN");
    assert_eq!(s.data_dir, Some(h.path().join(".local/share/omtop")));
}
