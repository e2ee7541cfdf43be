"""boto3 against `lakesql serve`: Athena query executions, S3 and STS, as a user's
script makes them. Run by tests/serve.rs with the endpoint as argv[1]; exits non-zero
(with the failed assertion) when the server answers differently from Athena."""

import sys
import time

import botocore.exceptions
from serve_client import client
from serve_client import wait as wait_for

ENDPOINT = sys.argv[1]
athena = client("athena", ENDPOINT)
s3 = client("s3", ENDPOINT)
sts = client("sts", ENDPOINT)


def wait(qid):
    return wait_for(athena, qid)


def run(sql, database="serve_test"):
    qid = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": database}
    )["QueryExecutionId"]
    execution = wait(qid)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    return qid, execution


def error_code(call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError(f"{call} succeeded")


# STS
identity = sts.get_caller_identity()
assert identity["Account"] == "123456789012", identity

# S3: upload a CSV lake with the S3 API
s3.create_bucket(Bucket="lake")
rows = ["1,alpha,10.5", "2,beta,", "3,gam\"ma,7.25"]
s3.put_object(Bucket="lake", Key="items/part-0.csv", Body=("\n".join(rows) + "\n").encode())
listed = s3.list_objects_v2(Bucket="lake", Prefix="items/")
assert [o["Key"] for o in listed["Contents"]] == ["items/part-0.csv"], listed
# Real S3 lists every object with its ETag (the MD5 of a single-part upload); dbt-athena
# and awswrangler index it.
import hashlib
body_md5 = hashlib.md5(("\n".join(rows) + "\n").encode()).hexdigest()
assert listed["Contents"][0]["ETag"] == f'"{body_md5}"', listed
assert s3.list_objects(Bucket="lake")["Contents"][0]["ETag"] == f'"{body_md5}"'

# Work group: awswrangler indexes these without checking
wg = athena.get_work_group(WorkGroup="primary")["WorkGroup"]
assert wg["Configuration"]["EnforceWorkGroupConfiguration"] is False
out = wg["Configuration"]["ResultConfiguration"]["OutputLocation"]
assert out == "s3://lakesql-query-results/", out
assert error_code(athena.get_work_group, WorkGroup="nope") == "InvalidRequestException"

# DDL through Athena
run("CREATE DATABASE IF NOT EXISTS serve_test", database="default")
qid, ddl = run(
    "CREATE EXTERNAL TABLE items (id int, name string, price double) "
    "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://lake/items/'"
)
assert ddl["StatementType"] == "DDL", ddl
assert ddl["ResultConfiguration"]["OutputLocation"].endswith(f"/{qid}.txt"), ddl

# A query: header row on page 1, NULL as an absent VarCharValue, pages of MaxResults
qid, ex = run("SELECT id, name, price FROM items ORDER BY id")
assert ex["StatementType"] == "DML" and ex["SubstatementType"] == "SELECT", ex
assert ex["ResultConfiguration"]["OutputLocation"] == f"s3://lakesql-query-results/{qid}.csv"
assert ex["Statistics"]["DataScannedInBytes"] > 0, ex["Statistics"]
page = athena.get_query_results(QueryExecutionId=qid, MaxResults=2)
info = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
assert [(c["Name"], c["Type"], c["Precision"], c["Scale"], c["Nullable"]) for c in info] == [
    ("id", "integer", 10, 0, "UNKNOWN"),
    ("name", "varchar", 2147483647, 0, "UNKNOWN"),
    ("price", "double", 17, 0, "UNKNOWN"),
], info
data = [[d.get("VarCharValue") for d in r["Data"]] for r in page["ResultSet"]["Rows"]]
assert data == [["id", "name", "price"], ["1", "alpha", "10.5"]], data
assert "NextToken" in page
rest = athena.get_query_results(QueryExecutionId=qid, NextToken=page["NextToken"])
data = [[d.get("VarCharValue") for d in r["Data"]] for r in rest["ResultSet"]["Rows"]]
assert data == [["2", "beta", None], ["3", 'gam"ma', "7.25"]], data
assert "NextToken" not in rest

# the paginator walks every page once
pages = athena.get_paginator("get_query_results").paginate(
    QueryExecutionId=qid, PaginationConfig={"PageSize": 1}
)
assert sum(len(p["ResultSet"]["Rows"]) for p in pages) == 4

# the result file, through S3, is Athena's CSV
body = s3.get_object(Bucket="lakesql-query-results", Key=f"{qid}.csv")["Body"].read()
assert body == b'"id","name","price"\n"1","alpha","10.5"\n"2","beta",\n"3","gam""ma","7.25"\n', body
head = s3.head_object(Bucket="lakesql-query-results", Key=f"{qid}.csv")
assert head["ContentLength"] == len(body)
ranged = s3.get_object(Bucket="lakesql-query-results", Key=f"{qid}.csv", Range="bytes=0-3")
assert ranged["Body"].read() == b'"id"'

# CTAS into the results bucket: a data manifest listing the Parquet files, UpdateCount,
# the table readable at once, its files through S3
qid, ctas = run(
    "CREATE TABLE items_copy WITH (format = 'PARQUET', "
    "external_location = 's3://lakesql-query-results/tables/items_copy/') "
    "AS SELECT id, name FROM items WHERE price IS NOT NULL"
)
assert ctas["SubstatementType"] == "CREATE_TABLE_AS_SELECT", ctas
assert ctas["ResultConfiguration"]["OutputLocation"] == f"s3://lakesql-query-results/tables/{qid}"
manifest = ctas["Statistics"]["DataManifestLocation"]
assert manifest == f"s3://lakesql-query-results/tables/{qid}-manifest.csv", ctas["Statistics"]
assert athena.get_query_results(QueryExecutionId=qid).get("UpdateCount") == 2
files = s3.get_object(Bucket="lakesql-query-results", Key=f"tables/{qid}-manifest.csv")["Body"].read().decode().split()
assert len(files) >= 1 and all(f.startswith("s3://lakesql-query-results/tables/items_copy/") and f.endswith(".parquet") for f in files), files
for f in files:
    key = f[len("s3://lakesql-query-results/"):]
    assert s3.head_object(Bucket="lakesql-query-results", Key=key)["ContentLength"] > 0
qid, _ = run("SELECT name FROM items_copy ORDER BY id")
rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
assert [[d.get("VarCharValue") for d in r["Data"]] for r in rows] == [["name"], ["alpha"], ["gam\"ma"]]

# INSERT INTO appends; UNLOAD writes files and a manifest
qid, ins = run("INSERT INTO items_copy VALUES (9, 'nine')")
assert ins["StatementType"] == "DML" and ins["SubstatementType"] == "INSERT", ins
assert athena.get_query_results(QueryExecutionId=qid).get("UpdateCount") == 1
qid, unl = run("UNLOAD (SELECT id FROM items_copy) TO 's3://lake/unloaded/' WITH (format = 'JSON')")
manifest = unl["Statistics"]["DataManifestLocation"]
assert manifest == f"s3://lakesql-query-results/{qid}-manifest.csv", manifest
unloaded = s3.get_object(Bucket="lakesql-query-results", Key=f"{qid}-manifest.csv")
names = unloaded["Body"].read().decode().split()
assert names and all(n.startswith("s3://lake/unloaded/") for n in names), names
import gzip
text = b"".join(
    gzip.decompress(s3.get_object(Bucket="lake", Key=n.split("/", 3)[3])["Body"].read())
    for n in names
)
assert all(n.endswith(".gz") for n in names), names  # Athena's UNLOAD JSON default: GZIP
assert sorted(int(line.split(b":")[1].strip(b"}")) for line in text.split()) == [1, 3, 9], text

# errors: unknown id, results of a failed query, bad MaxResults, syntax errors up front
assert error_code(athena.get_query_execution, QueryExecutionId="nope") == "InvalidRequestException"
bad = athena.start_query_execution(
    QueryString="SELECT * FROM missing_table", QueryExecutionContext={"Database": "serve_test"}
)["QueryExecutionId"]
failed = wait(bad)
assert failed["Status"]["State"] == "FAILED", failed
assert "missing_table" in failed["Status"]["StateChangeReason"], failed["Status"]
assert failed["Status"]["AthenaError"]["ErrorCategory"] == 2, failed["Status"]
assert error_code(athena.get_query_results, QueryExecutionId=bad) == "InvalidRequestException"
assert error_code(athena.start_query_execution, QueryString="SELEC 1") == "InvalidRequestException"

# idempotent start: the same ClientRequestToken gives the same id
token = "c0ffee00-0000-4000-8000-000000000001"
a = athena.start_query_execution(QueryString="SELECT 1", ClientRequestToken=token)
b = athena.start_query_execution(QueryString="SELECT 1", ClientRequestToken=token)
assert a["QueryExecutionId"] == b["QueryExecutionId"]
wait(a["QueryExecutionId"])

# execution parameters
qid = athena.start_query_execution(
    QueryString="SELECT name FROM items WHERE id = ?",
    QueryExecutionContext={"Database": "serve_test"},
    ExecutionParameters=["2"],
)["QueryExecutionId"]
assert wait(qid)["Status"]["State"] == "SUCCEEDED"
rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
assert [[d.get("VarCharValue") for d in r["Data"]] for r in rows] == [["name"], ["beta"]]

# listing and batch get
ids = athena.list_query_executions(WorkGroup="primary")["QueryExecutionIds"]
assert qid == ids[0] and bad in ids, ids
batch = athena.batch_get_query_execution(QueryExecutionIds=[qid, "nope"])
assert [e["QueryExecutionId"] for e in batch["QueryExecutions"]] == [qid]
assert [e["QueryExecutionId"] for e in batch["UnprocessedQueryExecutionIds"]] == ["nope"]

# stop a long query: it ends CANCELLED
long = athena.start_query_execution(
    QueryString="SELECT count(*) FROM unnest(sequence(1, 30000)) a(x) "
    "CROSS JOIN unnest(sequence(1, 30000)) b(y) WHERE (x * y) % 7 = 3"
)["QueryExecutionId"]
time.sleep(0.2)
athena.stop_query_execution(QueryExecutionId=long)
stopped = wait(long)
assert stopped["Status"]["State"] == "CANCELLED", stopped["Status"]

print("boto3 ok:", sys.argv[2] if len(sys.argv) > 2 else "")
