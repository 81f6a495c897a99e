//! A request as the `tccli` command that sends the same thing, for a colleague or a script
//! that already uses tccli: `tccli omics RetryRuns --region ap-guangzhou --RunGroupId
//! run-x --WDLOption '{"FailureMode":"NoNewCalls",...}'`.
//!
//! Each top-level parameter is `--Name value`: strings as they are, numbers and booleans
//! as JSON literals, objects and arrays as compact JSON. Every value is quoted for a POSIX
//! shell, and no control character reaches the line: inside JSON they are `\uXXXX`
//! escapes; in a plain string they make the value a `$'...'` string whose escapes
//! (`\n`, `\xHH`) bash, zsh and ksh turn back into the exact bytes. The one exception is
//! NUL, which no program argument can hold: it is shown as `␀`.

use serde_json::Value;

use super::actions::Call;

/// Where and as whom tccli should send it, when that differs from tccli's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// `--endpoint HOST[:PORT]`, for an endpoint other than the default one.
    pub endpoint: Option<String>,
    /// `--profile NAME`, for a profile other than `default`.
    pub profile: Option<String>,
}

impl Target {
    /// The target for omtop's endpoint URL and profile name.
    pub fn new(endpoint: &reqwest::Url, profile: &str) -> Self {
        let default = endpoint.as_str().trim_end_matches('/') == super::DEFAULT_ENDPOINT;
        let host = match (endpoint.host_str(), endpoint.port()) {
            (Some(h), Some(p)) => Some(format!("{h}:{p}")),
            (Some(h), None) => Some(h.to_string()),
            (None, _) => None,
        };
        Self {
            endpoint: host.filter(|_| !default),
            profile: Some(profile.to_string()).filter(|p| !p.is_empty() && p != "default"),
        }
    }
}

/// The tccli command line that sends `call`.
pub fn line(call: &Call, target: &Target) -> String {
    let mut out = format!(
        "tccli omics {} --region {}",
        call.action,
        quote(&call.region)
    );
    if let Some(e) = &target.endpoint {
        out.push_str(&format!(" --endpoint {}", quote(e)));
    }
    if let Some(p) = &target.profile {
        out.push_str(&format!(" --profile {}", quote(p)));
    }
    if let Value::Object(params) = &call.body {
        for (name, value) in params {
            let text = match value {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                Value::Number(_) | Value::Bool(_) => value.to_string(),
                Value::Array(_) | Value::Object(_) => {
                    crate::sanitize::escape_json(&value.to_string())
                }
            };
            // A value that starts with `-` would read as an option: join it to its name.
            if text.starts_with('-') {
                out.push_str(&format!(" --{name}={}", quote(&text)));
            } else {
                out.push_str(&format!(" --{name} {}", quote(&text)));
            }
        }
    }
    out
}

/// Characters that need no quoting in any POSIX shell.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c)
}

/// Whether a character may not appear raw on a terminal or in a script.
fn is_control(c: char) -> bool {
    c.is_control() || crate::sanitize::is_unsafe(c)
}

/// `s` as one shell word that expands back to exactly `s`.
pub fn quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(is_plain) {
        return s.to_string();
    }
    if !s.chars().any(is_control) {
        return format!("'{}'", s.replace('\'', r"'\''"));
    }
    let mut out = String::from("$'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            '\n' => out.push_str(r"\n"),
            '\t' => out.push_str(r"\t"),
            '\r' => out.push_str(r"\r"),
            '\0' => out.push('\u{2400}'),
            c if is_control(c) => {
                for b in c.encode_utf8(&mut [0; 4]).bytes() {
                    out.push_str(&format!(r"\x{b:02x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(action: &'static str, body: Value) -> Call {
        Call::new(action, "ap-guangzhou", body)
    }

    #[test]
    fn parameters_in_tcclis_syntax() {
        let c = call(
            "RetryRuns",
            json!({"RunGroupId": "run-x", "WDLOption": {"FailureMode": "NoNewCalls", "UseCallCache": true}, "ProjectId": null}),
        );
        assert_eq!(
            line(&c, &Target::default()),
            r#"tccli omics RetryRuns --region ap-guangzhou --RunGroupId run-x --WDLOption '{"FailureMode":"NoNewCalls","UseCallCache":true}'"#
        );
        let c = call(
            "DescribeRuns",
            json!({"Limit": 100, "Offset": 0, "Filters": [{"Name": "UserDefinedId", "Values": ["it's"]}]}),
        );
        assert_eq!(
            line(&c, &Target::default()),
            r#"tccli omics DescribeRuns --region ap-guangzhou --Filters '[{"Name":"UserDefinedId","Values":["it'\''s"]}]' --Limit 100 --Offset 0"#
        );
    }

    #[test]
    fn endpoint_and_profile_only_when_not_the_defaults() {
        let url = |u: &str| reqwest::Url::parse(u).expect("url");
        assert_eq!(
            Target::new(&url("https://omics.tencentcloudapi.com"), "default"),
            Target::default()
        );
        let t = Target::new(&url("https://omics.intl.tencentcloudapi.com"), "prod");
        let l = line(&call("GetRunStatus", json!({"RunUuid": "u"})), &t);
        assert!(
            l.ends_with("--endpoint omics.intl.tencentcloudapi.com --profile prod --RunUuid u"),
            "{l}"
        );
        let t = Target::new(&url("http://127.0.0.1:8765"), "default");
        assert_eq!(t.endpoint.as_deref(), Some("127.0.0.1:8765"));
    }

    #[test]
    fn a_value_that_looks_like_an_option_stays_a_value() {
        let l = line(
            &call("RunApplication", json!({"Name": "-rf x"})),
            &Target::default(),
        );
        assert!(l.ends_with(" --Name='-rf x'"), "{l}");
    }

    /// What bash makes of a quoted word: the bytes `printf %s` receives.
    fn through_bash(word: &str) -> Vec<u8> {
        let out = std::process::Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &format!("printf %s {word}")])
            .env("LC_ALL", "C")
            .output()
            .expect("bash runs");
        assert!(out.status.success(), "{word}");
        out.stdout
    }

    #[test]
    fn quoting_gives_back_every_string_and_lets_no_control_through() {
        let mut nasty: Vec<String> = vec![
            String::new(),
            "plain-id_1.2".into(),
            "two words".into(),
            "it's \"quoted\" $HOME `id` \\ ; | & > *".into(),
            "line 1\nline 2\r\n\ttab".into(),
            "\u{1b}]52;c;aGk=\u{7}\u{1b}[2J".into(),
            "C1 \u{85}\u{9b}31m bidi \u{202e}gnp.exe zero\u{200b}width DEL\u{7f}".into(),
            "肿瘤 NA12878 🧬".into(),
            "$'already' \\x41 \\n".into(),
        ];
        nasty.push((1u8..0x20).map(char::from).collect());
        for s in &nasty {
            let q = quote(s);
            assert!(!q.chars().any(is_control), "raw control in {q:?}");
            assert_eq!(through_bash(&q), s.as_bytes(), "{s:?} as {q}");
        }
        assert_eq!(through_bash(&quote("a\0b")), "a\u{2400}b".as_bytes());
        // A whole line: JSON strings carry their controls escaped, never raw.
        let l = line(
            &call(
                "RunApplication",
                json!({"Name": "x\u{1b}[31m", "NFOption": {"Config": "a\nb\u{9b}c\u{202e}"}}),
            ),
            &Target::default(),
        );
        assert!(!l.chars().any(is_control), "{l:?}");
        assert!(
            l.contains(r#"\u009b"#) && l.contains(r#"\u202e"#) && l.contains(r#"a\nb"#),
            "{l}"
        );
    }
}
