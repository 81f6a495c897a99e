#!/usr/bin/env python3
"""Generate omtop's machine-readable schema of the Tencent Cloud Omics API, and the reference's
example requests/responses as test fixtures, from the API reference in ../shared/spec/.

What it parses
  * omics-api-full.zh.txt -- the whole API reference in Chinese, text extracted from a PDF.
    - the `API 概览` tables (every action name, the completeness list);
    - each action, found by its Action row `本接口取值：<Action>`: the input table
      (`参数名称 必选 类型 描述`, common parameters Action/Version/Region left out; the Region
      row's `本接口仅支持其中的: ...` gives `regions`), `3. 输出参数` (`参数名称 类型 描述`,
      RequestId left out), `4. 示例` (examples), `6. 错误码` (error codes);
    - the `数据结构` section: every structure heading followed by `被如下接口引用：...`, with its
      member table (`名称 类型 必选 描述` -> required true/false, `名称 类型 描述` -> null).
    Page noise is skipped: URL lines, `最近更新时间：...` lines, page titles (the action's
    Chinese name, `数据结构`, ...), page footers, repeated table headers; values and JSON bodies
    split over lines (and over page breaks) are rejoined.
  * NOTES.md -- DescribeProjects and GetRunJobLog, newer than the doc, come from a small
    hand-written supplement below (NOTES_ACTIONS), transcribed from NOTES.md.
  * GetRunCalls.en.txt, RetryRuns.en.txt, RunApplication.en.txt, DescribeRunGroups.zh.txt --
    single-action pages: only their examples are used (fixtures); the schema comes from the doc.

What it writes
  * assets/omics-api.json -- {"version", "sources", "actions", "structures"}: pretty-printed,
    sorted keys, trailing newline (the format the Rust simulator consumes).
  * tests/fixtures/spec-examples/<Action>.<source>.<n>.json -- one per example:
    {"action", "source": "<file>:<line of 输入示例/Input Example>", "title", "request",
    "response"}; JSON values exactly as the doc gives them (key order kept).
    Examples that cannot be parsed as JSON even after rejoining are listed in UNPARSED.md there.

Usage (from anywhere; paths are relative to the repository root)
  python3 scripts/gen_api_schema.py              regenerate both from the spec (e.g. a newer doc)
  python3 scripts/gen_api_schema.py --check      exit 0 only if the committed files equal a fresh
                                                 generation AND the schema is complete (every
                                                 action of the API overview, every structure of
                                                 the 数据结构 section, every type name resolved);
                                                 exit 1 with a diff summary otherwise
  python3 scripts/gen_api_schema.py --lint       print where the doc contradicts itself (examples
                                                 against the doc's own required fields, enums and
                                                 types; 示例值 values; the single-action pages)
  --spec DIR   the spec folder (default: ../shared/spec relative to the repository root)

Stdlib only (python3 >= 3.8). The summary (actions, structures, enums, examples) goes to stderr.
"""
import argparse
import difflib
import json
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SPEC = os.path.join(REPO, "..", "shared", "spec")
DOC = "omics-api-full.zh.txt"
NOTES = "NOTES.md"
SCHEMA_OUT = os.path.join("assets", "omics-api.json")
EXAMPLES_DIR = os.path.join("tests", "fixtures", "spec-examples")
UNPARSED = "UNPARSED.md"

# Single-action pages: file name -> the <source> part of the fixture names.
PAGES = {
    "GetRunCalls.en.txt": "GetRunCalls-en",
    "RetryRuns.en.txt": "RetryRuns-en",
    "RunApplication.en.txt": "RunApplication-en",
    "DescribeRunGroups.zh.txt": "DescribeRunGroups-zh",
}

PRIMITIVES = {"String", "Integer", "Boolean", "Float"}
# Types of the doc's 参数类型 page that the schema format does not name; reported if used.
OTHER_PRIMITIVES = {"Double", "Date", "Binary"}
COMMON_INPUTS = {"Action", "Version", "Region"}

# ---------------------------------------------------------------------------------------------
# Supplement transcribed from NOTES.md (two actions newer than the doc, same version 2022-11-28).
# NOTES.md does not list their regions: the run APIs' list (DescribeRuns, GetRunCalls, ...:
# ap-beijing, ap-guangzhou, ap-shanghai) is used.
# DescribeProjects' errors: NOTES.md says an older deployment or an account without permission
# may answer InvalidAction or UnauthorizedOperation (the client then falls back).
# ---------------------------------------------------------------------------------------------
NOTES_REGIONS = ["ap-beijing", "ap-guangzhou", "ap-shanghai"]


def _p(name, typ, array=False, required=False, enum=None):
    return {"name": name, "type": typ, "array": array, "required": required, "enum": enum}


def _o(name, typ, array=False):
    return {"name": name, "type": typ, "array": array}


NOTES_ACTIONS = {
    "DescribeProjects": {
        "source": "notes",
        "regions": NOTES_REGIONS,
        "input": [
            _p("Limit", "Integer"),
            _p("Offset", "Integer"),
            # Filter names per NOTES.md: Name, ProjectId, Region.
            _p("Filters", "Filter", array=True),
        ],
        "output": [_o("TotalCount", "Integer"), _o("Projects", "Project", array=True)],
        "errors": ["InvalidAction", "UnauthorizedOperation"],
    },
    "GetRunJobLog": {
        "source": "notes",
        "regions": NOTES_REGIONS,
        "input": [
            _p("RunUuid", "String", required=True),
            _p("JobId", "String", required=True),
            _p("LogType", "String", required=True, enum=["stdout", "stderr"]),
            _p("ProjectId", "String"),
            _p("Path", "String"),  # the call's sub-workflow path; may be empty at top level
        ],
        "output": [_o("Content", "String")],
        "errors": [],
    },
}
NOTES_STRUCTURES = {
    # Output-only: required null. CreateTime/UpdateTime are plain strings: the SDK's example
    # shows "2023-10-25 20:17:58", not ISO 8601.
    "Project": {
        "used_by": ["DescribeProjects"],
        "members": [
            _p(n, t, required=None)
            for n, t in [
                ("ProjectId", "String"), ("Name", "String"), ("Description", "String"),
                ("Region", "String"), ("CreateTime", "String"), ("UpdateTime", "String"),
                ("Creator", "String"), ("IsDefault", "Boolean"),
            ]
        ],
    },
}
# Doc structures that the notes actions also use (added to their used_by).
NOTES_USES = {"Filter": ["DescribeProjects"]}

# ---------------------------------------------------------------------------------------------
# Text and noise
# ---------------------------------------------------------------------------------------------
URL_RE = re.compile(r"^https?://\S*$")
NOISE_EXACT = {
    "推荐使用 API Explorer 点击调试",
    "腾讯健康组学平台",
    "环境管理相关接口",
    "组学平台相关接口",
}
TABLE_HEADERS = {
    "参数名称 必选 类型 描述",
    "参数名称 类型 描述",
    "名称 类型 必选 描述",
    "名称 类型 描述",
    "错误码 描述",
    "错误码 说明",
}
IDENT = r"[A-Z][A-Za-z0-9]*"


class Doc:
    """Lines of one spec file (1-based), with the page noise marked."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.lines = [""] + [l.rstrip("\r") for l in text.split("\n")]
        self.titles = self._page_titles()

    def _page_titles(self):
        """Page titles: the line just before each `最近更新时间` line (when it is plain text)."""
        titles = set()
        for i, l in enumerate(self.lines):
            if l.strip().startswith("最近更新时间"):
                j = i - 1
                while j > 0 and not self.lines[j].strip():
                    j -= 1
                t = self.lines[j].strip()
                if t and len(t) <= 24 and not re.search(r'["{}\[\]:,：，。]', t) \
                        and not URL_RE.match(t):
                    titles.add(t)
        return titles

    def is_noise(self, s):
        s = s.strip()
        return (
            not s
            or URL_RE.match(s) is not None
            or s.startswith("最近更新时间")
            or s.startswith("版权所有：")
            or s in NOISE_EXACT
            or s in self.titles
        )

    def content(self, start, end):
        """(lineno, stripped text) of the non-noise lines in [start, end)."""
        out = []
        for i in range(max(start, 1), min(end, len(self.lines))):
            if not self.is_noise(self.lines[i]):
                out.append((i, self.lines[i].strip()))
        return out

    def find(self, pred, start=1, end=None):
        end = len(self.lines) if end is None else end
        for i in range(start, end):
            if pred(self.lines[i].strip()):
                return i
        return None


class Problems:
    def __init__(self):
        self.items = []

    def add(self, where, msg):
        self.items.append((where, msg))


# ---------------------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------------------
def parse_type(tokens, structs):
    """Parse a type at the start of `tokens` (list of (token, line_index)).

    Returns (type, array, n_tokens) or None. `Array of X`, `Timestamp ISO8601`, primitives and
    structure names."""
    def base(tok):
        # Any identifier in the type column is taken, so that a row never vanishes into the
        # previous description; a name that is not a structure fails the completeness check.
        if tok in PRIMITIVES or tok in OTHER_PRIMITIVES or tok in structs or tok == "Timestamp" \
                or re.match(r"^" + IDENT + r"$", tok):
            return tok
        return None

    if not tokens:
        return None
    t0 = tokens[0][0]
    if t0 == "Array":
        if len(tokens) >= 3 and tokens[1][0] == "of" and base(tokens[2][0]):
            typ, n = tokens[2][0], 3
            if typ == "Timestamp" and len(tokens) > 3 and tokens[3][0] == "ISO8601":
                n = 4
            return typ, True, n
        return None
    if base(t0):
        n = 1
        if t0 == "Timestamp" and len(tokens) > 1 and tokens[1][0] == "ISO8601":
            n = 2
        return t0, False, n
    return None


# ---------------------------------------------------------------------------------------------
# Tables (input / output / structure members)
# ---------------------------------------------------------------------------------------------
def is_table_header(s):
    return s in TABLE_HEADERS


def parse_table(items, kind, structs):
    """items: content lines (lineno, text) of one table, headers included.

    kind: "input" (name 是/否 type), "req" (name type 是/否), "plain" (name type).
    Returns [{"name", "array", "type", "required", "desc": [(lineno, text)], "line"}]."""
    items = [(n, t) for n, t in items if not is_table_header(t)]
    rows = []
    i = 0
    name_re = re.compile(r"^(" + IDENT + r")(\.N)?(?: (.*))?$")

    def try_row(i):
        m = name_re.match(items[i][1])
        if not m:
            return None
        name, dotn, rest = m.group(1), m.group(2), m.group(3) or ""
        # Token stream: rest of this line, then whole following lines (lazily).
        toks = [(t, i) for t in rest.split()]
        j = i + 1

        def need(k):
            nonlocal j
            while len(toks) < k and j < len(items) and j <= i + 4:
                toks.extend((t, j) for t in items[j][1].split())
                j += 1
            return len(toks) >= k

        required = None
        pos = 0
        need(1)
        if kind == "input":
            if not toks or toks[0][0] not in ("是", "否") or toks[0][1] != i:
                return None
            required = toks[0][0] == "是"
            pos = 1
        need(pos + 4)
        parsed = parse_type(toks[pos:], structs)
        if not parsed:
            return None
        typ, array, n = parsed
        pos += n
        if kind == "req":
            need(pos + 1)
            if pos >= len(toks) or toks[pos][0] not in ("是", "否"):
                return None
            required = toks[pos][0] == "是"
            pos += 1
        last_line = toks[pos - 1][1]
        # A following line used for the type must be used whole (no description after it on
        # that line, unless it is the row's own line).
        if last_line != i:
            line_toks = [t for t in toks if t[1] == last_line]
            used = [t for t in toks[:pos] if t[1] == last_line]
            if len(used) != len(line_toks):
                return None
        # Description: what is left on last_line, then following lines until the next row.
        used = sum(1 for t in toks[:pos] if t[1] == last_line) + (1 if last_line == i else 0)
        parts = items[last_line][1].split(None, used)
        desc = [(items[last_line][0], parts[used])] if len(parts) > used else []
        return {
            "name": name,
            "dotn": bool(dotn),
            "type": typ,
            "array": array,
            "required": required,
            "line": items[i][0],
            "desc": desc,
        }, last_line + 1

    while i < len(items):
        r = try_row(i)
        if r:
            row, nxt = r
            rows.append(row)
            i = nxt
            continue
        if rows:
            rows[-1]["desc"].append(items[i])
        i += 1
    return rows


BULLET_RE = re.compile(r"^[-*]\s*(.*)$")
ENUM_ITEM_RE = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.\[\]-]*)(?:\s*[：:].*|\s+\S.*)?$")
INLINE_ENUM_RE = re.compile(r"(?:取值|支持的类型包括)[：:]\s*(.+)$")


def split_desc(desc):
    """Description lines before the first 示例值 line, and the 示例值 text (rejoined)."""
    before, example, in_ex = [], [], False
    for n, t in desc:
        if t.startswith("示例值"):
            in_ex = True
            t = re.sub(r"^示例值[：:]\s*", "", t)
            example.append((n, t))
        elif in_ex:
            example.append((n, t))
        else:
            before.append((n, t))
    return before, example


def extract_enum(before):
    """Closed lists of values in a description: `- VALUE：说明` / `* VALUE` bullets (after
    取值范围 / 支持类型 / ...类型： / 支持以下文件), or an inline `取值：a、b` list.
    Bullet lists of filter names (支持过滤字段) are not enums."""
    text = "".join(t for _, t in before)
    if "支持过滤字段" in text:
        return None, None
    bullets = []
    for n, t in before:
        m = BULLET_RE.match(t)
        if m:
            bullets.append((n, m.group(1).strip()))
    if bullets:
        vals = []
        for n, b in bullets:
            m = ENUM_ITEM_RE.match(b)
            if not m:
                return None, ("bullets that are not values", bullets[0][0])
            vals.append(m.group(1))
        return vals, None
    # Inline list: lines joined without separator (the PDF splits lists after 、).
    m = INLINE_ENUM_RE.search(text)
    if m:
        items = [x.strip().rstrip("。.") for x in m.group(1).split("、")]
        if all(re.match(r"^[A-Za-z0-9_.\[\]-]+$", x) for x in items) and len(items) > 1:
            return items, None
    return None, None


def rejoin_value(example):
    """Rejoin a 示例值 split over lines: inside a JSON string, directly; elsewhere with a space."""
    buf, in_str, esc = "", False, False
    for _, t in example:
        if buf:
            buf += "" if in_str else " "
        buf += t
        for ch in t:
            if esc:
                esc = False
            elif ch == "\\" and in_str:
                esc = True
            elif ch == '"':
                in_str = not in_str
    return buf


# ---------------------------------------------------------------------------------------------
# JSON bodies in examples
# ---------------------------------------------------------------------------------------------
JSONISH_RE = re.compile(r'^(?:["{}\[\],:0-9-]|true\b|false\b|null\b)')


def collect_json(items, k, lenient=False, dropped=None):
    """From content line k (which starts with `{`), gather lines until the braces balance.

    Inside an open string the next line is appended directly (the PDF breaks long strings
    mid-token); elsewhere with a newline. Returns (text, next_index, complete).
    lenient: between values, drop lines that cannot be JSON (page noise not recognised as
    such); their line numbers go to `dropped`."""
    buf, in_str, esc, depth = "", False, False, 0
    j = k
    while j < len(items):
        t = items[j][1]
        if lenient and not in_str and buf and not JSONISH_RE.match(t):
            dropped.append(items[j][0])
            j += 1
            continue
        if buf:
            buf += "" if in_str else "\n"
        buf += t
        for ch in t:
            if esc:
                esc = False
            elif in_str:
                if ch == "\\":
                    esc = True
                elif ch == '"':
                    in_str = False
            elif ch == '"':
                in_str = True
            elif ch in "{[":
                depth += 1
            elif ch in "}]":
                depth -= 1
        j += 1
        if depth == 0 and not in_str:
            return buf, j, True
    return buf, j, False


def loads_strict(text):
    """json.loads keeping key order; duplicate keys are an error."""
    def hook(pairs):
        d = {}
        for k, v in pairs:
            if k in d:
                raise ValueError("duplicate key %r" % k)
            d[k] = v
        return d
    return json.loads(text, object_pairs_hook=hook)


EX_TITLE_RE = re.compile(r"^(?:示例|Example)\s*(\d+)\s*(.*)$")
IN_MARK = ("输入示例", "Input Example")
OUT_MARK = ("输出示例", "Output Example")


def parse_examples(doc, items, source_tag, block_action, problems, unparsed):
    """Examples in content lines `items` (one action's 示例 section, or a whole page)."""
    out = []
    k = 0
    title, number, title_line, in_line, desc_line = None, None, None, None, None
    seq = 0
    while k < len(items):
        n, t = items[k]
        m = EX_TITLE_RE.match(t)
        if m:
            number, title, title_line = int(m.group(1)), m.group(2).strip(), n
            in_line, desc_line = None, None
            k += 1
            continue
        if t in IN_MARK:
            in_line = n
            k += 1
            continue
        if t.startswith("This example shows"):
            desc_line = (n, t)
            k += 1
            continue
        if t == "POST / HTTP/1.1":
            post_line = n
            headers = {}
            k += 1
            while k < len(items) and not items[k][1].startswith("{") \
                    and items[k][1] not in OUT_MARK and items[k][1] != "POST / HTTP/1.1":
                hm = re.match(r"^([A-Za-z-]+):\s*(.*)$", items[k][1])
                if hm:
                    headers[hm.group(1)] = hm.group(2)
                k += 1
            action = headers.get("X-TC-Action")
            if block_action and action != block_action:
                problems.add("%s:%d" % (doc.name, post_line),
                             "example X-TC-Action %r in the section of %s" % (action, block_action))
                action = action or block_action
            seq += 1
            num = number if number is not None else seq
            if title is None and desc_line:
                ttl = desc_line[1]
            else:
                ttl = title
            src_line = in_line or post_line
            fx = {"action": action, "source": "%s:%d" % (doc.name, src_line), "title": ttl,
                  "request": None, "response": None}
            bodies = []  # (kind, start_line, text, complete)
            # up to two JSON bodies: request (optional), then response
            while k < len(items) and len(bodies) < 2:
                t2 = items[k][1]
                if t2 == "POST / HTTP/1.1" or EX_TITLE_RE.match(t2):
                    break
                if t2 in OUT_MARK:
                    if not bodies:
                        bodies.append(("request", None, None, True))
                    k += 1
                    continue
                if t2.startswith("{"):
                    start = items[k][0]
                    k0 = k
                    text, k, complete = collect_json(items, k0)
                    try:
                        loads_strict(text)
                    except ValueError:
                        dropped = []
                        text2, k2, complete2 = collect_json(items, k0, True, dropped)
                        try:
                            loads_strict(text2)
                            text, k, complete = text2, k2, complete2
                            problems.add("%s:%d" % (doc.name, start),
                                         "dropped non-JSON lines %s inside the body" % dropped)
                        except ValueError:
                            pass
                    bodies.append((None, start, text, complete))
                    continue
                k += 1
            # Assign: a body that is {"Response": ...} is the response.
            failed = False
            for kind, start, text, complete in bodies:
                if text is None:
                    continue
                try:
                    val = loads_strict(text)
                except ValueError as e:
                    unparsed.append((doc.name, start, action, num,
                                     "not valid JSON after rejoining: %s" % e
                                     + ("" if complete else " (braces never balance)")))
                    failed = True
                    continue
                if isinstance(val, dict) and "Response" in val and len(val) == 1:
                    fx["response"] = val
                elif fx["request"] is not None:
                    unparsed.append((doc.name, start, action, num,
                                     "two request bodies for one example"))
                    failed = True
                else:
                    fx["request"] = val
            if fx["response"] is None and not failed:
                unparsed.append((doc.name, post_line, action, num, "no output example found"))
                failed = True
            if fx["request"] is None and not failed:
                problems.add("%s:%d" % (doc.name, post_line),
                             "%s example %d has no request body" % (action, num))
            fx["_failed"] = failed
            fx["_n"] = num
            fx["_tag"] = source_tag
            out.append(fx)
            title, number, in_line, desc_line = None, None, None, None
            continue
        k += 1
    return out


# ---------------------------------------------------------------------------------------------
# The doc
# ---------------------------------------------------------------------------------------------
def parse_overview(doc):
    """Actions of the API 概览 tables: [(name, chinese name, rate)]."""
    start = doc.find(lambda s: s == "API 概览")
    if start is None:
        return []
    end = doc.find(lambda s: s.startswith("注意：") or s.startswith("1. 服务地址"), start)
    acts = []
    for n, t in doc.content(start + 1, end or len(doc.lines)):
        m = re.match(r"^(" + IDENT + r") (\S+) (\d+)$", t)
        if m:
            acts.append((m.group(1), m.group(2), int(m.group(3))))
    return acts


def struct_headings(doc):
    """[(name, heading_line, ref_line, [actions])] of the 数据结构 section."""
    out = []
    for i, l in enumerate(doc.lines):
        s = l.strip()
        m = re.match(r"^被如下接口引用[：:]\s*(.*?)。?$", s)
        if not m:
            continue
        refs = [x.strip() for x in re.split(r"[,，、]", m.group(1)) if x.strip()]
        # The heading is the identifier line just above the structure's description (at most
        # a few description lines up, page noise aside).
        j, seen, found = i - 1, 0, None
        while j > 0 and seen < 6:
            t = doc.lines[j].strip()
            if not doc.is_noise(t):
                if re.match(r"^" + IDENT + r"$", t):
                    found = j
                    break
                if is_table_header(t) or re.match(r"^" + IDENT + r" [A-Z]", t) or t.startswith("示例值"):
                    break
                seen += 1
            j -= 1
        if found is None:
            out.append((None, i, i, refs))
        else:
            out.append((doc.lines[found].strip(), found, i, refs))
    return out


def build(spec_dir):
    problems = Problems()
    doc = Doc(os.path.join(spec_dir, DOC))
    overview = parse_overview(doc)
    # The actions' Chinese names are page titles too (one, 查询作业详情, sits where the PDF put it).
    doc.titles |= {zh for _, zh, _ in overview}
    heads = struct_headings(doc)
    fatal = []
    for h in heads:
        if h[0] is None:
            fatal.append("%s:%d: no structure heading above 被如下接口引用" % (DOC, h[2]))
    heads = [h for h in heads if h[0] is not None]
    struct_names = {h[0] for h in heads}
    data_start = min(h[1] for h in heads) if heads else len(doc.lines)
    data_end = doc.find(lambda s: s == "功能说明" or s.startswith("如果返回结果中存在 Error"),
                        data_start) or len(doc.lines)

    # Action rows
    act_rows = []
    for i, l in enumerate(doc.lines):
        m = re.match(r"^Action 是 String 公共参数，本接口取值[：:]\s*(" + IDENT + r")。?$", l.strip())
        if m:
            act_rows.append((m.group(1), i))

    enums_found = []  # (owner, field, values)
    actions, versions, examples, unparsed = {}, set(), [], []
    ex_sections = []
    for idx, (name, row) in enumerate(act_rows):
        end = act_rows[idx + 1][1] if idx + 1 < len(act_rows) else data_start
        f = lambda pred, s=row: doc.find(pred, s, end)
        out_i = f(lambda s: s == "3. 输出参数")
        ex_i = f(lambda s: s == "4. 示例")
        dev_i = f(lambda s: s == "5. 开发者资源")
        err_i = f(lambda s: s == "6. 错误码")
        next_desc = doc.find(lambda s: s == "1. 接口描述", err_i or row, end) or end
        where = "%s:%d" % (DOC, row)
        if None in (out_i, ex_i, dev_i, err_i):
            fatal.append("%s: %s: section markers missing" % (where, name))
            continue
        if name in actions:
            fatal.append("%s: %s documented twice" % (where, name))
        # Input
        rows = parse_table(doc.content(row, out_i), "input", struct_names)
        regions = None
        inputs = []
        for r in rows:
            before, example = split_desc(r["desc"])
            if r["name"] == "Version":
                m = re.search(r"本接口取值[：:]\s*([0-9-]+)", "".join(t for _, t in r["desc"]))
                if m:
                    versions.add(m.group(1))
            if r["name"] == "Region":
                text = "".join(t for _, t in r["desc"])
                m = re.search(r"本接口仅支持其中的[:：]\s*([a-z0-9,\s-]+)", text)
                if m:
                    regions = sorted(x.strip() for x in m.group(1).split(",") if x.strip())
            if r["name"] in COMMON_INPUTS:
                continue
            if r["array"] != r["dotn"]:
                problems.add("%s:%d" % (DOC, r["line"]),
                             "%s.%s: `.N` suffix and `Array of` disagree" % (name, r["name"]))
            enum, why = extract_enum(before)
            if why:
                problems.add("%s:%d" % (DOC, why[1]), "%s.%s: %s (no enum)" % (name, r["name"], why[0]))
            if enum is not None and r["type"] != "String":
                problems.add("%s:%d" % (DOC, r["line"]),
                             "%s.%s: value list on a %s (no enum)" % (name, r["name"], r["type"]))
                enum = None
            if enum:
                enums_found.append((name, r["name"], enum))
            inputs.append({"name": r["name"], "type": norm_type(r["type"]), "array": r["array"],
                           "required": r["required"], "enum": enum,
                           "_line": r["line"], "_example": rejoin_value(example),
                            "_exline": example[0][0] if example else r["line"]})
        # Output
        orows = parse_table(doc.content(out_i + 1, ex_i), "plain", struct_names)
        outputs = []
        for r in orows:
            if r["name"] == "RequestId":
                continue
            before, example = split_desc(r["desc"])
            enum, _ = extract_enum(before)
            if enum:
                problems.add("%s:%d" % (DOC, r["line"]),
                             "%s output %s lists values %s (output params carry no enum in the "
                             "schema format)" % (name, r["name"], enum))
            outputs.append({"name": r["name"], "type": norm_type(r["type"]), "array": r["array"],
                            "_line": r["line"], "_example": rejoin_value(example),
                            "_exline": example[0][0] if example else r["line"]})
        if not any(r["name"] == "RequestId" for r in orows):
            problems.add(where, "%s: no RequestId output row" % name)
        # Errors
        errors = []
        for n, t in doc.content(err_i + 1, next_desc):
            if is_table_header(t) or t.startswith("以下仅列出"):
                continue
            m = re.match(r"^(" + IDENT + r"(?:\.[A-Za-z0-9]+)*)(?:\s+\S.*)?$", t)
            if m:
                errors.append(m.group(1))
            else:
                problems.add("%s:%d" % (DOC, n), "%s: skipped line in 错误码: %r" % (name, t))
        actions[name] = {
            "source": "doc",
            "regions": regions,
            "input": inputs,
            "output": outputs,
            "errors": sorted(set(errors)),
            "_line": row,
        }
        # Examples of this action
        examples += parse_examples(doc, doc.content(ex_i + 1, dev_i), "doc", name,
                                   problems, unparsed)

    # Structures
    structures = {}
    heads_sorted = sorted(heads, key=lambda h: h[1])
    for k, (sname, hline, rline, refs) in enumerate(heads_sorted):
        end = heads_sorted[k + 1][1] if k + 1 < len(heads_sorted) else data_end
        items = doc.content(rline + 1, end)
        hdr = next((t for _, t in items if is_table_header(t)), None)
        kind = "req" if hdr == "名称 类型 必选 描述" else "plain"
        if hdr not in ("名称 类型 必选 描述", "名称 类型 描述"):
            fatal.append("%s:%d: %s: member table header not found" % (DOC, hline, sname))
        mrows = parse_table(items, kind, struct_names)
        members = []
        for r in mrows:
            before, example = split_desc(r["desc"])
            enum, why = extract_enum(before)
            if why:
                problems.add("%s:%d" % (DOC, why[1]),
                             "%s.%s: %s (no enum)" % (sname, r["name"], why[0]))
            if enum is not None and r["type"] != "String":
                problems.add("%s:%d" % (DOC, r["line"]),
                             "%s.%s: value list on a %s (no enum)" % (sname, r["name"], r["type"]))
                enum = None
            if enum:
                enums_found.append((sname, r["name"], enum))
            if r["dotn"]:
                problems.add("%s:%d" % (DOC, r["line"]), "%s.%s has a .N suffix" % (sname, r["name"]))
            members.append({"name": r["name"], "type": norm_type(r["type"]), "array": r["array"],
                            "required": r["required"], "enum": enum,
                            "_line": r["line"], "_example": rejoin_value(example),
                            "_exline": example[0][0] if example else r["line"]})
        if sname in structures:
            fatal.append("%s:%d: structure %s documented twice" % (DOC, hline, sname))
        structures[sname] = {"used_by": sorted(set(refs)), "members": members, "_line": hline}

    # Supplement from NOTES.md
    for a, spec in NOTES_ACTIONS.items():
        if a in actions:
            problems.add(NOTES, "%s is in the doc now: the doc's version is used" % a)
            continue
        actions[a] = json.loads(json.dumps(spec))
        for p in spec["input"]:
            if p["enum"]:
                enums_found.append((a, p["name"], p["enum"]))
    for s, spec in NOTES_STRUCTURES.items():
        if s in structures:
            problems.add(NOTES, "structure %s is in the doc now: the doc's version is used" % s)
            continue
        structures[s] = json.loads(json.dumps(spec))
    for s, users in NOTES_USES.items():
        if s in structures:
            structures[s]["used_by"] = sorted(set(structures[s]["used_by"]) | set(users))

    # Single-action pages: examples only
    for fname, tag in PAGES.items():
        path = os.path.join(spec_dir, fname)
        if not os.path.exists(path):
            problems.add(fname, "missing")
            continue
        page = Doc(path)
        examples += parse_examples(page, page.content(1, len(page.lines)), tag, None,
                                   problems, unparsed)

    version = sorted(versions)[0] if len(versions) == 1 else None
    if len(versions) != 1:
        problems.add(DOC, "Version values: %s" % sorted(versions))
    return {
        "doc": doc,
        "overview": overview,
        "heads": heads,
        "actions": actions,
        "structures": structures,
        "version": version,
        "enums": enums_found,
        "examples": examples,
        "unparsed": unparsed,
        "problems": problems,
        "fatal": fatal,
    }


def norm_type(t):
    return "Timestamp" if t.startswith("Timestamp") else t


def strip_private(obj):
    if isinstance(obj, dict):
        return {k: strip_private(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [strip_private(v) for v in obj]
    return obj


def schema_json(res):
    schema = {
        "version": res["version"],
        "sources": {"doc": DOC, "notes": NOTES},
        "actions": strip_private(res["actions"]),
        "structures": strip_private(res["structures"]),
    }
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def example_files(res):
    """{relative file name: text} for the fixtures, UNPARSED.md included."""
    files = {}
    for fx in res["examples"]:
        if fx["_failed"]:
            continue
        name = "%s.%s.%d.json" % (fx["action"], fx["_tag"], fx["_n"])
        body = {k: fx[k] for k in ("action", "source", "title", "request", "response")}
        if name in files:
            res["problems"].add(fx["source"], "fixture name %s used twice" % name)
        files[name] = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    lines = ["# Examples of the API reference that could not be parsed as JSON", "",
             "Generated by `python3 scripts/gen_api_schema.py`; do not edit.", ""]
    if res["unparsed"]:
        lines.append("| file:line | action | example | why |")
        lines.append("|---|---|---|---|")
        for f, n, a, num, why in res["unparsed"]:
            lines.append("| %s:%s | %s | %s | %s |" % (f, n, a, num, why.replace("|", "\\|")))
    else:
        lines.append("None: every example request and response was parsed (%d fixtures)."
                     % sum(1 for k in files))
    files[UNPARSED] = "\n".join(lines) + "\n"
    return files


# ---------------------------------------------------------------------------------------------
# Completeness
# ---------------------------------------------------------------------------------------------
def completeness(res):
    errs = list(res["fatal"])
    acts, structs = res["actions"], res["structures"]
    if not res["overview"]:
        errs.append("API 概览 table not found")
    for a, _, _ in res["overview"]:
        if a not in acts:
            errs.append("action %s of the API overview is missing" % a)
    over = {a for a, _, _ in res["overview"]}
    for a, spec in acts.items():
        if spec["source"] == "doc" and a not in over:
            errs.append("action %s is not in the API overview" % a)
    if not res["heads"]:
        errs.append("no structure found in the 数据结构 section")
    for s, _, _, _ in res["heads"]:
        if s not in structs:
            errs.append("structure %s of the 数据结构 section is missing" % s)
        elif not structs[s]["members"]:
            errs.append("structure %s has no members" % s)
    allowed = PRIMITIVES | {"Timestamp"}
    for a, spec in acts.items():
        for p in spec["input"] + spec["output"]:
            if p["type"] not in allowed and p["type"] not in structs:
                errs.append("%s.%s: type %s is not a structure" % (a, p["name"], p["type"]))
        if not spec["errors"] and spec["source"] == "doc":
            errs.append("%s: no error codes" % a)
    for s, spec in structs.items():
        for m in spec["members"]:
            if m["type"] not in allowed and m["type"] not in structs:
                errs.append("%s.%s: type %s is not a structure" % (s, m["name"], m["type"]))
        for u in spec["used_by"]:
            if u not in acts:
                errs.append("structure %s: used_by %s is not an action" % (s, u))
    if res["version"] is None:
        errs.append("API version not found")
    return errs


# ---------------------------------------------------------------------------------------------
# Lint: the doc against itself
# ---------------------------------------------------------------------------------------------
def type_ok(v, typ):
    if v is None:
        return True
    return {
        "String": isinstance(v, str),
        "Timestamp": isinstance(v, str),
        "Integer": isinstance(v, int) and not isinstance(v, bool),
        "Float": isinstance(v, (int, float)) and not isinstance(v, bool),
        "Boolean": isinstance(v, bool),
    }.get(typ, isinstance(v, dict))


def check_value(v, field, structs, path, out, input_side):
    """Check value v against a field spec (name, type, array, required, enum)."""
    if field["array"]:
        if v is None:
            return
        if not isinstance(v, list):
            out.append("%s: expected an array of %s, got %s" % (path, field["type"], json.dumps(v, ensure_ascii=False)))
            return
        for i, x in enumerate(v):
            check_scalar(x, field, structs, "%s[%d]" % (path, i), out, input_side)
    else:
        check_scalar(v, field, structs, path, out, input_side)


def check_scalar(v, field, structs, path, out, input_side):
    typ = field["type"]
    if typ in structs:
        if v is None:
            return
        if not isinstance(v, dict):
            out.append("%s: expected a %s object, got %s" % (path, typ, json.dumps(v, ensure_ascii=False)))
            return
        check_object(v, structs[typ]["members"], structs, path, out, input_side, typ)
        return
    if not type_ok(v, typ):
        out.append("%s: expected %s, got %s" % (path, typ, json.dumps(v, ensure_ascii=False)))
        return
    if field.get("enum") and v is not None and v not in field["enum"]:
        out.append("%s: %s is not one of %s" % (path, json.dumps(v, ensure_ascii=False), field["enum"]))


def check_object(obj, fields, structs, path, out, input_side, what):
    by = {f["name"]: f for f in fields}
    for k, v in obj.items():
        if k not in by:
            out.append("%s.%s: not a field of %s" % (path, k, what))
            continue
        check_value(v, by[k], structs, "%s.%s" % (path, k), out, input_side)
    for f in fields:
        if f.get("required") is True and f["name"] not in obj:
            out.append("%s: required %s.%s is missing" % (path, what, f["name"]))


def lint(res):
    acts, structs = res["actions"], res["structures"]
    found = []
    # Examples
    for fx in res["examples"]:
        a = fx["action"]
        if a not in acts:
            found.append((fx["source"], "example of unknown action %s" % a))
            continue
        out = []
        if isinstance(fx["request"], dict):
            check_object(fx["request"], acts[a]["input"], structs, "request", out, True, a + " input")
        resp = (fx["response"] or {}).get("Response")
        if isinstance(resp, dict):
            outs = acts[a]["output"] + [{"name": "RequestId", "type": "String", "array": False}]
            check_object(resp, outs, structs, "Response", out, False, a + " output")
        for o in out:
            found.append((fx["source"], "%s example %s (%s): %s" % (a, fx["_n"], fx["_tag"], o)))
    # 示例值 values
    def ex_check(owner, f):
        raw = f.get("_example") or ""
        if not raw:
            return
        line = "%s:%d" % (DOC, f.get("_exline", f["_line"]))
        if f["type"] in structs or f["array"]:
            try:
                v = loads_strict(raw)
            except ValueError:
                if f["type"] in structs or raw.lstrip().startswith(("[", "{")):
                    found.append((line, "%s.%s 示例值 is not JSON: %s" % (owner, f["name"], raw)))
                return
            if f["type"] not in structs and not f["array"]:
                return
            out = []
            check_value(v, f, structs, "示例值", out, f.get("required") is not None)
            for o in out:
                found.append((line, "%s.%s %s" % (owner, f["name"], o)))
        elif f["type"] in ("Boolean", "Integer", "Float"):
            try:
                v = json.loads(raw)
            except ValueError:
                v = raw
            if not type_ok(v, f["type"]):
                found.append((line, "%s.%s (%s) 示例值 %r is not a JSON %s"
                              % (owner, f["name"], f["type"], raw, f["type"].lower())))
        elif f.get("enum"):
            v = raw.strip()
            if v not in f["enum"]:
                found.append((line, "%s.%s 示例值 %r is not one of %s" % (owner, f["name"], v, f["enum"])))
    for a, spec in acts.items():
        for f in spec["input"] + spec["output"]:
            ex_check(a, f)
    for s, spec in structs.items():
        for f in spec["members"]:
            ex_check(s, f)
    # used_by against the actual use (transitively)
    def uses(typ, seen):
        if typ in seen or typ not in structs:
            return seen
        seen.add(typ)
        for m in structs[typ]["members"]:
            uses(m["type"], seen)
        return seen
    actual = {s: set() for s in structs}
    for a, spec in acts.items():
        seen = set()
        for p in spec["input"] + spec["output"]:
            uses(p["type"], seen)
        for s in seen:
            actual[s].add(a)
    for s, spec in structs.items():
        doc_users, real = set(spec["used_by"]), actual[s]
        if doc_users != real:
            found.append(("%s:%s" % (DOC, spec.get("_line", "?")),
                          "structure %s: 被如下接口引用 lists %s; the tables use it in %s"
                          % (s, sorted(doc_users), sorted(real))))
    # Per-action error codes against the doc's 错误码 page (公共错误码 + 业务错误码)
    doc = res["doc"]
    start = doc.find(lambda t: t == "公共错误码")
    known = set()
    if start:
        for n, t in doc.content(start, len(doc.lines)):
            m = re.match(r"^(" + IDENT + r"(?:\.[A-Za-z0-9]+)*)(?:\s+\S.*)?$", t)
            if m and not is_table_header(t):
                known.add(m.group(1))
    for a, spec in acts.items():
        if spec["source"] != "doc":
            continue
        for e in spec["errors"]:
            if e not in known:
                found.append(("%s:%d" % (DOC, spec["_line"]),
                              "%s error code %s is not on the 错误码 page" % (a, e)))
    # Same example in two sources
    by_key = {}
    for fx in res["examples"]:
        by_key.setdefault((fx["action"], fx["_n"]), []).append(fx)
    for (a, n), fxs in sorted(by_key.items()):
        base = next((f for f in fxs if f["_tag"] == "doc"), None)
        if not base:
            continue
        for f in fxs:
            if f is base:
                continue
            for part in ("request", "response"):
                d = diff_values(base[part], f[part], part)
                for x in d:
                    found.append((f["source"], "%s example %d differs from %s: %s"
                                  % (a, n, base["source"], x)))
    return found


def diff_values(a, b, path):
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a:
                out.append("%s.%s only here (%s)" % (path, k, json.dumps(b[k], ensure_ascii=False)))
            elif k not in b:
                out.append("%s.%s missing here (doc: %s)" % (path, k, json.dumps(a[k], ensure_ascii=False)))
            else:
                out += diff_values(a[k], b[k], "%s.%s" % (path, k))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff_values(x, y, "%s[%d]" % (path, i))
    elif a != b or type(a) != type(b):
        out.append("%s: doc %s, here %s" % (path, json.dumps(a, ensure_ascii=False),
                                            json.dumps(b, ensure_ascii=False)))
    return out


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
def summary(res, files):
    acts, structs = res["actions"], res["structures"]
    print("%d actions (%d doc, %d notes), %d structures, %d enums, %d example fixtures, "
          "%d unparsed" % (
              len(acts), sum(1 for a in acts.values() if a["source"] == "doc"),
              sum(1 for a in acts.values() if a["source"] == "notes"), len(structs),
              len(res["enums"]), sum(1 for f in files if f.endswith(".json")),
              len(res["unparsed"])), file=sys.stderr)


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


def main():
    ap = argparse.ArgumentParser(
        description="Generate assets/omics-api.json and tests/fixtures/spec-examples/ from the "
                    "API reference in ../shared/spec/ (see the header of this script).")
    ap.add_argument("--spec", default=DEFAULT_SPEC, help="spec folder (default ../shared/spec)")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the committed files differ from a fresh generation or the "
                         "schema is incomplete")
    ap.add_argument("--lint", action="store_true",
                    help="print where the doc contradicts itself; writes nothing")
    ap.add_argument("-v", "--verbose", action="store_true", help="list parser notes and enums")
    args = ap.parse_args()

    res = build(args.spec)
    schema = schema_json(res)
    files = example_files(res)
    summary(res, files)
    if args.verbose:
        for owner, field, vals in res["enums"]:
            print("enum %s.%s: %s" % (owner, field, vals), file=sys.stderr)
        for where, msg in res["problems"].items:
            print("note %s: %s" % (where, msg), file=sys.stderr)

    incomplete = completeness(res)
    for e in incomplete:
        print("INCOMPLETE: %s" % e, file=sys.stderr)

    if args.lint:
        for where, msg in lint(res):
            print("%s: %s" % (where, msg))
        return 0

    schema_path = os.path.join(REPO, SCHEMA_OUT)
    ex_dir = os.path.join(REPO, EXAMPLES_DIR)
    if args.check:
        bad = 0
        old = read(schema_path)
        if old != schema:
            bad += 1
            if old is None:
                print("%s: missing" % SCHEMA_OUT, file=sys.stderr)
            else:
                d = list(difflib.unified_diff(old.splitlines(), schema.splitlines(),
                                              "committed/" + SCHEMA_OUT, "generated/" + SCHEMA_OUT,
                                              lineterm="", n=1))
                print("%s differs (%d diff lines):" % (SCHEMA_OUT, len(d)), file=sys.stderr)
                for l in d[:40]:
                    print("  " + l, file=sys.stderr)
        present = set(os.listdir(ex_dir)) if os.path.isdir(ex_dir) else set()
        for name, text in sorted(files.items()):
            cur = read(os.path.join(ex_dir, name))
            if cur is None:
                bad += 1
                print("%s/%s: missing" % (EXAMPLES_DIR, name), file=sys.stderr)
            elif cur != text:
                bad += 1
                print("%s/%s: differs" % (EXAMPLES_DIR, name), file=sys.stderr)
        for name in sorted(present - set(files)):
            if name.endswith(".json") or name == UNPARSED:
                bad += 1
                print("%s/%s: not generated any more" % (EXAMPLES_DIR, name), file=sys.stderr)
        if bad:
            print("out of date: %d file(s); run python3 scripts/gen_api_schema.py" % bad,
                  file=sys.stderr)
        if bad or incomplete:
            return 1
        print("up to date and complete", file=sys.stderr)
        return 0

    os.makedirs(os.path.dirname(schema_path), exist_ok=True)
    with open(schema_path, "w", encoding="utf-8") as f:
        f.write(schema)
    os.makedirs(ex_dir, exist_ok=True)
    for name in os.listdir(ex_dir):
        if (name.endswith(".json") and name not in files):
            os.remove(os.path.join(ex_dir, name))
    for name, text in files.items():
        with open(os.path.join(ex_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
    print("wrote %s and %d files in %s" % (SCHEMA_OUT, len(files), EXAMPLES_DIR), file=sys.stderr)
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
