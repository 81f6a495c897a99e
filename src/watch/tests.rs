//! Each condition, from observations made by hand: when it fires, that it fires once, and
//! what its event carries.

use chrono::{DateTime, Duration as Span, FixedOffset};

use super::*;
use crate::api::types::{CacheInfo, Environment, Run, RunGroup, RunStatusCount, Text, Timestamp};

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2024-05-01T12:00:00+08:00").expect("time")
}

fn group(status: &str, counts: &[(&str, i64)]) -> RunGroup {
    RunGroup {
        run_group_id: Some("run-brave-red-fox-1".into()),
        name: Some("wgs".into()),
        status: Some(status.into()),
        environment_id: Some("env-1".into()),
        total_run: Some(counts.iter().map(|(_, n)| n).sum()),
        run_status_counts: Some(RunStatusCount::list(counts)),
        ..RunGroup::default()
    }
}

fn failed_run(id: &str, message: &str) -> Run {
    Run {
        run_uuid: Some(Text::from(id.to_string())),
        user_defined_id: Some(Text::from(format!("S-{id}"))),
        status: Some(Text::from("EXECUTOR_ERROR".to_string())),
        error_message: Some(Text::from(
            serde_json::json!({ "error": message }).to_string(),
        )),
        ..Run::default()
    }
}

fn cached_run(clear_in: Option<Span>, cleared: bool) -> Run {
    Run {
        run_uuid: Some(Text::from("r".to_string())),
        cache: Some(CacheInfo {
            cache_clear_delay: Some(24),
            cache_clear_time: clear_in.map(|d| Timestamp::from_datetime(now() + d)),
            cache_cleared: Some(cleared),
        }),
        ..Run::default()
    }
}

fn seen<'a>(g: &'a RunGroup) -> Observation<'a> {
    Observation {
        now: now(),
        region: "ap-guangzhou",
        group: g,
        failed_runs: None,
        runs: None,
        environment: None,
    }
}

fn kinds(events: &[Event]) -> Vec<Kind> {
    events.iter().map(|e| e.event).collect()
}

const OOM: &str = "Task wgs.HaplotypeCaller:3 failed: Killed (exit code 137: out of memory)";

#[test]
fn first_failure_once_with_the_run_and_its_kind() {
    let mut d = Detector::new(Conditions::defaults());
    let g = group("RUNNING", &[("RUNNING", 4)]);
    assert!(d.observe(&seen(&g)).is_empty());

    let g = group("RUNNING", &[("RUNNING", 3), ("EXECUTOR_ERROR", 1)]);
    let runs = [failed_run("u1", OOM)];
    let events = d.observe(&Observation {
        failed_runs: Some(&runs),
        ..seen(&g)
    });
    assert_eq!(kinds(&events), [Kind::FirstFailure, Kind::Doomed]);
    let first = &events[0];
    assert_eq!(first.run.as_ref().map(|r| r.run_uuid.as_str()), Some("u1"));
    assert_eq!(
        first.signatures,
        ["Killed (exit code <n>: out of memory) (in wgs.HaplotypeCaller)"]
    );
    assert!(
        first.text.starts_with(
            "first failure in run group wgs (run-brave-red-fox-1): run S-u1 (u1) EXECUTOR_ERROR"
        ),
        "{}",
        first.text
    );
    // More of the same kind: nothing new to say.
    let g = group("RUNNING", &[("RUNNING", 2), ("EXECUTOR_ERROR", 2)]);
    let runs = [
        failed_run("u1", OOM),
        failed_run("u2", &OOM.replace(":3", ":7")),
    ];
    assert!(
        d.observe(&Observation {
            failed_runs: Some(&runs),
            ..seen(&g)
        })
        .is_empty()
    );
}

#[test]
fn a_new_kind_of_failure_is_said_each_time_one_appears() {
    let mut d = Detector::new(Conditions::defaults());
    let g = group("RUNNING", &[("RUNNING", 3), ("EXECUTOR_ERROR", 1)]);
    let runs = [failed_run("u1", OOM)];
    d.observe(&Observation {
        failed_runs: Some(&runs),
        ..seen(&g)
    });
    let g = group("RUNNING", &[("RUNNING", 1), ("EXECUTOR_ERROR", 3)]);
    let runs = [
        failed_run("u1", OOM),
        failed_run(
            "u2",
            "Task wgs.Align failed: [mem_sam_pe] paired reads have different names",
        ),
        failed_run(
            "u3",
            "Task wgs.Align failed: [mem_sam_pe] paired reads have different names",
        ),
    ];
    let events = d.observe(&Observation {
        failed_runs: Some(&runs),
        ..seen(&g)
    });
    assert_eq!(kinds(&events), [Kind::NewSignature]);
    assert_eq!(
        events[0].run.as_ref().map(|r| r.run_uuid.as_str()),
        Some("u2")
    );
    assert!(
        events[0].text.contains("a new kind of failure"),
        "{}",
        events[0].text
    );

    // Without first-failure, the first kind is a new kind too.
    let mut d = Detector::new(Conditions {
        new_signature: true,
        ..Conditions::default()
    });
    let events = d.observe(&Observation {
        failed_runs: Some(&runs),
        ..seen(&g)
    });
    assert_eq!(kinds(&events), [Kind::NewSignature, Kind::NewSignature]);
}

#[test]
fn failed_share_above_the_threshold_once() {
    let mut d = Detector::new(Conditions {
        failed_above: Some(10.0),
        ..Conditions::default()
    });
    let g = group("RUNNING", &[("RUNNING", 19), ("EXECUTOR_ERROR", 1)]);
    assert!(d.observe(&seen(&g)).is_empty());
    let g = group("RUNNING", &[("RUNNING", 17), ("SYSTEM_ERROR", 3)]);
    let events = d.observe(&seen(&g));
    assert_eq!(kinds(&events), [Kind::FailedShare]);
    assert_eq!(events[0].failed_percent, Some(15.0));
    assert!(
        events[0].text.starts_with("15.0% of run group wgs"),
        "{}",
        events[0].text
    );
    let g = group("RUNNING", &[("RUNNING", 16), ("SYSTEM_ERROR", 4)]);
    assert!(d.observe(&seen(&g)).is_empty());
}

#[test]
fn doomed_while_running_only() {
    let mut d = Detector::new(Conditions {
        doomed: true,
        ..Conditions::default()
    });
    let over = group("COMPLETE_ERROR", &[("SUCCESS", 3), ("EXECUTOR_ERROR", 1)]);
    assert!(d.observe(&seen(&over)).is_empty());
    let g = group("RUNNING", &[("RUNNING", 3), ("EXECUTOR_ERROR", 1)]);
    let events = d.observe(&seen(&g));
    assert_eq!(kinds(&events), [Kind::Doomed]);
    assert!(
        events[0]
            .text
            .contains("will end in error: 1 failed, 3 still running")
    );
    assert!(d.observe(&seen(&g)).is_empty());
}

#[test]
fn a_cache_cleared_within_the_window() {
    let window = Some(std::time::Duration::from_secs(4 * 3600));
    let mut d = Detector::new(Conditions {
        cache_expiring: window,
        ..Conditions::default()
    });
    let g = group("COMPLETE_ERROR", &[("SUCCESS", 3), ("EXECUTOR_ERROR", 1)]);
    let later = [
        cached_run(Some(Span::hours(6)), false),
        cached_run(None, false),
    ];
    assert!(
        d.observe(&Observation {
            runs: Some(&later),
            ..seen(&g)
        })
        .is_empty()
    );
    assert!(
        d.cache_warning_pending(&later, now()),
        "a cache is still to be warned about"
    );
    let soon = [
        cached_run(Some(Span::hours(3)), false),
        cached_run(Some(Span::minutes(90)), false),
        cached_run(Some(Span::hours(1)), true),
        cached_run(Some(Span::hours(-1)), false),
        cached_run(Some(Span::hours(6)), false),
    ];
    let events = d.observe(&Observation {
        runs: Some(&soon),
        ..seen(&g)
    });
    assert_eq!(kinds(&events), [Kind::CacheExpiring]);
    assert_eq!(events[0].cache_runs, Some(2));
    assert_eq!(
        events[0].cache_clear_time.as_deref(),
        Some("2024-05-01T13:30:00+08:00")
    );
    assert!(events[0].text.contains("(in 1h 30m)"), "{}", events[0].text);
    assert!(!d.cache_warning_pending(&soon, now()), "said once");
    assert!(
        d.observe(&Observation {
            runs: Some(&soon),
            ..seen(&g)
        })
        .is_empty()
    );
}

#[test]
fn the_environment_going_down_each_time() {
    let env = |available: bool, status: &str| Environment {
        environment_id: Some("env-1".into()),
        name: Some("gpu pool".into()),
        status: Some(status.into()),
        available: Some(available),
        message: Some("quota exceeded".into()),
        ..Environment::default()
    };
    let mut d = Detector::new(Conditions {
        env_unavailable: true,
        ..Conditions::default()
    });
    let g = group("RUNNING", &[("RUNNING", 2)]);
    let at = |e: Option<&Environment>, d: &mut Detector| {
        kinds(&d.observe(&Observation {
            environment: Some(e),
            ..seen(&g)
        }))
    };
    let (up, down, error) = (
        env(true, "RUNNING"),
        env(false, "RUNNING"),
        env(true, "ERROR"),
    );
    assert!(at(Some(&up), &mut d).is_empty());
    assert_eq!(at(Some(&down), &mut d), [Kind::EnvUnavailable]);
    assert!(
        at(Some(&down), &mut d).is_empty(),
        "still down: said already"
    );
    assert!(at(Some(&up), &mut d).is_empty());
    assert_eq!(at(Some(&error), &mut d), [Kind::EnvUnavailable]);
    assert!(at(Some(&up), &mut d).is_empty());
    assert_eq!(at(None, &mut d), [Kind::EnvUnavailable], "gone");
    // Not read this time: nothing is assumed.
    assert!(d.observe(&seen(&g)).is_empty());
    let e = d.observe(&Observation {
        environment: Some(Some(&error)),
        ..seen(&g)
    });
    assert!(e.is_empty(), "it was down already");
    let mut d = Detector::new(Conditions {
        env_unavailable: true,
        ..Conditions::default()
    });
    let e = d.observe(&Observation {
        environment: Some(Some(&down)),
        ..seen(&g)
    });
    assert_eq!(
        e[0].environment.as_ref().and_then(|e| e.available),
        Some(false)
    );
    assert!(
        e[0].text.contains("gpu pool") && e[0].text.contains("quota exceeded"),
        "{}",
        e[0].text
    );
}

#[test]
fn finished_with_its_outcome_once() {
    for (status, counts, outcome) in [
        ("COMPLETE", &[("SUCCESS", 4)][..], "succeeded"),
        (
            "COMPLETE_ERROR",
            &[("SUCCESS", 3), ("EXECUTOR_ERROR", 1)],
            "failed",
        ),
        (
            "TERMINATED",
            &[("SUCCESS", 3), ("TERMINATED", 1)],
            "terminated",
        ),
    ] {
        let mut d = Detector::new(Conditions {
            finished: true,
            ..Conditions::default()
        });
        assert!(
            d.observe(&seen(&group("RUNNING", &[("RUNNING", 4)])))
                .is_empty()
        );
        let g = group(status, counts);
        let events = d.observe(&seen(&g));
        assert_eq!(kinds(&events), [Kind::Finished]);
        assert_eq!(events[0].outcome.as_deref(), Some(outcome));
        assert!(d.observe(&seen(&g)).is_empty());
    }
    // A status never seen before is not taken for the end.
    assert_eq!(detect::finish(&group("ARCHIVED", &[("SUCCESS", 1)])), None);
}

#[test]
fn events_carry_no_control_characters_anywhere() {
    let mut g = group("RUNNING", &[("RUNNING", 3), ("EXECUTOR_ERROR", 1)]);
    g.name = Some("evil\u{1b}]52;c;aGk=\u{7}\u{9b}2J\u{202e}name".into());
    let runs = [failed_run("u1\u{1b}[2J", "boom\u{7}\u{1b}]8;;x\u{1b}\\")];
    let mut d = Detector::new(Conditions::defaults());
    let events = d.observe(&Observation {
        failed_runs: Some(&runs),
        ..seen(&g)
    });
    assert!(!events.is_empty());
    let bad = |s: &str| {
        s.chars()
            .any(|c| c.is_control() || crate::sanitize::is_unsafe(c))
    };
    for e in &events {
        assert!(!bad(&e.text), "{:?}", e.text);
        assert!(!bad(&e.json_line()), "{:?}", e.json_line());
        assert!(!bad(&notify::webhook_body(e)));
        for (k, v) in e.env_vars() {
            assert!(!bad(v.as_str()), "{k}={v:?}");
        }
        for kind in [notify::Terminal::Osc9, notify::Terminal::Osc777] {
            let seq = notify::terminal_sequence(kind, e, false);
            // Exactly one OSC: its own introducer and terminator, nothing inside.
            let inner = &seq[2..seq.len() - 1];
            assert!(!bad(inner), "{seq:?}");
        }
        let json: serde_json::Value = serde_json::from_str(&e.json_line()).expect("json");
        assert_eq!(json["RunGroupName"], g.name.clone().unwrap_or_default());
    }
}

#[test]
fn terminal_sequences_and_tmux() {
    let g = group("COMPLETE", &[("SUCCESS", 1)]);
    let mut d = Detector::new(Conditions::defaults());
    let e = &d.observe(&seen(&g))[0];
    assert_eq!(
        notify::terminal_sequence(notify::Terminal::Bell, e, true),
        "\u{7}"
    );
    let osc9 = notify::terminal_sequence(notify::Terminal::Osc9, e, false);
    assert_eq!(osc9, format!("\u{1b}]9;omtop: {}\u{7}", e.text));
    let osc777 = notify::terminal_sequence(notify::Terminal::Osc777, e, false);
    assert_eq!(osc777, format!("\u{1b}]777;notify;omtop;{}\u{7}", e.text));
    let wrapped = notify::terminal_sequence(notify::Terminal::Osc9, e, true);
    assert_eq!(
        wrapped,
        format!("\u{1b}Ptmux;\u{1b}\u{1b}]9;omtop: {}\u{7}\u{1b}\\", e.text)
    );
}

#[test]
fn webhook_urls() {
    assert!(notify::webhook_url("https://hooks.example.com/T0/B0/secret", false).is_ok());
    assert!(notify::webhook_url("http://127.0.0.1:9000/hook", false).is_ok());
    let refused = notify::webhook_url("http://hooks.example.com/T0/secret", false)
        .expect_err("plain http elsewhere");
    assert!(!refused.contains("secret"), "{refused}");
    assert!(notify::webhook_url("http://hooks.example.com/x", true).is_ok());
    assert!(notify::webhook_url("ftp://x/y", true).is_err());
}
