//! The checks that ask the service: the endpoint resolves and answers over verified TLS,
//! the clocks agree, the key is accepted, each read omtop uses is allowed, and which
//! regions answer. Every request is a read (a page of one item, or a placeholder run).

use serde_json::Value;

use super::Check;
use crate::api::actions::body;
use crate::api::probe::{self, Probe};
use crate::api::{ApiError, Client, Priority, REGIONS, Scope, TransportKind};
use crate::config::{Settings, mask_id};

/// The reads omtop uses, in the order it uses them.
pub const READS: [&str; 7] = [
    "DescribeProjects",
    "DescribeRunGroups",
    "DescribeRuns",
    "GetRunCalls",
    "GetRunStatus",
    "GetRunMetadataFile",
    "GetRunJobLog",
];

/// A run id no run has, for the reads that need one when the project has no runs.
const PLACEHOLDER_RUN: &str = "00000000-0000-0000-0000-000000000000";

/// Signatures more than this far from the service's clock are refused.
const SIGNATURE_WINDOW_SECS: i64 = 300;
/// A clock this close to the service's is fine.
const CLOCK_OK_SECS: i64 = 30;

const PRIO: Priority = Priority::Interactive;

pub async fn checks(s: &Settings, project: Option<&str>, have_credentials: bool) -> Vec<Check> {
    let mut out = Vec::new();
    let client = match crate::connect::client(s, "cli") {
        Ok(c) => c,
        Err(e) => {
            out.push(Check::fail("endpoint", e, ""));
            return out;
        }
    };
    let Some(probe) = endpoint(s, &client, &mut out).await else {
        out.push(Check::skip(
            "service",
            "not asked: the endpoint did not answer",
        ));
        return out;
    };
    out.push(clock(&probe));
    if !have_credentials {
        out.push(Check::skip(
            "service",
            "not asked: signed requests need the credentials above",
        ));
        return out;
    }
    let region_answers = regions_answering(s, &client).await;
    let Some(region) = signature(s, &client, project, &region_answers, &mut out).await else {
        return out;
    };
    out.extend(reads(&client, &Scope::new(region, project.map(str::to_string))).await);
    out.push(regions(s, &region_answers));
    out
}

/// The endpoint's name resolves, and it answers (over TLS omtop verified, for https).
async fn endpoint(s: &Settings, client: &Client, out: &mut Vec<Check>) -> Option<Probe> {
    let url = &s.endpoint;
    let host = url.host_str().unwrap_or_default().to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs = match probe::resolve(&host, port).await {
        Ok(a) if !a.is_empty() => a,
        Ok(_) | Err(_) => {
            out.push(Check::fail(
                "endpoint",
                format!("{host} does not resolve to an address"),
                format!(
                    "check the endpoint's spelling (the default is omics.tencentcloudapi.com) and this machine's DNS (`nslookup {host}`)"
                ),
            ));
            return None;
        }
    };
    let shown: Vec<String> = addrs.iter().take(3).map(ToString::to_string).collect();
    match client.probe().await {
        Ok(p) => {
            let how = if url.scheme() == "https" {
                "over TLS, certificate verified"
            } else {
                "over plain http to a loopback address (no TLS: a simulator?)"
            };
            out.push(Check::ok(
                "endpoint",
                format!(
                    "{host} ({}) answered {how}, in {} ms",
                    shown.join(", "),
                    p.elapsed.as_millis()
                ),
            ));
            Some(p)
        }
        Err(e) => {
            let fix = match &e {
                ApiError::Transport {
                    kind: TransportKind::Tls,
                    ..
                } => "omtop trusts the public certificate authorities only: check that the endpoint is Tencent Cloud's and that no proxy intercepts TLS on the way".to_string(),
                _ => format!(
                    "check the network path to {host}:{port} (firewall, proxy, VPN), or the endpoint"
                ),
            };
            out.push(Check::fail("endpoint", e.to_string(), fix));
            None
        }
    }
}

/// This machine's clock against the service's `Date`.
fn clock(p: &Probe) -> Check {
    let Some(offset) = p.clock_offset else {
        return Check::warn(
            "clock",
            "the service's answer had no Date header to compare with",
            "",
        );
    };
    let ahead = if offset >= 0 { "ahead of" } else { "behind" };
    let text = format!(
        "the service's clock is {} s {ahead} this machine's",
        offset.abs()
    );
    let fix = "set this machine's clock right: turn on NTP (`sudo timedatectl set-ntp true`) or step it once (`sudo chronyc makestep`)";
    match offset.abs() {
        n if n <= CLOCK_OK_SECS => Check::ok("clock", format!("within {n} s of the service's")),
        n if n <= SIGNATURE_WINDOW_SECS => Check::warn(
            "clock",
            format!("{text}: inside the 5 minutes a signature may be off, but drifting"),
            fix,
        ),
        _ => Check::fail(
            "clock",
            format!(
                "{text}: signatures more than 5 minutes off are refused (omtop corrects for it and signs again; tccli and the SDKs do not)"
            ),
            fix,
        ),
    }
}

/// One page of one item: the lightest read of a list.
fn one_item(scope: &Scope) -> Value {
    let mut b = body::page(scope, &[], 0);
    b["Limit"] = 1.into();
    b
}

async fn read(
    client: &Client,
    action: &str,
    region: &str,
    body: &Value,
) -> Result<Value, ApiError> {
    client
        .call::<Value>(action, region, body, PRIO)
        .await
        .map(|r| r.data)
}

/// Each region omtop knows or was told, and whether the service answers there (`Err`: the
/// error that says it does not).
async fn regions_answering(s: &Settings, client: &Client) -> Vec<(String, Result<(), ApiError>)> {
    let mut names: Vec<String> = REGIONS.iter().map(|r| (*r).to_string()).collect();
    for r in std::iter::once(&s.region).chain(&s.regions) {
        if !names.contains(r) {
            names.push(r.clone());
        }
    }
    let mut out = Vec::new();
    for r in names {
        let answer = read(
            client,
            "DescribeRunGroups",
            &r,
            &one_item(&Scope::new(r.clone(), None)),
        )
        .await;
        let answers = match answer {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("UnsupportedRegion") => Err(e),
            Err(e @ (ApiError::Transport { .. } | ApiError::Local { .. })) => Err(e),
            // Refused for another reason (a permission, the key): the region is served.
            Err(_) => Ok(()),
        };
        out.push((r, answers));
    }
    out
}

/// The region to go on in: `wanted` if it answers, else the default region, else the first
/// that answers.
fn preferred<'a>(answering: &'a [(String, Result<(), ApiError>)], wanted: &str) -> Option<&'a str> {
    let answers = |name: &str| answering.iter().any(|(r, a)| r == name && a.is_ok());
    [wanted, crate::config::DEFAULT_REGION]
        .into_iter()
        .find(|r| answers(r))
        .and_then(|r| answering.iter().find(|(n, _)| n == r))
        .or_else(|| answering.iter().find(|(_, a)| a.is_ok()))
        .map(|(r, _)| r.as_str())
}

/// Whether the service accepts the key's signatures, asked in the configured region or,
/// when that is not served, the first that is. Returns the region to go on in.
async fn signature(
    s: &Settings,
    client: &Client,
    project: Option<&str>,
    answering: &[(String, Result<(), ApiError>)],
    out: &mut Vec<Check>,
) -> Option<String> {
    let region = preferred(answering, &s.region).map(str::to_string);
    let Some(region) = region else {
        let why = answering
            .iter()
            .find_map(|(_, a)| a.as_ref().err())
            .map_or_else(|| "no region answered".to_string(), ToString::to_string);
        out.push(Check::fail(
            "signature",
            why,
            "no region answered: see the endpoint check, and try again",
        ));
        return None;
    };
    let id = match s.credentials.get().await {
        Ok(c) => mask_id(&c.secret_id),
        Err(_) => "?".into(),
    };
    let scope = Scope::new(region.clone(), project.map(str::to_string));
    let e = read(client, "DescribeRunGroups", &region, &one_item(&scope))
        .await
        .err();
    let code = e.as_ref().and_then(ApiError::code).unwrap_or_default();
    let detail = |e: &ApiError| format!("the service refused the signature: {e}");
    let check = match &e {
        None => Check::ok(
            "signature",
            format!("requests signed with {id} are accepted"),
        ),
        Some(_)
            if !code.starts_with("AuthFailure") || code == "AuthFailure.UnauthorizedOperation" =>
        {
            Check::ok(
                "signature",
                format!("requests signed with {id} are accepted (the service answered {code})"),
            )
        }
        Some(e) if code == "AuthFailure.SignatureFailure" => Check::fail(
            "signature",
            detail(e),
            format!(
                "the SecretKey is not the one of SecretId {id}: copy it again from the CAM console's API keys page"
            ),
        ),
        Some(e) if code == "AuthFailure.SecretIdNotFound" => Check::fail(
            "signature",
            detail(e),
            format!(
                "SecretId {id} is unknown: check it was copied whole and is not deleted or disabled in CAM, and that it belongs to this site (international keys need https://omics.intl.tencentcloudapi.com)"
            ),
        ),
        Some(e) if code == "AuthFailure.TokenFailure" => Check::fail(
            "signature",
            detail(e),
            "the session token is wrong or expired: get fresh temporary credentials, or use a long-lived key",
        ),
        Some(e) if code == "AuthFailure.SignatureExpire" => Check::fail(
            "signature",
            detail(e),
            "set this machine's clock right (see the clock check)",
        ),
        Some(e) => Check::fail("signature", detail(e), ""),
    };
    let accepted = check.verdict != super::Verdict::Fail;
    out.push(check);
    if accepted {
        Some(region)
    } else {
        out.push(Check::skip(
            "reads",
            "not tried: the service refused the key",
        ));
        None
    }
}

/// One harmless read of each action omtop uses.
async fn reads(client: &Client, scope: &Scope) -> Vec<Check> {
    let region = scope.region.as_str();
    let runs = read(client, "DescribeRuns", region, &one_item(scope)).await;
    let run = runs
        .as_ref()
        .ok()
        .and_then(|v| v["Runs"][0]["RunUuid"].as_str())
        .filter(|r| !r.is_empty())
        .unwrap_or(PLACEHOLDER_RUN)
        .to_string();
    let mut out = Vec::new();
    for action in READS {
        let result = match action {
            "DescribeRuns" => runs.clone(),
            "DescribeProjects" => {
                read(client, action, region, &one_item(&Scope::new(region, None))).await
            }
            "DescribeRunGroups" => read(client, action, region, &one_item(scope)).await,
            "GetRunCalls" => read(client, action, region, &body::calls(scope, &run, "/")).await,
            "GetRunStatus" => read(client, action, region, &body::status(scope, &run)).await,
            "GetRunMetadataFile" => {
                let b = body::metadata_file(scope, &run, "nextflow.log");
                read(client, action, region, &b).await
            }
            _ => {
                let b = body::job_log(scope, &run, "omtop-doctor", "", false);
                read(client, action, region, &b).await
            }
        };
        out.push(verdict(action, region, result.err()));
    }
    out
}

/// What one read's answer says about the permission to use it.
fn verdict(action: &str, region: &str, e: Option<ApiError>) -> Check {
    let Some(e) = e else {
        return Check::ok(action, "allowed");
    };
    let code = e.code().unwrap_or_default();
    if code.starts_with("UnauthorizedOperation")
        || code == "AuthFailure.UnauthorizedOperation"
        || code == "OperationDenied"
    {
        return Check::fail(
            action,
            format!("not allowed for this key: {e}"),
            format!(
                "ask your Tencent Cloud administrator to allow omics:{action} in a CAM policy of your user or role"
            ),
        );
    }
    match code {
        "UnsupportedRegion" => Check::fail(
            action,
            format!("not offered in {region}: {e}"),
            "use a region the run APIs serve (see the regions check)",
        ),
        "InvalidAction" | "UnsupportedOperation" if action == "DescribeProjects" => Check::warn(
            action,
            format!(
                "not offered by this endpoint: {e}; omtop lists the projects named in config.toml and each region's default instead"
            ),
            "name your projects in config.toml's [[projects]] if they are not the regions' defaults",
        ),
        "InvalidAction" | "UnsupportedOperation" => Check::fail(
            action,
            format!("this endpoint does not offer it: {e}"),
            "check the endpoint (the default is https://omics.tencentcloudapi.com)",
        ),
        _ if e.is_retryable_read() => Check::warn(
            action,
            format!("could not tell: {e}"),
            "run `omtop doctor` again in a minute",
        ),
        _ if code.starts_with("AuthFailure") => Check::fail(action, e.to_string(), ""),
        "" => Check::fail(action, e.to_string(), "see the endpoint check"),
        // It looked for the (placeholder) run, so it let the key ask.
        _ => Check::ok(
            action,
            format!("allowed (answered {code} for a run it looked up)"),
        ),
    }
}

/// Which regions answer; the ones omtop is set to use must.
fn regions(s: &Settings, answering: &[(String, Result<(), ApiError>)]) -> Check {
    let yes: Vec<&str> = answering
        .iter()
        .filter(|(_, a)| a.is_ok())
        .map(|(r, _)| r.as_str())
        .collect();
    let no: Vec<String> = answering
        .iter()
        .filter_map(|(r, a)| {
            a.as_ref()
                .err()
                .map(|e| format!("{r} ({})", e.short_code()))
        })
        .collect();
    let mut detail = format!(
        "answering: {}",
        if yes.is_empty() {
            "none".to_string()
        } else {
            yes.join(", ")
        }
    );
    if !no.is_empty() {
        detail.push_str(&format!("; not answering: {}", no.join(", ")));
    }
    let wanted: Vec<&String> = std::iter::once(&s.region)
        .chain(&s.regions)
        .filter(|r| !yes.contains(&r.as_str()))
        .collect();
    match (wanted.first(), preferred(answering, &s.region)) {
        (None, _) => Check::ok("regions", detail),
        (Some(r), Some(good)) => Check::fail(
            "regions",
            format!("{r} is configured but does not answer; {detail}"),
            format!(
                "use a region that answers: --region {good} (or TENCENTCLOUD_REGION, or region and regions in config.toml)"
            ),
        ),
        (Some(r), None) => Check::fail(
            "regions",
            format!("{r} is configured but does not answer; {detail}"),
            "see the endpoint check",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;

    fn refused(code: &str) -> Option<ApiError> {
        Some(ApiError::Service {
            action: "GetRunCalls".into(),
            code: code.into(),
            message: "m".into(),
            request_id: "r".into(),
        })
    }

    #[test]
    fn what_an_answer_says_about_a_permission() {
        let v = |action: &str, code: &str| verdict(action, "ap-guangzhou", refused(code)).verdict;
        assert_eq!(v("GetRunCalls", "UnauthorizedOperation"), Verdict::Fail);
        assert_eq!(
            v("GetRunCalls", "AuthFailure.UnauthorizedOperation"),
            Verdict::Fail
        );
        assert_eq!(v("GetRunCalls", "UnsupportedRegion"), Verdict::Fail);
        assert_eq!(v("GetRunCalls", "InvalidAction"), Verdict::Fail);
        // Projects have a fallback when the action is missing.
        assert_eq!(v("DescribeProjects", "InvalidAction"), Verdict::Warn);
        assert_eq!(v("GetRunCalls", "ResourceNotFound"), Verdict::Ok);
        assert_eq!(v("GetRunCalls", "FailedOperation"), Verdict::Ok);
        assert_eq!(v("GetRunCalls", "InternalError"), Verdict::Warn);
        assert_eq!(verdict("GetRunCalls", "r", None).verdict, Verdict::Ok);
    }

    #[test]
    fn the_clock_is_judged_by_the_signature_window() {
        let at = |offset| {
            clock(&Probe {
                status: 200,
                clock_offset: Some(offset),
                elapsed: std::time::Duration::ZERO,
            })
        };
        assert_eq!(at(-30).verdict, Verdict::Ok);
        assert_eq!(at(31).verdict, Verdict::Warn);
        assert_eq!(at(-300).verdict, Verdict::Warn);
        let off = at(-301);
        assert_eq!(off.verdict, Verdict::Fail);
        assert!(off.detail.contains("301 s behind"), "{}", off.detail);
    }
}
