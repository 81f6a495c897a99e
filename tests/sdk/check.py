#!/usr/bin/env python3
"""The official Python SDK (tencentcloud-sdk-python-omics) against the omtop simulator.

Calls every action the simulator serves through the SDK's OmicsClient, over POST (JSON body)
and over GET (form-urlencoded query string, flattened as Filters.0.Name=...), with requests
that are valid according to the API reference, and ids found in the simulator's own answers.
Each answer must parse in the SDK's response model without a warning (the SDK warns about
fields its models do not have), carry no field the model lacks (the SDK does not warn about
those at the top level of a response, so they are looked for here) and have every field of
the JSON type the model declares. A wrong secret key must be refused with an AuthFailure code.

One line per check (`ok POST DescribeRuns`, `FAIL GET RetryRuns: why`), then
`N passed, M failed`; exit status 1 when any check failed. `--notes` also lists the model
fields the simulator never sent.

Run by tests/sdk.rs with the python that scripts/sdk-venv.sh prints.
"""

import argparse
import base64
import bisect
import copy
import inspect
import json
import os
import re
import sys
import time
import warnings
from urllib.parse import urlparse

try:
    from tencentcloud.common import credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.omics.v20221128 import models
    from tencentcloud.omics.v20221128.omics_client import OmicsClient
except ImportError as e:  # pragma: no cover - reported to the person running it
    sys.exit("check.py: the SDK is not importable (%s); use the python scripts/sdk-venv.sh prints" % e)

# Every action the simulator serves (src/sim/server.rs ACTIONS).
ACTIONS = [
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
]

FAILED_RUN = ("EXECUTOR_ERROR", "SYSTEM_ERROR")
NEXTFLOW_REPORTS = ["execution_report.html", "execution_timeline.html",
                    "execution_trace.txt", "pipeline_dag.html"]


class CheckFailed(Exception):
    """A check's reason for failing."""


# ---------------------------------------------------------------------------------------------
# The SDK models' declared fields and types, read from their docstrings
# (":param _Name: ... :type Name: int"), the only place the SDK states them.

_PARAM = re.compile(r":param _(\w+):.*?:type \1:\s*([^\n]+)", re.S)
_schemas = {}


def schema(cls):
    """{field: declared type} of an SDK model class."""
    if cls not in _schemas:
        doc = inspect.getdoc(cls.__init__) or ""
        _schemas[cls] = {m.group(1): m.group(2).strip() for m in _PARAM.finditer(doc)}
    return _schemas[cls]


def model_of(type_name):
    m = re.search(r"models\.(\w+)`", type_name)
    return getattr(models, m.group(1)) if m else None


SCALARS = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "float": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "bool": (lambda v: isinstance(v, bool), "a boolean"),
}


def short(v):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 40 else s[:37] + "..."


class Shapes:
    """Checks raw answers against the models and remembers which fields were ever sent."""

    def __init__(self):
        self.seen = {}  # model name -> set of fields sent with a non-null value

    def check(self, value, cls, path):
        problems = []
        self._value(value, cls.__name__, path, problems)
        return problems

    def _value(self, value, type_name, path, problems):
        if value is None:
            return
        if type_name.startswith("list of "):
            if not isinstance(value, list):
                problems.append("%s is %s, the model has %s" % (path, short(value), type_name))
                return
            for i, item in enumerate(value):
                self._value(item, type_name[len("list of "):], "%s[%d]" % (path, i), problems)
            return
        if type_name in SCALARS:
            ok, want = SCALARS[type_name]
            if not ok(value):
                problems.append("%s is %s, the model has %s" % (path, short(value), want))
            return
        cls = getattr(models, type_name, None) or model_of(type_name)
        if cls is None:
            problems.append("%s: the model's type %r is not understood by check.py" % (path, type_name))
            return
        if not isinstance(value, dict):
            problems.append("%s is %s, the model has an object %s" % (path, short(value), cls.__name__))
            return
        fields = schema(cls)
        seen = self.seen.setdefault(cls.__name__, set())
        for key, v in value.items():
            if key not in fields:
                problems.append("%s.%s is not a field of %s" % (path, key, cls.__name__))
                continue
            if v is not None:
                seen.add(key)
            self._value(v, fields[key], "%s.%s" % (path, key), problems)

    def never_sent(self):
        out = []
        for name in sorted(self.seen):
            missing = [f for f in schema(getattr(models, name)) if f not in self.seen[name]]
            if missing:
                out.append("%s: %s" % (name, ", ".join(missing)))
        return out


# Which model class a warning raised from models.py came from, by line number.
_class_lines = []


def class_at(lineno):
    if not _class_lines:
        with open(models.__file__, encoding="utf-8") as f:
            for i, line in enumerate(f, 1):
                m = re.match(r"class (\w+)\(", line)
                if m:
                    _class_lines.append((i, m.group(1)))
    i = bisect.bisect_right([line for line, _ in _class_lines], lineno) - 1
    return _class_lines[i][1] if i >= 0 else None


def warning_text(w):
    cls = class_at(w.lineno) if os.path.basename(w.filename) == "models.py" else None
    where = " in " + cls if cls else ""
    return "SDK warning%s: %s" % (where, w.message)


# ---------------------------------------------------------------------------------------------
# The client: the SDK's own, recording the raw body of each answer.

class RecordingClient(OmicsClient):
    last_body = None

    def call(self, action, params, options=None, headers=None):
        self.last_body = None
        body = super().call(action, params, options, headers)
        self.last_body = body
        return body


def make_client(args, method, secret_key=None):
    url = urlparse(args.endpoint)
    if url.scheme != "http" or not url.hostname or not url.port:
        sys.exit("check.py: --endpoint must look like http://127.0.0.1:PORT, got %r" % args.endpoint)
    http = HttpProfile(endpoint="%s:%d" % (url.hostname, url.port), reqMethod=method, reqTimeout=60)
    http.scheme = "http"
    cred = credential.Credential(args.secret_id, secret_key or args.secret_key)
    return RecordingClient(cred, args.region, ClientProfile(httpProfile=http))


def without_nulls(v):
    if isinstance(v, dict):
        return {k: without_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [without_nulls(x) for x in v]
    return v


def request(action, params):
    """The SDK's request model for `params`, which must keep every one of them."""
    req = getattr(models, action + "Request")()
    req.from_json_string(json.dumps(params))
    kept = without_nulls(json.loads(req.to_json_string()))
    if kept != params:
        raise CheckFailed("the SDK's %sRequest keeps %s of %s" % (action, json.dumps(kept), json.dumps(params)))
    return req


class Session:
    """One method's pass: the SDK client and what the answers told about the world."""

    def __init__(self, args, method, shapes, found):
        self.args = args
        self.method = method
        self.client = make_client(args, method)
        self.shapes = shapes
        # Ids found so far; the GET pass starts from what the POST pass found, so that each
        # GET check tests its own action even when an earlier GET action fails.
        self.found = found

    def call(self, action, params):
        """Calls `action`, checks the answer against the model; returns the raw Response."""
        req = request(action, params)
        for attempt in range(4):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    getattr(self.client, action)(req)
                    break
                except TencentCloudSDKException as e:
                    # The simulator's rate limit (20 per action and region per second) is
                    # not a disagreement: wait for the window to pass, as a client should.
                    if e.get_code() == "RequestLimitExceeded" and attempt < 3:
                        time.sleep(1.1)
                        continue
                    raise CheckFailed("%s: %s (RequestId %s)" % (e.get_code(), e.get_message(), e.get_request_id()))
        problems = [warning_text(w) for w in caught]
        body = self.client.last_body
        try:
            answer = json.loads(body)["Response"]
        except (TypeError, ValueError, KeyError) as e:
            raise CheckFailed("the answer is not {\"Response\": ...}: %s" % e)
        problems += self.shapes.check(answer, getattr(models, action + "Response"), action)
        if problems:
            raise CheckFailed("; ".join(dict.fromkeys(problems)))
        return answer


# ---------------------------------------------------------------------------------------------
# The checks, in the order their answers are needed.

def need(found, key, what):
    value = found.get(key)
    if not value:
        raise CheckFailed("no %s was found in the simulator's answers" % what)
    return value


def run_option():
    return {"FailureMode": "NoNewCalls", "UseCallCache": True, "UseErrorOnHold": False,
            "FinalWorkflowOutputsDir": "cos://omtop-sdk-check-1250000000/out",
            "UseRelativeOutputPaths": True, "AddRunInfoToOutputDir": False}


def nf_option(group):
    old = group.get("NFOption") or {}
    option = {"Config": old.get("Config") or "", "Profile": old.get("Profile") or "docker",
              "Report": True, "Resume": True, "NFVersion": "23.10.1"}
    if old.get("LaunchDir"):
        option["LaunchDir"] = old["LaunchDir"]
    return option


def check_describe_projects(s):
    a = s.call("DescribeProjects", {"Limit": 100, "Offset": 0,
                                    "Filters": [{"Name": "Region", "Values": [s.args.region]}]})
    projects = a.get("Projects") or []
    if not projects:
        raise CheckFailed("no projects in %s" % s.args.region)
    wrong = [p.get("ProjectId") for p in projects if p.get("Region") != s.args.region]
    if wrong:
        raise CheckFailed("Filters Region=%s answered projects of other regions: %s" % (s.args.region, ", ".join(wrong)))
    projects.sort(key=lambda p: not p.get("IsDefault"))
    s.found["projects"] = [p["ProjectId"] for p in projects]


def check_describe_run_groups(s):
    """Every group of every project of the region, a page of 100 at a time."""
    groups = []
    for project in need(s.found, "projects", "project"):
        offset = 0
        while True:
            a = s.call("DescribeRunGroups", {"ProjectId": project, "Limit": 100, "Offset": offset})
            page = a.get("RunGroups") or []
            groups += page
            offset += len(page)
            if not page or offset >= (a.get("TotalCount") or 0) or offset >= 1000:
                break
    # A filtered listing too (Filters.0.Name / Filters.0.Values.0 over GET).
    running = s.call("DescribeRunGroups", {"ProjectId": s.found["projects"][0], "Limit": 100,
                                           "Filters": [{"Name": "Status", "Values": ["RUNNING"]}]})
    bad = [g.get("RunGroupId") for g in running.get("RunGroups") or [] if g.get("Status") != "RUNNING"]
    if bad:
        raise CheckFailed("Filters Status=RUNNING answered groups that are not RUNNING: %s" % ", ".join(bad))
    if not groups:
        raise CheckFailed("no run groups in %s" % s.args.region)
    s.found["groups"] = groups


def count_of(g, statuses):
    return sum(c.get("Count") or 0 for c in g.get("RunStatusCounts") or [] if c.get("Status") in statuses)


def kind_of(g):
    return (g.get("Type") or g.get("ApplicationType") or "").upper()


def groups_where(s, kind, pred):
    return [g for g in need(s.found, "groups", "run group") if kind_of(g) == kind and pred(g)]


def group_where(s, kind, pred, what):
    groups = groups_where(s, kind, pred)
    if not groups:
        raise CheckFailed("no %s run group %s in the simulator's answers" % (kind, what))
    return groups[0]


def finished(g):
    return g.get("Status") not in ("RUNNING", None)


def runs_of(s, g, statuses=None):
    filters = [{"Name": "RunGroupId", "Values": [g["RunGroupId"]]}]
    if statuses:
        filters.append({"Name": "Status", "Values": list(statuses)})
    a = s.call("DescribeRuns", {"ProjectId": g["ProjectId"], "Limit": 100, "Filters": filters})
    return a.get("Runs") or []


def check_describe_runs(s):
    # A failed WDL run, and a Nextflow run that has started.
    wdl = group_where(s, "WDL", lambda g: count_of(g, FAILED_RUN) > 0, "with failed runs")
    runs = runs_of(s, wdl, FAILED_RUN)
    if not runs:
        raise CheckFailed("group %s counts failed runs but DescribeRuns lists none" % wdl["RunGroupId"])
    wrong = [r.get("RunUuid") for r in runs if r.get("Status") not in FAILED_RUN]
    if wrong:
        raise CheckFailed("Filters Status=%s answered runs in other statuses: %s" % ("/".join(FAILED_RUN), ", ".join(wrong)))
    s.found["wdl_failed_run"] = (runs[0]["RunUuid"], wdl["ProjectId"])
    for g in groups_where(s, "WDL", lambda g: g.get("Status") == "RUNNING"):
        running = runs_of(s, g, ["RUNNING"])
        if running:
            s.found["wdl_running_run"] = (running[0]["RunUuid"], g["ProjectId"])
            break
    nf = group_where(s, "NEXTFLOW", lambda g: (g.get("ExecutionTime") or {}).get("StartTime"), "that has started")
    started = [r for r in runs_of(s, nf) if (r.get("ExecutionTime") or {}).get("StartTime")]
    if not started:
        raise CheckFailed("Nextflow group %s has a StartTime but no run that started" % nf["RunGroupId"])
    s.found["nf_run"] = (started[0]["RunUuid"], nf["ProjectId"], bool((nf.get("NFOption") or {}).get("Report")))


def check_get_run_status(s):
    run, project = need(s.found, "wdl_failed_run", "failed WDL run")
    a = s.call("GetRunStatus", {"RunUuid": run, "ProjectId": project})
    meta = a.get("Metadata") or {}
    if meta.get("Status") not in FAILED_RUN:
        raise CheckFailed("run %s is failed in DescribeRuns but GetRunStatus says %r" % (run, meta.get("Status")))


def check_get_run_calls(s):
    """Walks the call trees of the failed run and of a running run, from "/" down through
    every sub-workflow and scatter (the running run's big scatter lists thousands of shards)."""
    trees = [need(s.found, "wdl_failed_run", "failed WDL run")]
    if s.found.get("wdl_running_run"):
        trees.append(s.found["wdl_running_run"])
    kinds = set()
    for run, project in trees:
        paths, listed = ["/"], 0
        while paths and listed < 20:
            path = paths.pop(0)
            a = s.call("GetRunCalls", {"RunUuid": run, "Path": path, "ProjectId": project})
            listed += 1
            for c in a.get("Calls") or []:
                kinds.add(c.get("RunType"))
                if not c.get("StartTime"):
                    continue
                if c.get("RunType") == "Task" and c.get("JobId") and "job" not in s.found:
                    s.found["job"] = (run, project, c["JobId"], path)
                if c.get("RunType") in ("Workflow", "Scatter") and c.get("RunId"):
                    paths.append(path.rstrip("/") + "/" + c["RunId"])
    if "job" not in s.found:
        raise CheckFailed("no started task with a JobId in the calls of run %s" % trees[0][0])
    if "Scatter" not in kinds:
        raise CheckFailed("no Scatter call in the walked call trees (RunTypes seen: %s)" % ", ".join(sorted(map(str, kinds))))


def check_get_run_job_log(s):
    run, project, job, path = need(s.found, "job", "task JobId")
    for log_type in ("stdout", "stderr"):
        a = s.call("GetRunJobLog", {"RunUuid": run, "JobId": job, "LogType": log_type,
                                    "ProjectId": project, "Path": path})
        if not isinstance(a.get("Content"), str):
            raise CheckFailed("no %s Content for job %s" % (log_type, job))


def check_get_run_metadata_file(s):
    run, project, reports = need(s.found, "nf_run", "started Nextflow run")
    keys = ["nextflow.log"] + (NEXTFLOW_REPORTS if reports else [])
    a = s.call("GetRunMetadataFile", {"RunUuid": run, "ProjectId": project,
                                      "Key": "nextflow.log", "Keys": keys})
    if not a.get("CosSignedUrl"):
        raise CheckFailed("no CosSignedUrl for nextflow.log of run %s" % run)
    if len(a.get("CosSignedUrls") or []) != len(keys):
        raise CheckFailed("%d CosSignedUrls for %d Keys" % (len(a.get("CosSignedUrls") or []), len(keys)))


def check_retry_runs(s):
    """Retries the failed runs of a finished WDL group (by RunGroupId and RunUuids, with a
    WDLOption) and a finished Nextflow group (by RunGroupId, with an NFOption)."""
    retried = 0
    for kind in ("WDL", "NEXTFLOW"):
        groups = groups_where(s, kind, lambda g: finished(g) and count_of(g, FAILED_RUN) > 0)
        if not groups:
            continue
        g = groups[0]
        params = {"ProjectId": g["ProjectId"], "RunGroupId": g["RunGroupId"]}
        if kind == "WDL":
            failed = [r["RunUuid"] for r in runs_of(s, g, FAILED_RUN)]
            if not failed:
                raise CheckFailed("group %s counts failed runs but DescribeRuns lists none" % g["RunGroupId"])
            params.update({"RunUuids": failed[:2], "WDLOption": run_option()})
        else:
            params["NFOption"] = nf_option(g)
        a = s.call("RetryRuns", params)
        if not a.get("RunGroupId"):
            raise CheckFailed("no RunGroupId for the retry of %s" % g["RunGroupId"])
        retried += 1
    if not retried:
        raise CheckFailed("no finished run group with failed runs in the simulator's answers")


def check_run_application(s):
    """Launches a WDL application (with an Option) and a Nextflow one (with an NFOption)."""
    wdl = group_where(s, "WDL", lambda g: g.get("ApplicationId") and g.get("EnvironmentId"), "with an application")
    version = (wdl.get("ApplicationVersion") or {}).get("ApplicationVersionId")
    inputs = base64.b64encode(json.dumps({"sdk_check.sample": "NA12878"}).encode()).decode()
    params = {"ApplicationId": wdl["ApplicationId"], "Name": "sdk-check-%s" % s.method.lower(),
              "EnvironmentId": wdl["EnvironmentId"], "ProjectId": wdl["ProjectId"],
              "Description": "launched by tests/sdk/check.py", "InputBase64": inputs,
              "CacheClearDelay": 0, "Option": run_option()}
    if version:
        params["ApplicationVersionId"] = version
    a = s.call("RunApplication", params)
    if not a.get("RunGroupId"):
        raise CheckFailed("no RunGroupId for the new run group")
    s.found["launched"] = (a["RunGroupId"], wdl["ProjectId"],
                           {k: params[k] for k in ("Name", "Description", "Option", "ApplicationId")})
    nfs = groups_where(s, "NEXTFLOW", lambda g: g.get("ApplicationId") and g.get("EnvironmentId"))
    if not nfs:
        return
    nf = nfs[0]
    params = {"ApplicationId": nf["ApplicationId"], "Name": "sdk-check-nf-%s" % s.method.lower(),
              "EnvironmentId": nf["EnvironmentId"], "ProjectId": nf["ProjectId"],
              "InputCosUri": "cos://omtop-sdk-check-1250000000/samplesheet.json",
              "NFOption": nf_option(nf), "AccessMode": "PRIVATE"}
    volumes = [v for v in nf.get("Volumes") or [] if v.get("VolumeId") and v.get("MountPath")]
    if volumes:
        params["VolumeIds"] = [volumes[0]["VolumeId"]]
        params["WorkDir"] = volumes[0]["MountPath"].rstrip("/") + "/sdk-check/work"
    a = s.call("RunApplication", params)
    if not a.get("RunGroupId"):
        raise CheckFailed("no RunGroupId for the new Nextflow run group")


def check_describe_environments(s):
    """The region's environments two at a time, and those in ERROR; one must be available."""
    envs, offset = [], 0
    while True:
        a = s.call("DescribeEnvironments", {"Limit": 2, "Offset": offset})
        page = a.get("Environments") or []
        envs += page
        offset += len(page)
        if not page or offset >= (a.get("TotalCount") or 0) or offset >= 100:
            break
    ids = [e.get("EnvironmentId") for e in envs]
    if len(set(ids)) != len(ids):
        raise CheckFailed("paging listed an environment twice: %s" % ", ".join(map(str, ids)))
    if not any(e.get("Available") for e in envs):
        raise CheckFailed("no available environment in %s" % s.args.region)
    broken = s.call("DescribeEnvironments", {"Filters": [{"Name": "Status", "Values": ["ERROR"]}]})
    bad = [e.get("EnvironmentId") for e in broken.get("Environments") or [] if e.get("Status") != "ERROR"]
    if bad:
        raise CheckFailed("Filters Status=ERROR answered environments in other statuses: %s" % ", ".join(bad))
    s.found["environments"] = envs


def available_env(s):
    envs = need(s.found, "environments", "environment")
    ok = [e for e in envs if e.get("Available")]
    if not ok:
        raise CheckFailed("no available environment")
    return ok[0]


def check_describe_volumes(s):
    """The volumes of every environment, and each one's default."""
    listed = {}
    for e in need(s.found, "environments", "environment"):
        env = e["EnvironmentId"]
        a = s.call("DescribeVolumes", {"EnvironmentId": env, "Limit": 100, "Offset": 0})
        vols = a.get("Volumes") or []
        wrong = [v.get("VolumeId") for v in vols if v.get("EnvironmentId") != env]
        if wrong:
            raise CheckFailed("volumes of %s name another environment: %s" % (env, ", ".join(wrong)))
        listed[env] = [v["VolumeId"] for v in vols if v.get("VolumeId")]
    env = available_env(s)["EnvironmentId"]
    if not listed.get(env):
        raise CheckFailed("the available environment %s has no volume" % env)
    a = s.call("DescribeVolumes", {"EnvironmentId": env,
                                   "Filters": [{"Name": "IsDefault", "Values": ["true"]}]})
    defaults = a.get("Volumes") or []
    if len(defaults) != 1 or not defaults[0].get("IsDefault"):
        raise CheckFailed("Filters IsDefault=true answered %d volumes" % len(defaults))
    s.found["volumes"] = listed


def check_describe_tables(s):
    project = need(s.found, "projects", "project")[0]
    a = s.call("DescribeTables", {"ProjectId": project, "Limit": 100, "Offset": 0})
    tables = a.get("Tables") or []
    if not tables:
        raise CheckFailed("no tables in project %s" % project)
    t = tables[0]
    one = s.call("DescribeTables", {"ProjectId": project,
                                    "Filters": [{"Name": "TableId", "Values": [t["TableId"]]}]})
    if [x.get("TableId") for x in one.get("Tables") or []] != [t["TableId"]]:
        raise CheckFailed("Filters TableId=%s did not answer that table alone" % t["TableId"])
    s.found["table"] = (project, t["TableId"], len(t.get("Columns") or []))


def check_describe_tables_rows(s):
    """A table's rows (one cell per column), then one found by a cell's text and by its id."""
    project, table, columns = need(s.found, "table", "table")
    a = s.call("DescribeTablesRows", {"ProjectId": project, "TableId": table, "Limit": 100})
    rows = a.get("Rows") or []
    if not rows:
        raise CheckFailed("table %s has no rows" % table)
    ragged = [r.get("TableRowUuid") for r in rows if len(r.get("Content") or []) != columns]
    if ragged:
        raise CheckFailed("rows without one cell per column: %s" % ", ".join(map(str, ragged)))
    row = rows[-1]
    text = row["Content"][1]
    hit = s.call("DescribeTablesRows", {"ProjectId": project, "TableId": table,
                                        "Filters": [{"Name": "Tr", "Values": [text]}]})
    if not any(r.get("TableRowUuid") == row["TableRowUuid"] for r in hit.get("Rows") or []):
        raise CheckFailed("Filters Tr=%s did not find the row holding it" % text)
    one = s.call("DescribeTablesRows", {"ProjectId": project, "TableId": table,
                                        "Filters": [{"Name": "TableRowUuid", "Values": [row["TableRowUuid"]]}]})
    if [r.get("TableRowUuid") for r in one.get("Rows") or []] != [row["TableRowUuid"]]:
        raise CheckFailed("Filters TableRowUuid did not answer that row alone")


def check_run_workflow(s):
    """Runs a Nextflow workflow from git on an available environment and its volume."""
    env = available_env(s)["EnvironmentId"]
    project = need(s.found, "projects", "project")[0]
    git = {"GitHttpPath": "https://github.com/nf-core/taxprofiler.git", "Branch": "master"}
    params = {"Name": "sdk-check-wf-%s" % s.method.lower(), "EnvironmentId": env,
              "ProjectId": project, "GitSource": git, "Type": "NEXTFLOW",
              "NFOption": {"Config": "", "Profile": "test", "NFVersion": "23.10.1"},
              "InputCosUri": "cos://omtop-sdk-check-1250000000/taxprofiler.json",
              "CacheClearDelay": 0, "Entrypoint": "main.nf"}
    volumes = (s.found.get("volumes") or {}).get(env) or []
    if volumes:
        params["VolumeIds"] = volumes[:1]
    a = s.call("RunWorkflow", params)
    gid = a.get("RunGroupId")
    if not gid:
        raise CheckFailed("no RunGroupId for the new run group")
    d = s.call("DescribeRunGroups", {"ProjectId": project, "Limit": 1,
                                     "Filters": [{"Name": "RunGroupId", "Values": [gid]}]})
    groups = d.get("RunGroups") or []
    source = ((groups[0].get("ApplicationVersion") or {}).get("GitSource") or {}) if groups else {}
    if source.get("GitHttpPath") != git["GitHttpPath"]:
        raise CheckFailed("run group %s does not say it came from %s" % (gid, git["GitHttpPath"]))


def check_terminate_run_group(s):
    """Terminates the group RunApplication launched (checking first that it kept what the
    request said), or else another RUNNING group."""
    done = s.found.setdefault("terminated", [])
    candidates = [s.found.pop("launched")] if s.found.get("launched") else []
    candidates += [(g["RunGroupId"], g["ProjectId"], None) for g in s.found.get("groups") or []
                   if g.get("Status") == "RUNNING" and g["RunGroupId"] not in done]
    for gid, project, sent in candidates:
        a = s.call("DescribeRunGroups", {"ProjectId": project, "Limit": 1,
                                         "Filters": [{"Name": "RunGroupId", "Values": [gid]}]})
        groups = a.get("RunGroups") or []
        if sent and groups:
            kept = {k: groups[0].get(k) for k in sent}
            if kept != sent:
                raise CheckFailed("run group %s launched with %s is described as %s"
                                  % (gid, json.dumps(sent, sort_keys=True), json.dumps(kept, sort_keys=True)))
        if groups and groups[0].get("Status") == "RUNNING":
            s.call("TerminateRunGroup", {"RunGroupId": gid, "ProjectId": project})
            done.append(gid)
            return
    raise CheckFailed("no RUNNING run group to terminate")


def check_auth(s):
    client = make_client(s.args, s.method, secret_key="not-" + s.args.secret_key)
    req = request("DescribeRunGroups", {"Limit": 1})
    try:
        client.DescribeRunGroups(req)
    except TencentCloudSDKException as e:
        if not (e.get_code() or "").startswith("AuthFailure"):
            raise CheckFailed("a wrong secret key answered %s: %s" % (e.get_code(), e.get_message()))
        return
    raise CheckFailed("a wrong secret key was accepted")


CHECKS = [
    ("DescribeProjects", check_describe_projects),
    ("DescribeRunGroups", check_describe_run_groups),
    ("DescribeRuns", check_describe_runs),
    ("GetRunStatus", check_get_run_status),
    ("GetRunCalls", check_get_run_calls),
    ("GetRunJobLog", check_get_run_job_log),
    ("GetRunMetadataFile", check_get_run_metadata_file),
    ("RetryRuns", check_retry_runs),
    ("RunApplication", check_run_application),
    ("DescribeEnvironments", check_describe_environments),
    ("DescribeVolumes", check_describe_volumes),
    ("DescribeTables", check_describe_tables),
    ("DescribeTablesRows", check_describe_tables_rows),
    ("RunWorkflow", check_run_workflow),
    ("TerminateRunGroup", check_terminate_run_group),
    ("wrong secret key refused (AuthFailure)", check_auth),
]
assert sorted(a for a, _ in CHECKS if a in ACTIONS) == sorted(ACTIONS)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--endpoint", required=True, help="http://127.0.0.1:PORT")
    p.add_argument("--secret-id", required=True)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--region", default="ap-guangzhou")
    p.add_argument("--method", choices=["POST", "GET"], action="append",
                   help="only this method (repeatable; default both)")
    p.add_argument("--notes", action="store_true", help="also list model fields never sent")
    args = p.parse_args()
    # The simulator is local: a proxy from the environment must not carry the requests.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(var, None)

    shapes = Shapes()
    passed = failed = 0
    found = {}
    for method in args.method or ["POST", "GET"]:
        s = Session(args, method, shapes, copy.deepcopy(found))
        for name, check in CHECKS:
            try:
                check(s)
            except CheckFailed as e:
                failed += 1
                print("FAIL %s %s: %s" % (method, name, e), flush=True)
            except Exception as e:  # a bug here or an SDK surprise: still one line, and go on
                failed += 1
                print("FAIL %s %s: %s: %s" % (method, name, type(e).__name__, e), flush=True)
            else:
                passed += 1
                print("ok %s %s" % (method, name), flush=True)
        if method == "POST":
            found = s.found
    if args.notes:
        for line in shapes.never_sent():
            print("note never sent: %s" % line)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
