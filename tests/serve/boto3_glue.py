"""boto3's Glue client against `lakesql serve`: databases, tables and partitions through
the Glue API, queried through Athena on the same catalog, with Glue's shapes, paging,
partition expressions and error codes. argv: endpoint. Exits non-zero on a failed check."""


import boto3
import botocore.exceptions
from serve_client import wait

glue = boto3.client("glue")
athena = boto3.client("athena")
s3 = boto3.client("s3")


def code(call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError(f"{call} succeeded")


def query(sql, database):
    qid = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": database}
    )["QueryExecutionId"]
    status = wait(athena, qid)["Status"]
    assert status["State"] == "SUCCEEDED", status
    rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
    return [[d.get("VarCharValue") for d in r["Data"]] for r in rows]


# a CSV lake partitioned by day, uploaded with the S3 API
s3.create_bucket(Bucket="gluelake")
for day, lines in {"2024-01-01": ["1,a", "2,b"], "2024-01-02": ["3,c"], "2024-01-03": ["4,d"]}.items():
    s3.put_object(Bucket="gluelake", Key=f"clicks/dt={day}/part-0.csv", Body=("\n".join(lines) + "\n").encode())

glue.create_database(DatabaseInput={"Name": "gluedb", "Description": "made with boto3"})
assert code(glue.create_database, DatabaseInput={"Name": "gluedb"}) == "AlreadyExistsException"
assert glue.get_database(Name="gluedb")["Database"]["Description"] == "made with boto3"
assert "gluedb" in [d["Name"] for d in glue.get_databases()["DatabaseList"]]

glue.create_table(
    DatabaseName="gluedb",
    TableInput={
        "Name": "clicks",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "csv"},
        "PartitionKeys": [{"Name": "dt", "Type": "date"}],
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "int"}, {"Name": "page", "Type": "string"}],
            "Location": "s3://gluelake/clicks/",
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                "Parameters": {"field.delim": ","},
            },
        },
    },
)
result = glue.batch_create_partition(
    DatabaseName="gluedb",
    TableName="clicks",
    PartitionInputList=[
        {"Values": [d], "StorageDescriptor": {"Location": f"s3://gluelake/clicks/dt={d}/"}}
        for d in ["2024-01-01", "2024-01-02", "2024-01-03"]
    ],
)
assert result.get("Errors", []) == [], result
again = glue.batch_create_partition(
    DatabaseName="gluedb",
    TableName="clicks",
    PartitionInputList=[{"Values": ["2024-01-01"], "StorageDescriptor": {"Location": "s3://gluelake/clicks/dt=2024-01-01/"}}],
)
assert [e["ErrorDetail"]["ErrorCode"] for e in again["Errors"]] == ["AlreadyExistsException"], again

# the Glue-made table is queryable through Athena at once
rows = query("SELECT dt, count(*) AS n FROM clicks GROUP BY dt ORDER BY dt", "gluedb")
assert rows == [["dt", "n"], ["2024-01-01", "2"], ["2024-01-02", "1"], ["2024-01-03", "1"]], rows

# GetTable: the fields dbt and awswrangler index without checking
table = glue.get_table(DatabaseName="gluedb", Name="clicks")["Table"]
for key in ("StorageDescriptor", "PartitionKeys", "TableType", "Parameters"):
    assert key in table, (key, table)
assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "page"]
assert table["StorageDescriptor"]["Location"] == "s3://gluelake/clicks/", table

# partition expressions, typed by the key; pages of MaxResults
parts = glue.get_partitions(DatabaseName="gluedb", TableName="clicks", Expression="dt > '2024-01-01'")
assert sorted(p["Values"][0] for p in parts["Partitions"]) == ["2024-01-02", "2024-01-03"], parts
paginator = glue.get_paginator("get_partitions")
pages = list(paginator.paginate(DatabaseName="gluedb", TableName="clicks", PaginationConfig={"PageSize": 1}))
assert sum(len(p["Partitions"]) for p in pages) == 3 and len(pages) == 3, pages
for p in pages[0]["Partitions"]:
    assert "Parameters" in p and p["StorageDescriptor"]["Location"].startswith("s3://gluelake/clicks/dt=")
assert code(glue.get_partitions, DatabaseName="gluedb", TableName="clicks", Expression="nope = 1") == "InvalidInputException"

# a table made with Athena DDL comes back with Athena's formats
query(
    "CREATE EXTERNAL TABLE made_in_sql (x bigint) STORED AS PARQUET LOCATION 's3://gluelake/sql/'",
    "gluedb",
)
sd = glue.get_table(DatabaseName="gluedb", Name="made_in_sql")["Table"]["StorageDescriptor"]
assert sd["InputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat", sd
assert sd["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", sd
names = [t["Name"] for t in glue.get_tables(DatabaseName="gluedb", Expression="made*")["TableList"]]
assert names == ["made_in_sql"], names

# deletes, and the codes clients branch on
glue.batch_delete_partition(DatabaseName="gluedb", TableName="clicks", PartitionsToDelete=[{"Values": ["2024-01-03"]}])
rows = query("SELECT count(*) AS n FROM clicks", "gluedb")
assert rows == [["n"], ["3"]], rows
glue.delete_table(DatabaseName="gluedb", Name="made_in_sql")
assert code(glue.get_table, DatabaseName="gluedb", Name="made_in_sql") == "EntityNotFoundException"
assert code(glue.delete_table, DatabaseName="gluedb", Name="made_in_sql") == "EntityNotFoundException"
assert code(glue.get_database, Name="missing") == "EntityNotFoundException"
print("glue ok")
