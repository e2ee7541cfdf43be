"""dbt-athena against `lakesql serve`: the project in tests/serve/dbt_project (a seed, a
partitioned Parquet table, an insert_overwrite incremental model, a view, schema tests)
is seeded, run, tested and run again (the incremental path), then the outcome is checked
through Athena, Glue and S3 as a user would.

Usage: python3 tests/serve/dbt_athena.py ENDPOINT

dbt-athena 1.11.1 needs PyAthena < 3.35, so it lives in its own virtualenv (the test
environment keeps PyAthena 4.2.1):

    python3 -m venv ~/.cache/dbt-athena-venv
    ~/.cache/dbt-athena-venv/bin/pip install 'dbt-athena-community==1.11.1' \
        'dbt-core==1.11.16' 'boto3==1.44.8'

The dbt executable is $LAKESQL_DBT, else ~/.cache/dbt-athena-venv/bin/dbt, else `dbt` on
PATH. This script itself only needs boto3. The project is copied into a temporary
directory, so dbt's target/ and logs/ never land in the source tree. Each run uses a fresh
schema (`dbt_test_<hex>`, or $LAKESQL_DBT_SCHEMA). Exits non-zero on any failure; prints a
JSON summary on success.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

from serve_client import ACCESS_KEY, REGION, SECRET_KEY, client, wait

ENDPOINT = sys.argv[1]
HERE = Path(__file__).resolve().parent
PROJECT = HERE / "dbt_project"
SCHEMA = os.environ.get("LAKESQL_DBT_SCHEMA") or f"dbt_test_{uuid.uuid4().hex[:8]}"

ENV = dict(
    os.environ,
    AWS_ENDPOINT_URL=ENDPOINT,
    AWS_ACCESS_KEY_ID=ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY=SECRET_KEY,
    AWS_DEFAULT_REGION=REGION,
    AWS_EC2_METADATA_DISABLED="true",
    AWS_CONFIG_FILE="/dev/null",
    AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    DO_NOT_TRACK="1",
    LAKESQL_DBT_SCHEMA=SCHEMA,
)
ENV.pop("AWS_PROFILE", None)
ENV.pop("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", None)


def dbt_executable():
    candidates = [
        os.environ.get("LAKESQL_DBT"),
        str(Path.home() / ".cache/dbt-athena-venv/bin/dbt"),
        shutil.which("dbt"),
    ]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    sys.exit("dbt not found: set LAKESQL_DBT or install dbt-athena (see this file's docstring)")


athena = client("athena", ENDPOINT)
glue = client("glue", ENDPOINT)
s3 = client("s3", ENDPOINT)


def fail(message):
    print(f"FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


# ---------------------------------------------------------------- dbt


def dbt(workdir, *args):
    """Runs one dbt command in the copied project; returns its run_results."""
    command = [
        dbt_executable(),
        *args,
        "--project-dir", str(workdir),
        "--profiles-dir", str(workdir),
        "--target-path", str(workdir / "target"),
        "--log-path", str(workdir / "logs"),
        "--no-use-colors",
    ]
    started = time.monotonic()
    out = subprocess.run(command, cwd=workdir, env=ENV, capture_output=True, text=True)
    elapsed = round(time.monotonic() - started, 1)
    if out.returncode != 0:
        print(out.stdout[-6000:], file=sys.stderr)
        print(out.stderr[-3000:], file=sys.stderr)
        fail(f"`dbt {' '.join(args)}` exited {out.returncode} (log: {workdir / 'logs/dbt.log'})")
    results = json.loads((workdir / "target/run_results.json").read_text())["results"]
    bad = [(r["unique_id"], r["status"], r["message"]) for r in results
           if r["status"] not in ("success", "pass")]
    check(not bad, f"`dbt {' '.join(args)}`: {bad}")
    return {"nodes": len(results), "seconds": elapsed}


# ---------------------------------------------------------------- Athena / Glue / S3


def query(sql):
    """Runs one statement in the test schema; returns the rows as lists of strings
    (None for NULL), header row removed."""
    qid = athena.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": SCHEMA},
        ResultConfiguration={"OutputLocation": "s3://lakesql-query-results/"},
    )["QueryExecutionId"]
    status = wait(athena, qid)["Status"]
    check(status["State"] == "SUCCEEDED", f"{sql!r}: {status}")
    rows = []
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=qid):
        for row in page["ResultSet"]["Rows"]:
            rows.append([d.get("VarCharValue") for d in row["Data"]])
    return rows[1:]


def table(name):
    return glue.get_table(DatabaseName=SCHEMA, Name=name)["Table"]


def partitions(name):
    out = {}
    for page in glue.get_paginator("get_partitions").paginate(DatabaseName=SCHEMA, TableName=name):
        for p in page["Partitions"]:
            out[tuple(p["Values"])] = p["StorageDescriptor"]["Location"]
    return out


def objects(location):
    """{key: etag} of the objects under an s3:// location."""
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    prefix = prefix.rstrip("/") + "/"
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            out[o["Key"]] = o["ETag"]
    return out


# ---------------------------------------------------------------- expectations


with open(PROJECT / "seeds/raw_orders.csv", newline="") as f:
    SEED = list(csv.DictReader(f))
DAYS = sorted({r["order_date"] for r in SEED})
OVERLAP = DAYS[-2:]  # the incremental run rebuilds max(dt) - 1 day .. max(dt)

REVENUE = defaultdict(lambda: [0, 0.0])  # (dt, status) -> [orders, revenue]
CUSTOMERS = defaultdict(lambda: [0, 0.0, "9999", "0000"])
for r in SEED:
    key = (r["order_date"], r["status"])
    REVENUE[key][0] += 1
    REVENUE[key][1] += float(r["amount"])
    c = CUSTOMERS[int(r["customer_id"])]
    c[0] += 1
    c[1] += float(r["amount"])
    c[2] = min(c[2], r["order_date"])
    c[3] = max(c[3], r["order_date"])


def check_partitioned_parquet(name):
    t = table(name)
    check(t.get("TableType") == "EXTERNAL_TABLE", f"{name} TableType: {t.get('TableType')}")
    check([(k["Name"], k["Type"]) for k in t.get("PartitionKeys", [])] == [("dt", "date")],
          f"{name} PartitionKeys: {t.get('PartitionKeys')}")
    sd = t["StorageDescriptor"]
    check("parquet" in (sd.get("InputFormat", "") + sd.get("SerdeInfo", {}).get(
        "SerializationLibrary", "")).lower(), f"{name} is not Parquet: {sd}")
    parts = partitions(name)
    check(sorted(parts) == [(d,) for d in DAYS], f"{name} partitions: {sorted(parts)}")
    for values, location in parts.items():
        files = objects(location)
        check(files, f"{name} partition {values} has no objects under {location}")
    return parts


def daily_revenue_rows():
    rows = query("select dt, status, orders, revenue, batch from daily_revenue")
    out = {}
    for dt, status, orders, revenue, batch in rows:
        check((dt, status) not in out, f"daily_revenue has ({dt}, {status}) twice")
        out[(dt, status)] = (int(orders), float(revenue), int(batch))
    check(sorted(out) == sorted(REVENUE), f"daily_revenue keys: {sorted(out)}")
    for key, (orders, revenue, _) in out.items():
        want = REVENUE[key]
        check(orders == want[0] and abs(revenue - want[1]) < 1e-6,
              f"daily_revenue {key}: {(orders, revenue)} != {tuple(want)}")
    return out


# ---------------------------------------------------------------- the flow


def main():
    summary = {"schema": SCHEMA, "dbt": {}}
    with tempfile.TemporaryDirectory(prefix="lakesql-dbt-") as tmp:
        work = Path(tmp) / "project"
        shutil.copytree(PROJECT, work)

        summary["dbt"]["seed"] = dbt(work, "seed")
        count = query("select count(*) from raw_orders")
        check(count == [[str(len(SEED))]], f"raw_orders count: {count}")
        seed_types = {c["Name"]: c["Type"] for c in table("raw_orders")["StorageDescriptor"]["Columns"]}
        check(seed_types.get("order_date") == "date", f"raw_orders columns: {seed_types}")

        summary["dbt"]["run"] = dbt(work, "run")
        summary["dbt"]["test"] = dbt(work, "test")

        # orders_by_day: a partitioned Parquet table, one partition per day.
        count = query("select count(*) from orders_by_day")
        check(count == [[str(len(SEED))]], f"orders_by_day count: {count}")
        per_day = dict(query("select cast(dt as varchar), count(*) from orders_by_day group by dt"))
        want_per_day = {d: str(sum(1 for r in SEED if r["order_date"] == d)) for d in DAYS}
        check(per_day == want_per_day, f"orders_by_day per day: {per_day}")
        check_partitioned_parquet("orders_by_day")

        # daily_revenue after the first (full) run: every row from batch 1.
        first = daily_revenue_rows()
        check({b for *_, b in first.values()} == {1}, f"first run batches: {first}")
        parts_before = check_partitioned_parquet("daily_revenue")
        files_before = {v: objects(loc) for v, loc in parts_before.items()}

        # customer_totals: a view over orders_by_day.
        view = table("customer_totals")
        check(view.get("TableType") == "VIRTUAL_VIEW", f"customer_totals TableType: {view.get('TableType')}")
        rows = query("select customer_id, orders, total_amount, cast(first_order as varchar), "
                     "cast(last_order as varchar) from customer_totals order by customer_id")
        got = [(int(c), int(o), round(float(t), 2), f, l) for c, o, t, f, l in rows]
        want = [(c, v[0], round(v[1], 2), v[2], v[3]) for c, v in sorted(CUSTOMERS.items())]
        check(got == want, f"customer_totals: {got} != {want}")

        # Second run: the incremental model rebuilds the last two days as batch 2.
        summary["dbt"]["run_incremental"] = dbt(work, "run", "--vars", "{batch: 2}")
        summary["dbt"]["test_after_incremental"] = dbt(work, "test")
        second = daily_revenue_rows()
        for (dt, status), (_, _, batch) in second.items():
            want_batch = 2 if dt in OVERLAP else 1
            check(batch == want_batch, f"daily_revenue ({dt}, {status}) batch {batch} != {want_batch}")
        parts_after = check_partitioned_parquet("daily_revenue")
        for values, location in parts_after.items():
            files = objects(location)
            if values[0] in OVERLAP:
                check(not set(files) & set(files_before[values]),
                      f"partition {values}: old files kept {sorted(files)}")
            else:
                check(location == parts_before[values] and files == files_before[values],
                      f"partition {values} was touched: {location} {sorted(files)}")

        summary["seed_rows"] = len(SEED)
        summary["orders_by_day"] = {"rows": len(SEED), "partitions": len(DAYS)}
        summary["daily_revenue"] = {
            "rows": len(second),
            "partitions": len(parts_after),
            "replaced": OVERLAP,
            "kept": DAYS[:-2],
        }
        summary["customer_totals"] = {"rows": len(got)}
    print(json.dumps(summary))


main()
