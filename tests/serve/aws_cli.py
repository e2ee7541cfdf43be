"""The AWS CLI against `lakesql serve`: S3 uploads, a Glue table with partitions (the
expression filter and pagination across pages), Athena queries, metadata and work
groups, and the error codes the CLI reports. Each step is the `aws` command a user
types (the CLI installed by .ci/run), run with the endpoint in AWS_ENDPOINT_URL.
argv: endpoint. Prints a JSON summary; exits non-zero on a failed check."""

import json
import os
import subprocess
import sys
import tempfile
import time

ENDPOINT = sys.argv[1]
ENV = dict(os.environ, AWS_ENDPOINT_URL=ENDPOINT, AWS_PAGER="")


def aws(*args, ok=True):
    """Runs `aws ARGS --output json`; returns the parsed output (or stderr when not ok)."""
    done = subprocess.run(
        ["aws", *args, "--output", "json"], env=ENV, capture_output=True, text=True
    )
    if not ok:
        assert done.returncode != 0, (args, done.stdout)
        return done.stderr
    assert done.returncode == 0, (args, done.stderr)
    return json.loads(done.stdout) if done.stdout.strip() else None


summary = {}
identity = aws("sts", "get-caller-identity")
assert identity["Account"] == "123456789012", identity

# S3: a bucket and three partitions' files.
aws("s3api", "create-bucket", "--bucket", "cli-lake")
with tempfile.TemporaryDirectory() as local:
    for day, rows in (("2026-01-01", 2), ("2026-01-02", 3), ("2026-01-03", 4)):
        path = os.path.join(local, f"{day}.csv")
        with open(path, "w") as f:
            f.writelines(f"{n},{day} event {n}\n" for n in range(rows))
        subprocess.run(
            ["aws", "s3", "cp", path, f"s3://cli-lake/events/dt={day}/part-0.csv"],
            env=ENV, check=True, capture_output=True,
        )
listed = aws("s3api", "list-objects-v2", "--bucket", "cli-lake", "--prefix", "events/")
assert len(listed["Contents"]) == 3, listed

# Glue: database, table, partitions.
aws("glue", "create-database", "--database-input", json.dumps({"Name": "cli"}))
aws(
    "glue", "create-table", "--database-name", "cli", "--table-input",
    json.dumps({
        "Name": "events",
        "TableType": "EXTERNAL_TABLE",
        "PartitionKeys": [{"Name": "dt", "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [{"Name": "n", "Type": "int"}, {"Name": "what", "Type": "string"}],
            "Location": "s3://cli-lake/events/",
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                "Parameters": {"field.delim": ","},
            },
        },
    }),
)
aws(
    "glue", "batch-create-partition", "--database-name", "cli", "--table-name", "events",
    "--partition-input-list",
    json.dumps([
        {"Values": [day], "StorageDescriptor": {"Location": f"s3://cli-lake/events/dt={day}/"}}
        for day in ("2026-01-01", "2026-01-02", "2026-01-03")
    ]),
)
later = aws(
    "glue", "get-partitions", "--database-name", "cli", "--table-name", "events",
    "--expression", "dt > '2026-01-01'",
)
assert sorted(p["Values"][0] for p in later["Partitions"]) == ["2026-01-02", "2026-01-03"], later
# One partition per page: the CLI follows NextToken across three server pages.
paged = aws(
    "glue", "get-partitions", "--database-name", "cli", "--table-name", "events",
    "--page-size", "1",
)
assert len(paged["Partitions"]) == 3, paged
first = aws(
    "glue", "get-partitions", "--database-name", "cli", "--table-name", "events",
    "--max-items", "2",
)
assert len(first["Partitions"]) == 2 and first.get("NextToken"), first
rest = aws(
    "glue", "get-partitions", "--database-name", "cli", "--table-name", "events",
    "--max-items", "2", "--starting-token", first["NextToken"],
)
assert len(rest["Partitions"]) == 1, rest
summary["partitions"] = len(paged["Partitions"])

# Athena: a query over the Glue table, its results across pages, metadata.
started = aws(
    "athena", "start-query-execution",
    "--query-string", "SELECT dt, count(*) AS n FROM events GROUP BY dt ORDER BY dt",
    "--query-execution-context", "Database=cli",
)
qid = started["QueryExecutionId"]
for _ in range(600):
    execution = aws("athena", "get-query-execution", "--query-execution-id", qid)["QueryExecution"]
    if execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
        break
    time.sleep(0.05)
assert execution["Status"]["State"] == "SUCCEEDED", execution
assert execution["ResultConfiguration"]["OutputLocation"].endswith(f"/{qid}.csv"), execution
results = aws(
    "athena", "get-query-results", "--query-execution-id", qid, "--page-size", "2"
)
rows = [[d.get("VarCharValue") for d in r["Data"]] for r in results["ResultSet"]["Rows"]]
assert rows == [["dt", "n"], ["2026-01-01", "2"], ["2026-01-02", "3"], ["2026-01-03", "4"]], rows
summary["rows"] = len(rows) - 1
listed = aws("athena", "list-query-executions")
assert qid in listed["QueryExecutionIds"], listed
batch = aws("athena", "batch-get-query-execution", "--query-execution-ids", qid, "nope")
assert [e["QueryExecutionId"] for e in batch["QueryExecutions"]] == [qid], batch
assert [e["QueryExecutionId"] for e in batch["UnprocessedQueryExecutionIds"]] == ["nope"], batch
work_group = aws("athena", "get-work-group", "--work-group", "primary")
assert work_group["WorkGroup"]["Configuration"]["ResultConfiguration"]["OutputLocation"], work_group
databases = aws("athena", "list-databases", "--catalog-name", "AwsDataCatalog")
assert "cli" in [d["Name"] for d in databases["DatabaseList"]], databases
metadata = aws(
    "athena", "get-table-metadata", "--catalog-name", "AwsDataCatalog",
    "--database-name", "cli", "--table-name", "events",
)
assert [c["Name"] for c in metadata["TableMetadata"]["Columns"]] == ["n", "what"], metadata
assert [c["Name"] for c in metadata["TableMetadata"]["PartitionKeys"]] == ["dt"], metadata

# The result file is where OutputLocation says, readable with `aws s3 cp`.
csv = subprocess.run(
    ["aws", "s3", "cp", execution["ResultConfiguration"]["OutputLocation"], "-"],
    env=ENV, check=True, capture_output=True, text=True,
).stdout
assert csv.splitlines()[0] == '"dt","n"', csv

# Errors: the CLI names the service's error code.
errors = {
    "athena": aws("athena", "get-query-execution", "--query-execution-id", "nope", ok=False),
    "glue": aws("glue", "get-table", "--database-name", "cli", "--name", "nope", ok=False),
    "glue_exists": aws("glue", "create-database", "--database-input", json.dumps({"Name": "cli"}), ok=False),
    "s3": aws("s3api", "head-object", "--bucket", "cli-lake", "--key", "nope", ok=False),
}
errors["syntax"] = aws("athena", "start-query-execution", "--query-string", "SELEC 1", ok=False)
assert "InvalidRequestException" in errors["syntax"] and "SELEC" in errors["syntax"], errors
bad = aws(
    "athena", "start-query-execution", "--query-string", "SELECT * FROM nowhere",
    "--query-execution-context", "Database=cli",
)["QueryExecutionId"]
for _ in range(600):
    failed = aws("athena", "get-query-execution", "--query-execution-id", bad)["QueryExecution"]
    if failed["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
        break
    time.sleep(0.05)
assert failed["Status"]["State"] == "FAILED", failed
assert "nowhere" in failed["Status"]["StateChangeReason"], failed
assert "InvalidRequestException" in errors["athena"], errors
assert "EntityNotFoundException" in errors["glue"], errors
assert "AlreadyExistsException" in errors["glue_exists"], errors
assert "404" in errors["s3"], errors
summary["errors"] = len(errors)
print(json.dumps(summary))
