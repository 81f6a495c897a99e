//! One HTTP request through the sim: protocol checks, authentication, routing, rate limit,
//! faults, the action itself, latency, and the answer.
//!
//! The order of checks: method and path (`UnsupportedProtocol`: POST / with a JSON body, or
//! GET / with the parameters form-encoded in the query string, as the service and the
//! official SDKs do), an outage at start (`InternalError` for everything,
//! `Faults::outage_secs`), X-TC-Action (`MissingParameter`), X-TC-Version
//! (`MissingParameter`, `NoSuchVersion`), the signature (`AuthFailure.*`, over the query
//! string for GET), the action (`InvalidAction`; one the reference has but the sim does not
//! serve is `UnsupportedOperation`), X-TC-Region (`MissingParameter`, `UnsupportedRegion` for
//! a region the reference does not list for the action), the caller's permission
//! (`UnauthorizedOperation`, for actions `Faults::unauthorized` names), then the request
//! counts as received, then the rate limit (`RequestLimitExceeded`), then faults, then the
//! parameters against the reference's schema (`api::schema`), then the action's own checks.
//! A request that fails the schema is recorded as a contract violation whatever it is
//! answered, so tests can assert that omtop never sends one. Every answer is HTTP 200 JSON
//! with a `Date` header from the sim clock; only presigned file URLs answer otherwise.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;

use crate::api::VERSION;
use crate::api::schema;

use super::faults::OneShotFault;
use super::files;
use super::handlers::{self, Req};
use super::params::{ApiErr, Params, Res};
use super::templates::Lang;
use super::{Shared, auth};
use super::{describe, mutations};

/// The actions the sim answers.
pub const ACTIONS: [&str; 15] = [
    "DescribeProjects",
    "DescribeRunGroups",
    "DescribeRuns",
    "GetRunCalls",
    "GetRunStatus",
    "GetRunMetadataFile",
    "GetRunJobLog",
    "DescribeEnvironments",
    "DescribeVolumes",
    "DescribeTables",
    "DescribeTablesRows",
    "TerminateRunGroup",
    "RetryRuns",
    "RunApplication",
    "RunWorkflow",
];

/// The actions that change the world; `SimStats::applied` counts them when carried out.
pub const MUTATIONS: [&str; 4] = [
    "TerminateRunGroup",
    "RetryRuns",
    "RunApplication",
    "RunWorkflow",
];

/// Returned from the service to make hyper close the connection without an answer.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by the simulator's fault injection")]
pub struct Dropped;

type Answer = Result<Response<Full<Bytes>>, Dropped>;

/// A fresh UUID-shaped RequestId.
pub fn request_id() -> String {
    super::names::uuid(rand::random::<u64>())
}

fn respond(
    shared: &Shared,
    status: StatusCode,
    content_type: &str,
    body: Vec<u8>,
) -> Response<Full<Bytes>> {
    let date = httpdate::fmt_http_date(shared.now_system());
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    if let Ok(v) = content_type.parse() {
        h.insert(hyper::header::CONTENT_TYPE, v);
    }
    if let Ok(v) = date.parse() {
        h.insert(hyper::header::DATE, v);
    }
    resp
}

/// `{"Response": {..., "RequestId": ...}}` around a handler's body, or the error form.
fn envelope(result: &Res<String>) -> Vec<u8> {
    let id = request_id();
    match result {
        Ok(body) => {
            let body = body.trim();
            let inner = body
                .strip_prefix('{')
                .and_then(|b| b.strip_suffix('}'))
                .unwrap_or(body)
                .trim();
            let sep = if inner.is_empty() { "" } else { "," };
            format!("{{\"Response\":{{{inner}{sep}\"RequestId\":\"{id}\"}}}}").into_bytes()
        }
        Err(e) => {
            json!({"Response": {"Error": {"Code": e.code, "Message": e.message}, "RequestId": id}})
                .to_string()
                .into_bytes()
        }
    }
}

fn json_answer(shared: &Shared, result: &Res<String>) -> Response<Full<Bytes>> {
    let mut body = envelope(result);
    if shared.hostile {
        body = super::hostile::poison_json(&body);
    }
    respond(shared, StatusCode::OK, "application/json", body)
}

pub async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Answer {
    let arrival = Instant::now();
    if req.method() == Method::GET && req.uri().path().starts_with("/cos/") {
        return Ok(serve_file(
            &shared,
            req.uri().path(),
            req.uri().query().unwrap_or_default(),
        ));
    }
    let get = req.method() == Method::GET;
    if !(get || req.method() == Method::POST) || req.uri().path() != "/" {
        let e = ApiErr::new(
            "UnsupportedProtocol",
            format!(
                "{} {} is not supported; use POST / or GET /.",
                req.method(),
                req.uri().path()
            ),
        );
        return Ok(json_answer(&shared, &Err(e)));
    }
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let received = auth::Received {
        method: parts.method.as_str(),
        query: parts.uri.query().unwrap_or_default(),
        body: if get { b"" } else { &body },
    };
    let (result, fault) = api_request(&shared, &header, &received, arrival);
    let delay = {
        let faults = shared.faults();
        shared.fault_state().latency(&faults)
    };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    match fault {
        Some(OneShotFault::Drop | OneShotFault::DropAfter) => Err(Dropped),
        Some(OneShotFault::Hang) => std::future::pending().await,
        Some(OneShotFault::BadEscapes) => Ok(respond(
            &shared,
            StatusCode::OK,
            "application/json",
            super::hostile::bad_escapes(&request_id()),
        )),
        Some(OneShotFault::Malformed) => {
            let full = envelope(&result);
            Ok(respond(
                &shared,
                StatusCode::OK,
                "application/json",
                full[..full.len() / 2].to_vec(),
            ))
        }
        _ => Ok(json_answer(&shared, &result)),
    }
}

/// Everything up to the answer; the fault tells `handle` how to deliver it.
fn api_request(
    shared: &Shared,
    header: &dyn Fn(&str) -> Option<String>,
    received: &auth::Received<'_>,
    arrival: Instant,
) -> (Res<String>, Option<OneShotFault>) {
    let missing = |name: &str| {
        ApiErr::new(
            "MissingParameter",
            format!("The request is missing a required parameter `{name}`."),
        )
    };
    let outage = Duration::from_secs(shared.faults().outage_secs);
    if arrival.duration_since(shared.started) < outage {
        *shared.counters().faults.entry("Outage".into()).or_default() += 1;
        return (
            Err(ApiErr::new(
                "InternalError",
                "An internal error occurred; please try again later.",
            )),
            None,
        );
    }
    let Some(action) = header("x-tc-action").filter(|a| !a.is_empty()) else {
        return (Err(missing("Action")), None);
    };
    match header("x-tc-version") {
        None => return (Err(missing("Version")), None),
        Some(v) if v != VERSION => {
            return (
                Err(ApiErr::new(
                    "NoSuchVersion",
                    format!("The API version {v} does not exist; use {VERSION}."),
                )),
                None,
            );
        }
        Some(_) => {}
    }
    let now = shared.now_ms();
    let keys = shared.keys();
    let accepted = auth::Accepted {
        secret_id: &keys.secret_id,
        secret_key: &keys.secret_key,
        token: keys.token.as_deref(),
    };
    if let Err(e) = auth::verify(header, received, now.div_euclid(1000), &accepted) {
        if e.code.starts_with("AuthFailure") {
            shared.counters().auth_failures += 1;
        }
        return (Err(e), None);
    }
    let spec = schema::api().action(&action);
    let Some(spec) = spec.filter(|_| action != "DescribeProjects" || shared.describe_projects)
    else {
        return (
            Err(ApiErr::new(
                "InvalidAction",
                format!("The action {action} does not exist."),
            )),
            None,
        );
    };
    if !ACTIONS.contains(&action.as_str()) {
        return (
            Err(ApiErr::new(
                "UnsupportedOperation",
                format!("The simulator does not serve {action}."),
            )),
            None,
        );
    }
    let Some(region) = header("x-tc-region").filter(|r| !r.is_empty()) else {
        return (Err(missing("Region")), None);
    };
    if spec
        .regions
        .as_ref()
        .is_some_and(|rs| !rs.contains(&region))
    {
        return (
            Err(ApiErr::new(
                "UnsupportedRegion",
                format!("The action does not support the region {region}."),
            )),
            None,
        );
    }
    let faults = shared.faults();
    if faults.unauthorized.contains(&action) {
        return (
            Err(ApiErr::new(
                "UnauthorizedOperation",
                format!(
                    "You are not authorized to perform this operation (omics:{action}): your CAM policy does not allow it."
                ),
            )),
            None,
        );
    }
    *shared
        .counters()
        .received
        .entry(action.clone())
        .or_default() += 1;
    let params = request_params(&action, header, received);
    if let Err(e) = &params {
        shared
            .counters()
            .violations
            .push(format!("{action}: {}: {}", e.code, e.message));
    }
    let limit = faults
        .throttle_rps
        .map_or(shared.rate_limit, |t| t.min(shared.rate_limit));
    let throttled_msg = || {
        ApiErr::new(
            "RequestLimitExceeded",
            format!(
                "Your requests for {action} in {region} exceed the limit of {limit} per second."
            ),
        )
    };
    if !shared.limiter().arrive(&action, &region, limit, arrival) {
        shared.counters().throttled += 1;
        return (Err(throttled_msg()), None);
    }
    let fault = shared.fault_state().draw(&action, &faults);
    if let Some(f) = fault {
        *shared
            .counters()
            .faults
            .entry(format!("{f:?}"))
            .or_default() += 1;
    }
    let mutation = MUTATIONS.contains(&action.as_str());
    match fault {
        Some(OneShotFault::Throttle) => {
            shared.counters().throttled += 1;
            return (Err(throttled_msg()), fault);
        }
        Some(OneShotFault::InternalError) => {
            return (
                Err(ApiErr::new(
                    "InternalError",
                    "An internal error occurred; please try again later.",
                )),
                fault,
            );
        }
        Some(OneShotFault::Drop) => return (Ok("{}".into()), fault),
        Some(OneShotFault::Malformed | OneShotFault::BadEscapes) if mutation => {
            return (
                Ok(format!("{{\"RunGroupId\":\"run-{}\"}}", "x".repeat(24))),
                fault,
            );
        }
        _ => {}
    }
    let params = match params {
        Ok(p) => p,
        Err(e) => return (Err(e), fault),
    };
    let base_url = shared.base_url.clone();
    let req = Req {
        region: &region,
        params,
        now,
        base_url: &base_url,
        file_secret: &shared.file_secret,
    };
    let w = &shared.world;
    let result = match action.as_str() {
        "DescribeProjects" => handlers::describe_projects(w, &req),
        "DescribeRunGroups" => handlers::describe_run_groups(w, &req),
        "DescribeRuns" => handlers::describe_runs(w, &req),
        "GetRunCalls" => handlers::get_run_calls(w, &req),
        "GetRunStatus" => handlers::get_run_status(w, &req),
        "GetRunMetadataFile" => handlers::get_run_metadata_file(w, &req),
        "GetRunJobLog" => handlers::get_run_job_log(w, &req),
        "DescribeEnvironments" => describe::describe_environments(w, &req),
        "DescribeVolumes" => describe::describe_volumes(w, &req),
        "DescribeTables" => describe::describe_tables(w, &req),
        "DescribeTablesRows" => describe::describe_tables_rows(w, &req),
        "TerminateRunGroup" => mutations::terminate_run_group(w, &req),
        "RetryRuns" => mutations::retry_runs(w, &req),
        "RunWorkflow" => mutations::run_workflow(w, &req),
        _ => mutations::run_application(w, &req),
    };
    if mutation && result.is_ok() {
        *shared.counters().applied.entry(action.clone()).or_default() += 1;
    }
    (result, fault)
}

/// The largest query string of a GET, as the reference says (32 KB).
const MAX_GET_QUERY: usize = 32 * 1024;

/// The request's parameters, from the JSON body of a POST or the query string of a GET,
/// checked against the reference's schema.
fn request_params(
    action: &str,
    header: &dyn Fn(&str) -> Option<String>,
    received: &auth::Received<'_>,
) -> Res<Params> {
    let content_type = header("content-type").unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let params = if received.method == "GET" {
        if media != "application/x-www-form-urlencoded" {
            return Err(ApiErr::new(
                "InvalidParameter",
                format!(
                    "A GET request must be application/x-www-form-urlencoded, not {content_type:?}."
                ),
            ));
        }
        if received.query.len() > MAX_GET_QUERY {
            return Err(ApiErr::new(
                "RequestSizeLimitExceeded",
                format!(
                    "The query string is {} bytes; a GET may carry at most {MAX_GET_QUERY}.",
                    received.query.len()
                ),
            ));
        }
        let pairs: Vec<(String, String)> = form_urlencoded::parse(received.query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let body = schema::api()
            .body_from_query(action, &pairs)
            .map_err(|v| ApiErr::new(v.code, v.message))?;
        Params::from_map(body)
    } else {
        if media != "application/json" {
            return Err(ApiErr::new(
                "InvalidParameter",
                format!(
                    "A POST signed with TC3-HMAC-SHA256 must be application/json, not {content_type:?}."
                ),
            ));
        }
        Params::parse(received.body)?
    };
    schema::api()
        .check(action, params.map())
        .map_err(|v| ApiErr::new(v.code, v.message))?;
    Ok(params)
}

/// GET of a presigned file URL.
fn serve_file(shared: &Shared, path: &str, query: &str) -> Response<Full<Bytes>> {
    let now = shared.now_ms();
    let xml = |e: files::CosError| {
        let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::FORBIDDEN);
        respond(shared, status, "application/xml", e.body.into_bytes())
    };
    let (run_id, key) = match files::verify(&shared.file_secret, path, query, now.div_euclid(1000))
    {
        Ok(v) => v,
        Err(e) => return xml(e),
    };
    let copy = {
        let w = handlers::lock(&shared.world);
        let Some(&r) = w.run_by_id.get(&run_id) else {
            return xml(files::not_found(path));
        };
        handlers::RunCopy::of(&w, r)
    };
    let known =
        key == files::NEXTFLOW_LOG || (copy.report && files::REPORT_FILES.contains(&key.as_str()));
    if copy.apps[copy.app].template.lang != Lang::Nextflow || !known {
        return xml(files::not_found(path));
    }
    let mut body = files::content(&copy.ctx(now), &key);
    if shared.hostile {
        body = super::hostile::poison_lines(&body);
    }
    let ct = if key.ends_with(".html") {
        "text/html; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    respond(shared, StatusCode::OK, ct, body.into_bytes())
}
