"""aws-sdk-pandas (awswrangler) against `lakesql serve`, as a data engineer's notebook
uses it: write a partitioned Parquet dataset and register it in Glue
(`wr.s3.to_parquet(dataset=True, database=…, table=…, partition_cols=[…])`), read Glue
partitions with an expression, and query it back with `wr.athena.read_sql_query` both
ways (`ctas_approach=False` reads the result CSV; the default `ctas_approach=True` runs
a CTAS into a temporary table and reads its Parquet files through S3). argv: endpoint.
Prints a JSON summary; exits non-zero on a failed check."""

import json
import sys

import awswrangler as wr
import boto3
import pandas as pd

ENDPOINT = sys.argv[1]
session = boto3.Session(
    aws_access_key_id="lakesql-test",
    aws_secret_access_key="lakesql-test-secret",
    region_name="us-east-1",
)
for service in ("athena", "glue", "s3", "sts"):
    setattr(wr.config, f"{service}_endpoint_url", ENDPOINT)

DATABASE = "wrangler"
wr.catalog.create_database(DATABASE, exist_ok=True, boto3_session=session)

frame = pd.DataFrame(
    {
        "id": list(range(1, 13)),
        "amount": [float(n) * 1.5 for n in range(1, 13)],
        "name": [f"item {n}" for n in range(1, 13)],
        "dt": ["2026-11-01"] * 4 + ["2026-11-02"] * 4 + ["2026-11-03"] * 4,
        "region": ["eu", "us"] * 6,
    }
)
written = wr.s3.to_parquet(
    df=frame,
    path="s3://lakesql-warehouse/wrangler/orders/",
    dataset=True,
    database=DATABASE,
    table="orders",
    partition_cols=["dt", "region"],
    boto3_session=session,
)
assert len(written["paths"]) == 6, written

partitions = wr.catalog.get_partitions(
    database=DATABASE,
    table="orders",
    expression="dt >= '2026-11-02' AND region = 'eu'",
    boto3_session=session,
)
assert sorted(tuple(v) for v in partitions.values()) == [
    ("2026-11-02", "eu"),
    ("2026-11-03", "eu"),
], partitions
for location in partitions:
    assert location.startswith("s3://lakesql-warehouse/wrangler/orders/dt=2026-11-0"), location

SQL = (
    "SELECT dt, region, count(*) AS n, sum(amount) AS total "
    "FROM orders WHERE dt >= '2026-11-02' GROUP BY dt, region ORDER BY dt, region"
)
expected = (
    frame[frame.dt >= "2026-11-02"]
    .groupby(["dt", "region"], as_index=False)
    .agg(n=("id", "count"), total=("amount", "sum"))
)
results = {}
for ctas in (False, True):
    got = wr.athena.read_sql_query(
        SQL, database=DATABASE, ctas_approach=ctas, boto3_session=session
    )
    assert list(got.columns) == ["dt", "region", "n", "total"], got.columns
    assert got["dt"].astype(str).tolist() == expected["dt"].tolist(), got
    assert got["region"].tolist() == expected["region"].tolist(), got
    assert got["n"].astype(int).tolist() == expected["n"].tolist(), got
    assert [round(float(v), 6) for v in got["total"]] == [round(v, 6) for v in expected["total"]], got
    results["ctas" if ctas else "csv"] = len(got)

# The CTAS approach cleans up: no temporary table is left in the database.
tables = wr.catalog.get_tables(database=DATABASE, boto3_session=session)
names = sorted(t["Name"] for t in tables)
assert names == ["orders"], names

# Appending a new partition registers it, and a query sees it at once.
wr.s3.to_parquet(
    df=frame.assign(dt="2026-11-04").head(2),
    path="s3://lakesql-warehouse/wrangler/orders/",
    dataset=True,
    mode="append",
    database=DATABASE,
    table="orders",
    partition_cols=["dt", "region"],
    boto3_session=session,
)
count = wr.athena.read_sql_query(
    "SELECT count(*) AS n FROM orders WHERE dt = '2026-11-04'",
    database=DATABASE,
    ctas_approach=False,
    boto3_session=session,
)
assert int(count["n"][0]) == 2, count
results["partitions"] = len(wr.catalog.get_partitions(database=DATABASE, table="orders", boto3_session=session))
print(json.dumps(results))
