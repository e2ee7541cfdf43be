"""boto3 against `lakesql serve --auth keys.toml`: the listed key pair works for Athena,
Glue, STS and S3; a wrong secret and an unknown key are refused by each service with the
error code AWS uses, and unsigned S3 requests are refused. Prints the codes as JSON."""

import json
import sys
import time
import urllib.error
import urllib.request

import boto3
from botocore.exceptions import ClientError

endpoint = sys.argv[1]


def clients(key, secret):
    session = boto3.Session(
        aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1"
    )
    return {name: session.client(name, endpoint_url=endpoint) for name in ("athena", "glue", "sts", "s3")}


def calls(c):
    """One call per service (each needs a valid signature)."""
    return {
        "athena": lambda: c["athena"].list_work_groups(),
        "glue": lambda: c["glue"].get_databases(),
        "sts": lambda: c["sts"].get_caller_identity(),
        "s3": lambda: c["s3"].list_objects_v2(Bucket="lakesql-query-results"),
    }


def refusals(c):
    codes = {}
    for service, call in calls(c).items():
        try:
            call()
            codes[service] = None
        except ClientError as e:
            codes[service] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
    return codes


good = clients("lakesql-test", "lakesql-test-secret")
identity = good["sts"].get_caller_identity()
assert identity["Arn"] == "arn:aws:iam::123456789012:user/tester", identity
assert identity["UserId"] == "lakesql-test", identity
good["s3"].put_object(Bucket="lakesql-warehouse", Key="auth/hello.txt", Body=b"hello")
assert good["s3"].get_object(Bucket="lakesql-warehouse", Key="auth/hello.txt")["Body"].read() == b"hello"
assert good["glue"].get_databases()["DatabaseList"] is not None
qid = good["athena"].start_query_execution(QueryString="SELECT 41 + 1 AS answer")["QueryExecutionId"]
while True:
    status = good["athena"].get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
    if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
        break
    time.sleep(0.01)
assert status["State"] == "SUCCEEDED", status
rows = good["athena"].get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
assert rows[1]["Data"][0]["VarCharValue"] == "42", rows
# The result file is read through the S3 side with the same key (as PyAthena does).
body = good["s3"].get_object(Bucket="lakesql-query-results", Key=f"{qid}.csv")["Body"].read()
assert body == b'"answer"\n"42"\n', body

try:
    urllib.request.urlopen(f"{endpoint}/lakesql-warehouse/auth/hello.txt")
    unsigned = None
except urllib.error.HTTPError as e:
    unsigned = e.code

print(
    json.dumps(
        {
            "good": refusals(good),
            "wrong_secret": refusals(clients("lakesql-test", "not-the-secret")),
            "unknown_key": refusals(clients("AKIANOBODY", "lakesql-test-secret")),
            "unsigned_s3": unsigned,
        }
    )
)
