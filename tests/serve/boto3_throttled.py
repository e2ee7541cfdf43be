"""boto3 against a throttled `lakesql serve`: every call over the rate is refused with
ThrottlingException and retried by botocore until it goes through. Prints, as JSON, how
many calls of each operation succeeded (each success is exactly one 200 at the server)."""

import json

import boto3
from botocore.config import Config
from serve_client import wait

calls = {}


def count(**kwargs):
    name = kwargs["model"].name
    if kwargs["http_response"].status_code == 200:
        calls[name] = calls.get(name, 0) + 1


athena = boto3.client(
    "athena",
    config=Config(retries={"mode": "standard", "max_attempts": 20}),
)
athena.meta.events.register("after-call.athena.*", count)
ids = [athena.start_query_execution(QueryString=f"SELECT {n}")["QueryExecutionId"] for n in range(3)]
for qid in ids:
    state = wait(athena, qid)["Status"]["State"]
    assert state == "SUCCEEDED", state
    rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
    assert len(rows) == 2, rows
print(json.dumps(calls))
