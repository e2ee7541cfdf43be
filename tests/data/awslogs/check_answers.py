#!/usr/bin/env python3
"""Independent cross-check of the expected answers in tests/slt/compat_*.slt.

Reads the sample files written by make_samples.py the way Athena's SerDes do (RegexSerDe
full-line matches with Java regex semantics, LazySimpleSerDe by position, the JSON SerDes
by name, case-insensitively), evaluates each documented query with plain Python, and prints
the rows in the harness' display format (NULL, (empty), [a, b], {k: v}), sorted where the slt
uses rowsort. Compare its output with the slt files:

    python3 tests/data/awslogs/check_answers.py [service]
"""

import datetime as dt
import glob
import gzip
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


# ----------------------------------------------------------------------------- helpers

def read_text(path):
    raw = open(path, "rb").read()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def files_under(rel):
    """Every file below a folder, hidden names (_x, .x) skipped, as Hive lists them."""
    out = []
    for root, dirs, files in os.walk(os.path.join(HERE, rel)):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        out += [os.path.join(root, f) for f in sorted(files) if not f.startswith((".", "_"))]
    return out


def text_lines(path):
    return read_text(path).split("\n")[:-1]


def hive_unescape(sql_literal, strict):
    """Hive's unescapeSQLString for the body of a '...' literal. With strict=True an unknown
    escape such as \\s drops its backslash (Hive); with strict=False it is kept (the regex the
    author meant). The test data is chosen so both give the same rows."""
    out, i = [], 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "0": "\0", "Z": "\x1a",
              "\\": "\\", "'": "'", '"': '"'}
    while i < len(sql_literal):
        c = sql_literal[i]
        if c == "\\" and i + 1 < len(sql_literal):
            n = sql_literal[i + 1]
            if n in simple:
                out.append(simple[n])
            elif n in "%_":
                out.append("\\" + n)
            else:
                out.append(n if strict else "\\" + n)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def to_int(s, bits=32):
    """Hive LazyInteger/LazyLong: a value that does not parse is NULL."""
    if s is None or not re.fullmatch(r"[+-]?[0-9]+", s):
        return None
    v = int(s)
    if not -(2 ** (bits - 1)) <= v < 2 ** (bits - 1):
        return None
    return v


def to_double(s):
    if s is None:
        return None
    try:
        if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", s.strip()):
            return None
        return float(s)
    except ValueError:
        return None


def convert(s, typ):
    typ = typ.lower()
    if s is None:
        return None
    if typ in ("int", "integer"):
        return to_int(s, 32)
    if typ == "bigint":
        return to_int(s, 64)
    if typ in ("double", "float"):
        return to_double(s)
    if typ == "date":
        try:
            return dt.date.fromisoformat(s)
        except ValueError:
            return None
    return s


def regex_rows(paths, sql_regex, columns):
    """RegexSerDe: Matcher.matches() on the whole line; no match -> all NULL."""
    rx_strict = re.compile(hive_unescape(sql_regex, True))
    rx_meant = re.compile(hive_unescape(sql_regex, False))
    rows = []
    for p in paths:
        for line in text_lines(p):
            m1, m2 = rx_strict.fullmatch(line), rx_meant.fullmatch(line)
            assert (m1 is None) == (m2 is None), line
            if m1:
                assert m1.groups() == m2.groups(), line
                vals = [convert(g, t) for g, (_, t) in zip(m1.groups(), columns)]
                vals += [None] * (len(columns) - len(vals))
            else:
                vals = [None] * len(columns)
            rows.append(dict(zip([c for c, _ in columns], vals), _path=p))
    return rows


def delimited_rows(paths, delim, columns, skip_header=0):
    """LazySimpleSerDe: fields by position; short lines NULL-filled, extra fields ignored."""
    rows = []
    for p in paths:
        for line in text_lines(p)[skip_header:]:
            parts = line.split(delim)
            vals = []
            for i, (c, t) in enumerate(columns):
                s = parts[i] if i < len(parts) else None
                # \N is the null marker; an empty field is NULL for non-string types
                if s == "\\N" or (s == "" and t.lower() != "string"):
                    s = None
                vals.append(convert(s, t))
            rows.append(dict(zip([c for c, _ in columns], vals), _path=p))
    return rows


def json_lower(v):
    if isinstance(v, dict):
        return {k.lower(): json_lower(x) for k, x in v.items()}
    if isinstance(v, list):
        return [json_lower(x) for x in v]
    return v


def json_text(v, lower_keys):
    """A nested JSON value read into a string column: compact JSON text (OpenX lower-cases
    keys, as its case-insensitive parse stores them; the Hive/hcatalog SerDe keeps them)."""
    if lower_keys:
        v = json_lower(v)
    return json.dumps(v, separators=(",", ":"))


def scalar_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def shape(v, typ, lower_keys):
    """Reads JSON value v as Hive type typ (a parsed type tree)."""
    kind = typ[0]
    if v is None:
        return None
    if kind == "string":
        if isinstance(v, (dict, list)):
            return json_text(v, lower_keys)
        return scalar_text(v)
    if kind in ("int", "bigint"):
        if isinstance(v, bool):
            return None
        try:
            return int(v)
        except (TypeError, ValueError):
            return None
    if kind == "double":
        return float(v)
    if kind == "array":
        if not isinstance(v, list):
            return None
        return [shape(x, typ[1], lower_keys) for x in v]
    if kind == "map":
        return {str(k): shape(x, typ[2], lower_keys) for k, x in v.items()}
    if kind == "struct":
        if not isinstance(v, dict):
            return None
        low = {k.lower(): x for k, x in v.items()}
        return {name: shape(low.get(name), t, lower_keys) for name, t in typ[1]}
    raise ValueError(kind)


def parse_type(s):
    s = re.sub(r"\s+", "", s)
    pos = 0

    def ident():
        nonlocal pos
        m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", s[pos:])
        pos += m.end()
        return m.group(0)

    def expect(ch):
        nonlocal pos
        assert s[pos] == ch, (s, pos, ch)
        pos += 1

    def typ():
        nonlocal pos
        name = ident().lower()
        if name == "array":
            expect("<"); t = typ(); expect(">")
            return ("array", t)
        if name == "map":
            expect("<"); k = typ(); expect(","); v = typ(); expect(">")
            return ("map", k, v)
        if name == "struct":
            expect("<")
            fields = []
            while True:
                n = ident().lower(); expect(":"); fields.append((n, typ()))
                if s[pos] == ">":
                    pos += 1
                    return ("struct", fields)
                expect(",")
        return ({"integer": "int"}.get(name, name),)

    t = typ()
    assert pos == len(s), s
    return t


def json_rows(records, columns, lower_keys):
    rows = []
    for rec, path in records:
        low = {k.lower(): v for k, v in rec.items()}
        rows.append(dict({c: shape(low.get(c), parse_type(t), lower_keys) for c, t in columns},
                         _path=path))
    return rows


def json_lines(paths):
    out = []
    for p in paths:
        for line in text_lines(p):
            out.append((json.loads(line), p))
    return out


def fmt(v, top=True):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return ryu(v)
    if isinstance(v, dt.datetime):
        s = v.strftime("%Y-%m-%d %H:%M:%S")
        if v.microsecond:
            s += ("." + "%06d" % v.microsecond).rstrip("0")
        return s
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(fmt(x, False) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {fmt(x, False)}" for k, x in v.items()) + "}"
    s = str(v)
    if s == "" and top:
        return "(empty)"
    return s


def ryu(x):
    """A double as the harness shows it (Rust's ryu: shortest digits, plain notation for
    decimal exponents -5 < kk <= 16, else scientific)."""
    from decimal import Decimal
    if x == 0:
        return "-0.0" if str(x).startswith("-") else "0.0"
    sign = "-" if x < 0 else ""
    t = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, t.digits))
    k = t.exponent
    kk = len(digits) + k
    if 0 <= k and kk <= 16:
        body = digits + "0" * k + ".0"
    elif 0 < kk <= 16:
        body = digits[:kk] + "." + digits[kk:]
    elif -5 < kk <= 0:
        body = "0." + "0" * (-kk) + digits
    else:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "") + "e" + str(kk - 1)
    return sign + body


class F32(float):
    """A REAL value: displayed with the shortest decimal that round-trips as f32."""


def fmt_cols(row):
    """One row's values as the harness displays them."""
    return [v.text if isinstance(v, F32) else fmt(v) for v in row]


def show(label, rows, sort=False):
    """sort=True is the slt's rowsort: rows sorted column by column as strings (byte order)."""
    RESULTS[label] = rows
    print(f"-- {label}")
    cols = [fmt_cols(r) for r in rows]
    if sort:
        cols = sorted(cols)
    lines_ = [" ".join(c) for c in cols]
    if not lines_:
        print("   (no rows)")
    for l in lines_:
        print(l)
    print()


def group_by(rows, key):
    groups = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return groups


def like(s, pattern):
    if s is None:
        return None
    rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, s, re.S) is not None


def joda_parse(s, fmt_):
    """The few Joda patterns the doc queries use, in UTC (Athena's session zone)."""
    if s is None:
        return None
    table = {
        "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'": "%Y-%m-%dT%H:%M:%S.%fZ",
        "yyyy-MM-dd-HH:mm:ss": "%Y-%m-%d-%H:%M:%S",
        "yyyy-MM-dd'T'HH:mm:ss'Z'": "%Y-%m-%dT%H:%M:%SZ",
        "dd/MMM/yyyy:HH:mm:ss Z": "%d/%b/%Y:%H:%M:%S %z",
        "yyyy-MM-dd:HH:mm:ss": "%Y-%m-%d:%H:%M:%S",
        "yyyy-MM-dd": "%Y-%m-%d",
    }
    v = dt.datetime.strptime(s, table[fmt_])
    if v.tzinfo is None:
        v = v.replace(tzinfo=dt.timezone.utc)
    # Joda keeps milliseconds only
    return v.replace(microsecond=v.microsecond // 1000 * 1000)


def between(x, lo, hi):
    return x is not None and lo <= x <= hi


def sum_or_null(vals):
    vals = [v for v in vals if v is not None]
    return sum(vals) if vals else None


def iso8601_ms(seconds):
    """to_iso8601(from_unixtime(x)): timestamp(3) with time zone UTC -> ...T..:..:..000Z"""
    t = dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


SERVICES = {}
RESULTS = {}


def service(fn):
    SERVICES[fn.__name__] = fn
    return fn


# ----------------------------------------------------------------------------- ALB

ALB_REGEX = r'''([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*):([0-9]*) ([^ ]*)[:-]([0-9]*) ([-.0-9]*) ([-.0-9]*) ([-.0-9]*) (|[-0-9]*) (-|[-0-9]*) ([-0-9]*) ([-0-9]*) \"([^ ]*) (.*) (- |[^ ]*)\" \"([^\"]*)\" ([A-Z0-9-_]+) ([A-Za-z0-9.-]*) ([^ ]*) \"([^\"]*)\" \"([^\"]*)\" \"([^\"]*)\" ([-.0-9]*) ([^ ]*) \"([^\"]*)\" \"([^\"]*)\" \"([^ ]*)\" \"([^\s]+?)\" \"([^\s]+)\" \"([^ ]*)\" \"([^ ]*)\"'''
ALB_COLS = [("type", "string"), ("time", "string"), ("elb", "string"), ("client_ip", "string"),
            ("client_port", "int"), ("target_ip", "string"), ("target_port", "int"),
            ("request_processing_time", "double"), ("target_processing_time", "double"),
            ("response_processing_time", "double"), ("elb_status_code", "int"),
            ("target_status_code", "string"), ("received_bytes", "bigint"),
            ("sent_bytes", "bigint"), ("request_verb", "string"), ("request_url", "string"),
            ("request_proto", "string"), ("user_agent", "string"), ("ssl_cipher", "string"),
            ("ssl_protocol", "string"), ("target_group_arn", "string"), ("trace_id", "string"),
            ("domain_name", "string"), ("chosen_cert_arn", "string"),
            ("matched_rule_priority", "string"), ("request_creation_time", "string"),
            ("actions_executed", "string"), ("redirect_url", "string"),
            ("lambda_error_reason", "string"), ("target_port_list", "string"),
            ("target_status_code_list", "string"), ("classification", "string"),
            ("classification_reason", "string")]


@service
def alb():
    base = "alb/AWSLogs/123456789012/elasticloadbalancing/us-east-1"
    ddl = slt_ddl("compat_alb", "CREATE EXTERNAL TABLE IF NOT EXISTS alb_logs")
    assert ddl_columns(ddl) == ALB_COLS
    assert sql_literal_regex(ddl) == ALB_REGEX
    rows = regex_rows(files_under(base), ALB_REGEX, ALB_COLS)
    for r in rows:
        r["day"] = "/".join(r["_path"].split("/")[-4:-1])
    names = [c for c, _ in ALB_COLS]
    show("alb_logs count(*)", [[len(rows)]])
    show("alb_logs every column, ORDER BY time",
         [[r[c] for c in names] for r in sorted(rows, key=lambda r: (r["time"] is None, r["time"] or ""))])
    g = group_by(rows, lambda r: (r["request_verb"], r["client_ip"]))
    show("doc: COUNT(request_verb) GROUP BY request_verb, client_ip",
         [[sum(1 for r in rs if r["request_verb"] is not None), k[0], k[1]] for k, rs in g.items()], True)
    show("doc: request_url WHERE user_agent LIKE '%Safari%'",
         [[r["request_url"]] for r in rows if like(r["user_agent"], "%Safari%")], True)
    show("doc: SELECT * WHERE elb_status_code >= 500",
         [[r[c] for c in names] for r in rows if (r["elb_status_code"] or 0) >= 500], True)
    lo = joda_parse("2018-05-30-12:00:00", "yyyy-MM-dd-HH:mm:ss")
    hi = joda_parse("2018-05-31-00:00:00", "yyyy-MM-dd-HH:mm:ss")
    sel = [r for r in rows
           if between(joda_parse(r["time"], "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'"), lo, hi)]
    g = group_by(sel, lambda r: r["client_ip"])
    show("doc: client_ip, sum(received_bytes) parse_datetime window",
         [[k, sum_or_null(r["received_bytes"] for r in rs)] for k, rs in g.items()], True)
    # projection table: days 2022/01/01..NOW (LAKESQL_NOW 2024-05-20)
    proj = [r for r in rows if "2022/01/01" <= r["day"] <= "2024/05/20"]
    show("projection count(*)", [[len(proj)]])
    show("projection day, count(*) GROUP BY day ORDER BY day",
         [[d, len(rs)] for d, rs in sorted(group_by(proj, lambda r: r["day"]).items())])
    show("doc: projection SELECT * WHERE day = '2022/02/12'",
         [[r[c] for c in names] + [r["day"]] for r in proj if r["day"] == "2022/02/12"], True)



def ddl_columns(ddl):
    """(name, type) pairs of a CREATE TABLE's column list (the first parenthesised list)."""
    start = ddl.index("(") + 1
    depth, i = 0, start
    while True:
        c = ddl[i]
        if c in "(<":
            depth += 1
        elif c in ">)":
            if depth == 0:
                break
            depth -= 1
        i += 1
    body, cols, cur, depth = ddl[start:i], [], "", 0
    for c in body + ",":
        if c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
        if c == "," and depth == 0:
            if cur.strip():
                name, typ = cur.strip().split(None, 1)
                typ = re.sub(r"\s+COMMENT\s+'.*'$", "", typ.strip())
                cols.append((name.strip("`").lower(), typ))
            cur = ""
        else:
            cur += c
    return cols


def slt_ddl(slt, must_contain, nth=0):
    """The text of a `statement ok` block of tests/slt/<slt>.slt that contains must_contain
    (the DDLs there are the user guide's, verbatim but for LOCATION): the columns, types and
    regexes used here are read from the very statements the tests run."""
    text = open(os.path.join(HERE, "..", "..", "slt", slt + ".slt")).read()
    found = [b for b in re.findall(r"^statement ok\n(.*?)(?:\n\n|\Z)", text, re.S | re.M)
             if must_contain in b]
    return found[nth]


# ----------------------------------------------------------------------------- CloudTrail

def cloudtrail_records(region=None, day=None):
    out = []
    for p in files_under("cloudtrail/AWSLogs/123456789012/CloudTrail"):
        parts = p.split("/")
        r, d = parts[-5], "/".join(parts[-4:-1])
        if (region is None or r == region) and (day is None or d in day):
            for rec in json.loads(read_text(p))["Records"]:
                out.append((rec, p))
    return out


@service
def cloudtrail():
    ddl = slt_ddl("compat_cloudtrail", "org.apache.hive.hcatalog.data.JsonSerDe")
    cols = ddl_columns(ddl)
    recs = cloudtrail_records("us-east-1", ["2019/02/01", "2024/05/17"])
    rows = json_rows(recs, cols, lower_keys=False)
    for r in rows:
        parts = r["_path"].split("/")
        r["region"], r["year"], r["month"], r["day"] = parts[-5], parts[-4], parts[-3], parts[-2]
    names = [c for c, _ in cols] + ["region", "year", "month", "day"]
    show("count(*)", [[len(rows)]])
    key = lambda r: r["eventtime"]
    show("columns ORDER BY eventtime",
         [[r["eventversion"], r["eventtime"], r["eventname"], r["useridentity"] and r["useridentity"]["type"],
           r["useridentity"] and r["useridentity"]["principalid"],
           r["useridentity"] and r["useridentity"]["username"], r["errorcode"], r["requestparameters"],
           r["responseelements"], r["additionaleventdata"], r["readonly"], r["resources"],
           r["tlsdetails"], r["region"], r["year"], r["month"], r["day"]]
          for r in sorted(rows, key=key)])
    show("useridentity ORDER BY eventtime",
         [[r["eventtime"], r["useridentity"]] for r in sorted(rows, key=key)])

    def path(r, *ks):
        for k in ks:
            if r is None:
                return None
            r = r[k]
        return r
    sel = [r for r in rows if path(r, "useridentity", "sessioncontext", "sessionissuer", "arn") is not None]
    sel.sort(key=lambda r: (r["eventsource"], r["eventname"]))
    show("doc: nested fields",
         [[r["eventsource"], r["eventname"],
           path(r, "useridentity", "sessioncontext", "attributes", "creationdate"),
           path(r, "useridentity", "sessioncontext", "sessionissuer", "arn")] for r in sel[:10]])
    out = []
    for r in sorted(rows, key=key):
        for e in r["resources"] or []:
            if like(e["arn"], "%example/datafile.txt"):
                out.append([r["awsregion"], e["arn"].replace("arn:aws:s3:::", ""), r["eventname"],
                            r["eventtime"], r["useragent"]])
    show("doc: unnest resources datafile.txt", out)
    out = []
    for r in sorted(rows, key=key):
        if r["eventname"] == "DeleteBucket":
            for e in r["resources"] or []:
                out.append([r["awsregion"], e["arn"].replace("arn:aws:s3:::", ""), r["eventtime"],
                            path(r, "useridentity", "username"), e["accountid"]])
    show("doc: DeleteBucket", out)

    def anon(bucket):
        return [[r[c] for c in names] for r in rows
                if r["eventsource"] == "s3.amazonaws.com" and r["eventname"] in ("GetObject",)
                and path(r, "useridentity", "accountid") == "anonymous"
                and path(r, "useridentity", "arn") is None
                and like(r["requestparameters"], "%" + bucket + "%")]
    show("doc: anonymous, placeholder verbatim", anon("[your bucket name ]"))
    show("doc: anonymous, DOC-EXAMPLE-BUCKET", anon("DOC-EXAMPLE-BUCKET"))
    show("doc: tips basic query",
         [[path(r, "useridentity", "arn"), r["eventname"], r["sourceipaddress"], r["eventtime"]]
          for r in rows], True)
    # projection table: us-east-1, days 2020/01/01..2024/05/20
    pp_cols = ddl_columns(slt_ddl("compat_cloudtrail", "CREATE EXTERNAL TABLE cloudtrail_logs_pp("))
    pp = json_rows(cloudtrail_records("us-east-1", ["2024/05/17"]), pp_cols, lower_keys=False)
    for r in pp:
        r["timestamp"] = "/".join(r["_path"].split("/")[-4:-1])
    show("pp count(*)", [[len(pp)]])
    show("pp columns ORDER BY eventtime",
         [[r["timestamp"], r["eventname"], path(r, "useridentity", "username"), r["vpcendpointid"],
           r["tlsdetails"]] for r in sorted(pp, key=lambda r: r["eventtime"])])
    show("pp column names", [[c] for c, _ in pp_cols] + [["timestamp"]])
    # the CloudTrailSerde table of the 2022-09-01 page (33282c8)
    old_cols = ddl_columns(slt_ddl("compat_cloudtrail", "com.amazon.emr.hive.serde.CloudTrailSerde"))
    old = json_rows(recs, old_cols, lower_keys=False)
    sel = [r for r in old if path(r, "useridentity", "sessioncontext", "sessionissuer", "arn") is not None]
    sel.sort(key=lambda r: (r["eventsource"], r["eventname"]))
    show("serde variant: count(*)", [[len(old)]])
    show("serde variant: doc nested fields",
         [[r["eventsource"], r["eventname"],
           path(r, "useridentity", "sessioncontext", "attributes", "creationdate"),
           path(r, "useridentity", "sessioncontext", "sessionissuer", "arn")] for r in sel[:10]])
    show("serde variant: useridentity, resources ORDER BY eventtime",
         [[r["eventtime"], r["useridentity"], r["resources"]] for r in sorted(old, key=key)])



# ----------------------------------------------------------------------------- WAF

def utc(seconds):
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


@service
def waf():
    cols = ddl_columns(slt_ddl("compat_waf", "projection.enabled"))
    names = [c for c, _ in cols]
    allrows = []
    for p in files_under("waf/AWSLogs/123456789012/WAFLogs"):
        parts = p.split("/")
        region, day = parts[-8], "/".join(parts[-6:-3])
        for r in json_rows(json_lines([p]), cols, lower_keys=True):
            r["region"], r["date"] = region, day
            allrows.append(r)
    # projection: region enum, date 2021/01/01..NOW
    rows = [r for r in allrows if r["region"] in ("us-east-1", "us-west-2", "eu-central-1", "eu-west-1")
            and "2021/01/01" <= r["date"] <= "2024/05/20"]
    by_ts = lambda r: r["timestamp"]
    show("count(*)", [[len(rows)]])
    show("columns ORDER BY timestamp",
         [[r["timestamp"], r["formatversion"], r["webaclid"], r["terminatingruleid"],
           r["terminatingruletype"], r["action"], r["terminatingrulematchdetails"], r["httpsourcename"],
           r["ratebasedrulelist"], r["nonterminatingmatchingrules"], r["requestheadersinserted"],
           r["responsecodesent"], r["labels"], r["captcharesponse"], r["region"], r["date"]]
          for r in sorted(rows, key=by_ts)])
    show("rulegrouplist ORDER BY timestamp", [[r["timestamp"], r["rulegrouplist"]] for r in sorted(rows, key=by_ts)])
    inrange = [r for r in rows if "2021/03/01" <= r["date"] < "2021/03/31"]
    n = sum(1 for r in inrange for h in r["httprequest"]["headers"]
            if h["name"].lower() == "referer" and like(h["value"], "%amazon%"))
    show("doc: referer count", [[n]])

    def excluded(now):
        g = {}
        for r in rows:
            for grp in r["rulegrouplist"]:
                if grp["excludedrules"] is not None and utc(r["timestamp"] // 1000) > now - dt.timedelta(days=10):
                    k = (r["httprequest"]["clientip"], grp["excludedrules"], grp["rulegroupid"])
                    g[k] = g.get(k, 0) + 1
        return sorted([[c, *k] for k, c in g.items()], key=lambda x: -x[0])
    show("doc: excluded rules, now()", excluded(dt.datetime.now(dt.timezone.utc)))
    show("doc: excluded rules, fixed now", excluded(dt.datetime(2021, 3, 20, tzinfo=dt.timezone.utc)))
    g = {}
    for r in rows:
        for t in r["rulegrouplist"]:
            if r["action"] != "BLOCK" and len(t["nonterminatingmatchingrules"]) > 0:
                k = (json.dumps(t["nonterminatingmatchingrules"]), r["action"], r["httpsourceid"],
                     r["httprequest"]["clientip"], t["rulegroupid"])
                g.setdefault(k, [0, t["nonterminatingmatchingrules"]])[0] += 1
    show("doc: counted managed rules",
         [[c, k[2], k[3], k[4], v] for k, (c, v) in g.items()], True)
    g = {}
    for r in rows:
        for t in r["nonterminatingmatchingrules"]:
            if r["action"] != "BLOCK" and len(r["nonterminatingmatchingrules"]) > 0:
                k = (t["ruleid"], t["action"], r["httpsourceid"], r["httprequest"]["clientip"])
                g[k] = g.get(k, 0) + 1
    show("doc: counted custom rules", [[c, k[2], k[3], k[0], k[1]] for k, c in g.items()], True)
    show("doc: to_iso8601 LIMIT 10",
         [[iso8601_ms(r["timestamp"] // 1000), r["httpsourcename"], r["httpsourceid"], r["httprequest"]]
          for r in rows][:10], True)
    show("doc: last 24 hours", [])
    show("doc: date range and IP",
         [[r[c] for c in names] + [r["region"], r["date"]] for r in inrange
          if r["httprequest"]["clientip"] == "53.21.198.66"], True)
    g = {}
    for r in inrange:
        secs = r["timestamp"] // 1000
        t = utc(secs - (utc(secs).minute % 5) * 60)
        k = (t.strftime("%Y-%m-%d %H:%M"), r["httprequest"]["clientip"])
        g[k] = g.get(k, 0) + 1
    show("doc: five-minute intervals", [[k[0], k[1], c] for k, c in g.items()], True)

    def xff(now):
        g = {}
        for r in rows:
            if utc(r["timestamp"] // 1000) > now - dt.timedelta(days=10):
                for h in r["httprequest"]["headers"]:
                    if h["name"] == "X-Forwarded-For":
                        g[h["value"]] = g.get(h["value"], 0) + 1
        return sorted([[k, c] for k, c in g.items()], key=lambda x: -x[1])
    show("doc: X-Forwarded-For, now()", xff(dt.datetime.now(dt.timezone.utc)))
    show("doc: X-Forwarded-For, fixed now", xff(dt.datetime(2021, 3, 20, tzinfo=dt.timezone.utc)))
    g = group_by([r for r in inrange if r["terminatingruletype"] == "RATE_BASED" and r["action"] == "BLOCK"],
                 lambda r: r["httprequest"]["clientip"])
    show("doc: top RATE_BASED blocked", sorted([[len(v), k] for k, v in g.items()], key=lambda x: -x[0]))
    g = group_by([r for r in rows if r["terminatingruletype"] == "RATE_BASED" and r["httprequest"]["country"] == "IE"],
                 lambda r: r["httprequest"]["country"])
    show("doc: RATE_BASED from IE", sorted([[len(v), k] for k, v in g.items()], key=lambda x: x[0]))
    g = group_by([r for r in rows if r["action"] == "BLOCK"],
                 lambda r: (r["webaclid"], r["terminatingruleid"], r["httprequest"]["clientip"], r["httprequest"]["uri"]))
    show("doc: blocked by attributes", [[len(v), *k] for k, v in g.items()], True)
    g = group_by([r for r in rows if r["terminatingruleid"] == "e9dd190d-7a43-4c06-bcea-409613d9506e"],
                 lambda r: (r["webaclid"], r["action"], r["httprequest"]["clientip"], r["httprequest"]["uri"]))
    show("doc: terminating rule id", [[len(v), *k] for k, v in g.items()], True)
    g = group_by([r for r in inrange if r["action"] == "BLOCK"],
                 lambda r: (r["httprequest"]["clientip"], r["httprequest"]["country"]))
    show("doc: top 100 blocked in range", sorted([[k[0], len(v), k[1]] for k, v in g.items()], key=lambda x: -x[1]))
    show("plain count(*)", [[len(allrows)]])
    show("plain clientip, country, action ORDER BY timestamp",
         [[r["timestamp"], r["httprequest"]["clientip"], r["httprequest"]["country"], r["action"]]
          for r in sorted(allrows, key=by_ts)])



# ----------------------------------------------------------------------------- VPC flow logs

def vpc_files(region, day):
    return files_under(f"vpc/AWSLogs/123456789012/vpcflowlogs/{region}/{day}")


@service
def vpc():
    cols = ddl_columns(slt_ddl("compat_vpc_flow", "CREATE EXTERNAL TABLE IF NOT EXISTS `vpc_flow_logs`"))
    names = [c for c, _ in cols]
    plain = []
    for d in ["2020/05/04", "2021/02/15"]:
        for r in delimited_rows(vpc_files("us-east-1", d), " ", cols, skip_header=1):
            r["date"] = dt.date.fromisoformat(d.replace("/", "-"))
            plain.append(r)
    show("plain count(*)", [[len(plain)]])
    show("doc: date = DATE('2020-05-04')",
         [[r[c] for c in names] + [r["date"]] for r in plain if r["date"] == dt.date(2020, 5, 4)], True)
    show("doc: rejected TCP with day_of_week",
         [[r["date"].isoweekday(), r["date"], r["interface_id"], r["srcaddr"], r["action"], r["protocol"]]
          for r in plain if r["action"] == "REJECT" and r["protocol"] == 6], True)

    def https(since):
        g = group_by([r for r in plain if r["dstport"] == 443 and r["date"] > since], lambda r: r["dstaddr"])
        return sorted([[sum(x["packets"] for x in v), k] for k, v in g.items()], key=lambda x: -x[0])[:10]
    show("doc: HTTPS packets last week, current_date", https(dt.date.today() - dt.timedelta(days=7)))
    show("doc: HTTPS packets last week, fixed date", https(dt.date(2020, 5, 10) - dt.timedelta(days=7)))
    # projection table: 28 columns (no region column), so the files' 29 fields shift from az_id on
    pcols = ddl_columns(slt_ddl("compat_vpc_flow", "CREATE EXTERNAL TABLE IF NOT EXISTS test_table_vpclogs"))
    pnames = [c for c, _ in pcols]
    proj = []
    for region in ["us-east-1", "us-west-2", "ap-south-1", "eu-west-1"]:
        for day in sorted(os.listdir(os.path.join(HERE, "vpc/AWSLogs/123456789012/vpcflowlogs")) and
                          [d for d in ["2020/05/04", "2021/01/20", "2021/02/15", "2021/03/10", "2021/04/05"]]):
            if not "2021/01/01" <= day <= "2024/05/20":
                continue
            for r in delimited_rows(vpc_files(region, day), " ", pcols, skip_header=1):
                r["region"], r["day"] = region, day
                proj.append(r)
    star = lambda r: [r[c] for c in pnames] + [r["region"], r["day"]]
    show("projection count(*)", [[len(proj)]])
    show("projection every column ORDER BY day, srcaddr", [star(r) for r in sorted(proj, key=lambda r: (r["day"], r["region"], r["srcaddr"]))])
    show("doc: pp February ORDER BY day", [star(r) for r in proj if "2021/02/01" <= r["day"] < "2021/02/28"], True)
    g = group_by([r for r in proj if r["dstport"] == 443 and "2021/03/01" <= r["day"] < "2021/03/31"], lambda r: r["dstaddr"])
    show("doc: pp HTTPS packets March", sorted([[sum(x["packets"] for x in v), k] for k, v in g.items()], key=lambda x: -x[0]))
    show("doc: pp April with ISO times",
         [[r["interface_id"], r["srcaddr"], r["action"], r["protocol"], iso8601_ms(r["start"]), iso8601_ms(r["end"])]
          for r in proj if "2021/04/01" <= r["day"] < "2021/04/30"], True)
    show("doc: pp srcaddr 10.117.1.22 February",
         [star(r) for r in proj if r["srcaddr"] == "10.117.1.22" and "2021/02/01" <= r["day"] < "2021/02/28"], True)
    show("doc: pp rejected TCP February",
         [[r["day"], r["interface_id"], r["srcaddr"], r["action"], r["protocol"]] for r in proj
          if r["action"] == "REJECT" and r["protocol"] == 6 and "2021/02/01" <= r["day"] < "2021/02/28"], True)
    show("doc: pp 10.117.*",
         [star(r) for r in proj if r["srcaddr"] and r["srcaddr"].split(".")[:2] == ["10", "117"]], True)
    show("doc: pp dstaddr 10.0.1.14 January",
         [star(r) for r in proj if r["dstaddr"] == "10.0.1.14" and "2021/01/01" <= r["day"] < "2021/01/31"], True)



# ----------------------------------------------------------------------------- CloudFront

def f32(text):
    """A FLOAT (REAL) column value, displayed with the shortest decimal that reads back as
    the same f32 (Rust's and Trino's display)."""
    import struct
    if text is None:
        return None
    v = struct.unpack("f", struct.pack("f", float(text)))[0]
    for p in range(1, 10):
        cand = "%.*g" % (p, v)
        if struct.unpack("f", struct.pack("f", float(cand)))[0] == v:
            break
    if "e" in cand or "E" in cand:
        raise ValueError(cand)
    if "." not in cand:
        cand += ".0"
    out = F32(v)
    out.text = cand
    return out


@service
def cloudfront():
    cols = ddl_columns(slt_ddl("compat_cloudfront", "CREATE EXTERNAL TABLE"))
    names = [c for c, _ in cols]
    rows = delimited_rows(files_under("cloudfront"), "\t", cols, skip_header=2)
    for r in rows:
        for c, t in cols:
            if t.upper() == "FLOAT" and r[c] is not None:
                r[c] = f32(repr(r[c]))
    show("count(*)", [[len(rows)]])
    show("every column ORDER BY date, time, uri",
         [[r[c] for c in names] for r in sorted(rows, key=lambda r: (r["date"], r["time"], r["uri"]))])
    lo, hi = dt.date(2018, 6, 9), dt.date(2018, 6, 11)
    show("doc: total bytes", [[sum_or_null(r["bytes"] for r in rows if lo <= r["date"] <= hi)]])
    seen, out = set(), []
    for r in rows:
        k = tuple(fmt_cols([r[c] for c in names]))
        if k not in seen:
            seen.add(k)
            out.append([r[c] for c in names])
    show("doc: DISTINCT * LIMIT 10", out[:10], True)


# ----------------------------------------------------------------------------- S3 access logs

@service
def s3_access():
    block = slt_ddl("compat_s3_access_logs", "CREATE EXTERNAL TABLE") + "\n"
    cols = ddl_columns(block)
    rx = re.search(r"'input.regex'='(.*)'\) \n", block).group(1)
    names = [c for c, _ in cols]
    rows = regex_rows(files_under("s3_access/awsexamplebucket1-logs/prefix"), rx, cols)
    show("count(*)", [[len(rows)]])
    show("every column ORDER BY requestid",
         [[r[c] for c in names] for r in sorted(rows, key=lambda r: (r["requestid"] is None, r["requestid"] or ""))])
    show("doc: who deleted an object",
         [[r["requestdatetime"], r["remoteip"], r["requester"], r["key"]] for r in rows
          if r["key"] == "images/picture.jpg" and like(r["operation"], "%DELETE%")], True)
    show("doc: operations by an IAM user",
         [[r[c] for c in names] for r in rows if r["requester"] == "arn:aws:iam::123456789123:user/user_name"], True)
    when = lambda r: joda_parse(r["requestdatetime"], "dd/MMM/yyyy:HH:mm:ss Z")
    lo = joda_parse("2017-02-18:07:00:00", "yyyy-MM-dd:HH:mm:ss")
    hi = joda_parse("2017-02-18:08:00:00", "yyyy-MM-dd:HH:mm:ss")
    show("doc: operations on an object in a time period",
         [[r[c] for c in names] for r in rows if r["key"] == "prefix/images/picture.jpg" and between(when(r), lo, hi)], True)
    lo, hi = joda_parse("2017-06-01", "yyyy-MM-dd"), joda_parse("2017-07-01", "yyyy-MM-dd")
    sel = [r for r in rows if r["remoteip"] == "1.2.3.4" and between(when(r), lo, hi)]
    show("doc: data transferred by an IP",
         [[sum_or_null(r["bytessent"] for r in sel), sum_or_null(r["objectsize"] for r in sel),
           sum_or_null(None if r["bytessent"] is None or r["objectsize"] is None else r["bytessent"] + r["objectsize"]
                       for r in sel)]])
    g = group_by(rows, lambda r: (r["requester"], r["sigv"]))
    show("doc: signature version by requester",
         [[k[0], k[1], sum(1 for r in v if r["sigv"] is not None)] for k, v in g.items()], True)
    lo = joda_parse("2019-07-01:00:42:42", "yyyy-MM-dd:HH:mm:ss")
    hi = joda_parse("2019-07-02:00:42:42", "yyyy-MM-dd:HH:mm:ss")
    show("doc (bucket_name): anonymous requests",
         [[r["bucket_name"], r["requester"], r["remoteip"], r["key"], r["httpstatus"], r["errorcode"], r["requestdatetime"]]
          for r in rows if r["requester"] is None and between(when(r), lo, hi)], True)
    for op in ["REST.PUT.OBJECT", "REST.GET.OBJECT"]:
        show(f"doc (fixed): {op}",
             [[r["bucket_name"], r["requester"], r["remoteip"], r["key"], r["httpstatus"], r["errorcode"], r["requestdatetime"]]
              for r in rows if r["operation"] == op and between(when(r), lo, hi)], True)



# ----------------------------------------------------------------------------- Classic ELB

def sql_literal_regex(ddl):
    return re.search(r"'input.regex' =\s*'(.*?)'\)?\s*\n", ddl, re.S).group(1)


@service
def elb_classic():
    ddl = slt_ddl("compat_elb_classic", "CREATE EXTERNAL TABLE")
    cols = ddl_columns(ddl)
    names = [c for c, _ in cols]
    rows = regex_rows(files_under("elb_classic"), sql_literal_regex(ddl), cols)
    show("count(*)", [[len(rows)]])
    show("every column (file order)", [[r[c] for c in names] for r in rows])
    show("doc: backend 4XX/5XX",
         [[r["timestamp"], r["elb_name"], r["backend_ip"], r["backend_response_code"]] for r in rows
          if like(r["backend_response_code"], "4%") or like(r["backend_response_code"], "5%")], True)
    g = group_by([r for r in rows if r["backend_ip"] is not None and r["backend_ip"] != ""],
                 lambda r: (r["backend_ip"], r["elb_name"]))
    out = []
    for k, v in g.items():
        vals = [r["backend_processing_time"] for r in v]
        import itertools
        sums = {sum(p) for p in itertools.permutations(vals)}
        assert len(sums) == 1, sums  # exact whatever the order
        out.append([sums.pop(), k[1], k[0]])
    show("doc: sum backend_processing_time", out, True)


# ----------------------------------------------------------------------------- NLB

@service
def nlb():
    ddl = slt_ddl("compat_nlb", "CREATE EXTERNAL TABLE")
    cols = ddl_columns(ddl)
    names = [c for c, _ in cols]
    rows = regex_rows(files_under("nlb"), sql_literal_regex(ddl), cols)
    show("count(*)", [[len(rows)]])
    show("every column (file order)", [[r[c] for c in names] for r in rows])
    g = group_by(rows, lambda r: r["cert_arn"])
    show("doc: certificate use", [[len(v), k] for k, v in g.items()], True)
    g = group_by([r for r in rows if r["tls_protocol_version"] is not None and r["tls_protocol_version"] < "tlsv13"],
                 lambda r: (r["tls_protocol_version"], r["client_ip"]))
    show("doc: TLS before 1.3", [[k[0], len(v), k[1]] for k, v in g.items()], True)
    show("doc: long handshakes", [[r[c] for c in names] for r in rows], True)
    hs = sorted([r["tls_handshake_time_ms"] for r in rows], key=lambda x: (x is None, -(x or 0)))
    show("handshake times DESC (NULLS LAST)", [[x] for x in hs])

    def recent(now):
        g = group_by([r for r in rows if r["time"] is not None
                      and dt.datetime.fromisoformat(r["time"]).replace(tzinfo=dt.timezone.utc) > now - dt.timedelta(days=30)
                      and not r["tls_protocol_version"] == "-"],
                     lambda r: (r["tls_cipher_suite"], r["tls_protocol_version"]))
        return [[k[0], k[1], len(v)] for k, v in g.items()]
    show("doc: last 30 days, current_timestamp", recent(dt.datetime.now(dt.timezone.utc)), True)
    show("doc: last 30 days, fixed", recent(dt.datetime(2018, 12, 25, tzinfo=dt.timezone.utc)), True)


# ----------------------------------------------------------------------------- Global Accelerator

@service
def global_accelerator():
    cols = ddl_columns(slt_ddl("compat_global_accelerator", "CREATE EXTERNAL TABLE"))
    names = [c for c, _ in cols]
    rows = delimited_rows(files_under("global_accelerator/AWSLogs/123456789012/globalaccelerator/us-west-2/2024/05/17"),
                          " ", cols, skip_header=1)
    for r in rows:
        r["dt"] = "2024-05-17"
    show("count(*)", [[len(rows)]])
    show("every column ORDER BY starttime", [[r[c] for c in names] + [r["dt"]] for r in sorted(rows, key=lambda r: r["starttime"])])
    show("doc: LHR edge locations",
         [[r["clientip"], r["agaregion"], r["protocol"], r["action"]] for r in rows if like(r["agaregion"], "LHR%")], True)
    g = group_by([r for r in rows if r["endpointport"] == 443], lambda r: r["endpointip"])
    show("doc: HTTPS packets per endpoint", sorted([[sum(x["numpackets"] for x in v), k] for k, v in g.items()], key=lambda x: -x[0])[:10])


# ----------------------------------------------------------------------------- Network Firewall

@service
def network_firewall():
    cols = ddl_columns(slt_ddl("compat_network_firewall", "CREATE EXTERNAL TABLE"))
    rows = json_rows(json_lines(files_under("network_firewall")), cols, lower_keys=True)
    show("count(*)", [[len(rows)]])
    show("columns ORDER BY event_timestamp",
         [[r["firewall_name"], r["availability_zone"], r["event_timestamp"], r["event"]["event_type"],
           r["event"]["timestamp"], r["event"]["flow_id"], r["event"]["proto"], r["event"]["app_proto"],
           r["event"]["netflow"]] for r in sorted(rows, key=lambda r: r["event_timestamp"])])
    g = group_by(rows, lambda r: (r["event"]["src_ip"], r["event"]["src_port"], r["event"]["dest_ip"], r["event"]["dest_port"]))
    show("doc: pairs", [[len(v), *k] for k, v in g.items()], True)


# ----------------------------------------------------------------------------- Route 53 Resolver

@service
def route53():
    cols = ddl_columns(slt_ddl("compat_route53_resolver", "CREATE EXTERNAL TABLE"))
    names = [c for c, _ in cols]
    rows = json_rows(json_lines(files_under("route53")), cols, lower_keys=True)
    star = lambda r: [r[c] for c in names]
    desc = sorted(rows, key=lambda r: r["query_timestamp"], reverse=True)
    show("doc: SELECT * LIMIT 10", [star(r) for r in rows][:10], True)
    show("doc: 1 ORDER BY query_timestamp DESC", [star(r) for r in desc])
    lo = joda_parse("2020-09-24-00:00:00", "yyyy-MM-dd-HH:mm:ss")
    hi = joda_parse("2020-09-24-00:08:00", "yyyy-MM-dd-HH:mm:ss")
    show("doc: 2 time window",
         [[r["query_timestamp"], r["srcids"]["instance"], r["srcaddr"], r["srcport"], r["query_name"], r["rcode"]]
          for r in desc if between(joda_parse(r["query_timestamp"], "yyyy-MM-dd'T'HH:mm:ss'Z'"), lo, hi)])
    show("doc: 3 example.com",
         [[r["query_timestamp"], r["srcids"]["instance"], r["srcaddr"], r["srcport"], r["query_name"], r["rcode"], r["answers"]]
          for r in desc if like(r["query_name"], "%example.com%")])
    show("doc: 4 no answer",
         [[r["query_timestamp"], r["srcids"]["instance"], r["srcaddr"], r["srcport"], r["query_name"], r["rcode"], r["answers"]]
          for r in rows if len(r["answers"]) == 0], True)
    show("doc: 5 answer 203.0.113.16",
         [[r["query_timestamp"], r["srcids"]["instance"], r["srcaddr"], r["srcport"], r["query_name"], r["rcode"], a["rdata"]]
          for r in rows for a in r["answers"] if a["rdata"] == "203.0.113.16"], True)


# ----------------------------------------------------------------------------- GuardDuty

def json_extract_scalar(text, path):
    v = json.loads(text)
    for k in path.lstrip("$.").split("."):
        if not isinstance(v, dict) or k not in v:
            return None
        v = v[k]
    if isinstance(v, (dict, list)) or v is None:
        return None
    return scalar_text(v)


@service
def guardduty():
    cols = ddl_columns(slt_ddl("compat_guardduty", "CREATE EXTERNAL TABLE"))
    rows = json_rows(json_lines(files_under("guardduty")), cols, lower_keys=True)
    show("count(*)", [[len(rows)]])
    show("columns ORDER BY createdat",
         [[r["id"], r["type"], r["severity"], r["createdat"], r["updatedat"], r["resource"]]
          for r in sorted(rows, key=lambda r: r["createdat"])])
    j = json_extract_scalar
    show("doc: DNS data exfiltration",
         [[r["title"], r["severity"], r["type"], r["id"], r["accountid"], r["region"], r["createdat"], r["updatedat"],
           j(r["service"], "$.count"), j(r["resource"], "$.instancedetails.instanceid"),
           j(r["service"], "$.action.actiontype"), j(r["service"], "$.action.dnsrequestaction.domain"),
           j(r["service"], "$.action.dnsrequestaction.protocol"), j(r["service"], "$.action.dnsrequestaction.blocked")]
          for r in sorted(rows, key=lambda r: r["severity"], reverse=True)
          if r["type"] == "Trojan:EC2/DNSDataExfiltration"])
    show("doc: unauthorized IAM user",
         [[r["title"], r["severity"], r["type"], r["id"], r["accountid"], r["region"], r["createdat"], r["updatedat"],
           j(r["service"], "$.count"), j(r["resource"], "$.accesskeydetails.username"),
           j(r["service"], "$.action.awsapicallaction.api")]
          for r in sorted(rows, key=lambda r: r["severity"], reverse=True)
          if like(r["type"], "%UnauthorizedAccess:IAMUser%")])


# ----------------------------------------------------------------------------- EMR

EMR_ROOT = "emr/aws-logs-123456789012-us-west-2/elasticmapreduce/j-2ABCDE34F5GH6"


@service
def emr():
    rows = []
    for p in files_under(EMR_ROOT):
        for line in text_lines(p):
            rel = os.path.relpath(p, HERE)
            rows.append({"data": line.split("|")[0], "path": "tests/data/awslogs/" + rel,
                         "logtype": rel.split("/")[4]})
    lvl = "ERROR|WARN|INFO|EXCEPTION|FATAL|DEBUG"
    rl = lambda s, p: re.search(p, s) is not None
    show("count(*)", [[len(rows)]])
    show("doc: step logs", [[r["data"], r["path"]] for r in rows if rl(r["path"], "s-86URH188Z6B1") and rl(r["data"], lvl)], True)
    show("doc: instance state logs", [[r["data"], r["path"]] for r in rows
                                      if rl(r["path"], "i-00b3c0a839ece0a9c") and rl(r["path"], "state") and rl(r["data"], lvl)], True)
    show("doc: presto", [[r["data"], r["path"]] for r in rows if rl(r["path"], "presto") and rl(r["data"], lvl)], True)
    show("doc: namenode", [[r["data"], r["path"]] for r in rows if rl(r["path"], "namenode") and rl(r["data"], lvl)], True)
    show("doc: by date and hour", sorted({(r["path"],) for r in rows if rl(r["path"], "2019-07-23-10") and rl(r["data"], lvl)}), True)
    show("partitions", [["logtype=" + t] for t in ["containers", "hadoop-mapreduce", "hadoop-state-pusher", "node", "steps"]], True)
    show("partitioned count(*)", [[len(rows)]])
    show("doc: containers application 0002",
         [[r["data"], r["path"]] for r in rows if r["logtype"] == "containers"
          and rl(r["path"], "application_1561661818238_0002") and rl(r["data"], "ERROR|WARN")], True)
    show("doc: hadoop-mapreduce job 0004",
         [[r["data"], r["path"]] for r in rows if r["logtype"] == "hadoop-mapreduce"
          and rl(r["data"], "job_1561661818238_0004|Failed Reduces")], True)
    show("doc: hive query id",
         [[r["data"], r["path"]] for r in rows if r["logtype"] == "node" and rl(r["path"], "hive")
          and rl(r["data"], "056e0609-33e1-4611-956c-7a31b42d2663")], True)
    show("doc: resourcemanager",
         [[r["data"], r["path"]] for r in rows if r["logtype"] == "node" and rl(r["data"], "resourcemanager")
          and rl(r["data"], "1567660019320_0001_01_000001")], True)


# ----------------------------------------------------------------------------- main

if __name__ == "__main__":
    wanted = sys.argv[1:] or list(SERVICES)
    for name in wanted:
        print(f"==================== {name}")
        SERVICES[name]()
