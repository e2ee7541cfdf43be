"""What the client scripts share: boto3 clients pointed at the server under test (explicit
endpoint and test keys, so nothing ever reaches AWS or the instance-metadata address)
and the wait for an Athena query to end."""

import time

import boto3
from botocore.config import Config

ACCESS_KEY = "lakesql-test"
SECRET_KEY = "lakesql-test-secret"
REGION = "us-east-1"
FINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")


def client(service, endpoint):
    """A boto3 client for `service` on the server; no retries, so every refusal shows."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"max_attempts": 1}),
    )


def wait(athena, qid, timeout=60.0):
    """The QueryExecution of `qid` once it has ended; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        if execution["Status"]["State"] in FINAL_STATES:
            return execution
        time.sleep(0.01)
    raise AssertionError(f"query {qid} did not end within {timeout} s")
